/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Ranking of offered H.264 profile-level-ids against the stream we have.
 *
 * The profile and level names are GStreamer's (gst_codec_utils_h264_*), the
 * same strings h264parse puts into the stream's caps, so that both sides of
 * every comparison come from the same table. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-h264.h"

#include <gst/gst.h>
#include <gst/pbutils/codec-utils.h>

#include <string.h>

enum
{
  FIT_UNUSABLE = 0,
  FIT_OTHER = 1,
  FIT_CONTAINS = 2,
  FIT_SAME = 3,
};

/* Parses exactly 6 hex digits (either case) into profile_idc,
 * profile-iop (constraint flags) and level_idc. */
static gboolean
parse_profile_level_id (const gchar * s, guint8 bytes[3])
{
  guint i;

  if (s == NULL || strlen (s) != 6)
    return FALSE;

  for (i = 0; i < 3; i++) {
    gint hi = g_ascii_xdigit_value (s[2 * i]);
    gint lo = g_ascii_xdigit_value (s[2 * i + 1]);

    if (hi < 0 || lo < 0)
      return FALSE;
    bytes[i] = (guint8) (hi << 4 | lo);
  }
  return TRUE;
}

/* GStreamer distinguishes the constraint-flag variants of a profile
 * ("constrained-high", "high-10-intra", ...).  For containment we reason
 * about the profile family they belong to. */
static const gchar *
profile_family (const gchar * profile)
{
  static const struct
  {
    const gchar *variant;
    const gchar *family;
  } variants[] = {
    {"constrained-high", "high"},
    {"progressive-high", "high"},
    {"progressive-high-10", "high-10"},
    {"high-10-intra", "high-10"},
    {"high-4:2:2-intra", "high-4:2:2"},
    {"high-4:4:4-intra", "high-4:4:4"},
    {"cavlc-4:4:4-intra", "high-4:4:4"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (variants); i++) {
    if (g_str_equal (profile, variants[i].variant))
      return variants[i].family;
  }
  return profile;
}

/* Position in the chain of profiles where each one can decode everything
 * the previous ones can: main < high < high-10 < high-4:2:2 < high-4:4:4.
 * 0 for profiles outside the chain. */
static guint
high_chain_rank (const gchar * family)
{
  static const gchar *chain[] = {
    "main", "high", "high-10", "high-4:2:2", "high-4:4:4",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (chain); i++) {
    if (g_str_equal (family, chain[i]))
      return i + 1;
  }
  return 0;
}

/* TRUE if a decoder of profile family @offered decodes every stream of
 * profile family @stream (and they differ). */
static gboolean
family_contains (const gchar * offered, const gchar * stream)
{
  guint offered_rank = high_chain_rank (offered), stream_rank;

  if (g_str_equal (stream, "constrained-baseline")) {
    /* constrained-baseline is the common subset of baseline, main and
     * extended, and therefore of all the high profiles too */
    return offered_rank > 0 || g_str_equal (offered, "baseline")
        || g_str_equal (offered, "extended");
  }

  /* baseline (with FMO / ASO / redundant slices) is only a subset of
   * extended; main and high lack those tools */
  if (g_str_equal (stream, "baseline"))
    return g_str_equal (offered, "extended");

  stream_rank = high_chain_rank (stream);
  return stream_rank > 0 && offered_rank > stream_rank;
}

static gint
profile_score (const gchar * offered, const gchar * stream)
{
  const gchar *offered_family, *stream_family;

  /* a profile GStreamer does not know, or a stream without profile
   * information: nothing to compare, but still decodable by browsers */
  if (offered == NULL || stream == NULL)
    return FIT_OTHER;

  if (g_str_equal (offered, stream))
    return FIT_SAME;

  offered_family = profile_family (offered);
  stream_family = profile_family (stream);

  /* Same family, other constraint flags: browsers announce their High
   * decoder as constrained-high (640c1f), and an offer for the stream's own
   * family beats any other profile.  Ranked with the containing profiles
   * rather than with the exact match, so that 64001f beats 640c1f for a
   * high stream. */
  if (g_str_equal (offered_family, stream_family))
    return FIT_CONTAINS;

  if (family_contains (offered_family, stream_family))
    return FIT_CONTAINS;

  return FIT_OTHER;
}

/* Orders levels, with level 1b (level_idc 9 for the high profiles, 11 with
 * constraint_set3 for the others) between 1 and 1.1.  0 if unknown. */
static guint
level_order (const gchar * level)
{
  if (level == NULL)
    return 0;
  if (g_str_equal (level, "1b"))
    return 10 * 2 + 1;
  return gst_codec_utils_h264_get_level_idc (level) * 2;
}

gint
whep_h264_profile_fit (const gchar * offered_profile_level_id,
    const gchar * stream_profile, const gchar * stream_level)
{
  guint8 bytes[3];
  const gchar *offered_profile;
  guint offered_level, wanted_level;
  gint score;

  if (!parse_profile_level_id (offered_profile_level_id, bytes))
    return FIT_UNUSABLE;

  offered_profile = gst_codec_utils_h264_get_profile (bytes, sizeof (bytes));
  score = profile_score (offered_profile, stream_profile);

  offered_level =
      level_order (gst_codec_utils_h264_get_level (bytes, sizeof (bytes)));
  wanted_level = level_order (stream_level);

  /* an unknown level on either side (including no stream level at all)
   * never counts as fitting */
  if (offered_level == 0 || wanted_level == 0)
    return score * 2;

  return score * 2 + (offered_level >= wanted_level ? 1 : 0);
}

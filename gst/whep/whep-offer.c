/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Offer/answer logic of the WHEP endpoint, on plain GstSDPMessages:
 *
 *  - whep_offer_parse() turns a POST body into an offer, or explains in one
 *    line why it is not one (HTTP 400);
 *  - whep_answer_plan_new() decides, m-line by m-line, what we answer, and
 *    which offered payload type we send with;
 *  - whep_mline_plan_to_caps() states that choice as the RTP caps webrtcbin
 *    needs to produce a matching answer;
 *  - whep_answer_apply_plan() marks the rejected m-lines in webrtcbin's
 *    answer.
 *
 * We only ever send: one H.264 video and one Opus audio stream, both coming
 * out of an MPEG-TS stream that is not transcoded.  So nothing here
 * negotiates down: an offered payload type either fits what we have, or the
 * m-line is rejected. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-offer.h"
#include "whep-h264.h"

#include <string.h>

#define GST_CAT_DEFAULT whep_offer_debug
GST_DEBUG_CATEGORY_STATIC (whep_offer_debug);

/* RFC 6184 8.1: what an H.264 payload type without profile-level-id means
 * (baseline profile, level 1). */
#define H264_DEFAULT_PROFILE_LEVEL_ID "42000a"

/* The most payload types and attributes an m-line may have.  GstSDP finds
 * the n-th "rtpmap" (or "fmtp", "rtcp-fb") by walking all attributes from
 * the first, for each n and each payload type, here and again in webrtcbin:
 * work that grows with payload types x attributes^2.  A 64 KiB offer made
 * of that took minutes of the server's thread; within these bounds it takes
 * a fraction of a second.  Real offers stay well below them (Chromium: 27
 * payload types and 100 attributes in its video m-line); 128 is also the
 * number of payload types there are. */
#define MAX_FORMATS_PER_MLINE 128
#define MAX_ATTRIBUTES_PER_MLINE 256

G_DEFINE_QUARK (whep-offer-error-quark, whep_offer_error);

static void
ensure_debug_category (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (whep_offer_debug, "whepoffer", 0,
        "WHEP offer/answer negotiation");
    g_once_init_leave (&initialized, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* Attribute look-ups                                                        */

/* The value of attribute @key of @media, or else of the session, or NULL.
 * An attribute without a value ("a=recvonly") has the value "". */
static const gchar *
attribute_val (const GstSDPMessage * msg, const GstSDPMedia * media,
    const gchar * key)
{
  const gchar *val = gst_sdp_media_get_attribute_val (media, key);

  if (val == NULL)
    val = gst_sdp_message_get_attribute_val (msg, key);
  return val;
}

/* Like attribute_val(), but an empty value counts as absent. */
static gboolean
has_attribute_value (const GstSDPMessage * msg, const GstSDPMedia * media,
    const gchar * key)
{
  const gchar *val = attribute_val (msg, media, key);

  return val != NULL && *val != '\0';
}

/* The direction attribute of @media, else of the session, else the
 * RFC 3264 default "sendrecv". */
static const gchar *
media_direction (const GstSDPMessage * msg, const GstSDPMedia * media)
{
  static const gchar *directions[] = {
    "sendrecv", "sendonly", "recvonly", "inactive",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (directions); i++) {
    if (gst_sdp_media_get_attribute_val (media, directions[i]) != NULL)
      return directions[i];
  }
  for (i = 0; i < G_N_ELEMENTS (directions); i++) {
    if (gst_sdp_message_get_attribute_val (msg, directions[i]) != NULL)
      return directions[i];
  }
  return "sendrecv";
}

/* The value of attribute "@key:<pt> <value>" of @media, or NULL. */
static const gchar *
attribute_val_for_pt (const GstSDPMedia * media, const gchar * key, gint pt)
{
  const gchar *val;
  guint i;

  for (i = 0; (val = gst_sdp_media_get_attribute_val_n (media, key, i)); i++) {
    gchar *end;
    gint64 attr_pt = g_ascii_strtoll (val, &end, 10);

    if (end != val && attr_pt == pt && g_ascii_isspace (*end))
      return end + 1;
  }
  return NULL;
}

/* Parameter @name of the a=fmtp of @pt, e.g. "42e01f"; NULL if absent.
 * Names compare case-insensitively (RFC 6184 uses "profile-level-id", some
 * peers write "Profile-Level-Id").
 *
 * Only used for profile-level-id: gst_sdp_media_get_caps_from_media()
 * turns that one into a "profile" field and drops the level, which we need
 * both to rank payload types and to repeat the offered value verbatim. */
static gchar *
fmtp_param (const GstSDPMedia * media, gint pt, const gchar * name)
{
  const gchar *fmtp = attribute_val_for_pt (media, "fmtp", pt);
  gchar **params, **p;
  gchar *ret = NULL;

  if (fmtp == NULL)
    return NULL;

  params = g_strsplit (fmtp, ";", -1);
  for (p = params; *p != NULL && ret == NULL; p++) {
    gchar **kv = g_strsplit (*p, "=", 2);

    if (kv[0] != NULL && kv[1] != NULL
        && g_ascii_strcasecmp (g_strstrip (kv[0]), name) == 0)
      ret = g_strdup (g_strstrip (kv[1]));
    g_strfreev (kv);
  }
  g_strfreev (params);
  return ret;
}

/* The offered payload type @pt as GstSDP reads it (rtpmap, fmtp and
 * rtcp-fb), or NULL if @pt has no a=rtpmap: static payload types are
 * nothing we could use, and GstSDP would complain about dynamic ones. */
static GstCaps *
offered_caps_for_pt (const GstSDPMedia * media, gint pt)
{
  if (attribute_val_for_pt (media, "rtpmap", pt) == NULL)
    return NULL;
  return gst_sdp_media_get_caps_from_media (media, pt);
}

static gboolean
parse_payload_type (const gchar * format, gint * pt)
{
  gint64 val;

  if (!g_ascii_string_to_signed (format, 10, 0, 127, &val, NULL))
    return FALSE;
  *pt = (gint) val;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* whep_offer_parse()                                                       */

/* Skips blank lines; TRUE if the first other line is exactly "v=0" (up to
 * trailing white space).  GstSDP would accept, and silently skip, any
 * junk in front of it. */
static gboolean
starts_with_version_line (const gchar * text, gsize len)
{
  gsize pos = 0;

  while (pos < len) {
    gsize eol = pos, end;

    while (eol < len && text[eol] != '\n')
      eol++;
    end = eol;
    while (end > pos && g_ascii_isspace (text[end - 1]))
      end--;

    if (end > pos)
      return end - pos == 3 && memcmp (text + pos, "v=0", 3) == 0;
    pos = eol + 1;
  }
  return FALSE;
}

static gboolean
is_blank (const gchar * text, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++) {
    if (!g_ascii_isspace (text[i]))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_audio_or_video (const GstSDPMedia * media)
{
  const gchar *kind = gst_sdp_media_get_media (media);

  return g_strcmp0 (kind, "audio") == 0 || g_strcmp0 (kind, "video") == 0;
}

/* Port 0 rejects an m-line, unless it is "bundle-only" (RFC 8843 7.2): an
 * offerer with bundle-policy max-bundle (webrtcbin, and browsers when asked)
 * gives every m-line but the first port 0 and a=bundle-only, and wants them
 * all, carried on the first one's transport. */
static gboolean
media_is_rejected (const GstSDPMedia * media)
{
  return gst_sdp_media_get_port (media) == 0 &&
      gst_sdp_media_get_attribute_val (media, "bundle-only") == NULL;
}

/* What a WebRTC peer must put into every m-line it wants to use.  A
 * bundle-only m-line uses the transport of its group's first m-line. */
static gboolean
check_offered_media (const GstSDPMessage * msg, guint idx, GError ** error)
{
  const GstSDPMedia *media = gst_sdp_message_get_media (msg, idx);
  const gchar *setup;

  /* every m-line: a bundle-only one is planned too */
  if (gst_sdp_media_formats_len (media) > MAX_FORMATS_PER_MLINE) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "m-line %u has more than %d payload types", idx,
        MAX_FORMATS_PER_MLINE);
    return FALSE;
  }
  if (gst_sdp_media_attributes_len (media) > MAX_ATTRIBUTES_PER_MLINE) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "m-line %u has more than %d attributes", idx,
        MAX_ATTRIBUTES_PER_MLINE);
    return FALSE;
  }

  if (gst_sdp_media_get_port (media) == 0 || !is_audio_or_video (media))
    return TRUE;            /* rejected, or bundle-only */

  if (!has_attribute_value (msg, media, "ice-ufrag")
      || !has_attribute_value (msg, media, "ice-pwd")) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "m-line %u has no ICE credentials", idx);
    return FALSE;
  }

  if (!has_attribute_value (msg, media, "fingerprint")) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "m-line %u has no DTLS fingerprint", idx);
    return FALSE;
  }

  /* RFC 5763: the offerer must say actpass.  active / passive is what an
   * answer says, typically one POSTed to the wrong URL. */
  setup = attribute_val (msg, media, "setup");
  if (setup != NULL && g_ascii_strcasecmp (setup, "actpass") != 0) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP is not an offer: a=setup:%s", setup);
    return FALSE;
  }

  return TRUE;
}

static gboolean
check_offer (const GstSDPMessage * msg, GError ** error)
{
  guint i, n_medias;

  if (gst_sdp_message_get_version (msg) == NULL) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP has no version line");
    return FALSE;
  }

  n_medias = gst_sdp_message_medias_len (msg);
  if (n_medias == 0) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP has no m-line");
    return FALSE;
  }

  for (i = 0; i < n_medias; i++) {
    if (!check_offered_media (msg, i, error))
      return FALSE;
  }
  return TRUE;
}

/* What can be said about the raw text before GstSDP sees it. */
static gboolean
check_text (const gchar * sdp_text, gsize len, GError ** error)
{
  if (len == 0 || is_blank (sdp_text, len)) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP is empty");
    return FALSE;
  }
  if (len > G_MAXUINT) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP is too large");
    return FALSE;
  }
  /* GstSDP would stop reading there and parse only a prefix */
  if (memchr (sdp_text, '\0', len) != NULL) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP contains a NUL byte");
    return FALSE;
  }
  if (!starts_with_version_line (sdp_text, len)) {
    g_set_error (error, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP does not start with v=0");
    return FALSE;
  }
  return TRUE;
}

/* The names an offer may bring into GstSDP's caps.  GstSDP (here, to plan
 * the answer, and in webrtcbin) turns every a=fmtp parameter and every
 * a=rtcp-fb type into a caps field named after it, and every field name
 * into a GQuark, which GLib never frees: names the client made up would
 * stay in the process for good, an offer at a time.  Only these, the
 * parameters and feedback of the codecs RTP has (RFC 6184, 7798, 7587,
 * 7741, 4588, 8627, AV1's), pass; the rest is dropped from the offer. */
static const gchar *const known_fmtp_params[] = {
  /* H.264 */
  "profile-level-id", "packetization-mode", "level-asymmetry-allowed",
  "sprop-parameter-sets", "sprop-level-parameter-sets", "max-mbps",
  "max-smbps", "max-fs", "max-cpb", "max-dpb", "max-br",
  "redundant-pic-cap", "sprop-deint-buf-req", "sprop-interleaving-depth",
  "sprop-max-don-diff", "sprop-init-buf-time", "deint-buf-cap",
  "max-rcmd-nalu-size", "in-band-parameter-sets",
  "use-level-src-parameter-sets",
  /* H.265 */
  "profile-space", "profile-id", "tier-flag", "level-id",
  "interop-constraints", "profile-compatibility-indicator",
  "sprop-sub-layer-id", "recv-sub-layer-id", "max-recv-level-id", "tx-mode",
  "sprop-vps", "sprop-sps", "sprop-pps", "sprop-sei", "max-lsr", "max-lps",
  "max-tr", "max-tc", "max-fps", "sprop-depack-buf-nalus",
  "sprop-depack-buf-bytes", "depack-buf-cap", "sprop-segmentation-id",
  "sprop-spatial-segmentation-idc", "dec-parallel-cap", "include-dph",
  /* Opus */
  "maxplaybackrate", "sprop-maxcapturerate", "maxptime", "ptime", "minptime",
  "maxaveragebitrate", "stereo", "sprop-stereo", "cbr", "useinbandfec",
  "usedtx",
  /* VP8, VP9, AV1 */
  "max-fr", "profile", "level-idx", "tier",
  /* retransmission, FEC */
  "apt", "rtx-time", "repair-window", "l", "d", "top",
};

/* "nack", "nack pli", ...: the type and parameter of an a=rtcp-fb */
static const gchar *const known_rtcp_fb_types[] = {
  "nack", "nack pli", "nack sli", "nack rpsi", "ccm fir", "ccm tmmbr",
  "ccm tstr", "ccm vbcm", "goog-remb", "transport-cc",
};

static gboolean
in_list (const gchar * name, const gchar * const *list, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

/* "<pt> k=v;x=y": the known parameters, names in lower case as GstSDP
 * would make them; NULL if none is left. */
static gchar *
known_fmtp (const gchar * value)
{
  const gchar *params = strchr (value, ' ');
  GString *out;
  gchar **pairs, **p;
  gboolean any = FALSE;

  if (params == NULL)
    return NULL;
  out = g_string_new_len (value, params - value + 1);
  pairs = g_strsplit (params + 1, ";", -1);
  for (p = pairs; *p; p++) {
    gchar **kv = g_strsplit (*p, "=", 2);

    if (kv[0] && kv[1] && in_list (g_strstrip (kv[0]), known_fmtp_params,
            G_N_ELEMENTS (known_fmtp_params))) {
      gchar *name = g_ascii_strdown (kv[0], -1);

      g_string_append_printf (out, "%s%s=%s", any ? ";" : "", name,
          g_strstrip (kv[1]));
      g_free (name);
      any = TRUE;
    }
    g_strfreev (kv);
  }
  g_strfreev (pairs);
  if (!any) {
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

/* Whether "<pt> <type>[ <parameter>]" is a known feedback. */
static gboolean
is_known_rtcp_fb (const gchar * value)
{
  const gchar *feedback = strchr (value, ' ');

  return feedback && in_list (feedback + 1, known_rtcp_fb_types,
      G_N_ELEMENTS (known_rtcp_fb_types));
}

/* Keeps the client's own names out of GstSDP's caps (see above): unknown
 * fmtp parameters and rtcp-fb types go, and so do a=ssrc and a=ssrc-group,
 * which describe what a viewer sends (nothing: it only receives) with
 * numbers of its choosing. */
static void
drop_unknown_names (GstSDPMedia * media)
{
  guint i = 0;

  while (i < gst_sdp_media_attributes_len (media)) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    const gchar *value = attr->value ? attr->value : "";
    gboolean drop = FALSE;

    if (g_strcmp0 (attr->key, "ssrc") == 0 ||
        g_strcmp0 (attr->key, "ssrc-group") == 0) {
      drop = TRUE;
    } else if (g_strcmp0 (attr->key, "rtcp-fb") == 0) {
      drop = !is_known_rtcp_fb (value);
    } else if (g_strcmp0 (attr->key, "fmtp") == 0) {
      gchar *kept = known_fmtp (value);

      if (kept && strcmp (kept, value) != 0) {
        GstSDPAttribute replacement;

        gst_sdp_attribute_set (&replacement, "fmtp", kept);
        gst_sdp_media_replace_attribute (media, i, &replacement);
      }
      drop = kept == NULL;
      g_free (kept);
    }
    if (drop)
      gst_sdp_media_remove_attribute (media, i);
    else
      i++;
  }
}

/* ICE credentials, the fingerprint and a=setup may stand at session level
 * (RFC 8839, RFC 8122), but webrtcbin looks for them in each m-line: move
 * them down.  Move, not copy: webrtcbin 1.22.0 refuses an offer with a
 * fingerprint at both levels ("No fingerprint lines in sdp for media 0"),
 * fixed only in a later Debian update.  An offer without a=setup means
 * actpass (RFC 8842). */
static void
normalize_offer (GstSDPMessage * msg)
{
  static const gchar *const inherited[] = { "ice-ufrag", "ice-pwd",
    "fingerprint", "setup"
  };
  guint i, k;

  for (i = 0; i < gst_sdp_message_medias_len (msg); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (msg, i);

    drop_unknown_names (media);
    for (k = 0; k < G_N_ELEMENTS (inherited); k++) {
      const gchar *value;

      if (gst_sdp_media_get_attribute_val (media, inherited[k]))
        continue;
      value = gst_sdp_message_get_attribute_val (msg, inherited[k]);
      if (value == NULL && strcmp (inherited[k], "setup") == 0)
        value = "actpass";
      if (value)
        gst_sdp_media_add_attribute (media, inherited[k], value);
    }
  }

  i = 0;
  while (i < gst_sdp_message_attributes_len (msg)) {
    const GstSDPAttribute *attr = gst_sdp_message_get_attribute (msg, i);
    gboolean moved = FALSE;

    for (k = 0; k < G_N_ELEMENTS (inherited); k++)
      moved |= g_strcmp0 (attr->key, inherited[k]) == 0;
    if (moved && gst_sdp_message_medias_len (msg) > 0)
      gst_sdp_message_remove_attribute (msg, i);
    else
      i++;
  }
}

GstSDPMessage *
whep_offer_parse (const gchar * sdp_text, gsize len, GError ** error)
{
  GstSDPMessage *msg = NULL;
  GError *err = NULL;

  g_return_val_if_fail (sdp_text != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_debug_category ();

  if (!check_text (sdp_text, len, &err))
    goto fail;

  if (gst_sdp_message_new (&msg) != GST_SDP_OK
      || gst_sdp_message_parse_buffer ((const guint8 *) sdp_text, (guint) len,
          msg) != GST_SDP_OK) {
    g_set_error (&err, WHEP_OFFER_ERROR, WHEP_OFFER_ERROR_MALFORMED,
        "SDP could not be parsed");
    goto fail;
  }

  if (!check_offer (msg, &err))
    goto fail;
  normalize_offer (msg);

  GST_DEBUG ("parsed an offer with %u m-lines",
      gst_sdp_message_medias_len (msg));
  return msg;

fail:
  GST_INFO ("rejecting the SDP: %s", err->message);
  g_propagate_error (error, err);
  if (msg != NULL)
    gst_sdp_message_free (msg);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* whep_answer_plan_new()                                                   */

static void
mline_plan_free (WhepMLinePlan * mline)
{
  g_free (mline->mid);
  g_free (mline->encoding_name);
  g_free (mline->profile_level_id);
  g_free (mline->reject_reason);
  g_free (mline);
}

static WhepMediaKind
media_kind (const GstSDPMedia * media)
{
  const gchar *name = gst_sdp_media_get_media (media);

  if (g_strcmp0 (name, "video") == 0)
    return WHEP_MEDIA_KIND_VIDEO;
  if (g_strcmp0 (name, "audio") == 0)
    return WHEP_MEDIA_KIND_AUDIO;
  return WHEP_MEDIA_KIND_OTHER;
}

static const gchar *
kind_name (WhepMediaKind kind)
{
  switch (kind) {
    case WHEP_MEDIA_KIND_VIDEO:
      return "video";
    case WHEP_MEDIA_KIND_AUDIO:
      return "audio";
    case WHEP_MEDIA_KIND_OTHER:
    default:
      return "other";
  }
}

static void plan_reject (WhepMLinePlan * mline, const gchar * format, ...)
    G_GNUC_PRINTF (2, 3);

static void
plan_reject (WhepMLinePlan * mline, const gchar * format, ...)
{
  va_list args;

  va_start (args, format);
  g_free (mline->reject_reason);
  mline->reject_reason = g_strdup_vprintf (format, args);
  va_end (args);
  mline->accepted = FALSE;
}

static void
plan_accept (WhepMLinePlan * mline, gint pt, const gchar * encoding_name,
    guint clock_rate, const gchar * profile_level_id)
{
  mline->accepted = TRUE;
  mline->payload_type = pt;
  mline->encoding_name = g_strdup (encoding_name);
  mline->clock_rate = clock_rate;
  mline->profile_level_id =
      profile_level_id ? g_ascii_strdown (profile_level_id, -1) : NULL;
}

static gboolean
caps_have_encoding (const GstStructure * s, const gchar * encoding_name,
    gint clock_rate)
{
  const gchar *name = gst_structure_get_string (s, "encoding-name");
  gint rate;

  return name != NULL && g_ascii_strcasecmp (name, encoding_name) == 0
      && gst_structure_get_int (s, "clock-rate", &rate) && rate == clock_rate;
}

/* Picks the H.264 payload type whose profile-level-id fits the stream
 * best; the first offered one wins ties.  rtx, red, ulpfec and the other
 * codecs are skipped by the rtpmap check. */
static void
choose_h264 (const GstSDPMedia * media, const WhepStreamInfo * stream,
    WhepMLinePlan * mline)
{
  gint best_pt = -1, best_fit = 0;
  gchar *best_plid = NULL;
  gboolean any_h264 = FALSE;
  guint i;

  for (i = 0; i < gst_sdp_media_formats_len (media); i++) {
    GstCaps *caps;
    const GstStructure *s;
    gchar *plid;
    gint pt, fit;

    if (!parse_payload_type (gst_sdp_media_get_format (media, i), &pt))
      continue;
    caps = offered_caps_for_pt (media, pt);
    if (caps == NULL)
      continue;
    s = gst_caps_get_structure (caps, 0);

    /* packetization-mode 0 (the default when absent) allows only single
     * NAL unit packets: no FU-A fragmentation, so no slice larger than the
     * MTU, which an MPEG-TS stream we do not re-encode cannot promise */
    if (!caps_have_encoding (s, "H264", 90000)
        || g_strcmp0 (gst_structure_get_string (s, "packetization-mode"),
            "1") != 0) {
      gst_caps_unref (caps);
      continue;
    }
    gst_caps_unref (caps);
    any_h264 = TRUE;

    plid = fmtp_param (media, pt, "profile-level-id");
    if (plid == NULL)
      plid = g_strdup (H264_DEFAULT_PROFILE_LEVEL_ID);
    fit = whep_h264_profile_fit (plid, stream->h264_profile,
        stream->h264_level);
    GST_DEBUG ("H.264 payload type %d, profile-level-id %s: fit %d", pt,
        plid, fit);

    if (fit > best_fit) {
      best_fit = fit;
      best_pt = pt;
      g_free (best_plid);
      best_plid = plid;
    } else {
      g_free (plid);
    }
  }

  if (best_pt >= 0)
    plan_accept (mline, best_pt, "H264", 90000, best_plid);
  else if (any_h264)
    plan_reject (mline, "no H.264 with a valid profile-level-id");
  else
    plan_reject (mline, "no H.264 with packetization-mode=1");
  g_free (best_plid);
}

/* RFC 7798's profile-id (general_profile_idc) of a profile h265parse
 * names; NULL for one it does not map. */
static const gchar *
h265_profile_id (const gchar * profile)
{
  if (g_strcmp0 (profile, "main") == 0)
    return "1";
  if (g_strcmp0 (profile, "main-10") == 0)
    return "2";
  if (g_strcmp0 (profile, "main-still-picture") == 0)
    return "3";
  return NULL;
}

/* Picks the H.265 payload type whose profile-id is the stream's (absent
 * means Main, RFC 7798 7.1), else the first H265/90000 offered.  The
 * stream is passed through as it is: a browser that offers H.265 at all
 * plays Main, the profile encoders and cameras make. */
static void
choose_h265 (const GstSDPMedia * media, const WhepStreamInfo * stream,
    WhepMLinePlan * mline)
{
  const gchar *wanted = h265_profile_id (stream->h265_profile);
  gint first_pt = -1, best_pt = -1;
  guint i;

  for (i = 0; i < gst_sdp_media_formats_len (media) && best_pt < 0; i++) {
    GstCaps *caps;
    gchar *profile_id;
    gboolean h265;
    gint pt;

    if (!parse_payload_type (gst_sdp_media_get_format (media, i), &pt))
      continue;
    caps = offered_caps_for_pt (media, pt);
    if (caps == NULL)
      continue;
    h265 = caps_have_encoding (gst_caps_get_structure (caps, 0), "H265",
        90000);
    gst_caps_unref (caps);
    if (!h265)
      continue;
    if (first_pt < 0)
      first_pt = pt;
    profile_id = fmtp_param (media, pt, "profile-id");
    if (wanted && g_strcmp0 (profile_id ? profile_id : "1", wanted) == 0)
      best_pt = pt;
    g_free (profile_id);
  }

  if (best_pt < 0)
    best_pt = first_pt;
  if (best_pt >= 0)
    plan_accept (mline, best_pt, "H265", 90000, NULL);
  else
    plan_reject (mline, "the stream is H.265 and the offer has no H265");
}

/* The first opus/48000/2 payload type: there is nothing to choose between
 * several, our Opus is what it is. */
static void
choose_opus (const GstSDPMedia * media, WhepMLinePlan * mline)
{
  guint i;

  for (i = 0; i < gst_sdp_media_formats_len (media); i++) {
    GstCaps *caps;
    const GstStructure *s;
    gboolean ok;
    gint pt;

    if (!parse_payload_type (gst_sdp_media_get_format (media, i), &pt))
      continue;
    caps = offered_caps_for_pt (media, pt);
    if (caps == NULL)
      continue;
    s = gst_caps_get_structure (caps, 0);
    ok = caps_have_encoding (s, "OPUS", 48000)
        && g_strcmp0 (gst_structure_get_string (s, "encoding-params"),
        "2") == 0;
    gst_caps_unref (caps);

    if (ok) {
      plan_accept (mline, pt, "OPUS", 48000, NULL);
      return;
    }
  }
  plan_reject (mline, "no opus/48000/2");
}

static gboolean
stream_has (const WhepStreamInfo * stream, WhepMediaKind kind)
{
  return kind == WHEP_MEDIA_KIND_VIDEO ? stream->has_video : stream->has_audio;
}

/* The decision for m-line @idx; @accepted_kinds has a bit per kind that an
 * earlier m-line already took. */
static WhepMLinePlan *
plan_mline (const GstSDPMessage * offer, guint idx,
    const WhepStreamInfo * stream, guint accepted_kinds)
{
  const GstSDPMedia *media = gst_sdp_message_get_media (offer, idx);
  WhepMLinePlan *mline = g_new0 (WhepMLinePlan, 1);
  const gchar *direction;

  mline->mline = idx;
  mline->kind = media_kind (media);
  mline->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
  mline->payload_type = -1;

  if (media_is_rejected (media)) {
    plan_reject (mline, "rejected in the offer (port 0)");
    return mline;
  }

  if (mline->kind == WHEP_MEDIA_KIND_OTHER) {
    if (g_strcmp0 (gst_sdp_media_get_media (media), "application") == 0)
      plan_reject (mline, "data channels are not offered");
    else
      plan_reject (mline, "%s m-lines are not supported",
          GST_STR_NULL (gst_sdp_media_get_media (media)));
    return mline;
  }

  if (!stream_has (stream, mline->kind)) {
    plan_reject (mline, "the stream has no %s", kind_name (mline->kind));
    return mline;
  }

  /* the peer must be willing to receive: we never receive anything */
  direction = media_direction (offer, media);
  if (g_str_equal (direction, "sendonly") || g_str_equal (direction,
          "inactive")) {
    plan_reject (mline, "the offer is %s, but this endpoint only sends",
        direction);
    return mline;
  }

  if (accepted_kinds & (1u << mline->kind)) {
    plan_reject (mline, "another %s m-line is already accepted",
        kind_name (mline->kind));
    return mline;
  }

  if (mline->kind == WHEP_MEDIA_KIND_VIDEO &&
      stream->video_codec == WHEP_VIDEO_CODEC_H265) {
    choose_h265 (media, stream, mline);
    /* no H265 offered: the H.264 made from it, if there is one */
    if (!mline->accepted && stream->h264_fallback) {
      g_clear_pointer (&mline->reject_reason, g_free);
      choose_h264 (media, stream, mline);
    }
  } else if (mline->kind == WHEP_MEDIA_KIND_VIDEO)
    choose_h264 (media, stream, mline);
  else
    choose_opus (media, mline);

  return mline;
}

/* "offer has nothing this stream can send: video: ...; audio: ..." */
static gchar *
describe_rejections (const GstSDPMessage * offer, const WhepAnswerPlan * plan)
{
  GString *msg = g_string_new ("offer has nothing this stream can send: ");
  guint i;

  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *mline = g_ptr_array_index (plan->mlines, i);
    const gchar *name =
        gst_sdp_media_get_media (gst_sdp_message_get_media (offer, i));

    g_string_append_printf (msg, "%s%s: %s", i > 0 ? "; " : "",
        name ? name : "?", mline->reject_reason);
  }
  return g_string_free (msg, FALSE);
}

WhepAnswerPlan *
whep_answer_plan_new (const GstSDPMessage * offer,
    const WhepStreamInfo * stream, GError ** error)
{
  WhepAnswerPlan *plan;
  guint accepted_kinds = 0;
  guint i, n_medias;

  g_return_val_if_fail (offer != NULL, NULL);
  g_return_val_if_fail (stream != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ensure_debug_category ();

  n_medias = gst_sdp_message_medias_len (offer);
  plan = g_new0 (WhepAnswerPlan, 1);
  plan->mlines = g_ptr_array_new_full (n_medias,
      (GDestroyNotify) mline_plan_free);

  for (i = 0; i < n_medias; i++) {
    WhepMLinePlan *mline = plan_mline (offer, i, stream, accepted_kinds);

    if (mline->accepted) {
      accepted_kinds |= 1u << mline->kind;
      plan->n_accepted++;
      GST_INFO ("m-line %u (%s, mid %s): sending %s payload type %d%s%s", i,
          kind_name (mline->kind), GST_STR_NULL (mline->mid),
          mline->encoding_name, mline->payload_type,
          mline->profile_level_id ? " profile-level-id " : "",
          mline->profile_level_id ? mline->profile_level_id : "");
    } else {
      GST_INFO ("m-line %u (%s, mid %s): rejected: %s", i,
          kind_name (mline->kind), GST_STR_NULL (mline->mid),
          mline->reject_reason);
    }
    g_ptr_array_add (plan->mlines, mline);
  }

  if (plan->n_accepted == 0) {
    gchar *why = describe_rejections (offer, plan);

    GST_INFO ("%s", why);
    g_set_error_literal (error, WHEP_OFFER_ERROR,
        WHEP_OFFER_ERROR_NOTHING_ACCEPTABLE, why);
    g_free (why);
    whep_answer_plan_free (plan);
    return NULL;
  }

  return plan;
}

void
whep_answer_plan_free (WhepAnswerPlan * plan)
{
  if (plan == NULL)
    return;
  g_ptr_array_unref (plan->mlines);
  g_free (plan);
}

/* ------------------------------------------------------------------------ */
/* Queries on a plan                                                        */

WhepVideoCodec
whep_answer_plan_video_codec (const WhepAnswerPlan * plan)
{
  guint i;

  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *m = g_ptr_array_index (plan->mlines, i);

    if (m->accepted && m->kind == WHEP_MEDIA_KIND_VIDEO &&
        g_strcmp0 (m->encoding_name, "H265") == 0)
      return WHEP_VIDEO_CODEC_H265;
  }
  return WHEP_VIDEO_CODEC_H264;
}

guint
whep_answer_plan_mline_for_mid (const WhepAnswerPlan * plan,
    const gchar * mid)
{
  guint i, first = 0;
  gboolean have_first = FALSE;

  g_return_val_if_fail (plan != NULL, 0);

  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *m = g_ptr_array_index (plan->mlines, i);

    if (mid && g_strcmp0 (m->mid, mid) == 0)
      return i;
    if (m->accepted && !have_first) {
      first = i;
      have_first = TRUE;
    }
  }
  return first;
}

const gchar *
whep_answer_plan_first_accepted_mid (const WhepAnswerPlan * plan)
{
  guint i;

  g_return_val_if_fail (plan != NULL, NULL);

  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *m = g_ptr_array_index (plan->mlines, i);

    if (m->accepted)
      return m->mid;
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* whep_mline_plan_to_caps()                                                */

GstCaps *
whep_mline_plan_to_caps (const WhepMLinePlan * mline, guint32 ssrc)
{
  GstCaps *caps;

  g_return_val_if_fail (mline != NULL, NULL);
  g_return_val_if_fail (mline->accepted, NULL);
  g_return_val_if_fail (mline->kind == WHEP_MEDIA_KIND_VIDEO
      || mline->kind == WHEP_MEDIA_KIND_AUDIO, NULL);
  g_return_val_if_fail (mline->encoding_name != NULL, NULL);

  caps = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, kind_name (mline->kind),
      "encoding-name", G_TYPE_STRING, mline->encoding_name,
      "clock-rate", G_TYPE_INT, (gint) mline->clock_rate,
      "payload", G_TYPE_INT, mline->payload_type,
      "ssrc", G_TYPE_UINT, (guint) ssrc, NULL);

  if (mline->kind == WHEP_MEDIA_KIND_VIDEO &&
      g_strcmp0 (mline->encoding_name, "H265") == 0) {
    /* the offer's own fmtp (profile-id, level-id, tier-flag) comes into
     * the answer through webrtcbin's intersection with the offer */
    gst_caps_set_simple (caps,
        "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
        "rtcp-fb-ccm-fir", G_TYPE_BOOLEAN, TRUE, NULL);
  } else if (mline->kind == WHEP_MEDIA_KIND_VIDEO) {
    /* exactly the offered profile-level-id, so that webrtcbin finds this
     * payload type in the offer */
    gst_caps_set_simple (caps,
        "packetization-mode", G_TYPE_STRING, "1",
        "profile-level-id", G_TYPE_STRING,
        mline->profile_level_id ? mline->profile_level_id :
        H264_DEFAULT_PROFILE_LEVEL_ID,
        "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
        "rtcp-fb-ccm-fir", G_TYPE_BOOLEAN, TRUE, NULL);
  } else {
    /* No sprop-stereo / sprop-maxcapturerate: webrtcbin 1.22.0 mishandles
     * them when it builds the answer's fmtp. */
    gst_caps_set_simple (caps,
        "encoding-params", G_TYPE_STRING, "2",
        "minptime", G_TYPE_STRING, "10",
        "useinbandfec", G_TYPE_STRING, "1", NULL);
  }

  return caps;
}

/* ------------------------------------------------------------------------ */
/* whep_answer_apply_plan()                                                 */

static gboolean
mid_in (const gchar * mid, GPtrArray * mids)
{
  guint i;

  for (i = 0; i < mids->len; i++) {
    if (g_str_equal (mid, g_ptr_array_index (mids, i)))
      return TRUE;
  }
  return FALSE;
}

/* "BUNDLE 0 1 2" without the mids in @removed, or NULL if none is left.
 * Sets @changed if a mid was dropped. */
static gchar *
bundle_without (const gchar * value, GPtrArray * removed, gboolean * changed)
{
  gchar **tokens = g_strsplit_set (value, " \t", -1);
  GString *out = g_string_new (tokens[0]);
  guint i, kept = 0;

  for (i = 1; tokens[i] != NULL; i++) {
    if (tokens[i][0] == '\0')
      continue;
    if (mid_in (tokens[i], removed)) {
      *changed = TRUE;
      continue;
    }
    g_string_append_printf (out, " %s", tokens[i]);
    kept++;
  }
  g_strfreev (tokens);

  if (kept == 0) {
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

static gboolean
is_bundle_group (const GstSDPAttribute * attr)
{
  return g_strcmp0 (attr->key, "group") == 0 && attr->value != NULL
      && g_ascii_strncasecmp (attr->value, "BUNDLE", 6) == 0
      && (attr->value[6] == '\0' || g_ascii_isspace (attr->value[6]));
}

/* The first mid of the first BUNDLE group, or NULL. */
static gchar *
bundle_tag (const GstSDPMessage * sdp)
{
  guint i;

  for (i = 0; i < gst_sdp_message_attributes_len (sdp); i++) {
    const GstSDPAttribute *attr = gst_sdp_message_get_attribute (sdp, i);
    gchar **tokens;
    gchar *tag = NULL;
    guint k;

    if (!is_bundle_group (attr))
      continue;
    tokens = g_strsplit_set (attr->value, " \t", -1);
    for (k = 1; tokens[k] && tag == NULL; k++)
      if (tokens[k][0] != '\0')
        tag = g_strdup (tokens[k]);
    g_strfreev (tokens);
    return tag;
  }
  return NULL;
}

static void
make_inactive (GstSDPMedia * media)
{
  static const gchar *const directions[] = { "sendrecv", "sendonly",
    "recvonly", "inactive"
  };
  guint i = 0, k;

  while (i < gst_sdp_media_attributes_len (media)) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    gboolean is_direction = FALSE;

    for (k = 0; k < G_N_ELEMENTS (directions); k++)
      is_direction |= g_strcmp0 (attr->key, directions[k]) == 0;
    if (is_direction)
      gst_sdp_media_remove_attribute (media, i);
    else
      i++;
  }
  gst_sdp_media_add_attribute (media, "inactive", "");
}

static void
remove_from_bundle_groups (GstSDPMessage * answer, GPtrArray * removed)
{
  guint i = 0;

  while (i < gst_sdp_message_attributes_len (answer)) {
    const GstSDPAttribute *attr = gst_sdp_message_get_attribute (answer, i);
    gboolean changed = FALSE;
    gchar *value;

    if (!is_bundle_group (attr)) {
      i++;
      continue;
    }

    value = bundle_without (attr->value, removed, &changed);
    if (value == NULL) {
      GST_DEBUG ("removing a=group:%s: no bundled m-line left", attr->value);
      gst_sdp_message_remove_attribute (answer, i);
      continue;
    }

    if (changed) {
      GstSDPAttribute replacement = { NULL, };

      GST_DEBUG ("a=group:%s becomes a=group:%s", attr->value, value);
      gst_sdp_attribute_set (&replacement, "group", value);
      /* takes over the contents of replacement */
      gst_sdp_message_replace_attribute (answer, i, &replacement);
    }
    g_free (value);
    i++;
  }
}

gboolean
whep_answer_apply_plan (GstSDPMessage * answer, const WhepAnswerPlan * plan)
{
  GPtrArray *removed;
  guint i, n_medias;
  gchar *tag;

  g_return_val_if_fail (answer != NULL, FALSE);
  g_return_val_if_fail (plan != NULL, FALSE);

  ensure_debug_category ();

  n_medias = gst_sdp_message_medias_len (answer);
  if (n_medias != plan->mlines->len) {
    GST_WARNING ("the answer has %u m-lines, the plan %u", n_medias,
        plan->mlines->len);
    return FALSE;
  }

  /* borrowed strings, owned by the answer or the plan */
  removed = g_ptr_array_new ();
  tag = bundle_tag (answer);

  for (i = 0; i < n_medias; i++) {
    const WhepMLinePlan *mline = g_ptr_array_index (plan->mlines, i);
    /* GstSDP has no mutable accessor; the media belongs to @answer, which
     * we may modify */
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (answer, i);
    const gchar *mid;

    if (mline->accepted)
      continue;

    /* The BUNDLE group's first m-line carries the transport (webrtcbin puts
     * every candidate there).  Rejecting it would move the transport to
     * another m-line, which offerers like webrtcbin do not follow: it stays,
     * inactive, and carries the other m-lines' media. */
    if (tag && plan->n_accepted > 0 && g_strcmp0 (tag,
            gst_sdp_media_get_attribute_val (media, "mid")) == 0) {
      make_inactive (media);
      continue;
    }

    gst_sdp_media_set_port_info (media, 0,
        gst_sdp_media_get_num_ports (media));

    mid = gst_sdp_media_get_attribute_val (media, "mid");
    if (mid == NULL)
      mid = mline->mid;
    if (mid != NULL)
      g_ptr_array_add (removed, (gpointer) mid);
  }

  if (removed->len > 0)
    remove_from_bundle_groups (answer, removed);
  g_ptr_array_unref (removed);
  g_free (tag);

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Candidates and credentials                                               */

/* "foundation component transport priority address port typ type ..." with
 * another address, foundation and priority; NULL if not a host candidate
 * of the family of @address. */
static gchar *
candidate_with_address (const gchar * value, const gchar * address,
    gboolean ipv6)
{
  gchar **f = g_strsplit (value, " ", -1);
  gchar *out = NULL;
  guint64 priority;

  if (g_strv_length (f) >= 8 && strcmp (f[6], "typ") == 0 &&
      strcmp (f[7], "host") == 0 && (strchr (f[4], ':') != NULL) == ipv6) {
    priority = g_ascii_strtoull (f[3], NULL, 10);
    /* another foundation: these are other candidates */
    out = g_strdup_printf ("%.30sp", f[0]);
    g_free (f[0]);
    f[0] = out;
    g_free (f[3]);
    f[3] = g_strdup_printf ("%" G_GUINT64_FORMAT, priority > 1 ?
        priority - 1 : priority);
    g_free (f[4]);
    f[4] = g_strdup (address);
    out = g_strjoinv (" ", f);
  }
  g_strfreev (f);
  return out;
}

guint
whep_answer_announce_address (GstSDPMessage * answer, const gchar * address)
{
  gboolean ipv6;
  guint i, k, added = 0;

  g_return_val_if_fail (answer != NULL && address != NULL, 0);
  ipv6 = strchr (address, ':') != NULL;

  for (i = 0; i < gst_sdp_message_medias_len (answer); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (answer, i);
    GPtrArray *extra = g_ptr_array_new_with_free_func (g_free);

    for (k = 0; k < gst_sdp_media_attributes_len (media); k++) {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, k);
      gchar *cand;

      if (g_strcmp0 (attr->key, "candidate") != 0 || attr->value == NULL)
        continue;
      cand = candidate_with_address (attr->value, address, ipv6);
      if (cand)
        g_ptr_array_add (extra, cand);
    }
    for (k = 0; k < extra->len; k++)
      gst_sdp_media_add_attribute (media, "candidate",
          g_ptr_array_index (extra, k));
    added += extra->len;
    g_ptr_array_unref (extra);
  }
  return added;
}

const gchar *
whep_sdp_get_ice_ufrag (const GstSDPMessage * sdp)
{
  const gchar *ufrag = NULL;

  if (gst_sdp_message_medias_len (sdp) > 0)
    ufrag = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp,
            0), "ice-ufrag");
  return ufrag ? ufrag : gst_sdp_message_get_attribute_val (sdp, "ice-ufrag");
}

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How well an offered H.264 profile-level-id (6 hex digits, RFC 6184) fits a
 * stream whose caps say profile @stream_profile ("constrained-baseline",
 * "main", "high", ...) and level @stream_level ("3.1", ...; may be NULL).
 * The profile part scores
 *   0  unusable (not 6 hex digits): never pick it
 *   1  another profile (browsers decode it anyway: a last resort)
 *   2  an offered profile that contains the stream's (constrained-baseline
 *      stream, main offered; main stream, high offered)
 *   3  the same profile
 * and the result is profile_score * 2 + (offered level >= stream level), so
 * that a fitting level only breaks ties.  0 stays 0.  Higher is better.
 *
 * Profile and level names are those of gst_codec_utils_h264_get_profile()
 * and _get_level(), as h264parse puts them into caps.  Details:
 *  - "contains": constrained-baseline is contained by baseline, extended,
 *    main and every high profile; baseline only by extended; along
 *    main < high < high-10 < high-4:2:2 < high-4:4:4 each by the later ones.
 *  - A constraint-flag variant of the stream's own profile (constrained-high
 *    or progressive-high for high, high-10-intra for high-10, ...) scores 2:
 *    browsers announce their High decoder as constrained-high (640c1f), so
 *    that must beat main and baseline for a high stream, yet 64001f beats it.
 *  - A NULL or unknown @stream_profile, or an offered profile_idc GStreamer
 *    does not know, scores 1.
 *  - Level 1b ranks between 1 and 1.1.  A NULL or unknown level on either
 *    side does not fit (adds 0). */
gint whep_h264_profile_fit (const gchar * offered_profile_level_id,
    const gchar * stream_profile, const gchar * stream_level);

G_END_DECLS

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
 * that a fitting level only breaks ties.  0 stays 0.  Higher is better. */
gint whep_h264_profile_fit (const gchar * offered_profile_level_id,
    const gchar * stream_profile, const gchar * stream_level);

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Trickle ICE and ICE restart in WHEP travel as SDP fragments
 * (application/trickle-ice-sdpfrag, RFC 8840) in PATCH requests. */

typedef struct
{
  gchar *mid;                   /* a=mid of the m-line it belongs to, or NULL */
  gint mline_index;             /* index of that m-line in the fragment, -1 if none */
  gchar *candidate;             /* "candidate:1 1 UDP 2122 192.0.2.1 5000 typ host" (no "a=") */
} WhepFragCandidate;

typedef struct
{
  gchar *ice_ufrag;             /* NULL if the fragment has none */
  gchar *ice_pwd;
  GPtrArray *candidates;        /* of WhepFragCandidate* */
  gboolean end_of_candidates;
} WhepSdpFrag;

#define WHEP_SDPFRAG_ERROR (whep_sdpfrag_error_quark ())
GQuark whep_sdpfrag_error_quark (void);

typedef enum
{
  WHEP_SDPFRAG_ERROR_MALFORMED,
} WhepSdpFragError;

/* Parses a fragment (@len bytes, no NUL needed; CRLF or LF line ends, the
 * last one may be missing).  Session-level a=ice-ufrag, a=ice-pwd and
 * a=end-of-candidates apply to the whole fragment; media-level ones (after
 * an "m=" line) too, the first seen wins; a conflicting second ufrag or pwd
 * is an error.  ice_ufrag and ice_pwd are each NULL when absent: whether a
 * fragment without them, or with only one, is acceptable is the caller's
 * call.  Candidates after an m= line belong to it (its a=mid, wherever in
 * the m-section that is, and index); those before any m= line have mid NULL
 * and mline_index -1.  Candidate lines need the 8 mandatory fields of
 * RFC 8839 5.1; extension fields are kept but not checked.  Lines other
 * than a=, m=, and blank ones are errors; unknown a= attributes are
 * ignored.  Fails with WHEP_SDPFRAG_ERROR_MALFORMED and a one-line message
 * for a 400 body (line numbers, never text of the fragment), e.g.
 * "line 3 is not an SDP attribute". */
WhepSdpFrag *whep_sdpfrag_parse (const gchar * text, gsize len, GError ** error);
void whep_sdpfrag_free (WhepSdpFrag * frag);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhepSdpFrag, whep_sdpfrag_free)

/* The server's answer to an ICE restart: a fragment with its new
 * credentials and candidates, one m= section per mid (RFC 8840 form:
 * "a=ice-ufrag", "a=ice-pwd", "m=audio 9 RTP/AVP 0", "a=mid:...",
 * "a=candidate:..." lines, "a=end-of-candidates" when @end), CRLF line
 * ends.  A candidate goes into the m= section of its mid; one with mid NULL
 * into the first; one whose mid is not in @mids is left out.  Without
 * @mids, candidates go to session level.  @ice_ufrag or @ice_pwd NULL: no
 * such line.  No argument may contain a CR or LF. */
gchar *whep_sdpfrag_build (const gchar * ice_ufrag, const gchar * ice_pwd,
    const gchar * const *mids, const GPtrArray * candidates, gboolean end);

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* HTTP-level rules of WHEP that need no server to test. */

/* TRUE if @authorization (the header's value, may be NULL) is
 * "Bearer <token>" (scheme case-insensitive, one or more spaces; trailing
 * white space is ignored) with exactly @token.  The comparison takes the
 * same time wherever the first difference is.  A NULL or empty @token
 * never matches. */
gboolean whep_bearer_token_matches (const gchar * authorization,
    const gchar * token);

/* Which value to send in Access-Control-Allow-Origin for a request from
 * @origin (may be NULL), given @allowed (NULL or empty: any origin, answer
 * "*"; an entry "*" means the same): the origin itself if listed (exact,
 * case-sensitive comparison with what browsers send, "scheme://host[:port]"),
 * NULL if not allowed, and NULL for a request without Origin when the list
 * names origins. */
gchar *whep_cors_allow_origin (const gchar * origin,
    const gchar * const *allowed);

/* A Link header value (RFC 9725 4.4) for one ICE server given in webrtcbin's
 * URI form: "stun://host:port" -> <stun:host:port>; rel="ice-server", and
 * "turn://user:pass@host:port" (also turns://) ->
 * <turn:host:port>; rel="ice-server"; username="user";
 * credential="pass"; credential-type="password" (user and pass
 * percent-decoded, quotes and backslashes escaped).  Also takes the
 * RFC 7064 / 7065 forms ("stun:host:port", "turn:host:port?transport=tcp",
 * stuns too); a "?transport=udp|tcp" query of a TURN URI is kept, none is
 * added.  The port is optional.  NULL if @uri is not such a URI, or if its
 * user name or password would not fit in a header (control characters). */
gchar *whep_link_for_ice_server (const gchar * uri);

/* An entity tag for a session's ICE state: a quoted opaque string that
 * changes whenever @ice_ufrag changes ('"' + 16 hex digits of
 * SHA-256(session_id ":" ice_ufrag) + '"'). */
gchar *whep_etag_for_ice (const gchar * session_id, const gchar * ice_ufrag);

G_END_DECLS

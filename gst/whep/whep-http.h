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

/* Session URLs behind a load balancer.  Several whepsinks may serve one
 * stream behind an HTTP balancer; each names its sessions
 * <path>/<instance-id>/<session-id> so that a balancer routing by path
 * sends a session's PATCH and DELETE to the instance that owns it. */

/* TRUE if @instance_id may be one segment of a session URL: 1 to 64 of
 * A-Z a-z 0-9 '-' '_' '.' '~' (URL-safe, unreserved), not "." or "..". */
gboolean whep_instance_id_is_valid (const gchar * instance_id);

/* TRUE if @url is what the public-url property takes: an absolute http or
 * https URL with a host and no user info, query or fragment (a path is a
 * prefix the balancer strips). */
gboolean whep_public_url_is_valid (const gchar * url);

/* What clients are told is the URL of @path (a path on this server, "/..."):
 * @public_url (without a trailing '/') followed by @path, or @path alone when
 * @public_url is NULL or empty. */
gchar *whep_public_resource_url (const gchar * public_url,
    const gchar * path);

/* The path below which this instance's sessions live: "<path>/<instance_id>",
 * or @path when @instance_id is NULL or empty. */
gchar *whep_session_base_path (const gchar * path, const gchar * instance_id);

/* Whose session a resource below the endpoint is. */
typedef enum
{
  /* no session at all: 404 */
  WHEP_SESSION_ROUTE_NONE,
  /* one of this instance's: the session id is given */
  WHEP_SESSION_ROUTE_OWN,
  /* a session of another instance: 404, or a redirect to the balancer */
  WHEP_SESSION_ROUTE_OTHER,
} WhepSessionRoute;

/* For @rest, the part of a request's path after "<path>/", with this
 * instance's @instance_id (NULL or empty: none): "<id>" is our session when
 * we have no instance id; "<instance>/<id>" is ours when <instance> is
 * @instance_id and another instance's otherwise (a valid instance id).
 * Anything else is no session.  For ROUTE_OWN, @session_id points into
 * @rest (its syntax is not checked here). */
WhepSessionRoute whep_session_route (const gchar * rest,
    const gchar * instance_id, const gchar ** session_id);

G_END_DECLS

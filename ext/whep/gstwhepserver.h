/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* GstWhepServer: one HTTP server per address:port, on its own thread and
 * GMainContext, shared by every whepsink that asks for that address and port.
 * It speaks HTTP and the resource layout of WHEP:
 *
 *   <path>            the endpoint: POST an offer, OPTIONS
 *   <path>/<id>       a session: PATCH (trickle ICE, ICE restart), DELETE,
 *                     OPTIONS; "<id>" may be "<instance-id>/<session-id>"
 *   <path>/health     GET, without a token (load balancers)
 *   <path>/<name>     GET of another resource (stats)
 *   parent of <path>  the player page: GET (when the endpoint has one)
 *
 * and hands requests to the endpoint registered for <path> through
 * GstWhepEndpointFuncs.  It knows nothing about media or webrtcbin: the
 * endpoint answers each request, from any thread, with
 * gst_whep_request_respond().
 */
#define GST_TYPE_WHEP_SERVER (gst_whep_server_get_type ())
G_DECLARE_FINAL_TYPE (GstWhepServer, gst_whep_server, GST, WHEP_SERVER, GstObject)

/* One HTTP request waiting for its answer.  Reference counted; the endpoint
 * may keep it while it waits (for the stream, for ICE gathering) and answer
 * it from any thread. */
typedef struct _GstWhepRequest GstWhepRequest;

GstWhepRequest *gst_whep_request_ref (GstWhepRequest * req);
void gst_whep_request_unref (GstWhepRequest * req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstWhepRequest, gst_whep_request_unref)

/* Adds a response header; call before gst_whep_request_respond(). */
void gst_whep_request_add_header (GstWhepRequest * req, const gchar * name,
    const gchar * value);

/* Answers the request: @status, and a body of @content_type unless @body is
 * NULL.  Thread-safe; the first call wins, later ones are ignored. */
void gst_whep_request_respond (GstWhepRequest * req, guint status,
    const gchar * content_type, const gchar * body);

/* Answers with @status and a one-line text/plain @reason. */
void gst_whep_request_respond_error (GstWhepRequest * req, guint status,
    const gchar * reason);

/* TRUE if the client closed its connection while the request waited.  On
 * the server's thread only.  Answer it anyway (any status): that lets
 * libsoup finish the message and free the connection. */
gboolean gst_whep_request_client_left (GstWhepRequest * req);

/* TRUE once the request was answered or its client went away. */
gboolean gst_whep_request_is_done (GstWhepRequest * req);

/* The request's method and path, and its headers as a structure named
 * "headers" with a string field per header (lower case; repeated headers
 * joined with ", ").  On the server's thread only. */
GstStructure *gst_whep_request_get_headers (GstWhepRequest * req,
    gchar ** method, gchar ** path);

/* What a server needs from an endpoint.  Every function is called on the
 * server's thread and must not block; each must answer @req, now or later. */
typedef struct
{
  /* POST <path> with an SDP offer (content type and size already checked) */
  void (*offer) (gpointer user_data, GstWhepRequest * req, const gchar * sdp,
      gsize sdp_len);
  /* DELETE <path>/<session_id> */
  void (*delete_session) (gpointer user_data, GstWhepRequest * req,
      const gchar * session_id);
  /* PATCH <path>/<session_id> with an application/trickle-ice-sdpfrag body;
   * @if_match is the If-Match header or NULL */
  void (*patch_session) (gpointer user_data, GstWhepRequest * req,
      const gchar * session_id, const gchar * body, gsize len,
      const gchar * if_match);
  /* the player page to serve at the parent of <path>, or NULL for none;
   * the returned bytes are owned by the caller */
  GBytes *(*get_player_page) (gpointer user_data);
  /* GET <path>/<name> (authorized like PATCH and DELETE); NULL: 405 */
  void (*get_resource) (gpointer user_data, GstWhepRequest * req,
      const gchar * name);
  /* GET <path>/health, for load balancers: never needs a token; NULL: as
   * any other resource */
  void (*get_health) (gpointer user_data, GstWhepRequest * req);
} GstWhepEndpointFuncs;

/* What an endpoint asks of the HTTP layer. */
typedef struct
{
  /* when set, POST, PATCH and DELETE need "Authorization: Bearer <token>" */
  gchar *auth_token;
  /* origins that may use the endpoint from a page (CORS); NULL: any */
  gchar **allowed_origins;
  /* "scheme://host[:port]" of the balancer in front (from public-url), which
   * the player page may talk to besides its own origin; NULL: none */
  gchar *public_origin;
} GstWhepEndpointConfig;

/* Returns the server listening on @address (NULL: all interfaces) and @port,
 * starting one if needed.  @port 0 starts one on a free port, which later
 * callers can then ask for by its number.
 * With @tls_certificate the server speaks HTTPS; a server that is shared
 * must be asked for with the same certificate. */
GstWhepServer *gst_whep_server_obtain (const gchar * address, guint port,
    GTlsCertificate * tls_certificate, GError ** error);

/* Gives back a server from gst_whep_server_obtain(); the last user stops it
 * and frees its port. */
void gst_whep_server_release (GstWhepServer * server);

guint gst_whep_server_get_port (GstWhepServer * server);

/* Registers @funcs for @path ("/whep").  Fails if the path is taken. */
gboolean gst_whep_server_add_endpoint (GstWhepServer * server,
    const gchar * path, const GstWhepEndpointFuncs * funcs,
    const GstWhepEndpointConfig * config, gpointer user_data,
    GError ** error);

/* Unregisters @path.  When it returns, no function of that endpoint runs or
 * will run. */
void gst_whep_server_remove_endpoint (GstWhepServer * server,
    const gchar * path);

/* Runs @func on @server's thread (at once if this is that thread) and
 * waits until it has run. */
void gst_whep_server_invoke_sync (GstWhepServer * server, GSourceFunc func,
    gpointer data);

/* Runs @func on the server's thread (at once, if called from it). */
void gst_whep_server_invoke (GstWhepServer * server, GSourceFunc func,
    gpointer data, GDestroyNotify notify);

/* Adds a timeout on the server's thread; returns the source (a new ref). */
GSource *gst_whep_server_add_timeout (GstWhepServer * server, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify);

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/*
 * The HTTP side of whepsink: a libsoup 3 server on a thread of its own, with
 * its own GMainContext, so that it needs no main loop from the application
 * (gst-launch, Python, a plain C program).  Handlers never block: a request
 * that needs time (waiting for the stream, for ICE gathering) is paused and
 * answered later, from any thread, through gst_whep_request_respond(), which
 * marshals the answer back to the server's context.
 *
 * Servers are shared per address:port, so that several whepsinks in one
 * process can serve different paths on one port.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepserver.h"
#include "gstwhepdeadlines.h"
#include "whep-http.h"

#include <gio/gnetworking.h>
#include <libsoup/soup.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (whep_server_debug);
#define GST_CAT_DEFAULT whep_server_debug

/* An offer is a few kB; anything this large is not one. */
#define MAX_BODY_SIZE (64 * 1024)
/* Requests being read or waiting for their answer, all endpoints together:
 * beyond this, new ones are turned away at once. */
#define MAX_REQUESTS_IN_FLIGHT 512
/* The kernel's queue of connections not accepted yet.  libsoup's own
 * listening sockets get GLib's default of 10: a crowd of players
 * reconnecting at once (50 POSTs) overflowed it and the kernel reset some
 * of them.  As many as the requests we take in flight. */
#define LISTEN_BACKLOG MAX_REQUESTS_IN_FLIGHT
/* A connection that sends or takes nothing for this long is closed. */
#define IO_TIMEOUT_S 30

#define ENDPOINT_METHODS "POST, OPTIONS"
#define SESSION_METHODS "PATCH, DELETE, OPTIONS"
#define TRICKLE_TYPE "application/trickle-ice-sdpfrag"

typedef struct
{
  gchar *path;                  /* "/whep" */
  gchar *page_path;             /* its parent, "/" */
  GstWhepEndpointFuncs funcs;
  gchar *auth_token;
  gchar **allowed_origins;
  gchar *public_origin;
  gpointer user_data;
} Endpoint;

struct _GstWhepServer
{
  GstObject parent;

  /* fixed after construction */
  gchar *registry_key;          /* "address:port", as in the registry */
  GTlsCertificate *tls_certificate;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  guint port;

  /* only touched on the server's thread */
  SoupServer *soup;
  GList *endpoints;             /* of Endpoint* */
  GHashTable *live_requests;    /* GstWhepRequest* whose message is not finished */
  GstWhepDeadlines *deadlines;  /* requests must arrive within IO_TIMEOUT_S */

  /* protected by the registry lock */
  guint users;
  /* set on the server's thread before it stops */
  gboolean stopped;
};

G_DEFINE_TYPE (GstWhepServer, gst_whep_server, GST_TYPE_OBJECT);

struct _GstWhepRequest
{
  gint refcount;
  GstWhepServer *server;
  SoupServerMessage *msg;

  GMutex lock;
  /* protected by lock */
  gboolean done;
  GPtrArray *headers;           /* name, value, name, value ... */
  guint status;
  gchar *content_type;
  gchar *body;
  gchar *allow_origin;          /* for Access-Control-Allow-Origin, or NULL */
  /* only touched on the server's thread */
  gboolean client_gone;         /* the message finished: never touch it */
  gboolean client_left;         /* the connection closed under a paused message */
  gulong finished_id;           /* its closure holds a reference */
};

/* address:port -> GstWhepServer, for sharing */
static GMutex registry_lock;
static GHashTable *registry;

/* Runs @func on the server's thread and waits for it. */
typedef struct
{
  GSourceFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
} SyncCall;

static gboolean
sync_call_run (gpointer user_data)
{
  SyncCall *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

void
gst_whep_server_invoke_sync (GstWhepServer * server, GSourceFunc func,
    gpointer data)
{
  SyncCall call = { func, data };

  if (g_main_context_is_owner (server->context)) {
    func (data);
    return;
  }

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  g_main_context_invoke (server->context, sync_call_run, &call);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}

void
gst_whep_server_invoke (GstWhepServer * server, GSourceFunc func,
    gpointer data, GDestroyNotify notify)
{
  g_main_context_invoke_full (server->context, G_PRIORITY_DEFAULT, func, data,
      notify);
}

GSource *
gst_whep_server_add_timeout (GstWhepServer * server, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, server->context);
  return source;
}

/* ---------------------------------------------------------------------- */
/* Requests */

static GstWhepRequest *
request_new (GstWhepServer * server, SoupServerMessage * msg)
{
  GstWhepRequest *req = g_new0 (GstWhepRequest, 1);

  req->refcount = 1;
  req->server = gst_object_ref (server);
  req->msg = g_object_ref (msg);
  g_mutex_init (&req->lock);
  req->headers = g_ptr_array_new_with_free_func (g_free);
  return req;
}

GstWhepRequest *
gst_whep_request_ref (GstWhepRequest * req)
{
  g_atomic_int_inc (&req->refcount);
  return req;
}

void
gst_whep_request_unref (GstWhepRequest * req)
{
  if (!g_atomic_int_dec_and_test (&req->refcount))
    return;

  g_object_unref (req->msg);
  gst_object_unref (req->server);
  g_ptr_array_unref (req->headers);
  g_free (req->content_type);
  g_free (req->body);
  g_free (req->allow_origin);
  g_mutex_clear (&req->lock);
  g_free (req);
}

void
gst_whep_request_add_header (GstWhepRequest * req, const gchar * name,
    const gchar * value)
{
  g_mutex_lock (&req->lock);
  if (!req->done) {
    g_ptr_array_add (req->headers, g_strdup (name));
    g_ptr_array_add (req->headers, g_strdup (value));
  }
  g_mutex_unlock (&req->lock);
}

gboolean
gst_whep_request_client_left (GstWhepRequest * req)
{
  GSocket *socket;
  gchar byte;
  gssize n;

  g_return_val_if_fail (g_main_context_is_owner (req->server->context), FALSE);

  if (req->client_gone || req->client_left)
    return TRUE;
  /* libsoup 3.2 does not watch a paused message's connection: look.  A
   * readable socket that reads end-of-file was closed by the client. */
  socket = soup_server_message_get_socket (req->msg);
  if (socket == NULL)
    return TRUE;
  if (!(g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR)))
    return FALSE;
  n = g_socket_receive_with_blocking (socket, &byte, 1, FALSE, NULL, NULL);
  /* MSG_PEEK is not in GSocket's API: a byte read here would be the start
   * of a pipelined request, which WHEP clients do not send while waiting */
  if (n == 0 || (n < 0 && g_socket_condition_check (socket, G_IO_HUP)))
    req->client_left = TRUE;
  return req->client_left;
}

gboolean
gst_whep_request_is_done (GstWhepRequest * req)
{
  gboolean done;

  g_mutex_lock (&req->lock);
  done = req->done;
  g_mutex_unlock (&req->lock);
  return done;
}

/* Headers every response carries: CORS, so that pages on the allowed
 * origins can use the endpoint, and no caching. */
static void
add_common_headers (SoupMessageHeaders * headers, const gchar * allow_origin)
{
  if (allow_origin) {
    soup_message_headers_replace (headers, "Access-Control-Allow-Origin",
        allow_origin);
    if (strcmp (allow_origin, "*") != 0)
      soup_message_headers_replace (headers, "Vary", "Origin");
  }
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers",
      "Location, ETag, Link");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  /* libsoup 3.2 (Debian 12) never closes a kept-alive connection that the
   * client closed: its socket stays in CLOSE_WAIT for good.  WHEP needs two
   * or three requests per viewer, so closing after each costs nothing. */
  soup_message_headers_replace (headers, "Connection", "close");
}

/* On the server's thread: writes the response and resumes the message. */
static gboolean
request_finish (gpointer data)
{
  GstWhepRequest *req = data;
  SoupMessageHeaders *headers;
  guint i;

  if (req->client_gone || req->server->stopped) {
    GST_DEBUG_OBJECT (req->server, "client of %p is gone, not answering", req);
    return G_SOURCE_REMOVE;
  }

  headers = soup_server_message_get_response_headers (req->msg);
  add_common_headers (headers, req->allow_origin);
  for (i = 0; i + 1 < req->headers->len; i += 2)
    soup_message_headers_append (headers, g_ptr_array_index (req->headers, i),
        g_ptr_array_index (req->headers, i + 1));

  soup_server_message_set_status (req->msg, req->status, NULL);
  if (req->body)
    soup_server_message_set_response (req->msg, req->content_type,
        SOUP_MEMORY_COPY, req->body, strlen (req->body));
  soup_server_message_unpause (req->msg);
  return G_SOURCE_REMOVE;
}

void
gst_whep_request_respond (GstWhepRequest * req, guint status,
    const gchar * content_type, const gchar * body)
{
  g_mutex_lock (&req->lock);
  if (req->done) {
    g_mutex_unlock (&req->lock);
    return;
  }
  req->done = TRUE;
  req->status = status;
  req->content_type = g_strdup (content_type);
  req->body = g_strdup (body);
  g_mutex_unlock (&req->lock);

  g_main_context_invoke_full (req->server->context, G_PRIORITY_DEFAULT,
      request_finish, gst_whep_request_ref (req),
      (GDestroyNotify) gst_whep_request_unref);
}

void
gst_whep_request_respond_error (GstWhepRequest * req, guint status,
    const gchar * reason)
{
  gchar *line = g_strdup_printf ("%s\n", reason);

  GST_INFO_OBJECT (req->server, "%s %s -> %u %s",
      soup_server_message_get_method (req->msg),
      g_uri_get_path (soup_server_message_get_uri (req->msg)), status, reason);
  gst_whep_request_respond (req, status, "text/plain; charset=utf-8", line);
  g_free (line);
}

/* On the server's thread: the message was answered, or its client left.
 * Either way nothing more may be written to it.  Disconnecting drops the
 * reference the handler held, which breaks the request <-> message cycle. */
static void
request_forget_message (GstWhepRequest * req)
{
  gulong finished_id = req->finished_id;

  g_mutex_lock (&req->lock);
  req->done = TRUE;
  g_mutex_unlock (&req->lock);
  req->client_gone = TRUE;
  /* The id is cleared before the disconnect: the closure's notify may drop
   * the last reference, and then @req is gone when it returns (ASan saw
   * "req->finished_id = 0" written into freed memory when the server
   * stopped under load).  Nothing may touch @req after this. */
  req->finished_id = 0;
  if (finished_id)
    g_signal_handler_disconnect (req->msg, finished_id);
}

static void
request_message_finished (SoupServerMessage * msg, GstWhepRequest * req)
{
  g_hash_table_remove (req->server->live_requests, req);
  request_forget_message (req);
}

static void
request_closure_notify (gpointer data, GClosure * closure)
{
  gst_whep_request_unref (data);
}

/* ---------------------------------------------------------------------- */
/* Routing */

/* The endpoint for @path: the one at @path itself; else the one with the
 * longest path that @path is below, with @rest what follows its "<path>/"
 * (a session "<id>" or "<instance>/<id>", or a resource such as "health");
 * else the one whose player page is at @path (@is_page).  The longest
 * path wins so that "/whep" and "/whep/cam2" can share a port. */
static Endpoint *
find_endpoint (GstWhepServer * server, const gchar * path,
    const gchar ** rest, gboolean * is_page)
{
  Endpoint *below = NULL;
  gsize below_len = 0;
  GList *l;

  *rest = NULL;
  *is_page = FALSE;

  for (l = server->endpoints; l; l = l->next) {
    Endpoint *ep = l->data;
    gsize len = strlen (ep->path);

    if (strcmp (path, ep->path) == 0)
      return ep;
    if (len > below_len && strncmp (path, ep->path, len) == 0
        && path[len] == '/' && path[len + 1] != '\0') {
      below = ep;
      below_len = len;
    }
  }
  if (below) {
    *rest = path + below_len + 1;
    return below;
  }

  for (l = server->endpoints; l; l = l->next) {
    Endpoint *ep = l->data;

    if (strcmp (path, ep->page_path) == 0) {
      *is_page = TRUE;
      return ep;
    }
  }
  return NULL;
}

static void
add_header_field (const char *name, const char *value, gpointer user_data)
{
  GstStructure *s = user_data;
  gchar *field = g_ascii_strdown (name, -1);
  const gchar *before = gst_structure_get_string (s, field);

  if (before) {
    gchar *both = g_strdup_printf ("%s, %s", before, value);

    gst_structure_set (s, field, G_TYPE_STRING, both, NULL);
    g_free (both);
  } else {
    gst_structure_set (s, field, G_TYPE_STRING, value, NULL);
  }
  g_free (field);
}

GstStructure *
gst_whep_request_get_headers (GstWhepRequest * req, gchar ** method,
    gchar ** path)
{
  GstStructure *s = gst_structure_new_empty ("headers");

  soup_message_headers_foreach (soup_server_message_get_request_headers
      (req->msg), add_header_field, s);
  *method = g_strdup (soup_server_message_get_method (req->msg));
  *path = g_strdup (g_uri_get_path (soup_server_message_get_uri (req->msg)));
  return s;
}

static void
respond_method_not_allowed (GstWhepRequest * req, const gchar * allow)
{
  gchar *reason = g_strdup_printf ("method %s is not allowed here; use %s",
      soup_server_message_get_method (req->msg), allow);

  gst_whep_request_add_header (req, "Allow", allow);
  gst_whep_request_respond_error (req, SOUP_STATUS_METHOD_NOT_ALLOWED, reason);
  g_free (reason);
}

static void
respond_options (GstWhepRequest * req, const gchar * allow,
    gboolean accept_post)
{
  gst_whep_request_add_header (req, "Allow", allow);
  gst_whep_request_add_header (req, "Access-Control-Allow-Methods", allow);
  gst_whep_request_add_header (req, "Access-Control-Allow-Headers",
      "Content-Type, Authorization, If-Match");
  gst_whep_request_add_header (req, "Access-Control-Max-Age", "86400");
  if (accept_post)
    gst_whep_request_add_header (req, "Accept-Post", "application/sdp");
  gst_whep_request_respond (req, SOUP_STATUS_NO_CONTENT, NULL, NULL);
}

static void
handle_offer (GstWhepServer * server, Endpoint * ep, GstWhepRequest * req)
{
  SoupServerMessage *msg = req->msg;
  const gchar *ctype;
  GBytes *body;
  gsize len;
  const gchar *data;

  ctype = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), NULL);
  if (ctype == NULL || g_ascii_strcasecmp (ctype, "application/sdp") != 0) {
    gst_whep_request_respond_error (req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        "the offer must have Content-Type: application/sdp");
    return;
  }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  data = g_bytes_get_data (body, &len);
  if (len > MAX_BODY_SIZE) {
    gst_whep_request_respond_error (req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
        "the offer is larger than 64 KiB");
  } else if (len == 0) {
    gst_whep_request_respond_error (req, SOUP_STATUS_BAD_REQUEST,
        "the request has no SDP offer in its body");
  } else {
    ep->funcs.offer (ep->user_data, req, data ? data : "", len);
  }
  g_bytes_unref (body);
}

static void
handle_page (GstWhepServer * server, Endpoint * ep, GstWhepRequest * req)
{
  const gchar *method = soup_server_message_get_method (req->msg);
  GBytes *page = NULL;
  gchar *text, *csp;

  if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0) {
    respond_method_not_allowed (req, "GET, HEAD");
    return;
  }
  if (ep->funcs.get_player_page)
    page = ep->funcs.get_player_page (ep->user_data);
  if (page == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
        "no such resource");
    return;
  }
  text = g_strndup (g_bytes_get_data (page, NULL), g_bytes_get_size (page));
  /* The page is one file with its script and style inline, and talks only
   * to its own origin, or to the balancer in front (public-url). */
  csp = g_strdup_printf ("default-src 'none'; script-src 'unsafe-inline'; "
      "style-src 'unsafe-inline'; connect-src 'self'%s%s; "
      "img-src 'self' data:", ep->public_origin ? " " : "",
      ep->public_origin ? ep->public_origin : "");
  gst_whep_request_add_header (req, "Content-Security-Policy", csp);
  g_free (csp);
  gst_whep_request_respond (req, SOUP_STATUS_OK, "text/html; charset=utf-8",
      text);
  g_free (text);
  g_bytes_unref (page);
}

/* Whether @req may act on @ep: a bearer token, when the endpoint has one.
 * Answers 401 if not.  The token is never logged. */
static gboolean
check_authorized (Endpoint * ep, GstWhepRequest * req)
{
  const gchar *auth;

  if (ep->auth_token == NULL)
    return TRUE;
  auth = soup_message_headers_get_one (soup_server_message_get_request_headers
      (req->msg), "Authorization");
  if (whep_bearer_token_matches (auth, ep->auth_token))
    return TRUE;
  gst_whep_request_add_header (req, "WWW-Authenticate", "Bearer");
  gst_whep_request_respond_error (req, SOUP_STATUS_UNAUTHORIZED,
      auth ? "the bearer token is not valid" :
      "this endpoint needs an Authorization: Bearer token");
  return FALSE;
}

static void
handle_patch (GstWhepServer * server, Endpoint * ep, GstWhepRequest * req,
    const gchar * session_id)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers
      (req->msg);
  const gchar *ctype = soup_message_headers_get_content_type (headers, NULL);
  GBytes *body;
  gsize len;
  const gchar *data;

  if (ctype == NULL || g_ascii_strcasecmp (ctype, TRICKLE_TYPE) != 0) {
    gst_whep_request_respond_error (req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        "a PATCH must have Content-Type: " TRICKLE_TYPE);
    return;
  }
  body = soup_message_body_flatten (soup_server_message_get_request_body
      (req->msg));
  data = g_bytes_get_data (body, &len);
  if (len > MAX_BODY_SIZE)
    gst_whep_request_respond_error (req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
        "the fragment is larger than 64 KiB");
  else
    ep->funcs.patch_session (ep->user_data, req, session_id, data ? data : "",
        len, soup_message_headers_get_one (headers, "If-Match"));
  g_bytes_unref (body);
}

static void
handle_request (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  GstWhepServer *server = user_data;
  const gchar *method = soup_server_message_get_method (msg);
  const gchar *origin = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Origin");
  GSocket *socket = soup_server_message_get_socket (msg);
  const gchar *session_id;
  gboolean is_page, is_options;
  Endpoint *ep;
  GstWhepRequest *req;

  GST_DEBUG_OBJECT (server, "%s %s", method, path);
  if (socket)
    gst_whep_deadlines_request_arrived (server->deadlines, socket);

  soup_server_message_pause (msg);
  req = request_new (server, msg);
  req->finished_id = g_signal_connect_data (msg, "finished",
      G_CALLBACK (request_message_finished), gst_whep_request_ref (req),
      request_closure_notify, 0);
  g_hash_table_add (server->live_requests, req);

  ep = find_endpoint (server, path, &session_id, &is_page);
  req->allow_origin = ep ? whep_cors_allow_origin (origin,
      (const gchar * const *) ep->allowed_origins) : g_strdup ("*");
  is_options = strcmp (method, "OPTIONS") == 0;

  if (g_hash_table_size (server->live_requests) > MAX_REQUESTS_IN_FLIGHT) {
    gst_whep_request_add_header (req, "Retry-After", "5");
    gst_whep_request_respond_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "too many requests at once");
  } else if (ep == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
        "no such resource");
  } else if (origin && req->allow_origin == NULL && !is_page) {
    gst_whep_request_respond_error (req, SOUP_STATUS_FORBIDDEN,
        "this origin may not use the endpoint");
  } else if (is_page) {
    handle_page (server, ep, req);
  } else if (is_options) {
    respond_options (req, session_id ? SESSION_METHODS : ENDPOINT_METHODS,
        session_id == NULL);
  } else if (session_id == NULL) {
    if (strcmp (method, "POST") != 0)
      respond_method_not_allowed (req, ENDPOINT_METHODS);
    else if (check_authorized (ep, req))
      handle_offer (server, ep, req);
  } else if (strcmp (method, "GET") == 0 && ep->funcs.get_health
      && strcmp (session_id, "health") == 0) {
    /* no token: load balancers probe it */
    ep->funcs.get_health (ep->user_data, req);
  } else if (strcmp (method, "GET") == 0 && ep->funcs.get_resource) {
    if (check_authorized (ep, req))
      ep->funcs.get_resource (ep->user_data, req, session_id);
  } else {
    if (strcmp (method, "DELETE") != 0 && strcmp (method, "PATCH") != 0)
      respond_method_not_allowed (req, SESSION_METHODS);
    else if (!check_authorized (ep, req))
      ;
    else if (strcmp (method, "DELETE") == 0)
      ep->funcs.delete_session (ep->user_data, req, session_id);
    else
      handle_patch (server, ep, req, session_id);
  }

  gst_whep_request_unref (req);
}

/* Before the body is read: a body too large for any WHEP request, or one of
 * unknown length, is refused without reading it. */
static void
handle_early (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const gchar *method = soup_server_message_get_method (msg);
  const gchar *reason = NULL;
  guint status = 0;

  if (strcmp (method, "POST") != 0 && strcmp (method, "PATCH") != 0)
    return;
  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH) {
    status = SOUP_STATUS_LENGTH_REQUIRED;
    reason = "the request needs a Content-Length\n";
  } else if (soup_message_headers_get_content_length (headers) > MAX_BODY_SIZE) {
    status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
    reason = "the body is larger than 64 KiB\n";
  }
  if (status) {
    add_common_headers (soup_server_message_get_response_headers (msg), "*");
    soup_server_message_set_status (msg, status, NULL);
    soup_server_message_set_response (msg, "text/plain; charset=utf-8",
        SOUP_MEMORY_STATIC, reason, strlen (reason));
  }
}

/* Slow or idle clients are cut off: no connection is held forever.  The
 * socket's timeout ends one where nothing moves for IO_TIMEOUT_S (reading
 * or writing); the deadline one whose request is not in after that long. */
static void
on_request_started (SoupServer * soup, SoupServerMessage * msg,
    gpointer user_data)
{
  GstWhepServer *server = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket) {
    g_socket_set_timeout (socket, IO_TIMEOUT_S);
    gst_whep_deadlines_request_started (server->deadlines, socket);
  }
  GST_LOG_OBJECT (server, "request started on connection fd %d",
      socket ? g_socket_get_fd (socket) : -1);
}

/* A connection that broke, timed out or closed before its request was
 * answered (the other requests are logged with their answer). */
static void
on_request_aborted (SoupServer * soup, SoupServerMessage * msg,
    gpointer user_data)
{
  GstWhepServer *server = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  GST_DEBUG_OBJECT (server, "request on connection fd %d aborted",
      socket ? g_socket_get_fd (socket) : -1);
}

/* ---------------------------------------------------------------------- */
/* Endpoints */

typedef struct
{
  GstWhepServer *server;
  Endpoint *ep;
  const gchar *path;
  gboolean ok;
} EndpointCall;

static void
endpoint_free (Endpoint * ep)
{
  g_free (ep->path);
  g_free (ep->page_path);
  g_free (ep->auth_token);
  g_strfreev (ep->allowed_origins);
  g_free (ep->public_origin);
  g_free (ep);
}

static gboolean
add_endpoint_on_thread (gpointer data)
{
  EndpointCall *call = data;
  GList *l;

  for (l = call->server->endpoints; l; l = l->next) {
    Endpoint *other = l->data;

    if (strcmp (other->path, call->ep->path) == 0)
      return G_SOURCE_REMOVE;
  }
  call->server->endpoints = g_list_append (call->server->endpoints, call->ep);
  call->ok = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
remove_endpoint_on_thread (gpointer data)
{
  EndpointCall *call = data;
  GList *l;

  for (l = call->server->endpoints; l; l = l->next) {
    Endpoint *ep = l->data;

    if (strcmp (ep->path, call->path) == 0) {
      call->server->endpoints =
          g_list_delete_link (call->server->endpoints, l);
      endpoint_free (ep);
      call->ok = TRUE;
      break;
    }
  }
  return G_SOURCE_REMOVE;
}

/* "/whep" -> "/", "/cam1/whep" -> "/cam1/" */
static gchar *
page_path_for (const gchar * path)
{
  const gchar *slash = strrchr (path, '/');

  return g_strndup (path, slash - path + 1);
}

gboolean
gst_whep_server_add_endpoint (GstWhepServer * server, const gchar * path,
    const GstWhepEndpointFuncs * funcs, const GstWhepEndpointConfig * config,
    gpointer user_data, GError ** error)
{
  EndpointCall call = { server };

  g_return_val_if_fail (path && path[0] == '/', FALSE);

  call.ep = g_new0 (Endpoint, 1);
  call.ep->path = g_strdup (path);
  call.ep->page_path = page_path_for (path);
  call.ep->funcs = *funcs;
  call.ep->user_data = user_data;
  if (config) {
    call.ep->auth_token = g_strdup (config->auth_token);
    call.ep->allowed_origins = g_strdupv (config->allowed_origins);
    call.ep->public_origin = g_strdup (config->public_origin);
  }

  gst_whep_server_invoke_sync (server, add_endpoint_on_thread, &call);
  if (!call.ok) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
        "path %s is already served on port %u", path, server->port);
    endpoint_free (call.ep);
    return FALSE;
  }
  GST_INFO_OBJECT (server, "serving %s on port %u", path, server->port);
  return TRUE;
}

void
gst_whep_server_remove_endpoint (GstWhepServer * server, const gchar * path)
{
  EndpointCall call = { server, NULL, path };

  gst_whep_server_invoke_sync (server, remove_endpoint_on_thread, &call);
}

/* ---------------------------------------------------------------------- */
/* Life cycle */

static gpointer
server_thread_func (gpointer data)
{
  GstWhepServer *server = data;

  g_main_context_push_thread_default (server->context);
  g_main_loop_run (server->loop);
  g_main_context_pop_thread_default (server->context);
  return NULL;
}

/* A listening socket on @addr with our backlog, made as libsoup makes its
 * own (an IPv6 one only for IPv6, the address reusable), then handed to
 * libsoup: soup_server_listen*() has no way to set the backlog.
 * Returns the port bound, 0 on error. */
static guint
listen_socket (SoupServer * soup, GSocketAddress * addr,
    SoupServerListenOptions options, GError ** error)
{
  GSocketFamily family = g_socket_address_get_family (addr);
  GSocketAddress *local = NULL;
  GSocket *socket;
  guint port = 0;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return 0;
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (g_socket_bind (socket, addr, TRUE, error) &&
      g_socket_listen (socket, error) &&
      (local = g_socket_get_local_address (socket, error)) &&
      soup_server_listen_socket (soup, socket, options, error))
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_clear_object (&local);
  g_object_unref (socket);
  return port;
}

static guint
listen_any (SoupServer * soup, GSocketFamily family, guint port,
    SoupServerListenOptions options, GError ** error)
{
  GInetAddress *any = g_inet_address_new_any (family);
  GSocketAddress *addr = g_inet_socket_address_new (any, port);

  port = listen_socket (soup, addr, options, error);
  g_object_unref (addr);
  g_object_unref (any);
  return port;
}

/* All interfaces as soup_server_listen_all() does it: 0.0.0.0 (which
 * picks the port when @port is 0), then :: on the same port, and no IPv6
 * on a host without it is fine.  Returns the port bound, 0 on error.
 * (The port is read off our own socket: soup_server_get_uris() of
 * libsoup 3.2 leaks an address per call.) */
static guint
listen_on (SoupServer * soup, const gchar * address, guint port,
    gboolean https, GError ** error)
{
  SoupServerListenOptions options = https ? SOUP_SERVER_LISTEN_HTTPS : 0;
  GSocketAddress *addr;
  GError *v6_error = NULL;
  guint bound, tries;

  if (address == NULL || *address == '\0') {
    for (tries = 0; tries < 10; tries++) {
      bound = listen_any (soup, G_SOCKET_FAMILY_IPV4, port, options, error);
      if (bound == 0)
        return 0;
      if (listen_any (soup, G_SOCKET_FAMILY_IPV6, bound, options, &v6_error))
        return bound;
      if (g_error_matches (v6_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
          g_error_matches (v6_error, G_IO_ERROR,
              G_IO_ERROR_CONNECTION_REFUSED)) {
        GST_DEBUG ("no IPv6: %s", v6_error->message);
        g_error_free (v6_error);
        return bound;
      }
      /* drop the IPv4 listener: a port picked for us may be taken on the
       * IPv6 side, then try another */
      soup_server_disconnect (soup);
      if (port != 0 || !g_error_matches (v6_error, G_IO_ERROR,
              G_IO_ERROR_ADDRESS_IN_USE))
        break;
      g_clear_error (&v6_error);
    }
    if (v6_error)
      g_propagate_error (error, v6_error);
    else
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
          "found no port free on both IPv4 and IPv6");
    return 0;
  }

  addr = g_inet_socket_address_new_from_string (address, port);
  if (addr == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "'%s' is not an IP address", address);
    return 0;
  }
  bound = listen_socket (soup, addr, options, error);
  g_object_unref (addr);
  return bound;
}

static GstWhepServer *
server_start (const gchar * address, guint port,
    GTlsCertificate * tls_certificate, GError ** error)
{
  GstWhepServer *server = g_object_new (GST_TYPE_WHEP_SERVER, NULL);

  gst_object_ref_sink (server);
  if (tls_certificate)
    server->tls_certificate = g_object_ref (tls_certificate);

  /* libsoup attaches its sockets to the thread-default context at listen
   * time: make that the server's context, then hand it to the thread. */
  g_main_context_push_thread_default (server->context);
  server->soup = soup_server_new ("server-header", "whepsink/" VERSION " ",
      "tls-certificate", tls_certificate, NULL);
  soup_server_add_early_handler (server->soup, NULL, handle_early, server,
      NULL);
  soup_server_add_handler (server->soup, NULL, handle_request, server, NULL);
  g_signal_connect (server->soup, "request-started",
      G_CALLBACK (on_request_started), server);
  g_signal_connect (server->soup, "request-aborted",
      G_CALLBACK (on_request_aborted), server);
  server->port = listen_on (server->soup, address, port,
      tls_certificate != NULL, error);
  if (server->port == 0) {
    g_main_context_pop_thread_default (server->context);
    gst_object_unref (server);
    return NULL;
  }
  g_main_context_pop_thread_default (server->context);

  server->deadlines = gst_whep_deadlines_new (server->context, IO_TIMEOUT_S,
      GST_OBJECT (server));
  server->thread = g_thread_new ("whepsink-http", server_thread_func, server);
  GST_INFO_OBJECT (server, "listening on %s port %u",
      address ? address : "all interfaces", server->port);
  return server;
}

static gboolean
stop_on_thread (gpointer data)
{
  GstWhepServer *server = data;

  GHashTableIter iter;
  gpointer req;

  server->stopped = TRUE;
  /* Requests still paused will never be answered now: let them go. */
  g_hash_table_iter_init (&iter, server->live_requests);
  while (g_hash_table_iter_next (&iter, &req, NULL)) {
    g_hash_table_iter_steal (&iter);
    request_forget_message (req);
  }
  soup_server_disconnect (server->soup);
  g_clear_object (&server->soup);
  g_clear_pointer (&server->deadlines, gst_whep_deadlines_free);
  g_main_loop_quit (server->loop);
  return G_SOURCE_REMOVE;
}

static void
server_stop (GstWhepServer * server)
{
  g_main_context_invoke (server->context, stop_on_thread, server);
  g_thread_join (server->thread);
  server->thread = NULL;
  GST_INFO_OBJECT (server, "stopped");
}

GstWhepServer *
gst_whep_server_obtain (const gchar * address, guint port,
    GTlsCertificate * tls_certificate, GError ** error)
{
  GstWhepServer *server = NULL;
  gchar *key = NULL;

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);

  if (port != 0) {
    key = g_strdup_printf ("%s:%u", address ? address : "*", port);
    server = g_hash_table_lookup (registry, key);
  }

  if (server && !((server->tls_certificate == NULL && tls_certificate == NULL)
          || (server->tls_certificate && tls_certificate &&
              g_tls_certificate_is_same (server->tls_certificate,
                  tls_certificate)))) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
        "port %u is already served with another TLS setting", port);
    server = NULL;
    g_free (key);
  } else if (server) {
    gst_object_ref (server);
    g_free (key);
  } else {
    server = server_start (address, port, tls_certificate, error);
    g_free (key);
    /* Under the port it got: another whepsink asking for that port (one
     * picked with port=0, say) shares it. */
    if (server) {
      server->registry_key = g_strdup_printf ("%s:%u",
          address ? address : "*", server->port);
      g_hash_table_insert (registry, server->registry_key, server);
    }
  }
  if (server)
    server->users++;
  g_mutex_unlock (&registry_lock);

  return server;
}

/* Drops a reference from gst_whep_server_obtain(); the last user stops the
 * server and frees its port. */
void
gst_whep_server_release (GstWhepServer * server)
{
  gboolean last;

  g_mutex_lock (&registry_lock);
  last = --server->users == 0;
  if (last)
    g_hash_table_remove (registry, server->registry_key);
  g_mutex_unlock (&registry_lock);

  if (last)
    server_stop (server);
  gst_object_unref (server);
}

guint
gst_whep_server_get_port (GstWhepServer * server)
{
  return server->port;
}

static void
gst_whep_server_finalize (GObject * object)
{
  GstWhepServer *server = GST_WHEP_SERVER (object);

  g_assert (server->thread == NULL);
  g_list_free_full (server->endpoints, (GDestroyNotify) endpoint_free);
  g_hash_table_unref (server->live_requests);
  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_free (server->registry_key);
  g_clear_object (&server->tls_certificate);

  G_OBJECT_CLASS (gst_whep_server_parent_class)->finalize (object);
}

static void
gst_whep_server_class_init (GstWhepServerClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_whep_server_finalize;

  GST_DEBUG_CATEGORY_INIT (whep_server_debug, "whepserver", 0,
      "whepsink HTTP server");
}

static void
gst_whep_server_init (GstWhepServer * server)
{
  server->context = g_main_context_new ();
  server->live_requests = g_hash_table_new (NULL, NULL);
  server->loop = g_main_loop_new (server->context, FALSE);
}

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/*
 * The WHEP endpoint of one whepsink: POST, PATCH and DELETE, the player
 * page, and the offers that wait for the stream.  See gstwhependpoint.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhependpoint.h"
#include "whep-http.h"
#include "whep-offer.h"
#include "whep-sdpfrag.h"
#include "whep-session-id.h"
#include "whep-stats.h"

#include <libsoup/soup.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (whep_endpoint_debug);
#define GST_CAT_DEFAULT whep_endpoint_debug

/* POSTs held while the stream has not started, at most: each costs a
 * parsed offer and a paused HTTP request. */
#define MAX_WAITING_OFFERS 64

#define PLAYER_RESOURCE "/org/whepsink/player/index.html"
#define PLAYER_ENDPOINT_MARK "@WHEP_ENDPOINT@"

/* Seconds a client is told to wait before it tries again. */
#define RETRY_AFTER "5"

/* A POST that came before the stream's tracks were known. */
typedef struct
{
  GstWhepEndpoint *endpoint;    /* not owned */
  GstWhepRequest *req;
  GstSDPMessage *offer;
  GSource *timeout;
} WaitingOffer;

/* Locks: the endpoint's lock comes after the sink's (which holds it only
 * to hand settings over); nothing else is locked, and nothing is called,
 * while it is held. */
struct _GstWhepEndpoint
{
  GstObject parent;

  /* fixed at construction, not owned */
  GstElement *element;
  GstWhepMedia *media;
  GstWhepPool *pool;

  GMutex lock;
  /* protected by lock */
  guint ready_timeout;
  gboolean player;
  gboolean stats;
  gchar *instance_id;           /* NULL: session URLs without one */
  gchar *public_url;            /* NULL: relative URLs */
  gboolean draining;            /* new viewers are turned away */
  /* from start to stop: set before the endpoint is registered, cleared
   * after it was removed, so that handlers always find them */
  GstWhepServer *server;
  gchar *path;

  /* only touched on the server's thread while started */
  GQueue waiting;               /* of WaitingOffer*, in the order they came */
  gboolean stopped;

  gint n_waiting;               /* atomic */

  /* set once before the endpoint starts */
  GstWhepEndpointAuthorizeFunc authorize;
  gpointer authorize_data;
  GstWhepEndpointStatsFunc stats_func;
  gpointer stats_data;
};

#define ENDPOINT_LOCK(e) g_mutex_lock (&(e)->lock)
#define ENDPOINT_UNLOCK(e) g_mutex_unlock (&(e)->lock)

G_DEFINE_TYPE (GstWhepEndpoint, gst_whep_endpoint, GST_TYPE_OBJECT);

static void
respond_unavailable (GstWhepRequest * req, const gchar * reason)
{
  gst_whep_request_add_header (req, "Retry-After", RETRY_AFTER);
  gst_whep_request_respond_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
      reason);
}

/* ---------------------------------------------------------------------- */
/* Offers that wait for the stream, on the server's thread */

static void
waiting_offer_free (WaitingOffer * w)
{
  if (w->timeout) {
    g_source_destroy (w->timeout);
    g_source_unref (w->timeout);
  }
  gst_whep_request_unref (w->req);
  gst_sdp_message_free (w->offer);
  g_atomic_int_add (&w->endpoint->n_waiting, -1);
  g_free (w);
}

static gboolean
waiting_offer_timed_out (gpointer data)
{
  WaitingOffer *w = data;
  GstWhepEndpoint *endpoint = w->endpoint;
  gchar *reason;

  ENDPOINT_LOCK (endpoint);
  reason = g_strdup_printf ("the stream did not start within %u s",
      endpoint->ready_timeout);
  ENDPOINT_UNLOCK (endpoint);

  g_queue_remove (&endpoint->waiting, w);
  respond_unavailable (w->req, reason);
  g_source_unref (w->timeout);
  w->timeout = NULL;            /* this source is being dispatched */
  waiting_offer_free (w);
  g_free (reason);
  return G_SOURCE_REMOVE;
}

static void
hold_offer (GstWhepEndpoint * endpoint, GstWhepRequest * req,
    GstSDPMessage * offer)
{
  WaitingOffer *w;
  GstWhepServer *server;
  guint ready_timeout;

  if (g_atomic_int_get (&endpoint->n_waiting) >= MAX_WAITING_OFFERS) {
    respond_unavailable (req, "too many viewers wait for the stream to start");
    gst_sdp_message_free (offer);
    return;
  }

  ENDPOINT_LOCK (endpoint);
  server = gst_object_ref (endpoint->server);
  ready_timeout = endpoint->ready_timeout;
  ENDPOINT_UNLOCK (endpoint);

  w = g_new0 (WaitingOffer, 1);
  w->endpoint = endpoint;
  w->req = gst_whep_request_ref (req);
  w->offer = offer;
  w->timeout = gst_whep_server_add_timeout (server, ready_timeout * 1000,
      waiting_offer_timed_out, w, NULL);
  g_queue_push_tail (&endpoint->waiting, w);
  g_atomic_int_inc (&endpoint->n_waiting);
  gst_object_unref (server);
  GST_INFO_OBJECT (endpoint->element, "offer waits for the stream");
}

/* Once the stream is ready: one by one, in the order they came. */
static gboolean
serve_waiting_offers (gpointer data)
{
  GstWhepEndpoint *endpoint = data;
  guint generation = gst_whep_pool_get_generation (endpoint->pool);
  WhepStreamInfo info;
  WaitingOffer *w;

  if (endpoint->stopped ||
      !gst_whep_media_get_stream_info (endpoint->media, &info))
    return G_SOURCE_REMOVE;

  while ((w = g_queue_pop_head (&endpoint->waiting))) {
    if (gst_whep_request_client_left (w->req)) {
      GST_INFO_OBJECT (endpoint->element,
          "a waiting viewer left before the stream came");
      gst_whep_request_respond_error (w->req, SOUP_STATUS_REQUEST_TIMEOUT,
          "the client left");
    } else if (!gst_whep_request_is_done (w->req)) {
      gst_whep_pool_start_viewer (endpoint->pool, w->req, w->offer, &info,
          generation);
    }
    waiting_offer_free (w);
  }
  return G_SOURCE_REMOVE;
}

void
gst_whep_endpoint_stream_ready (GstWhepEndpoint * endpoint)
{
  GstWhepServer *server = NULL;

  ENDPOINT_LOCK (endpoint);
  if (endpoint->server)
    server = gst_object_ref (endpoint->server);
  ENDPOINT_UNLOCK (endpoint);

  if (server) {
    gst_whep_server_invoke (server, serve_waiting_offers,
        gst_object_ref (endpoint), gst_object_unref);
    gst_object_unref (server);
  }
}

/* On the server's thread, where everything else that touches the waiting
 * offers runs: none of them is being served or timing out meanwhile. */
static gboolean
stop_waiting_offers (gpointer data)
{
  GstWhepEndpoint *endpoint = data;
  WaitingOffer *w;

  endpoint->stopped = TRUE;
  while ((w = g_queue_pop_head (&endpoint->waiting))) {
    respond_unavailable (w->req, "the stream has stopped");
    waiting_offer_free (w);
  }
  return G_SOURCE_REMOVE;
}

guint
gst_whep_endpoint_get_waiting (GstWhepEndpoint * endpoint)
{
  return g_atomic_int_get (&endpoint->n_waiting);
}

/* ---------------------------------------------------------------------- */
/* The handlers, on the server's thread */

static void
endpoint_offer (gpointer user_data, GstWhepRequest * req, const gchar * sdp,
    gsize sdp_len)
{
  GstWhepEndpoint *endpoint = user_data;
  GError *error = NULL;
  GstSDPMessage *offer;
  WhepStreamInfo info;
  guint generation;
  gboolean draining;

  ENDPOINT_LOCK (endpoint);
  draining = endpoint->draining;
  ENDPOINT_UNLOCK (endpoint);
  if (draining) {
    respond_unavailable (req, "this instance is draining: it takes no new "
        "viewers");
    return;
  }

  if (endpoint->authorize) {
    gchar *method, *path;
    GstStructure *headers = gst_whep_request_get_headers (req, &method, &path);
    gboolean allowed = endpoint->authorize (endpoint, method, path, headers,
        endpoint->authorize_data);

    GST_DEBUG_OBJECT (endpoint->element, "%s %s %s by the application",
        method, path, allowed ? "authorized" : "refused");
    gst_structure_free (headers);
    g_free (method);
    g_free (path);
    if (!allowed) {
      gst_whep_request_respond_error (req, SOUP_STATUS_FORBIDDEN,
          "the application refused this request");
      return;
    }
  }

  offer = whep_offer_parse (sdp, sdp_len, &error);
  if (offer == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_BAD_REQUEST,
        error->message);
    g_error_free (error);
    return;
  }

  /* the generation before the stream is seen ready (gstwheppool.h) */
  generation = gst_whep_pool_get_generation (endpoint->pool);
  if (gst_whep_media_get_stream_info (endpoint->media, &info)) {
    gst_whep_pool_start_viewer (endpoint->pool, req, offer, &info,
        generation);
    gst_sdp_message_free (offer);
    return;
  }
  /* Not ready yet: hold the request.  If the stream becomes ready right
   * now, serve_waiting_offers() is already queued behind us and finds it. */
  hold_offer (endpoint, req, offer);
}

/* The session that @rest (below "<path>/") names, if it is one of ours;
 * otherwise answers @req and returns NULL: 404, or for another instance's
 * session with a public-url, 307 to the same path at the balancer, which
 * routes it to its owner (WHEP allows redirects for load balancing). */
static const gchar *
own_session (GstWhepEndpoint * endpoint, GstWhepRequest * req,
    const gchar * rest)
{
  gchar *instance_id, *public_url, *path, *location = NULL;
  const gchar *id = NULL;

  ENDPOINT_LOCK (endpoint);
  instance_id = g_strdup (endpoint->instance_id);
  public_url = g_strdup (endpoint->public_url);
  path = g_strdup (endpoint->path);
  ENDPOINT_UNLOCK (endpoint);

  switch (whep_session_route (rest, instance_id, &id)) {
    case WHEP_SESSION_ROUTE_OWN:
      if (!whep_session_id_is_valid (id))
        id = NULL;
      break;
    case WHEP_SESSION_ROUTE_OTHER:
      if (public_url) {
        gchar *resource = g_strconcat (path, "/", rest, NULL);

        location = whep_public_resource_url (public_url, resource);
        g_free (resource);
      }
      break;
    case WHEP_SESSION_ROUTE_NONE:
      break;
  }

  if (location) {
    GST_INFO_OBJECT (endpoint->element, "session %s is another instance's: "
        "redirected to %s", rest, location);
    gst_whep_request_add_header (req, "Location", location);
    gst_whep_request_respond_error (req, SOUP_STATUS_TEMPORARY_REDIRECT,
        "this session is served by another instance");
  } else if (id == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
        "no such session");
  }
  g_free (location);
  g_free (instance_id);
  g_free (public_url);
  g_free (path);
  return id;
}

static void
endpoint_delete (gpointer user_data, GstWhepRequest * req, const gchar * rest)
{
  GstWhepEndpoint *endpoint = user_data;
  const gchar *id = own_session (endpoint, req, rest);

  if (id == NULL)
    return;
  if (!gst_whep_pool_end_viewer (endpoint->pool, id, "DELETE")) {
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
        "no such session");
    return;
  }
  gst_whep_request_respond (req, SOUP_STATUS_OK, NULL, NULL);
}

/* An ICE restart: 200 with our new credentials and candidates as a
 * fragment, and a new ETag (RFC 9725 4.4.2). */
static void
restart_ice (GstWhepEndpoint * endpoint, GstWhepRequest * req,
    const gchar * id, const WhepSdpFrag * frag)
{
  GError *error = NULL;
  gchar *body, *etag = NULL;

  if (frag->ice_pwd == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_BAD_REQUEST,
        "an ICE restart needs a=ice-ufrag and a=ice-pwd");
    return;
  }
  body = gst_whep_pool_restart_ice (endpoint->pool, id, frag, &etag, &error);
  if (body == NULL) {
    gst_whep_request_respond_error (req,
        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ?
        SOUP_STATUS_NOT_FOUND : SOUP_STATUS_CONFLICT, error->message);
    g_error_free (error);
    return;
  }
  if (etag)
    gst_whep_request_add_header (req, "ETag", etag);
  gst_whep_request_respond (req, SOUP_STATUS_OK,
      "application/trickle-ice-sdpfrag", body);
  g_free (body);
  g_free (etag);
}

/* PATCH: trickled candidates for a session, or an ICE restart
 * (RFC 9725 4.3, 4.4). */
static void
endpoint_patch (gpointer user_data, GstWhepRequest * req, const gchar * rest,
    const gchar * body, gsize len, const gchar * if_match)
{
  GstWhepEndpoint *endpoint = user_data;
  GError *error = NULL;
  WhepSdpFrag *frag;
  const gchar *id = own_session (endpoint, req, rest);

  if (id == NULL)
    return;
  frag = whep_sdpfrag_parse (body, len, &error);
  switch (gst_whep_pool_check_ice (endpoint->pool, id, if_match,
          frag ? frag->ice_ufrag : NULL)) {
    case GST_WHEP_POOL_NO_SUCH_VIEWER:
      gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
          "no such session");
      break;
    case GST_WHEP_POOL_STALE_ETAG:
      gst_whep_request_respond_error (req, SOUP_STATUS_PRECONDITION_FAILED,
          "If-Match does not match the session's ETag");
      break;
    case GST_WHEP_POOL_NEW_ICE:
      restart_ice (endpoint, req, id, frag);
      break;
    case GST_WHEP_POOL_SAME_ICE:
      if (frag == NULL)
        gst_whep_request_respond_error (req, SOUP_STATUS_BAD_REQUEST,
            error->message);
      else if (gst_whep_pool_add_candidates (endpoint->pool, id, frag))
        gst_whep_request_respond (req, SOUP_STATUS_NO_CONTENT, NULL, NULL);
      else
        gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
            "no such session");
      break;
  }
  g_clear_error (&error);
  if (frag)
    whep_sdpfrag_free (frag);
}

/* The page compiled into the plugin, told where its endpoint is. */
static GBytes *
endpoint_get_player_page (gpointer user_data)
{
  GstWhepEndpoint *endpoint = user_data;
  GBytes *page;
  gchar *html, **parts, *path, *url;
  gboolean player;

  ENDPOINT_LOCK (endpoint);
  player = endpoint->player;
  url = whep_public_resource_url (endpoint->public_url, endpoint->path);
  ENDPOINT_UNLOCK (endpoint);
  path = g_markup_escape_text (url, -1);
  g_free (url);

  page = player ? g_resources_lookup_data (PLAYER_RESOURCE,
      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL) : NULL;
  if (page == NULL) {
    g_free (path);
    return NULL;
  }
  parts = g_strsplit (g_bytes_get_data (page, NULL), PLAYER_ENDPOINT_MARK, -1);
  html = g_strjoinv (path, parts);
  g_strfreev (parts);
  g_bytes_unref (page);
  g_free (path);
  return g_bytes_new_take (html, strlen (html));
}

/* GET <path>/stats and GET <path>/metrics, when stats are served. */
static void
endpoint_get_resource (gpointer user_data, GstWhepRequest * req,
    const gchar * name)
{
  GstWhepEndpoint *endpoint = user_data;
  gboolean json = g_strcmp0 (name, "stats") == 0;
  gboolean metrics = g_strcmp0 (name, "metrics") == 0;
  GstStructure *stats;
  gboolean enabled;
  gchar *path, *body;

  ENDPOINT_LOCK (endpoint);
  enabled = endpoint->stats;
  path = g_strdup (endpoint->path);
  ENDPOINT_UNLOCK (endpoint);

  if (!enabled || endpoint->stats_func == NULL || !(json || metrics)) {
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
        "no such resource");
    g_free (path);
    return;
  }
  stats = endpoint->stats_func (endpoint->stats_data);
  if (json)
    body = whep_stats_to_json (stats);
  else
    body = whep_stats_to_prometheus (stats, path);
  gst_whep_request_respond (req, SOUP_STATUS_OK, json ? "application/json" :
      "text/plain; version=0.0.4; charset=utf-8", body);
  gst_structure_free (stats);
  g_free (body);
  g_free (path);
}

/* GET <path>/health: 200 while this instance takes viewers, 503 with
 * Retry-After while the stream is not ready, max-viewers is reached or it
 * is draining, so that a balancer's health check sends POSTs elsewhere.
 * The same JSON body either way. */
static void
endpoint_get_health (gpointer user_data, GstWhepRequest * req)
{
  GstWhepEndpoint *endpoint = user_data;
  WhepStreamInfo info;
  WhepHealth health;
  gchar *instance_id, *body;
  gboolean ok;

  ENDPOINT_LOCK (endpoint);
  instance_id = g_strdup (endpoint->instance_id);
  health.draining = endpoint->draining;
  ENDPOINT_UNLOCK (endpoint);

  health.ready = gst_whep_media_get_stream_info (endpoint->media, &info);
  health.viewers = gst_whep_pool_get_n_viewers (endpoint->pool);
  health.max_viewers = gst_whep_pool_get_max_viewers (endpoint->pool);
  health.instance_id = instance_id;
  ok = whep_health_is_ok (&health);
  body = whep_health_to_json (&health);

  /* a probe every few seconds: never cached on the way */
  gst_whep_request_add_header (req, "Cache-Control", "no-store");
  if (!ok)
    gst_whep_request_add_header (req, "Retry-After", RETRY_AFTER);
  gst_whep_request_respond (req, ok ? SOUP_STATUS_OK :
      SOUP_STATUS_SERVICE_UNAVAILABLE, "application/json", body);
  g_free (body);
  g_free (instance_id);
}

static const GstWhepEndpointFuncs endpoint_funcs = {
  endpoint_offer,
  endpoint_delete,
  endpoint_patch,
  endpoint_get_player_page,
  endpoint_get_resource,
  endpoint_get_health,
};

/* ---------------------------------------------------------------------- */
/* Life cycle */

GstWhepEndpoint *
gst_whep_endpoint_new (GstElement * element, GstWhepMedia * media,
    GstWhepPool * pool)
{
  GstWhepEndpoint *endpoint = g_object_new (GST_TYPE_WHEP_ENDPOINT, NULL);

  gst_object_ref_sink (endpoint);
  endpoint->element = element;
  endpoint->media = media;
  endpoint->pool = pool;
  return endpoint;
}

void
gst_whep_endpoint_set_authorize (GstWhepEndpoint * endpoint,
    GstWhepEndpointAuthorizeFunc func, gpointer user_data)
{
  endpoint->authorize = func;
  endpoint->authorize_data = user_data;
}

void
gst_whep_endpoint_set_stats_func (GstWhepEndpoint * endpoint,
    GstWhepEndpointStatsFunc func, gpointer user_data)
{
  endpoint->stats_func = func;
  endpoint->stats_data = user_data;
}

void
gst_whep_endpoint_set_settings (GstWhepEndpoint * endpoint,
    guint ready_timeout, gboolean player, gboolean stats)
{
  ENDPOINT_LOCK (endpoint);
  endpoint->ready_timeout = ready_timeout;
  endpoint->player = player;
  endpoint->stats = stats;
  ENDPOINT_UNLOCK (endpoint);
}

void
gst_whep_endpoint_set_draining (GstWhepEndpoint * endpoint, gboolean draining)
{
  ENDPOINT_LOCK (endpoint);
  endpoint->draining = draining;
  ENDPOINT_UNLOCK (endpoint);
}

void
gst_whep_endpoint_set_urls (GstWhepEndpoint * endpoint,
    const gchar * instance_id, const gchar * public_url)
{
  ENDPOINT_LOCK (endpoint);
  g_free (endpoint->instance_id);
  endpoint->instance_id = instance_id && *instance_id ?
      g_strdup (instance_id) : NULL;
  g_free (endpoint->public_url);
  endpoint->public_url = public_url && *public_url ?
      g_strdup (public_url) : NULL;
  ENDPOINT_UNLOCK (endpoint);
}

gboolean
gst_whep_endpoint_start (GstWhepEndpoint * endpoint, GstWhepServer * server,
    const gchar * path, const GstWhepEndpointConfig * config, GError ** error)
{
  ENDPOINT_LOCK (endpoint);
  g_assert (endpoint->server == NULL);
  endpoint->server = gst_object_ref (server);
  endpoint->path = g_strdup (path);
  ENDPOINT_UNLOCK (endpoint);
  /* the server's thread sees this after the registration below */
  endpoint->stopped = FALSE;

  if (gst_whep_server_add_endpoint (server, path, &endpoint_funcs, config,
          endpoint, error))
    return TRUE;

  ENDPOINT_LOCK (endpoint);
  gst_clear_object (&endpoint->server);
  g_clear_pointer (&endpoint->path, g_free);
  ENDPOINT_UNLOCK (endpoint);
  return FALSE;
}

void
gst_whep_endpoint_stop (GstWhepEndpoint * endpoint)
{
  GstWhepServer *server;
  gchar *path;

  ENDPOINT_LOCK (endpoint);
  server = endpoint->server ? gst_object_ref (endpoint->server) : NULL;
  path = g_strdup (endpoint->path);
  ENDPOINT_UNLOCK (endpoint);
  if (server == NULL)
    return;

  /* After this no handler runs any more; until then they may, and they
   * need the server and the path. */
  gst_whep_server_remove_endpoint (server, path);
  gst_whep_server_invoke_sync (server, stop_waiting_offers, endpoint);

  ENDPOINT_LOCK (endpoint);
  gst_clear_object (&endpoint->server);
  g_clear_pointer (&endpoint->path, g_free);
  ENDPOINT_UNLOCK (endpoint);
  gst_object_unref (server);
  g_free (path);
}

static void
gst_whep_endpoint_finalize (GObject * object)
{
  GstWhepEndpoint *endpoint = GST_WHEP_ENDPOINT (object);

  g_assert (endpoint->server == NULL);
  g_assert (g_queue_is_empty (&endpoint->waiting));
  g_free (endpoint->instance_id);
  g_free (endpoint->public_url);
  g_mutex_clear (&endpoint->lock);

  G_OBJECT_CLASS (gst_whep_endpoint_parent_class)->finalize (object);
}

static void
gst_whep_endpoint_class_init (GstWhepEndpointClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_whep_endpoint_finalize;

  GST_DEBUG_CATEGORY_INIT (whep_endpoint_debug, "whependpoint", 0,
      "whepsink WHEP endpoint");
}

static void
gst_whep_endpoint_init (GstWhepEndpoint * endpoint)
{
  g_mutex_init (&endpoint->lock);
  g_queue_init (&endpoint->waiting);
  endpoint->stopped = TRUE;
}

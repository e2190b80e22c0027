/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-whepsink
 * @title: whepsink
 *
 * whepsink makes an MPEG-TS stream (H.264 video, Opus audio) watchable in a
 * web browser over WHEP, the WebRTC-HTTP Egress Protocol.  It runs its own
 * HTTP server: a WHEP client POSTs an SDP offer to
 * `http://HOST:PORT/PATH` and plays the stream; DELETE on the session URL
 * (the `Location` of the answer) ends it.
 *
 * The stream is demuxed and parsed once; each viewer gets its own webrtcbin.
 * A viewer may POST before the stream has started: the answer then waits
 * until the tracks are known, for at most #GstWhepSink:ready-timeout
 * seconds.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency ! mux. \
 *     audiotestsrc is-live=true ! opusenc ! mux. \
 *     mpegtsmux name=mux ! whepsink port=8889
 * ]|
 * Then any WHEP player can play `http://127.0.0.1:8889/whep`.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepsink.h"
#include "gstwhependpoint.h"
#include "gstwhepmedia.h"
#include "gstwheppool.h"
#include "gstwhepserver.h"
#include "gstwhepsession.h"
#include "whep-http.h"

#include <gst/mpegts/mpegts.h>

GST_DEBUG_CATEGORY_STATIC (whep_sink_debug);
#define GST_CAT_DEFAULT whep_sink_debug

#define DEFAULT_PORT 8889
#define DEFAULT_ADDRESS NULL
#define DEFAULT_PATH "/whep"
#define DEFAULT_READY_TIMEOUT 10
#define DEFAULT_PLAYER TRUE
#define DEFAULT_PROGRAM_NUMBER -1
#define DEFAULT_STATS FALSE

#define DEFAULT_CONNECT_TIMEOUT 20
#define DEFAULT_IDLE_TIMEOUT 20
#define DEFAULT_MAX_VIEWERS 0
#define DEFAULT_ICE_TCP TRUE
#define DEFAULT_SEND_PATH GST_WHEP_SEND_PATH_SHARED
#define DEFAULT_AUDIO_TRANSCODE GST_WHEP_TRANSCODE_AUTO
#define DEFAULT_VIDEO_TRANSCODE GST_WHEP_TRANSCODE_AUTO

enum
{
  PROP_0,
  PROP_PORT,
  PROP_ADDRESS,
  PROP_PATH,
  PROP_BOUND_PORT,
  PROP_READY_TIMEOUT,
  PROP_PLAYER,
  PROP_PROGRAM_NUMBER,
  PROP_CONNECT_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  PROP_AUTH_TOKEN,
  PROP_ALLOWED_ORIGINS,
  PROP_CERTIFICATE_FILE,
  PROP_KEY_FILE,
  PROP_MAX_VIEWERS,
  PROP_STUN_SERVER,
  PROP_TURN_SERVER,
  PROP_ICE_MIN_PORT,
  PROP_ICE_MAX_PORT,
  PROP_ICE_TCP,
  PROP_PUBLIC_ADDRESS,
  PROP_SEND_PATH,
  PROP_AUDIO_TRANSCODE,
  PROP_VIDEO_TRANSCODE,
  PROP_WAITING_VIEWERS,
  PROP_VIEWERS,
  PROP_STATS,
  PROP_INSTANCE_ID,
  PROP_PUBLIC_URL,
  PROP_DRAINING,
};

enum
{
  SIGNAL_VIEWER_ADDED,
  SIGNAL_VIEWER_REMOVED,
  SIGNAL_GET_STATS,
  SIGNAL_REMOVE_VIEWER,
  SIGNAL_AUTHORIZE,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

#define GST_TYPE_WHEP_SEND_PATH (gst_whep_send_path_get_type ())
static GType
gst_whep_send_path_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_WHEP_SEND_PATH_SHARED, "Payload once, one lean send path for "
          "all viewers (webrtcbin does ICE, DTLS and RTCP)", "shared"},
    {GST_WHEP_SEND_PATH_PER_VIEWER, "A payloader and webrtcbin's send "
          "chain for each viewer", "per-viewer"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstWhepSendPath", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

/* The element, and the glue between its rooms:
 *
 *   media     (gstwhepmedia.c)    tsdemux, parsers, tracks, from the PMT
 *   fanout    (gstwhepfanout.c)   the shared send path
 *   pool      (gstwheppool.c)     the viewers: sessions, limits, their end
 *   endpoint  (gstwhependpoint.c) POST, PATCH, DELETE, the player page
 *   server    (gstwhepserver.c)   HTTP, shared per address:port
 *
 * Locks, in this order: the sink's lock (its properties and the server it
 * holds), then the pool's or the endpoint's (only to hand them settings).
 * The media part's lock is never held with another; a session takes the
 * fan-out's under its own.  No lock is held while calling into an element,
 * libsoup, or a callback (docs/design.md, Locks). */
struct _GstWhepSink
{
  GstBin parent;

  /* fixed at construction */
  GstPad *sinkpad;
  GstWhepMedia *media;
  GstWhepFanout *fanout;        /* the shared send path */
  GstWhepPool *pool;
  GstWhepEndpoint *endpoint;

  GMutex lock;
  /* properties, protected by lock */
  guint port;
  gchar *address;
  gchar *path;
  guint ready_timeout;
  gboolean player;
  gint program_number;
  guint connect_timeout;
  guint idle_timeout;
  gchar *auth_token;
  gchar *allowed_origins;       /* comma-separated */
  gchar *certificate_file;
  gchar *key_file;
  guint max_viewers;
  gchar *stun_server;
  gchar *turn_server;
  guint ice_min_port;
  guint ice_max_port;
  gboolean ice_tcp;
  gchar *public_address;
  GstWhepSendPath send_path;
  GstWhepTranscodeMode audio_transcode;
  GstWhepTranscodeMode video_transcode;
  gboolean stats;
  gchar *instance_id;
  gchar *public_url;
  gboolean draining;

  /* from READY to NULL, protected by lock */
  GstWhepServer *server;
  guint bound_port;
  gboolean use_fanout;

  /* protected by lock */
  guint64 refused_forbidden;    /* POSTs the application refused (403) */
  gboolean disposing;           /* announce no viewer's end any more */
};

#define SINK_LOCK(s) g_mutex_lock (&(s)->lock)
#define SINK_UNLOCK(s) g_mutex_unlock (&(s)->lock)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/mpegts, systemstream = (boolean) true"));

#define gst_whep_sink_parent_class parent_class
G_DEFINE_TYPE (GstWhepSink, gst_whep_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (whepsink, "whepsink", GST_RANK_NONE,
    GST_TYPE_WHEP_SINK);

/* Hands the properties that the pool and the endpoint follow to them.
 * Called with the lock, so that two threads setting properties at once
 * cannot leave older values there: the pool's and the endpoint's locks
 * come after the sink's. */
static void
apply_settings (GstWhepSink * sink)
{
  GstWhepPoolSettings settings = {
    sink->connect_timeout, sink->idle_timeout, sink->max_viewers,
    sink->stun_server, sink->turn_server, sink->ice_min_port,
    sink->ice_max_port, sink->ice_tcp, sink->public_address
  };

  gst_whep_pool_set_settings (sink->pool, &settings);
  gst_whep_endpoint_set_settings (sink->endpoint, sink->ready_timeout,
      sink->player, sink->stats);
  gst_whep_endpoint_set_urls (sink->endpoint, sink->instance_id,
      sink->public_url);
  gst_whep_endpoint_set_draining (sink->endpoint, sink->draining);
}

/* From a streaming or bus thread: the tracks are known. */
static void
media_ready (gpointer user_data)
{
  GstWhepSink *sink = user_data;

  gst_whep_endpoint_stream_ready (sink->endpoint);
}

/* ---------------------------------------------------------------------- */
/* What the application hears of viewers, and asks */

static void
post_viewer_message (GstWhepSink * sink, const gchar * name,
    const gchar * id, const gchar * address, const gchar * reason)
{
  GstStructure *s = gst_structure_new (name, "id", G_TYPE_STRING, id,
      "remote-address", G_TYPE_STRING, address, NULL);

  if (reason)
    gst_structure_set (s, "reason", G_TYPE_STRING, reason, NULL);
  gst_element_post_message (GST_ELEMENT (sink),
      gst_message_new_element (GST_OBJECT (sink), s));
}

/* On the server's thread, no lock held. */
static void
pool_viewer_added (GstWhepPool * pool, const gchar * id,
    const gchar * address, gpointer user_data)
{
  GstWhepSink *sink = user_data;

  GST_INFO_OBJECT (sink, "viewer %s joins from %s", id,
      address ? address : "an address not known yet");
  g_signal_emit (sink, signals[SIGNAL_VIEWER_ADDED], 0, id, address);
  post_viewer_message (sink, "whepsink-viewer-added", id, address, NULL);
  g_object_notify (G_OBJECT (sink), "viewers");
  GST_DEBUG_OBJECT (sink, "viewer %s announced, %u viewers now", id,
      gst_whep_pool_get_n_viewers (pool));
}

/* In the thread that tears the viewer down, no lock held. */
static void
pool_viewer_removed (GstWhepPool * pool, const gchar * id,
    const gchar * address, const gchar * reason, gpointer user_data)
{
  GstWhepSink *sink = user_data;
  gboolean disposing;

  SINK_LOCK (sink);
  disposing = sink->disposing;
  SINK_UNLOCK (sink);
  GST_INFO_OBJECT (sink, "viewer %s from %s leaves: %s", id,
      address ? address : "an unknown address", reason);
  /* a message would hold the element while it goes */
  if (disposing)
    return;
  g_signal_emit (sink, signals[SIGNAL_VIEWER_REMOVED], 0, id, address);
  post_viewer_message (sink, "whepsink-viewer-removed", id, address, reason);
  g_object_notify (G_OBJECT (sink), "viewers");
  GST_DEBUG_OBJECT (sink, "viewer %s announced gone, %u viewers now", id,
      gst_whep_pool_get_n_viewers (pool));
}

static const GstWhepPoolEvents pool_events = {
  pool_viewer_added,
  pool_viewer_removed,
};

/* On the server's thread, no lock held. */
static gboolean
endpoint_authorize (GstWhepEndpoint * endpoint, const gchar * method,
    const gchar * path, const GstStructure * headers, gpointer user_data)
{
  GstWhepSink *sink = user_data;
  gboolean allowed = TRUE;

  g_signal_emit (sink, signals[SIGNAL_AUTHORIZE], 0, method, path, headers,
      &allowed);
  if (!allowed) {
    GST_INFO_OBJECT (sink, "%s %s refused by the application", method, path);
    SINK_LOCK (sink);
    sink->refused_forbidden++;
    SINK_UNLOCK (sink);
  }
  return allowed;
}

/* Handlers run before the class handler (run-last): the first FALSE ends
 * the emission and refuses the request. */
static gboolean
authorize_accumulator (GSignalInvocationHint * ihint, GValue * return_accu,
    const GValue * handler_return, gpointer data)
{
  gboolean allowed = g_value_get_boolean (handler_return);

  g_value_set_boolean (return_accu, allowed);
  return allowed;
}

static gboolean
gst_whep_sink_authorize (GstWhepSink * sink, const gchar * method,
    const gchar * path, const GstStructure * headers)
{
  return TRUE;
}

static GstStructure *
gst_whep_sink_get_stats (GstWhepSink * sink)
{
  GstStructure *stats = gst_whep_pool_get_stats (sink->pool);
  guint64 forbidden;

  SINK_LOCK (sink);
  forbidden = sink->refused_forbidden;
  SINK_UNLOCK (sink);
  gst_structure_set (stats, "refusals-forbidden", G_TYPE_UINT64, forbidden,
      NULL);
  return stats;
}

/* For GET <path>/stats and /metrics, on the server's thread. */
static GstStructure *
endpoint_stats (gpointer user_data)
{
  return gst_whep_sink_get_stats (GST_WHEP_SINK (user_data));
}

static gboolean
gst_whep_sink_remove_viewer (GstWhepSink * sink, const gchar * id)
{
  if (id == NULL)
    return FALSE;
  return gst_whep_pool_end_viewer (sink->pool, id, "removed by the "
      "application");
}

/* ---------------------------------------------------------------------- */
/* Starting and stopping */

/* The certificate for HTTPS, when both files are set. */
static gboolean
load_certificate (GstWhepSink * sink, GTlsCertificate ** certificate)
{
  GError *error = NULL;
  gchar *cert_file, *key_file;

  SINK_LOCK (sink);
  cert_file = g_strdup (sink->certificate_file);
  key_file = g_strdup (sink->key_file);
  SINK_UNLOCK (sink);

  *certificate = NULL;
  if (cert_file == NULL && key_file == NULL)
    return TRUE;
  if (cert_file && key_file)
    *certificate = g_tls_certificate_new_from_files (cert_file, key_file,
        &error);
  else
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "certificate-file and key-file go together");
  if (*certificate == NULL)
    GST_ELEMENT_ERROR (sink, RESOURCE, OPEN_READ,
        ("Could not load the TLS certificate."), ("%s", error->message));
  g_clear_error (&error);
  g_free (cert_file);
  g_free (key_file);
  return *certificate != NULL || (cert_file == NULL && key_file == NULL);
}

/* Where sessions live as clients see them:
 * "[public-url]<path>[/<instance-id>]".  Called with the lock. */
static gchar *
session_base_url (GstWhepSink * sink)
{
  gchar *base = whep_session_base_path (sink->path, sink->instance_id);
  gchar *url = whep_public_resource_url (sink->public_url, base);

  g_free (base);
  return url;
}

/* "scheme://host[:port]" of @public_url, or NULL. */
static gchar *
public_origin (const gchar * public_url)
{
  GUri *uri;
  gchar *origin;

  if (public_url == NULL)
    return NULL;
  uri = g_uri_parse (public_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;
  origin = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
      g_uri_get_host (uri), g_uri_get_port (uri), "", NULL, NULL);
  g_uri_unref (uri);
  return origin;
}

static gboolean
start_server (GstWhepSink * sink)
{
  GstWhepEndpointConfig config = { NULL, };
  GTlsCertificate *certificate = NULL;
  GstWhepServer *server = NULL;
  GError *error = NULL;
  gchar *address, *path, *session_base;
  guint port;
  gboolean ok = FALSE, shared;

  if (!load_certificate (sink, &certificate))
    return FALSE;

  SINK_LOCK (sink);
  address = g_strdup (sink->address);
  path = g_strdup (sink->path);
  port = sink->port;
  shared = sink->use_fanout;
  session_base = session_base_url (sink);
  config.public_origin = public_origin (sink->public_url);
  config.auth_token = g_strdup (sink->auth_token);
  if (sink->allowed_origins && *sink->allowed_origins) {
    guint i;

    config.allowed_origins = g_strsplit (sink->allowed_origins, ",", -1);
    for (i = 0; config.allowed_origins[i]; i++)
      g_strstrip (config.allowed_origins[i]);
  }
  SINK_UNLOCK (sink);

  server = gst_whep_server_obtain (address, port, certificate, &error);
  if (server == NULL) {
    GST_ELEMENT_ERROR (sink, RESOURCE, OPEN_READ_WRITE,
        ("Could not listen on port %u.", port), ("%s", error->message));
    goto done;
  }
  SINK_LOCK (sink);
  sink->server = server;
  sink->bound_port = gst_whep_server_get_port (server);
  SINK_UNLOCK (sink);

  gst_whep_pool_start (sink->pool, server, session_base, shared);
  if (!gst_whep_endpoint_start (sink->endpoint, server, path, &config,
          &error)) {
    GST_ELEMENT_ERROR (sink, RESOURCE, BUSY,
        ("Could not serve %s.", path), ("%s", error->message));
    goto done;
  }

  g_object_notify (G_OBJECT (sink), "bound-port");
  ok = TRUE;

done:
  g_clear_error (&error);
  g_clear_object (&certificate);
  g_free (config.auth_token);
  g_strfreev (config.allowed_origins);
  g_free (config.public_origin);
  g_free (address);
  g_free (path);
  g_free (session_base);
  return ok;
}

/* In this order: no request comes in any more (the endpoint is off the
 * server and its waiting offers answered), the viewers end and every
 * teardown is done, then the server goes. */
static void
stop_server (GstWhepSink * sink)
{
  GstWhepServer *server;

  gst_whep_endpoint_stop (sink->endpoint);
  gst_whep_pool_stop (sink->pool);

  SINK_LOCK (sink);
  server = g_steal_pointer (&sink->server);
  sink->bound_port = 0;
  SINK_UNLOCK (sink);
  if (server)
    gst_whep_server_release (server);
}

/* The shared send path takes what it needs from inside webrtcbin: its
 * libnice agent (from nicesink) and the SRTP key (from dtlsenc).  If this
 * GStreamer lacks either, viewers go the per-viewer way. */
static gboolean
shared_send_path_possible (const gchar ** missing)
{
  const struct
  {
    const gchar *factory;
    const gchar *property;
  } hooks[] = {
    {"dtlsenc", "encoder-key"}, {"dtlsenc", "srtp-cipher"},
    {"dtlsenc", "srtp-auth"}, {"nicesink", "agent"}, {"nicesink", "stream"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (hooks); i++) {
    GstElement *e = gst_element_factory_make (hooks[i].factory, NULL);
    gboolean found = e && g_object_class_find_property (G_OBJECT_GET_CLASS
        (e), hooks[i].property);

    gst_clear_object (&e);
    if (!found) {
      *missing = hooks[i].property;
      return FALSE;
    }
  }
  return TRUE;
}

static void
choose_send_path (GstWhepSink * sink)
{
  const gchar *missing = NULL;
  gboolean shared;

  SINK_LOCK (sink);
  shared = sink->send_path == GST_WHEP_SEND_PATH_SHARED;
  SINK_UNLOCK (sink);

  if (shared && !shared_send_path_possible (&missing)) {
    GST_ELEMENT_WARNING (sink, CORE, MISSING_PLUGIN,
        ("The shared send path is not available; every viewer gets a "
            "send chain of its own."), ("no '%s' in this GStreamer", missing));
    shared = FALSE;
  }
  SINK_LOCK (sink);
  sink->use_fanout = shared;
  SINK_UNLOCK (sink);
}

static GstStateChangeReturn
gst_whep_sink_change_state (GstElement * element, GstStateChange transition)
{
  GstWhepSink *sink = GST_WHEP_SINK (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (gst_whep_media_get_missing_element (sink->media)) {
        GST_ELEMENT_ERROR (sink, CORE, MISSING_PLUGIN,
            ("Missing element '%s'.",
                gst_whep_media_get_missing_element (sink->media)), (NULL));
        return GST_STATE_CHANGE_FAILURE;
      }
      choose_send_path (sink);
      /* The server starts now, so that viewers can arrive before data. */
      if (!start_server (sink)) {
        stop_server (sink);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Viewers' branches go before the bin stops its children. */
      gst_whep_pool_end_all (sink->pool, "the stream stopped", TRUE);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_whep_media_reset (sink->media);
      gst_whep_fanout_flush (sink->fanout);
      /* any viewer made while the stream stopped */
      gst_whep_pool_end_all (sink->pool, "the stream stopped", TRUE);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      stop_server (sink);
      break;
    default:
      break;
  }
  return ret;
}

/* The stream ended: viewers are told by their sessions ending (so that
 * players reconnect), new ones wait for a new stream, and the EOS goes on
 * to the fakesinks so that the bin posts EOS as a sink does.  The stream
 * is "not ready" before the viewers end: a viewer that saw it ready is
 * either ended here or refused (gstwheppool.h). */
static GstPadProbeReturn
sink_eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepSink *sink = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    GST_INFO_OBJECT (sink, "end of stream");
    gst_whep_fanout_flush (sink->fanout);
    gst_whep_media_stream_ended (sink->media);
    gst_whep_pool_end_all (sink->pool, "end of stream", FALSE);
  }
  return GST_PAD_PROBE_OK;
}

static GstWhepSession *
session_of (GstObject * object)
{
  GstObject *o = gst_object_ref (object);

  while (o && !GST_IS_WHEP_SESSION (o)) {
    GstObject *parent = gst_object_get_parent (o);

    gst_object_unref (o);
    o = parent;
  }
  return (GstWhepSession *) o;
}

static void
gst_whep_sink_handle_message (GstBin * bin, GstMessage * message)
{
  GstWhepSink *sink = GST_WHEP_SINK (bin);
  GstWhepSession *session;

  gst_whep_media_handle_message (sink->media, message);
  /* bad input is not the application's error: a warning instead */
  if (gst_whep_media_demote_demux_error (sink->media, message)) {
    gst_message_unref (message);
    return;
  }

  session = session_of (GST_MESSAGE_SRC (message));
  if (session == NULL) {
    GST_BIN_CLASS (parent_class)->handle_message (bin, message);
    return;
  }

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:{
      GError *error = NULL;

      /* A viewer's failure stays that viewer's: it ends its session and
       * nobody else hears of it as an error. */
      gst_message_parse_error (message, &error, NULL);
      GST_WARNING_OBJECT (sink, "session %s: %s",
          gst_whep_session_get_id (session), error->message);
      gst_whep_pool_end_viewer (sink->pool,
          gst_whep_session_get_id (session), error->message);
      g_error_free (error);
      gst_message_unref (message);
      break;
    }
    case GST_MESSAGE_ASYNC_START:
    case GST_MESSAGE_ASYNC_DONE:
      /* the bin's state bookkeeping needs these */
      GST_BIN_CLASS (parent_class)->handle_message (bin, message);
      break;
    case GST_MESSAGE_LATENCY:
      /* posted again as the sink's own, for the reason below */
      gst_message_unref (message);
      gst_element_post_message (GST_ELEMENT (sink),
          gst_message_new_latency (GST_OBJECT (sink)));
      break;
    default:
      /* State changes, stream status and the like of a viewer's dozens of
       * elements are nobody's business outside.  And a message holds its
       * source: one from a nicesink waiting on an application's bus would
       * keep the viewer's ICE agent, and its sockets, alive. */
      gst_message_unref (message);
      break;
  }
  gst_object_unref (session);
}

static void
set_string (gchar ** field, const GValue * value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
gst_whep_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWhepSink *sink = GST_WHEP_SINK (object);
  gboolean program_changed = FALSE;
  gint program_number;
  GstWhepTranscodeMode audio_transcode, video_transcode;

  SINK_LOCK (sink);
  switch (prop_id) {
    case PROP_PORT:
      sink->port = g_value_get_uint (value);
      break;
    case PROP_ADDRESS:
      set_string (&sink->address, value);
      break;
    case PROP_PATH:{
      const gchar *path = g_value_get_string (value);

      if (path == NULL || path[0] != '/' || g_str_has_suffix (path, "/")) {
        g_warning ("whepsink: path must start with '/' and not end with '/'");
        break;
      }
      g_free (sink->path);
      sink->path = g_strdup (path);
      break;
    }
    case PROP_READY_TIMEOUT:
      sink->ready_timeout = g_value_get_uint (value);
      break;
    case PROP_PLAYER:
      sink->player = g_value_get_boolean (value);
      break;
    case PROP_STATS:
      sink->stats = g_value_get_boolean (value);
      break;
    case PROP_PROGRAM_NUMBER:
      sink->program_number = g_value_get_int (value);
      program_changed = TRUE;
      break;
    case PROP_CONNECT_TIMEOUT:
      sink->connect_timeout = g_value_get_uint (value);
      break;
    case PROP_IDLE_TIMEOUT:
      sink->idle_timeout = g_value_get_uint (value);
      break;
    case PROP_AUTH_TOKEN:
      set_string (&sink->auth_token, value);
      break;
    case PROP_ALLOWED_ORIGINS:
      set_string (&sink->allowed_origins, value);
      break;
    case PROP_CERTIFICATE_FILE:
      set_string (&sink->certificate_file, value);
      break;
    case PROP_KEY_FILE:
      set_string (&sink->key_file, value);
      break;
    case PROP_MAX_VIEWERS:
      sink->max_viewers = g_value_get_uint (value);
      break;
    case PROP_STUN_SERVER:
      set_string (&sink->stun_server, value);
      break;
    case PROP_TURN_SERVER:
      set_string (&sink->turn_server, value);
      break;
    case PROP_ICE_MIN_PORT:
      sink->ice_min_port = g_value_get_uint (value);
      break;
    case PROP_ICE_MAX_PORT:
      sink->ice_max_port = g_value_get_uint (value);
      break;
    case PROP_ICE_TCP:
      sink->ice_tcp = g_value_get_boolean (value);
      break;
    case PROP_PUBLIC_ADDRESS:
      set_string (&sink->public_address, value);
      break;
    case PROP_SEND_PATH:
      sink->send_path = g_value_get_enum (value);
      break;
    case PROP_AUDIO_TRANSCODE:
      sink->audio_transcode = g_value_get_enum (value);
      break;
    case PROP_VIDEO_TRANSCODE:
      sink->video_transcode = g_value_get_enum (value);
      break;
    case PROP_INSTANCE_ID:{
      const gchar *id = g_value_get_string (value);

      if (id != NULL && !whep_instance_id_is_valid (id)) {
        g_warning ("whepsink: instance-id must be 1 to 64 of A-Z a-z 0-9 "
            "'-' '_' '.' '~'");
        break;
      }
      set_string (&sink->instance_id, value);
      break;
    }
    case PROP_PUBLIC_URL:{
      const gchar *url = g_value_get_string (value);

      if (url != NULL && !whep_public_url_is_valid (url)) {
        g_warning ("whepsink: public-url must be an absolute http(s) URL "
            "without user, query or fragment");
        break;
      }
      set_string (&sink->public_url, value);
      break;
    }
    case PROP_DRAINING:
      sink->draining = g_value_get_boolean (value);
      GST_INFO_OBJECT (sink, "%s", sink->draining ? "draining: no new "
          "viewers" : "taking new viewers again");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  program_number = sink->program_number;
  audio_transcode = sink->audio_transcode;
  video_transcode = sink->video_transcode;
  apply_settings (sink);
  SINK_UNLOCK (sink);

  /* not with the lock held: the media part sets tsdemux's program-number */
  if (program_changed)
    gst_whep_media_set_program (sink->media, program_number);
  if (prop_id == PROP_AUDIO_TRANSCODE)
    gst_whep_media_set_audio_transcode (sink->media, audio_transcode);
  if (prop_id == PROP_VIDEO_TRANSCODE)
    gst_whep_media_set_video_transcode (sink->media, video_transcode);
}

static void
gst_whep_sink_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstWhepSink *sink = GST_WHEP_SINK (object);

  SINK_LOCK (sink);
  switch (prop_id) {
    case PROP_PORT:
      g_value_set_uint (value, sink->port);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, sink->address);
      break;
    case PROP_PATH:
      g_value_set_string (value, sink->path);
      break;
    case PROP_BOUND_PORT:
      g_value_set_uint (value, sink->bound_port);
      break;
    case PROP_READY_TIMEOUT:
      g_value_set_uint (value, sink->ready_timeout);
      break;
    case PROP_PLAYER:
      g_value_set_boolean (value, sink->player);
      break;
    case PROP_PROGRAM_NUMBER:
      g_value_set_int (value, sink->program_number);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, sink->connect_timeout);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, sink->idle_timeout);
      break;
    case PROP_ALLOWED_ORIGINS:
      g_value_set_string (value, sink->allowed_origins);
      break;
    case PROP_CERTIFICATE_FILE:
      g_value_set_string (value, sink->certificate_file);
      break;
    case PROP_KEY_FILE:
      g_value_set_string (value, sink->key_file);
      break;
    case PROP_MAX_VIEWERS:
      g_value_set_uint (value, sink->max_viewers);
      break;
    case PROP_STUN_SERVER:
      g_value_set_string (value, sink->stun_server);
      break;
    case PROP_TURN_SERVER:
      g_value_set_string (value, sink->turn_server);
      break;
    case PROP_ICE_MIN_PORT:
      g_value_set_uint (value, sink->ice_min_port);
      break;
    case PROP_ICE_MAX_PORT:
      g_value_set_uint (value, sink->ice_max_port);
      break;
    case PROP_ICE_TCP:
      g_value_set_boolean (value, sink->ice_tcp);
      break;
    case PROP_PUBLIC_ADDRESS:
      g_value_set_string (value, sink->public_address);
      break;
    case PROP_SEND_PATH:
      g_value_set_enum (value, sink->send_path);
      break;
    case PROP_AUDIO_TRANSCODE:
      g_value_set_enum (value, sink->audio_transcode);
      break;
    case PROP_VIDEO_TRANSCODE:
      g_value_set_enum (value, sink->video_transcode);
      break;
    case PROP_WAITING_VIEWERS:
      g_value_set_uint (value, gst_whep_endpoint_get_waiting (sink->endpoint));
      break;
    case PROP_VIEWERS:
      g_value_set_uint (value, gst_whep_pool_get_n_viewers (sink->pool));
      break;
    case PROP_STATS:
      g_value_set_boolean (value, sink->stats);
      break;
    case PROP_INSTANCE_ID:
      g_value_set_string (value, sink->instance_id);
      break;
    case PROP_PUBLIC_URL:
      g_value_set_string (value, sink->public_url);
      break;
    case PROP_DRAINING:
      g_value_set_boolean (value, sink->draining);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  SINK_UNLOCK (sink);
}

static void
gst_whep_sink_dispose (GObject * object)
{
  GstWhepSink *sink = GST_WHEP_SINK (object);

  /* An element is set to NULL before it goes, which stopped all this
   * already; if not, no session may outlive the bin it is torn down from,
   * nor a teardown on its way. */
  SINK_LOCK (sink);
  sink->disposing = TRUE;
  SINK_UNLOCK (sink);
  if (sink->pool) {
    gst_whep_endpoint_stop (sink->endpoint);
    gst_whep_pool_stop (sink->pool);
  }

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_whep_sink_finalize (GObject * object)
{
  GstWhepSink *sink = GST_WHEP_SINK (object);

  gst_object_unref (sink->endpoint);
  gst_object_unref (sink->pool);
  gst_whep_media_free (sink->media);
  gst_whep_fanout_free (sink->fanout);
  g_free (sink->address);
  g_free (sink->path);
  g_free (sink->auth_token);
  g_free (sink->allowed_origins);
  g_free (sink->certificate_file);
  g_free (sink->key_file);
  g_free (sink->stun_server);
  g_free (sink->turn_server);
  g_free (sink->public_address);
  g_free (sink->instance_id);
  g_free (sink->public_url);
  g_mutex_clear (&sink->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_whep_sink_class_init (GstWhepSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);

  gobject_class->set_property = gst_whep_sink_set_property;
  gobject_class->get_property = gst_whep_sink_get_property;
  gobject_class->dispose = gst_whep_sink_dispose;
  gobject_class->finalize = gst_whep_sink_finalize;

  /**
   * GstWhepSink:port:
   *
   * The TCP port the HTTP server listens on.  0 picks a free port: read it
   * back from #GstWhepSink:bound-port.  Several whepsinks may share a port
   * when they have different paths.
   */
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_uint ("port", "Port",
          "TCP port of the HTTP server (0 = pick a free one, see bound-port); "
          "takes effect when the element goes to READY",
          0, 65535, DEFAULT_PORT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_ADDRESS,
      g_param_spec_string ("address", "Address",
          "IP address to listen on (NULL = all interfaces)",
          DEFAULT_ADDRESS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_PATH,
      g_param_spec_string ("path", "Path",
          "HTTP path of the WHEP endpoint; sessions live below it and the "
          "player page at its parent",
          DEFAULT_PATH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_BOUND_PORT,
      g_param_spec_uint ("bound-port", "Bound port",
          "The port the HTTP server actually listens on (0 until READY)",
          0, 65535, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_READY_TIMEOUT,
      g_param_spec_uint ("ready-timeout", "Ready timeout",
          "Seconds a viewer who arrives before the stream is held before "
          "being answered 503",
          0, 3600, DEFAULT_READY_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstWhepSink:player:
   *
   * Serve a player page at the parent of #GstWhepSink:path (for `/whep`,
   * at `/`): open it in a browser to watch the stream.  Turn it off when
   * the deployment serves its own pages.
   */
  g_object_class_install_property (gobject_class, PROP_PLAYER,
      g_param_spec_boolean ("player", "Player page",
          "Serve a player page at the parent of the endpoint path",
          DEFAULT_PLAYER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_PROGRAM_NUMBER,
      g_param_spec_int ("program-number", "Program number",
          "The MPEG-TS program to serve (-1 = the first in the PAT)",
          -1, G_MAXUINT16, DEFAULT_PROGRAM_NUMBER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstWhepSink:connect-timeout:
   *
   * A viewer that was answered but has not connected (ICE and DTLS) within
   * this many seconds is not coming: its session ends and frees what it
   * held.  A viewer that was connected and vanishes is noticed by ICE
   * consent checks instead.
   */
  g_object_class_install_property (gobject_class, PROP_CONNECT_TIMEOUT,
      g_param_spec_uint ("connect-timeout", "Connect timeout",
          "Seconds an answered viewer has to connect (ICE and DTLS) before "
          "its session is ended",
          1, 3600, DEFAULT_CONNECT_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstWhepSink:idle-timeout:
   *
   * A connected viewer that sends nothing (no RTCP report, no feedback) for
   * this many seconds has gone, a closed tab or a lost network: its session
   * ends.  Browsers report about every second.
   */
  g_object_class_install_property (gobject_class, PROP_IDLE_TIMEOUT,
      g_param_spec_uint ("idle-timeout", "Idle timeout",
          "Seconds a connected viewer may stay silent (no RTCP) before its "
          "session is ended",
          2, 3600, DEFAULT_IDLE_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

#define MUTABLE_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
      GST_PARAM_MUTABLE_READY)

  /**
   * GstWhepSink:auth-token:
   *
   * When set, every POST, PATCH and DELETE needs
   * `Authorization: Bearer <auth-token>`; others are answered 401.  The
   * token is compared in constant time and never logged, nor readable back.
   */
  g_object_class_install_property (gobject_class, PROP_AUTH_TOKEN,
      g_param_spec_string ("auth-token", "Auth token",
          "Bearer token that POST, PATCH and DELETE need (NULL = none)",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_ALLOWED_ORIGINS,
      g_param_spec_string ("allowed-origins", "Allowed origins",
          "Comma-separated origins (https://host[:port]) whose pages may use "
          "the endpoint (CORS); NULL = any", NULL, MUTABLE_READY));

  /**
   * GstWhepSink:certificate-file:
   *
   * A PEM certificate (chain): with #GstWhepSink:key-file the server speaks
   * HTTPS instead of HTTP.
   */
  g_object_class_install_property (gobject_class, PROP_CERTIFICATE_FILE,
      g_param_spec_string ("certificate-file", "Certificate file",
          "PEM certificate for HTTPS (with key-file)", NULL, MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_KEY_FILE,
      g_param_spec_string ("key-file", "Key file",
          "PEM private key for HTTPS (with certificate-file)", NULL,
          MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_MAX_VIEWERS,
      g_param_spec_uint ("max-viewers", "Max viewers",
          "Viewers served at once; more get 503 with Retry-After (0 = no limit)",
          0, G_MAXUINT, DEFAULT_MAX_VIEWERS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstWhepSink:stun-server:
   *
   * A STUN server in webrtcbin's form (`stun://host:port`), used by every
   * viewer's webrtcbin and advertised to clients in a `Link` header.
   */
  g_object_class_install_property (gobject_class, PROP_STUN_SERVER,
      g_param_spec_string ("stun-server", "STUN server",
          "STUN server (stun://host:port) for viewers' ICE, also sent in a Link "
          "header", NULL, MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_TURN_SERVER,
      g_param_spec_string ("turn-server", "TURN server",
          "TURN server (turn(s)://user:password@host:port) for viewers' ICE, "
          "also sent in a Link header with its credentials", NULL,
          MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_ICE_MIN_PORT,
      g_param_spec_uint ("ice-min-port", "ICE min port",
          "Lowest UDP port for media (0 = any; with ice-max-port)",
          0, 65535, 0, MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_ICE_MAX_PORT,
      g_param_spec_uint ("ice-max-port", "ICE max port",
          "Highest UDP port for media (0 = any)", 0, 65535, 0, MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_ICE_TCP,
      g_param_spec_boolean ("ice-tcp", "ICE-TCP",
          "Offer ICE-TCP candidates besides UDP", DEFAULT_ICE_TCP,
          MUTABLE_READY));

  /**
   * GstWhepSink:public-address:
   *
   * For a server behind 1:1 NAT: this IP address is announced in the
   * answer beside each local host candidate, with the same port.
   */
  g_object_class_install_property (gobject_class, PROP_PUBLIC_ADDRESS,
      g_param_spec_string ("public-address", "Public address",
          "Extra IP address to announce in the answer's candidates "
          "(for 1:1 NAT)", NULL, MUTABLE_READY));
  /**
   * GstWhepSink:send-path:
   *
   * How media leaves for the viewers.  `shared`: each track is payloaded
   * once and one send path of whepsink's own rewrites, encrypts (SRTP) and
   * sends every packet for all viewers, with Sender Reports, NACK
   * retransmissions and a start at the newest keyframe; webrtcbin does
   * ICE, DTLS and the RTCP viewers send.  `per-viewer`: every viewer gets
   * its own payloaders and webrtcbin's whole send chain (the way a
   * pipeline with a tee would do it; costs several times more per viewer).
   * If the shared path's hooks into webrtcbin are missing, whepsink warns
   * and uses `per-viewer`.
   */
  g_object_class_install_property (gobject_class, PROP_SEND_PATH,
      g_param_spec_enum ("send-path", "Send path",
          "How media leaves for the viewers: one shared path for all, or "
          "webrtcbin's send chain per viewer", GST_TYPE_WHEP_SEND_PATH,
          DEFAULT_SEND_PATH, MUTABLE_READY));

  /**
   * GstWhepSink:audio-transcode:
   *
   * What to do with audio that WebRTC cannot carry: AAC (ADTS or LATM),
   * MPEG-1/2 audio (layer I-III) and AC-3/E-AC-3.  `auto`: the PMT's
   * audio is declared as Opus at once, and the stream is decoded and
   * encoded to Opus (48 kHz, 20 ms frames, low delay, mixed down to
   * stereo) once for all viewers, whatever their number.  `never`: such
   * audio is left out (viewers get video only) and a warning says why.
   * Opus in the stream is always sent as it is.
   */
  g_object_class_install_property (gobject_class, PROP_AUDIO_TRANSCODE,
      g_param_spec_enum ("audio-transcode", "Audio transcode",
          "AAC, MPEG audio or AC-3 in the stream: convert it to Opus once "
          "for all viewers (auto), or leave the audio out (never)",
          GST_TYPE_WHEP_TRANSCODE_MODE, DEFAULT_AUDIO_TRANSCODE,
          MUTABLE_READY));

  /**
   * GstWhepSink:video-transcode:
   *
   * What viewers whose offer has no H.265 get of an H.265 stream (viewers
   * that offer H.265 get it as it is).  `auto`: H.264 made from it once
   * for all of them (avdec_h265 ! x264enc, zerolatency and ultrafast,
   * Constrained Baseline 4:2:0), started when the first such viewer is
   * answered; it rests (decodes and encodes nothing) while no viewer takes
   * it, and the next such viewer wakes it from the stream's next keyframe.
   * It adds the decoder's and encoder's delay (a frame or two).  `never`:
   * their video m-line is rejected ("the stream is H.265 and the offer has
   * no H265").  The same property covers H.264 that browsers negotiate but
   * do not decode (High 4:4:4, 4:2:2, 10-bit): `auto` converts it to
   * Constrained Baseline for all viewers, `never` sends it as it is with a
   * warning.
   */
  g_object_class_install_property (gobject_class, PROP_VIDEO_TRANSCODE,
      g_param_spec_enum ("video-transcode", "Video transcode",
          "Video browsers cannot play (H.265 for viewers without it, H.264 "
          "High 4:4:4/4:2:2/10-bit): convert it to Constrained Baseline "
          "H.264 once for all viewers (auto), or not (never)",
          GST_TYPE_WHEP_TRANSCODE_MODE, DEFAULT_VIDEO_TRANSCODE,
          MUTABLE_READY));

  /**
   * GstWhepSink:waiting-viewers:
   *
   * Viewers whose offer is held because the stream has not started (or
   * has ended) yet.  Each is answered as soon as the stream's tracks are
   * known, or with 503 after #GstWhepSink:ready-timeout; at most 64 wait
   * at once.
   */
  g_object_class_install_property (gobject_class, PROP_WAITING_VIEWERS,
      g_param_spec_uint ("waiting-viewers", "Waiting viewers",
          "Viewers whose offer waits for the stream to start",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstWhepSink:viewers:
   *
   * The viewers the element serves now, connected or not: from the moment
   * a viewer is added (#GstWhepSink::viewer-added, before its answer) until
   * it is removed.  Offers waiting for the stream are not counted (see
   * #GstWhepSink:waiting-viewers).  Notified on every change.
   */
  g_object_class_install_property (gobject_class, PROP_VIEWERS,
      g_param_spec_uint ("viewers", "Viewers",
          "The number of viewers served now, connected or still connecting.",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstWhepSink:stats:
   *
   * Serve the figures of #GstWhepSink::get-stats over HTTP:
   * `GET <path>/stats` as a JSON object (the same fields, `viewers` an
   * array of objects) and `GET <path>/metrics` in Prometheus' text format
   * (`whepsink_viewers`, `whepsink_joins_total`, `whepsink_leaves_total`,
   * `whepsink_refusals_total`, and `whepsink_viewer_*` per viewer and
   * track, each labelled with the endpoint's path).  Off, both are 404.
   * With #GstWhepSink:auth-token they need the bearer token too.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boolean ("stats", "Stats",
          "Serve the statistics at GET <path>/stats (JSON) and "
          "GET <path>/metrics (Prometheus text).", DEFAULT_STATS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstWhepSink:instance-id:
   *
   * For several whepsinks behind one HTTP load balancer: this instance's
   * name in its session URLs, `<path>/<instance-id>/<session-id>`, so that
   * a balancer routing by path sends each session's PATCH and DELETE to
   * the instance that owns it.  A PATCH or DELETE for a session of another
   * instance gets 404, or 307 to the same path at #GstWhepSink:public-url
   * when that is set.  1 to 64 of `A-Z a-z 0-9 - _ . ~`.  See
   * docs/scale-out.md.
   */
  g_object_class_install_property (gobject_class, PROP_INSTANCE_ID,
      g_param_spec_string ("instance-id", "Instance id",
          "This instance's name behind a load balancer: session URLs become "
          "<path>/<instance-id>/<session-id>; other instances' sessions get "
          "404, or 307 to public-url (NULL: session URLs <path>/<id>)",
          NULL, MUTABLE_READY));

  /**
   * GstWhepSink:public-url:
   *
   * The absolute base URL (`scheme://host[:port][/prefix]`) at which
   * clients reach this server through a proxy or load balancer.  With it,
   * `Location` headers, redirects to another instance's sessions and the
   * player page's endpoint are absolute URLs at that base followed by
   * #GstWhepSink:path.  Without it they are relative, as the request came.
   */
  g_object_class_install_property (gobject_class, PROP_PUBLIC_URL,
      g_param_spec_string ("public-url", "Public URL",
          "Absolute base URL (scheme://host[:port][/prefix]) clients reach "
          "this server at through a load balancer: Location headers, "
          "redirects and the player page use it (NULL: relative URLs)",
          NULL, MUTABLE_READY));

  /**
   * GstWhepSink:draining:
   *
   * Takes this instance out of a load balancer's rotation without
   * disturbing anyone: while %TRUE, new offers get 503 with `Retry-After`
   * and `GET <path>/health` answers 503 with `"draining": true`, so that
   * the balancer sends new viewers elsewhere; the viewers here play on
   * until they leave (#GstWhepSink:viewers counts them), and may still
   * PATCH and DELETE.  Set it, wait for the viewers to go (or a deadline),
   * then stop the pipeline.  See docs/scale-out.md.
   */
  g_object_class_install_property (gobject_class, PROP_DRAINING,
      g_param_spec_boolean ("draining", "Draining",
          "Turn new viewers away (503; health says draining) while the "
          "viewers here play on: to take this instance out of a load "
          "balancer before stopping it", FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstWhepSink::viewer-added:
   * @whepsink: the #GstWhepSink
   * @id: the session id, the last segment of the session URL (`Location`)
   * @remote_address: (nullable): the viewer's "ip:port", or %NULL if not
   *   known yet (always, for now: ICE has not started)
   *
   * A viewer's offer was accepted and its session made; its answer is on
   * the way.  Emitted on the HTTP server's thread, with no lock held,
   * before the answer is sent; an element message named
   * `whepsink-viewer-added` (fields `id`, `remote-address`) follows on the
   * bus.
   */
  signals[SIGNAL_VIEWER_ADDED] = g_signal_new ("viewer-added",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * GstWhepSink::viewer-removed:
   * @whepsink: the #GstWhepSink
   * @id: the session id
   * @remote_address: (nullable): the viewer's "ip:port" from the candidate
   *   pair ICE selected, or %NULL if it never had one
   *
   * A viewer that was added has ended, whatever the reason (DELETE,
   * #GstWhepSink::remove-viewer, a timeout, ICE or DTLS failure, end of
   * stream, the element stopping).  Emitted with no lock held from the
   * thread that tears its session down: a thread of
   * gst_element_call_async(), or the one that sets the element to READY
   * or NULL; never a streaming thread.  An element message named
   * `whepsink-viewer-removed` (fields `id`, `remote-address`, `reason`)
   * follows on the bus.
   */
  signals[SIGNAL_VIEWER_REMOVED] = g_signal_new ("viewer-removed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * GstWhepSink::get-stats:
   * @whepsink: the #GstWhepSink
   *
   * Returns an `application/x-whepsink-stats` structure: `n-viewers`
   * (guint), the totals `joins`, `leaves`, `refusals-unavailable` (503),
   * `refusals-not-acceptable` (406) and `refusals-forbidden` (403, by
   * #GstWhepSink::authorize) (guint64), and `viewers`, a #GstValueArray
   * of one structure per viewer: `id`, `remote-address` (string or
   * %NULL), `state` ("waiting" or "connected"), `duration` (seconds,
   * double), and per track, prefixed `video-` or `audio-`: `packets-sent`,
   * `bytes-sent` (payload), `retransmitted`, `nacked`,
   * `keyframe-requests`, `dropped` (guint64); once the viewer has sent a
   * receiver report `packets-lost` (gint64), `fraction-lost` (0..1),
   * `jitter` (seconds), and `round-trip` (seconds) once known.  The track
   * fields come from the shared send path: with `send-path=per-viewer`
   * they are left out.
   *
   * Returns: (transfer full): the statistics
   */
  signals[SIGNAL_GET_STATS] = g_signal_new_class_handler ("get-stats",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_whep_sink_get_stats), NULL, NULL, NULL,
      GST_TYPE_STRUCTURE, 0);

  /**
   * GstWhepSink::remove-viewer:
   * @whepsink: the #GstWhepSink
   * @id: the session id
   *
   * Ends the viewer as a DELETE of its session URL would: its session is
   * torn down soon in another thread, and its URL answers 404 from now on.
   *
   * Returns: %TRUE if there was such a viewer
   */
  signals[SIGNAL_REMOVE_VIEWER] = g_signal_new_class_handler ("remove-viewer",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_whep_sink_remove_viewer), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  /**
   * GstWhepSink::authorize:
   * @whepsink: the #GstWhepSink
   * @method: the request's method ("POST")
   * @path: the request's path
   * @headers: a structure named "headers" with a string field per request
   *   header, its name in lower case (repeated headers joined by ", ")
   *
   * Asked for every offer (POST) after #GstWhepSink:auth-token and CORS
   * were checked, before the offer is looked at.  Return %FALSE to refuse
   * it: the client gets 403 with a one-line reason.  The first handler that
   * returns %FALSE ends the emission; with no handler every POST is
   * allowed.  Emitted on the HTTP server's thread with no lock held: the
   * handler must not block, for no other request of that server is served
   * meanwhile.
   *
   * Returns: %TRUE to let the request through
   */
  signals[SIGNAL_AUTHORIZE] = g_signal_new_class_handler ("authorize",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
      G_CALLBACK (gst_whep_sink_authorize), authorize_accumulator, NULL, NULL,
      G_TYPE_BOOLEAN, 3, G_TYPE_STRING, G_TYPE_STRING,
      GST_TYPE_STRUCTURE | G_SIGNAL_TYPE_STATIC_SCOPE);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "WHEP sink",
      "Sink/Network/WebRTC",
      "Serves an MPEG-TS stream (H.264, Opus) to web browsers over WHEP",
      "The whepsink authors");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_whep_sink_change_state);
  bin_class->handle_message = GST_DEBUG_FUNCPTR (gst_whep_sink_handle_message);

  GST_DEBUG_CATEGORY_INIT (whep_sink_debug, "whepsink", 0, "WHEP sink");
  gst_mpegts_initialize ();
}

static void
gst_whep_sink_init (GstWhepSink * sink)
{
  g_mutex_init (&sink->lock);
  sink->port = DEFAULT_PORT;
  sink->address = g_strdup (DEFAULT_ADDRESS);
  sink->path = g_strdup (DEFAULT_PATH);
  sink->ready_timeout = DEFAULT_READY_TIMEOUT;
  sink->player = DEFAULT_PLAYER;
  sink->program_number = DEFAULT_PROGRAM_NUMBER;
  sink->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
  sink->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  sink->max_viewers = DEFAULT_MAX_VIEWERS;
  sink->ice_tcp = DEFAULT_ICE_TCP;
  sink->send_path = DEFAULT_SEND_PATH;
  sink->audio_transcode = DEFAULT_AUDIO_TRANSCODE;
  sink->video_transcode = DEFAULT_VIDEO_TRANSCODE;
  sink->stats = DEFAULT_STATS;

  sink->fanout = gst_whep_fanout_new ();
  sink->sinkpad = gst_ghost_pad_new_no_target_from_template ("sink",
      gst_element_get_pad_template (GST_ELEMENT (sink), "sink"));
  sink->media = gst_whep_media_new (GST_BIN (sink), sink->sinkpad,
      sink->fanout, media_ready, sink);
  sink->pool = gst_whep_pool_new (GST_BIN (sink), sink->media, sink->fanout);
  sink->endpoint = gst_whep_endpoint_new (GST_ELEMENT (sink), sink->media,
      sink->pool);
  gst_whep_pool_set_events (sink->pool, &pool_events, sink);
  gst_whep_endpoint_set_authorize (sink->endpoint, endpoint_authorize, sink);
  gst_whep_endpoint_set_stats_func (sink->endpoint, endpoint_stats, sink);
  SINK_LOCK (sink);
  apply_settings (sink);
  SINK_UNLOCK (sink);
  gst_element_add_pad (GST_ELEMENT (sink), sink->sinkpad);
  gst_pad_add_probe (sink->sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      sink_eos_probe, sink, NULL);

  GST_OBJECT_FLAG_SET (sink, GST_ELEMENT_FLAG_SINK);
}

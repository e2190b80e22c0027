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
#include "gstwhepmedia.h"
#include "gstwhepserver.h"
#include "gstwhepsession.h"
#include "whep-http.h"
#include "whep-offer.h"
#include "whep-sdpfrag.h"
#include "whep-session-id.h"

#include <gst/mpegts/mpegts.h>
#include <libsoup/soup.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (whep_sink_debug);
#define GST_CAT_DEFAULT whep_sink_debug

#define DEFAULT_PORT 8889
#define DEFAULT_ADDRESS NULL
#define DEFAULT_PATH "/whep"
#define DEFAULT_READY_TIMEOUT 10
#define DEFAULT_PLAYER TRUE
#define DEFAULT_PROGRAM_NUMBER -1

#define DEFAULT_CONNECT_TIMEOUT 20
#define DEFAULT_IDLE_TIMEOUT 20
#define DEFAULT_MAX_VIEWERS 0
#define DEFAULT_ICE_TCP TRUE
#define DEFAULT_SEND_PATH GST_WHEP_SEND_PATH_SHARED

/* POSTs held while the stream has not started, at most: each costs a
 * parsed offer and a paused HTTP request. */
#define MAX_WAITING_OFFERS 64

/* How often connected viewers are checked for silence. */
#define IDLE_CHECK_INTERVAL_MS 1000

#define PLAYER_RESOURCE "/org/whepsink/player/index.html"
#define PLAYER_ENDPOINT_MARK "@WHEP_ENDPOINT@"

/* Seconds a client is told to wait before it tries again. */
#define RETRY_AFTER "5"

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
  PROP_WAITING_VIEWERS,
};

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

/* One viewer, as the sink sees it. */
typedef struct
{
  GstWhepSession *session;
  WhepAnswerPlan *plan;
  GstWhepRequest *req;          /* the POST, until it is answered */
  GSource *connect_timeout;     /* from the answer until connected */
  gchar *remote_ufrag;          /* the viewer's ICE ufrag */
  gchar *etag;                  /* of the ICE session, once answered */
} Viewer;

/* A POST that came before the stream's tracks were known. */
typedef struct
{
  GstWhepSink *sink;            /* not owned */
  GstWhepRequest *req;
  GstSDPMessage *offer;
  GSource *timeout;
} WaitingOffer;

/* Lock order: a server's own locks, then the sink's lock, then a session's.
 * No lock is held while calling into an element, libsoup, or a callback. */
struct _GstWhepSink
{
  GstBin parent;

  GstPad *sinkpad;
  GstWhepMedia *media;
  GstWhepFanout *fanout;        /* the shared send path, for the element's life */
  gboolean use_fanout;          /* from READY to NULL; protected by lock */

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

  /* from READY to NULL, protected by lock */
  GstWhepServer *server;
  gchar *served_path;
  guint bound_port;
  GHashTable *viewers;          /* id -> Viewer*; protected by lock */
  /* bumped whenever all viewers end (the stream ended or stops): a viewer
   * made for the stream as it was before is not let in; protected by lock */
  guint generation;
  GSource *idle_check;          /* protected by lock */
  /* viewers out of the table whose teardown runs on another thread; the
   * element waits for them to finish when it stops; protected by lock */
  GList *ending;
  GCond ending_cond;
  GList *waiting;               /* of WaitingOffer*; protected by lock */
  /* offers waiting or being served: they leave this count once answered
   * or given a session; atomic */
  gint n_waiting;
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

static void end_viewer (GstWhepSink * sink, const gchar * id,
    const gchar * reason, gboolean wait);

/* ---------------------------------------------------------------------- */
/* Viewers */

static void
viewer_cancel_connect_timeout (Viewer * viewer)
{
  if (viewer->connect_timeout) {
    g_source_destroy (viewer->connect_timeout);
    g_source_unref (viewer->connect_timeout);
    viewer->connect_timeout = NULL;
  }
}

static void
viewer_free (Viewer * viewer)
{
  viewer_cancel_connect_timeout (viewer);
  if (viewer->req) {
    gst_whep_request_respond_error (viewer->req,
        SOUP_STATUS_SERVICE_UNAVAILABLE, "the session ended before its answer");
    gst_whep_request_unref (viewer->req);
  }
  whep_answer_plan_free (viewer->plan);
  gst_object_unref (viewer->session);
  g_free (viewer->remote_ufrag);
  g_free (viewer->etag);
  g_free (viewer);
}

/* Takes the viewer's branch out of the running pipeline and frees it.  Runs
 * outside any streaming thread and webrtcbin signal. */
static void
viewer_teardown (GstElement * element, gpointer data)
{
  GstWhepSink *sink = GST_WHEP_SINK (element);
  Viewer *viewer = data;
  GstWhepSession *session = viewer->session;
  WhepMediaKind kinds[] = { WHEP_MEDIA_KIND_VIDEO, WHEP_MEDIA_KIND_AUDIO };
  guint i;

  GST_INFO_OBJECT (sink, "tearing down session %s",
      gst_whep_session_get_id (session));

  /* No packet may go to a socket that webrtcbin is about to close. */
  gst_whep_session_leave_fanout (session);

  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    GstPad *sinkpad = gst_whep_session_get_sink_pad (session, kinds[i]);
    GstPad *teepad = sinkpad ? gst_pad_get_peer (sinkpad) : NULL;

    if (teepad) {
      gst_pad_unlink (teepad, sinkpad);
      gst_whep_media_release_track_pad (sink->media, teepad);
      gst_object_unref (teepad);
    }
  }

  gst_element_set_locked_state (GST_ELEMENT (session), TRUE);
  gst_element_set_state (GST_ELEMENT (session), GST_STATE_NULL);
  if (GST_OBJECT_PARENT (session) == GST_OBJECT (sink))
    gst_bin_remove (GST_BIN (sink), GST_ELEMENT (session));
  GST_DEBUG_OBJECT (sink, "session %s torn down, %d references left",
      gst_whep_session_get_id (session), GST_OBJECT_REFCOUNT_VALUE (session));
}

static void
viewer_teardown_and_free (GstElement * element, gpointer data)
{
  viewer_teardown (element, data);
  viewer_free (data);
}

/* The same on another thread, for a viewer in the list of those ending. */
static void
viewer_teardown_in_flight (GstElement * element, gpointer data)
{
  GstWhepSink *sink = GST_WHEP_SINK (element);

  viewer_teardown_and_free (element, data);
  SINK_LOCK (sink);
  sink->ending = g_list_remove (sink->ending, data);
  g_cond_broadcast (&sink->ending_cond);
  SINK_UNLOCK (sink);
}

/* Waits until no teardown handed to another thread is left. */
static void
wait_for_teardowns (GstWhepSink * sink)
{
  SINK_LOCK (sink);
  if (sink->ending)
    GST_DEBUG_OBJECT (sink, "waiting for %u teardowns",
        g_list_length (sink->ending));
  while (sink->ending)
    g_cond_wait (&sink->ending_cond, &sink->lock);
  SINK_UNLOCK (sink);
}

/* Ends a viewer's session, whatever the reason: DELETE, ICE failure, the
 * element stopping.  With @wait the teardown is done before this returns
 * (only from a thread that may change states); otherwise it runs soon on
 * another thread. */
static void
end_viewer (GstWhepSink * sink, const gchar * id, const gchar * reason,
    gboolean wait)
{
  Viewer *viewer = NULL;
  gpointer key;

  SINK_LOCK (sink);
  if (sink->viewers &&
      g_hash_table_steal_extended (sink->viewers, id, &key,
          (gpointer *) & viewer)) {
    g_free (key);
    if (!wait)
      sink->ending = g_list_prepend (sink->ending, viewer);
  }
  SINK_UNLOCK (sink);

  if (viewer == NULL)
    return;
  GST_INFO_OBJECT (sink, "ending session %s: %s", id, reason);
  if (wait)
    viewer_teardown_and_free (GST_ELEMENT (sink), viewer);
  else
    gst_element_call_async (GST_ELEMENT (sink), viewer_teardown_in_flight,
        viewer, NULL);
}

static void
end_all_viewers (GstWhepSink * sink, const gchar * reason, gboolean wait)
{
  GList *ids = NULL, *l;

  SINK_LOCK (sink);
  sink->generation++;
  if (sink->viewers) {
    GHashTableIter iter;
    gpointer id;

    g_hash_table_iter_init (&iter, sink->viewers);
    while (g_hash_table_iter_next (&iter, &id, NULL))
      ids = g_list_prepend (ids, g_strdup (id));
  }
  SINK_UNLOCK (sink);

  for (l = ids; l; l = l->next)
    end_viewer (sink, l->data, reason, wait);
  g_list_free_full (ids, g_free);
}

/* Link headers for the configured STUN and TURN servers (RFC 9725 4.4).
 * Called with the sink lock. */
static gchar **
ice_server_links (GstWhepSink * sink)
{
  GPtrArray *links = g_ptr_array_new ();
  const gchar *uris[] = { sink->stun_server, sink->turn_server };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (uris); i++) {
    gchar *link = uris[i] ? whep_link_for_ice_server (uris[i]) : NULL;

    if (link)
      g_ptr_array_add (links, link);
  }
  g_ptr_array_add (links, NULL);
  return (gchar **) g_ptr_array_free (links, FALSE);
}

typedef struct
{
  GstWhepSink *sink;
  gchar *id;
} ConnectTimeoutData;

static gpointer
connect_timeout_data_new (GstWhepSink * sink, const gchar * id)
{
  ConnectTimeoutData *data = g_new (ConnectTimeoutData, 1);

  data->sink = gst_object_ref (sink);
  data->id = g_strdup (id);
  return data;
}

static void
connect_timeout_data_free (gpointer p)
{
  ConnectTimeoutData *data = p;

  gst_object_unref (data->sink);
  g_free (data->id);
  g_free (data);
}

/* On the server's thread. */
static gboolean
viewer_connect_timed_out (gpointer p)
{
  ConnectTimeoutData *data = p;

  end_viewer (data->sink, data->id, "it never connected", FALSE);
  return G_SOURCE_REMOVE;
}

/* From a webrtcbin thread. */
static void
session_connected (GstWhepSession * session, gpointer user_data)
{
  GstWhepSink *sink = user_data;
  Viewer *viewer;

  SINK_LOCK (sink);
  viewer = sink->viewers ? g_hash_table_lookup (sink->viewers,
      gst_whep_session_get_id (session)) : NULL;
  if (viewer)
    viewer_cancel_connect_timeout (viewer);
  SINK_UNLOCK (sink);
  GST_INFO_OBJECT (sink, "session %s connected",
      gst_whep_session_get_id (session));
}

/* From a webrtcbin thread. */
static void
session_answer_ready (GstWhepSession * session, GstSDPMessage * answer,
    const GError * error, gpointer user_data)
{
  GstWhepSink *sink = user_data;
  const gchar *id = gst_whep_session_get_id (session);
  GstWhepRequest *req = NULL;
  Viewer *viewer;
  gchar *text = NULL, *location = NULL, *etag = NULL, **links = NULL;
  gboolean planned = FALSE;
  guint i;

  SINK_LOCK (sink);
  viewer = sink->viewers ? g_hash_table_lookup (sink->viewers, id) : NULL;
  if (viewer) {
    req = g_steal_pointer (&viewer->req);
    if (answer) {
      planned = whep_answer_apply_plan (answer, viewer->plan);
      if (sink->public_address)
        whep_answer_announce_address (answer, sink->public_address);
      viewer->etag = whep_etag_for_ice (id, whep_sdp_get_ice_ufrag (answer));
      etag = g_strdup (viewer->etag);
      links = ice_server_links (sink);
    }
    location = g_strdup_printf ("%s/%s", sink->served_path, id);
    if (planned && sink->server)
      viewer->connect_timeout = gst_whep_server_add_timeout (sink->server,
          sink->connect_timeout * 1000, viewer_connect_timed_out,
          connect_timeout_data_new (sink, id), connect_timeout_data_free);
  }
  SINK_UNLOCK (sink);

  if (req == NULL) {
    g_free (location);
    return;
  }

  if (error || !planned) {
    gst_whep_request_respond_error (req,
        g_error_matches (error, GST_WHEP_SESSION_ERROR,
            GST_WHEP_SESSION_ERROR_OFFER_REFUSED) ? SOUP_STATUS_BAD_REQUEST :
        SOUP_STATUS_INTERNAL_SERVER_ERROR,
        error ? error->message : "the answer does not match the offer");
    end_viewer (sink, id, "negotiation failed", FALSE);
  } else {
    text = gst_sdp_message_as_text (answer);
    gst_whep_request_add_header (req, "Location", location);
    gst_whep_request_add_header (req, "ETag", etag);
    for (i = 0; links && links[i]; i++)
      gst_whep_request_add_header (req, "Link", links[i]);
    gst_whep_request_respond (req, SOUP_STATUS_CREATED, "application/sdp",
        text);
    GST_INFO_OBJECT (sink, "session %s answered", id);
  }
  gst_whep_request_unref (req);
  g_free (text);
  g_free (location);
  g_free (etag);
  g_strfreev (links);
}

/* From a webrtcbin thread. */
static void
session_failed (GstWhepSession * session, const gchar * reason,
    gpointer user_data)
{
  end_viewer (GST_WHEP_SINK (user_data), gst_whep_session_get_id (session),
      reason, FALSE);
}

/* From a webrtcbin thread. */
static void
session_keyframe_requested (GstWhepSession * session, gpointer user_data)
{
  gst_whep_media_request_keyframe (GST_WHEP_SINK (user_data)->media);
}

static const GstWhepSessionCallbacks session_callbacks = {
  session_answer_ready,
  session_connected,
  session_failed,
  session_keyframe_requested,
};

/* The stream generation: read it before looking whether the stream is
 * ready, and hand it to start_viewer(). */
static guint
get_generation (GstWhepSink * sink)
{
  guint generation;

  SINK_LOCK (sink);
  generation = sink->generation;
  SINK_UNLOCK (sink);
  return generation;
}

/* On the server's thread: starts a viewer for @offer on a ready stream.
 * @generation is what get_generation() said before the stream was seen
 * ready: if all viewers ended since (the stream ended or stops), the new
 * one is refused, because nothing would end it. */
static void
start_viewer (GstWhepSink * sink, GstWhepRequest * req,
    const GstSDPMessage * offer, const WhepStreamInfo * info,
    guint generation)
{
  WhepMediaKind kinds[] = { WHEP_MEDIA_KIND_VIDEO, WHEP_MEDIA_KIND_AUDIO };
  GError *error = NULL;
  WhepAnswerPlan *plan;
  GstWhepSession *session;
  GstWhepIceConfig ice = { NULL, };
  gchar *stun, *turn;
  Viewer *viewer;
  gboolean full, shared, admitted;
  gchar *id;
  guint i;

  /* Viewers only start on this thread: the count cannot grow meanwhile. */
  SINK_LOCK (sink);
  full = sink->max_viewers > 0 && sink->viewers &&
      g_hash_table_size (sink->viewers) >= sink->max_viewers;
  SINK_UNLOCK (sink);
  if (full) {
    gst_whep_request_add_header (req, "Retry-After", RETRY_AFTER);
    gst_whep_request_respond_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "the server has as many viewers as it may serve");
    return;
  }

  plan = whep_answer_plan_new (offer, info, &error);
  if (plan == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_ACCEPTABLE,
        error->message);
    g_error_free (error);
    return;
  }

  id = whep_session_id_new ();
  if (id == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR,
        "no random source for a session id");
    whep_answer_plan_free (plan);
    return;
  }

  SINK_LOCK (sink);
  stun = g_strdup (sink->stun_server);
  turn = g_strdup (sink->turn_server);
  ice.min_port = sink->ice_min_port;
  ice.max_port = sink->ice_max_port;
  ice.ice_tcp = sink->ice_tcp;
  shared = sink->use_fanout;
  SINK_UNLOCK (sink);
  ice.stun_server = stun;
  ice.turn_server = turn;
  session = gst_whep_session_new (id, plan, &ice,
      shared ? sink->fanout : NULL, &session_callbacks, sink, &error);
  g_free (stun);
  g_free (turn);
  if (session == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR,
        error->message);
    g_error_free (error);
    whep_answer_plan_free (plan);
    g_free (id);
    return;
  }

  viewer = g_new0 (Viewer, 1);
  viewer->session = gst_object_ref_sink (session);
  viewer->plan = plan;
  viewer->req = gst_whep_request_ref (req);
  viewer->remote_ufrag = g_strdup (whep_sdp_get_ice_ufrag (offer));

  /* Into the running pipeline before anyone else can see it: whatever
   * ends viewers from now on either finds it in the table or changes the
   * generation. */
  gst_bin_add (GST_BIN (sink), GST_ELEMENT (session));
  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    GstPad *sinkpad = gst_whep_session_get_sink_pad (session, kinds[i]);
    GstPad *teepad;

    if (sinkpad == NULL)
      continue;
    teepad = gst_whep_media_request_track_pad (sink->media, kinds[i]);
    if (teepad == NULL || GST_PAD_LINK_FAILED (gst_pad_link (teepad, sinkpad))) {
      GST_WARNING_OBJECT (sink, "could not link the viewer's branch");
      if (teepad)
        gst_whep_media_release_track_pad (sink->media, teepad);
      gst_clear_object (&teepad);
      gst_whep_request_respond_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
          "could not link the viewer's branch");
      viewer_teardown_and_free (GST_ELEMENT (sink), viewer);
      g_free (id);
      return;
    }
    gst_object_unref (teepad);
  }
  gst_element_sync_state_with_parent (GST_ELEMENT (session));

  SINK_LOCK (sink);
  admitted = sink->viewers && sink->generation == generation;
  if (admitted)
    g_hash_table_insert (sink->viewers, g_strdup (id), viewer);
  SINK_UNLOCK (sink);
  if (!admitted) {
    GST_INFO_OBJECT (sink, "session %s: the stream ended meanwhile", id);
    gst_whep_request_add_header (req, "Retry-After", RETRY_AFTER);
    gst_whep_request_respond_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "the stream ended or stopped while the session was made");
    viewer_teardown_and_free (GST_ELEMENT (sink), viewer);
    g_free (id);
    return;
  }

  /* The viewer may end at any moment now: keep the session meanwhile. */
  gst_object_ref (session);
  /* The pipeline hands its latency only to elements present when it last
   * computed it; without it each new rtpsession can't time its packets. */
  if (!shared)
    gst_element_post_message (GST_ELEMENT (sink),
        gst_message_new_latency (GST_OBJECT (sink)));

  GST_INFO_OBJECT (sink, "session %s negotiating", id);
  gst_whep_session_negotiate (session, offer);
  gst_object_unref (session);
  g_free (id);
}

/* ---------------------------------------------------------------------- */
/* Offers that wait for the stream */

static void
waiting_offer_free (WaitingOffer * w)
{
  if (w->timeout) {
    g_source_destroy (w->timeout);
    g_source_unref (w->timeout);
  }
  gst_whep_request_unref (w->req);
  gst_sdp_message_free (w->offer);
  g_free (w);
}

/* On the server's thread. */
static gboolean
waiting_offer_timed_out (gpointer data)
{
  WaitingOffer *w = data;
  GstWhepSink *sink = w->sink;
  gboolean mine;
  gchar *reason;

  SINK_LOCK (sink);
  mine = g_list_find (sink->waiting, w) != NULL;
  sink->waiting = g_list_remove (sink->waiting, w);
  reason = g_strdup_printf ("the stream did not start within %u s",
      sink->ready_timeout);
  SINK_UNLOCK (sink);

  if (mine) {
    gst_whep_request_add_header (w->req, "Retry-After", RETRY_AFTER);
    gst_whep_request_respond_error (w->req, SOUP_STATUS_SERVICE_UNAVAILABLE,
        reason);
    g_source_unref (w->timeout);
    w->timeout = NULL;          /* this source is being dispatched */
    waiting_offer_free (w);
    g_atomic_int_add (&sink->n_waiting, -1);
  }
  g_free (reason);
  return G_SOURCE_REMOVE;
}

/* On the server's thread, once the stream is ready. */
static gboolean
serve_waiting_offers (gpointer data)
{
  GstWhepSink *sink = data;
  guint generation = get_generation (sink);
  WhepStreamInfo info;
  WaitingOffer *w;

  if (!gst_whep_media_get_stream_info (sink->media, &info))
    return G_SOURCE_REMOVE;

  /* One by one, in the order they came; each counts as waiting until it
   * has been dealt with. */
  for (;;) {
    SINK_LOCK (sink);
    w = sink->waiting ? sink->waiting->data : NULL;
    sink->waiting = g_list_remove (sink->waiting, w);
    SINK_UNLOCK (sink);
    if (w == NULL)
      break;

    if (gst_whep_request_client_left (w->req)) {
      GST_INFO_OBJECT (sink, "a waiting viewer left before the stream came");
      gst_whep_request_respond_error (w->req, SOUP_STATUS_REQUEST_TIMEOUT,
          "the client left");
    } else if (!gst_whep_request_is_done (w->req))
      start_viewer (sink, w->req, w->offer, &info, generation);
    waiting_offer_free (w);
    g_atomic_int_add (&sink->n_waiting, -1);
  }
  return G_SOURCE_REMOVE;
}

static void
answer_waiting_offers (GstWhepSink * sink, const gchar * reason)
{
  GList *waiting, *l;

  SINK_LOCK (sink);
  waiting = sink->waiting;
  sink->waiting = NULL;
  SINK_UNLOCK (sink);

  for (l = waiting; l; l = l->next) {
    WaitingOffer *w = l->data;

    gst_whep_request_add_header (w->req, "Retry-After", RETRY_AFTER);
    gst_whep_request_respond_error (w->req, SOUP_STATUS_SERVICE_UNAVAILABLE,
        reason);
    waiting_offer_free (w);
    g_atomic_int_add (&sink->n_waiting, -1);
  }
  g_list_free (waiting);
}

/* From a streaming or bus thread. */
static void
media_ready (gpointer user_data)
{
  GstWhepSink *sink = user_data;
  GstWhepServer *server = NULL;

  SINK_LOCK (sink);
  if (sink->server)
    server = gst_object_ref (sink->server);
  SINK_UNLOCK (sink);

  if (server) {
    gst_whep_server_invoke (server, serve_waiting_offers,
        gst_object_ref (sink), gst_object_unref);
    gst_object_unref (server);
  }
}

/* ---------------------------------------------------------------------- */
/* The endpoint, on the server's thread */

static void
endpoint_offer (gpointer user_data, GstWhepRequest * req, const gchar * sdp,
    gsize sdp_len)
{
  GstWhepSink *sink = user_data;
  GError *error = NULL;
  GstSDPMessage *offer;
  WhepStreamInfo info;
  WaitingOffer *w;
  gboolean crowded;
  guint generation;

  offer = whep_offer_parse (sdp, sdp_len, &error);
  if (offer == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_BAD_REQUEST,
        error->message);
    g_error_free (error);
    return;
  }

  generation = get_generation (sink);
  if (gst_whep_media_get_stream_info (sink->media, &info)) {
    start_viewer (sink, req, offer, &info, generation);
    gst_sdp_message_free (offer);
    return;
  }

  /* Not ready yet: hold the request.  If the stream becomes ready right
   * now, serve_waiting_offers() is already queued behind us and finds it. */
  crowded = g_atomic_int_get (&sink->n_waiting) >= MAX_WAITING_OFFERS;
  if (crowded) {
    gst_whep_request_add_header (req, "Retry-After", RETRY_AFTER);
    gst_whep_request_respond_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "too many viewers wait for the stream to start");
    gst_sdp_message_free (offer);
    return;
  }

  w = g_new0 (WaitingOffer, 1);
  w->sink = sink;
  w->req = gst_whep_request_ref (req);
  w->offer = offer;
  SINK_LOCK (sink);
  w->timeout = gst_whep_server_add_timeout (sink->server,
      sink->ready_timeout * 1000, waiting_offer_timed_out, w, NULL);
  sink->waiting = g_list_append (sink->waiting, w);
  g_atomic_int_inc (&sink->n_waiting);
  SINK_UNLOCK (sink);
  GST_INFO_OBJECT (sink, "offer waits for the stream");
}

static void
endpoint_delete (gpointer user_data, GstWhepRequest * req, const gchar * id)
{
  GstWhepSink *sink = user_data;
  gboolean known;

  SINK_LOCK (sink);
  known = whep_session_id_is_valid (id) && sink->viewers &&
      g_hash_table_contains (sink->viewers, id);
  SINK_UNLOCK (sink);

  if (!known) {
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_FOUND,
        "no such session");
    return;
  }
  end_viewer (sink, id, "DELETE", FALSE);
  gst_whep_request_respond (req, SOUP_STATUS_OK, NULL, NULL);
}

/* The index of the m-line a trickled candidate belongs to: by its mid, else
 * the first accepted one (with BUNDLE, all share its transport). */
static guint
mline_for_mid (const WhepAnswerPlan * plan, const gchar * mid)
{
  guint i, first = 0;
  gboolean have_first = FALSE;

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

static const gchar *
first_accepted_mid (const WhepAnswerPlan * plan)
{
  guint i;

  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *m = g_ptr_array_index (plan->mlines, i);

    if (m->accepted)
      return m->mid;
  }
  return NULL;
}

/* The viewer's new ICE credentials: restart, then answer 200 with ours and
 * our candidates as a fragment, and a new ETag (RFC 9725 4.4.2). */
static void
restart_ice (GstWhepSink * sink, GstWhepRequest * req, const gchar * id,
    GstWhepSession * session, const WhepSdpFrag * frag, const gchar * mid)
{
  GPtrArray *remote = g_ptr_array_new (), *local = NULL, *cands;
  gchar *ufrag = NULL, *pwd = NULL, *body, *etag = NULL;
  const gchar *mids[] = { mid, NULL };
  GError *error = NULL;
  Viewer *viewer;
  guint i;

  for (i = 0; i < frag->candidates->len; i++)
    g_ptr_array_add (remote,
        ((WhepFragCandidate *) g_ptr_array_index (frag->candidates,
                i))->candidate);
  if (!gst_whep_session_restart_ice (session, frag->ice_ufrag, frag->ice_pwd,
          remote, &ufrag, &pwd, &local, &error)) {
    gst_whep_request_respond_error (req, SOUP_STATUS_CONFLICT, error->message);
    g_error_free (error);
    g_ptr_array_unref (remote);
    return;
  }
  g_ptr_array_unref (remote);

  SINK_LOCK (sink);
  viewer = sink->viewers ? g_hash_table_lookup (sink->viewers, id) : NULL;
  if (viewer) {
    g_free (viewer->remote_ufrag);
    viewer->remote_ufrag = g_strdup (frag->ice_ufrag);
    g_free (viewer->etag);
    viewer->etag = whep_etag_for_ice (id, ufrag);
    etag = g_strdup (viewer->etag);
  }
  SINK_UNLOCK (sink);

  cands = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < local->len; i++) {
    WhepFragCandidate *c = g_new0 (WhepFragCandidate, 1);

    c->mid = (gchar *) mid;
    c->mline_index = 0;
    c->candidate = g_ptr_array_index (local, i);
    g_ptr_array_add (cands, c);
  }
  body = whep_sdpfrag_build (ufrag, pwd, mid ? mids : NULL, cands, TRUE);
  if (etag)
    gst_whep_request_add_header (req, "ETag", etag);
  gst_whep_request_respond (req, SOUP_STATUS_OK, "application/trickle-ice-sdpfrag",
      body);

  g_ptr_array_unref (cands);
  g_ptr_array_unref (local);
  g_free (body);
  g_free (etag);
  g_free (ufrag);
  g_free (pwd);
}

/* PATCH: trickled candidates for a session, or an ICE restart
 * (RFC 9725 4.3, 4.4). */
static void
endpoint_patch (gpointer user_data, GstWhepRequest * req, const gchar * id,
    const gchar * body, gsize len, const gchar * if_match)
{
  GstWhepSink *sink = user_data;
  GError *error = NULL;
  WhepSdpFrag *frag;
  Viewer *viewer;
  GstWhepSession *session = NULL;
  GArray *mlines = NULL;
  guint status = 0, i;
  const gchar *reason = NULL;
  gboolean restart = FALSE;
  gchar *mid = NULL;

  frag = whep_sdpfrag_parse (body, len, &error);

  SINK_LOCK (sink);
  viewer = sink->viewers && whep_session_id_is_valid (id) ?
      g_hash_table_lookup (sink->viewers, id) : NULL;
  if (viewer == NULL) {
    status = SOUP_STATUS_NOT_FOUND;
    reason = "no such session";
  } else if (if_match && strcmp (if_match, "*") != 0 &&
      g_strcmp0 (if_match, viewer->etag) != 0) {
    status = SOUP_STATUS_PRECONDITION_FAILED;
    reason = "If-Match does not match the session's ETag";
  } else if (frag == NULL) {
    status = SOUP_STATUS_BAD_REQUEST;
    reason = error->message;
  } else if (frag->ice_ufrag && g_strcmp0 (frag->ice_ufrag,
          viewer->remote_ufrag) != 0) {
    /* new credentials: an ICE restart */
    if (frag->ice_pwd == NULL) {
      status = SOUP_STATUS_BAD_REQUEST;
      reason = "an ICE restart needs a=ice-ufrag and a=ice-pwd";
    } else {
      restart = TRUE;
      session = gst_object_ref (viewer->session);
      mid = g_strdup (first_accepted_mid (viewer->plan));
    }
  } else {
    session = gst_object_ref (viewer->session);
    mlines = g_array_new (FALSE, FALSE, sizeof (guint));
    for (i = 0; i < frag->candidates->len; i++) {
      WhepFragCandidate *c = g_ptr_array_index (frag->candidates, i);
      guint m = mline_for_mid (viewer->plan, c->mid);

      g_array_append_val (mlines, m);
    }
  }
  SINK_UNLOCK (sink);

  if (restart) {
    restart_ice (sink, req, id, session, frag, mid);
    gst_object_unref (session);
    g_free (mid);
  } else if (session) {
    for (i = 0; i < frag->candidates->len; i++) {
      WhepFragCandidate *c = g_ptr_array_index (frag->candidates, i);

      gst_whep_session_add_remote_candidate (session,
          g_array_index (mlines, guint, i), c->candidate);
    }
    GST_DEBUG_OBJECT (sink, "session %s: %u candidates trickled%s", id,
        frag->candidates->len, frag->end_of_candidates ? ", end" : "");
    gst_whep_request_respond (req, SOUP_STATUS_NO_CONTENT, NULL, NULL);
    gst_object_unref (session);
  } else {
    gst_whep_request_respond_error (req, status, reason);
  }
  g_clear_error (&error);
  if (mlines)
    g_array_unref (mlines);
  if (frag)
    whep_sdpfrag_free (frag);
}

/* The page compiled into the plugin, told where its endpoint is. */
static GBytes *
endpoint_get_player_page (gpointer user_data)
{
  GstWhepSink *sink = user_data;
  GBytes *page;
  gchar *html, **parts, *endpoint;
  gboolean player;

  SINK_LOCK (sink);
  player = sink->player;
  endpoint = g_markup_escape_text (sink->served_path, -1);
  SINK_UNLOCK (sink);

  page = player ? g_resources_lookup_data (PLAYER_RESOURCE,
      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL) : NULL;
  if (page == NULL) {
    g_free (endpoint);
    return NULL;
  }
  parts = g_strsplit (g_bytes_get_data (page, NULL), PLAYER_ENDPOINT_MARK, -1);
  html = g_strjoinv (endpoint, parts);
  g_strfreev (parts);
  g_bytes_unref (page);
  g_free (endpoint);
  return g_bytes_new_take (html, strlen (html));
}

static const GstWhepEndpointFuncs endpoint_funcs = {
  endpoint_offer,
  endpoint_delete,
  endpoint_patch,
  endpoint_get_player_page,
};

/* On the server's thread: ends the sessions of viewers that went silent
 * (a closed tab, a lost network) without a DELETE. */
static gboolean
check_idle_viewers (gpointer data)
{
  GstWhepSink *sink = data;
  GList *silent = NULL, *l;
  GHashTableIter iter;
  gpointer id, v;

  SINK_LOCK (sink);
  if (sink->viewers) {
    g_hash_table_iter_init (&iter, sink->viewers);
    while (g_hash_table_iter_next (&iter, &id, &v)) {
      Viewer *viewer = v;

      if (gst_whep_session_get_silence (viewer->session) >=
          sink->idle_timeout)
        silent = g_list_prepend (silent, g_strdup (id));
    }
  }
  SINK_UNLOCK (sink);

  for (l = silent; l; l = l->next)
    end_viewer (sink, l->data, "the viewer went silent", FALSE);
  g_list_free_full (silent, g_free);
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Element */

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

static gboolean
start_server (GstWhepSink * sink)
{
  GstWhepEndpointConfig config = { NULL, };
  GTlsCertificate *certificate = NULL;
  GstWhepServer *server = NULL;
  GError *error = NULL;
  gchar *address, *path;
  guint port;
  gboolean ok = FALSE;

  if (!load_certificate (sink, &certificate))
    return FALSE;

  SINK_LOCK (sink);
  address = g_strdup (sink->address);
  path = g_strdup (sink->path);
  port = sink->port;
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
  sink->served_path = g_strdup (path);
  sink->bound_port = gst_whep_server_get_port (server);
  sink->viewers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) viewer_free);
  sink->idle_check = gst_whep_server_add_timeout (server,
      IDLE_CHECK_INTERVAL_MS, check_idle_viewers, sink, NULL);
  SINK_UNLOCK (sink);

  if (!gst_whep_server_add_endpoint (server, path, &endpoint_funcs, &config,
          sink, &error)) {
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
  g_free (address);
  g_free (path);
  return ok;
}

/* Runs @func on @server's thread and waits until it has run. */
typedef struct
{
  GSourceFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
} ServerCall;

static gboolean
server_call_run (gpointer user_data)
{
  ServerCall *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

static void
run_on_server (GstWhepServer * server, GSourceFunc func, gpointer data)
{
  ServerCall call = { func, data };

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);
  gst_whep_server_invoke (server, server_call_run, &call, NULL);
  g_mutex_lock (&call.lock);
  while (!call.done)
    g_cond_wait (&call.cond, &call.lock);
  g_mutex_unlock (&call.lock);
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
}

/* On the server's thread, where everything else that touches the waiting
 * offers runs: none of them is being served or timing out meanwhile. */
static gboolean
stop_waiting_offers (gpointer data)
{
  answer_waiting_offers (data, "the stream has stopped");
  return G_SOURCE_REMOVE;
}

static void
stop_server (GstWhepSink * sink)
{
  GSource *idle_check;
  GstWhepServer *server;
  GHashTable *viewers;
  gchar *path;

  /* sink->server stays set (and holds the server) until the end: only
   * this function clears it. */
  SINK_LOCK (sink);
  server = sink->server;
  path = g_strdup (sink->served_path);
  idle_check = g_steal_pointer (&sink->idle_check);
  SINK_UNLOCK (sink);

  if (idle_check) {
    g_source_destroy (idle_check);
    g_source_unref (idle_check);
  }

  if (server) {
    /* After this no endpoint function runs any more; until then they may,
     * and they need the server. */
    gst_whep_server_remove_endpoint (server, path);
    run_on_server (server, stop_waiting_offers, sink);
    end_all_viewers (sink, "the element stopped", TRUE);
    wait_for_teardowns (sink);
    SINK_LOCK (sink);
    sink->server = NULL;
    g_clear_pointer (&sink->served_path, g_free);
    SINK_UNLOCK (sink);
    gst_whep_server_release (server);
  }
  g_free (path);

  SINK_LOCK (sink);
  viewers = g_steal_pointer (&sink->viewers);
  sink->bound_port = 0;
  SINK_UNLOCK (sink);
  if (viewers)
    g_hash_table_unref (viewers);
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
      end_all_viewers (sink, "the stream stopped", TRUE);
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
      end_all_viewers (sink, "the stream stopped", TRUE);
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
 * to the fakesinks so that the bin posts EOS as a sink does. */
static GstPadProbeReturn
sink_eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepSink *sink = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    GST_INFO_OBJECT (sink, "end of stream");
    gst_whep_fanout_flush (sink->fanout);
    gst_whep_media_stream_ended (sink->media);
    end_all_viewers (sink, "end of stream", FALSE);
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
      end_viewer (sink, gst_whep_session_get_id (session), error->message,
          FALSE);
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
    case PROP_PROGRAM_NUMBER:
      sink->program_number = g_value_get_int (value);
      gst_whep_media_set_program (sink->media, sink->program_number);
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  SINK_UNLOCK (sink);
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
    case PROP_WAITING_VIEWERS:
      g_value_set_uint (value, g_atomic_int_get (&sink->n_waiting));
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

  /* A teardown on its way holds the element, so this finds none; but no
   * session may outlive the bin it is torn down from. */
  wait_for_teardowns (sink);

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_whep_sink_finalize (GObject * object)
{
  GstWhepSink *sink = GST_WHEP_SINK (object);

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
  g_mutex_clear (&sink->lock);
  g_cond_clear (&sink->ending_cond);

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
  g_cond_init (&sink->ending_cond);
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

  sink->fanout = gst_whep_fanout_new ();
  sink->sinkpad = gst_ghost_pad_new_no_target_from_template ("sink",
      gst_element_get_pad_template (GST_ELEMENT (sink), "sink"));
  sink->media = gst_whep_media_new (GST_BIN (sink), sink->sinkpad,
      sink->fanout, media_ready, sink);
  gst_element_add_pad (GST_ELEMENT (sink), sink->sinkpad);
  gst_pad_add_probe (sink->sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      sink_eos_probe, sink, NULL);

  GST_OBJECT_FLAG_SET (sink, GST_ELEMENT_FLAG_SINK);
}

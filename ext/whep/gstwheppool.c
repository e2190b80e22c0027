/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/*
 * The viewers of one whepsink: id -> viewer, their limits, their timers and
 * their end.  See gstwheppool.h for the shape.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwheppool.h"
#include "gstwhepsession.h"
#include "whep-http.h"
#include "whep-session-id.h"

#include <libsoup/soup.h>

GST_DEBUG_CATEGORY_STATIC (whep_pool_debug);
#define GST_CAT_DEFAULT whep_pool_debug

/* How often connected viewers are checked for silence. */
#define IDLE_CHECK_INTERVAL_MS 1000

/* Seconds a client is told to wait before it tries again. */
#define RETRY_AFTER "5"

/* One viewer. */
typedef struct
{
  gchar *id;
  GstWhepSession *session;
  WhepAnswerPlan *plan;
  /* the fields below are protected by the pool's lock while the viewer is
   * in the table */
  GstWhepRequest *req;          /* the POST, until it is answered */
  GSource *connect_timeout;     /* from the answer until connected */
  gboolean connected;
  gchar *remote_ufrag;          /* the viewer's ICE ufrag */
  gchar *etag;                  /* of the ICE session, once answered */
  gint64 started_us;            /* monotonic, when it was let in */
  /* fixed once the viewer left the table */
  gboolean announced;           /* viewer_added was called for it */
  gchar *end_reason;
} Viewer;

/* Locks: the pool's lock comes after the sink's (which holds it only to
 * hand settings over); nothing else is locked while it is held, and
 * nothing is called with it but GLib and the pure SDP helpers of gst/whep. */
struct _GstWhepPool
{
  GstObject parent;

  /* fixed at construction, not owned */
  GstBin *bin;
  GstWhepMedia *media;
  GstWhepFanout *fanout;

  GMutex lock;
  /* settings, protected by lock */
  guint connect_timeout;
  guint idle_timeout;
  guint max_viewers;
  gchar *stun_server;
  gchar *turn_server;
  guint ice_min_port;
  guint ice_max_port;
  gboolean ice_tcp;
  gchar *public_address;

  /* from start to stop, protected by lock */
  gboolean running;
  GstWhepServer *server;
  gchar *session_base;          /* Location: <session_base>/<id> */
  gboolean shared;
  GSource *idle_check;

  /* protected by lock */
  GHashTable *viewers;          /* id -> Viewer* */
  /* bumped whenever all viewers end (the stream ended or stops): a viewer
   * made for the stream as it was before is not let in */
  guint generation;
  /* viewers out of the table whose teardown runs in another thread */
  GList *ending;
  GCond ending_cond;            /* signalled when one leaves @ending */
  /* counters for stats, protected by lock */
  guint joining;                /* announced, not yet in the table */
  guint64 joins;
  guint64 leaves;
  guint64 refused_unavailable;  /* 503 */
  guint64 refused_not_acceptable;       /* 406 */

  /* set once before the pool starts */
  GstWhepPoolEvents events;
  gpointer events_data;
};

#define POOL_LOCK(p) g_mutex_lock (&(p)->lock)
#define POOL_UNLOCK(p) g_mutex_unlock (&(p)->lock)

G_DEFINE_TYPE (GstWhepPool, gst_whep_pool, GST_TYPE_OBJECT);

/* ---------------------------------------------------------------------- */
/* A viewer's end */

static void
destroy_source (GSource * source)
{
  if (source) {
    g_source_destroy (source);
    g_source_unref (source);
  }
}

static void
viewer_free (Viewer * viewer)
{
  destroy_source (viewer->connect_timeout);
  if (viewer->req) {
    gst_whep_request_respond_error (viewer->req,
        SOUP_STATUS_SERVICE_UNAVAILABLE, "the session ended before its answer");
    gst_whep_request_unref (viewer->req);
  }
  whep_answer_plan_free (viewer->plan);
  gst_object_unref (viewer->session);
  g_free (viewer->remote_ufrag);
  g_free (viewer->etag);
  g_free (viewer->end_reason);
  g_free (viewer->id);
  g_free (viewer);
}

/* Takes the viewer's session out of the running pipeline and frees the
 * viewer.  Never in a streaming thread or a webrtcbin signal. */
static void
viewer_teardown (GstWhepPool * pool, Viewer * viewer)
{
  GstWhepSession *session = viewer->session;
  WhepMediaKind kinds[] = { WHEP_MEDIA_KIND_VIDEO, WHEP_MEDIA_KIND_AUDIO };
  guint i;

  GST_INFO_OBJECT (pool->bin, "tearing down session %s", viewer->id);

  /* Announced here, not where the viewer left the table: this thread may
   * be one of webrtcbin's or a streaming thread there, never here. */
  if (viewer->announced && pool->events.viewer_removed) {
    gchar *address = gst_whep_session_get_remote_address (session);

    pool->events.viewer_removed (pool, viewer->id, address,
        viewer->end_reason, pool->events_data);
    g_free (address);
  }

  /* No packet may go to a socket that webrtcbin is about to close. */
  gst_whep_session_leave_fanout (session);

  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    GstPad *sinkpad = gst_whep_session_get_sink_pad (session, kinds[i]);
    GstPad *teepad = sinkpad ? gst_pad_get_peer (sinkpad) : NULL;

    if (teepad) {
      gst_pad_unlink (teepad, sinkpad);
      gst_whep_media_release_track_pad (pool->media, teepad);
      gst_object_unref (teepad);
    }
  }

  gst_whep_media_release_viewer (pool->media, viewer->plan);

  gst_element_set_locked_state (GST_ELEMENT (session), TRUE);
  gst_element_set_state (GST_ELEMENT (session), GST_STATE_NULL);
  if (GST_OBJECT_PARENT (session) == GST_OBJECT (pool->bin))
    gst_bin_remove (pool->bin, GST_ELEMENT (session));
  GST_DEBUG_OBJECT (pool->bin, "session %s torn down, %d references left",
      viewer->id, GST_OBJECT_REFCOUNT_VALUE (session));
  viewer_free (viewer);
}

/* A teardown handed to gst_element_call_async(). */
typedef struct
{
  GstWhepPool *pool;
  Viewer *viewer;
} Ending;

static void
ending_free (gpointer data)
{
  Ending *ending = data;

  gst_object_unref (ending->pool);
  g_free (ending);
}

static void
viewer_teardown_in_flight (GstElement * element, gpointer data)
{
  Ending *ending = data;
  GstWhepPool *pool = ending->pool;

  viewer_teardown (pool, ending->viewer);
  POOL_LOCK (pool);
  pool->ending = g_list_remove (pool->ending, ending->viewer);
  g_cond_broadcast (&pool->ending_cond);
  POOL_UNLOCK (pool);
}

/* The one way a viewer ends.  It leaves the table (so this runs once per
 * viewer), then is torn down: here with @wait (only from a thread that may
 * change states), else in another thread, tracked in the list of those
 * ending. */
static gboolean
end_viewer (GstWhepPool * pool, const gchar * id, const gchar * reason,
    gboolean wait)
{
  Viewer *viewer = NULL;
  gpointer key;

  POOL_LOCK (pool);
  if (g_hash_table_steal_extended (pool->viewers, id, &key,
          (gpointer *) & viewer)) {
    g_free (key);
    viewer->end_reason = g_strdup (reason);
    pool->leaves++;
    if (!wait)
      pool->ending = g_list_prepend (pool->ending, viewer);
  }
  POOL_UNLOCK (pool);

  if (viewer == NULL)
    return FALSE;
  GST_INFO_OBJECT (pool->bin, "ending session %s: %s", viewer->id, reason);
  if (wait) {
    viewer_teardown (pool, viewer);
  } else {
    Ending *ending = g_new (Ending, 1);

    ending->pool = gst_object_ref (pool);
    ending->viewer = viewer;
    gst_element_call_async (GST_ELEMENT (pool->bin),
        viewer_teardown_in_flight, ending, ending_free);
  }
  return TRUE;
}

gboolean
gst_whep_pool_end_viewer (GstWhepPool * pool, const gchar * id,
    const gchar * reason)
{
  return end_viewer (pool, id, reason, FALSE);
}

void
gst_whep_pool_end_all (GstWhepPool * pool, const gchar * reason,
    gboolean wait)
{
  GList *ids = NULL, *l;
  GHashTableIter iter;
  gpointer id;

  POOL_LOCK (pool);
  pool->generation++;
  g_hash_table_iter_init (&iter, pool->viewers);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    ids = g_list_prepend (ids, g_strdup (id));
  POOL_UNLOCK (pool);

  for (l = ids; l; l = l->next)
    end_viewer (pool, l->data, reason, wait);
  g_list_free_full (ids, g_free);
}

/* Waits until no teardown in another thread is left. */
static void
wait_for_teardowns (GstWhepPool * pool)
{
  POOL_LOCK (pool);
  if (pool->ending)
    GST_DEBUG_OBJECT (pool->bin, "waiting for %u teardowns",
        g_list_length (pool->ending));
  while (pool->ending)
    g_cond_wait (&pool->ending_cond, &pool->lock);
  POOL_UNLOCK (pool);
}

/* ---------------------------------------------------------------------- */
/* Timers, on the server's thread */

typedef struct
{
  GstWhepPool *pool;
  gchar *id;
} ViewerTimer;

static gpointer
viewer_timer_new (GstWhepPool * pool, const gchar * id)
{
  ViewerTimer *timer = g_new (ViewerTimer, 1);

  timer->pool = gst_object_ref (pool);
  timer->id = g_strdup (id);
  return timer;
}

static void
viewer_timer_free (gpointer p)
{
  ViewerTimer *timer = p;

  gst_object_unref (timer->pool);
  g_free (timer->id);
  g_free (timer);
}

static gboolean
viewer_connect_timed_out (gpointer p)
{
  ViewerTimer *timer = p;

  end_viewer (timer->pool, timer->id, "it never connected", FALSE);
  return G_SOURCE_REMOVE;
}

/* Ends the sessions of viewers that went silent (a closed tab, a lost
 * network) without a DELETE. */
static gboolean
check_idle_viewers (gpointer data)
{
  GstWhepPool *pool = data;
  GPtrArray *sessions = g_ptr_array_new_with_free_func (gst_object_unref);
  GHashTableIter iter;
  gpointer v;
  guint idle_timeout, i;

  POOL_LOCK (pool);
  idle_timeout = pool->idle_timeout;
  g_hash_table_iter_init (&iter, pool->viewers);
  while (g_hash_table_iter_next (&iter, NULL, &v))
    g_ptr_array_add (sessions, gst_object_ref (((Viewer *) v)->session));
  POOL_UNLOCK (pool);

  for (i = 0; i < sessions->len; i++) {
    GstWhepSession *session = g_ptr_array_index (sessions, i);

    if (gst_whep_session_get_silence (session) >= idle_timeout)
      end_viewer (pool, gst_whep_session_get_id (session),
          "the viewer went silent", FALSE);
  }
  g_ptr_array_unref (sessions);
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* What the sessions tell, from webrtcbin's threads */

/* Link headers for the configured STUN and TURN servers (RFC 9725 4.4).
 * Called with the lock. */
static gchar **
ice_server_links (GstWhepPool * pool)
{
  GPtrArray *links = g_ptr_array_new ();
  const gchar *uris[] = { pool->stun_server, pool->turn_server };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (uris); i++) {
    gchar *link = uris[i] ? whep_link_for_ice_server (uris[i]) : NULL;

    if (link)
      g_ptr_array_add (links, link);
  }
  g_ptr_array_add (links, NULL);
  return (gchar **) g_ptr_array_free (links, FALSE);
}

static void
session_answer_ready (GstWhepSession * session, GstSDPMessage * answer,
    const GError * error, gpointer user_data)
{
  GstWhepPool *pool = user_data;
  const gchar *id = gst_whep_session_get_id (session);
  GstWhepRequest *req = NULL;
  GstWhepServer *server = NULL;
  GSource *timeout = NULL;
  Viewer *viewer;
  gchar *text = NULL, *location = NULL, *etag = NULL, **links = NULL;
  gboolean planned = FALSE;
  guint connect_timeout = 0, i;

  POOL_LOCK (pool);
  viewer = g_hash_table_lookup (pool->viewers, id);
  if (viewer) {
    req = g_steal_pointer (&viewer->req);
    if (answer) {
      /* pure SDP work on the answer, no callout */
      planned = whep_answer_apply_plan (answer, viewer->plan);
      if (pool->public_address)
        whep_answer_announce_address (answer, pool->public_address);
      viewer->etag = whep_etag_for_ice (id, whep_sdp_get_ice_ufrag (answer));
      etag = g_strdup (viewer->etag);
      links = ice_server_links (pool);
    }
    location = g_strdup_printf ("%s/%s", pool->session_base, id);
    if (planned && pool->running && pool->server) {
      server = gst_object_ref (pool->server);
      connect_timeout = pool->connect_timeout;
    }
  }
  POOL_UNLOCK (pool);

  if (req == NULL) {
    g_free (location);
    return;
  }

  /* A viewer that does not connect in time is not coming. */
  if (server) {
    timeout = gst_whep_server_add_timeout (server, connect_timeout * 1000,
        viewer_connect_timed_out, viewer_timer_new (pool, id),
        viewer_timer_free);
    POOL_LOCK (pool);
    viewer = g_hash_table_lookup (pool->viewers, id);
    if (viewer && !viewer->connected && viewer->connect_timeout == NULL)
      viewer->connect_timeout = g_steal_pointer (&timeout);
    POOL_UNLOCK (pool);
    destroy_source (timeout);
    gst_object_unref (server);
  }

  if (error || !planned) {
    gst_whep_request_respond_error (req,
        g_error_matches (error, GST_WHEP_SESSION_ERROR,
            GST_WHEP_SESSION_ERROR_OFFER_REFUSED) ? SOUP_STATUS_BAD_REQUEST :
        SOUP_STATUS_INTERNAL_SERVER_ERROR,
        error ? error->message : "the answer does not match the offer");
    end_viewer (pool, id, "negotiation failed", FALSE);
  } else {
    text = gst_sdp_message_as_text (answer);
    gst_whep_request_add_header (req, "Location", location);
    gst_whep_request_add_header (req, "ETag", etag);
    for (i = 0; links && links[i]; i++)
      gst_whep_request_add_header (req, "Link", links[i]);
    gst_whep_request_respond (req, SOUP_STATUS_CREATED, "application/sdp",
        text);
    GST_INFO_OBJECT (pool->bin, "session %s answered", id);
  }
  gst_whep_request_unref (req);
  g_free (text);
  g_free (location);
  g_free (etag);
  g_strfreev (links);
}

static void
session_connected (GstWhepSession * session, gpointer user_data)
{
  GstWhepPool *pool = user_data;
  GSource *timeout = NULL;
  Viewer *viewer;

  POOL_LOCK (pool);
  viewer = g_hash_table_lookup (pool->viewers,
      gst_whep_session_get_id (session));
  if (viewer) {
    viewer->connected = TRUE;
    timeout = g_steal_pointer (&viewer->connect_timeout);
  }
  POOL_UNLOCK (pool);
  destroy_source (timeout);
  GST_INFO_OBJECT (pool->bin, "session %s connected",
      gst_whep_session_get_id (session));
  if (gst_debug_category_get_threshold (GST_CAT_DEFAULT) >= GST_LEVEL_DEBUG) {
    gchar *address = gst_whep_session_get_remote_address (session);

    GST_DEBUG_OBJECT (pool->bin, "session %s: ICE selected %s",
        gst_whep_session_get_id (session), address ? address : "no pair yet");
    g_free (address);
  }
}

static void
session_failed (GstWhepSession * session, const gchar * reason,
    gpointer user_data)
{
  end_viewer (GST_WHEP_POOL (user_data), gst_whep_session_get_id (session),
      reason, FALSE);
}

static void
session_keyframe_requested (GstWhepSession * session, gpointer user_data)
{
  gst_whep_media_request_keyframe (GST_WHEP_POOL (user_data)->media);
}

static const GstWhepSessionCallbacks session_callbacks = {
  session_answer_ready,
  session_connected,
  session_failed,
  session_keyframe_requested,
};

/* ---------------------------------------------------------------------- */
/* A viewer's start, on the server's thread */

static void
respond_unavailable (GstWhepPool * pool, GstWhepRequest * req,
    const gchar * reason)
{
  POOL_LOCK (pool);
  pool->refused_unavailable++;
  POOL_UNLOCK (pool);
  gst_whep_request_add_header (req, "Retry-After", RETRY_AFTER);
  gst_whep_request_respond_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE,
      reason);
}

/* A viewer with its plan and a session that is in no bin yet; NULL (with
 * @req answered) if the offer or the machine does not allow one. */
static Viewer *
viewer_new (GstWhepPool * pool, GstWhepRequest * req,
    const GstSDPMessage * offer, const WhepStreamInfo * info)
{
  GstWhepIceConfig ice = { NULL, };
  GstWhepSession *session;
  GError *error = NULL;
  WhepAnswerPlan *plan;
  gchar *id, *stun, *turn;
  gboolean shared;
  Viewer *viewer;

  plan = whep_answer_plan_new (offer, info, &error);
  if (plan == NULL) {
    POOL_LOCK (pool);
    pool->refused_not_acceptable++;
    POOL_UNLOCK (pool);
    gst_whep_request_respond_error (req, SOUP_STATUS_NOT_ACCEPTABLE,
        error->message);
    g_error_free (error);
    return NULL;
  }

  id = whep_session_id_new ();
  if (id == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR,
        "no random source for a session id");
    whep_answer_plan_free (plan);
    return NULL;
  }

  POOL_LOCK (pool);
  stun = g_strdup (pool->stun_server);
  turn = g_strdup (pool->turn_server);
  ice.min_port = pool->ice_min_port;
  ice.max_port = pool->ice_max_port;
  ice.ice_tcp = pool->ice_tcp;
  shared = pool->shared;
  POOL_UNLOCK (pool);
  ice.stun_server = stun;
  ice.turn_server = turn;
  session = gst_whep_session_new (id, plan, &ice,
      shared ? pool->fanout : NULL, &session_callbacks, pool, &error);
  g_free (stun);
  g_free (turn);
  if (session == NULL) {
    gst_whep_request_respond_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR,
        error->message);
    g_error_free (error);
    whep_answer_plan_free (plan);
    g_free (id);
    return NULL;
  }

  /* the video it is answered with may need a conversion to start */
  gst_whep_media_prepare_viewer (pool->media, plan);

  viewer = g_new0 (Viewer, 1);
  viewer->id = id;
  viewer->session = gst_object_ref_sink (session);
  viewer->plan = plan;
  viewer->req = gst_whep_request_ref (req);
  viewer->remote_ufrag = g_strdup (whep_sdp_get_ice_ufrag (offer));
  return viewer;
}

/* Puts the viewer's session into the running pipeline, linked to the
 * tracks it takes (on the per-viewer path).  FALSE if a link failed. */
static gboolean
viewer_attach (GstWhepPool * pool, Viewer * viewer)
{
  WhepMediaKind kinds[] = { WHEP_MEDIA_KIND_VIDEO, WHEP_MEDIA_KIND_AUDIO };
  GstWhepSession *session = viewer->session;
  guint i;

  gst_bin_add (pool->bin, GST_ELEMENT (session));
  for (i = 0; i < G_N_ELEMENTS (kinds); i++) {
    GstPad *sinkpad = gst_whep_session_get_sink_pad (session, kinds[i]);
    GstPad *teepad;

    if (sinkpad == NULL)
      continue;
    teepad = gst_whep_media_request_track_pad (pool->media, kinds[i],
        whep_answer_plan_video_codec (viewer->plan));
    if (teepad == NULL || GST_PAD_LINK_FAILED (gst_pad_link (teepad, sinkpad))) {
      GST_WARNING_OBJECT (pool->bin, "session %s: could not link its branch",
          viewer->id);
      if (teepad)
        gst_whep_media_release_track_pad (pool->media, teepad);
      gst_clear_object (&teepad);
      return FALSE;
    }
    gst_object_unref (teepad);
  }
  gst_element_sync_state_with_parent (GST_ELEMENT (session));
  return TRUE;
}

/* Lets the viewer into the table, unless all viewers ended since
 * @generation or the pool stopped. */
static gboolean
viewer_admit (GstWhepPool * pool, Viewer * viewer, guint generation)
{
  gboolean admitted;

  POOL_LOCK (pool);
  admitted = pool->running && pool->generation == generation;
  pool->joining--;
  if (admitted) {
    viewer->started_us = g_get_monotonic_time ();
    g_hash_table_insert (pool->viewers, g_strdup (viewer->id), viewer);
  } else {
    viewer->end_reason =
        g_strdup ("the stream ended or stopped while the session was made");
    pool->leaves++;
  }
  POOL_UNLOCK (pool);
  return admitted;
}

void
gst_whep_pool_start_viewer (GstWhepPool * pool, GstWhepRequest * req,
    const GstSDPMessage * offer, const WhepStreamInfo * info,
    guint generation)
{
  GstWhepSession *session;
  Viewer *viewer;
  gboolean running, full, shared;

  /* Viewers only start on this thread: the count cannot grow meanwhile. */
  POOL_LOCK (pool);
  running = pool->running;
  full = pool->max_viewers > 0 &&
      g_hash_table_size (pool->viewers) >= pool->max_viewers;
  shared = pool->shared;
  POOL_UNLOCK (pool);
  if (!running) {
    respond_unavailable (pool, req, "the stream has stopped");
    return;
  }
  if (full) {
    respond_unavailable (pool, req, "the server has as many viewers as it may serve");
    return;
  }

  viewer = viewer_new (pool, req, offer, info);
  if (viewer == NULL)
    return;

  /* Into the pipeline before anyone else can see it: whatever ends all
   * viewers from now on either finds it in the table or changes the
   * generation. */
  if (!viewer_attach (pool, viewer)) {
    respond_unavailable (pool, req, "could not link the viewer's branch");
    viewer_teardown (pool, viewer);
    return;
  }
  session = gst_object_ref (viewer->session);

  /* Announced before it is in the table, so that nothing can end it
   * before; it counts as a viewer meanwhile.  A viewer refused below is
   * announced as removed. */
  POOL_LOCK (pool);
  pool->joining++;
  pool->joins++;
  POOL_UNLOCK (pool);
  viewer->announced = TRUE;
  if (pool->events.viewer_added)
    pool->events.viewer_added (pool, viewer->id, NULL, pool->events_data);

  if (!viewer_admit (pool, viewer, generation)) {
    GST_INFO_OBJECT (pool->bin, "session %s: the stream ended meanwhile",
        viewer->id);
    respond_unavailable (pool, req,
        "the stream ended or stopped while the session was made");
    viewer_teardown (pool, viewer);
    gst_object_unref (session);
    return;
  }

  /* The viewer may end at any moment now: only the session is used from
   * here, and it is held.  The pipeline hands its latency only to elements present when it last
   * computed it; without it each new rtpsession can't time its packets. */
  if (!shared)
    gst_element_post_message (GST_ELEMENT (pool->bin),
        gst_message_new_latency (GST_OBJECT (pool->bin)));
  GST_INFO_OBJECT (pool->bin, "session %s negotiating",
      gst_whep_session_get_id (session));

  gst_whep_session_negotiate (session, offer);
  gst_object_unref (session);
}

guint
gst_whep_pool_get_generation (GstWhepPool * pool)
{
  guint generation;

  POOL_LOCK (pool);
  generation = pool->generation;
  POOL_UNLOCK (pool);
  return generation;
}

/* ---------------------------------------------------------------------- */
/* Trickle ICE and ICE restarts */

GstWhepPoolIceCheck
gst_whep_pool_check_ice (GstWhepPool * pool, const gchar * id,
    const gchar * if_match, const gchar * ufrag)
{
  GstWhepPoolIceCheck check;
  Viewer *viewer;

  POOL_LOCK (pool);
  viewer = id ? g_hash_table_lookup (pool->viewers, id) : NULL;
  if (viewer == NULL)
    check = GST_WHEP_POOL_NO_SUCH_VIEWER;
  else if (if_match && g_strcmp0 (if_match, "*") != 0 &&
      g_strcmp0 (if_match, viewer->etag) != 0)
    check = GST_WHEP_POOL_STALE_ETAG;
  else if (ufrag && g_strcmp0 (ufrag, viewer->remote_ufrag) != 0)
    check = GST_WHEP_POOL_NEW_ICE;
  else
    check = GST_WHEP_POOL_SAME_ICE;
  POOL_UNLOCK (pool);
  return check;
}

gboolean
gst_whep_pool_add_candidates (GstWhepPool * pool, const gchar * id,
    const WhepSdpFrag * frag)
{
  GstWhepSession *session = NULL;
  GArray *mlines;
  Viewer *viewer;
  guint i;

  mlines = g_array_sized_new (FALSE, FALSE, sizeof (guint),
      frag->candidates->len);
  POOL_LOCK (pool);
  viewer = g_hash_table_lookup (pool->viewers, id);
  if (viewer) {
    session = gst_object_ref (viewer->session);
    for (i = 0; i < frag->candidates->len; i++) {
      WhepFragCandidate *c = g_ptr_array_index (frag->candidates, i);
      guint m = whep_answer_plan_mline_for_mid (viewer->plan, c->mid);

      g_array_append_val (mlines, m);
    }
  }
  POOL_UNLOCK (pool);

  if (session) {
    for (i = 0; i < frag->candidates->len; i++) {
      WhepFragCandidate *c = g_ptr_array_index (frag->candidates, i);

      gst_whep_session_add_remote_candidate (session,
          g_array_index (mlines, guint, i), c->candidate);
    }
    GST_DEBUG_OBJECT (pool->bin, "session %s: %u candidates trickled%s", id,
        frag->candidates->len, frag->end_of_candidates ? ", end" : "");
    gst_object_unref (session);
  }
  g_array_unref (mlines);
  return session != NULL;
}

gchar *
gst_whep_pool_restart_ice (GstWhepPool * pool, const gchar * id,
    const WhepSdpFrag * frag, gchar ** etag, GError ** error)
{
  GstWhepSession *session = NULL;
  GPtrArray *remote, *local = NULL, *cands;
  gchar *mid = NULL, *ufrag = NULL, *pwd = NULL, *body;
  const gchar *mids[] = { NULL, NULL };
  Viewer *viewer;
  guint i;

  *etag = NULL;
  POOL_LOCK (pool);
  viewer = g_hash_table_lookup (pool->viewers, id);
  if (viewer) {
    session = gst_object_ref (viewer->session);
    mid = g_strdup (whep_answer_plan_first_accepted_mid (viewer->plan));
  }
  POOL_UNLOCK (pool);
  if (session == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "no such session");
    return NULL;
  }

  remote = g_ptr_array_new ();
  for (i = 0; i < frag->candidates->len; i++)
    g_ptr_array_add (remote,
        ((WhepFragCandidate *) g_ptr_array_index (frag->candidates,
                i))->candidate);
  if (!gst_whep_session_restart_ice (session, frag->ice_ufrag, frag->ice_pwd,
          remote, &ufrag, &pwd, &local, error)) {
    g_ptr_array_unref (remote);
    gst_object_unref (session);
    g_free (mid);
    return NULL;
  }
  g_ptr_array_unref (remote);
  gst_object_unref (session);

  /* the viewer's new credentials, ours in a new ETag */
  POOL_LOCK (pool);
  viewer = g_hash_table_lookup (pool->viewers, id);
  if (viewer) {
    g_free (viewer->remote_ufrag);
    viewer->remote_ufrag = g_strdup (frag->ice_ufrag);
    g_free (viewer->etag);
    viewer->etag = whep_etag_for_ice (id, ufrag);
    *etag = g_strdup (viewer->etag);
  }
  POOL_UNLOCK (pool);

  cands = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < local->len; i++) {
    WhepFragCandidate *c = g_new0 (WhepFragCandidate, 1);

    c->mid = mid;
    c->mline_index = 0;
    c->candidate = g_ptr_array_index (local, i);
    g_ptr_array_add (cands, c);
  }
  mids[0] = mid;
  body = whep_sdpfrag_build (ufrag, pwd, mid ? mids : NULL, cands, TRUE);

  g_ptr_array_unref (cands);
  g_ptr_array_unref (local);
  g_free (ufrag);
  g_free (pwd);
  g_free (mid);
  return body;
}

/* ---------------------------------------------------------------------- */
/* Observation */

guint
gst_whep_pool_get_n_viewers (GstWhepPool * pool)
{
  guint n;

  POOL_LOCK (pool);
  n = g_hash_table_size (pool->viewers) + pool->joining;
  POOL_UNLOCK (pool);
  return n;
}

guint
gst_whep_pool_get_max_viewers (GstWhepPool * pool)
{
  guint n;

  POOL_LOCK (pool);
  n = pool->max_viewers;
  POOL_UNLOCK (pool);
  return n;
}

/* What the shared send path did for one of the viewer's tracks, as fields
 * prefixed with @prefix ("video-", "audio-"). */
static void
add_track_stats (GstStructure * s, const gchar * prefix,
    const GstWhepFanoutStats * st, guint clock_rate)
{
#define FIELD(name) (g_snprintf (field, sizeof (field), "%s%s", prefix, name),       field)
  gchar field[64];

  gst_structure_set (s,
      FIELD ("packets-sent"), G_TYPE_UINT64, st->packets, NULL);
  gst_structure_set (s, FIELD ("bytes-sent"), G_TYPE_UINT64, st->bytes, NULL);
  gst_structure_set (s,
      FIELD ("retransmitted"), G_TYPE_UINT64, st->retransmitted, NULL);
  gst_structure_set (s, FIELD ("nacked"), G_TYPE_UINT64, st->nacked, NULL);
  gst_structure_set (s,
      FIELD ("keyframe-requests"), G_TYPE_UINT64, st->keyframe_requests, NULL);
  gst_structure_set (s, FIELD ("dropped"), G_TYPE_UINT64, st->dropped, NULL);
  if (st->have_report) {
    gst_structure_set (s,
        FIELD ("packets-lost"), G_TYPE_INT64, st->packets_lost, NULL);
    gst_structure_set (s,
        FIELD ("fraction-lost"), G_TYPE_DOUBLE, st->fraction_lost, NULL);
    gst_structure_set (s, FIELD ("jitter"), G_TYPE_DOUBLE,
        (gdouble) st->jitter / clock_rate, NULL);
  }
  if (st->round_trip_us >= 0)
    gst_structure_set (s, FIELD ("round-trip"), G_TYPE_DOUBLE,
        st->round_trip_us / (gdouble) G_USEC_PER_SEC, NULL);
#undef FIELD
}

typedef struct
{
  GstWhepSession *session;
  gboolean connected;
  gint64 started_us;
} ViewerSnapshot;

GstStructure *
gst_whep_pool_get_stats (GstWhepPool * pool)
{
  GValue array = G_VALUE_INIT;
  GArray *snapshots;
  GstStructure *stats;
  GHashTableIter iter;
  gpointer v;
  gint64 now = g_get_monotonic_time ();
  guint i;

  snapshots = g_array_new (FALSE, FALSE, sizeof (ViewerSnapshot));
  POOL_LOCK (pool);
  stats = gst_structure_new ("application/x-whepsink-stats",
      "n-viewers", G_TYPE_UINT, g_hash_table_size (pool->viewers) +
      pool->joining, "joins", G_TYPE_UINT64, pool->joins,
      "leaves", G_TYPE_UINT64, pool->leaves,
      "refusals-unavailable", G_TYPE_UINT64, pool->refused_unavailable,
      "refusals-not-acceptable", G_TYPE_UINT64, pool->refused_not_acceptable,
      NULL);
  g_hash_table_iter_init (&iter, pool->viewers);
  while (g_hash_table_iter_next (&iter, NULL, &v)) {
    Viewer *viewer = v;
    ViewerSnapshot snap = { gst_object_ref (viewer->session),
      viewer->connected, viewer->started_us
    };

    g_array_append_val (snapshots, snap);
  }
  POOL_UNLOCK (pool);

  /* The sessions are asked with no lock held. */
  gst_value_array_init (&array, snapshots->len);
  for (i = 0; i < snapshots->len; i++) {
    ViewerSnapshot *snap = &g_array_index (snapshots, ViewerSnapshot, i);
    gchar *address = gst_whep_session_get_remote_address (snap->session);
    GValue item = G_VALUE_INIT;
    GstWhepFanoutStats st;
    GstStructure *s;

    s = gst_structure_new ("application/x-whepsink-viewer-stats",
        "id", G_TYPE_STRING, gst_whep_session_get_id (snap->session),
        "remote-address", G_TYPE_STRING, address,
        "state", G_TYPE_STRING, snap->connected ? "connected" : "waiting",
        "duration", G_TYPE_DOUBLE,
        (now - snap->started_us) / (gdouble) G_USEC_PER_SEC, NULL);
    if (gst_whep_session_get_send_stats (snap->session,
            WHEP_MEDIA_KIND_VIDEO, &st))
      add_track_stats (s, "video-", &st, 90000);
    if (gst_whep_session_get_send_stats (snap->session,
            WHEP_MEDIA_KIND_AUDIO, &st))
      add_track_stats (s, "audio-", &st, 48000);

    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item, s);
    gst_value_array_append_and_take_value (&array, &item);
    g_free (address);
    gst_object_unref (snap->session);
  }
  gst_structure_take_value (stats, "viewers", &array);
  g_array_unref (snapshots);
  return stats;
}

void
gst_whep_pool_set_events (GstWhepPool * pool, const GstWhepPoolEvents * events,
    gpointer user_data)
{
  pool->events = *events;
  pool->events_data = user_data;
}

/* ---------------------------------------------------------------------- */
/* Life cycle */

GstWhepPool *
gst_whep_pool_new (GstBin * bin, GstWhepMedia * media, GstWhepFanout * fanout)
{
  GstWhepPool *pool = g_object_new (GST_TYPE_WHEP_POOL, NULL);

  gst_object_ref_sink (pool);
  pool->bin = bin;
  pool->media = media;
  pool->fanout = fanout;
  return pool;
}

static void
replace_string (gchar ** field, const gchar * value)
{
  g_free (*field);
  *field = g_strdup (value);
}

void
gst_whep_pool_set_settings (GstWhepPool * pool,
    const GstWhepPoolSettings * settings)
{
  POOL_LOCK (pool);
  pool->connect_timeout = settings->connect_timeout;
  pool->idle_timeout = settings->idle_timeout;
  pool->max_viewers = settings->max_viewers;
  replace_string (&pool->stun_server, settings->stun_server);
  replace_string (&pool->turn_server, settings->turn_server);
  pool->ice_min_port = settings->ice_min_port;
  pool->ice_max_port = settings->ice_max_port;
  pool->ice_tcp = settings->ice_tcp;
  replace_string (&pool->public_address, settings->public_address);
  POOL_UNLOCK (pool);
}

void
gst_whep_pool_start (GstWhepPool * pool, GstWhepServer * server,
    const gchar * session_base, gboolean shared)
{
  GSource *idle_check;

  idle_check = gst_whep_server_add_timeout (server, IDLE_CHECK_INTERVAL_MS,
      check_idle_viewers, gst_object_ref (pool), gst_object_unref);
  POOL_LOCK (pool);
  g_assert (!pool->running);
  pool->running = TRUE;
  pool->server = gst_object_ref (server);
  pool->session_base = g_strdup (session_base);
  pool->shared = shared;
  pool->idle_check = idle_check;
  POOL_UNLOCK (pool);
}

void
gst_whep_pool_stop (GstWhepPool * pool)
{
  GstWhepServer *server;
  GSource *idle_check;

  POOL_LOCK (pool);
  pool->running = FALSE;
  idle_check = g_steal_pointer (&pool->idle_check);
  POOL_UNLOCK (pool);
  destroy_source (idle_check);

  gst_whep_pool_end_all (pool, "the element stopped", TRUE);
  wait_for_teardowns (pool);

  POOL_LOCK (pool);
  server = g_steal_pointer (&pool->server);
  g_clear_pointer (&pool->session_base, g_free);
  POOL_UNLOCK (pool);
  gst_clear_object (&server);
}

static void
gst_whep_pool_dispose (GObject * object)
{
  GstWhepPool *pool = GST_WHEP_POOL (object);

  /* A teardown on its way holds the element, and the element the pool:
   * this finds none; but no session may outlive the pool it calls. */
  wait_for_teardowns (pool);

  G_OBJECT_CLASS (gst_whep_pool_parent_class)->dispose (object);
}

static void
gst_whep_pool_finalize (GObject * object)
{
  GstWhepPool *pool = GST_WHEP_POOL (object);

  g_assert (pool->server == NULL && pool->idle_check == NULL);
  g_hash_table_unref (pool->viewers);
  g_free (pool->stun_server);
  g_free (pool->turn_server);
  g_free (pool->public_address);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->ending_cond);

  G_OBJECT_CLASS (gst_whep_pool_parent_class)->finalize (object);
}

static void
gst_whep_pool_class_init (GstWhepPoolClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->dispose = gst_whep_pool_dispose;
  gobject_class->finalize = gst_whep_pool_finalize;

  GST_DEBUG_CATEGORY_INIT (whep_pool_debug, "wheppool", 0,
      "whepsink viewers");
}

static void
gst_whep_pool_init (GstWhepPool * pool)
{
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->ending_cond);
  /* a viewer left in the table when the pool goes is freed (without a
   * teardown: only before it was ever started) */
  pool->viewers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) viewer_free);
}

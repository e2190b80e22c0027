/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The embedding API with real viewers: the viewers property, the
 * viewer-added and viewer-removed signals and bus messages, get-stats,
 * remove-viewer and authorize. */
#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <string.h>

#include "whep-test-client.h"
#include "whep-test-server.h"

#define VIDEO \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30"

#define AUDIO \
  "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc"

#define AV_PIPELINE(sink_props) \
  VIDEO " ! mux. " AUDIO " ! mux. mpegtsmux name=mux ! " \
  "whepsink name=whep port=0 " sink_props

#define WAIT_FOR WHEP_TEST_WAIT_FOR

/* What the signals told, from whichever thread emitted them. */
typedef struct
{
  GMutex lock;
  GPtrArray *added;             /* ids */
  GPtrArray *removed;           /* ids */
  GPtrArray *removed_addresses; /* "ip:port" or NULL */
  GThread *test_thread;
  gboolean added_in_test_thread;
} Events;

static void
on_viewer_added (GstElement * whep, const gchar * id, const gchar * address,
    Events * ev)
{
  g_mutex_lock (&ev->lock);
  g_ptr_array_add (ev->added, g_strdup (id));
  if (g_thread_self () == ev->test_thread)
    ev->added_in_test_thread = TRUE;
  g_mutex_unlock (&ev->lock);
}

static void
on_viewer_removed (GstElement * whep, const gchar * id,
    const gchar * address, Events * ev)
{
  g_mutex_lock (&ev->lock);
  g_ptr_array_add (ev->removed, g_strdup (id));
  g_ptr_array_add (ev->removed_addresses, g_strdup (address));
  g_mutex_unlock (&ev->lock);
}

static void
events_init (Events * ev, GstElement * whep)
{
  g_mutex_init (&ev->lock);
  ev->added = g_ptr_array_new_with_free_func (g_free);
  ev->removed = g_ptr_array_new_with_free_func (g_free);
  ev->removed_addresses = g_ptr_array_new_with_free_func (g_free);
  ev->test_thread = g_thread_self ();
  g_signal_connect (whep, "viewer-added", G_CALLBACK (on_viewer_added), ev);
  g_signal_connect (whep, "viewer-removed", G_CALLBACK (on_viewer_removed),
      ev);
}

static void
events_clear (Events * ev, GstElement * whep)
{
  g_signal_handlers_disconnect_by_data (whep, ev);
  g_ptr_array_unref (ev->added);
  g_ptr_array_unref (ev->removed);
  g_ptr_array_unref (ev->removed_addresses);
  g_mutex_clear (&ev->lock);
}

static guint
n_removed (Events * ev)
{
  guint n;

  g_mutex_lock (&ev->lock);
  n = ev->removed->len;
  g_mutex_unlock (&ev->lock);
  return n;
}

static guint
get_viewers (GstElement * whep)
{
  guint n;

  g_object_get (whep, "viewers", &n, NULL);
  return n;
}

static WhepTestClient *
viewer_connect (WhepTestServer * s, gboolean audio)
{
  WhepTestClientConfig config = { TRUE, audio, FALSE, NULL, 0 };
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);
  GError *error = NULL;

  fail_unless_equals_int (whep_test_client_connect (client, &error), 201);
  g_assert_no_error (error);
  return client;
}

/* The session id: the last segment of the session URL. */
static const gchar *
viewer_id (WhepTestClient * client)
{
  return strrchr (whep_test_client_get_session_url (client), '/') + 1;
}

/* "ip:port" or "[ip]:port" (ICE may pick any of the host's addresses). */
static gboolean
is_address (const gchar * address)
{
  const gchar *colon = address ? strrchr (address, ':') : NULL;
  gchar *ip;
  gboolean ok;

  if (colon == NULL || atoi (colon + 1) <= 0)
    return FALSE;
  if (address[0] == '[')
    ip = g_strndup (address + 1, colon - address - 2);
  else
    ip = g_strndup (address, colon - address);
  ok = g_hostname_is_ip_address (ip);
  g_free (ip);
  return ok;
}

/* The next element message named @name on the pipeline's bus. */
static GstStructure *
pop_element_message (WhepTestServer * s, const gchar * name)
{
  GstBus *bus = gst_element_get_bus (s->pipeline);
  GstStructure *found = NULL;
  GstMessage *msg;

  while (found == NULL && (msg = gst_bus_timed_pop_filtered (bus,
              5 * GST_SECOND, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);

    if (gst_structure_has_name (st, name)) {
      fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (s->whep));
      found = gst_structure_copy (st);
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return found;
}

/* ---------------------------------------------------------------------- */
/* Viewers come and go */

GST_START_TEST (test_viewers_signals_and_messages)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  WhepTestClient *a, *b;
  GstStructure *msg;
  const gchar *address;
  Events ev = { 0, };

  events_init (&ev, s->whep);
  fail_unless_equals_int (get_viewers (s->whep), 0);

  a = viewer_connect (s, TRUE);
  fail_unless_equals_int (get_viewers (s->whep), 1);
  b = viewer_connect (s, FALSE);
  fail_unless_equals_int (get_viewers (s->whep), 2);
  fail_unless (whep_test_client_wait_frames (a, 5, 5, 15000));
  fail_unless (whep_test_client_wait_frames (b, 5, 0, 15000));

  /* added on the server's thread, before the answer: with the ids of the
   * Locations, in order */
  g_mutex_lock (&ev.lock);
  fail_unless_equals_int (ev.added->len, 2);
  fail_unless_equals_string (g_ptr_array_index (ev.added, 0), viewer_id (a));
  fail_unless_equals_string (g_ptr_array_index (ev.added, 1), viewer_id (b));
  fail_if (ev.added_in_test_thread);
  g_mutex_unlock (&ev.lock);

  msg = pop_element_message (s, "whepsink-viewer-added");
  fail_unless (msg != NULL);
  fail_unless_equals_string (gst_structure_get_string (msg, "id"),
      viewer_id (a));
  fail_unless (gst_structure_has_field (msg, "remote-address"));
  gst_structure_free (msg);
  msg = pop_element_message (s, "whepsink-viewer-added");
  fail_unless (msg != NULL);
  fail_unless_equals_string (gst_structure_get_string (msg, "id"),
      viewer_id (b));
  gst_structure_free (msg);

  /* a DELETE: removed, with the address ICE selected */
  fail_unless_equals_int (whep_test_client_delete (a), 200);
  WAIT_FOR (n_removed (&ev) == 1, 5000);
  fail_unless_equals_int (n_removed (&ev), 1);
  fail_unless_equals_int (get_viewers (s->whep), 1);
  g_mutex_lock (&ev.lock);
  fail_unless_equals_string (g_ptr_array_index (ev.removed, 0),
      viewer_id (a));
  address = g_ptr_array_index (ev.removed_addresses, 0);
  fail_unless (is_address (address), "%s", address);
  g_mutex_unlock (&ev.lock);

  msg = pop_element_message (s, "whepsink-viewer-removed");
  fail_unless (msg != NULL);
  fail_unless_equals_string (gst_structure_get_string (msg, "id"),
      viewer_id (a));
  fail_unless (is_address (gst_structure_get_string (msg, "remote-address")));
  fail_unless_equals_string (gst_structure_get_string (msg, "reason"),
      "DELETE");
  gst_structure_free (msg);

  /* stopping removes the other */
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  fail_unless_equals_int (n_removed (&ev), 2);
  fail_unless_equals_int (get_viewers (s->whep), 0);
  g_mutex_lock (&ev.lock);
  fail_unless_equals_string (g_ptr_array_index (ev.removed, 1),
      viewer_id (b));
  g_mutex_unlock (&ev.lock);

  events_clear (&ev, s->whep);
  whep_test_client_free (a);
  whep_test_client_free (b);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Statistics */

static const GstStructure *
stats_viewer (const GstStructure * stats, guint i)
{
  const GValue *viewers = gst_structure_get_value (stats, "viewers");

  fail_unless (viewers && GST_VALUE_HOLDS_ARRAY (viewers));
  if (i >= gst_value_array_get_size (viewers))
    return NULL;
  return gst_value_get_structure (gst_value_array_get_value (viewers, i));
}

static guint64
stats_u64 (const GstStructure * s, const gchar * field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

static GstStructure *
get_stats (GstElement * whep)
{
  GstStructure *stats = NULL;

  g_signal_emit_by_name (whep, "get-stats", &stats);
  fail_unless (stats != NULL);
  fail_unless (gst_structure_has_name (stats, "application/x-whepsink-stats"));
  return stats;
}

/* Takes new stats into @stats; TRUE if they tell the round trip and every
 * counter of the first viewer grew past those of @earlier. The round trip may
 * be known at the first read, before a packet more left: so wait on both. */
static gboolean
has_round_trip_and_more_sent (GstElement * whep,
    const GstStructure * earlier, GstStructure ** stats)
{
  static const gchar *counters[] = { "video-packets-sent",
    "video-bytes-sent", "audio-packets-sent"
  };
  const GstStructure *v;
  guint i;

  if (*stats)
    gst_structure_free (*stats);
  *stats = get_stats (whep);
  v = stats_viewer (*stats, 0);
  if (!v || !gst_structure_has_field (v, "video-round-trip"))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (counters); i++)
    if (stats_u64 (v, counters[i]) <= stats_u64 (earlier, counters[i]))
      return FALSE;
  return TRUE;
}

GST_START_TEST (test_get_stats)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  GstStructure *before, *later = NULL;
  const GstStructure *v1, *v2;
  WhepTestClient *a;
  guint n = 99;
  gdouble rtt = -1, duration1, duration2;

  before = get_stats (s->whep);
  fail_unless (gst_structure_get_uint (before, "n-viewers", &n));
  fail_unless_equals_int (n, 0);
  fail_unless (stats_viewer (before, 0) == NULL);
  gst_structure_free (before);

  a = viewer_connect (s, TRUE);
  fail_unless (whep_test_client_wait_frames (a, 10, 10, 15000));
  before = get_stats (s->whep);
  fail_unless (gst_structure_get_uint (before, "n-viewers", &n));
  fail_unless_equals_int (n, 1);
  fail_unless_equals_int (stats_u64 (before, "joins"), 1);
  fail_unless_equals_int (stats_u64 (before, "leaves"), 0);
  v1 = stats_viewer (before, 0);
  fail_unless (v1 != NULL);
  fail_unless_equals_string (gst_structure_get_string (v1, "id"),
      viewer_id (a));
  fail_unless_equals_string (gst_structure_get_string (v1, "state"),
      "connected");
  fail_unless (is_address (gst_structure_get_string (v1, "remote-address")));
  fail_unless (stats_u64 (v1, "video-packets-sent") > 0);
  fail_unless (stats_u64 (v1, "video-bytes-sent") > 0);
  fail_unless (stats_u64 (v1, "audio-packets-sent") > 0);
  stats_u64 (v1, "video-retransmitted");
  stats_u64 (v1, "video-nacked");
  stats_u64 (v1, "video-keyframe-requests");
  stats_u64 (v1, "video-dropped");
  fail_unless (gst_structure_get_double (v1, "duration", &duration1));

  /* browsers and webrtcbin report every second or so: the round trip is
   * known after a few seconds, and the counters grow */
  WAIT_FOR (has_round_trip_and_more_sent (s->whep, v1, &later), 15000);
  v2 = stats_viewer (later, 0);
  fail_unless (v2 != NULL);
  GST_INFO ("stats: %" GST_PTR_FORMAT, later);
  fail_unless (gst_structure_get_double (v2, "video-round-trip", &rtt),
      "no round trip in %" GST_PTR_FORMAT, v2);
  fail_unless (rtt >= 0 && rtt < 1.0, "round trip %f", rtt);
  fail_unless (gst_structure_has_field (v2, "video-packets-lost"));
  fail_unless (gst_structure_has_field (v2, "video-fraction-lost"));
  fail_unless (gst_structure_has_field (v2, "video-jitter"));
  fail_unless (stats_u64 (v2, "video-packets-sent") >
      stats_u64 (v1, "video-packets-sent"));
  fail_unless (stats_u64 (v2, "video-bytes-sent") >
      stats_u64 (v1, "video-bytes-sent"));
  fail_unless (stats_u64 (v2, "audio-packets-sent") >
      stats_u64 (v1, "audio-packets-sent"));
  fail_unless (gst_structure_get_double (v2, "duration", &duration2));
  fail_unless (duration2 > duration1);

  gst_structure_free (before);
  gst_structure_free (later);

  fail_unless_equals_int (whep_test_client_delete (a), 200);
  WAIT_FOR (get_viewers (s->whep) == 0, 5000);
  later = get_stats (s->whep);
  fail_unless_equals_int (stats_u64 (later, "joins"), 1);
  fail_unless_equals_int (stats_u64 (later, "leaves"), 1);
  fail_unless (stats_viewer (later, 0) == NULL);
  gst_structure_free (later);

  whep_test_client_free (a);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* The per-viewer path has no shared counters: the track fields are left
 * out, the rest is there. */
GST_START_TEST (test_get_stats_per_viewer_path)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE
      ("send-path=per-viewer"), GST_STATE_PLAYING);
  const GstStructure *v;
  GstStructure *stats;
  WhepTestClient *a;

  a = viewer_connect (s, TRUE);
  fail_unless (whep_test_client_wait_frames (a, 5, 5, 15000));
  stats = get_stats (s->whep);
  fail_unless_equals_int (stats_u64 (stats, "joins"), 1);
  v = stats_viewer (stats, 0);
  fail_unless (v != NULL);
  fail_unless_equals_string (gst_structure_get_string (v, "id"),
      viewer_id (a));
  fail_unless_equals_string (gst_structure_get_string (v, "state"),
      "connected");
  fail_unless (is_address (gst_structure_get_string (v, "remote-address")));
  fail_unless (gst_structure_has_field (v, "duration"));
  fail_if (gst_structure_has_field (v, "video-packets-sent"));
  fail_if (gst_structure_has_field (v, "audio-packets-sent"));
  gst_structure_free (stats);

  fail_unless_equals_int (whep_test_client_delete (a), 200);
  whep_test_client_free (a);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Control */

GST_START_TEST (test_remove_viewer)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  WhepTestClient *a;
  GstStructure *msg;
  gboolean removed = FALSE;
  Events ev = { 0, };

  events_init (&ev, s->whep);
  a = viewer_connect (s, FALSE);
  fail_unless (whep_test_client_wait_frames (a, 5, 0, 15000));

  g_signal_emit_by_name (s->whep, "remove-viewer", viewer_id (a), &removed);
  fail_unless (removed);
  WAIT_FOR (n_removed (&ev) == 1, 5000);
  fail_unless_equals_int (n_removed (&ev), 1);
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000));
  fail_unless_equals_int (get_viewers (s->whep), 0);
  msg = pop_element_message (s, "whepsink-viewer-removed");
  fail_unless (msg != NULL);
  fail_unless_equals_string (gst_structure_get_string (msg, "id"),
      viewer_id (a));
  gst_structure_free (msg);

  /* the session is gone, as after a DELETE */
  fail_unless_equals_int (whep_test_client_delete (a), 404);
  g_signal_emit_by_name (s->whep, "remove-viewer", viewer_id (a), &removed);
  fail_if (removed);
  g_signal_emit_by_name (s->whep, "remove-viewer", "no-such-id", &removed);
  fail_if (removed);

  events_clear (&ev, s->whep);
  whep_test_client_free (a);
  whep_test_server_stop (s);
}

GST_END_TEST;

typedef struct
{
  gboolean allow;
  guint calls;
  gchar *method;
  gchar *path;
  gchar *content_type;
  gchar *custom;
} Authorize;

static gboolean
on_authorize (GstElement * whep, const gchar * method, const gchar * path,
    const GstStructure * headers, Authorize * auth)
{
  auth->calls++;
  g_free (auth->method);
  g_free (auth->path);
  g_free (auth->content_type);
  g_free (auth->custom);
  auth->method = g_strdup (method);
  auth->path = g_strdup (path);
  auth->content_type = g_strdup (gst_structure_get_string (headers,
          "content-type"));
  auth->custom = g_strdup (gst_structure_get_string (headers, "x-viewer"));
  return auth->allow;
}

/* A later handler is not asked once one refused. */
static gboolean
on_authorize_later (GstElement * whep, const gchar * method,
    const gchar * path, const GstStructure * headers, guint * calls)
{
  (*calls)++;
  return TRUE;
}

GST_START_TEST (test_authorize)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  const gchar *headers[] = { "X-Viewer", "alice", NULL };
  Authorize auth = { FALSE, };
  guint later_calls = 0;
  gchar *body = NULL;
  guint status;
  WhepTestClient *a;

  /* no handler: allowed */
  a = viewer_connect (s, FALSE);
  fail_unless_equals_int (whep_test_client_delete (a), 200);
  whep_test_client_free (a);
  WAIT_FOR (get_viewers (s->whep) == 0, 5000);

  g_signal_connect (s->whep, "authorize", G_CALLBACK (on_authorize), &auth);
  g_signal_connect (s->whep, "authorize", G_CALLBACK (on_authorize_later),
      &later_calls);

  status = whep_test_http_full ("POST", s->endpoint, headers,
      "application/sdp", whep_test_offer_without_peer,
      strlen (whep_test_offer_without_peer), &body, NULL);
  fail_unless_equals_int (status, 403);
  fail_unless (body && *body && strchr (body, '\n') == strrchr (body, '\n'));
  g_clear_pointer (&body, g_free);
  fail_unless_equals_int (auth.calls, 1);
  fail_unless_equals_int (later_calls, 0);
  fail_unless_equals_string (auth.method, "POST");
  fail_unless_equals_string (auth.path, "/whep");
  fail_unless_equals_string (auth.content_type, "application/sdp");
  fail_unless_equals_string (auth.custom, "alice");
  fail_unless_equals_int (get_viewers (s->whep), 0);

  /* a real viewer refused */
  {
    WhepTestClientConfig config = { TRUE, FALSE, FALSE, NULL, 0 };
    WhepTestClient *refused = whep_test_client_new (s->endpoint, &config);
    GError *error = NULL;

    fail_unless_equals_int (whep_test_client_connect (refused, &error), 403);
    g_clear_error (&error);
    whep_test_client_free (refused);
  }

  auth.allow = TRUE;
  a = viewer_connect (s, FALSE);
  fail_unless (whep_test_client_wait_frames (a, 5, 0, 15000));
  fail_unless_equals_int (auth.calls, 3);
  fail_unless_equals_int (later_calls, 1);
  fail_unless_equals_int (get_viewers (s->whep), 1);
  {
    GstStructure *stats = get_stats (s->whep);

    fail_unless_equals_int (stats_u64 (stats, "refusals-forbidden"), 2);
    gst_structure_free (stats);
  }

  whep_test_client_free (a);
  g_free (auth.method);
  g_free (auth.path);
  g_free (auth.content_type);
  g_free (auth.custom);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Statistics over HTTP */

static guint
http_get (const gchar * url, const gchar * token, gchar ** body,
    gchar ** content_type)
{
  gchar *auth = token ? g_strconcat ("Bearer ", token, NULL) : NULL;
  const gchar *headers[] = { "Authorization", auth, NULL };
  gpointer response_headers = NULL;
  guint status;

  status = whep_test_http_full ("GET", url, token ? headers : NULL, NULL,
      NULL, 0, body, &response_headers);
  if (content_type)
    *content_type = response_headers ?
        g_strdup (soup_message_headers_get_content_type (response_headers,
            NULL)) : NULL;
  if (response_headers)
    soup_message_headers_unref (response_headers);
  g_free (auth);
  return status;
}

GST_START_TEST (test_stats_off_by_default)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  gchar *url = g_strconcat (s->endpoint, "/stats", NULL);
  gchar *metrics = g_strconcat (s->endpoint, "/metrics", NULL);
  gboolean stats = TRUE;

  g_object_get (s->whep, "stats", &stats, NULL);
  fail_if (stats);
  fail_unless_equals_int (http_get (url, NULL, NULL, NULL), 404);
  fail_unless_equals_int (http_get (metrics, NULL, NULL, NULL), 404);
  g_free (url);
  g_free (metrics);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_stats_json_and_metrics)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE ("stats=true"),
      GST_STATE_PLAYING);
  gchar *url = g_strconcat (s->endpoint, "/stats", NULL);
  gchar *metrics = g_strconcat (s->endpoint, "/metrics", NULL);
  gchar *body = NULL, *ctype = NULL, *expect;
  WhepTestClient *a;

  fail_unless_equals_int (http_get (url, NULL, &body, &ctype), 200);
  fail_unless_equals_string (ctype, "application/json");
  fail_unless (strstr (body, "\"n-viewers\" : 0"), "%s", body);
  fail_unless (strstr (body, "\"viewers\" : [") , "%s", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ctype, g_free);

  a = viewer_connect (s, TRUE);
  fail_unless (whep_test_client_wait_frames (a, 10, 10, 15000));

  fail_unless_equals_int (http_get (url, NULL, &body, NULL), 200);
  fail_unless (strstr (body, "\"n-viewers\" : 1"), "%s", body);
  fail_unless (strstr (body, viewer_id (a)), "%s", body);
  fail_unless (strstr (body, "\"video-packets-sent\" : "), "%s", body);
  fail_unless (strstr (body, "\"state\" : \"connected\""), "%s", body);
  g_clear_pointer (&body, g_free);

  fail_unless_equals_int (http_get (metrics, NULL, &body, &ctype), 200);
  fail_unless (g_str_has_prefix (ctype, "text/plain"), "%s", ctype);
  fail_unless (strstr (body, "# TYPE whepsink_viewers gauge\n"), "%s", body);
  fail_unless (strstr (body, "\nwhepsink_viewers{path=\"/whep\"} 1\n"),
      "%s", body);
  fail_unless (strstr (body, "\nwhepsink_joins_total{path=\"/whep\"} 1\n"),
      "%s", body);
  fail_unless (strstr (body, "# TYPE whepsink_viewer_packets_sent_total "
          "counter\n"), "%s", body);
  expect = g_strdup_printf ("\nwhepsink_viewer_packets_sent_total{"
      "path=\"/whep\",id=\"%s\",kind=\"audio\"} ", viewer_id (a));
  fail_unless (strstr (body, expect), "%s", body);
  g_free (expect);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ctype, g_free);

  fail_unless_equals_int (whep_test_client_delete (a), 200);
  whep_test_client_free (a);
  g_free (url);
  g_free (metrics);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_stats_need_the_token)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE
      ("stats=true auth-token=secret"), GST_STATE_PLAYING);
  gchar *url = g_strconcat (s->endpoint, "/stats", NULL);
  gchar *metrics = g_strconcat (s->endpoint, "/metrics", NULL);
  gchar *other = g_strconcat (s->endpoint, "/other", NULL);

  fail_unless_equals_int (http_get (url, NULL, NULL, NULL), 401);
  fail_unless_equals_int (http_get (metrics, NULL, NULL, NULL), 401);
  fail_unless_equals_int (http_get (url, "wrong", NULL, NULL), 401);
  fail_unless_equals_int (http_get (url, "secret", NULL, NULL), 200);
  fail_unless_equals_int (http_get (metrics, "secret", NULL, NULL), 200);
  fail_unless_equals_int (http_get (other, "secret", NULL, NULL), 404);
  g_free (url);
  g_free (metrics);
  g_free (other);
  whep_test_server_stop (s);
}

GST_END_TEST;

static Suite *
whepapi_suite (void)
{
  Suite *s = suite_create ("whepapi");
  TCase *tc_events = tcase_create ("events");
  TCase *tc_stats = tcase_create ("stats");
  TCase *tc_control = tcase_create ("control");
  TCase *tc_http = tcase_create ("http");

  suite_add_tcase (s, tc_events);
  tcase_set_timeout (tc_events, 60);
  tcase_add_test (tc_events, test_viewers_signals_and_messages);

  suite_add_tcase (s, tc_stats);
  tcase_set_timeout (tc_stats, 60);
  tcase_add_test (tc_stats, test_get_stats);
  tcase_add_test (tc_stats, test_get_stats_per_viewer_path);

  suite_add_tcase (s, tc_control);
  tcase_set_timeout (tc_control, 60);
  tcase_add_test (tc_control, test_remove_viewer);
  tcase_add_test (tc_control, test_authorize);

  suite_add_tcase (s, tc_http);
  tcase_set_timeout (tc_http, 60);
  tcase_add_test (tc_http, test_stats_off_by_default);
  tcase_add_test (tc_http, test_stats_json_and_metrics);
  tcase_add_test (tc_http, test_stats_need_the_token);
  return s;
}

GST_CHECK_MAIN (whepapi);

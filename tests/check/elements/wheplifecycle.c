/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The stream's life as viewers see it: a sender that starts late, tracks
 * from the PMT (video-only, audio-only), keyframes for joiners, MPEG-TS PTS
 * wrap, files paced to real time, EOS, a swap of the upstream, and viewers
 * that vanish or never connect. */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ts-timeshift.h"
#include "whep-test-client.h"
#include "whep-test-server.h"

#define VIDEO(w, h, gop, extra) \
  "videotestsrc is-live=true pattern=ball " extra " ! " \
  "video/x-raw,format=I420,width=" #w ",height=" #h ",framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" #gop

#define AUDIO(extra) \
  "audiotestsrc is-live=true " extra " ! audioconvert ! audioresample ! " \
  "opusenc"

#define SINK "whepsink name=whep port=0"

static WhepTestClient *
connect_viewer (WhepTestServer * s, gboolean video, gboolean audio)
{
  WhepTestClientConfig config = { video, audio, TRUE, NULL };
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);
  GError *error = NULL;

  fail_unless_equals_int (whep_test_client_connect (client, &error), 201);
  g_assert_no_error (error);
  return client;
}

/* ---------------------------------------------------------------------- */
/* A sender in another pipeline, over UDP */

#define udp_sender_start whep_test_udp_sender_start
#define sender_stop whep_test_sender_stop
#define udpsrc_port(s) whep_test_server_udp_port (s, "in")

#define UDP_SERVER \
  "udpsrc name=in port=0 address=127.0.0.1 " \
  "caps=\"video/mpegts,systemstream=(boolean)true,packetsize=188\" ! " SINK

typedef struct
{
  WhepTestServer *server;
  gboolean video, audio;
  WhepTestClient *client;
  guint status;
} AsyncViewer;

static gpointer
async_viewer_thread (gpointer data)
{
  AsyncViewer *v = data;
  WhepTestClientConfig config = { v->video, v->audio, TRUE, NULL };

  v->client = whep_test_client_new (v->server->endpoint, &config);
  v->status = whep_test_client_connect (v->client, NULL);
  return NULL;
}

typedef struct
{
  gchar *url;
  guint status;
  gchar *body;
} Post;

static gpointer
post_thread (gpointer data)
{
  Post *post = data;
  const gchar *offer = whep_test_offer_without_peer;

  post->status = whep_test_http ("POST", post->url, "application/sdp", offer,
      strlen (offer), &post->body, NULL, NULL);
  return NULL;
}

static gpointer
stop_thread (gpointer data)
{
  return GINT_TO_POINTER (gst_element_set_state (data, GST_STATE_NULL));
}

GST_START_TEST (test_sender_starts_after_the_viewer)
{
  WhepTestServer *s = whep_test_server_start (UDP_SERVER, GST_STATE_PLAYING);
  AsyncViewer v = { s, TRUE, TRUE };
  GThread *thread = g_thread_new ("viewer", async_viewer_thread, &v);
  GstElement *sender;
  gint64 start;

  /* held, not refused */
  fail_unless (whep_test_wait_waiting_viewers (s->whep, 1, 10000));
  fail_unless_equals_int (v.status, 0);
  start = g_get_monotonic_time ();
  sender = udp_sender_start (udpsrc_port (s),
      VIDEO (320, 240, 30, "") " ! mux. " AUDIO ("") " ! mux.");
  g_thread_join (thread);

  fail_unless_equals_int (v.status, 201);
  /* answered as soon as the tracks are known, not at the timeout (10 s) */
  fail_unless (g_get_monotonic_time () - start <
      (gint64) MIN (whep_test_slow (5000), 9000) * 1000);
  fail_unless (whep_test_client_wait_frames (v.client, 15, 10, 15000));
  whep_test_client_free (v.client);
  sender_stop (sender);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* A client that gives up while its POST waits for the stream is forgotten:
 * no session is made for it when the stream comes.  Another client that
 * waits with it, and stays, shows that the stream did come and the waiting
 * offers were served. */
GST_START_TEST (test_client_hanging_up_while_waiting)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mpegtsmux ! " SINK, GST_STATE_READY);
  GSocketClient *sc = g_socket_client_new ();
  GSocketConnection *conn;
  GOutputStream *out;
  gchar *port = strrchr (s->base, ':') + 1, *request;
  const gchar *offer = whep_test_offer_without_peer;
  Post stayer = { g_strdup (s->endpoint), };
  GThread *thread;

  conn = g_socket_client_connect_to_host (sc, "127.0.0.1", atoi (port), NULL,
      NULL);
  fail_unless (conn != NULL);
  request = g_strdup_printf ("POST /whep HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/sdp\r\nContent-Length: %u\r\n\r\n%s",
      (guint) strlen (offer), offer);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  fail_unless (g_output_stream_write_all (out, request, strlen (request), NULL,
          NULL, NULL));
  /* its offer is held... */
  fail_unless (whep_test_wait_waiting_viewers (s->whep, 1, 10000));
  /* ...and the other's after it */
  thread = g_thread_new ("stayer", post_thread, &stayer);
  fail_unless (whep_test_wait_waiting_viewers (s->whep, 2, 10000));

  /* the first client gives up before the stream starts */
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);

  gst_element_set_state (s->pipeline, GST_STATE_PLAYING);
  /* offers are served in the order they came: once the stayer has its
   * answer, the one that left was dealt with */
  g_thread_join (thread);
  fail_unless_equals_int (stayer.status, 201);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);
  fail_unless (whep_test_wait_waiting_viewers (s->whep, 0, 0));

  g_free (stayer.url);
  g_free (stayer.body);
  g_free (request);
  g_object_unref (sc);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Requests that race the element's stopping */

/* A POST that the server's thread is handling while the element goes from
 * READY to NULL: the element stops cleanly, and the POST is answered.  The
 * gate holds the server's thread in the offer handler (just after the offer
 * is parsed) while the state change starts, which opens the window every
 * time.  Another whepsink on the same port keeps the server, so that the
 * answer can still go out. */
GST_START_TEST (test_post_while_the_element_stops)
{
  GstElement *keeper = gst_element_factory_make ("whepsink", NULL);
  GstElement *sink = gst_element_factory_make ("whepsink", NULL);
  WhepTestLogGate *gate = whep_test_log_gate_new ("whepoffer",
      GST_LEVEL_DEBUG, "parsed an offer", 10000);
  Post post = { NULL, };
  GThread *poster, *stopper;
  guint port;

  g_object_set (keeper, "port", 0, "path", "/keep", NULL);
  fail_unless_equals_int (gst_element_set_state (keeper, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (keeper, "bound-port", &port, NULL);
  g_object_set (sink, "port", port, NULL);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);

  post.url = g_strdup_printf ("http://127.0.0.1:%u/whep", port);
  poster = g_thread_new ("post", post_thread, &post);
  fail_unless (whep_test_log_gate_wait (gate, 10000), "the POST never came");
  stopper = g_thread_new ("stop", stop_thread, sink);
  /* the state change gets to wherever it waits for the server's thread */
  g_usleep (300 * 1000);
  whep_test_log_gate_release (gate);
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (stopper)),
      GST_STATE_CHANGE_SUCCESS);
  g_thread_join (poster);
  fail_unless_equals_int (post.status, 503);
  fail_unless (strstr (post.body, "stopped") != NULL, "%s", post.body);

  whep_test_log_gate_free (gate);
  gst_element_set_state (keeper, GST_STATE_NULL);
  gst_object_unref (keeper);
  gst_object_unref (sink);
  g_free (post.url);
  g_free (post.body);
}

GST_END_TEST;

/* A POST whose viewer is being made when the stream ends: no session is
 * left behind by the end of the stream (a session left in the bin keeps it
 * from posting EOS: `gst-launch-1.0 -e` then never exits), and the POST is
 * refused.  The gate holds the server's thread after it found the stream
 * ready, until the EOS has gone through. */
GST_START_TEST (test_post_racing_the_end_of_the_stream)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mpegtsmux ! " SINK, GST_STATE_PLAYING);
  WhepTestLogGate *gate = whep_test_log_gate_new ("whepoffer",
      GST_LEVEL_INFO, "m-line 0 (video", 10000);
  Post post = { g_strdup (s->endpoint), };
  GThread *poster;
  GstMessage *msg;

  poster = g_thread_new ("post", post_thread, &post);
  fail_unless (whep_test_log_gate_wait (gate, 15000), "no viewer was made");
  gst_element_send_event (s->pipeline, gst_event_new_eos ());
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (s->pipeline),
      10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  whep_test_log_gate_release (gate);
  g_thread_join (poster);

  fail_unless_equals_int (post.status, 503);
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000),
      "a session outlived the end of the stream");
  whep_test_log_gate_free (gate);
  whep_test_server_stop (s);
  g_free (post.url);
  g_free (post.body);
}

GST_END_TEST;

/* READY -> NULL waits for the teardowns of viewers that ended just before
 * and were handed to another thread: when it returns, no session is left.
 * (Before, the test process could exit while one still ran, and crash in
 * OpenSSL's exit-time cleanup.)  The gate holds the teardown's thread as
 * it starts. */
GST_START_TEST (test_stop_waits_for_teardowns)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mpegtsmux ! " SINK, GST_STATE_PLAYING);
  const gchar *offer = whep_test_offer_without_peer;
  WhepTestLogGate *gate = whep_test_log_gate_new (NULL, GST_LEVEL_INFO,
      "tearing down session", 1000);
  gchar *location = NULL, *url;

  fail_unless_equals_int (whep_test_http ("POST", s->endpoint,
          "application/sdp", offer, strlen (offer), NULL, "Location",
          &location), 201);
  url = g_strconcat (s->base, location, NULL);
  fail_unless_equals_int (whep_test_http ("DELETE", url, NULL, NULL, 0, NULL,
          NULL, NULL), 200);
  fail_unless (whep_test_log_gate_wait (gate, 5000), "no teardown began");
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);

  fail_unless_equals_int (gst_element_set_state (s->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 0);

  whep_test_log_gate_free (gate);
  whep_test_server_stop (s);
  g_free (location);
  g_free (url);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Tracks from the PMT */

GST_START_TEST (test_video_only_stream)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mpegtsmux ! " SINK, GST_STATE_PLAYING);
  WhepTestClient *client = connect_viewer (s, TRUE, TRUE);
  const gchar *answer = whep_test_client_get_answer (client);

  /* the audio m-line is rejected, the video one accepted */
  fail_unless (strstr (answer, "m=audio 0 ") != NULL, "%s", answer);
  fail_unless (strstr (answer, "m=video 9 ") != NULL, "%s", answer);
  fail_unless (whep_test_client_wait_frames (client, 15, 0, 15000));
  fail_unless_equals_int (whep_test_client_get_audio_buffers (client), 0);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_audio_only_stream)
{
  WhepTestServer *s = whep_test_server_start (AUDIO ("")
      " ! mpegtsmux ! " SINK, GST_STATE_PLAYING);
  WhepTestClient *client = connect_viewer (s, TRUE, TRUE);
  const gchar *answer = whep_test_client_get_answer (client);

  /* video is this client's BUNDLE tag: it stays, inactive, to carry the
   * transport for audio */
  fail_unless (strstr (answer, "m=video 9 ") != NULL, "%s", answer);
  fail_unless (strstr (answer, "a=inactive") != NULL, "%s", answer);
  fail_unless (whep_test_client_wait_frames (client, 0, 20, 15000));
  fail_unless_equals_int (whep_test_client_get_video_frames (client), 0);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_audio_only_viewer)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mux. " AUDIO ("") " ! mux. mpegtsmux name=mux ! " SINK,
      GST_STATE_PLAYING);
  WhepTestClient *client = connect_viewer (s, FALSE, TRUE);

  fail_unless (strstr (whep_test_client_get_answer (client), "m=video")
      == NULL);
  fail_unless (whep_test_client_wait_frames (client, 0, 20, 15000));
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* An offer for video from an audio-only stream: nothing to send. */
GST_START_TEST (test_offer_the_stream_cannot_fill)
{
  WhepTestServer *s = whep_test_server_start (AUDIO ("")
      " ! mpegtsmux ! " SINK, GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, FALSE, TRUE, NULL };
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);
  GError *error = NULL;

  fail_unless_equals_int (whep_test_client_connect (client, &error), 406);
  fail_unless (strstr (error->message, "no video") != NULL, "%s",
      error->message);
  g_error_free (error);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* Two programs in one TS: program-number picks one. */
GST_START_TEST (test_program_number)
{
  WhepTestServer *s = whep_test_server_start (
      VIDEO (320, 240, 15, "") " ! mux.sink_65 "
      VIDEO (640, 480, 15, "") " ! mux.sink_66 "
      "mpegtsmux name=mux prog-map=\"program_map,sink_65=(int)1,"
      "sink_66=(int)2\" ! whepsink name=whep port=0 program-number=2",
      GST_STATE_PLAYING);
  WhepTestClient *client = connect_viewer (s, TRUE, FALSE);
  gint w, h;

  fail_unless (whep_test_client_wait_frames (client, 10, 0, 15000));
  whep_test_client_get_video_size (client, &w, &h);
  fail_unless_equals_int (w, 640);
  fail_unless_equals_int (h, 480);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Keyframes for joiners */

/* One keyframe every 10 s: a viewer joining between two gets a picture
 * at once, because whepsink asks the encoder upstream for a keyframe. */
GST_START_TEST (test_joiner_gets_a_keyframe_at_once)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 300, "")
      " ! mpegtsmux ! " SINK, GST_STATE_PLAYING);
  WhepTestClient *first, *late;
  gint64 wait;

  /* the first viewer starts the stream's clock ticking... */
  first = connect_viewer (s, TRUE, FALSE);
  fail_unless (whep_test_client_wait_frames (first, 1, 0, 15000));
  /* ...and the second comes mid-GOP, two seconds of pictures later */
  fail_unless (whep_test_client_wait_frames (first, 60, 0, 15000));
  late = connect_viewer (s, TRUE, FALSE);
  fail_unless (whep_test_client_wait_frames (late, 1, 0, 15000));
  wait = whep_test_client_get_first_video_time (late) -
      whep_test_client_get_post_time (late);
  GST_INFO ("first picture %" G_GINT64_FORMAT " ms after the POST",
      wait / 1000);
  /* the next scheduled keyframe is ~8 s away */
  fail_unless (wait < (gint64) MIN (whep_test_slow (3000), 6000) * 1000,
      "waited %" G_GINT64_FORMAT " ms", wait / 1000);
  whep_test_client_free (first);
  whep_test_client_free (late);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Timing */

/* A 10 s file of 320x240 video + Opus with its PTS crossing 2^33 3 s in. */
static gchar *
make_wrapping_ts (void)
{
  GError *error = NULL;
  gchar *path, *desc, *data;
  gsize len;
  GstElement *p;
  GstMessage *msg;
  gint64 first;
  gint fd;

  fd = g_file_open_tmp ("whep-wrap-XXXXXX.ts", &path, &error);
  g_assert_no_error (error);
  close (fd);
  desc = g_strdup_printf ("videotestsrc num-buffers=300 pattern=ball ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! mux. "
      "audiotestsrc num-buffers=470 samplesperbuffer=1024 ! audioconvert ! "
      "opusenc ! mux. mpegtsmux name=mux ! filesink location=%s", path);
  p = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  g_free (desc);
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (p), 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);

  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  first = ts_first_pts ((guint8 *) data, len);
  fail_unless (first >= 0);
  ts_timeshift ((guint8 *) data, len,
      (TS_PTS_WRAP - 3 * 90000 - first) % TS_PTS_WRAP);
  fail_unless (ts_first_pts ((guint8 *) data, len) ==
      (gint64) (TS_PTS_WRAP - 3 * 90000));
  fail_unless (g_file_set_contents (path, data, len, NULL));
  g_free (data);
  return path;
}

/* Playback goes on through the PTS wrap, RTP time with it, and the file
 * is paced to real time, not sent as fast as it can be read. */
GST_START_TEST (test_file_with_pts_wrap_plays_in_real_time)
{
  gchar *path = make_wrapping_ts ();
  gchar *desc = g_strdup_printf ("filesrc location=%s ! " SINK, path);
  WhepTestServer *s = whep_test_server_start (desc, GST_STATE_READY);
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, NULL };
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);
  AsyncViewer v = { s, TRUE, TRUE };
  GThread *thread;
  guint packets, jumps;
  gint64 took;

  whep_test_client_free (client);
  thread = g_thread_new ("viewer", async_viewer_thread, &v);
  fail_unless (whep_test_wait_waiting_viewers (s->whep, 1, 10000));
  gst_element_set_state (s->pipeline, GST_STATE_PLAYING);
  g_thread_join (thread);
  fail_unless_equals_int (v.status, 201);

  /* real time: 90 frames take 3 s at 30 frames a second; read as fast as
   * it can be, the file would be there in a fraction of that */
  fail_unless (whep_test_client_wait_frames (v.client, 90, 0, 15000));
  took = g_get_monotonic_time () -
      whep_test_client_get_first_video_time (v.client);
  fail_unless (took > 2 * G_USEC_PER_SEC, "90 frames in %" G_GINT64_FORMAT
      " ms", took / 1000);

  /* past the wrap, 3 s in, up to about 8 s */
  fail_unless (whep_test_client_wait_frames (v.client, 180, 1, 15000),
      "only %u frames", whep_test_client_get_video_frames (v.client));
  whep_test_client_get_rtp_time_stats (v.client, &packets, &jumps);
  fail_unless (packets > 180);
  fail_unless_equals_int (jumps, 0);

  whep_test_client_free (v.client);
  whep_test_server_stop (s);
  g_unlink (path);
  g_free (path);
  g_free (desc);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* The stream stops or changes */

GST_START_TEST (test_eos_ends_viewers_and_posts_eos)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15,
          "num-buffers=120") " ! mpegtsmux ! " SINK, GST_STATE_PLAYING);
  WhepTestClient *client = connect_viewer (s, TRUE, FALSE);
  GstMessage *msg;

  fail_unless (whep_test_client_wait_frames (client, 10, 0, 10000));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (s->pipeline),
      15 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS on the bus");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000));
  /* the session is gone */
  fail_unless_equals_int (whep_test_client_delete (client), 404);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* The upstream restarts with other PIDs and another picture size: the
 * viewer's PeerConnection stays, and the new stream plays on it. */
GST_START_TEST (test_upstream_swap_keeps_viewer)
{
  WhepTestServer *s = whep_test_server_start (UDP_SERVER, GST_STATE_PLAYING);
  guint port = udpsrc_port (s);
  GstElement *sender = udp_sender_start (port,
      VIDEO (320, 240, 15, "") " ! mux.sink_65 ");
  WhepTestClient *client = connect_viewer (s, TRUE, FALSE);
  guint before;
  gint w = 0, h = 0, i;

  fail_unless (whep_test_client_wait_frames (client, 15, 0, 15000));
  sender_stop (sender);
  g_usleep (500 * 1000);
  sender = udp_sender_start (port, VIDEO (640, 480, 15, "") " ! mux.sink_80 ");

  before = whep_test_client_get_video_frames (client);
  fail_unless (whep_test_client_wait_frames (client, before + 30, 0, 15000),
      "no frames after the swap");
  for (i = 0; i < 50 && w != 640; i++) {
    whep_test_client_get_video_size (client, &w, &h);
    g_usleep (100 * 1000);
  }
  fail_unless_equals_int (w, 640);
  fail_unless_equals_int (h, 480);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);
  fail_unless_equals_int (whep_test_client_delete (client), 200);
  whep_test_client_free (client);
  sender_stop (sender);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Viewers that fail */

GST_START_TEST (test_viewer_that_never_connects_is_reaped)
{
  const gchar *offer = whep_test_offer_without_peer;
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mpegtsmux ! whepsink name=whep port=0 connect-timeout=2",
      GST_STATE_PLAYING);

  fail_unless_equals_int (whep_test_http ("POST", s->endpoint,
          "application/sdp", offer, strlen (offer), NULL, NULL, NULL), 201);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);
  fail_unless (whep_test_server_wait_sessions (s, 0, 6000));
  whep_test_server_stop (s);
}

GST_END_TEST;

/* A viewer that disappears without DELETE (tab closed, network gone) goes
 * silent and is reaped after idle-timeout. */
GST_START_TEST (test_vanished_viewer_is_reaped)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mpegtsmux ! whepsink name=whep port=0 idle-timeout=10",
      GST_STATE_PLAYING);
  WhepTestClient *client = connect_viewer (s, TRUE, FALSE);
  gint64 start;

  fail_unless (whep_test_client_wait_frames (client, 5, 0, 10000));
  /* a viewer that plays reports (RTCP), however long it plays */
  g_usleep (14 * G_USEC_PER_SEC);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);

  whep_test_client_vanish (client);
  start = g_get_monotonic_time ();
  fail_unless (whep_test_server_wait_sessions (s, 0, 20000),
      "session still there 20 s after its viewer left");
  GST_INFO ("reaped after %" G_GINT64_FORMAT " ms",
      (g_get_monotonic_time () - start) / 1000);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* One viewer in another process (tests/tools/whep-view) that plays for a
 * second and DELETEs its session; TRUE if it got frames. */
static gboolean
view_once (WhepTestServer * s)
{
  const gchar *view = g_getenv ("WHEP_VIEW");
  gchar *argv[] = { (gchar *) view, s->endpoint, (gchar *) "1", NULL };
  gint status = -1;

  fail_unless (view != NULL, "WHEP_VIEW is not set");
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
  return g_spawn_check_wait_status (status, NULL);
}

/* Waits until this process's thread and fd counts stay the same for half
 * a second (for at most 10 s). */
static void
wait_until_settled (void)
{
  guint threads = 0, fds = 0, same = 0, i;

  for (i = 0; i < 200 && same < 10; i++) {
    guint t = whep_test_count_threads (), f = whep_test_count_fds ();

    same = (t == threads && f == fds) ? same + 1 : 0;
    threads = t;
    fds = f;
    g_usleep (50 * 1000);
  }
}

/* Join and leave, again and again: the server's threads and fds come back
 * to where they were. */
GST_START_TEST (test_churn_leaves_nothing_behind)
{
  WhepTestServer *s = whep_test_server_start (VIDEO (320, 240, 15, "")
      " ! mux. " AUDIO ("") " ! mux. mpegtsmux name=mux ! " SINK,
      GST_STATE_PLAYING);
  guint threads, fds, i;

  /* warm up: one-time allocations (plugins, OpenSSL, thread pools) */
  fail_unless (view_once (s));
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000));
  /* the baseline: what a viewer's end leaves once it has settled */
  wait_until_settled ();
  threads = whep_test_count_threads ();
  fds = whep_test_count_fds ();

  for (i = 0; i < 12; i++)
    fail_unless (view_once (s), "viewer %u saw nothing", i);
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000));
  /* Threads and fds of the ended sessions go as their teardowns finish:
   * wait, as long as a loaded machine may need, for the baseline again.
   * Two idle threads of GLib's shared pool may linger there (for 15 s);
   * one leaked thread or fd per viewer would be 12 more. */
  if (!whep_test_wait_threads_and_fds (threads + 2, fds, 20000)) {
    gchar *names = whep_test_describe_threads ();
    gchar *kinds = whep_test_describe_fds ();

    fail ("threads %u -> %u (%s), fds %u -> %u (%s)", threads,
        whep_test_count_threads (), names, fds, whep_test_count_fds (), kinds);
    g_free (names);
    g_free (kinds);
  }
  GST_INFO ("threads %u -> %u, fds %u -> %u", threads,
      whep_test_count_threads (), fds, whep_test_count_fds ());
  whep_test_server_stop (s);
}

GST_END_TEST;

static Suite *
wheplifecycle_suite (void)
{
  Suite *s = suite_create ("wheplifecycle");
  TCase *tc_ready = tcase_create ("ready");
  TCase *tc_tracks = tcase_create ("tracks");
  TCase *tc_keyframes = tcase_create ("keyframes");
  TCase *tc_timing = tcase_create ("timing");
  TCase *tc_changes = tcase_create ("changes");
  TCase *tc_failures = tcase_create ("failures");
  TCase *tc_stopping = tcase_create ("stopping");

  suite_add_tcase (s, tc_ready);
  tcase_set_timeout (tc_ready, 60);
  tcase_add_test (tc_ready, test_sender_starts_after_the_viewer);
  tcase_add_test (tc_ready, test_client_hanging_up_while_waiting);

  suite_add_tcase (s, tc_stopping);
  tcase_set_timeout (tc_stopping, 60);
  tcase_add_test (tc_stopping, test_post_while_the_element_stops);
  tcase_add_test (tc_stopping, test_post_racing_the_end_of_the_stream);
  tcase_add_test (tc_stopping, test_stop_waits_for_teardowns);

  suite_add_tcase (s, tc_tracks);
  tcase_set_timeout (tc_tracks, 60);
  tcase_add_test (tc_tracks, test_video_only_stream);
  tcase_add_test (tc_tracks, test_audio_only_stream);
  tcase_add_test (tc_tracks, test_audio_only_viewer);
  tcase_add_test (tc_tracks, test_offer_the_stream_cannot_fill);
  tcase_add_test (tc_tracks, test_program_number);

  suite_add_tcase (s, tc_keyframes);
  tcase_set_timeout (tc_keyframes, 60);
  tcase_add_test (tc_keyframes, test_joiner_gets_a_keyframe_at_once);

  suite_add_tcase (s, tc_timing);
  tcase_set_timeout (tc_timing, 90);
  tcase_add_test (tc_timing, test_file_with_pts_wrap_plays_in_real_time);

  suite_add_tcase (s, tc_changes);
  tcase_set_timeout (tc_changes, 60);
  tcase_add_test (tc_changes, test_eos_ends_viewers_and_posts_eos);
  tcase_add_test (tc_changes, test_upstream_swap_keeps_viewer);

  suite_add_tcase (s, tc_failures);
  tcase_set_timeout (tc_failures, 90);
  tcase_add_test (tc_failures, test_viewer_that_never_connects_is_reaped);
  tcase_add_test (tc_failures, test_vanished_viewer_is_reaped);
  tcase_add_test (tc_failures, test_churn_leaves_nothing_behind);
  return s;
}

GST_CHECK_MAIN (wheplifecycle);

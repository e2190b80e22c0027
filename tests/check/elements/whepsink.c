/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* whepsink tests: the element, and real WHEP viewers over loopback that
 * complete ICE and DTLS, receive SRTP and decode H.264 and Opus. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "whep-test-client.h"
#include "whep-test-server.h"

#define WIDTH 320
#define HEIGHT 240

/* a live test stream: 320x240 H.264 with a keyframe every 0.5 s, and Opus */
#define AV_PIPELINE \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! mux. " \
  "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc ! mux. " \
  "mpegtsmux name=mux ! whepsink name=whep port=0"

/* Hand-made offers: valid in form, so only what they lack is wrong. */
#define OFFER_HEAD \
  "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" \
  "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" \
  "a=fingerprint:sha-256 99:37:2C:B1:CA:32:6D:0C:54:A5:DA:D3:E5:EA:65:85:" \
  "3F:17:08:19:D0:67:83:6A:EB:17:0E:00:19:09:BC:4E\r\n"

static const gchar valid_offer[] = OFFER_HEAD "a=setup:actpass\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n";

static const gchar vp8_offer[] = OFFER_HEAD "a=setup:actpass\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n";

static const gchar answer_not_offer[] = OFFER_HEAD "a=setup:passive\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\na=sendonly\r\na=rtpmap:102 H264/90000\r\n";

typedef WhepTestServer Server;

static Server *
server_start (const gchar * description)
{
  return whep_test_server_start (description, GST_STATE_PLAYING);
}

#define server_stop whep_test_server_stop
#define count_sessions whep_test_server_count_sessions
#define wait_sessions(s, n) whep_test_server_wait_sessions (s, n, 5000)

static WhepTestClient *
viewer_connect (Server * s, gboolean video, gboolean audio)
{
  WhepTestClientConfig config = { video, audio, TRUE, NULL };
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);
  GError *error = NULL;

  fail_unless_equals_int (whep_test_client_connect (client, &error), 201);
  g_assert_no_error (error);
  return client;
}

static void
assert_plays (WhepTestClient * client)
{
  gint w, h;

  fail_unless (whep_test_client_wait_frames (client, 15, 10, 15000),
      "viewer got %u video frames, %u audio buffers",
      whep_test_client_get_video_frames (client),
      whep_test_client_get_audio_buffers (client));
  whep_test_client_get_video_size (client, &w, &h);
  fail_unless_equals_int (w, WIDTH);
  fail_unless_equals_int (h, HEIGHT);
}

/* ---------------------------------------------------------------------- */
/* The element */

GST_START_TEST (test_properties)
{
  GstElement *sink = gst_element_factory_make ("whepsink", NULL);
  guint port, bound, timeout, waiting = 1;
  gchar *path, *address;

  fail_unless (sink != NULL);
  g_object_get (sink, "port", &port, "path", &path, "address", &address,
      "bound-port", &bound, "ready-timeout", &timeout, "waiting-viewers",
      &waiting, NULL);
  fail_unless_equals_int (waiting, 0);
  fail_unless_equals_int (port, 8889);
  fail_unless_equals_string (path, "/whep");
  fail_unless (address == NULL);
  fail_unless_equals_int (bound, 0);
  fail_unless_equals_int (timeout, 10);
  g_free (path);

  g_object_set (sink, "port", 0, "path", "/cam1/whep", "address", "127.0.0.1",
      NULL);
  g_object_get (sink, "path", &path, "address", &address, NULL);
  fail_unless_equals_string (path, "/cam1/whep");
  fail_unless_equals_string (address, "127.0.0.1");
  g_free (path);
  g_free (address);

  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (sink, "bound-port", &bound, NULL);
  fail_unless (bound > 0);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (sink, "bound-port", &bound, NULL);
  fail_unless_equals_int (bound, 0);
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_metadata)
{
  GstElementFactory *f = gst_element_factory_find ("whepsink");
  GstElement *sink;
  GstPad *pad;
  GstCaps *caps, *mpegts = gst_caps_from_string ("video/mpegts, "
      "systemstream=true");

  fail_unless (f != NULL);
  fail_unless_equals_string (gst_element_factory_get_metadata (f,
          GST_ELEMENT_METADATA_KLASS), "Sink/Network/WebRTC");
  sink = gst_element_factory_create (f, NULL);
  fail_unless (GST_IS_BIN (sink));
  pad = gst_element_get_static_pad (sink, "sink");
  fail_unless (pad != NULL);
  caps = gst_pad_query_caps (pad, NULL);
  fail_unless (gst_caps_can_intersect (caps, mpegts));
  gst_caps_unref (mpegts);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (f);
}

GST_END_TEST;

GST_START_TEST (test_port_in_use_fails)
{
  GstElement *a = gst_element_factory_make ("whepsink", NULL);
  GstElement *b = gst_element_factory_make ("whepsink", NULL);
  gchar *url;
  guint port;

  g_object_set (a, "port", 0, NULL);
  fail_unless_equals_int (gst_element_set_state (a, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (a, "bound-port", &port, NULL);

  /* same port, same path, another element: the path is taken */
  g_object_set (b, "port", port, NULL);
  fail_unless_equals_int (gst_element_set_state (b, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  /* and the one that failed did not take the other's endpoint down */
  url = g_strdup_printf ("http://127.0.0.1:%u/whep", port);
  fail_unless_equals_int (whep_test_http ("OPTIONS", url, NULL, NULL, 0, NULL,
          NULL, NULL), 204);
  g_free (url);

  gst_element_set_state (a, GST_STATE_NULL);
  gst_element_set_state (b, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

/* Two whepsinks in one process share one port with different paths; each
 * serves its own stream and its own player page. */
GST_START_TEST (test_two_endpoints_share_a_port)
{
  Server *a = server_start (AV_PIPELINE);
  gchar *desc;
  Server *b;
  guint port;
  WhepTestClient *va, *vb;
  WhepTestClientConfig config = { TRUE, FALSE, TRUE, NULL };
  gchar *body = NULL, *url;
  gint w, h;

  g_object_get (a->whep, "bound-port", &port, NULL);
  desc = g_strdup_printf ("videotestsrc is-live=true pattern=ball ! "
      "video/x-raw,format=I420,width=640,height=480,framerate=30/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
      "mpegtsmux ! whepsink name=whep port=%u path=/cam2/whep", port);
  b = server_start (desc);
  url = g_strdup_printf ("http://127.0.0.1:%u/cam2/whep", port);
  fail_unless_equals_string (b->endpoint, url);
  g_free (url);

  va = whep_test_client_new (a->endpoint, &config);
  vb = whep_test_client_new (b->endpoint, &config);
  fail_unless_equals_int (whep_test_client_connect (va, NULL), 201);
  fail_unless_equals_int (whep_test_client_connect (vb, NULL), 201);
  fail_unless (whep_test_client_wait_frames (va, 5, 0, 15000));
  fail_unless (whep_test_client_wait_frames (vb, 5, 0, 15000));
  whep_test_client_get_video_size (va, &w, &h);
  fail_unless_equals_int (w, WIDTH);
  whep_test_client_get_video_size (vb, &w, &h);
  fail_unless_equals_int (w, 640);

  url = g_strdup_printf ("http://127.0.0.1:%u/cam2/", port);
  fail_unless_equals_int (whep_test_http ("GET", url, NULL, NULL, 0, &body,
          NULL, NULL), 200);
  fail_unless (strstr (body, "data-endpoint=\"/cam2/whep\"") != NULL);
  g_free (body);
  g_free (url);

  whep_test_client_free (va);
  whep_test_client_free (vb);
  server_stop (b);
  /* the other endpoint goes on serving */
  fail_unless_equals_int (whep_test_http ("GET", a->endpoint, NULL, NULL, 0,
          NULL, NULL, NULL), 405);
  server_stop (a);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_player_page)
{
  GstElement *sink = gst_element_factory_make ("whepsink", NULL);
  gchar *url, *body = NULL, *ctype = NULL;
  guint port;

  g_object_set (sink, "port", 0, NULL);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (sink, "bound-port", &port, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  fail_unless_equals_int (whep_test_http ("GET", url, NULL, NULL, 0, &body,
          "Content-Type", &ctype), 200);
  fail_unless (g_str_has_prefix (ctype, "text/html"));
  fail_unless (strstr (body, "data-endpoint=\"/whep\"") != NULL);
  g_free (body);
  g_free (ctype);

  /* player=false: no page */
  g_object_set (sink, "player", FALSE, NULL);
  fail_unless_equals_int (whep_test_http ("GET", url, NULL, NULL, 0, NULL,
          NULL, NULL), 404);
  g_free (url);
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_object_unref (sink);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* End to end */

GST_START_TEST (test_viewer_plays_video_and_audio)
{
  Server *s = server_start (AV_PIPELINE);
  WhepTestClient *client = viewer_connect (s, TRUE, TRUE);
  const gchar *url = whep_test_client_get_session_url (client);

  fail_unless (g_str_has_prefix (url, s->endpoint));
  /* at least 128 random bits, hex */
  fail_unless (strlen (url) >= strlen (s->endpoint) + 1 + 32);
  /* all candidates are in the answer: the client needs no trickle */
  fail_unless (strstr (whep_test_client_get_answer (client),
          "a=candidate:") != NULL);
  assert_plays (client);

  fail_unless_equals_int (whep_test_client_delete (client), 200);
  whep_test_client_free (client);
  server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_two_viewers_and_delete)
{
  Server *s = server_start (AV_PIPELINE);
  WhepTestClient *a = viewer_connect (s, TRUE, TRUE);
  WhepTestClient *b = viewer_connect (s, TRUE, TRUE);
  guint before;

  fail_unless (g_strcmp0 (whep_test_client_get_session_url (a),
          whep_test_client_get_session_url (b)) != 0);
  assert_plays (a);
  assert_plays (b);
  fail_unless_equals_int (count_sessions (s), 2);

  /* ending one viewer frees its session and leaves the other playing */
  fail_unless_equals_int (whep_test_client_delete (a), 200);
  fail_unless (wait_sessions (s, 1));
  fail_unless_equals_int (whep_test_client_delete (a), 404);
  before = whep_test_client_get_video_frames (b);
  fail_unless (whep_test_client_wait_frames (b, before + 15, 0, 10000));

  fail_unless_equals_int (whep_test_client_delete (b), 200);
  fail_unless (wait_sessions (s, 0));
  whep_test_client_free (a);
  whep_test_client_free (b);
  server_stop (s);
}

GST_END_TEST;

/* Chromium offers H.264 in many variants: the stream's fit is chosen. */
GST_START_TEST (test_browser_like_h264_offer)
{
  static const gchar *const variants[] = { "96:42001f:0", "97:42001f:1",
    "98:42e01f:0", "99:42e01f:1", "100:4d001f:1", "101:640c1f:1",
    "102:64001f:1", NULL
  };
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, variants };
  Server *s = server_start (AV_PIPELINE);
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);

  fail_unless_equals_int (whep_test_client_connect (client, NULL), 201);
  /* x264enc's ultrafast preset makes Constrained Baseline: the offered
   * 42e01f with packetization-mode=1 is the one answered, and only it */
  fail_unless (strstr (whep_test_client_get_answer (client),
          "a=rtpmap:99 H264/90000") != NULL);
  fail_unless (strstr (whep_test_client_get_answer (client),
          "a=rtpmap:102 ") == NULL);
  fail_unless (strstr (whep_test_client_get_answer (client),
          "a=rtpmap:98 ") == NULL);
  assert_plays (client);
  whep_test_client_free (client);
  server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_video_only_viewer)
{
  Server *s = server_start (AV_PIPELINE);
  WhepTestClient *client = viewer_connect (s, TRUE, FALSE);
  gint w, h;

  fail_unless (strstr (whep_test_client_get_answer (client), "m=audio")
      == NULL);
  fail_unless (whep_test_client_wait_frames (client, 15, 0, 15000));
  whep_test_client_get_video_size (client, &w, &h);
  fail_unless_equals_int (w, WIDTH);
  whep_test_client_free (client);
  server_stop (s);
}

GST_END_TEST;

/* A viewer may come before the stream: its POST is answered once the
 * tracks are known, and it plays. */
typedef struct
{
  Server *server;
  WhepTestClient *client;
  guint status;
} EarlyViewer;

static gpointer
early_viewer_thread (gpointer data)
{
  EarlyViewer *ev = data;
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, NULL };

  ev->client = whep_test_client_new (ev->server->endpoint, &config);
  ev->status = whep_test_client_connect (ev->client, NULL);
  return NULL;
}

GST_START_TEST (test_viewer_before_stream)
{
  /* READY: the HTTP server runs, no data flows */
  Server *s = whep_test_server_start (AV_PIPELINE, GST_STATE_READY);
  EarlyViewer ev = { s };
  GThread *thread;

  thread = g_thread_new ("early-viewer", early_viewer_thread, &ev);
  /* held, not answered */
  fail_unless (whep_test_wait_waiting_viewers (s->whep, 1, 10000));
  fail_unless_equals_int (ev.status, 0);
  gst_element_set_state (s->pipeline, GST_STATE_PLAYING);
  g_thread_join (thread);

  fail_unless_equals_int (ev.status, 201);
  fail_unless (whep_test_wait_waiting_viewers (s->whep, 0, 0));
  assert_plays (ev.client);
  whep_test_client_free (ev.client);
  server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_viewer_waits_at_most_ready_timeout)
{
  GstElement *sink = gst_element_factory_make ("whepsink", NULL);
  gchar *url, *body = NULL, *retry = NULL;
  guint port, status;
  gint64 start;

  g_object_set (sink, "port", 0, "ready-timeout", 1, NULL);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (sink, "bound-port", &port, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/whep", port);

  start = g_get_monotonic_time ();
  status = whep_test_http ("POST", url, "application/sdp", valid_offer,
      strlen (valid_offer), &body, "Retry-After", &retry);
  fail_unless_equals_int (status, 503);
  fail_unless (g_get_monotonic_time () - start >= 900 * 1000);
  fail_unless (retry != NULL);
  fail_unless (strstr (body, "did not start") != NULL, "%s", body);
  fail_unless (whep_test_wait_waiting_viewers (sink, 0, 0));

  g_free (body);
  g_free (retry);
  g_free (url);
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Every bad request gets its 4xx and a one-line reason; the viewer that
 * plays meanwhile goes on undisturbed. */
GST_START_TEST (test_bad_requests_leave_viewer_playing)
{
  Server *s = server_start (AV_PIPELINE);
  WhepTestClient *client = viewer_connect (s, TRUE, TRUE);
  gchar *big = g_strnfill (65 * 1024, 'a');
  gchar *url;
  guint i, before;
  struct
  {
    const gchar *method, *path, *ctype, *body;
    guint status;
    const gchar *reason;
  } cases[] = {
    { "GET", "/whep", NULL, NULL, 405, "not allowed" },
    { "PUT", "/whep", "application/sdp", "v=0", 405, "not allowed" },
    { "POST", "/whep", "text/plain", valid_offer, 415, "application/sdp" },
    { "POST", "/whep", NULL, valid_offer, 415, "application/sdp" },
    { "POST", "/whep", "application/sdp", "", 400, "no SDP" },
    { "POST", "/whep", "application/sdp", "hello", 400, "v=0" },
    { "POST", "/whep", "application/sdp", answer_not_offer, 400, "offer" },
    { "POST", "/whep", "application/sdp", vp8_offer, 406, "H.264" },
    { "POST", "/whep", "application/sdp", big, 413, "64 KiB" },
    { "DELETE", "/whep/0123456789abcdef0123456789abcdef", NULL, NULL, 404,
        "no such session" },
    { "DELETE", "/whep/not-a-session", NULL, NULL, 404, "no such session" },
    { "PATCH", "/whep/0123", "application/sdp", "x", 415,
        "trickle-ice-sdpfrag" },
    { "PUT", "/whep/0123", "application/sdp", "x", 405, "not allowed" },
    { "GET", "/nowhere", NULL, NULL, 404, "no such resource" },
  };

  assert_plays (client);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *body = NULL, *ctype = NULL;
    guint status;

    url = g_strconcat (s->base, cases[i].path, NULL);
    status = whep_test_http (cases[i].method, url, cases[i].ctype,
        cases[i].body, cases[i].body ? strlen (cases[i].body) : 0, &body,
        "Content-Type", &ctype);
    fail_unless_equals_int (status, cases[i].status);
    fail_unless (body && strstr (body, cases[i].reason),
        "%s %s: body '%s' lacks '%s'", cases[i].method, cases[i].path, body,
        cases[i].reason);
    /* one short line */
    fail_unless (strchr (body, '\n') == body + strlen (body) - 1, "%s", body);
    fail_unless (g_str_has_prefix (ctype, "text/plain"));
    g_free (body);
    g_free (ctype);
    g_free (url);
  }

  before = whep_test_client_get_video_frames (client);
  fail_unless (whep_test_client_wait_frames (client, before + 15, 0, 10000));
  fail_unless_equals_int (count_sessions (s), 1);
  g_free (big);
  whep_test_client_free (client);
  server_stop (s);
}

GST_END_TEST;

static Suite *
whepsink_suite (void)
{
  Suite *s = suite_create ("whepsink");
  TCase *tc_element = tcase_create ("element");
  TCase *tc_play = tcase_create ("play");
  TCase *tc_wait = tcase_create ("wait-for-stream");
  TCase *tc_errors = tcase_create ("errors");

  suite_add_tcase (s, tc_element);
  tcase_add_test (tc_element, test_properties);
  tcase_add_test (tc_element, test_metadata);
  tcase_add_test (tc_element, test_port_in_use_fails);
  tcase_add_test (tc_element, test_player_page);

  suite_add_tcase (s, tc_play);
  tcase_set_timeout (tc_play, 60);
  tcase_add_test (tc_play, test_viewer_plays_video_and_audio);
  tcase_add_test (tc_play, test_two_viewers_and_delete);
  tcase_add_test (tc_play, test_browser_like_h264_offer);
  tcase_add_test (tc_play, test_video_only_viewer);
  tcase_add_test (tc_play, test_two_endpoints_share_a_port);

  suite_add_tcase (s, tc_wait);
  tcase_set_timeout (tc_wait, 60);
  tcase_add_test (tc_wait, test_viewer_before_stream);
  tcase_add_test (tc_wait, test_viewer_waits_at_most_ready_timeout);

  suite_add_tcase (s, tc_errors);
  tcase_set_timeout (tc_errors, 60);
  tcase_add_test (tc_errors, test_bad_requests_leave_viewer_playing);
  return s;
}

GST_CHECK_MAIN (whepsink);

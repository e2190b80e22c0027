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

#define WIDTH 320
#define HEIGHT 240

/* a live test stream: 320x240 H.264 with a keyframe every 0.5 s, and Opus */
#define AV_PIPELINE \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! mux. " \
  "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc ! mux. " \
  "mpegtsmux name=mux ! whepsink name=whep port=0"

typedef struct
{
  GstElement *pipeline;
  GstElement *whep;
  gchar *endpoint;
  gchar *base;
} Server;

static Server *
server_start (const gchar * description)
{
  Server *s = g_new0 (Server, 1);
  GError *error = NULL;
  guint port;

  s->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  s->whep = gst_bin_get_by_name (GST_BIN (s->pipeline), "whep");
  fail_unless (s->whep != NULL);
  fail_unless (gst_element_set_state (s->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  g_object_get (s->whep, "bound-port", &port, NULL);
  fail_unless (port > 0);
  s->base = g_strdup_printf ("http://127.0.0.1:%u", port);
  s->endpoint = g_strdup_printf ("%s/whep", s->base);
  return s;
}

static void
server_stop (Server * s)
{
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  gst_object_unref (s->whep);
  gst_object_unref (s->pipeline);
  g_free (s->endpoint);
  g_free (s->base);
  g_free (s);
}

static guint
count_sessions (Server * s)
{
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (s->whep));
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);

    if (g_str_has_prefix (GST_OBJECT_NAME (e), "session-"))
      n++;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

/* Sessions are torn down on another thread: wait for it, bounded. */
static gboolean
wait_sessions (Server * s, guint n)
{
  gint i;

  for (i = 0; i < 100; i++) {
    if (count_sessions (s) == n)
      return TRUE;
    g_usleep (50 * 1000);
  }
  return FALSE;
}

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
  guint port, bound, timeout;
  gchar *path, *address;

  fail_unless (sink != NULL);
  g_object_get (sink, "port", &port, "path", &path, "address", &address,
      "bound-port", &bound, "ready-timeout", &timeout, NULL);
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
  GstCaps *caps;

  fail_unless (f != NULL);
  fail_unless_equals_string (gst_element_factory_get_metadata (f,
          GST_ELEMENT_METADATA_KLASS), "Sink/Network/WebRTC");
  sink = gst_element_factory_create (f, NULL);
  fail_unless (GST_IS_BIN (sink));
  pad = gst_element_get_static_pad (sink, "sink");
  fail_unless (pad != NULL);
  caps = gst_pad_query_caps (pad, NULL);
  fail_unless (gst_caps_can_intersect (caps,
          gst_caps_from_string ("video/mpegts, systemstream=true")));
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
  guint port;

  g_object_set (a, "port", 0, NULL);
  fail_unless_equals_int (gst_element_set_state (a, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (a, "bound-port", &port, NULL);

  /* same port, same path, another element: the path is taken */
  g_object_set (b, "port", port, NULL);
  fail_unless_equals_int (gst_element_set_state (b, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);

  gst_element_set_state (a, GST_STATE_NULL);
  gst_element_set_state (b, GST_STATE_NULL);
  gst_object_unref (a);
  gst_object_unref (b);
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

static Suite *
whepsink_suite (void)
{
  Suite *s = suite_create ("whepsink");
  TCase *tc_element = tcase_create ("element");
  TCase *tc_play = tcase_create ("play");

  suite_add_tcase (s, tc_element);
  tcase_add_test (tc_element, test_properties);
  tcase_add_test (tc_element, test_metadata);
  tcase_add_test (tc_element, test_port_in_use_fails);

  suite_add_tcase (s, tc_play);
  tcase_set_timeout (tc_play, 60);
  tcase_add_test (tc_play, test_viewer_plays_video_and_audio);
  tcase_add_test (tc_play, test_two_viewers_and_delete);
  return s;
}

GST_CHECK_MAIN (whepsink);

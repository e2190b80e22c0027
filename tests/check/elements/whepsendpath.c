/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The shared send path as real viewers see it: Sender Reports for audio and
 * video, lost packets sent again on NACK, every viewer's video starting at
 * a keyframe, a joiner's first picture from the keyframe the send path
 * holds (with an encoder that no keyframe request reaches), and the
 * per-viewer path still there when asked for. */
#include <gst/check/gstcheck.h>

#include "whep-test-client.h"
#include "whep-test-server.h"

#define VIDEO(gop) \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" #gop

#define AUDIO \
  "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc"

#define AV_PIPELINE(sink_props) \
  VIDEO (30) " ! mux. " AUDIO " ! mux. mpegtsmux name=mux ! " \
  "whepsink name=whep port=0 " sink_props

#define UDP_SERVER \
  "udpsrc name=in port=0 address=127.0.0.1 " \
  "caps=\"video/mpegts,systemstream=(boolean)true,packetsize=188\" ! " \
  "whepsink name=whep port=0"

static WhepTestClient *
viewer_connect (WhepTestServer * s, const WhepTestClientConfig * config)
{
  WhepTestClient *client = whep_test_client_new (s->endpoint, config);
  GError *error = NULL;

  fail_unless_equals_int (whep_test_client_connect (client, &error), 201);
  g_assert_no_error (error);
  return client;
}

/* Polls @done (a condition on the client) for at most @timeout_ms. */
#define WAIT_FOR WHEP_TEST_WAIT_FOR

/* ---------------------------------------------------------------------- */

GST_START_TEST (test_sender_reports_for_video_and_audio)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, NULL, 0 };
  WhepTestClient *viewer = viewer_connect (s, &config);

  fail_unless (whep_test_client_wait_frames (viewer, 10, 10, 15000));
  /* one report per track about every second; webrtcbin sends none on
   * this path, so they are the send path's own */
  WAIT_FOR (whep_test_client_count_sender_reports (viewer) >= 2, 15000);
  fail_unless_equals_int (whep_test_client_count_sender_reports (viewer), 2);

  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_nack_recovers_lost_packets)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, FALSE, TRUE, NULL, 20 };
  WhepTestClient *viewer = viewer_connect (s, &config);
  guint dropped = 0, nacked = 0, recovered = 0, frames;

  fail_unless (whep_test_client_wait_frames (viewer, 10, 0, 15000));
  /* every packet the viewer asks for comes again (the viewer's
   * jitterbuffer does not ask for every one: it gives up on some) */
#define LOSS_SETTLED \
  (whep_test_client_get_loss_stats (viewer, &dropped, &nacked, &recovered), \
      dropped == WHEP_TEST_CLIENT_MAX_DROPS && nacked >= 5 && \
      recovered >= nacked)
  WAIT_FOR (LOSS_SETTLED, 20000);
  GST_INFO ("dropped %u, asked for %u, came again %u", dropped, nacked,
      recovered);
  fail_unless_equals_int (dropped, WHEP_TEST_CLIENT_MAX_DROPS);
  fail_unless (nacked >= 5, "the viewer asked for %u of %u lost packets",
      nacked, dropped);
  fail_unless (recovered >= nacked, "%u of %u asked-for packets came again",
      recovered, nacked);
#undef LOSS_SETTLED

  /* and the picture goes on */
  frames = whep_test_client_get_video_frames (viewer);
  fail_unless (whep_test_client_wait_frames (viewer, frames + 30, 0, 10000));

  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

typedef struct
{
  WhepTestServer *server;
  WhepTestClient *client;
  guint status;
} Joiner;

static gpointer
joiner_thread (gpointer data)
{
  Joiner *j = data;
  WhepTestClientConfig config = { TRUE, FALSE, FALSE, NULL, 0 };

  j->client = whep_test_client_new (j->server->endpoint, &config);
  j->status = whep_test_client_connect (j->client, NULL);
  return NULL;
}

/* Viewers joining together, mid-GOP, each start with SPS, PPS and an IDR. */
GST_START_TEST (test_every_viewer_starts_at_a_keyframe)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (""),
      GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, FALSE, FALSE, NULL, 0 };
  WhepTestClient *early = viewer_connect (s, &config);
  Joiner joiners[5];
  GThread *threads[G_N_ELEMENTS (joiners)];
  guint i;

  fail_unless (whep_test_client_wait_frames (early, 5, 0, 15000));
  for (i = 0; i < G_N_ELEMENTS (joiners); i++) {
    joiners[i].server = s;
    threads[i] = g_thread_new ("joiner", joiner_thread, &joiners[i]);
  }
  for (i = 0; i < G_N_ELEMENTS (joiners); i++) {
    g_thread_join (threads[i]);
    fail_unless_equals_int (joiners[i].status, 201);
  }
  for (i = 0; i < G_N_ELEMENTS (joiners); i++) {
    fail_unless (whep_test_client_wait_frames (joiners[i].client, 5, 0,
            15000));
    fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
        (joiners[i].client), 1);
    whep_test_client_free (joiners[i].client);
  }
  whep_test_client_free (early);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* An external encoder with a 10 s GOP: whepsink's keyframe request reaches
 * nobody, so a viewer joining 3 s in would wait ~7 s for the next IDR.  It
 * starts from the keyframe the send path holds instead. */
GST_START_TEST (test_joiner_starts_from_the_held_keyframe)
{
  WhepTestServer *s = whep_test_server_start (UDP_SERVER, GST_STATE_PLAYING);
  GstElement *sender = whep_test_udp_sender_start
      (whep_test_server_udp_port (s, "in"), VIDEO (300) " ! mux. ");
  WhepTestClientConfig config = { TRUE, FALSE, TRUE, NULL, 0 };
  WhepTestClient *early, *late;
  gint64 wait;

  early = viewer_connect (s, &config);
  fail_unless (whep_test_client_wait_frames (early, 30, 0, 15000));
  /* a second in the first viewer's picture, two more: now mid-GOP */
  fail_unless (whep_test_client_wait_frames (early, 90, 0, 15000));

  late = viewer_connect (s, &config);
  fail_unless (whep_test_client_wait_frames (late, 1, 0, 15000));
  wait = whep_test_client_get_first_video_time (late) -
      whep_test_client_get_post_time (late);
  GST_INFO ("first picture %" G_GINT64_FORMAT " ms after the POST",
      wait / 1000);
  /* the next keyframe is ~7 s away */
  fail_unless (wait < (gint64) MIN (whep_test_slow (2000), 5000) * 1000,
      "waited %" G_GINT64_FORMAT " ms", wait / 1000);
  fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
      (late), 1);
  /* and it goes on at the live edge, not stuck in the burst */
  fail_unless (whep_test_client_wait_frames (late,
          whep_test_client_get_video_frames (late) + 30, 0, 10000));

  whep_test_client_free (late);
  whep_test_client_free (early);
  whep_test_sender_stop (sender);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_per_viewer_send_path_plays)
{
  WhepTestServer *s = whep_test_server_start
      (AV_PIPELINE ("send-path=per-viewer"), GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, NULL, 0 };
  WhepTestClient *viewer = viewer_connect (s, &config);

  fail_unless (whep_test_client_wait_frames (viewer, 15, 10, 15000));
  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

static Suite *
whepsendpath_suite (void)
{
  Suite *s = suite_create ("whepsendpath");
  TCase *tc_rtcp = tcase_create ("rtcp");
  TCase *tc_join = tcase_create ("join");
  TCase *tc_paths = tcase_create ("paths");

  tcase_add_test (tc_rtcp, test_sender_reports_for_video_and_audio);
  tcase_add_test (tc_rtcp, test_nack_recovers_lost_packets);
  suite_add_tcase (s, tc_rtcp);

  tcase_add_test (tc_join, test_every_viewer_starts_at_a_keyframe);
  tcase_add_test (tc_join, test_joiner_starts_from_the_held_keyframe);
  suite_add_tcase (s, tc_join);

  tcase_add_test (tc_paths, test_per_viewer_send_path_plays);
  suite_add_tcase (s, tc_paths);
  return s;
}

GST_CHECK_MAIN (whepsendpath);

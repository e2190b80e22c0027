/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Streams that browsers cannot play as they are, as real viewers see them:
 * AAC, MPEG-1 Layer II and AC-3 audio reach every viewer as Opus that it
 * decodes, converted once in whepsink however many viewers there are; with
 * audio-transcode=never the audio is left out (the answer rejects the
 * audio m-line, whepsink warns) and the video still plays. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "whep-test-client.h"
#include "whep-test-server.h"

#define VIDEO \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30"

#define H265(gop) \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=" #gop \
  " ! h265parse"

#define H265_PIPELINE(audio, sink_props) \
  H265 (30) " ! mux. " audio " ! mux. mpegtsmux name=mux ! " \
  "whepsink name=whep port=0 " sink_props

#define UDP_SERVER \
  "udpsrc name=in port=0 address=127.0.0.1 " \
  "caps=\"video/mpegts,systemstream=(boolean)true,packetsize=188\" ! " \
  "whepsink name=whep port=0"

/* a payload type Chromium uses for H.265: below 96, which the shared send
 * path writes into each packet itself */
#define H265_PT 49
/* rtph265pay 1.22 takes only 96-127: the per-viewer path's payloader */
#define H265_PT_DYNAMIC 100

/* x264enc left to itself on a 4:4:4 picture: what browsers cannot decode */
#define H264_444 \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=Y444,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! " \
  "video/x-h264,profile=high-4:4:4"

#define TONE "audiotestsrc is-live=true ! audioconvert ! audioresample ! "

/* the encoders are gst-libav's, the parsers make the caps mpegtsmux wants */
#define AAC TONE "avenc_aac ! aacparse"
#define MP2 TONE "avenc_mp2 ! mpegaudioparse"
#define AC3 TONE "audio/x-raw,channels=2 ! avenc_ac3 ! ac3parse"

#define AV_PIPELINE(video, audio, sink_props) \
  video " ! mux. " audio " ! mux. mpegtsmux name=mux ! " \
  "whepsink name=whep port=0 " sink_props

#define PIPELINE(audio, sink_props) AV_PIPELINE (VIDEO, audio, sink_props)

#define AUDIO_ONLY(audio) \
  audio " ! mpegtsmux ! whepsink name=whep port=0"

#define WAIT_FOR WHEP_TEST_WAIT_FOR

static WhepTestClient *
connect_config (WhepTestServer * s, const WhepTestClientConfig * config)
{
  WhepTestClient *client = whep_test_client_new (s->endpoint, config);
  GError *error = NULL;

  fail_unless_equals_int (whep_test_client_connect (client, &error), 201);
  g_assert_no_error (error);
  return client;
}

static WhepTestClient *
viewer_connect (WhepTestServer * s, gboolean video, gboolean audio)
{
  WhepTestClientConfig config = { video, audio, TRUE, NULL, 0, 0 };

  return connect_config (s, &config);
}

/* A viewer that offers H.265 (and H.264 after it), as Chromium with H.265
 * does. */
static WhepTestClient *
h265_viewer_connect_pt (WhepTestServer * s, gboolean audio, gint pt)
{
  WhepTestClientConfig config = { TRUE, audio, TRUE, NULL, 0, pt };

  return connect_config (s, &config);
}

static WhepTestClient *
h265_viewer_connect (WhepTestServer * s, gboolean audio)
{
  WhepTestClientConfig config = { TRUE, audio, TRUE, NULL, 0, H265_PT };

  return connect_config (s, &config);
}

/* Whether the answer's m-line of @media is rejected: port 0, or (when it
 * is the m-line that carries the BUNDLE transport, which must stay)
 * a=inactive. */
static gboolean
answer_rejects (WhepTestClient * client, const gchar * media)
{
  const gchar *answer = whep_test_client_get_answer (client);
  gchar *mline = g_strdup_printf ("m=%s ", media);
  const gchar *start = strstr (answer, mline);
  const gchar *end;
  gchar *section;
  gboolean rejected;

  g_free (mline);
  fail_unless (start != NULL, "no %s m-line in %s", media, answer);
  end = strstr (start + 2, "\r\nm=");
  section = end ? g_strndup (start, end - start) : g_strdup (start);
  rejected = g_str_has_prefix (section + strlen (media) + 2, "0 ") ||
      strstr (section, "a=inactive") != NULL;
  g_free (section);
  return rejected;
}

/* The answer's m-line of @media ("audio", "video") accepts (a port other
 * than 0) and names @codec in an rtpmap. */
static void
assert_answer_sends (WhepTestClient * client, const gchar * media,
    const gchar * codec)
{
  const gchar *answer = whep_test_client_get_answer (client);
  gchar *rejected = g_strdup_printf ("m=%s 0 ", media);
  gchar *mline = g_strdup_printf ("m=%s ", media);

  fail_unless (strstr (answer, mline) != NULL, "no %s m-line in %s", media,
      answer);
  fail_unless (strstr (answer, rejected) == NULL && !answer_rejects (client,
          media), "%s rejected in %s", media, answer);
  fail_unless (strstr (answer, codec) != NULL, "no %s in %s", codec, answer);
  g_free (rejected);
  g_free (mline);
}

/* How many elements made by @factory are in @bin, at any depth. */
static guint
count_elements (GstElement * bin, const gchar * factory)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;
  guint n = 0;

  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:{
        GstElementFactory *f =
            gst_element_get_factory (g_value_get_object (&item));

        if (f && g_strcmp0 (GST_OBJECT_NAME (f), factory) == 0)
          n++;
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        n = 0;
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

/* The first element made by @factory in @bin, at any depth, or NULL. */
static GstElement *
find_element (GstElement * bin, const gchar * factory)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *f =
        gst_element_get_factory (g_value_get_object (&item));

    if (f && g_strcmp0 (GST_OBJECT_NAME (f), factory) == 0)
      found = g_value_dup_object (&item);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* The H.264 profile whepsink payloads (the caps into its rtph264pay), or
 * NULL; free it. */
static gchar *
payloaded_h264_profile (WhepTestServer * s)
{
  GstElement *pay = find_element (s->whep, "rtph264pay");
  GstPad *pad;
  GstCaps *caps;
  gchar *profile = NULL;

  if (pay == NULL)
    return NULL;
  pad = gst_element_get_static_pad (pay, "sink");
  caps = gst_pad_get_current_caps (pad);
  if (caps)
    profile = g_strdup (gst_structure_get_string (gst_caps_get_structure
            (caps, 0), "profile"));
  gst_clear_caps (&caps);
  gst_object_unref (pad);
  gst_object_unref (pay);
  return profile;
}

/* Whether whepsink posted a warning whose text contains @needle (the
 * messages on the pipeline's bus so far are consumed). */
static gboolean
take_whep_warning (WhepTestServer * s, const gchar * needle)
{
  GstBus *bus = gst_element_get_bus (s->pipeline);
  GstMessage *msg;
  gboolean found = FALSE;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *error = NULL;
    gchar *debug = NULL;

    gst_message_parse_warning (msg, &error, &debug);
    GST_INFO ("warning from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg),
        error->message, debug);
    if (GST_MESSAGE_SRC (msg) == GST_OBJECT_CAST (s->whep) &&
        strstr (error->message, needle))
      found = TRUE;
    g_clear_error (&error);
    g_free (debug);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return found;
}

/* A viewer of @pipeline gets Opus in its answer and decodes audio buffers
 * (and pictures, if the stream has video). */
static void
check_audio_becomes_opus (const gchar * pipeline, gboolean video)
{
  WhepTestServer *s = whep_test_server_start (pipeline, GST_STATE_PLAYING);
  WhepTestClient *viewer = viewer_connect (s, video, TRUE);

  assert_answer_sends (viewer, "audio", "OPUS/48000/2");
  if (video)
    assert_answer_sends (viewer, "video", "H264/90000");
  /* 25 decoded Opus buffers: half a second of 20 ms frames */
  fail_unless (whep_test_client_wait_frames (viewer, video ? 10 : 0, 25,
          20000), "%u pictures, %u audio buffers decoded",
      whep_test_client_get_video_frames (viewer),
      whep_test_client_get_audio_buffers (viewer));
  fail_unless_equals_int (count_elements (s->whep, "opusenc"), 1);

  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

/* ---------------------------------------------------------------------- */

GST_START_TEST (test_aac_reaches_viewers_as_opus)
{
  check_audio_becomes_opus (PIPELINE (AAC, ""), TRUE);
}

GST_END_TEST;

GST_START_TEST (test_mp2_reaches_viewers_as_opus)
{
  check_audio_becomes_opus (PIPELINE (MP2, ""), TRUE);
}

GST_END_TEST;

GST_START_TEST (test_ac3_reaches_viewers_as_opus)
{
  check_audio_becomes_opus (PIPELINE (AC3, ""), TRUE);
}

GST_END_TEST;

/* An audio-only stream of AAC: the PMT's audio is a track at once. */
GST_START_TEST (test_audio_only_aac)
{
  check_audio_becomes_opus (AUDIO_ONLY (AAC), FALSE);
}

GST_END_TEST;

/* Three viewers, one conversion: exactly one decoder and one opusenc in
 * whepsink, and each viewer decodes the audio. */
GST_START_TEST (test_one_conversion_for_all_viewers)
{
  WhepTestServer *s = whep_test_server_start (PIPELINE (AAC, ""),
      GST_STATE_PLAYING);
  WhepTestClient *viewers[3];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (viewers); i++)
    viewers[i] = viewer_connect (s, TRUE, TRUE);
  for (i = 0; i < G_N_ELEMENTS (viewers); i++)
    fail_unless (whep_test_client_wait_frames (viewers[i], 10, 25, 20000),
        "viewer %u: %u pictures, %u audio buffers decoded", i,
        whep_test_client_get_video_frames (viewers[i]),
        whep_test_client_get_audio_buffers (viewers[i]));

  fail_unless_equals_int (count_elements (s->whep, "opusenc"), 1);
  fail_unless_equals_int (count_elements (s->whep, "avdec_aac"), 1);
  /* on the shared send path the Opus is payloaded once too */
  fail_unless_equals_int (count_elements (s->whep, "rtpopuspay"), 1);

  for (i = 0; i < G_N_ELEMENTS (viewers); i++)
    whep_test_client_free (viewers[i]);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* audio-transcode=never: the audio m-line is rejected, whepsink says why,
 * nothing is converted, and the video plays. */
GST_START_TEST (test_never_leaves_the_audio_out)
{
  WhepTestServer *s = whep_test_server_start
      (PIPELINE (AAC, "audio-transcode=never"), GST_STATE_PLAYING);
  WhepTestClient *viewer = viewer_connect (s, TRUE, TRUE);
  gboolean warned = FALSE;

  fail_unless (answer_rejects (viewer, "audio"), "audio not rejected: %s",
      whep_test_client_get_answer (viewer));
  assert_answer_sends (viewer, "video", "H264/90000");
  fail_unless (whep_test_client_wait_frames (viewer, 30, 0, 20000));
  fail_unless_equals_int (whep_test_client_get_audio_buffers (viewer), 0);
  fail_unless_equals_int (count_elements (s->whep, "opusenc"), 0);
  /* the warning came with the PMT, before the answer */
  WAIT_FOR ((warned = warned || take_whep_warning (s,
              "audio-transcode=never")), 5000);
  fail_unless (warned, "no warning naming audio-transcode=never");

  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* Audio only and audio-transcode=never: the program has nothing to serve,
 * as with any program whepsink cannot serve, so a viewer's offer waits
 * out ready-timeout and gets 503; the warning says why. */
GST_START_TEST (test_never_audio_only_is_not_served)
{
  WhepTestServer *s = whep_test_server_start
      (AUDIO_ONLY (AAC) " audio-transcode=never ready-timeout=2",
      GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, NULL, 0 };
  WhepTestClient *viewer = whep_test_client_new (s->endpoint, &config);

  fail_unless_equals_int (whep_test_client_connect (viewer, NULL), 503);
  fail_unless (take_whep_warning (s, "audio-transcode=never"));
  fail_unless_equals_int (count_elements (s->whep, "opusenc"), 0);
  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* H.265 goes as it is to a viewer that offers it, starting at a keyframe;
 * the AAC beside it arrives as Opus.  Payloaded once. */
GST_START_TEST (test_h265_to_viewers_that_offer_it)
{
  WhepTestServer *s = whep_test_server_start (H265_PIPELINE (AAC, ""),
      GST_STATE_PLAYING);
  WhepTestClient *a = h265_viewer_connect (s, TRUE);
  WhepTestClient *b = h265_viewer_connect (s, FALSE);
  gint w, h;

  assert_answer_sends (a, "video", "H265/90000");
  assert_answer_sends (a, "audio", "OPUS/48000/2");
  fail_unless (strstr (whep_test_client_get_answer (a), "H264") == NULL);
  fail_unless (whep_test_client_wait_frames (a, 15, 25, 30000),
      "%u pictures, %u audio buffers decoded",
      whep_test_client_get_video_frames (a),
      whep_test_client_get_audio_buffers (a));
  fail_unless (whep_test_client_wait_frames (b, 15, 0, 30000));
  whep_test_client_get_video_size (a, &w, &h);
  fail_unless_equals_int (w, 320);
  fail_unless_equals_int (h, 240);
  fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
      (a), 1);
  fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
      (b), 1);
  fail_unless_equals_int (count_elements (s->whep, "rtph265pay"), 1);
  /* no viewer needs H.264: nothing is converted */
  fail_unless_equals_int (count_elements (s->whep, "x264enc"), 0);
  fail_unless_equals_int (count_elements (s->whep, "avdec_h265"), 0);

  whep_test_client_free (a);
  whep_test_client_free (b);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* video-transcode=never: a viewer without H.265 in its offer gets its
 * video m-line rejected with the reason, its audio plays; nothing is
 * converted. */
GST_START_TEST (test_h265_never_for_viewers_without_it)
{
  WhepTestServer *s = whep_test_server_start
      (H265_PIPELINE (AAC, "video-transcode=never"), GST_STATE_PLAYING);
  WhepTestClient *viewer = viewer_connect (s, TRUE, TRUE);

  fail_unless (answer_rejects (viewer, "video"), "video not rejected: %s",
      whep_test_client_get_answer (viewer));
  assert_answer_sends (viewer, "audio", "OPUS/48000/2");
  fail_unless (whep_test_client_wait_frames (viewer, 0, 25, 20000));
  fail_unless_equals_int (whep_test_client_get_video_frames (viewer), 0);
  fail_unless_equals_int (count_elements (s->whep, "x264enc"), 0);
  fail_unless_equals_int (count_elements (s->whep, "avdec_h265"), 0);

  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* video-transcode=auto (the default): viewers without H.265 get H.264
 * made from it (from the first such viewer on), which they decode from a
 * keyframe on, while a viewer with H.265 gets the H.265 itself, at the
 * same time.  One decoder and one encoder for all. */
GST_START_TEST (test_h265_to_h264_for_viewers_without_it)
{
  WhepTestServer *s = whep_test_server_start (H265_PIPELINE (AAC, ""),
      GST_STATE_PLAYING);
  WhepTestClient *h264[2], *h265;
  gint w, h;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (h264); i++)
    h264[i] = viewer_connect (s, TRUE, TRUE);
  h265 = h265_viewer_connect (s, FALSE);

  for (i = 0; i < G_N_ELEMENTS (h264); i++) {
    assert_answer_sends (h264[i], "video", "H264/90000");
    assert_answer_sends (h264[i], "audio", "OPUS/48000/2");
    fail_unless (whep_test_client_wait_frames (h264[i], 15, 25, 30000),
        "viewer %u: %u pictures, %u audio buffers decoded", i,
        whep_test_client_get_video_frames (h264[i]),
        whep_test_client_get_audio_buffers (h264[i]));
    whep_test_client_get_video_size (h264[i], &w, &h);
    fail_unless_equals_int (w, 320);
    fail_unless_equals_int (h, 240);
    fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
        (h264[i]), 1);
  }
  assert_answer_sends (h265, "video", "H265/90000");
  fail_unless (whep_test_client_wait_frames (h265, 15, 0, 30000));
  fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
      (h265), 1);

  fail_unless_equals_int (count_elements (s->whep, "avdec_h265"), 1);
  fail_unless_equals_int (count_elements (s->whep, "x264enc"), 1);
  fail_unless_equals_int (count_elements (s->whep, "rtph264pay"), 1);
  fail_unless_equals_int (count_elements (s->whep, "rtph265pay"), 1);
  fail_unless_equals_int (count_elements (s->whep, "opusenc"), 1);

  for (i = 0; i < G_N_ELEMENTS (h264); i++)
    whep_test_client_free (h264[i]);
  whep_test_client_free (h265);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* The same on the per-viewer send path: the H.264 viewer's branch takes
 * the converted track. */
GST_START_TEST (test_h265_to_h264_per_viewer_send_path)
{
  WhepTestServer *s = whep_test_server_start
      (H265_PIPELINE (AAC, "send-path=per-viewer"), GST_STATE_PLAYING);
  WhepTestClient *viewer = viewer_connect (s, TRUE, TRUE);

  assert_answer_sends (viewer, "video", "H264/90000");
  fail_unless (whep_test_client_wait_frames (viewer, 15, 25, 30000));
  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* An external H.265 encoder with a 10 s GOP: a viewer joining mid-GOP
 * starts from the keyframe (VPS, SPS, PPS, IDR) the send path holds, found
 * by the H.265 detection, not after the next one. */
GST_START_TEST (test_h265_joiner_starts_from_the_held_keyframe)
{
  WhepTestServer *s = whep_test_server_start (UDP_SERVER, GST_STATE_PLAYING);
  GstElement *sender = whep_test_udp_sender_start
      (whep_test_server_udp_port (s, "in"), H265 (300) " ! mux. ");
  WhepTestClient *early, *late;
  gint64 wait;

  early = h265_viewer_connect (s, FALSE);
  fail_unless (whep_test_client_wait_frames (early, 90, 0, 30000));

  late = h265_viewer_connect (s, FALSE);
  fail_unless (whep_test_client_wait_frames (late, 1, 0, 15000));
  wait = whep_test_client_get_first_video_time (late) -
      whep_test_client_get_post_time (late);
  GST_INFO ("first picture %" G_GINT64_FORMAT " ms after the POST",
      wait / 1000);
  /* the next keyframe is ~7 s away */
  fail_unless (wait < (gint64) MIN (whep_test_slow (3000), 5000) * 1000,
      "waited %" G_GINT64_FORMAT " ms", wait / 1000);
  fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
      (late), 1);
  fail_unless (whep_test_client_wait_frames (late,
          whep_test_client_get_video_frames (late) + 30, 0, 15000));

  whep_test_client_free (late);
  whep_test_client_free (early);
  whep_test_sender_stop (sender);
  whep_test_server_stop (s);
}

GST_END_TEST;

static GstPadProbeReturn
count_buffers (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

/* Waits until @client has decoded @n more pictures. */
static gboolean
wait_more_frames (WhepTestClient * client, guint n)
{
  return whep_test_client_wait_frames (client,
      whep_test_client_get_video_frames (client) + n, 0, 15000);
}

/* The H.265 to H.264 conversion costs nothing once the last viewer that
 * took its H.264 is gone (its encoder gets no picture while the H.265
 * viewer plays on), and the next such viewer wakes it: it starts from a
 * keyframe and plays.  An external encoder: no keyframe on request. */
GST_START_TEST (test_h265_to_h264_rests_without_its_viewers)
{
  WhepTestServer *s = whep_test_server_start (UDP_SERVER, GST_STATE_PLAYING);
  GstElement *sender = whep_test_udp_sender_start
      (whep_test_server_udp_port (s, "in"), H265 (30) " ! mux. ");
  WhepTestClient *h265, *h264;
  GstElement *encoder;
  GstPad *encoder_sink;
  gint encoded = 0, before = 0;
  gboolean rested;
  gulong probe;
  guint i;

  h265 = h265_viewer_connect (s, FALSE);
  h264 = viewer_connect (s, TRUE, FALSE);
  assert_answer_sends (h264, "video", "H264/90000");
  fail_unless (whep_test_client_wait_frames (h264, 15, 0, 30000));
  encoder = find_element (s->whep, "x264enc");
  fail_unless (encoder != NULL);
  encoder_sink = gst_element_get_static_pad (encoder, "sink");
  probe = gst_pad_add_probe (encoder_sink, GST_PAD_PROBE_TYPE_BUFFER,
      count_buffers, &encoded, NULL);

  fail_unless_equals_int (whep_test_client_delete (h264), 200);
  whep_test_client_free (h264);
  fail_unless (whep_test_server_wait_sessions (s, 1, 10000));
  /* what was on its way (up to a second in the conversion's queue)
   * drains, however slowly this machine does it; then the encoder gets
   * nothing while the H.265 viewer plays on */
  for (i = 0, rested = FALSE; i < 10 && !rested; i++) {
    before = g_atomic_int_get (&encoded);
    fail_unless (wait_more_frames (h265, 30));
    rested = g_atomic_int_get (&encoded) == before;
  }
  fail_unless (rested, "the encoder still gets pictures (%d)",
      g_atomic_int_get (&encoded));
  fail_unless (wait_more_frames (h265, 60));
  fail_unless_equals_int (g_atomic_int_get (&encoded), before);

  /* the next viewer without H.265 wakes it */
  h264 = viewer_connect (s, TRUE, FALSE);
  assert_answer_sends (h264, "video", "H264/90000");
  fail_unless (whep_test_client_wait_frames (h264, 30, 0, 30000));
  fail_unless_equals_int (whep_test_client_first_video_packet_was_keyframe
      (h264), 1);
  fail_unless (g_atomic_int_get (&encoded) > before);
  fail_unless_equals_int (count_elements (s->whep, "x264enc"), 1);

  gst_pad_remove_probe (encoder_sink, probe);
  gst_object_unref (encoder_sink);
  gst_object_unref (encoder);
  whep_test_client_free (h264);
  whep_test_client_free (h265);
  whep_test_sender_stop (sender);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* The feed switches from H.264 to H.265 under a viewer answered with
 * H.264: the conversion starts for it, and it plays on. */
GST_START_TEST (test_switch_to_h265_under_an_h264_viewer)
{
  WhepTestServer *s = whep_test_server_start (UDP_SERVER, GST_STATE_PLAYING);
  guint port = whep_test_server_udp_port (s, "in");
  GstElement *sender = whep_test_udp_sender_start (port, VIDEO " ! mux. ");
  WhepTestClient *h264;

  h264 = viewer_connect (s, TRUE, FALSE);
  assert_answer_sends (h264, "video", "H264/90000");
  fail_unless (whep_test_client_wait_frames (h264, 15, 0, 30000));
  whep_test_sender_stop (sender);

  sender = whep_test_udp_sender_start (port, H265 (30) " ! mux. ");
  fail_unless (wait_more_frames (h264, 30), "%u pictures",
      whep_test_client_get_video_frames (h264));
  fail_unless_equals_int (count_elements (s->whep, "x264enc"), 1);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);

  whep_test_client_free (h264);
  whep_test_sender_stop (sender);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* The per-viewer send path payloads H.265 per viewer, and it plays, with
 * a dynamic payload type and with Chromium's (below 96, which rtph265pay
 * 1.22 does not take). */
GST_START_TEST (test_h265_per_viewer_send_path)
{
  WhepTestServer *s = whep_test_server_start
      (H265_PIPELINE (AAC, "send-path=per-viewer"), GST_STATE_PLAYING);
  gint pts[] = { H265_PT_DYNAMIC, H265_PT };
  WhepTestClient *viewer;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (pts); i++) {
    viewer = h265_viewer_connect_pt (s, TRUE, pts[i]);
    assert_answer_sends (viewer, "video", "H265/90000");
    fail_unless (whep_test_client_wait_frames (viewer, 15, 25, 30000),
        "payload type %d: %u pictures", pts[i],
        whep_test_client_get_video_frames (viewer));
    whep_test_client_free (viewer);
  }
  whep_test_server_stop (s);
}

GST_END_TEST;

/* H.264 High 4:4:4, which browsers negotiate but do not play: with
 * video-transcode=auto it is converted once to Constrained Baseline, and
 * the viewer is answered only then, and decodes it. */
GST_START_TEST (test_h264_444_converted_for_browsers)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (H264_444,
          AAC, ""), GST_STATE_PLAYING);
  WhepTestClient *viewer = viewer_connect (s, TRUE, TRUE);
  gchar *profile;

  assert_answer_sends (viewer, "video", "H264/90000");
  fail_unless (whep_test_client_wait_frames (viewer, 15, 25, 30000));
  /* what the viewer is answered for and sent is the converted stream */
  profile = payloaded_h264_profile (s);
  fail_unless_equals_string (profile, "constrained-baseline");
  g_free (profile);
  fail_unless_equals_int (count_elements (s->whep, "avdec_h264"), 1);
  fail_unless_equals_int (count_elements (s->whep, "x264enc"), 1);
  fail_if (take_whep_warning (s, "browsers do not decode"));

  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* The same with video-transcode=never: sent as it is, with the warning. */
GST_START_TEST (test_h264_444_never_warns)
{
  WhepTestServer *s = whep_test_server_start (AV_PIPELINE (H264_444,
          AAC, "video-transcode=never"), GST_STATE_PLAYING);
  WhepTestClient *viewer = viewer_connect (s, TRUE, FALSE);
  gboolean warned = FALSE;
  gchar *profile;

  fail_unless (whep_test_client_wait_frames (viewer, 5, 0, 30000));
  profile = payloaded_h264_profile (s);
  fail_unless_equals_string (profile, "high-4:4:4");
  g_free (profile);
  fail_unless_equals_int (count_elements (s->whep, "x264enc"), 0);
  WAIT_FOR ((warned = warned || take_whep_warning (s,
              "browsers do not decode")), 5000);
  fail_unless (warned, "no warning about the profile");

  whep_test_client_free (viewer);
  whep_test_server_stop (s);
}

GST_END_TEST;

static Suite *
wheptranscode_suite (void)
{
  Suite *s = suite_create ("wheptranscode");
  TCase *tc_audio = tcase_create ("audio");
  TCase *tc_shared = tcase_create ("shared");
  TCase *tc_never = tcase_create ("never");
  TCase *tc_h265 = tcase_create ("h265");
  TCase *tc_h264 = tcase_create ("h264-profiles");

  tcase_add_test (tc_audio, test_aac_reaches_viewers_as_opus);
  tcase_add_test (tc_audio, test_mp2_reaches_viewers_as_opus);
  tcase_add_test (tc_audio, test_ac3_reaches_viewers_as_opus);
  tcase_add_test (tc_audio, test_audio_only_aac);
  suite_add_tcase (s, tc_audio);

  tcase_add_test (tc_shared, test_one_conversion_for_all_viewers);
  suite_add_tcase (s, tc_shared);

  tcase_add_test (tc_never, test_never_leaves_the_audio_out);
  tcase_add_test (tc_never, test_never_audio_only_is_not_served);
  suite_add_tcase (s, tc_never);

  tcase_add_test (tc_h265, test_h265_to_viewers_that_offer_it);
  tcase_add_test (tc_h265, test_h265_never_for_viewers_without_it);
  tcase_add_test (tc_h265, test_h265_to_h264_for_viewers_without_it);
  tcase_add_test (tc_h265, test_h265_to_h264_per_viewer_send_path);
  tcase_add_test (tc_h265, test_h265_joiner_starts_from_the_held_keyframe);
  tcase_add_test (tc_h265, test_h265_to_h264_rests_without_its_viewers);
  tcase_add_test (tc_h265, test_switch_to_h265_under_an_h264_viewer);
  tcase_add_test (tc_h265, test_h265_per_viewer_send_path);
  suite_add_tcase (s, tc_h265);

  tcase_add_test (tc_h264, test_h264_444_converted_for_browsers);
  tcase_add_test (tc_h264, test_h264_444_never_warns);
  suite_add_tcase (s, tc_h264);
  return s;
}

GST_CHECK_MAIN (wheptranscode);

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "whep-audio-codec.h"

/* A PMT entry of @stream_type with @desc (taken; may be NULL). */
static GstMpegtsPMTStream *
pmt_stream (guint8 stream_type, GstMpegtsDescriptor * desc)
{
  GstMpegtsPMTStream *stream = gst_mpegts_pmt_stream_new ();

  stream->stream_type = stream_type;
  stream->pid = 0x42;
  if (desc)
    g_ptr_array_add (stream->descriptors, desc);
  return stream;
}

static WhepAudioCodec
codec_of (guint8 stream_type, GstMpegtsDescriptor * desc)
{
  GstMpegtsPMTStream *stream = pmt_stream (stream_type, desc);
  WhepAudioCodec codec = whep_audio_codec_from_pmt (stream);

  g_boxed_free (GST_TYPE_MPEGTS_PMT_STREAM, stream);
  return codec;
}

static GstMpegtsDescriptor *
registration (const gchar * id)
{
  return gst_mpegts_descriptor_from_registration (id, NULL, 0);
}

/* A DVB descriptor with a one-byte body of flags, none set. */
static GstMpegtsDescriptor *
dvb (guint8 tag)
{
  const guint8 flags = 0;

  return gst_mpegts_descriptor_from_custom (tag, &flags, 1);
}

GST_START_TEST (test_stream_types)
{
  fail_unless_equals_int (codec_of (0x0f, NULL), WHEP_AUDIO_CODEC_AAC);
  fail_unless_equals_int (codec_of (0x11, NULL), WHEP_AUDIO_CODEC_AAC_LATM);
  fail_unless_equals_int (codec_of (0x03, NULL), WHEP_AUDIO_CODEC_MPEG);
  fail_unless_equals_int (codec_of (0x04, NULL), WHEP_AUDIO_CODEC_MPEG);
  fail_unless_equals_int (codec_of (0x81, NULL), WHEP_AUDIO_CODEC_AC3);
  fail_unless_equals_int (codec_of (0x87, NULL), WHEP_AUDIO_CODEC_EAC3);
  /* video, and private data that says nothing */
  fail_unless_equals_int (codec_of (0x1b, NULL), WHEP_AUDIO_CODEC_NONE);
  fail_unless_equals_int (codec_of (0x24, NULL), WHEP_AUDIO_CODEC_NONE);
  fail_unless_equals_int (codec_of (0x06, NULL), WHEP_AUDIO_CODEC_NONE);
}

GST_END_TEST;

/* Private PES (0x06): DVB's AC-3 and enhanced AC-3 descriptors, and the
 * registrations mpegtsmux and other muxers write. */
GST_START_TEST (test_private_streams_by_descriptor)
{
  fail_unless_equals_int (codec_of (0x06, dvb (GST_MTS_DESC_DVB_AC3)),
      WHEP_AUDIO_CODEC_AC3);
  fail_unless_equals_int (codec_of (0x06, dvb (GST_MTS_DESC_DVB_ENHANCED_AC3)),
      WHEP_AUDIO_CODEC_EAC3);
  fail_unless_equals_int (codec_of (0x06, registration ("Opus")),
      WHEP_AUDIO_CODEC_OPUS);
  fail_unless_equals_int (codec_of (0x06, registration ("AC-3")),
      WHEP_AUDIO_CODEC_AC3);
  fail_unless_equals_int (codec_of (0x06, registration ("EAC3")),
      WHEP_AUDIO_CODEC_EAC3);
  /* subtitles or anything else registered: not audio */
  fail_unless_equals_int (codec_of (0x06, registration ("KLVA")),
      WHEP_AUDIO_CODEC_NONE);
  fail_unless_equals_int (codec_of (0x06, dvb (GST_MTS_DESC_DVB_SUBTITLING)),
      WHEP_AUDIO_CODEC_NONE);
}

GST_END_TEST;

static WhepAudioCodec
codec_of_caps (const gchar * description)
{
  GstCaps *caps = gst_caps_from_string (description);
  WhepAudioCodec codec = whep_audio_codec_from_caps (caps);

  gst_caps_unref (caps);
  return codec;
}

/* What tsdemux 1.22 puts on its pads for each. */
GST_START_TEST (test_demuxer_caps)
{
  fail_unless_equals_int (codec_of_caps ("audio/x-opus, channel-mapping-family"
          "=(int)0"), WHEP_AUDIO_CODEC_OPUS);
  fail_unless_equals_int (codec_of_caps ("audio/mpeg, mpegversion=(int)4, "
          "stream-format=(string)adts"), WHEP_AUDIO_CODEC_AAC);
  fail_unless_equals_int (codec_of_caps ("audio/mpeg, mpegversion=(int)4, "
          "stream-format=(string)loas"), WHEP_AUDIO_CODEC_AAC_LATM);
  fail_unless_equals_int (codec_of_caps ("audio/mpeg, mpegversion=(int)2, "
          "stream-format=(string)adts"), WHEP_AUDIO_CODEC_AAC);
  fail_unless_equals_int (codec_of_caps ("audio/mpeg, mpegversion=(int)1"),
      WHEP_AUDIO_CODEC_MPEG);
  fail_unless_equals_int (codec_of_caps ("audio/x-ac3"), WHEP_AUDIO_CODEC_AC3);
  fail_unless_equals_int (codec_of_caps ("audio/x-eac3"),
      WHEP_AUDIO_CODEC_EAC3);
  fail_unless_equals_int (codec_of_caps ("audio/mpeg"), WHEP_AUDIO_CODEC_NONE);
  fail_unless_equals_int (codec_of_caps ("video/x-h264"),
      WHEP_AUDIO_CODEC_NONE);
  fail_unless_equals_int (codec_of_caps ("ANY"), WHEP_AUDIO_CODEC_NONE);
  fail_unless_equals_int (codec_of_caps ("EMPTY"), WHEP_AUDIO_CODEC_NONE);
  fail_unless_equals_int (whep_audio_codec_from_caps (NULL),
      WHEP_AUDIO_CODEC_NONE);
}

GST_END_TEST;

GST_START_TEST (test_which_are_converted)
{
  WhepAudioCodec c;

  fail_if (whep_audio_codec_needs_transcode (WHEP_AUDIO_CODEC_NONE));
  fail_if (whep_audio_codec_needs_transcode (WHEP_AUDIO_CODEC_OPUS));
  for (c = WHEP_AUDIO_CODEC_AAC; c < WHEP_AUDIO_CODEC_LAST; c++)
    fail_unless (whep_audio_codec_needs_transcode (c), "codec %d", c);
  fail_if (whep_audio_codec_needs_transcode (WHEP_AUDIO_CODEC_LAST));
}

GST_END_TEST;

static Suite *
audiocodec_suite (void)
{
  Suite *s = suite_create ("whep-audio-codec");
  TCase *tc = tcase_create ("detection");

  gst_mpegts_initialize ();
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_stream_types);
  tcase_add_test (tc, test_private_streams_by_descriptor);
  tcase_add_test (tc, test_demuxer_caps);
  tcase_add_test (tc, test_which_are_converted);
  return s;
}

GST_CHECK_MAIN (audiocodec);

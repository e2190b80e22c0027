/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwheptranscode.h"

GST_DEBUG_CATEGORY_STATIC (whep_transcode_debug);
#define GST_CAT_DEFAULT whep_transcode_debug

/* Opus for WebRTC: 20 ms frames (what browsers send and expect), the
 * restricted low-delay mode (CELT only: 2.5 ms look-ahead instead of 6.5),
 * and a bitrate that carries broadcast stereo music well. */
#define OPUS_FRAME_SIZE "20"
#define OPUS_AUDIO_TYPE "restricted-lowdelay"
#define OPUS_BITRATE 96000

/* H.264 for viewers that cannot receive H.265: the encoder's fastest,
 * lowest-delay settings (no B-frames, no lookahead, one frame in and one
 * out), a keyframe at least every 2 s at 30 fps besides those viewers
 * ask for, and Constrained Baseline 4:2:0, which every browser decodes. */
#define H264_BITRATE_KBPS 2500
#define H264_KEY_INT_MAX 60
#define H264_CAPS "video/x-h264, profile=(string)constrained-baseline"
/* Between the H.265 track and the decoder: the H.265 viewers must never
 * wait for the encoder.  If it falls behind, the oldest frames go (the
 * H.264 picture breaks up until the next keyframe) rather than the tee
 * blocking. */
#define VIDEO_TRANSCODE_QUEUE_TIME (1 * GST_SECOND)

typedef struct
{
  const gchar *id;              /* in the bin's name */
  const gchar *name;            /* for people */
  const gchar *parser;
  /* the first of these that this GStreamer has is used */
  const gchar *decoders[4];
} AudioRecipe;

static const AudioRecipe audio_recipes[WHEP_AUDIO_CODEC_LAST] = {
  [WHEP_AUDIO_CODEC_NONE] = {"none", "none", NULL, {NULL}},
  [WHEP_AUDIO_CODEC_OPUS] = {"opus", "Opus", NULL, {NULL}},
  [WHEP_AUDIO_CODEC_AAC] = {"aac", "AAC", "aacparse",
      {"avdec_aac", "fdkaacdec", "faad", NULL}},
  /* aacparse passes LOAS on as it is; only the LATM decoder takes it */
  [WHEP_AUDIO_CODEC_AAC_LATM] = {"aac-latm", "AAC (LATM)", "aacparse",
      {"avdec_aac_latm", NULL}},
  /* mpg123 decodes all three layers, avdec_mp2float layer II only */
  [WHEP_AUDIO_CODEC_MPEG] = {"mpeg-audio", "MPEG audio", "mpegaudioparse",
      {"mpg123audiodec", "avdec_mp2float", "avdec_mp3", NULL}},
  [WHEP_AUDIO_CODEC_AC3] = {"ac3", "AC-3", "ac3parse",
      {"avdec_ac3", "a52dec", NULL}},
  [WHEP_AUDIO_CODEC_EAC3] = {"eac3", "E-AC-3", "ac3parse",
      {"avdec_eac3", NULL}},
};

GType
gst_whep_transcode_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_WHEP_TRANSCODE_AUTO, "Convert, once for all viewers, what WebRTC "
          "cannot carry", "auto"},
    {GST_WHEP_TRANSCODE_NEVER, "Never convert: such a track is left out, "
          "with a warning", "never"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstWhepTranscodeMode", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

static void
transcode_debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (whep_transcode_debug, "wheptranscode", 0,
        "whepsink shared conversions");
    g_once_init_leave (&done, 1);
  }
}

const gchar *
gst_whep_audio_codec_name (WhepAudioCodec codec)
{
  g_return_val_if_fail (codec < WHEP_AUDIO_CODEC_LAST, "none");
  return audio_recipes[codec].name;
}

static gboolean
factory_exists (const gchar * name)
{
  GstElementFactory *factory = gst_element_factory_find (name);

  if (factory == NULL)
    return FALSE;
  gst_object_unref (factory);
  return TRUE;
}

static const gchar *
recipe_decoder (const AudioRecipe * recipe)
{
  guint i;

  for (i = 0; recipe->decoders[i]; i++)
    if (factory_exists (recipe->decoders[i]))
      return recipe->decoders[i];
  return NULL;
}

gboolean
gst_whep_audio_transcode_possible (WhepAudioCodec codec,
    const gchar ** missing)
{
  static const gchar *const common[] = {
    "audioconvert", "audioresample", "capsfilter", "opusenc"
  };
  const AudioRecipe *recipe;
  const gchar *lack = NULL;
  guint i;

  g_return_val_if_fail (whep_audio_codec_needs_transcode (codec), FALSE);
  recipe = &audio_recipes[codec];
  if (!factory_exists (recipe->parser))
    lack = recipe->parser;
  else if (recipe_decoder (recipe) == NULL)
    lack = recipe->decoders[0];
  for (i = 0; lack == NULL && i < G_N_ELEMENTS (common); i++)
    if (!factory_exists (common[i]))
      lack = common[i];
  if (missing)
    *missing = lack;
  return lack == NULL;
}

static GstElement *
make_child (GstBin * bin, const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL) {
    GST_WARNING_OBJECT (bin, "no element '%s'", factory);
    return NULL;
  }
  gst_bin_add (bin, e);
  return e;
}

static void
add_ghost_pad (GstBin * bin, GstElement * child, const gchar * child_pad,
    const gchar * name)
{
  GstPad *target = gst_element_get_static_pad (child, child_pad);

  gst_element_add_pad (GST_ELEMENT_CAST (bin), gst_ghost_pad_new (name,
          target));
  gst_object_unref (target);
}

GstElement *
gst_whep_audio_transcoder_new (WhepAudioCodec codec)
{
  const AudioRecipe *recipe;
  GstElement *bin, *parser, *dec, *convert, *resample, *filter, *enc;
  GstCaps *caps;
  gchar *name;

  transcode_debug_init ();
  if (!gst_whep_audio_transcode_possible (codec, NULL))
    return NULL;
  recipe = &audio_recipes[codec];

  name = g_strdup_printf ("transcode-%s", recipe->id);
  bin = gst_bin_new (name);
  g_free (name);
  parser = make_child (GST_BIN (bin), recipe->parser);
  dec = make_child (GST_BIN (bin), recipe_decoder (recipe));
  convert = make_child (GST_BIN (bin), "audioconvert");
  resample = make_child (GST_BIN (bin), "audioresample");
  filter = make_child (GST_BIN (bin), "capsfilter");
  enc = make_child (GST_BIN (bin), "opusenc");
  if (!parser || !dec || !convert || !resample || !filter || !enc)
    goto failed;

  /* Opus is 48 kHz inside; WebRTC's opus/48000/2 takes mono or stereo, so
   * 5.1 AC-3 is mixed down here rather than sent as multichannel Opus
   * that browsers do not play. */
  caps = gst_caps_from_string ("audio/x-raw, rate=48000, "
      "channels=(int)[1, 2]");
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (enc, "bitrate", OPUS_BITRATE, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "frame-size", OPUS_FRAME_SIZE);
  gst_util_set_object_arg (G_OBJECT (enc), "audio-type", OPUS_AUDIO_TYPE);

  if (!gst_element_link_many (parser, dec, convert, resample, filter, enc,
          NULL))
    goto failed;
  add_ghost_pad (GST_BIN (bin), parser, "sink", "sink");
  add_ghost_pad (GST_BIN (bin), enc, "src", "src");
  GST_INFO ("%s to Opus: %s ! %s ! audioconvert ! audioresample ! opusenc",
      recipe->name, recipe->parser, GST_OBJECT_NAME (gst_element_get_factory
          (dec)));
  return bin;

failed:
  GST_WARNING ("could not build the %s to Opus conversion", recipe->name);
  gst_object_unref (gst_object_ref_sink (bin));
  return NULL;
}

static const gchar *
video_decoder (WhepVideoCodec from)
{
  return from == WHEP_VIDEO_CODEC_H265 ? "avdec_h265" : "avdec_h264";
}

gboolean
gst_whep_video_transcode_possible (WhepVideoCodec from,
    const gchar ** missing)
{
  const gchar *const needed[] = {
    "queue", "h264parse", video_decoder (from), "videoconvert", "capsfilter",
    "x264enc"
  };
  const gchar *lack = NULL;
  guint i;

  for (i = 0; lack == NULL && i < G_N_ELEMENTS (needed); i++)
    if (!factory_exists (needed[i]))
      lack = needed[i];
  if (missing)
    *missing = lack;
  return lack == NULL;
}

GstElement *
gst_whep_video_transcoder_new (WhepVideoCodec from)
{
  gboolean h265 = from == WHEP_VIDEO_CODEC_H265;
  GstElement *bin, *queue, *parse = NULL, *dec, *convert, *raw, *enc;
  GstElement *filter;
  GstCaps *caps;

  transcode_debug_init ();
  if (!gst_whep_video_transcode_possible (from, NULL))
    return NULL;

  bin = gst_bin_new (h265 ? "transcode-h265-to-h264" :
      "transcode-h264-to-baseline");
  queue = make_child (GST_BIN (bin), "queue");
  /* the demuxer's H.264 is not parsed yet; the H.265 track's is */
  if (!h265)
    parse = make_child (GST_BIN (bin), "h264parse");
  dec = make_child (GST_BIN (bin), video_decoder (from));
  convert = make_child (GST_BIN (bin), "videoconvert");
  raw = make_child (GST_BIN (bin), "capsfilter");
  enc = make_child (GST_BIN (bin), "x264enc");
  filter = make_child (GST_BIN (bin), "capsfilter");
  if (!queue || (!h265 && !parse) || !dec || !convert || !raw || !enc ||
      !filter)
    goto failed;

  g_object_set (queue, "leaky", 2 /* downstream: the oldest go */ ,
      "max-size-buffers", 0, "max-size-bytes", 0,
      "max-size-time", VIDEO_TRANSCODE_QUEUE_TIME, NULL);
  /* 10-bit, 4:2:2 and 4:4:4 become 8-bit 4:2:0 here */
  caps = gst_caps_from_string ("video/x-raw, format=I420");
  g_object_set (raw, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
  g_object_set (enc, "bitrate", H264_BITRATE_KBPS, "key-int-max",
      H264_KEY_INT_MAX, NULL);
  caps = gst_caps_from_string (H264_CAPS);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);

  if (parse && !gst_element_link (queue, parse))
    goto failed;
  if (!gst_element_link_many (parse ? parse : queue, dec, convert, raw, enc,
          filter, NULL))
    goto failed;
  add_ghost_pad (GST_BIN (bin), queue, "sink", "sink");
  add_ghost_pad (GST_BIN (bin), filter, "src", "src");
  GST_INFO ("%s to Constrained Baseline H.264: %s ! videoconvert ! x264enc",
      h265 ? "H.265" : "H.264", video_decoder (from));
  return bin;

failed:
  GST_WARNING ("could not build the video conversion");
  gst_object_unref (gst_object_ref_sink (bin));
  return NULL;
}

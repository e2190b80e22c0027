/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepmedia-private.h"
#include "gstwheptranscode.h"

#include <gst/video/video.h>

/* What feeds each track: the demuxer's pad itself, or a conversion made
 * once for all viewers (audio to Opus, H.264 to a profile browsers play,
 * H.265 to H.264), and the settings and viewers' plans that decide it. */

/* Audio that is not Opus feeds the audio track through a conversion, if
 * audio-transcode allows it and this GStreamer can. */
gboolean
media_converts_audio (GstWhepMedia * media, WhepAudioCodec codec)
{
  GstWhepTranscodeMode mode;

  if (!whep_audio_codec_needs_transcode (codec))
    return FALSE;
  g_mutex_lock (&media->lock);
  mode = media->audio_transcode;
  g_mutex_unlock (&media->lock);
  return mode == GST_WHEP_TRANSCODE_AUTO &&
      gst_whep_audio_transcode_possible (codec, NULL);
}

static void
warn_browsers_cannot_decode (GstWhepMedia * media, const gchar * profile)
{
  GST_ELEMENT_WARNING (media->bin, STREAM, FORMAT,
      ("The H.264 stream has profile %s, which browsers do not decode.",
          profile), ("ask the encoder for 8-bit 4:2:0, e.g. "
          "video/x-h264,profile=high or a format=I420 input, or let "
          "video-transcode=auto convert it"));
}

/* An H.264 stream browsers cannot decode: with video-transcode=auto the
 * demuxer's pad is linked again, through the conversion, and viewers wait
 * for its caps; else a warning.  Called with no lock held, from the
 * track's streaming thread, when its caps say so. */
void
track_handle_unplayable (GstWhepMedia * media, Track * track,
    const gchar * profile)
{
  GstPad *pad = NULL;
  gboolean convert;

  g_mutex_lock (&media->lock);
  convert = !track->convert && media->video_transcode ==
      GST_WHEP_TRANSCODE_AUTO && track->linked_pad &&
      gst_whep_video_transcode_possible (WHEP_VIDEO_CODEC_H264, NULL);
  if (convert) {
    track->convert = TRUE;
    pad = gst_object_ref (track->linked_pad);
  }
  g_mutex_unlock (&media->lock);

  if (!convert) {
    warn_browsers_cannot_decode (media, profile);
    return;
  }
  GST_INFO_OBJECT (media->bin, "H.264 %s is converted to Constrained "
      "Baseline once for all viewers", profile);
  track_link (media, track, pad);
  gst_object_unref (pad);
}

/* Unlinks whatever feeds @sinkpad. */
static void
unlink_sink_pad (GstPad * sinkpad)
{
  GstPad *old = gst_pad_get_peer (sinkpad);

  if (old) {
    gst_pad_unlink (old, sinkpad);
    gst_object_unref (old);
  }
}

/* If @pad is a conversion's output, the conversion's input is unlinked too:
 * a demuxer pad left on it would push into nothing. */
static void
unlink_transcoder_input (GstPad * pad)
{
  GstElement *element = gst_pad_get_parent_element (pad);
  GstPad *input;

  if (element == NULL)
    return;
  if (g_str_has_prefix (GST_OBJECT_NAME (element), "transcode-") &&
      (input = gst_element_get_static_pad (element, "sink"))) {
    unlink_sink_pad (input);
    gst_object_unref (input);
  }
  gst_object_unref (element);
}

/* The conversion of @codec to Opus for the audio track: the one made
 * before, or a new one in the bin.  Called with no lock held. */
static GstElement *
track_get_transcoder (GstWhepMedia * media, Track * track,
    WhepAudioCodec codec)
{
  GstElement *made, *known;

  g_mutex_lock (&media->lock);
  known = track->transcoders[codec];
  g_mutex_unlock (&media->lock);
  if (known)
    return known;

  made = gst_whep_audio_transcoder_new (codec);
  if (made == NULL)
    return NULL;
  g_mutex_lock (&media->lock);
  known = track->transcoders[codec];
  if (known == NULL)
    track->transcoders[codec] = made;
  g_mutex_unlock (&media->lock);
  if (known) {                  /* another thread was quicker */
    gst_object_unref (made);
    return known;
  }
  gst_bin_add (media->bin, made);
  gst_element_sync_state_with_parent (made);
  GST_INFO_OBJECT (media->bin, "the %s stream is converted to Opus once for "
      "all viewers", gst_whep_audio_codec_name (codec));
  return made;
}

/* The H.264 track's conversion to a profile browsers play: the one made
 * before, or a new one in the bin.  Called with no lock held, only from
 * the H.264 track's streaming thread (track_handle_unplayable) or after
 * its conversion was decided. */
static GstElement *
track_get_h264_transcoder (GstWhepMedia * media, Track * track)
{
  GstElement *made;

  g_mutex_lock (&media->lock);
  made = track->h264_transcoder;
  g_mutex_unlock (&media->lock);
  if (made)
    return made;

  made = gst_whep_video_transcoder_new (WHEP_VIDEO_CODEC_H264);
  if (made == NULL)
    return NULL;
  g_mutex_lock (&media->lock);
  track->h264_transcoder = made;
  g_mutex_unlock (&media->lock);
  gst_bin_add (media->bin, made);
  gst_element_sync_state_with_parent (made);
  return made;
}

/* The pad that feeds the track's queue for @pad: @pad itself, or the
 * output of the conversion it goes through (then @pad is linked to it).
 * NULL, with a warning, if the conversion cannot be made. */
static GstPad *
track_input_for (GstWhepMedia * media, Track * track, GstPad * pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  WhepAudioCodec codec = whep_audio_codec_from_caps (caps);
  GstElement *transcoder;
  const gchar *what;
  gboolean convert;
  GstPad *input;

  gst_clear_caps (&caps);
  g_mutex_lock (&media->lock);
  convert = track->convert;
  g_mutex_unlock (&media->lock);

  if (track->kind == WHEP_MEDIA_KIND_AUDIO &&
      whep_audio_codec_needs_transcode (codec)) {
    what = gst_whep_audio_codec_name (codec);
    transcoder = track_get_transcoder (media, track, codec);
  } else if (track->kind == WHEP_MEDIA_KIND_VIDEO && convert) {
    what = "H.264";
    transcoder = track_get_h264_transcoder (media, track);
  } else {
    return gst_object_ref (pad);
  }

  if (transcoder == NULL) {
    GST_ELEMENT_WARNING (media->bin, CORE, MISSING_PLUGIN,
        ("Could not convert the %s stream.", what), ("see the log of "
            "wheptranscode"));
    return NULL;
  }
  input = gst_element_get_static_pad (transcoder, "sink");
  unlink_sink_pad (input);
  if (GST_PAD_LINK_FAILED (gst_pad_link (pad, input)))
    GST_ELEMENT_WARNING (media->bin, CORE, PAD, (NULL),
        ("could not link %s to the %s conversion", GST_PAD_NAME (pad), what));
  gst_object_unref (input);
  return gst_element_get_static_pad (transcoder, "src");
}

/* Feeds @track from @pad (or from nothing). */
void
track_link (GstWhepMedia * media, Track * track, GstPad * pad)
{
  GstPad *sinkpad = gst_element_get_static_pad (track->queue, "sink");
  GstPad *old = gst_pad_get_peer (sinkpad);
  GstPad *feed = NULL;
  GstPadLinkReturn ret;

  if (old) {
    gst_pad_unlink (old, sinkpad);
    unlink_transcoder_input (old);
    gst_object_unref (old);
  }
  if (pad)
    feed = track_input_for (media, track, pad);
  if (feed) {
    ret = gst_pad_link (feed, sinkpad);
    if (GST_PAD_LINK_FAILED (ret))
      GST_ELEMENT_WARNING (media->bin, CORE, PAD, (NULL),
          ("could not link %s: %s", GST_PAD_NAME (pad),
              gst_pad_link_get_name (ret)));
    else
      GST_INFO_OBJECT (media->bin, "%s feeds the %s track", GST_PAD_NAME (pad),
          track->caps_name);
    gst_object_unref (feed);
  }
  gst_object_unref (sinkpad);
}

/* What the conversion gets of the H.265 track: nothing while it rests;
 * once woken, the stream from its next keyframe on (marked as a
 * discontinuity for the decoder), the encoder asked to make that picture
 * a keyframe too: the H.264 viewers start there. */
static GstPadProbeReturn
video_transcoder_feed_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  GstWhepMedia *media = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gboolean drop, woke = FALSE;
  GstEvent *request;

  g_mutex_lock (&media->lock);
  drop = media->video_transcoder_resting;
  if (!drop && media->video_transcoder_waking) {
    drop = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    woke = !drop;
    if (woke)
      media->video_transcoder_waking = FALSE;
  }
  g_mutex_unlock (&media->lock);

  if (drop)
    return GST_PAD_PROBE_DROP;
  if (woke) {
    GST_INFO_OBJECT (media->bin, "the H.265 to H.264 conversion goes on "
        "from a keyframe");
    buffer = gst_buffer_make_writable (buffer);
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
    request = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
        TRUE, 0);
    media_request_transcoder_keyframe (media, request);
    gst_event_unref (request);
  }
  return GST_PAD_PROBE_OK;
}

/* The H.264 track takes the H.265 track's video through the conversion
 * (made the first time).  Called with the transcode lock only, when a
 * viewer needs it or a new PMT keeps it; again it changes nothing. */
void
media_link_video_transcoder (GstWhepMedia * media)
{
  Track *h264 = &media->tracks[TRACK_H264];
  GstElement *transcoder;
  GstPad *feed, *sink, *src, *queue_sink;

  g_mutex_lock (&media->lock);
  transcoder = media->video_transcoder;
  feed = media->video_transcoder_feed;
  g_mutex_unlock (&media->lock);

  if (transcoder == NULL) {
    transcoder = gst_whep_video_transcoder_new (WHEP_VIDEO_CODEC_H265);
    if (transcoder == NULL) {
      GST_ELEMENT_WARNING (media->bin, CORE, MISSING_PLUGIN,
          ("Could not convert the H.265 video to H.264."),
          ("see the log of wheptranscode"));
      return;
    }
    gst_bin_add (media->bin, transcoder);
    feed = gst_element_request_pad_simple (media->tracks[TRACK_H265].tee,
        "src_%u");
    gst_pad_add_probe (feed, GST_PAD_PROBE_TYPE_BUFFER,
        video_transcoder_feed_probe, media, NULL);
    g_mutex_lock (&media->lock);
    media->video_transcoder = transcoder;
    media->video_transcoder_feed = feed;
    g_mutex_unlock (&media->lock);
    gst_element_sync_state_with_parent (transcoder);
    GST_INFO_OBJECT (media->bin, "H.265 is converted to H.264 once for all "
        "viewers without H.265");
  }

  src = gst_element_get_static_pad (transcoder, "src");
  queue_sink = gst_element_get_static_pad (h264->queue, "sink");
  if (!gst_pad_is_linked (queue_sink))
    track_link (media, h264, src);
  sink = gst_element_get_static_pad (transcoder, "sink");
  if (!gst_pad_is_linked (sink) &&
      GST_PAD_LINK_FAILED (gst_pad_link (feed, sink)))
    GST_ELEMENT_WARNING (media->bin, CORE, PAD, (NULL),
        ("could not link the H.265 track to its conversion"));
  gst_object_unref (sink);
  gst_object_unref (queue_sink);
  gst_object_unref (src);
}

void
gst_whep_media_set_audio_transcode (GstWhepMedia * media,
    GstWhepTranscodeMode mode)
{
  g_mutex_lock (&media->lock);
  media->audio_transcode = mode;
  g_mutex_unlock (&media->lock);
}

/* Whether @plan sends H.264 video. */
static gboolean
plan_sends_h264 (const WhepAnswerPlan * plan)
{
  guint i;

  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *m = g_ptr_array_index (plan->mlines, i);

    if (m->accepted && m->kind == WHEP_MEDIA_KIND_VIDEO &&
        g_strcmp0 (m->encoding_name, "H264") == 0)
      return TRUE;
  }
  return FALSE;
}

void
gst_whep_media_prepare_viewer (GstWhepMedia * media,
    const WhepAnswerPlan * plan)
{
  gboolean start, wake;
  GstEvent *request;

  if (!plan_sends_h264 (plan))
    return;
  g_mutex_lock (&media->transcode_lock);
  g_mutex_lock (&media->lock);
  media->h264_viewers++;
  start = media->h264_possible && !media->h264_from_h265 &&
      media->tracks[TRACK_H265].in_pmt;
  if (start)
    media->h264_from_h265 = TRUE;
  wake = media->video_transcoder_resting;
  if (wake) {
    media->video_transcoder_resting = FALSE;
    media->video_transcoder_waking = TRUE;
  }
  g_mutex_unlock (&media->lock);
  if (start)
    media_link_video_transcoder (media);
  g_mutex_unlock (&media->transcode_lock);

  if (wake) {
    /* an encoder upstream makes the H.265 keyframe it waits for at once;
     * from another, it is the next one the stream has */
    GST_INFO_OBJECT (media->bin, "a viewer takes H.264 again: the H.265 to "
        "H.264 conversion waits for a keyframe");
    request = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
        TRUE, 0);
    media_forward_keyframe_request (media, request);
    gst_event_unref (request);
  }
}

void
gst_whep_media_release_viewer (GstWhepMedia * media,
    const WhepAnswerPlan * plan)
{
  gboolean rest;

  if (!plan_sends_h264 (plan))
    return;
  g_mutex_lock (&media->lock);
  g_warn_if_fail (media->h264_viewers > 0);
  if (media->h264_viewers > 0)
    media->h264_viewers--;
  rest = media->h264_viewers == 0 && media->video_transcoder != NULL &&
      !media->video_transcoder_resting;
  if (rest) {
    media->video_transcoder_resting = TRUE;
    media->video_transcoder_waking = FALSE;
  }
  g_mutex_unlock (&media->lock);
  if (rest)
    GST_INFO_OBJECT (media->bin, "no viewer takes H.264: the H.265 to H.264 "
        "conversion rests");
}

void
gst_whep_media_set_video_transcode (GstWhepMedia * media,
    GstWhepTranscodeMode mode)
{
  g_mutex_lock (&media->lock);
  media->video_transcode = mode;
  g_mutex_unlock (&media->lock);
}

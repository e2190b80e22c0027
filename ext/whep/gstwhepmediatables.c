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

#include <gst/mpegts/mpegts.h>

/* The program tables as tsdemux reports them: which program is followed
 * (the PAT), which tracks it has and whether its H.265 may also be served
 * as H.264 (the PMT), and the demuxer's errors about them. */

/* Audio the PMT lists that WebRTC cannot carry is served as Opus if it
 * may and can be converted; if not, it is left out and the warning says
 * why.  Returns whether the program has audio for the viewers. */
static gboolean
pmt_audio_usable (GstWhepMedia * media, WhepAudioCodec opus_or_other,
    GstWhepTranscodeMode mode)
{
  const gchar *name = gst_whep_audio_codec_name (opus_or_other);
  const gchar *missing = NULL;

  if (opus_or_other == WHEP_AUDIO_CODEC_OPUS)
    return TRUE;
  if (!whep_audio_codec_needs_transcode (opus_or_other))
    return FALSE;
  if (mode == GST_WHEP_TRANSCODE_NEVER) {
    GST_ELEMENT_WARNING (media->bin, STREAM, CODEC_NOT_FOUND,
        ("The stream's audio is %s, which WebRTC cannot carry, and "
            "audio-transcode=never: viewers get no audio.", name),
        ("audio-transcode=auto converts it to Opus once for all viewers"));
    return FALSE;
  }
  if (!gst_whep_audio_transcode_possible (opus_or_other, &missing)) {
    GST_ELEMENT_WARNING (media->bin, CORE, MISSING_PLUGIN,
        ("The stream's audio is %s, and converting it to Opus needs '%s', "
            "which this GStreamer lacks: viewers get no audio.", name,
            missing), ("Debian: gstreamer1.0-libav has the decoders"));
    return FALSE;
  }
  return TRUE;
}

/* Which program to follow: the one asked for, else the first in the PAT,
 * as tsdemux does. */
static void
media_handle_pat (GstWhepMedia * media, GstMpegtsSection * section)
{
  GPtrArray *pat = gst_mpegts_section_get_pat (section);
  guint i;

  if (pat == NULL)
    return;
  g_mutex_lock (&media->lock);
  if (media->wanted_program < 0) {
    for (i = 0; i < pat->len; i++) {
      GstMpegtsPatProgram *p = g_ptr_array_index (pat, i);

      if (p->program_number != 0) {     /* 0 is the network PID */
        media->program = p->program_number;
        break;
      }
    }
  } else {
    media->program = media->wanted_program;
  }
  g_mutex_unlock (&media->lock);
  g_ptr_array_unref (pat);
}

/* Whether an H.265 stream's video is also made into H.264 (for viewers
 * whose offer has no H.265).  Called with no lock held: may warn. */
static gboolean
pmt_h265_to_h264 (GstWhepMedia * media, GstWhepTranscodeMode mode)
{
  const gchar *missing = NULL;

  if (mode == GST_WHEP_TRANSCODE_NEVER) {
    GST_INFO_OBJECT (media->bin, "H.265 video: viewers whose offer has no "
        "H.265 get no video (video-transcode=never)");
    return FALSE;
  }
  if (!gst_whep_video_transcode_possible (WHEP_VIDEO_CODEC_H265, &missing)) {
    GST_ELEMENT_WARNING (media->bin, CORE, MISSING_PLUGIN,
        ("The stream's video is H.265, and converting it to H.264 needs "
            "'%s', which this GStreamer lacks: viewers without H.265 get no "
            "video.", missing), (NULL));
    return FALSE;
  }
  return TRUE;
}

static void
media_handle_pmt (GstWhepMedia * media, const GstMpegtsPMT * pmt)
{
  gboolean has_video = FALSE, has_h265 = FALSE, has_audio = FALSE, changed;
  gboolean from_h265 = FALSE;
  WhepAudioCodec audio = WHEP_AUDIO_CODEC_NONE, codec;
  GstWhepTranscodeMode mode, video_mode;
  guint i;

  for (i = 0; i < pmt->streams->len; i++) {
    const GstMpegtsPMTStream *stream = g_ptr_array_index (pmt->streams, i);

    if (stream->stream_type == GST_MPEGTS_STREAM_TYPE_VIDEO_H264)
      has_video = TRUE;
    else if (stream->stream_type == GST_MPEGTS_STREAM_TYPE_VIDEO_HEVC)
      has_h265 = TRUE;
    else if ((codec = whep_audio_codec_from_pmt (stream)) &&
        (audio == WHEP_AUDIO_CODEC_NONE || codec == WHEP_AUDIO_CODEC_OPUS))
      audio = codec;            /* Opus if there is, else the first other */
  }

  g_mutex_lock (&media->lock);
  if ((gint) pmt->program_number != media->program) {
    g_mutex_unlock (&media->lock);
    return;
  }
  mode = media->audio_transcode;
  video_mode = media->video_transcode;
  g_mutex_unlock (&media->lock);

  /* no lock held: this may post a warning */
  has_audio = pmt_audio_usable (media, audio, mode);
  /* one video track: H.264, which every browser plays, if there are both */
  has_h265 = has_h265 && !has_video;
  if (has_h265)
    from_h265 = pmt_h265_to_h264 (media, video_mode);

  /* A conversion that viewers use goes on with the new tables (a new
   * demuxer unlinked it), and starts for viewers answered with H.264 when
   * the stream turns to H.265 under them; with no such viewer it waits for
   * one. */
  g_mutex_lock (&media->transcode_lock);
  g_mutex_lock (&media->lock);
  media->h264_possible = from_h265;
  media->h264_from_h265 = (media->h264_from_h265 || media->h264_viewers > 0)
      && from_h265;
  from_h265 = media->h264_from_h265;
  g_mutex_unlock (&media->lock);
  if (from_h265)
    media_link_video_transcoder (media);
  g_mutex_unlock (&media->transcode_lock);

  g_mutex_lock (&media->lock);
  changed = !media->pmt_seen || media->tracks[TRACK_H264].in_pmt != has_video
      || media->tracks[TRACK_H265].in_pmt != has_h265 ||
      media->tracks[TRACK_AUDIO].in_pmt != has_audio;
  if (changed) {
    GST_INFO_OBJECT (media->bin, "PMT of program %u: video %s, audio %s%s",
        pmt->program_number, has_video ? "H.264" : has_h265 ? "H.265" :
        "none",
        has_audio ? gst_whep_audio_codec_name (audio) : "none",
        has_audio && audio != WHEP_AUDIO_CODEC_OPUS ? " (to Opus)" : "");
    media->pmt_seen = TRUE;
    media->tracks[TRACK_H264].in_pmt = has_video;
    media->tracks[TRACK_H265].in_pmt = has_h265;
    media->tracks[TRACK_AUDIO].in_pmt = has_audio;
    /* new viewers wait until every listed track has caps again */
    media->ready = FALSE;
  }
  g_mutex_unlock (&media->lock);
}

gboolean
gst_whep_media_handle_message (GstWhepMedia * media, GstMessage * message)
{
  GstMpegtsSection *section;
  const GstMpegtsPMT *pmt;
  gboolean handled = FALSE, from_demux;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT)
    return FALSE;
  g_mutex_lock (&media->lock);
  from_demux = GST_MESSAGE_SRC (message) == GST_OBJECT_CAST (media->demux);
  g_mutex_unlock (&media->lock);
  if (!from_demux)
    return FALSE;
  section = gst_message_parse_mpegts_section (message);
  if (section == NULL)
    return FALSE;

  switch (GST_MPEGTS_SECTION_TYPE (section)) {
    case GST_MPEGTS_SECTION_PAT:
      media_handle_pat (media, section);
      handled = TRUE;
      break;
    case GST_MPEGTS_SECTION_PMT:
      if ((pmt = gst_mpegts_section_get_pmt (section))) {
        media_handle_pmt (media, pmt);
        handled = TRUE;
      }
      break;
    default:
      break;
  }
  gst_mpegts_section_unref (section);

  if (handled)
    media_update_ready (media);
  return handled;
}

/* A demuxer's stream error ("This stream contains no valid or supported
 * streams", for a program with nothing we serve) is about the input, which
 * may get better: posted as an ERROR it would stop the application's
 * pipeline.  Returns TRUE (and posts the demuxer's text as a warning of
 * the bin) for such an error; the caller drops @message. */
gboolean
gst_whep_media_demote_demux_error (GstWhepMedia * media, GstMessage * message)
{
  GstObject *src = GST_MESSAGE_SRC (message);
  GstElementFactory *factory;
  GError *error = NULL;
  gchar *debug = NULL;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR || !GST_IS_ELEMENT (src)
      || GST_OBJECT_PARENT (src) != GST_OBJECT_CAST (media->bin))
    return FALSE;
  factory = gst_element_get_factory (GST_ELEMENT_CAST (src));
  if (factory == NULL || g_strcmp0 (GST_OBJECT_NAME (factory), "tsdemux"))
    return FALSE;
  gst_message_parse_error (message, &error, &debug);
  if (error->domain != GST_STREAM_ERROR) {
    g_error_free (error);
    g_free (debug);
    return FALSE;
  }
  GST_ELEMENT_WARNING (media->bin, STREAM, DEMUX, ("%s", error->message),
      ("%s: %s", GST_OBJECT_NAME (src), debug ? debug : "(no details)"));
  g_error_free (error);
  g_free (debug);
  return TRUE;
}

void
gst_whep_media_set_program (GstWhepMedia * media, gint program_number)
{
  GstElement *demux;

  g_mutex_lock (&media->lock);
  media->wanted_program = program_number;
  demux = media->demux ? gst_object_ref (media->demux) : NULL;
  g_mutex_unlock (&media->lock);
  if (demux) {
    g_object_set (demux, "program-number", program_number, NULL);
    gst_object_unref (demux);
  }
}

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include "whep-audio-codec.h"
#include "whep-offer.h"

G_BEGIN_DECLS

/* Conversions a track may need before it is payloaded, made once in the
 * shared part for every viewer: audio that WebRTC cannot carry (AAC,
 * MPEG-1/2 audio, AC-3) becomes Opus; H.265 video becomes H.264 for the
 * viewers that cannot receive H.265.  The sessions never know: the track
 * they get is Opus, or H.264, either way. */

/* Whether whepsink converts what browsers cannot play (the audio-transcode
 * and video-transcode properties). */
typedef enum
{
  GST_WHEP_TRANSCODE_AUTO,      /* convert when the stream needs it */
  GST_WHEP_TRANSCODE_NEVER,     /* leave such a track out, with a warning */
} GstWhepTranscodeMode;

#define GST_TYPE_WHEP_TRANSCODE_MODE (gst_whep_transcode_mode_get_type ())
GType gst_whep_transcode_mode_get_type (void);

/* "AAC", "MPEG audio", ... for messages. */
const gchar *gst_whep_audio_codec_name (WhepAudioCodec codec);

/* Whether this GStreamer has what converting @codec to Opus takes; if not,
 * @missing (may be NULL) gets the element that is missing. */
gboolean gst_whep_audio_transcode_possible (WhepAudioCodec codec,
    const gchar ** missing);

/* A new bin with a "sink" and a "src" pad: parser ! decoder ! audioconvert
 * ! audioresample ! capsfilter ! opusenc, taking @codec as the demuxer
 * gives it and making Opus in 20 ms frames at 48 kHz, one or two
 * channels.  NULL if an element is missing. */
GstElement *gst_whep_audio_transcoder_new (WhepAudioCodec codec);

/* Whether this GStreamer can make browser-friendly H.264 from @from; if
 * not, @missing (may be NULL) gets the element that is missing. */
gboolean gst_whep_video_transcode_possible (WhepVideoCodec from,
    const gchar ** missing);

/* A new bin with a "sink" pad taking @from and a "src" pad giving
 * Constrained Baseline H.264, 8-bit 4:2:0, that every browser plays:
 * queue (leaky) [! h264parse] ! avdec_h265/avdec_h264 ! videoconvert !
 * x264enc (zerolatency, ultrafast).  H.265 comes parsed (from the H.265
 * track's tee), H.264 as the demuxer gives it (a High 4:4:4 or 10-bit
 * stream).  NULL if an element is missing. */
GstElement *gst_whep_video_transcoder_new (WhepVideoCodec from);

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepmedia.h"
#include "gstwhepfanout.h"
#include "gstwheptranscode.h"
#include "whep-ts-psi.h"

#include <gst/mpegts/mpegts.h>
#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (whep_media_debug);
#define GST_CAT_DEFAULT whep_media_debug

/* Enough to ride out a burst; a file source fills it and then waits. */
#define TRACK_QUEUE_TIME (1 * GST_SECOND)

/* Viewers' keyframe requests (their PLI and FIR, and one when each joins)
 * reach upstream at most this often: one keyframe serves them all. */
#define KEYFRAME_REQUEST_INTERVAL (500 * GST_MSECOND)

/* Bad input is told about (a warning) at most this often. */
#define INPUT_WARNING_INTERVAL (10 * GST_SECOND)

/* The tracks, each with its parser, tee and (shared path) payloader.  At
 * most one video track is in a program's PMT at a time. */
enum
{
  TRACK_H264,
  TRACK_AUDIO,
  TRACK_H265,
  N_TRACKS
};

typedef struct
{
  WhepMediaKind kind;
  WhepVideoCodec codec;         /* video only */
  const gchar *caps_name;       /* what tsdemux gives: "video/x-h264" */
  GstElement *queue;
  GstElement *tee;
  GstPad *queue_src;            /* where a live stream is re-timed */
  /* protected by the media lock */
  GstPad *linked_pad;           /* the demuxer pad that feeds this track */
  GstPad *spare_pad;            /* a newer pad of the same kind, for a swap */
  gboolean in_pmt;
  GstCaps *caps;                /* what the parser produced */
  gint stale;                   /* atomic: caps from before a new demuxer */
  const gchar *profile;         /* interned, H.264 only */
  const gchar *level;           /* interned, H.264 only */
  /* audio only: the conversions to Opus made so far, one per codec, made
   * when a stream first needs one and kept in the bin for the next stream
   * of that codec (protected by the media lock; the bin owns them) */
  GstElement *transcoders[WHEP_AUDIO_CODEC_LAST];
  /* H.264 only: the stream is converted to a profile browsers play, with
   * h264_transcoder (made once, kept) between demuxer and queue */
  gboolean convert;
  GstElement *h264_transcoder;
} Track;

struct _GstWhepMedia
{
  GstBin *bin;                  /* not owned: we live inside it */
  GstPad *input;                /* the bin's ghost sink pad, not owned */
  WhepTsPsi *psi;               /* only used in the input's streaming thread */
  const gchar *missing;
  GstWhepMediaReadyFunc ready_func;
  gpointer user_data;
  GstWhepFanout *fanout;        /* not owned; NULL: viewers take tee pads */

  /* Only while the video conversion is made or linked (a viewer's POST and
   * a new PMT may want it at once); taken before lock, never inside it. */
  GMutex transcode_lock;

  GMutex lock;
  /* protected by lock */
  GstElement *demux;            /* replaced when the program tables change */
  GstClockTime last_keyframe_request;   /* monotonic */
  GstClockTime last_input_warning;      /* monotonic */
  gboolean timing_checked;      /* the live offset was decided */
  GstClockTimeDiff live_offset; /* applied to every track's running time */
  gint wanted_program;          /* -1: the first in the PAT */
  GstWhepTranscodeMode audio_transcode;
  GstWhepTranscodeMode video_transcode;
  /* H.265 to H.264 for viewers without H.265: made when the first such
   * viewer comes, then kept (the bin owns it); fed from a pad of the
   * H.265 track's tee, it feeds the H.264 track */
  GstElement *video_transcoder;
  GstPad *video_transcoder_feed;        /* the H.265 tee's pad, ours */
  gboolean h264_possible;       /* the PMT's H.265 may be made into H.264 */
  gboolean h264_from_h265;      /* the H.264 track is fed by it */
  gint program;                 /* the one followed, -1 until the PAT */
  gboolean pmt_seen;
  gboolean ready;
  Track tracks[N_TRACKS];       /* TRACK_H264, TRACK_AUDIO, TRACK_H265 */
};

/* Browsers decode 8-bit 4:2:0 H.264 only (baseline, main, high): a
 * High 4:4:4, 4:2:2 or 10-bit stream negotiates but never plays.  x264enc
 * makes one when nothing upstream asks for I420. */
static gboolean
h264_profile_unplayable (const gchar * profile)
{
  return profile && (g_str_has_prefix (profile, "high-4:") ||
      g_str_has_prefix (profile, "high-10"));
}

static gboolean
media_is_ready_unlocked (GstWhepMedia * media)
{
  guint i, n_in_pmt = 0;

  if (!media->pmt_seen)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++) {
    Track *t = &media->tracks[i];

    if (!t->in_pmt)
      continue;
    n_in_pmt++;
    if (t->caps == NULL || g_atomic_int_get (&t->stale))
      return FALSE;
    /* without the profile the offer's H.264 variants can't be ranked */
    if (t->kind == WHEP_MEDIA_KIND_VIDEO && t->profile == NULL)
      return FALSE;
    /* the converted stream's caps are still to come */
    if (t->convert && h264_profile_unplayable (t->profile))
      return FALSE;
  }
  return n_in_pmt > 0;
}

/* Called with no lock held. */
static void
media_update_ready (GstWhepMedia * media)
{
  gboolean became_ready;

  g_mutex_lock (&media->lock);
  became_ready = !media->ready && media_is_ready_unlocked (media);
  if (became_ready)
    media->ready = TRUE;
  g_mutex_unlock (&media->lock);

  if (became_ready) {
    GST_INFO_OBJECT (media->bin, "tracks are known, viewers can be answered");
    media->ready_func (media->user_data);
  }
}

/* Audio that is not Opus feeds the audio track through a conversion, if
 * audio-transcode allows it and this GStreamer can. */
static gboolean
media_converts_audio (GstWhepMedia * media, WhepAudioCodec codec)
{
  GstWhepTranscodeMode mode;

  if (!gst_whep_audio_codec_needs_transcode (codec))
    return FALSE;
  g_mutex_lock (&media->lock);
  mode = media->audio_transcode;
  g_mutex_unlock (&media->lock);
  return mode == GST_WHEP_TRANSCODE_AUTO &&
      gst_whep_audio_transcode_possible (codec, NULL);
}

static Track *
track_for_caps (GstWhepMedia * media, GstCaps * caps)
{
  guint i;

  if (media_converts_audio (media, gst_whep_audio_codec_from_caps (caps)))
    return &media->tracks[TRACK_AUDIO];
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++) {
    if (gst_structure_has_name (gst_caps_get_structure (caps, 0),
            media->tracks[i].caps_name))
      return &media->tracks[i];
  }
  return NULL;
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

static void track_link (GstWhepMedia * media, Track * track, GstPad * pad);

/* An H.264 stream browsers cannot decode: with video-transcode=auto the
 * demuxer's pad is linked again, through the conversion, and viewers wait
 * for its caps; else a warning.  Called with no lock held, from the
 * track's streaming thread, when its caps say so. */
static void
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

static GstPadProbeReturn
track_caps_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepMedia *media = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  Track *track = NULL;
  GstStructure *s;
  GstCaps *caps;
  guint i;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;

  gst_event_parse_caps (event, &caps);
  s = gst_caps_get_structure (caps, 0);

  g_mutex_lock (&media->lock);
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++)
    if (media->tracks[i].tee == GST_ELEMENT (GST_PAD_PARENT (pad)))
      track = &media->tracks[i];
  if (track) {
    gst_caps_replace (&track->caps, caps);
    track->profile = g_intern_string (gst_structure_get_string (s, "profile"));
    track->level = g_intern_string (gst_structure_get_string (s, "level"));
  }
  g_mutex_unlock (&media->lock);

  GST_DEBUG_OBJECT (media->bin, "track caps %" GST_PTR_FORMAT, caps);
  if (track && track->codec == WHEP_VIDEO_CODEC_H264 &&
      track->kind == WHEP_MEDIA_KIND_VIDEO &&
      h264_profile_unplayable (gst_structure_get_string (s, "profile")))
    track_handle_unplayable (media, track, gst_structure_get_string (s,
            "profile"));
  media_update_ready (media);
  return GST_PAD_PROBE_OK;
}

/* After a new demuxer took over, a track keeps its caps (a parser whose
 * output did not change sends no new CAPS event) and is ready again with
 * the first buffer that reaches its tee.  (That may be one the old demuxer
 * left in the queue: the caps are then still right for it, and a new
 * stream's own caps follow with its first buffer.) */
static GstPadProbeReturn
track_flow_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepMedia *media = user_data;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++) {
    Track *t = &media->tracks[i];

    if (t->tee == GST_ELEMENT_CAST (GST_PAD_PARENT (pad)) &&
        g_atomic_int_compare_and_exchange (&t->stale, 1, 0))
      media_update_ready (media);
  }
  return GST_PAD_PROBE_OK;
}

static Track *
track_of_pad (GstWhepMedia * media, GstPad * pad)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  Track *track;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  track = gst_caps_is_empty (caps) ? NULL : track_for_caps (media, caps);
  if (track == NULL)
    GST_INFO_OBJECT (media->bin, "ignoring stream %s with caps %"
        GST_PTR_FORMAT, GST_PAD_NAME (pad), caps);
  gst_caps_unref (caps);
  return track;
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
  WhepAudioCodec codec = gst_whep_audio_codec_from_caps (caps);
  GstElement *transcoder;
  const gchar *what;
  gboolean convert;
  GstPad *input;

  gst_clear_caps (&caps);
  g_mutex_lock (&media->lock);
  convert = track->convert;
  g_mutex_unlock (&media->lock);

  if (track->kind == WHEP_MEDIA_KIND_AUDIO &&
      gst_whep_audio_codec_needs_transcode (codec)) {
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
static void
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

/* tsdemux may add pads in any order and more than once while it learns the
 * stream, and on a new PMT it adds the new streams' pads before it removes
 * the old ones.  Each track links the first pad of its kind; a later one is
 * kept as the spare that takes over when the linked pad goes. */
static void
demux_pad_added (GstElement * demux, GstPad * pad, GstWhepMedia * media)
{
  Track *track = track_of_pad (media, pad);
  gboolean link_now = FALSE;

  if (track == NULL)
    return;

  g_mutex_lock (&media->lock);
  if (track->linked_pad == NULL) {
    track->linked_pad = gst_object_ref (pad);
    link_now = TRUE;
  } else {
    GST_INFO_OBJECT (media->bin, "keeping %s for when %s goes",
        GST_PAD_NAME (pad), GST_PAD_NAME (track->linked_pad));
    gst_object_replace ((GstObject **) & track->spare_pad, GST_OBJECT (pad));
  }
  g_mutex_unlock (&media->lock);

  if (link_now)
    track_link (media, track, pad);
}

static void
demux_pad_removed (GstElement * demux, GstPad * pad, GstWhepMedia * media)
{
  GstPad *successor = NULL;
  Track *track = NULL;
  guint i;

  g_mutex_lock (&media->lock);
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++) {
    Track *t = &media->tracks[i];

    if (t->spare_pad == pad)
      gst_clear_object (&t->spare_pad);
    if (t->linked_pad == pad) {
      track = t;
      gst_clear_object (&t->linked_pad);
      t->linked_pad = g_steal_pointer (&t->spare_pad);
      if (t->linked_pad)
        successor = gst_object_ref (t->linked_pad);
    }
  }
  g_mutex_unlock (&media->lock);

  GST_INFO_OBJECT (media->bin, "stream %s removed", GST_PAD_NAME (pad));
  if (track)
    track_link (media, track, successor);
  gst_clear_object (&successor);
}

/* The H.264 made from H.265 has keyframes of its own encoder: it is
 * asked too (the H.264 track's queue's peer is the conversion). */
static void
media_request_transcoder_keyframe (GstWhepMedia * media, GstEvent * event)
{
  GstPad *pad = NULL;

  g_mutex_lock (&media->lock);
  if (media->h264_from_h265)
    pad = gst_element_get_static_pad (media->tracks[TRACK_H264].queue,
        "sink");
  g_mutex_unlock (&media->lock);
  if (pad) {
    gst_pad_push_event (pad, gst_event_ref (event));
    gst_object_unref (pad);
  }
}

/* A keyframe request from a viewer goes straight to whoever feeds the bin
 * (an encoder in the same pipeline makes one at once): tsdemux would not
 * pass it on.  Requests closer together than KEYFRAME_REQUEST_INTERVAL are
 * one request. */
/* Requests closer together than KEYFRAME_REQUEST_INTERVAL are one. */
static void
media_forward_keyframe_request (GstWhepMedia * media, GstEvent * event)
{
  GstClockTime now = g_get_monotonic_time () * GST_USECOND;
  gboolean forward;

  g_mutex_lock (&media->lock);
  forward = !GST_CLOCK_TIME_IS_VALID (media->last_keyframe_request) ||
      now - media->last_keyframe_request >= KEYFRAME_REQUEST_INTERVAL;
  if (forward)
    media->last_keyframe_request = now;
  g_mutex_unlock (&media->lock);

  if (forward) {
    GST_DEBUG_OBJECT (media->bin, "asking upstream for a keyframe");
    gst_pad_push_event (media->input, gst_event_ref (event));
    media_request_transcoder_keyframe (media, event);
  }
}

static GstPadProbeReturn
track_upstream_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepMedia *media = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  media_forward_keyframe_request (media, event);
  return GST_PAD_PROBE_DROP;
}

void
gst_whep_media_request_keyframe (GstWhepMedia * media)
{
  GstEvent *event = gst_video_event_new_upstream_force_key_unit
      (GST_CLOCK_TIME_NONE, TRUE, 0);

  media_forward_keyframe_request (media, event);
  gst_event_unref (event);
}

static GstElement *
make (GstWhepMedia * media, const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL) {
    media->missing = media->missing ? media->missing : factory;
    return NULL;
  }
  gst_bin_add (media->bin, e);
  return e;
}

/* How far ahead of the clock a live stream's buffers run: a muxer stamps
 * each frame some way ahead of its PCR (mpegtsmux: 125 ms), and tsdemux
 * maps PCR to arrival time, so every buffer would wait that long in
 * clocksync (ours, and webrtcbin's own) before it is sent.  0 when the
 * input is not live (a file is paced on purpose) or not ahead. */
static GstClockTimeDiff
live_lead (GstWhepMedia * media, GstPad * pad, GstBuffer * buf)
{
  GstQuery *query = gst_query_new_latency ();
  GstClock *clock;
  GstEvent *event;
  const GstSegment *segment;
  GstClockTimeDiff lead = 0;
  gboolean live = FALSE;

  if (gst_pad_peer_query (media->input, query))
    gst_query_parse_latency (query, &live, NULL, NULL);
  gst_query_unref (query);
  clock = gst_element_get_clock (GST_ELEMENT (media->bin));
  event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);

  if (live && clock && event) {
    GstClockTime now = gst_clock_get_time (clock) -
        gst_element_get_base_time (GST_ELEMENT (media->bin));
    GstClockTime rt;

    gst_event_parse_segment (event, &segment);
    rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
        GST_BUFFER_DTS_OR_PTS (buf));
    if (GST_CLOCK_TIME_IS_VALID (rt))
      lead = GST_CLOCK_DIFF (now, rt);
  }
  gst_clear_event (&event);
  gst_clear_object (&clock);
  return MAX (lead, 0);
}

/* The first buffer of a stream decides: a live stream is moved back by its
 * lead, every track by the same amount so that they stay in sync, and then
 * leaves at once instead of waiting out the muxer's delay. */
static GstPadProbeReturn
track_timing_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepMedia *media = user_data;
  GstClockTimeDiff lead, offset;
  gboolean checked;
  guint i;

  g_mutex_lock (&media->lock);
  checked = media->timing_checked;
  media->timing_checked = TRUE;
  g_mutex_unlock (&media->lock);
  if (checked)
    return GST_PAD_PROBE_OK;

  lead = live_lead (media, pad, GST_PAD_PROBE_INFO_BUFFER (info));
  if (lead == 0)
    return GST_PAD_PROBE_OK;

  g_mutex_lock (&media->lock);
  media->live_offset -= lead;
  offset = media->live_offset;
  g_mutex_unlock (&media->lock);

  GST_INFO_OBJECT (media->bin, "live stream %" GST_STIME_FORMAT " ahead of "
      "the clock: sending it that much earlier", GST_STIME_ARGS (lead));
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++)
    if (media->tracks[i].queue_src)
      gst_pad_set_offset (media->tracks[i].queue_src, offset);
  return GST_PAD_PROBE_OK;
}

/* Every RTP packet of the shared payloader goes to the fan-out, in this
 * track's streaming thread. */
static GstPadProbeReturn
track_rtp_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepMedia *media = user_data;
  WhepMediaKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad),
          "whep-kind"));

  WhepVideoCodec codec = g_object_get_data (G_OBJECT (pad), "whep-h265") ?
      WHEP_VIDEO_CODEC_H265 : WHEP_VIDEO_CODEC_H264;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_whep_fanout_push_list (media->fanout, kind, codec,
        GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  else
    gst_whep_fanout_push (media->fanout, kind, codec,
        GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

/* tee -> payloader -> fakesink: the track payloaded once for every viewer
 * of the shared send path.  Viewers get their own payload type, SSRC and
 * sequence numbers from the fan-out; the payloader's are placeholders. */
static void
track_build_shared_payloader (GstWhepMedia * media, Track * track)
{
  gboolean video = track->kind == WHEP_MEDIA_KIND_VIDEO;
  gboolean h265 = video && track->codec == WHEP_VIDEO_CODEC_H265;
  GstElement *pay = make (media, h265 ? "rtph265pay" : video ? "rtph264pay" :
      "rtpopuspay");
  GstElement *sink = make (media, "fakesink");
  GstPad *pad;

  if (pay == NULL || sink == NULL)
    return;
  g_object_set (pay, "pt", video ? 96 : 111, "mtu", WHEP_RTP_MTU, NULL);
  if (video)
    /* SPS, PPS and the IDR's start in one STAP-A, nothing held back to
     * aggregate; h264parse already repeats SPS and PPS before each IDR */
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode",
        "zero-latency");
  g_object_set (sink, "sync", FALSE, "async", FALSE,
      "enable-last-sample", FALSE, NULL);
  gst_element_link_many (track->tee, pay, sink, NULL);

  pad = gst_element_get_static_pad (pay, "src");
  g_object_set_data (G_OBJECT (pad), "whep-kind",
      GINT_TO_POINTER (track->kind));
  g_object_set_data (G_OBJECT (pad), "whep-h265", GINT_TO_POINTER (h265));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, track_rtp_probe, media, NULL);
  gst_object_unref (pad);
}

/* queue [-> capssetter] -> parser [-> capsfilter] -> clocksync -> tee ->
 * fakesink [, -> payloader -> fakesink] */
static void
track_build (GstWhepMedia * media, Track * track, const gchar * parser_name,
    GstCaps * input_caps, GstCaps * filter_caps)
{
  GstElement *parser, *setter = NULL, *filter = NULL, *sync, *fakesink;
  GstPad *pad;

  track->queue = make (media, "queue");
  if (input_caps)
    setter = make (media, "capssetter");
  parser = make (media, parser_name);
  if (filter_caps)
    filter = make (media, "capsfilter");
  sync = make (media, "clocksync");
  track->tee = make (media, "tee");
  fakesink = make (media, "fakesink");
  if (media->missing) {
    gst_clear_caps (&input_caps);
    gst_clear_caps (&filter_caps);
    return;
  }
  track->queue_src = gst_element_get_static_pad (track->queue, "src");

  g_object_set (track->queue, "max-size-buffers", 0, "max-size-bytes", 0,
      "max-size-time", TRACK_QUEUE_TIME, NULL);
  if (track->kind == WHEP_MEDIA_KIND_VIDEO)
    /* SPS and PPS before every IDR, so a viewer can start at any IDR */
    g_object_set (parser, "config-interval", -1, NULL);
  if (setter) {
    g_object_set (setter, "caps", input_caps, NULL);
    gst_caps_unref (input_caps);
  }
  if (filter) {
    g_object_set (filter, "caps", filter_caps, NULL);
    gst_caps_unref (filter_caps);
  }
  /* Paces a file to real time; a live source's buffers pass at once. */
  g_object_set (sync, "sync", TRUE, NULL);
  g_object_set (track->tee, "allow-not-linked", TRUE, NULL);
  g_object_set (fakesink, "sync", FALSE, "async", FALSE,
      "enable-last-sample", FALSE, NULL);

  gst_element_link_many (track->queue, setter ? setter : parser, NULL);
  if (setter)
    gst_element_link (setter, parser);
  gst_element_link_many (parser, filter ? filter : sync, NULL);
  if (filter)
    gst_element_link (filter, sync);
  gst_element_link_many (sync, track->tee, fakesink, NULL);
  if (media->fanout)
    track_build_shared_payloader (media, track);

  pad = gst_element_get_static_pad (sync, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, track_timing_probe,
      media, NULL);
  gst_object_unref (pad);

  pad = gst_element_get_static_pad (track->tee, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      track_caps_probe, media, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, track_flow_probe, media, NULL);
  if (track->kind == WHEP_MEDIA_KIND_VIDEO)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
        track_upstream_probe, media, NULL);
  gst_object_unref (pad);
}

static GstElement *
demux_new (GstWhepMedia * media, gint program_number)
{
  GstElement *demux = make (media, "tsdemux");

  if (demux == NULL)
    return NULL;
  /* tsdemux's default 700 ms would hold every buffer that long in
   * webrtcbin's clocksync once the latency is recalculated. */
  g_object_set (demux, "latency", 0, "program-number", program_number, NULL);
  g_signal_connect (demux, "pad-added", G_CALLBACK (demux_pad_added), media);
  g_signal_connect (demux, "pad-removed", G_CALLBACK (demux_pad_removed),
      media);
  return demux;
}

/* The upstream restarted with new program tables (other PIDs, other
 * streams).  tsdemux would keep the old ones, so a fresh one takes over;
 * the tracks, their tees and every viewer's branch stay as they are, and
 * the new streams flow into them.  Runs in the input's streaming thread,
 * before the buffer that holds the new tables reaches any demuxer. */
static void
media_replace_demux (GstWhepMedia * media)
{
  GstElement *old, *fresh;
  GstPad *pad;
  gint program;
  guint i;

  g_mutex_lock (&media->lock);
  program = media->wanted_program;
  g_mutex_unlock (&media->lock);
  /* no lock held while making and adding elements */
  fresh = demux_new (media, program);

  g_mutex_lock (&media->lock);
  old = media->demux;
  media->demux = fresh;
  media->pmt_seen = FALSE;
  media->ready = FALSE;
  media->program = -1;
  media->timing_checked = FALSE;
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++) {
    gst_clear_object (&media->tracks[i].linked_pad);
    gst_clear_object (&media->tracks[i].spare_pad);
    /* a new stream is converted only if its caps say so again */
    media->tracks[i].convert = FALSE;
    /* The caps stay: a parser whose output does not change sends no new
     * CAPS event, and clearing them here left new viewers with 503 for
     * good.  Ready again on the new PMT and each listed track's first
     * buffer (track_flow_probe); new caps, if any, come before it. */
    if (media->tracks[i].caps)
      g_atomic_int_set (&media->tracks[i].stale, 1);
  }
  g_mutex_unlock (&media->lock);

  if (fresh == NULL)
    return;
  GST_INFO_OBJECT (media->bin, "program tables changed: new demuxer");
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++)
    track_link (media, &media->tracks[i], NULL);

  pad = gst_element_get_static_pad (fresh, "sink");
  gst_ghost_pad_set_target (GST_GHOST_PAD (media->input), pad);
  gst_object_unref (pad);
  gst_element_sync_state_with_parent (fresh);

  if (old) {
    gst_element_set_locked_state (old, TRUE);
    gst_element_set_state (old, GST_STATE_NULL);
    gst_bin_remove (media->bin, old);
  }
}

static GstPadProbeReturn
input_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepMedia *media = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  gboolean changed;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  changed = whep_ts_psi_push (media->psi, map.data, map.size);
  gst_buffer_unmap (buf, &map);

  if (changed)
    media_replace_demux (media);
  return GST_PAD_PROBE_OK;
}

/* What the demuxer returns for bad input must harm nobody upstream.
 * tsdemux 1.22 returns GST_FLOW_ERROR for an Opus PES that does not parse,
 * and GST_FLOW_NOT_LINKED when the program has no stream we serve (its
 * pads stay unlinked); passed up, either stops the upstream source for
 * good.  They become OK here, with a warning now and then; FLUSHING and
 * EOS go up as they are. */
static GstFlowReturn
media_input_result (GstWhepMedia * media, GstFlowReturn ret)
{
  GstClockTime now;
  gboolean warn;

  if (ret != GST_FLOW_ERROR && ret != GST_FLOW_NOT_LINKED)
    return ret;

  now = g_get_monotonic_time () * GST_USECOND;
  g_mutex_lock (&media->lock);
  warn = !GST_CLOCK_TIME_IS_VALID (media->last_input_warning) ||
      now - media->last_input_warning >= INPUT_WARNING_INTERVAL;
  if (warn)
    media->last_input_warning = now;
  g_mutex_unlock (&media->lock);

  if (warn)
    GST_ELEMENT_WARNING (media->bin, STREAM, DEMUX,
        ("Dropping input that cannot be served."),
        ("the demuxer returned %s (told at most every %" GST_TIME_FORMAT ")",
            gst_flow_get_name (ret), GST_TIME_ARGS (INPUT_WARNING_INTERVAL)));
  return GST_FLOW_OK;
}

static GQuark media_quark;

static GstFlowReturn
media_input_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstWhepMedia *media = g_object_get_qdata (G_OBJECT (pad), media_quark);

  return media_input_result (media, gst_proxy_pad_chain_default (pad, parent,
          buffer));
}

static GstFlowReturn
media_input_chain_list (GstPad * pad, GstObject * parent, GstBufferList * list)
{
  GstWhepMedia *media = g_object_get_qdata (G_OBJECT (pad), media_quark);

  return media_input_result (media, gst_proxy_pad_chain_list_default (pad,
          parent, list));
}

GstWhepMedia *
gst_whep_media_new (GstBin * bin, GstPad * input, GstWhepFanout * fanout,
    GstWhepMediaReadyFunc ready_func, gpointer user_data)
{
  GstWhepMedia *media = g_new0 (GstWhepMedia, 1);
  GstPad *pad;

  if (!whep_media_debug)
    GST_DEBUG_CATEGORY_INIT (whep_media_debug, "whepmedia", 0,
        "whepsink shared media");

  media->bin = bin;
  media->input = input;
  media->psi = whep_ts_psi_new ();
  media->ready_func = ready_func;
  media->user_data = user_data;
  media->fanout = fanout;
  g_mutex_init (&media->lock);
  g_mutex_init (&media->transcode_lock);
  media->last_keyframe_request = GST_CLOCK_TIME_NONE;
  media->last_input_warning = GST_CLOCK_TIME_NONE;
  media->wanted_program = -1;
  media->program = -1;
  media->tracks[TRACK_H264].kind = WHEP_MEDIA_KIND_VIDEO;
  media->tracks[TRACK_H264].codec = WHEP_VIDEO_CODEC_H264;
  media->tracks[TRACK_H264].caps_name = "video/x-h264";
  media->tracks[TRACK_AUDIO].kind = WHEP_MEDIA_KIND_AUDIO;
  media->tracks[TRACK_AUDIO].caps_name = "audio/x-opus";
  media->tracks[TRACK_H265].kind = WHEP_MEDIA_KIND_VIDEO;
  media->tracks[TRACK_H265].codec = WHEP_VIDEO_CODEC_H265;
  media->tracks[TRACK_H265].caps_name = "video/x-h265";

  media->demux = demux_new (media, -1);
  /* A PES packet holds one access unit (as mpegtsmux and encoders write
   * them): saying so lets h264parse pass each one on at once instead of
   * waiting for the next to see where it ends (a frame of latency). */
  track_build (media, &media->tracks[TRACK_H264], "h264parse",
      gst_caps_from_string ("video/x-h264, alignment=au"),
      gst_caps_from_string ("video/x-h264, stream-format=byte-stream, "
          "alignment=au"));
  track_build (media, &media->tracks[TRACK_AUDIO], "opusparse", NULL, NULL);
  /* H.265 is passed through as it is, to viewers that offer it */
  track_build (media, &media->tracks[TRACK_H265], "h265parse",
      gst_caps_from_string ("video/x-h265, alignment=au"),
      gst_caps_from_string ("video/x-h265, stream-format=byte-stream, "
          "alignment=au"));

  if (media->demux) {
    pad = gst_element_get_static_pad (media->demux, "sink");
    gst_ghost_pad_set_target (GST_GHOST_PAD (input), pad);
    gst_object_unref (pad);
  }
  gst_pad_add_probe (input, GST_PAD_PROBE_TYPE_BUFFER, input_probe, media,
      NULL);
  /* the ghost pad's own chain functions, wrapped (media_input_result) */
  if (!media_quark)
    media_quark = g_quark_from_static_string ("whep-media");
  g_object_set_qdata (G_OBJECT (input), media_quark, media);
  gst_pad_set_chain_function (input, media_input_chain);
  gst_pad_set_chain_list_function (input, media_input_chain_list);
  return media;
}

void
gst_whep_media_free (GstWhepMedia * media)
{
  guint i;

  gst_whep_media_reset (media);
  whep_ts_psi_free (media->psi);
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++)
    gst_clear_object (&media->tracks[i].queue_src);
  gst_clear_object (&media->video_transcoder_feed);
  g_mutex_clear (&media->lock);
  g_mutex_clear (&media->transcode_lock);
  g_free (media);
}

const gchar *
gst_whep_media_get_missing_element (GstWhepMedia * media)
{
  return media->missing;
}

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
  if (!gst_whep_audio_codec_needs_transcode (opus_or_other))
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

/* The H.264 track takes the H.265 track's video through the conversion
 * (made the first time).  Called with the transcode lock only, when a
 * viewer needs it or a new PMT keeps it; again it changes nothing. */
static void
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
    else if ((codec = gst_whep_audio_codec_from_pmt (stream)) &&
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
   * demuxer unlinked it); one that no viewer asked for waits for one. */
  g_mutex_lock (&media->transcode_lock);
  g_mutex_lock (&media->lock);
  media->h264_possible = from_h265;
  media->h264_from_h265 = media->h264_from_h265 && from_h265;
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
  gboolean start;

  if (!plan_sends_h264 (plan))
    return;
  g_mutex_lock (&media->transcode_lock);
  g_mutex_lock (&media->lock);
  start = media->h264_possible && !media->h264_from_h265 &&
      media->tracks[TRACK_H265].in_pmt;
  if (start)
    media->h264_from_h265 = TRUE;
  g_mutex_unlock (&media->lock);
  if (start)
    media_link_video_transcoder (media);
  g_mutex_unlock (&media->transcode_lock);
}

void
gst_whep_media_set_video_transcode (GstWhepMedia * media,
    GstWhepTranscodeMode mode)
{
  g_mutex_lock (&media->lock);
  media->video_transcode = mode;
  g_mutex_unlock (&media->lock);
}

void
gst_whep_media_stream_ended (GstWhepMedia * media)
{
  GstPad *unfed[G_N_ELEMENTS (media->tracks)] = { NULL, };
  GstSegment segment;
  guint i;

  g_mutex_lock (&media->lock);
  media->ready = FALSE;
  media->pmt_seen = FALSE;
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++)
    if (media->tracks[i].linked_pad == NULL && media->tracks[i].queue &&
        !(i == TRACK_H264 && media->h264_from_h265))
      unfed[i] = gst_element_get_static_pad (media->tracks[i].queue, "sink");
  g_mutex_unlock (&media->lock);

  /* A track the stream never had gets its EOS too: the bin posts EOS once
   * all its sinks have it. */
  gst_segment_init (&segment, GST_FORMAT_TIME);
  for (i = 0; i < G_N_ELEMENTS (unfed); i++) {
    if (unfed[i] == NULL)
      continue;
    gst_pad_send_event (unfed[i], gst_event_new_stream_start ("whep-unused"));
    gst_pad_send_event (unfed[i], gst_event_new_segment (&segment));
    gst_pad_send_event (unfed[i], gst_event_new_eos ());
    gst_object_unref (unfed[i]);
  }
}

gboolean
gst_whep_media_get_stream_info (GstWhepMedia * media, WhepStreamInfo * info)
{
  gboolean ready;

  memset (info, 0, sizeof (*info));
  g_mutex_lock (&media->lock);
  ready = media->ready;
  if (ready) {
    Track *h265 = &media->tracks[TRACK_H265];

    info->has_video = media->tracks[TRACK_H264].in_pmt || h265->in_pmt;
    info->h264_profile = media->tracks[TRACK_H264].profile;
    info->h264_level = media->tracks[TRACK_H264].level;
    /* H.264 made from the H.265 when a viewer needs it: what the encoder
     * is told to make, until its caps say more (the level) */
    info->h264_fallback = h265->in_pmt && media->h264_possible;
    if (info->h264_fallback && !(media->h264_from_h265 &&
            media->tracks[TRACK_H264].caps)) {
      info->h264_profile = "constrained-baseline";
      info->h264_level = NULL;
    }
    info->has_audio = media->tracks[TRACK_AUDIO].in_pmt;
    if (h265->in_pmt) {
      info->video_codec = WHEP_VIDEO_CODEC_H265;
      info->h265_profile = h265->profile;
    }
  }
  g_mutex_unlock (&media->lock);
  return ready;
}

/* The track of @kind that a viewer answered with @codec gets. */
static Track *
media_track_for_viewer (GstWhepMedia * media, WhepMediaKind kind,
    WhepVideoCodec codec)
{
  if (kind == WHEP_MEDIA_KIND_AUDIO)
    return &media->tracks[TRACK_AUDIO];
  if (kind != WHEP_MEDIA_KIND_VIDEO)
    return NULL;
  return &media->tracks[codec == WHEP_VIDEO_CODEC_H265 ? TRACK_H265 :
      TRACK_H264];
}

GstPad *
gst_whep_media_request_track_pad (GstWhepMedia * media, WhepMediaKind kind,
    WhepVideoCodec codec)
{
  GstElement *tee = NULL;
  GstPad *pad = NULL;
  Track *track;

  g_mutex_lock (&media->lock);
  track = media_track_for_viewer (media, kind, codec);
  if (track && track->tee)
    tee = gst_object_ref (track->tee);
  g_mutex_unlock (&media->lock);

  if (tee) {
    pad = gst_element_request_pad_simple (tee, "src_%u");
    gst_object_unref (tee);
  }
  return pad;
}

void
gst_whep_media_release_track_pad (GstWhepMedia * media, GstPad * pad)
{
  GstElement *tee = gst_pad_get_parent_element (pad);

  if (tee) {
    gst_element_release_request_pad (tee, pad);
    gst_object_unref (tee);
  }
}

void
gst_whep_media_reset (GstWhepMedia * media)
{
  guint i;

  whep_ts_psi_reset (media->psi);
  g_mutex_lock (&media->lock);
  media->pmt_seen = FALSE;
  media->ready = FALSE;
  media->program = -1;
  media->last_keyframe_request = GST_CLOCK_TIME_NONE;
  media->timing_checked = FALSE;
  media->live_offset = 0;
  media->h264_from_h265 = FALSE;
  media->h264_possible = FALSE;
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++) {
    if (media->tracks[i].queue_src)
      gst_pad_set_offset (media->tracks[i].queue_src, 0);
    media->tracks[i].in_pmt = FALSE;
    gst_clear_object (&media->tracks[i].linked_pad);
    gst_clear_object (&media->tracks[i].spare_pad);
    gst_clear_caps (&media->tracks[i].caps);
    g_atomic_int_set (&media->tracks[i].stale, 0);
    media->tracks[i].convert = FALSE;
    media->tracks[i].profile = NULL;
    media->tracks[i].level = NULL;
  }
  g_mutex_unlock (&media->lock);
}

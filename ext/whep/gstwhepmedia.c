/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepmedia-private.h"
#include "gstwhepfanout.h"
#include "gstwheptranscode.h"
#include "whep-ts-psi.h"

#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY (whep_media_debug);

/* Enough to ride out a burst; a file source fills it and then waits. */
#define TRACK_QUEUE_TIME (1 * GST_SECOND)

/* Viewers' keyframe requests (their PLI and FIR, and one when each joins)
 * reach upstream at most this often: one keyframe serves them all. */
#define KEYFRAME_REQUEST_INTERVAL (500 * GST_MSECOND)

/* Bad input is told about (a warning) at most this often. */
#define INPUT_WARNING_INTERVAL (10 * GST_SECOND)

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
void
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

static Track *
track_for_caps (GstWhepMedia * media, GstCaps * caps)
{
  guint i;

  if (media_converts_audio (media, whep_audio_codec_from_caps (caps)))
    return &media->tracks[TRACK_AUDIO];
  for (i = 0; i < G_N_ELEMENTS (media->tracks); i++) {
    if (gst_structure_has_name (gst_caps_get_structure (caps, 0),
            media->tracks[i].caps_name))
      return &media->tracks[i];
  }
  return NULL;
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
void
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
void
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

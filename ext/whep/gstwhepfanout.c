/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepfanout.h"
#include "whep-packet-history.h"
#include "whep-rtp.h"

#include <string.h>
#include <sys/random.h>

GST_DEBUG_CATEGORY_STATIC (whep_fanout_debug);
#define GST_CAT_DEFAULT whep_fanout_debug

/* What each track's history holds: video for the keyframe a viewer starts
 * at and everything since (a 4 s GOP of a 4 Mbit/s stream is 2 MB), audio
 * only for NACKs. */
#define VIDEO_HISTORY_BYTES (6 * 1024 * 1024)
#define VIDEO_HISTORY_PACKETS 8192
#define VIDEO_HISTORY_AGE (10 * GST_SECOND)
#define AUDIO_HISTORY_BYTES (256 * 1024)
#define AUDIO_HISTORY_PACKETS 1024
#define AUDIO_HISTORY_AGE (2 * GST_SECOND)

/* A joining viewer's burst from the history: this many packets more than
 * the live ones with each push.  At ~300 video packets/s that is about 20
 * times real time: a 4 s GOP is caught up within a quarter second, and
 * never more than a few dozen packets hit the viewer's path at once. */
#define CATCHUP_PACKETS_PER_PUSH 24

/* The frames of that burst get their RTP timestamps drawn together by this
 * factor towards the live edge, so that the viewer's decoder goes through
 * them at once (4 s of frames into 40 ms) instead of playing them out. */
#define CATCHUP_SQUEEZE 100

/* One send call takes at most this many packets. */
#define BATCH_SIZE 64
#define SLOT_SIZE 1500

#define SENDER_REPORT_INTERVAL (1 * GST_SECOND)
#define MAX_PENDING_NACKS 512

#define VIDEO_CLOCK_RATE 90000

typedef struct
{
  gboolean enabled;
  guint8 payload_type;
  guint32 ssrc;
  WhepSrtp *srtp;

  /* only touched in the track's streaming thread */
  gboolean started;
  guint64 cursor;               /* the next history index to send */
  guint64 start_index;          /* the first history index sent */
  guint64 live_from;            /* indexes from here on are sent as they are */
  guint32 live_from_ts;
  gint64 index_delta;           /* out index = history index + delta */
  guint64 next_out_index;       /* ROC << 16 | seq of the next new packet */
  guint32 srtcp_index;
  GstClockTime last_report;     /* monotonic */

  /* protected by the viewer's lock */
  GArray *pending_nacks;        /* of guint16 */
  GstWhepFanoutStats stats;
} ViewerTrack;

struct _GstWhepFanoutViewer
{
  gchar *id;
  gchar *cname;
  NiceAgent *agent;
  guint stream_id;
  guint component_id;

  GMutex lock;
  ViewerTrack tracks[3];        /* indexed by WhepMediaKind */
  WhepVideoCodec video_codec;   /* the fan-out's video track it gets */
};

/* An immutable set of viewers: push() uses one without the lock. */
typedef struct
{
  guint users;                  /* push() calls working on it */
  gboolean retired;             /* no longer the current set */
  guint n;
  GstWhepFanoutViewer *viewers[];
} ViewerSet;

/* The fan-out's tracks: audio, and video per codec */
enum
{
  FANOUT_VIDEO_H264,
  FANOUT_AUDIO,
  FANOUT_VIDEO_H265,
  N_FANOUT_TRACKS
};

/* Each track's working state, only touched in its streaming thread. */
typedef struct
{
  WhepMediaKind kind;
  WhepPacketHistory *history;
  gint flush;                   /* atomic: clear the history first */
  WhepVideoCodec codec;         /* video only */

  /* scratch for one send call */
  guint8 *slots;                /* BATCH_SIZE * SLOT_SIZE */
  GOutputVector vectors[BATCH_SIZE];
  NiceOutputMessage messages[BATCH_SIZE];
  guint n_batched;
  guint batch_packets;          /* RTP packets in the batch */
  guint batch_payload_bytes;
} FanoutTrack;

struct _GstWhepFanout
{
  GMutex lock;
  GCond retired_done;
  /* protected by lock */
  ViewerSet *set;
  guint n_retired_in_use;

  FanoutTrack tracks[N_FANOUT_TRACKS];
};

/* ---------------------------------------------------------------------- */
/* Viewer sets */

static ViewerSet *
viewer_set_new (guint n)
{
  ViewerSet *set = g_malloc0 (sizeof (ViewerSet) +
      n * sizeof (GstWhepFanoutViewer *));

  set->n = n;
  return set;
}

/* Called with the fan-out lock. */
static void
viewer_set_replace (GstWhepFanout * fanout, ViewerSet * fresh)
{
  ViewerSet *old = fanout->set;

  fanout->set = fresh;
  old->retired = TRUE;
  if (old->users == 0)
    g_free (old);
  else
    fanout->n_retired_in_use++;
}

static ViewerSet *
viewer_set_acquire (GstWhepFanout * fanout)
{
  ViewerSet *set;

  g_mutex_lock (&fanout->lock);
  set = fanout->set;
  set->users++;
  g_mutex_unlock (&fanout->lock);
  return set;
}

static void
viewer_set_release (GstWhepFanout * fanout, ViewerSet * set)
{
  g_mutex_lock (&fanout->lock);
  if (--set->users == 0 && set->retired) {
    g_free (set);
    fanout->n_retired_in_use--;
    g_cond_broadcast (&fanout->retired_done);
  }
  g_mutex_unlock (&fanout->lock);
}

/* ---------------------------------------------------------------------- */
/* Sending */

/* Hands the batch to the viewer's agent in one call.  A full socket drops
 * for this viewer only: nothing here ever waits. */
static void
track_flush_batch (FanoutTrack * track, GstWhepFanoutViewer * viewer,
    ViewerTrack * vt)
{
  GError *error = NULL;
  gint sent;
  guint dropped = 0;

  if (track->n_batched == 0)
    return;

  sent = nice_agent_send_messages_nonblocking (viewer->agent,
      viewer->stream_id, viewer->component_id, track->messages,
      track->n_batched, NULL, &error);
  if (sent < 0) {
    GST_LOG ("viewer %s: send failed: %s", viewer->id, error->message);
    g_clear_error (&error);
    sent = 0;
  }
  if ((guint) sent < track->n_batched)
    dropped = track->n_batched - sent;

  g_mutex_lock (&viewer->lock);
  vt->stats.packets += track->batch_packets;
  vt->stats.bytes += track->batch_payload_bytes;
  vt->stats.dropped += dropped;
  g_mutex_unlock (&viewer->lock);

  track->n_batched = 0;
  track->batch_packets = 0;
  track->batch_payload_bytes = 0;
}

static guint8 *
track_next_slot (FanoutTrack * track, GstWhepFanoutViewer * viewer,
    ViewerTrack * vt)
{
  if (track->n_batched == BATCH_SIZE)
    track_flush_batch (track, viewer, vt);
  return track->slots + track->n_batched * SLOT_SIZE;
}

static void
track_commit_slot (FanoutTrack * track, gsize len)
{
  guint i = track->n_batched++;

  track->vectors[i].buffer = track->slots + i * SLOT_SIZE;
  track->vectors[i].size = len;
  track->messages[i].buffers = &track->vectors[i];
  track->messages[i].n_buffers = 1;
}

/* The RTP timestamp the viewer sees for a history packet: packets of the
 * catch-up burst are drawn together towards the live edge. */
static guint32
viewer_timestamp (ViewerTrack * vt, guint64 index, guint32 ts)
{
  guint32 behind;

  if (index >= vt->live_from || ts == vt->live_from_ts)
    return ts;
  behind = vt->live_from_ts - ts;
  return vt->live_from_ts - MAX (behind / CATCHUP_SQUEEZE, 1);
}

/* Rewrites history packet @index for the viewer into the batch. */
static gboolean
track_batch_packet (FanoutTrack * track, GstWhepFanoutViewer * viewer,
    ViewerTrack * vt, guint64 index)
{
  GstBuffer *packet = whep_packet_history_get (track->history, index);
  guint64 out_index = (guint64) ((gint64) index + vt->index_delta);
  guint8 *slot;
  gsize header_len, len;

  if (packet == NULL)
    return FALSE;
  if (gst_buffer_get_size (packet) + WHEP_SRTP_MAX_RTP_OVERHEAD > SLOT_SIZE)
    return FALSE;

  slot = track_next_slot (track, viewer, vt);
  len = gst_buffer_extract (packet, 0, slot, SLOT_SIZE);
  header_len = whep_rtp_header_len (slot, len);
  if (header_len == 0)
    return FALSE;

  whep_rtp_rewrite (slot, vt->payload_type, out_index & 0xffff,
      viewer_timestamp (vt, index, whep_rtp_get_timestamp (slot)), vt->ssrc);
  len = whep_srtp_protect_rtp (vt->srtp, slot, len, out_index >> 16);
  if (len == 0)
    return FALSE;
  track_commit_slot (track, len);
  track->batch_packets++;
  track->batch_payload_bytes += gst_buffer_get_size (packet) - header_len;
  return TRUE;
}

/* A Sender Report for the viewer's track, as of the live packet with
 * (viewer) timestamp @rtp_ts that is being sent now. */
static void
track_batch_sender_report (FanoutTrack * track, GstWhepFanoutViewer * viewer,
    ViewerTrack * vt, guint32 rtp_ts)
{
  GstWhepFanoutStats stats;
  guint8 *slot;
  gsize len;

  g_mutex_lock (&viewer->lock);
  stats = vt->stats;
  vt->stats.sender_reports++;
  g_mutex_unlock (&viewer->lock);

  slot = track_next_slot (track, viewer, vt);
  len = whep_rtcp_build_sender_report (slot,
      SLOT_SIZE - WHEP_SRTP_MAX_RTCP_OVERHEAD, vt->ssrc,
      whep_ntp_from_unix_us (g_get_real_time ()), rtp_ts,
      (guint32) (stats.packets + track->batch_packets),
      (guint32) (stats.bytes + track->batch_payload_bytes), viewer->cname);
  if (len == 0)
    return;
  len = whep_srtp_protect_rtcp (vt->srtp, slot, len, vt->srtcp_index);
  if (len == 0)
    return;
  vt->srtcp_index = (vt->srtcp_index + 1) & 0x7fffffff;
  track_commit_slot (track, len);
}

/* Sends again what the viewer NACKed, if the history still has it. */
static void
track_batch_retransmissions (FanoutTrack * track, GstWhepFanoutViewer * viewer,
    ViewerTrack * vt)
{
  GArray *nacks;
  guint i, found = 0;

  g_mutex_lock (&viewer->lock);
  nacks = vt->pending_nacks;
  vt->pending_nacks = NULL;
  g_mutex_unlock (&viewer->lock);
  if (nacks == NULL)
    return;

  for (i = 0; vt->started && i < nacks->len; i++) {
    guint16 seq = g_array_index (nacks, guint16, i);
    guint64 out_index = whep_rtp_extend_seq (seq, vt->next_out_index);
    gint64 index = (gint64) out_index - vt->index_delta;

    /* only what was sent already, and only since this viewer started */
    if (out_index >= vt->next_out_index || index < (gint64) vt->start_index) {
      GST_LOG ("viewer %s: NACK for %u, not sent yet (last sent %u)",
          viewer->id, seq, (guint) ((vt->next_out_index - 1) & 0xffff));
      continue;
    }
    if (track_batch_packet (track, viewer, vt, (guint64) index)) {
      GST_LOG ("viewer %s: NACK for %u, sent again", viewer->id, seq);
      found++;
    } else
      GST_DEBUG ("viewer %s: NACK for %u, no longer held", viewer->id, seq);
  }

  g_mutex_lock (&viewer->lock);
  vt->stats.retransmitted += found;
  g_mutex_unlock (&viewer->lock);
  g_array_unref (nacks);
}

/* Where a viewer that has not started yet starts: video at the newest
 * keyframe held, audio with the packets just pushed.  FALSE to wait. */
static gboolean
track_start_viewer (FanoutTrack * track, ViewerTrack * vt, guint64 first_new)
{
  guint64 start = first_new;
  GstBuffer *live;
  GstMapInfo map;

  if (track->kind == WHEP_MEDIA_KIND_VIDEO &&
      !whep_packet_history_last_keyframe (track->history, &start))
    return FALSE;

  live = whep_packet_history_get (track->history, first_new);
  if (live == NULL || !gst_buffer_map (live, &map, GST_MAP_READ))
    return FALSE;
  vt->live_from_ts = map.size >= WHEP_RTP_FIXED_HEADER_LEN ?
      whep_rtp_get_timestamp (map.data) : 0;
  gst_buffer_unmap (live, &map);

  vt->started = TRUE;
  vt->start_index = start;
  vt->cursor = start;
  vt->live_from = first_new;
  vt->index_delta = (gint64) vt->next_out_index - (gint64) start;
  GST_DEBUG ("track %d starts at %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
      " packets from the history", track->kind, start, first_new - start);
  return TRUE;
}

/* Everything this push owes one viewer: retransmissions, its next packets
 * (live ones and some of its catch-up burst), a Sender Report when due. */
static void
track_serve_viewer (FanoutTrack * track, GstWhepFanoutViewer * viewer,
    guint64 first_new, guint64 end, GstClockTime now)
{
  ViewerTrack *vt = &viewer->tracks[track->kind];
  guint64 limit, last_sent = G_MAXUINT64;

  if (!vt->enabled || (track->kind == WHEP_MEDIA_KIND_VIDEO &&
          viewer->video_codec != track->codec))
    return;

  track_batch_retransmissions (track, viewer, vt);

  if (vt->started &&
      vt->cursor < whep_packet_history_first_index (track->history)) {
    /* fell so far behind that the history lost its packets: start over */
    vt->started = FALSE;
  }
  if (!vt->started && !track_start_viewer (track, vt, first_new)) {
    track_flush_batch (track, viewer, vt);
    return;
  }

  /* the new packets, and as many again of the burst */
  limit = MIN (end, vt->cursor + (end - first_new) + CATCHUP_PACKETS_PER_PUSH);
  for (; vt->cursor < limit; vt->cursor++) {
    track_batch_packet (track, viewer, vt, vt->cursor);
    vt->next_out_index = (guint64) ((gint64) vt->cursor + vt->index_delta) + 1;
    last_sent = vt->cursor;
  }

  /* Reports only at the live edge, where timestamp and wall clock agree */
  if (last_sent != G_MAXUINT64 && last_sent + 1 == end &&
      (!GST_CLOCK_TIME_IS_VALID (vt->last_report) ||
          now - vt->last_report >= SENDER_REPORT_INTERVAL)) {
    GstBuffer *packet = whep_packet_history_get (track->history, last_sent);
    GstMapInfo map;

    if (packet && gst_buffer_map (packet, &map, GST_MAP_READ)) {
      guint32 ts = whep_rtp_get_timestamp (map.data);

      gst_buffer_unmap (packet, &map);
      track_batch_sender_report (track, viewer, vt,
          viewer_timestamp (vt, last_sent, ts));
      vt->last_report = now;
    }
  }
  track_flush_batch (track, viewer, vt);
}

static gboolean
is_keyframe_start (FanoutTrack * track, GstBuffer * packet)
{
  GstMapInfo map;
  gsize header_len;
  gboolean keyframe = FALSE;

  if (track->kind != WHEP_MEDIA_KIND_VIDEO ||
      !gst_buffer_map (packet, &map, GST_MAP_READ))
    return FALSE;
  header_len = whep_rtp_header_len (map.data, map.size);
  if (header_len > 0 && track->codec == WHEP_VIDEO_CODEC_H265)
    keyframe = whep_rtp_h265_starts_keyframe (map.data + header_len,
        map.size - header_len);
  else if (header_len > 0)
    keyframe = whep_rtp_h264_starts_keyframe (map.data + header_len,
        map.size - header_len);
  gst_buffer_unmap (packet, &map);
  return keyframe;
}

static FanoutTrack *
fanout_track (GstWhepFanout * fanout, WhepMediaKind kind,
    WhepVideoCodec codec)
{
  if (kind == WHEP_MEDIA_KIND_AUDIO)
    return &fanout->tracks[FANOUT_AUDIO];
  return &fanout->tracks[codec == WHEP_VIDEO_CODEC_H265 ?
      FANOUT_VIDEO_H265 : FANOUT_VIDEO_H264];
}

static void
fanout_push_packets (GstWhepFanout * fanout, FanoutTrack * track,
    GstBuffer ** packets, guint n_packets)
{
  ViewerSet *set;
  GstClockTime now = g_get_monotonic_time () * GST_USECOND;
  guint64 first_new;
  guint i;

  if (g_atomic_int_compare_and_exchange (&track->flush, 1, 0))
    whep_packet_history_clear (track->history);

  first_new = whep_packet_history_next_index (track->history);
  for (i = 0; i < n_packets; i++) {
    gboolean keyframe = is_keyframe_start (track, packets[i]);
    guint64 index = whep_packet_history_push (track->history, packets[i],
        now, keyframe);

    if (keyframe)
      GST_LOG ("keyframe starts at packet %" G_GUINT64_FORMAT, index);
  }

  set = viewer_set_acquire (fanout);
  for (i = 0; i < set->n; i++)
    track_serve_viewer (track, set->viewers[i], first_new,
        whep_packet_history_next_index (track->history), now);
  viewer_set_release (fanout, set);
}

void
gst_whep_fanout_push (GstWhepFanout * fanout, WhepMediaKind kind,
    WhepVideoCodec codec, GstBuffer * packet)
{
  g_return_if_fail (kind == WHEP_MEDIA_KIND_VIDEO ||
      kind == WHEP_MEDIA_KIND_AUDIO);
  fanout_push_packets (fanout, fanout_track (fanout, kind, codec), &packet,
      1);
}

void
gst_whep_fanout_push_list (GstWhepFanout * fanout, WhepMediaKind kind,
    WhepVideoCodec codec, GstBufferList * list)
{
  guint n = gst_buffer_list_length (list), i;
  GstBuffer **packets = g_newa (GstBuffer *, MAX (n, 1));

  for (i = 0; i < n; i++)
    packets[i] = gst_buffer_list_get (list, i);
  g_return_if_fail (kind == WHEP_MEDIA_KIND_VIDEO ||
      kind == WHEP_MEDIA_KIND_AUDIO);
  if (n > 0)
    fanout_push_packets (fanout, fanout_track (fanout, kind, codec), packets,
        n);
}

void
gst_whep_fanout_flush (GstWhepFanout * fanout)
{
  guint i;

  for (i = 0; i < N_FANOUT_TRACKS; i++)
    g_atomic_int_set (&fanout->tracks[i].flush, 1);
}

/* ---------------------------------------------------------------------- */
/* Viewers */

static guint64
random_out_index (void)
{
  guint16 seq = 0;

  /* A random first sequence number (RFC 3550 5.1), low enough that the
   * rollover counter stays 0 for a while. */
  while (getrandom (&seq, sizeof (seq), 0) != sizeof (seq));
  return seq & 0x7fff;
}

static void
viewer_free (GstWhepFanoutViewer * viewer)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (viewer->tracks); i++) {
    g_clear_pointer (&viewer->tracks[i].srtp, whep_srtp_free);
    g_clear_pointer (&viewer->tracks[i].pending_nacks, g_array_unref);
  }
  g_clear_object (&viewer->agent);
  g_mutex_clear (&viewer->lock);
  g_free (viewer->id);
  g_free (viewer->cname);
  g_free (viewer);
}

GstWhepFanoutViewer *
gst_whep_fanout_add_viewer (GstWhepFanout * fanout,
    const GstWhepFanoutTarget * target, GError ** error)
{
  GstWhepFanoutViewer *viewer = g_new0 (GstWhepFanoutViewer, 1);
  ViewerSet *fresh;
  guint i;

  viewer->id = g_strdup (target->id);
  viewer->cname = g_strdup (target->cname);
  viewer->agent = g_object_ref (target->agent);
  viewer->stream_id = target->stream_id;
  viewer->component_id = target->component_id;
  viewer->video_codec = target->video_codec;
  g_mutex_init (&viewer->lock);

  for (i = 0; i < G_N_ELEMENTS (viewer->tracks); i++) {
    ViewerTrack *vt = &viewer->tracks[i];

    vt->enabled = target->tracks[i].enabled;
    vt->payload_type = target->tracks[i].payload_type;
    vt->ssrc = target->tracks[i].ssrc;
    vt->next_out_index = random_out_index ();
    vt->last_report = GST_CLOCK_TIME_NONE;
    vt->stats.round_trip_us = -1;
    if (!vt->enabled)
      continue;
    /* One context per track: each is used by its own streaming thread. */
    vt->srtp = whep_srtp_new (target->profile, target->key_and_salt,
        sizeof (target->key_and_salt), error);
    if (vt->srtp == NULL) {
      viewer_free (viewer);
      return NULL;
    }
  }

  g_mutex_lock (&fanout->lock);
  fresh = viewer_set_new (fanout->set->n + 1);
  memcpy (fresh->viewers, fanout->set->viewers,
      fanout->set->n * sizeof (GstWhepFanoutViewer *));
  fresh->viewers[fanout->set->n] = viewer;
  viewer_set_replace (fanout, fresh);
  g_mutex_unlock (&fanout->lock);

  GST_INFO ("viewer %s joins the send path (stream %u)", viewer->id,
      viewer->stream_id);
  return viewer;
}

void
gst_whep_fanout_remove_viewer (GstWhepFanout * fanout,
    GstWhepFanoutViewer * viewer)
{
  ViewerSet *fresh;
  guint i, n = 0;

  g_mutex_lock (&fanout->lock);
  fresh = viewer_set_new (fanout->set->n);
  for (i = 0; i < fanout->set->n; i++)
    if (fanout->set->viewers[i] != viewer)
      fresh->viewers[n++] = fanout->set->viewers[i];
  fresh->n = n;
  viewer_set_replace (fanout, fresh);
  /* Every set still in use is older than this one: once none is, no
   * push() can reach the viewer. */
  while (fanout->n_retired_in_use > 0)
    g_cond_wait (&fanout->retired_done, &fanout->lock);
  g_mutex_unlock (&fanout->lock);

  GST_INFO ("viewer %s left the send path", viewer->id);
  viewer_free (viewer);
}

static ViewerTrack *
viewer_track_for_ssrc (GstWhepFanoutViewer * viewer, guint32 ssrc)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (viewer->tracks); i++)
    if (viewer->tracks[i].enabled && viewer->tracks[i].ssrc == ssrc)
      return &viewer->tracks[i];
  return NULL;
}

void
gst_whep_fanout_viewer_nack (GstWhepFanoutViewer * viewer, guint32 media_ssrc,
    const guint16 * seqs, guint n_seqs)
{
  ViewerTrack *vt = viewer_track_for_ssrc (viewer, media_ssrc);

  if (vt == NULL || n_seqs == 0)
    return;
  g_mutex_lock (&viewer->lock);
  vt->stats.nacked += n_seqs;
  if (vt->pending_nacks == NULL)
    vt->pending_nacks = g_array_new (FALSE, FALSE, sizeof (guint16));
  if (vt->pending_nacks->len + n_seqs <= MAX_PENDING_NACKS)
    g_array_append_vals (vt->pending_nacks, seqs, n_seqs);
  g_mutex_unlock (&viewer->lock);
}

gint
gst_whep_fanout_viewer_keyframe_request (GstWhepFanoutViewer * viewer,
    guint32 media_ssrc)
{
  ViewerTrack *vt = viewer_track_for_ssrc (viewer, media_ssrc);

  if (vt == NULL)
    return -1;
  g_mutex_lock (&viewer->lock);
  vt->stats.keyframe_requests++;
  g_mutex_unlock (&viewer->lock);
  return vt - viewer->tracks;
}

void
gst_whep_fanout_viewer_receiver_report (GstWhepFanoutViewer * viewer,
    guint32 ssrc, gint64 packets_lost, guint8 fraction_lost, guint32 jitter,
    gint64 round_trip_us)
{
  ViewerTrack *vt = viewer_track_for_ssrc (viewer, ssrc);

  if (vt == NULL)
    return;
  g_mutex_lock (&viewer->lock);
  vt->stats.have_report = TRUE;
  vt->stats.packets_lost = packets_lost;
  vt->stats.fraction_lost = fraction_lost / 256.0;
  vt->stats.jitter = jitter;
  if (round_trip_us >= 0)
    vt->stats.round_trip_us = round_trip_us;
  g_mutex_unlock (&viewer->lock);
}

void
gst_whep_fanout_viewer_get_stats (GstWhepFanoutViewer * viewer,
    WhepMediaKind kind, GstWhepFanoutStats * stats)
{
  g_return_if_fail (kind == WHEP_MEDIA_KIND_VIDEO ||
      kind == WHEP_MEDIA_KIND_AUDIO);
  g_mutex_lock (&viewer->lock);
  *stats = viewer->tracks[kind].stats;
  g_mutex_unlock (&viewer->lock);
}

/* ---------------------------------------------------------------------- */

GstWhepFanout *
gst_whep_fanout_new (void)
{
  GstWhepFanout *fanout = g_new0 (GstWhepFanout, 1);
  guint i;

  if (!whep_fanout_debug)
    GST_DEBUG_CATEGORY_INIT (whep_fanout_debug, "whepfanout", 0,
        "whepsink shared send path");

  g_mutex_init (&fanout->lock);
  g_cond_init (&fanout->retired_done);
  fanout->set = viewer_set_new (0);
  for (i = 0; i < N_FANOUT_TRACKS; i++) {
    FanoutTrack *track = &fanout->tracks[i];
    gboolean video = i != FANOUT_AUDIO;

    track->kind = video ? WHEP_MEDIA_KIND_VIDEO : WHEP_MEDIA_KIND_AUDIO;
    track->codec = i == FANOUT_VIDEO_H265 ? WHEP_VIDEO_CODEC_H265 :
        WHEP_VIDEO_CODEC_H264;
    track->history = video ?
        whep_packet_history_new (VIDEO_HISTORY_BYTES, VIDEO_HISTORY_PACKETS,
        VIDEO_HISTORY_AGE) :
        whep_packet_history_new (AUDIO_HISTORY_BYTES, AUDIO_HISTORY_PACKETS,
        AUDIO_HISTORY_AGE);
    track->slots = g_malloc (BATCH_SIZE * SLOT_SIZE);
  }
  return fanout;
}

/* Every viewer must have been removed. */
void
gst_whep_fanout_free (GstWhepFanout * fanout)
{
  guint i;

  g_warn_if_fail (fanout->set->n == 0 && fanout->n_retired_in_use == 0);
  for (i = 0; i < N_FANOUT_TRACKS; i++) {
    whep_packet_history_free (fanout->tracks[i].history);
    g_free (fanout->tracks[i].slots);
  }
  g_free (fanout->set);
  g_cond_clear (&fanout->retired_done);
  g_mutex_clear (&fanout->lock);
  g_free (fanout);
}

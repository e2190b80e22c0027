/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <nice/agent.h>
#include "whep-offer.h"
#include "whep-srtp.h"

G_BEGIN_DECLS

/* GstWhepFanout: the shared send path.  Every track is payloaded once (by
 * the media part); each of its RTP packets comes here, in that track's
 * streaming thread, and leaves for every connected viewer from that same
 * thread: rewritten (the viewer's SSRC, payload type, sequence number),
 * SRTP-protected with the viewer's DTLS key, and handed to the viewer's
 * libnice agent.  No per-viewer element, pad or thread is on the way:
 *
 *   track (payloaded once) --> packet history (NACKs, joining viewers)
 *          |
 *          `--> for each viewer: rewrite -> SRTP -> nice_agent_send_messages
 *
 * webrtcbin keeps ICE, DTLS and the RTCP the viewer sends; the session
 * hands the fan-out what it needs from them (agent, stream, key) once the
 * viewer is connected, and the viewer's NACKs and PLIs as they come.
 *
 * What webrtcbin would have done for these packets the fan-out does: a
 * Sender Report with CNAME per track about once a second (browsers sync
 * audio and video with them), retransmission of packets a viewer NACKs,
 * counters for stats.
 *
 * A new viewer's video starts at the newest keyframe the history holds
 * (SPS, PPS, IDR), not at the encoder's next one: the frames since then are
 * sent as a paced burst with their timestamps drawn together just before
 * the live edge, so that the decoder shows a picture at once and playout
 * is not delayed by the keyframe's age.
 *
 * Threads: push() runs in the tracks' streaming threads (one per track);
 * add and remove in any other thread.  The viewer set is replaced, never
 * changed in place, under the fan-out's lock; push() works on the set it
 * took without holding the lock, and remove() waits until no push() uses a
 * set that holds the viewer any more (the hand-shake that keeps packets off
 * a closed socket). */
typedef struct _GstWhepFanout GstWhepFanout;
typedef struct _GstWhepFanoutViewer GstWhepFanoutViewer;

/* Where and how a viewer's media goes. */
typedef struct
{
  const gchar *id;              /* for the log */
  NiceAgent *agent;             /* webrtcbin's; a reference is taken */
  guint stream_id;
  guint component_id;           /* 1: RTP and RTCP are multiplexed */
  WhepSrtpProfile profile;
  guint8 key_and_salt[WHEP_SRTP_MASTER_KEY_LEN + WHEP_SRTP_MASTER_SALT_LEN];
  const gchar *cname;           /* for the Sender Reports' SDES */
  struct
  {
    gboolean enabled;           /* the viewer receives this track */
    guint8 payload_type;        /* as negotiated */
    guint32 ssrc;               /* as announced in the answer */
  } tracks[3];                  /* indexed by WhepMediaKind (not OTHER) */
  WhepVideoCodec video_codec;   /* which video track it receives */
} GstWhepFanoutTarget;

/* What the fan-out did for a viewer's track, for stats. */
typedef struct
{
  guint64 packets;              /* RTP packets sent, retransmissions included */
  guint64 bytes;                /* RTP payload bytes, as in RTCP SR */
  guint64 dropped;              /* packets the socket would not take */
  guint64 nacked;               /* packets the viewer asked for again */
  guint64 retransmitted;        /* of those, found and sent */
  guint64 sender_reports;
  guint64 keyframe_requests;    /* PLI and FIR from the viewer */
  /* from the viewer's newest receiver report, if any */
  gboolean have_report;
  gint64 packets_lost;          /* cumulative, as the viewer counts them */
  gdouble fraction_lost;        /* since its previous report, 0..1 */
  guint32 jitter;               /* in RTP timestamp units */
  gint64 round_trip_us;         /* -1: unknown */
} GstWhepFanoutStats;

GstWhepFanout *gst_whep_fanout_new (void);
void gst_whep_fanout_free (GstWhepFanout * fanout);

/* One payloaded RTP packet of @kind (or a list of them, in order), from
 * that track's streaming thread.  Takes no ownership.  Video of each
 * @codec is a track of its own (ignored for audio): H.265 passed through
 * and the H.264 made from it go to different viewers at once, and where
 * a viewer can start is found by the codec. */
void gst_whep_fanout_push (GstWhepFanout * fanout, WhepMediaKind kind,
    WhepVideoCodec codec, GstBuffer * packet);
void gst_whep_fanout_push_list (GstWhepFanout * fanout, WhepMediaKind kind,
    WhepVideoCodec codec, GstBufferList * list);

/* The stream changed beyond repair (EOS, a new stream): no old packet may
 * be sent again or start a viewer. */
void gst_whep_fanout_flush (GstWhepFanout * fanout);

/* Adds a viewer; media starts with the next packet of each track.  Returns
 * NULL (with @error) if the key does not fit the profile. */
GstWhepFanoutViewer *gst_whep_fanout_add_viewer (GstWhepFanout * fanout,
    const GstWhepFanoutTarget * target, GError ** error);

/* Takes the viewer out and frees it; when this returns no packet is being
 * sent to it, nor ever will be.  Not from a track's streaming thread. */
void gst_whep_fanout_remove_viewer (GstWhepFanout * fanout,
    GstWhepFanoutViewer * viewer);

/* The viewer asked for these packets again (RTCP Generic NACK) on its
 * track with SSRC @media_ssrc.  From any thread; sent from the track's
 * thread with its next packet. */
void gst_whep_fanout_viewer_nack (GstWhepFanoutViewer * viewer,
    guint32 media_ssrc, const guint16 * seqs, guint n_seqs);

/* Counts a keyframe request (PLI, FIR) of the viewer; returns the kind of
 * the track with @media_ssrc, or -1 if it is none of the viewer's. */
gint gst_whep_fanout_viewer_keyframe_request (GstWhepFanoutViewer * viewer,
    guint32 media_ssrc);

/* What the viewer reports of its track with SSRC @ssrc (an RTCP report
 * block); @round_trip_us -1 if unknown.  From any thread. */
void gst_whep_fanout_viewer_receiver_report (GstWhepFanoutViewer * viewer,
    guint32 ssrc, gint64 packets_lost, guint8 fraction_lost, guint32 jitter,
    gint64 round_trip_us);

void gst_whep_fanout_viewer_get_stats (GstWhepFanoutViewer * viewer,
    WhepMediaKind kind, GstWhepFanoutStats * stats);

G_END_DECLS

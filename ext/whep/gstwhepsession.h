/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include "whep-offer.h"
#include "gstwhepfanout.h"

G_BEGIN_DECLS

/* GstWhepSession: one viewer.  A bin that owns the viewer's webrtcbin.
 *
 * On the shared send path (a fan-out is given) webrtcbin does ICE, DTLS and
 * the RTCP the viewer sends; a pad of the session that never pushes tells
 * it the caps of each track for the answer, and once DTLS is up the
 * session hands the fan-out the viewer's ICE stream and SRTP key, and the
 * viewer's NACKs and PLIs as they come:
 *
 *   [caps pad] -> webrtcbin (ICE, DTLS, RTCP in)  --agent, key, NACK-->  fan-out
 *
 * Without a fan-out (the per-viewer path) the session has a branch of its
 * own per track, fed from the media part's tees:
 *
 *   video ghost pad -> queue (leaky) -> rtph264pay -> capssetter -> webrtcbin
 *   audio ghost pad -> queue (leaky) -> rtpopuspay -> capssetter ---'
 *
 * The leaky queue keeps a slow or blocked viewer (webrtcbin holds a new sink
 * pad until negotiation ends) from ever stalling the shared tee.  The
 * capssetter states exactly what the offer asked for (payload type,
 * profile-level-id, SSRC), because webrtcbin 1.22 builds its answer from the
 * caps on its sink pads and compares them to the offer as strings.
 *
 * Buffers are dropped at the ghost pads until ICE is connected, and video
 * until the next keyframe after that, so a viewer starts clean.
 */
#define GST_TYPE_WHEP_SESSION (gst_whep_session_get_type ())
G_DECLARE_FINAL_TYPE (GstWhepSession, gst_whep_session, GST, WHEP_SESSION, GstBin)

#define GST_WHEP_SESSION_ERROR (gst_whep_session_error_quark ())
GQuark gst_whep_session_error_quark (void);

typedef enum
{
  /* webrtcbin would not take the offer: the client's fault (HTTP 400) */
  GST_WHEP_SESSION_ERROR_OFFER_REFUSED,
  /* anything else on the way to the answer (HTTP 500) */
  GST_WHEP_SESSION_ERROR_FAILED,
} GstWhepSessionError;

typedef struct
{
  /* The answer, with every ICE candidate gathered, or an error.  Called once,
   * from one of webrtcbin's threads. */
  void (*answer_ready) (GstWhepSession * session, GstSDPMessage * answer,
      const GError * error, gpointer user_data);
  /* ICE and DTLS are up: media flows.  From one of webrtcbin's threads. */
  void (*connected) (GstWhepSession * session, gpointer user_data);
  /* ICE or DTLS failed, or the peer went away.  Called from one of
   * webrtcbin's threads, possibly more than once. */
  void (*failed) (GstWhepSession * session, const gchar * reason,
      gpointer user_data);
  /* The viewer asked for a keyframe (PLI, FIR), or joined the shared send
   * path.  From one of webrtcbin's threads. */
  void (*keyframe_requested) (GstWhepSession * session, gpointer user_data);
} GstWhepSessionCallbacks;

typedef struct
{
  const gchar *stun_server;     /* webrtcbin's URI form, or NULL */
  const gchar *turn_server;
  guint min_port;               /* UDP port range for media; 0: any */
  guint max_port;
  gboolean ice_tcp;             /* offer ICE-TCP candidates too */
} GstWhepIceConfig;

/* @fanout: the shared send path to join once connected (not owned; it
 * must outlive the session), or NULL for a branch per track.  Returns NULL
 * (with @error) if an element is missing. */
GstWhepSession *gst_whep_session_new (const gchar * id,
    const WhepAnswerPlan * plan, const GstWhepIceConfig * ice,
    GstWhepFanout * fanout, const GstWhepSessionCallbacks * callbacks,
    gpointer user_data, GError ** error);

/* Takes the viewer off the shared send path, waiting until no packet is
 * being sent to it; it never joins again.  Call before the session goes
 * to NULL, not from a streaming thread. */
void gst_whep_session_leave_fanout (GstWhepSession * session);

/* What the shared send path sent on the viewer's @kind track; FALSE if
 * the viewer is not on it or has no such track. */
gboolean gst_whep_session_get_send_stats (GstWhepSession * session,
    WhepMediaKind kind, GstWhepFanoutStats * stats);

const gchar *gst_whep_session_get_id (GstWhepSession * session);

/* The ghost sink pad for @kind, or NULL if the plan has no such track. */
GstPad *gst_whep_session_get_sink_pad (GstWhepSession * session,
    WhepMediaKind kind);

/* Seconds since the connected viewer last sent anything; 0 while not
 * connected. */
guint gst_whep_session_get_silence (GstWhepSession * session);

/* The viewer's address as "ip:port" ("[ip]:port" for IPv6), from the
 * candidate pair ICE selected; NULL before ICE has selected one.  Free with
 * g_free().  Any thread but a streaming one of the session. */
gchar *gst_whep_session_get_remote_address (GstWhepSession * session);

/* A remote candidate trickled in by the viewer ("candidate:..."), for the
 * m-line at @mline_index. */
void gst_whep_session_add_remote_candidate (GstWhepSession * session,
    guint mline_index, const gchar * candidate);

/* An ICE restart asked for by the viewer (RFC 9725 4.4.2): its new
 * credentials and candidates ("candidate:..." strings) in, ours out.  The
 * DTLS association and the media go on over the new candidate pair.
 * Returns FALSE (with @error) if the session has no ICE stream yet. */
gboolean gst_whep_session_restart_ice (GstWhepSession * session,
    const gchar * remote_ufrag, const gchar * remote_pwd,
    const GPtrArray * remote_candidates, gchar ** local_ufrag,
    gchar ** local_pwd, GPtrArray ** local_candidates, GError ** error);

/* Starts negotiating with @offer.  The session must be in a running bin.
 * Calls answer_ready once, when gathering is complete. */
void gst_whep_session_negotiate (GstWhepSession * session,
    const GstSDPMessage * offer);

G_END_DECLS

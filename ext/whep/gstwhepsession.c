/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepsession.h"
#include "gstwhepmedia.h"

#include <gst/rtp/rtp.h>
#include <gst/webrtc/webrtc.h>
#include <gst/video/video.h>
#include <nice/agent.h>
#include <string.h>
#include "whep-rtp.h"
#include <sys/random.h>

GST_DEBUG_CATEGORY_STATIC (whep_session_debug);
#define GST_CAT_DEFAULT whep_session_debug

/* How much a viewer's queue may hold before it drops its oldest data. */
#define VIEWER_QUEUE_TIME (500 * GST_MSECOND)

struct _GstWhepSession
{
  GstBin parent;

  /* fixed at construction */
  gchar *id;
  GstElement *webrtc;
  GstPad *sink_pads[3];         /* ghost pads, indexed by WhepMediaKind */
  GstWhepSessionCallbacks callbacks;
  gpointer user_data;
  /* the shared send path (not owned), or NULL for branches of our own */
  GstWhepFanout *fanout;
  GstPad *caps_pads[3];         /* shared path: what webrtcbin is fed from */
  guint8 payload_types[3];      /* by WhepMediaKind, as negotiated */
  guint32 ssrcs[3];             /* by WhepMediaKind, 0: no such track */
  guint32 pooled_ssrcs[3];      /* taken from the pool, back at finalize */
  WhepVideoCodec video_codec;   /* of the video it was answered */

  GMutex lock;
  /* protected by lock */
  GstWhepFanoutViewer *fanout_viewer;
  gboolean leaving;             /* left the fan-out, may not join again */
  GstPromise *pending;          /* the negotiation step webrtcbin owes */
  GCond pending_cond;           /* signalled when pending becomes NULL */

  /* atomic */
  gint connected;               /* DTLS is up: media may flow */
  gint last_heard_s;            /* monotonic seconds of its last packet */
  gint answered;                /* answer_ready was called */
  /* only touched in the video streaming thread */
  gboolean video_started;
};

G_DEFINE_TYPE (GstWhepSession, gst_whep_session, GST_TYPE_BIN);
G_DEFINE_QUARK (gst-whep-session-error-quark, gst_whep_session_error);

static void
session_fail (GstWhepSession * session, const gchar * reason)
{
  GST_INFO_OBJECT (session, "session %s: %s", session->id, reason);
  session->callbacks.failed (session, reason, session->user_data);
}

static void
session_answer_error (GstWhepSession * session, GstWhepSessionError code,
    const gchar * what)
{
  GError *error;

  if (!g_atomic_int_compare_and_exchange (&session->answered, 0, 1))
    return;
  error = g_error_new (GST_WHEP_SESSION_ERROR, code, "%s: %s",
      code == GST_WHEP_SESSION_ERROR_OFFER_REFUSED ?
      "the offer was refused" : "could not negotiate", what);
  GST_WARNING_OBJECT (session, "%s", error->message);
  session->callbacks.answer_ready (session, NULL, error, session->user_data);
  g_error_free (error);
}

/* ---------------------------------------------------------------------- */
/* Data gate */

static GstPadProbeReturn
gate_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepSession *session = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  /* Until DTLS is up webrtcbin would only queue or block: keep the shared
   * tee's thread out of that. */
  if (!g_atomic_int_get (&session->connected))
    return GST_PAD_PROBE_DROP;

  if (pad == session->sink_pads[WHEP_MEDIA_KIND_VIDEO]
      && !session->video_started) {
    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
      return GST_PAD_PROBE_DROP;
    GST_DEBUG_OBJECT (session, "first keyframe, video starts");
    session->video_started = TRUE;
  }
  return GST_PAD_PROBE_OK;
}

/* ---------------------------------------------------------------------- */
/* Construction */

static guint32
random_ssrc (void)
{
  guint32 ssrc = 0;

  /* Any value does; the kernel's source saves seeding anything. */
  while (getrandom (&ssrc, sizeof (ssrc), 0) != sizeof (ssrc) || ssrc == 0);
  return ssrc;
}

/* The SSRCs of sessions that have ended, for the next ones.  webrtcbin
 * turns every a=ssrc line of an answer into caps fields named
 * "ssrc-<SSRC>-cname" and "ssrc-<SSRC>-msid"
 * (gst_sdp_media_attributes_to_caps), and every field name is a GQuark,
 * which GLib never frees (and whose table it copies, leaking the old one,
 * every 2048 quarks): with a fresh random SSRC per session the process grew
 * by every session it ever had.  Taken from here, the SSRCs ever used are
 * as many as the most sessions at once.  An SSRC is only ever in one live
 * session at a time; two sessions apart in time share nothing by it (each
 * has its own SRTP keys). */
static GMutex ssrc_pool_lock;
static GArray *ssrc_pool;       /* of guint32, protected by ssrc_pool_lock */

static guint32
ssrc_acquire (void)
{
  guint32 ssrc = 0;

  g_mutex_lock (&ssrc_pool_lock);
  if (ssrc_pool && ssrc_pool->len > 0) {
    ssrc = g_array_index (ssrc_pool, guint32, ssrc_pool->len - 1);
    g_array_set_size (ssrc_pool, ssrc_pool->len - 1);
  }
  g_mutex_unlock (&ssrc_pool_lock);
  return ssrc ? ssrc : random_ssrc ();
}

static void
ssrc_release (guint32 ssrc)
{
  if (ssrc == 0)
    return;
  g_mutex_lock (&ssrc_pool_lock);
  if (ssrc_pool == NULL)
    ssrc_pool = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (ssrc_pool, ssrc);
  g_mutex_unlock (&ssrc_pool_lock);
}

static GstElement *
add_element (GstWhepSession * session, const gchar * factory, GError ** error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "element '%s' is missing", factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (session), e);
  return e;
}

/* The payloaders of 1.22 make payload types 96-127 only (their src
 * templates) and Chromium offers H.265 as 49: below 96 the branch's
 * packets get the offer's type written in after the payloader, as the
 * shared send path does for every viewer. */
#define PAYLOADER_MIN_PT 96

static void
set_payload_type (GstBuffer * packet, guint8 pt)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (gst_rtp_buffer_map (packet, GST_MAP_WRITE, &rtp)) {
    gst_rtp_buffer_set_payload_type (&rtp, pt);
    gst_rtp_buffer_unmap (&rtp);
  }
}

static gboolean
set_payload_type_in_list (GstBuffer ** packet, guint idx, gpointer pt)
{
  *packet = gst_buffer_make_writable (*packet);
  set_payload_type (*packet, GPOINTER_TO_UINT (pt));
  return TRUE;
}

static GstPadProbeReturn
rewrite_payload_type (GstPad * pad, GstPadProbeInfo * info, gpointer pt)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *packet = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
        (info));

    set_payload_type (packet, GPOINTER_TO_UINT (pt));
    GST_PAD_PROBE_INFO_DATA (info) = packet;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list =
        gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

    gst_buffer_list_foreach (list, set_payload_type_in_list, pt);
    GST_PAD_PROBE_INFO_DATA (info) = list;
  }
  return GST_PAD_PROBE_OK;
}

/* queue -> payloader -> capssetter -> webrtcbin, and a ghost pad for it */
static gboolean
add_branch (GstWhepSession * session, const WhepMLinePlan * mline,
    GError ** error)
{
  gboolean video = mline->kind == WHEP_MEDIA_KIND_VIDEO;
  guint32 ssrc = ssrc_acquire ();
  GstElement *queue, *pay, *setter;
  GstPad *srcpad, *sinkpad, *ghost;
  GstPadTemplate *templ;
  GstCaps *caps;
  GstWebRTCRTPTransceiver *trans = NULL;

  session->pooled_ssrcs[mline->kind] = ssrc;
  queue = add_element (session, "queue", error);
  pay = queue ? add_element (session, !video ? "rtpopuspay" :
      g_strcmp0 (mline->encoding_name, "H265") == 0 ? "rtph265pay" :
      "rtph264pay", error) : NULL;
  setter = pay ? add_element (session, "capssetter", error) : NULL;
  if (setter == NULL)
    return FALSE;

  g_object_set (queue, "leaky", 2 /* downstream: drop the oldest */ ,
      "max-size-buffers", 0, "max-size-bytes", 0,
      "max-size-time", VIEWER_QUEUE_TIME, NULL);
  g_object_set (pay, "pt", MAX (mline->payload_type, PAYLOADER_MIN_PT),
      "ssrc", ssrc, "mtu", WHEP_RTP_MTU, NULL);
  if (mline->payload_type < PAYLOADER_MIN_PT) {
    GstPad *pay_src = gst_element_get_static_pad (pay, "src");

    gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_BUFFER_LIST, rewrite_payload_type,
        GUINT_TO_POINTER (mline->payload_type), NULL);
    gst_object_unref (pay_src);
  }
  if (video)
    /* SPS, PPS and IDR in one STAP-A, and no waiting to aggregate */
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");

  caps = whep_mline_plan_to_caps (mline, ssrc);
  g_object_set (setter, "caps", caps, "join", FALSE, "replace", TRUE, NULL);

  if (!gst_element_link_many (queue, pay, setter, NULL)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "could not link the %s branch", video ? "video" : "audio");
    gst_caps_unref (caps);
    return FALSE;
  }

  /* The caps give the transceiver its kind, so that set-remote-description
   * pairs it with an m-line of the same kind. */
  templ = gst_element_get_pad_template (session->webrtc, "sink_%u");
  sinkpad = gst_element_request_pad (session->webrtc, templ, NULL, caps);
  gst_caps_unref (caps);
  if (sinkpad == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_PAD,
        "webrtcbin gave no sink pad");
    return FALSE;
  }
  g_object_get (sinkpad, "transceiver", &trans, NULL);
  if (trans) {
    g_object_set (trans, "direction",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
    gst_object_unref (trans);
  }
  srcpad = gst_element_get_static_pad (setter, "src");
  if (GST_PAD_LINK_FAILED (gst_pad_link (srcpad, sinkpad))) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "could not link to webrtcbin");
    gst_object_unref (srcpad);
    gst_object_unref (sinkpad);
    return FALSE;
  }
  gst_object_unref (srcpad);
  gst_object_unref (sinkpad);

  sinkpad = gst_element_get_static_pad (queue, "sink");
  ghost = gst_ghost_pad_new (video ? "video" : "audio", sinkpad);
  gst_object_unref (sinkpad);
  gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (GST_ELEMENT (session), ghost);
  gst_pad_add_probe (ghost, GST_PAD_PROBE_TYPE_BUFFER, gate_probe, session,
      NULL);
  session->sink_pads[mline->kind] = ghost;
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The shared send path */

static GQuark caps_quark;

static gboolean
caps_pad_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstCaps *caps = g_object_get_qdata (G_OBJECT (pad), caps_quark);
  GstCaps *filter, *result;

  if (GST_QUERY_TYPE (query) != GST_QUERY_CAPS)
    return FALSE;
  gst_query_parse_caps (query, &filter);
  result = filter ? gst_caps_intersect_full (filter, caps,
      GST_CAPS_INTERSECT_FIRST) : gst_caps_ref (caps);
  gst_query_set_caps_result (query, result);
  gst_caps_unref (result);
  return TRUE;
}

/* On the shared path nothing flows into webrtcbin: the media leaves
 * through the fan-out.  webrtcbin still builds its answer from what the
 * peer of its sink pad says it would send (payload type, profile-level-id,
 * SSRC), so a pad of ours that answers that caps query, and never pushes,
 * stands in for a branch.  No element, no thread. */
static gboolean
add_caps_source (GstWhepSession * session, const WhepMLinePlan * mline,
    guint32 ssrc, GError ** error)
{
  gboolean video = mline->kind == WHEP_MEDIA_KIND_VIDEO;
  GstWebRTCRTPTransceiver *trans = NULL;
  GstPadTemplate *templ;
  GstPad *srcpad, *sinkpad;
  GstCaps *caps;

  session->pooled_ssrcs[mline->kind] = ssrc;
  caps = whep_mline_plan_to_caps (mline, ssrc);
  srcpad = gst_object_ref_sink (gst_pad_new (video ? "video_caps" :
          "audio_caps", GST_PAD_SRC));
  g_object_set_qdata_full (G_OBJECT (srcpad), caps_quark, gst_caps_ref (caps),
      (GDestroyNotify) gst_caps_unref);
  gst_pad_set_query_function (srcpad, caps_pad_query);

  templ = gst_element_get_pad_template (session->webrtc, "sink_%u");
  sinkpad = gst_element_request_pad (session->webrtc, templ, NULL, caps);
  gst_caps_unref (caps);
  if (sinkpad == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_PAD,
        "webrtcbin gave no sink pad");
    gst_object_unref (srcpad);
    return FALSE;
  }
  g_object_get (sinkpad, "transceiver", &trans, NULL);
  if (trans) {
    g_object_set (trans, "direction",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
    gst_object_unref (trans);
  }
  if (GST_PAD_LINK_FAILED (gst_pad_link (srcpad, sinkpad))) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "could not link to webrtcbin");
    gst_object_unref (srcpad);
    gst_object_unref (sinkpad);
    return FALSE;
  }
  gst_object_unref (sinkpad);
  session->caps_pads[mline->kind] = srcpad;
  session->payload_types[mline->kind] = mline->payload_type;
  session->ssrcs[mline->kind] = ssrc;
  return TRUE;
}

/* The first element made by @factory_name anywhere inside webrtcbin (with
 * BUNDLE there is one transport), or NULL. */
static GstElement *
session_find_element (GstWhepSession * session, const gchar * factory_name)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (session->webrtc));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_strcmp0 (GST_OBJECT_NAME (f), factory_name) == 0)
      found = gst_object_ref (e);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

/* What DTLS negotiated for our direction: dtlsenc's "encoder-key" (master
 * key, then salt) and profile, as webrtcbin's own srtpenc would use it. */
static gboolean
session_get_srtp_key (GstWhepSession * session, GstWhepFanoutTarget * target)
{
  GstElement *dtlsenc = session_find_element (session, "dtlsenc");
  GstBuffer *key = NULL;
  guint cipher = 0, auth = 0;
  gboolean ok = FALSE;

  if (dtlsenc == NULL)
    return FALSE;
  g_object_get (dtlsenc, "encoder-key", &key, "srtp-cipher", &cipher,
      "srtp-auth", &auth, NULL);
  gst_object_unref (dtlsenc);

  /* GstDtlsSrtpCipher 1: AES_128_ICM; GstDtlsSrtpAuth 1: HMAC_SHA1_32,
   * 2: HMAC_SHA1_80 */
  if (key && cipher == 1 && (auth == 1 || auth == 2) &&
      gst_buffer_get_size (key) == sizeof (target->key_and_salt)) {
    gst_buffer_extract (key, 0, target->key_and_salt,
        sizeof (target->key_and_salt));
    target->profile = auth == 2 ? WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80 :
        WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_32;
    ok = TRUE;
  }
  gst_clear_buffer (&key);
  return ok;
}

/* RTCP feedback from the viewer, as webrtcbin's rtpsession received and
 * decrypted it: NACKs go to the fan-out, PLI and FIR upstream.  From
 * rtpbin's receiving thread. */
static void
on_feedback_rtcp (GObject * rtpsession, guint type, guint fbtype,
    guint sender_ssrc, guint media_ssrc, GstBuffer * fci,
    GstWhepSession * session)
{
  gboolean keyframe = FALSE;
  GstMapInfo map = GST_MAP_INFO_INIT;

  if (fci && !gst_buffer_map (fci, &map, GST_MAP_READ))
    return;

  g_mutex_lock (&session->lock);
  if (session->fanout_viewer) {
    if (type == 205 /* RTPFB */  && fbtype == 1 /* Generic NACK */ ) {
      guint16 seqs[256];
      gint n = whep_rtcp_parse_nack (map.data, map.size, seqs,
          G_N_ELEMENTS (seqs));

      if (n > 0)
        gst_whep_fanout_viewer_nack (session->fanout_viewer, media_ssrc,
            seqs, n);
    } else if (type == 206 /* PSFB */  && (fbtype == 1 /* PLI */  ||
            fbtype == 4 /* FIR */ )) {
      /* a FIR names the media SSRC in its FCI */
      guint32 ssrc = fbtype == 4 && map.size >= 4 ?
          (guint32) map.data[0] << 24 | map.data[1] << 16 | map.data[2] << 8 |
          map.data[3] : media_ssrc;

      keyframe = gst_whep_fanout_viewer_keyframe_request
          (session->fanout_viewer, ssrc) == WHEP_MEDIA_KIND_VIDEO;
    }
  }
  g_mutex_unlock (&session->lock);

  if (fci)
    gst_buffer_unmap (fci, &map);
  if (keyframe)
    session->callbacks.keyframe_requested (session, session->user_data);
}

/* The viewer's receiver reports: loss, jitter and round trip for stats.
 * From rtpbin's receiving thread, with the compound packet clear. */
static void
on_receiving_rtcp (GObject * rtpsession, GstBuffer * buffer,
    GstWhepSession * session)
{
  WhepRtcpReportBlock blocks[8];
  GstMapInfo map;
  guint n, i;
  guint64 now = whep_ntp_from_unix_us (g_get_real_time ());

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  n = whep_rtcp_parse_report_blocks (map.data, map.size, blocks,
      G_N_ELEMENTS (blocks));
  gst_buffer_unmap (buffer, &map);

  g_mutex_lock (&session->lock);
  for (i = 0; session->fanout_viewer && i < n; i++)
    gst_whep_fanout_viewer_receiver_report (session->fanout_viewer,
        blocks[i].ssrc, blocks[i].packets_lost, blocks[i].fraction_lost,
        blocks[i].jitter, whep_rtcp_round_trip_us (now, blocks[i].lsr,
            blocks[i].dlsr));
  g_mutex_unlock (&session->lock);
}

static void
session_watch_feedback (GstWhepSession * session)
{
  GstElement *rtpbin = session_find_element (session, "rtpbin");
  GObject *rtpsession = NULL;

  if (rtpbin == NULL)
    return;
  /* With BUNDLE every m-line is in the RTP session of the first. */
  g_signal_emit_by_name (rtpbin, "get-internal-session", 0, &rtpsession);
  if (rtpsession) {
    g_signal_connect (rtpsession, "on-feedback-rtcp",
        G_CALLBACK (on_feedback_rtcp), session);
    g_signal_connect (rtpsession, "on-receiving-rtcp",
        G_CALLBACK (on_receiving_rtcp), session);
    g_object_unref (rtpsession);
  } else {
    GST_WARNING_OBJECT (session, "no RTP session: NACK and PLI are ignored");
  }
  gst_object_unref (rtpbin);
}

/* The CNAME that webrtcbin's answer gave our SSRCs (rtpbin's SDES), so
 * that our Sender Reports name the same source; one of our own if rtpbin
 * has none. */
static gchar *
session_get_cname (GstWhepSession * session)
{
  GstElement *rtpbin = session_find_element (session, "rtpbin");
  GstStructure *sdes = NULL;
  gchar *cname = NULL;

  if (rtpbin) {
    g_object_get (rtpbin, "sdes", &sdes, NULL);
    gst_object_unref (rtpbin);
  }
  if (sdes) {
    cname = g_strdup (gst_structure_get_string (sdes, "cname"));
    gst_structure_free (sdes);
  }
  if (cname == NULL || *cname == '\0' || strlen (cname) > 255) {
    g_free (cname);
    cname = g_strdup_printf ("whepsink-%.16s", session->id);
  }
  return cname;
}

/* Once DTLS is up: hands the fan-out the viewer's ICE stream and key. */
static gboolean
session_join_fanout (GstWhepSession * session)
{
  GstWhepFanoutTarget target = { NULL, };
  GstElement *nicesink = session_find_element (session, "nicesink");
  NiceAgent *agent = NULL;
  GstWhepFanoutViewer *viewer = NULL;
  GError *error = NULL;
  gchar *cname;
  guint i;

  /* connected again after an ICE restart: still on it */
  g_mutex_lock (&session->lock);
  viewer = session->fanout_viewer;
  g_mutex_unlock (&session->lock);
  if (viewer) {
    gst_clear_object (&nicesink);
    return TRUE;
  }

  if (nicesink) {
    g_object_get (nicesink, "agent", &agent, "stream", &target.stream_id,
        "component", &target.component_id, NULL);
    gst_object_unref (nicesink);
  }
  if (agent == NULL || !session_get_srtp_key (session, &target)) {
    GST_WARNING_OBJECT (session, "session %s: no ICE stream or SRTP key "
        "to send with", session->id);
    g_clear_object (&agent);
    return FALSE;
  }

  cname = session_get_cname (session);
  target.id = session->id;
  target.agent = agent;
  target.cname = cname;
  for (i = 0; i < G_N_ELEMENTS (target.tracks); i++) {
    target.tracks[i].enabled = session->ssrcs[i] != 0;
    target.tracks[i].payload_type = session->payload_types[i];
    target.tracks[i].ssrc = session->ssrcs[i];
  }
  target.video_codec = session->video_codec;

  session_watch_feedback (session);
  g_mutex_lock (&session->lock);
  if (!session->leaving && session->fanout_viewer == NULL)
    viewer = session->fanout_viewer =
        gst_whep_fanout_add_viewer (session->fanout, &target, &error);
  g_mutex_unlock (&session->lock);

  memset (target.key_and_salt, 0, sizeof (target.key_and_salt));
  g_free (cname);
  g_object_unref (agent);
  if (error) {
    GST_WARNING_OBJECT (session, "session %s: %s", session->id,
        error->message);
    g_error_free (error);
    return FALSE;
  }
  return viewer != NULL;
}

void
gst_whep_session_leave_fanout (GstWhepSession * session)
{
  GstWhepFanoutViewer *viewer;

  g_mutex_lock (&session->lock);
  session->leaving = TRUE;
  viewer = g_steal_pointer (&session->fanout_viewer);
  g_mutex_unlock (&session->lock);

  if (viewer)
    gst_whep_fanout_remove_viewer (session->fanout, viewer);
}

gboolean
gst_whep_session_get_send_stats (GstWhepSession * session,
    WhepMediaKind kind, GstWhepFanoutStats * stats)
{
  gboolean found = FALSE;

  g_mutex_lock (&session->lock);
  if (session->fanout_viewer && session->ssrcs[kind] != 0) {
    gst_whep_fanout_viewer_get_stats (session->fanout_viewer, kind, stats);
    found = TRUE;
  }
  g_mutex_unlock (&session->lock);
  return found;
}

/* ---------------------------------------------------------------------- */
/* Is the viewer still there? */

static gint
now_seconds (void)
{
  return (gint) (g_get_monotonic_time () / G_USEC_PER_SEC);
}

static GstPadProbeReturn
viewer_packet_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstWhepSession *session = user_data;

  g_atomic_int_set (&session->last_heard_s, now_seconds ());
  return GST_PAD_PROBE_OK;
}

/* Everything the viewer sends (RTCP reports, transport feedback) comes out
 * of webrtcbin's nicesrc.  A browser reports every second or so; one that
 * stays silent has gone (tab closed, network lost) even if ICE has not
 * noticed yet. */
static void
session_watch_viewer_packets (GstWhepSession * session)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (session->webrtc));
  GValue item = G_VALUE_INIT;

  g_atomic_int_set (&session->last_heard_s, now_seconds ());
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_strcmp0 (GST_OBJECT_NAME (f), "nicesrc") == 0 &&
        !g_object_get_data (G_OBJECT (e), "whep-watched")) {
      GstPad *src = gst_element_get_static_pad (e, "src");

      g_object_set_data (G_OBJECT (e), "whep-watched", GINT_TO_POINTER (1));
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST, viewer_packet_probe, session, NULL);
      gst_object_unref (src);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

guint
gst_whep_session_get_silence (GstWhepSession * session)
{
  gint last = g_atomic_int_get (&session->last_heard_s);

  if (!g_atomic_int_get (&session->connected) || last == 0)
    return 0;
  return MAX (now_seconds () - last, 0);
}

/* ---------------------------------------------------------------------- */
/* Signalling */

static void
on_ice_gathering_state (GstElement * webrtc, GParamSpec * pspec,
    GstWhepSession * session)
{
  GstWebRTCICEGatheringState state;
  GstWebRTCSessionDescription *local = NULL;
  GstSDPMessage *answer = NULL;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  GST_DEBUG_OBJECT (session, "ICE gathering state %d", state);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;

  g_object_get (webrtc, "local-description", &local, NULL);
  if (local == NULL)
    return;
  if (g_atomic_int_compare_and_exchange (&session->answered, 0, 1)) {
    gst_sdp_message_copy (local->sdp, &answer);
    session->callbacks.answer_ready (session, answer, NULL,
        session->user_data);
    gst_sdp_message_free (answer);
  }
  gst_webrtc_session_description_free (local);
}

static void
on_connection_state (GstElement * webrtc, GParamSpec * pspec,
    GstWhepSession * session)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  GST_INFO_OBJECT (session, "session %s: connection state %d", session->id,
      state);
  switch (state) {
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
      if (session->fanout && !session_join_fanout (session)) {
        session_fail (session, "could not join the shared send path");
        break;
      }
      g_atomic_int_set (&session->connected, 1);
      session_watch_viewer_packets (session);
      /* A fresh keyframe from an encoder upstream, if there is one: the
       * shared path starts the viewer at the newest keyframe it holds, the
       * per-viewer path waits for the next. */
      if (session->sink_pads[WHEP_MEDIA_KIND_VIDEO])
        gst_pad_push_event (session->sink_pads[WHEP_MEDIA_KIND_VIDEO],
            gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                TRUE, 0));
      else if (session->ssrcs[WHEP_MEDIA_KIND_VIDEO])
        session->callbacks.keyframe_requested (session, session->user_data);
      session->callbacks.connected (session, session->user_data);
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
      g_atomic_int_set (&session->connected, 0);
      session_fail (session, "the connection failed");
      break;
    default:
      break;
  }
}

static void
on_ice_connection_state (GstElement * webrtc, GParamSpec * pspec,
    GstWhepSession * session)
{
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  GST_DEBUG_OBJECT (session, "ICE connection state %d", state);
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED)
    session_fail (session, "ICE failed");
}

/* Returns TRUE if the promise carries a usable reply. */
static gboolean
promise_ok (GstPromise * promise, const gchar * what, GstWhepSession * session,
    GstWhepSessionError code)
{
  const GstStructure *reply;
  GError *error = NULL;
  gchar *msg;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED) {
    session_answer_error (session, GST_WHEP_SESSION_ERROR_FAILED,
        "webrtcbin stopped");
    return FALSE;
  }
  reply = gst_promise_get_reply (promise);
  if (reply == NULL || !gst_structure_has_field (reply, "error"))
    return TRUE;

  gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
  msg = g_strdup_printf ("%s: %s", what, error ? error->message : "failed");
  session_answer_error (session, code, msg);
  g_free (msg);
  g_clear_error (&error);
  return FALSE;
}

/* How long a session that stops waits for webrtcbin to finish the
 * negotiation step in flight (each takes milliseconds). */
#define NEGOTIATION_WAIT_US (5 * G_TIME_SPAN_SECOND)

/* The promise of the negotiation step in flight is kept until it is
 * answered, for two bugs of webrtcbin 1.22 when it stops:
 * - it drops the tasks still queued without answering their promises: the
 *   step's callback would never run and the session reference it holds
 *   would leak, with the session (session_expire_pending);
 * - a transport it adds while it stops (taking a description) stays
 *   READY, and transportreceivebin keeps its nicesrc PLAYING, state locked,
 *   from NULL to READY until READY to NULL: that streaming thread would run
 *   on for good (session_wait_negotiation). */
static GstPromise *
session_new_promise (GstWhepSession * session, GstPromiseChangeFunc func)
{
  return gst_promise_new_with_change_func (func, gst_object_ref (session),
      gst_object_unref);
}

/* Makes @next (NULL: none, negotiation over) the step in flight in place
 * of @done, if @done still is (not once the session expired it). */
static void
session_set_pending (GstWhepSession * session, GstPromise * done,
    GstPromise * next)
{
  GstPromise *old = NULL;

  g_mutex_lock (&session->lock);
  if (session->pending == done) {
    old = done;
    session->pending = next ? gst_promise_ref (next) : NULL;
    if (session->pending == NULL)
      g_cond_broadcast (&session->pending_cond);
  }
  g_mutex_unlock (&session->lock);
  if (old)
    gst_promise_unref (old);
}

/* Before webrtcbin stops: lets the step in flight end, so that no
 * transport is added while webrtcbin's children stop. */
static void
session_wait_negotiation (GstWhepSession * session)
{
  gint64 end = g_get_monotonic_time () + NEGOTIATION_WAIT_US;

  g_mutex_lock (&session->lock);
  while (session->pending && g_cond_wait_until (&session->pending_cond,
          &session->lock, end));
  if (session->pending)
    GST_WARNING_OBJECT (session, "webrtcbin did not finish negotiating");
  g_mutex_unlock (&session->lock);
}

/* Once webrtcbin has stopped: nothing else answers a promise. */
static void
session_expire_pending (GstWhepSession * session)
{
  GstPromise *pending;

  g_mutex_lock (&session->lock);
  pending = session->pending;
  session->pending = NULL;
  g_mutex_unlock (&session->lock);
  if (pending) {
    GST_DEBUG_OBJECT (session, "webrtcbin stopped with a step pending");
    /* runs the step's callback, which sees the promise expired */
    gst_promise_expire (pending);
    gst_promise_unref (pending);
  }
}

static void
on_local_description_set (GstPromise * promise, gpointer user_data)
{
  GstWhepSession *session = user_data;

  /* On success, gathering starts; on_ice_gathering_state takes it on. */
  promise_ok (promise, "set-local-description", session,
      GST_WHEP_SESSION_ERROR_FAILED);
  session_set_pending (session, promise, NULL);
  gst_promise_unref (promise);
}

static void
on_answer_created (GstPromise * promise, gpointer user_data)
{
  GstWhepSession *session = user_data;
  GstWebRTCSessionDescription *answer = NULL;
  GstPromise *next;

  if (!promise_ok (promise, "create-answer", session,
          GST_WHEP_SESSION_ERROR_FAILED)) {
    session_set_pending (session, promise, NULL);
    gst_promise_unref (promise);
    return;
  }
  gst_structure_get (gst_promise_get_reply (promise), "answer",
      GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  if (answer == NULL) {
    session_answer_error (session, GST_WHEP_SESSION_ERROR_FAILED,
        "webrtcbin made no answer");
    session_set_pending (session, promise, NULL);
    gst_promise_unref (promise);
    return;
  }

  next = session_new_promise (session, on_local_description_set);
  session_set_pending (session, promise, next);
  gst_promise_unref (promise);
  g_signal_emit_by_name (session->webrtc, "set-local-description", answer,
      next);
  gst_webrtc_session_description_free (answer);
}

static void
on_remote_description_set (GstPromise * promise, gpointer user_data)
{
  GstWhepSession *session = user_data;
  GstPromise *next;

  if (!promise_ok (promise, "set-remote-description", session,
          GST_WHEP_SESSION_ERROR_OFFER_REFUSED)) {
    session_set_pending (session, promise, NULL);
    gst_promise_unref (promise);
    return;
  }

  next = session_new_promise (session, on_answer_created);
  session_set_pending (session, promise, next);
  gst_promise_unref (promise);
  g_signal_emit_by_name (session->webrtc, "create-answer", NULL, next);
}

void
gst_whep_session_negotiate (GstWhepSession * session,
    const GstSDPMessage * offer)
{
  GstSDPMessage *copy;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  gst_sdp_message_copy (offer, &copy);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, copy);
  promise = session_new_promise (session, on_remote_description_set);
  session_set_pending (session, NULL, promise);
  g_signal_emit_by_name (session->webrtc, "set-remote-description", desc,
      promise);
  gst_webrtc_session_description_free (desc);
}

/* libnice's defaults are for a desktop client: no UPnP port mapping on a
 * server, and connectivity checks as keep-alives so that a viewer who
 * vanishes fails ICE instead of lingering. */
static void
configure_ice_agent (GstWhepSession * session, const GstWhepIceConfig * config)
{
  GObject *ice = NULL, *agent = NULL;

  g_object_get (session->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL)
    return;
  if (config) {
    if (config->max_port)
      g_object_set (ice, "min-rtp-port", config->min_port,
          "max-rtp-port", config->max_port, NULL);
    g_object_set (ice, "ice-tcp", config->ice_tcp, NULL);
  }
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent) {
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp"))
      g_object_set (agent, "upnp", FALSE, NULL);
    if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent),
            "keepalive-conncheck"))
      g_object_set (agent, "keepalive-conncheck", TRUE, NULL);
    g_object_unref (agent);
  }
  g_object_unref (ice);
}

GstWhepSession *
gst_whep_session_new (const gchar * id, const WhepAnswerPlan * plan,
    const GstWhepIceConfig * ice, GstWhepFanout * fanout,
    const GstWhepSessionCallbacks * callbacks, gpointer user_data,
    GError ** error)
{
  GstWhepSession *session;
  gchar *name;
  guint i;

  name = g_strdup_printf ("session-%.8s", id);
  session = g_object_new (GST_TYPE_WHEP_SESSION, "name", name, NULL);
  g_free (name);
  session->id = g_strdup (id);
  session->callbacks = *callbacks;
  session->user_data = user_data;
  session->fanout = fanout;
  session->video_codec = whep_answer_plan_video_codec (plan);

  session->webrtc = add_element (session, "webrtcbin", error);
  if (session->webrtc == NULL)
    goto failed;
  gst_util_set_object_arg (G_OBJECT (session->webrtc), "bundle-policy",
      "max-bundle");
  if (ice && ice->stun_server)
    g_object_set (session->webrtc, "stun-server", ice->stun_server, NULL);
  if (ice && ice->turn_server)
    g_object_set (session->webrtc, "turn-server", ice->turn_server, NULL);
  configure_ice_agent (session, ice);

  g_signal_connect (session->webrtc, "notify::ice-gathering-state",
      G_CALLBACK (on_ice_gathering_state), session);
  g_signal_connect (session->webrtc, "notify::connection-state",
      G_CALLBACK (on_connection_state), session);
  g_signal_connect (session->webrtc, "notify::ice-connection-state",
      G_CALLBACK (on_ice_connection_state), session);

  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *mline = g_ptr_array_index (plan->mlines, i);

    if (!mline->accepted)
      continue;
    if (fanout ? !add_caps_source (session, mline, ssrc_acquire (), error) :
        !add_branch (session, mline, error))
      goto failed;
  }
  return session;

failed:
  gst_object_ref_sink (session);
  gst_object_unref (session);
  return NULL;
}

/* The libnice agent and stream that carry the session (with BUNDLE, one). */
static NiceAgent *
session_ice_stream (GstWhepSession * session, guint * stream_id)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (session->webrtc));
  GValue item = G_VALUE_INIT;
  NiceAgent *agent = NULL;

  while (agent == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_strcmp0 (GST_OBJECT_NAME (f), "nicesrc") == 0)
      g_object_get (e, "agent", &agent, "stream", stream_id, NULL);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return agent;
}

gchar *
gst_whep_session_get_remote_address (GstWhepSession * session)
{
  NiceCandidate *local = NULL, *remote = NULL;
  gchar ip[NICE_ADDRESS_STRING_LEN], *address = NULL;
  NiceAgent *agent;
  guint stream_id = 0;

  agent = session_ice_stream (session, &stream_id);
  if (agent == NULL)
    return NULL;
  if (nice_agent_get_selected_pair (agent, stream_id, 1, &local, &remote) &&
      remote) {
    nice_address_to_string (&remote->addr, ip);
    address = nice_address_ip_version (&remote->addr) == 6 ?
        g_strdup_printf ("[%s]:%u", ip, nice_address_get_port (&remote->addr))
        : g_strdup_printf ("%s:%u", ip, nice_address_get_port (&remote->addr));
  }
  g_object_unref (agent);
  return address;
}

/* webrtcbin 1.22 cannot restart ICE ("FIXME: deal with ICE restarts"), so
 * this goes to its libnice agent directly: a restart gives the stream new
 * local credentials and starts the checks over with the viewer's new ones;
 * the DTLS association on top stays. */
gboolean
gst_whep_session_restart_ice (GstWhepSession * session,
    const gchar * remote_ufrag, const gchar * remote_pwd,
    const GPtrArray * remote_candidates, gchar ** local_ufrag,
    gchar ** local_pwd, GPtrArray ** local_candidates, GError ** error)
{
  GSList *remote = NULL, *local, *l;
  NiceAgent *agent;
  guint stream_id = 0, i;

  agent = session_ice_stream (session, &stream_id);
  if (agent == NULL) {
    g_set_error (error, GST_WHEP_SESSION_ERROR, GST_WHEP_SESSION_ERROR_FAILED,
        "the session has no ICE stream yet");
    return FALSE;
  }

  GST_INFO_OBJECT (session, "session %s: ICE restart", session->id);
  nice_agent_restart_stream (agent, stream_id);
  nice_agent_set_remote_credentials (agent, stream_id, remote_ufrag,
      remote_pwd);
  for (i = 0; remote_candidates && i < remote_candidates->len; i++) {
    gchar *line = g_strconcat ("a=", (const gchar *)
        g_ptr_array_index (remote_candidates, i), NULL);
    NiceCandidate *c = nice_agent_parse_remote_candidate_sdp (agent,
        stream_id, line);

    if (c)
      remote = g_slist_prepend (remote, c);
    g_free (line);
  }
  if (remote)
    nice_agent_set_remote_candidates (agent, stream_id, 1, remote);
  g_slist_free_full (remote, (GDestroyNotify) nice_candidate_free);

  nice_agent_get_local_credentials (agent, stream_id, local_ufrag, local_pwd);
  *local_candidates = g_ptr_array_new_with_free_func (g_free);
  local = nice_agent_get_local_candidates (agent, stream_id, 1);
  for (l = local; l; l = l->next) {
    gchar *line = nice_agent_generate_local_candidate_sdp (agent, l->data);

    /* "a=candidate:..." -> "candidate:..." */
    g_ptr_array_add (*local_candidates, g_strdup (g_str_has_prefix (line,
                "a=") ? line + 2 : line));
    g_free (line);
  }
  g_slist_free_full (local, (GDestroyNotify) nice_candidate_free);
  g_object_unref (agent);
  return TRUE;
}

void
gst_whep_session_add_remote_candidate (GstWhepSession * session,
    guint mline_index, const gchar * candidate)
{
  g_signal_emit_by_name (session->webrtc, "add-ice-candidate", mline_index,
      candidate);
}

const gchar *
gst_whep_session_get_id (GstWhepSession * session)
{
  return session->id;
}

GstPad *
gst_whep_session_get_sink_pad (GstWhepSession * session, WhepMediaKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (session->sink_pads), NULL);
  return session->sink_pads[kind];
}

static GstStateChangeReturn
gst_whep_session_change_state (GstElement * element,
    GstStateChange transition)
{
  GstWhepSession *session = GST_WHEP_SESSION (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    session_wait_negotiation (session);
  ret = GST_ELEMENT_CLASS (gst_whep_session_parent_class)->change_state
      (element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    session_expire_pending (session);
  return ret;
}

static void
gst_whep_session_finalize (GObject * object)
{
  GstWhepSession *session = GST_WHEP_SESSION (object);
  guint i;

  GST_DEBUG_OBJECT (session, "finalize");
  g_warn_if_fail (session->fanout_viewer == NULL);
  for (i = 0; i < G_N_ELEMENTS (session->caps_pads); i++)
    gst_clear_object (&session->caps_pads[i]);
  /* webrtcbin, a child, is gone: nothing sends from them any more */
  for (i = 0; i < G_N_ELEMENTS (session->pooled_ssrcs); i++)
    ssrc_release (session->pooled_ssrcs[i]);
  g_mutex_clear (&session->lock);
  g_cond_clear (&session->pending_cond);
  g_free (session->id);
  G_OBJECT_CLASS (gst_whep_session_parent_class)->finalize (object);
}

static void
gst_whep_session_class_init (GstWhepSessionClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_whep_session_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_whep_session_change_state);

  GST_DEBUG_CATEGORY_INIT (whep_session_debug, "whepsession", 0,
      "whepsink viewer session");
  caps_quark = g_quark_from_static_string ("whep-caps");
}

static void
gst_whep_session_init (GstWhepSession * session)
{
  g_mutex_init (&session->lock);
  g_cond_init (&session->pending_cond);
}

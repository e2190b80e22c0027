/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* The codec of the stream's video track. */
typedef enum
{
  WHEP_VIDEO_CODEC_H264 = 0,
  WHEP_VIDEO_CODEC_H265,
} WhepVideoCodec;

/* What the stream can send, as known from the MPEG-TS PMT and the parsers'
 * caps.  The negotiation below never looks at anything else. */
typedef struct
{
  gboolean has_video;           /* a video track exists (of video_codec) */
  const gchar *h264_profile;    /* caps "profile" of the stream, e.g. "high"; may be NULL */
  const gchar *h264_level;      /* caps "level", e.g. "3.1"; may be NULL */
  gboolean has_audio;           /* an Opus track exists */
  WhepVideoCodec video_codec;   /* H.264 unless set */
  const gchar *h265_profile;    /* H.265: caps "profile", e.g. "main"; may be NULL */
  /* H.265: the stream is also there as H.264 (converted once, for offers
   * without H265), with h264_profile and h264_level */
  gboolean h264_fallback;
} WhepStreamInfo;

typedef enum
{
  WHEP_MEDIA_KIND_OTHER = 0,    /* application (data channel) or unknown */
  WHEP_MEDIA_KIND_VIDEO,
  WHEP_MEDIA_KIND_AUDIO,
} WhepMediaKind;

/* The decision for one m-line of the offer. */
typedef struct
{
  guint mline;                  /* index in the offer */
  WhepMediaKind kind;
  gchar *mid;                   /* a=mid of the offer's m-line, or NULL */
  gboolean accepted;
  /* when accepted: the offered payload type we send with, and its codec
   * (when rejected: payload_type -1, the others NULL / 0) */
  gint payload_type;
  gchar *encoding_name;         /* "H264", "H265" or "OPUS" (upper case, as in RTP caps) */
  guint clock_rate;
  /* H.264: the offered value in lower case; "42000a" (RFC 6184's default)
   * if the fmtp has none */
  gchar *profile_level_id;
  /* when rejected: why, one short line for humans (NULL when accepted) */
  gchar *reject_reason;
} WhepMLinePlan;

typedef struct
{
  GPtrArray *mlines;            /* of WhepMLinePlan*, one per offered m-line, in order */
  guint n_accepted;
} WhepAnswerPlan;

#define WHEP_OFFER_ERROR (whep_offer_error_quark ())
GQuark whep_offer_error_quark (void);

typedef enum
{
  /* not a usable SDP offer: HTTP 400 */
  WHEP_OFFER_ERROR_MALFORMED,
  /* a valid offer, but nothing in it we can send: HTTP 406 */
  WHEP_OFFER_ERROR_NOTHING_ACCEPTABLE,
} WhepOfferError;

/* Parses @sdp_text (as received in a POST body) into a new GstSDPMessage.
 * @sdp_text needs no NUL terminator: exactly @len bytes are read.
 * Fails with WHEP_OFFER_ERROR_MALFORMED and a one-line message when the text
 * is not an SDP offer a WebRTC peer could have made (empty, first line not
 * "v=0", a NUL byte, no m-line, an audio/video m-line with a port but no ICE
 * credentials or no DTLS fingerprint, a=setup other than actpass, ...).
 * m-lines with port 0 and m-lines other than audio/video are not checked. */
GstSDPMessage *whep_offer_parse (const gchar * sdp_text, gsize len, GError ** error);

/* Decides, m-line by m-line, what to answer: for each kind (video, audio) the
 * first acceptable m-line is accepted with the best offered payload type, every
 * other m-line is rejected with a reason.  Fails with
 * WHEP_OFFER_ERROR_NOTHING_ACCEPTABLE when nothing is accepted; the message
 * then lists each m-line as "<media>: <reason>".
 *
 * An m-line's reason is the first that applies of: port 0 in the offer;
 * not audio/video; the stream has no such track; the offer's direction is
 * sendonly or inactive (m-line, else session, else sendrecv); another m-line
 * of its kind was accepted; no usable codec (H.264/90000 with
 * packetization-mode=1 and a valid profile-level-id, ranked with
 * whep_h264_profile_fit(), first offered wins ties; for an H.265 stream
 * H265/90000, the one whose profile-id is the stream's, else the first
 * offered, else with h264_fallback H.264 as above; opus/48000/2). */
WhepAnswerPlan *whep_answer_plan_new (const GstSDPMessage * offer,
    const WhepStreamInfo * stream, GError ** error);
void whep_answer_plan_free (WhepAnswerPlan * plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhepAnswerPlan, whep_answer_plan_free)

/* The codec of @plan's accepted video m-line: H.265 if it sends H265,
 * else H.264 (also when no video is accepted). */
WhepVideoCodec whep_answer_plan_video_codec (const WhepAnswerPlan * plan);

/* The index of the m-line that a trickled candidate for @mid belongs to:
 * the m-line with that a=mid (accepted or not), else (no mid, or one the
 * offer does not have) the first accepted m-line, whose transport all
 * share under BUNDLE; 0 when none is accepted. */
guint whep_answer_plan_mline_for_mid (const WhepAnswerPlan * plan,
    const gchar * mid);

/* The a=mid of the first accepted m-line: the one an ICE restart's
 * fragment speaks for.  NULL if it has none, or none is accepted. */
const gchar *whep_answer_plan_first_accepted_mid (const WhepAnswerPlan * plan);

/* The exact RTP caps to hand to webrtcbin for an accepted m-line: payload
 * type, codec parameters as offered, and @ssrc, so that webrtcbin's answer
 * matches the offer and carries a=ssrc.  NULL (with a critical) for a
 * rejected m-line. */
GstCaps *whep_mline_plan_to_caps (const WhepMLinePlan * mline, guint32 ssrc);

/* Rewrites webrtcbin's @answer in place so that it states the plan: rejected
 * m-lines get port 0 (and are dropped from the BUNDLE group, by the answer
 * m-line's a=mid, else the offer's; a group left empty is removed; other
 * groups are left alone).  Returns FALSE, changing nothing, if @answer does
 * not have one m-line per planned m-line. */
gboolean whep_answer_apply_plan (GstSDPMessage * answer, const WhepAnswerPlan * plan);

/* For a server behind 1:1 NAT: next to each host candidate of @answer, adds
 * the same candidate with @address (the public IP) in place of the local
 * one, at a slightly lower priority.  Returns the number added. */
guint whep_answer_announce_address (GstSDPMessage * answer,
    const gchar * address);

/* The ICE ufrag of the first m-line (or the session) of @sdp, or NULL. */
const gchar *whep_sdp_get_ice_ufrag (const GstSDPMessage * sdp);

G_END_DECLS

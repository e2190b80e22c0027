/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "whep-offer.h"

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                 */

/* Chromium 120, pc.addTransceiver ("audio" then "video", {direction:
 * "recvonly"}), as a WHEP player sends it. */
static const gchar chrome_offer[] =
    "v=0\r\n"
    "o=- 4215775240449105457 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Zp3B\r\n"
    "a=ice-pwd:sJx8Yk6wmoRjGcLyXzVYzCUY\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 99:37:2C:B1:CA:32:6D:0C:54:A5:DA:D3:E5:EA:65:85:"
    "3F:17:08:19:D0:67:83:6A:EB:17:0E:00:19:09:BC:4E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 "
    "125 39 40 45 46 98 99 100 101 112 113 114 115 116 117 118\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Zp3B\r\n"
    "a=ice-pwd:sJx8Yk6wmoRjGcLyXzVYzCUY\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 99:37:2C:B1:CA:32:6D:0C:54:A5:DA:D3:E5:EA:65:85:"
    "3F:17:08:19:D0:67:83:6A:EB:17:0E:00:19:09:BC:4E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=rtcp-fb:104 nack pli\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:105 rtx/90000\r\n"
    "a=fmtp:105 apt=104\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=rtcp-fb:106 goog-remb\r\n"
    "a=rtcp-fb:106 transport-cc\r\n"
    "a=rtcp-fb:106 ccm fir\r\n"
    "a=rtcp-fb:106 nack\r\n"
    "a=rtcp-fb:106 nack pli\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:107 rtx/90000\r\n"
    "a=fmtp:107 apt=106\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=rtcp-fb:108 nack pli\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:109 rtx/90000\r\n"
    "a=fmtp:109 apt=108\r\n"
    "a=rtpmap:127 H264/90000\r\n"
    "a=rtcp-fb:127 ccm fir\r\n"
    "a=rtcp-fb:127 nack pli\r\n"
    "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=fmtp:125 apt=127\r\n"
    "a=rtpmap:39 H264/90000\r\n"
    "a=rtcp-fb:39 nack pli\r\n"
    "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f\r\n"
    "a=rtpmap:40 rtx/90000\r\n"
    "a=fmtp:40 apt=39\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtcp-fb:45 nack pli\r\n"
    "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45\r\n"
    "a=rtpmap:98 VP9/90000\r\n"
    "a=rtcp-fb:98 nack pli\r\n"
    "a=fmtp:98 profile-id=0\r\n"
    "a=rtpmap:99 rtx/90000\r\n"
    "a=fmtp:99 apt=98\r\n"
    "a=rtpmap:100 VP9/90000\r\n"
    "a=rtcp-fb:100 nack pli\r\n"
    "a=fmtp:100 profile-id=2\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=rtpmap:112 H264/90000\r\n"
    "a=rtcp-fb:112 goog-remb\r\n"
    "a=rtcp-fb:112 transport-cc\r\n"
    "a=rtcp-fb:112 ccm fir\r\n"
    "a=rtcp-fb:112 nack\r\n"
    "a=rtcp-fb:112 nack pli\r\n"
    "a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f\r\n"
    "a=rtpmap:113 rtx/90000\r\n"
    "a=fmtp:113 apt=112\r\n"
    "a=rtpmap:114 H264/90000\r\n"
    "a=rtcp-fb:114 nack pli\r\n"
    "a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=640c1f\r\n"
    "a=rtpmap:115 rtx/90000\r\n"
    "a=fmtp:115 apt=114\r\n"
    "a=rtpmap:116 red/90000\r\n"
    "a=rtpmap:117 rtx/90000\r\n"
    "a=fmtp:117 apt=116\r\n"
    "a=rtpmap:118 ulpfec/90000\r\n";

/* GStreamer webrtcbin 1.22 as a receive-only client (whepsrc-like): video
 * first, its own mids, upper case OPUS, sprop-* in the Opus fmtp, and the
 * fingerprint after the mid. */
static const gchar webrtcbin_offer[] =
    "v=0\r\n"
    "o=- 7720315428286226960 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=ice-options:trickle\r\n"
    "a=group:BUNDLE video0 audio1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:Dy2OKcDkyHHxo1rOjnBMrxLjyM8RWoJ6\r\n"
    "a=ice-pwd:x1Mw1fx1vrzx3A7QUoHZbV4k9bOGdmnx\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=fmtp:96 packetization-mode=1;profile-level-id=42c01f\r\n"
    "a=mid:video0\r\n"
    "a=fingerprint:sha-256 4C:64:85:A0:55:7D:DE:E0:F0:AE:A6:CA:3B:ED:DE:0D:"
    "21:1B:F3:BC:18:97:54:F0:DD:B0:D9:46:10:23:0F:78\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:actpass\r\n"
    "a=ice-ufrag:Dy2OKcDkyHHxo1rOjnBMrxLjyM8RWoJ6\r\n"
    "a=ice-pwd:x1Mw1fx1vrzx3A7QUoHZbV4k9bOGdmnx\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:97 OPUS/48000/2\r\n"
    "a=rtcp-fb:97 nack pli\r\n"
    "a=fmtp:97 sprop-maxcapturerate=48000;sprop-stereo=0\r\n"
    "a=mid:audio1\r\n"
    "a=fingerprint:sha-256 4C:64:85:A0:55:7D:DE:E0:F0:AE:A6:CA:3B:ED:DE:0D:"
    "21:1B:F3:BC:18:97:54:F0:DD:B0:D9:46:10:23:0F:78\r\n";

/* Short offers are built from these pieces. */
#define SESSION \
    "v=0\r\n" \
    "o=- 1 2 IN IP4 127.0.0.1\r\n" \
    "s=-\r\n" \
    "t=0 0\r\n"

#define ICE_UFRAG "a=ice-ufrag:Fq3t\r\n"
#define ICE_PWD "a=ice-pwd:n1yTg7PA0cdDxS9v2tuQJmdz\r\n"
#define FINGERPRINT \
    "a=fingerprint:sha-256 99:37:2C:B1:CA:32:6D:0C:54:A5:DA:D3:E5:EA:65:85:" \
    "3F:17:08:19:D0:67:83:6A:EB:17:0E:00:19:09:BC:4E\r\n"
#define TRANSPORT \
    "c=IN IP4 0.0.0.0\r\n" ICE_UFRAG ICE_PWD FINGERPRINT "a=setup:actpass\r\n"

#define VIDEO_H264(mid, direction) \
    "m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\n" TRANSPORT \
    "a=mid:" mid "\r\n" \
    direction \
    "a=rtpmap:102 H264/90000\r\n" \
    "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n" \
    "a=rtpmap:103 rtx/90000\r\n" \
    "a=fmtp:103 apt=102\r\n"

#define AUDIO_OPUS(mid, direction) \
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" TRANSPORT \
    "a=mid:" mid "\r\n" \
    direction \
    "a=rtpmap:111 opus/48000/2\r\n" \
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"

#define RECVONLY "a=recvonly\r\n"

/* A WHEP player that only wants video; fmtp written in odd case. */
static const gchar video_only_offer[] =
    SESSION
    "a=group:BUNDLE v\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98\r\n" TRANSPORT
    "a=mid:v\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=fmtp:97 packetization-mode=1;profile-level-id=42E01F\r\n"
    "a=rtpmap:98 H264/90000\r\n"
    "a=fmtp:98 Profile-Level-Id=64001f; packetization-mode=1\r\n";

/* Firefox-like audio only offer. */
static const gchar audio_only_offer[] =
    SESSION
    "a=group:BUNDLE 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n" TRANSPORT
    "a=mid:0\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:109 opus/48000/2\r\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=rtpmap:9 G722/8000/1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000/1\r\n";

#define DATA_CHANNEL(mid) \
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" TRANSPORT \
    "a=mid:" mid "\r\n" \
    "a=sctp-port:5000\r\n" \
    "a=max-message-size:262144\r\n"

static const gchar data_channel_offer[] =
    SESSION
    "a=group:BUNDLE 0 1 2\r\n"
    AUDIO_OPUS ("0", RECVONLY)
    VIDEO_H264 ("1", RECVONLY)
    DATA_CHANNEL ("2");

/* Audio, and video without any H.264 in packetization-mode 1: a payload
 * type without fmtp is in mode 0. */
static const gchar no_h264_mode_1_offer[] =
    SESSION
    "a=group:BUNDLE 0 1\r\n"
    AUDIO_OPUS ("0", RECVONLY)
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 126 98\r\n" TRANSPORT
    "a=mid:1\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=fmtp:97 profile-level-id=42e01f;packetization-mode=0\r\n"
    "a=rtpmap:126 H264/90000\r\n"
    "a=rtpmap:98 VP9/90000\r\n";

/* webrtcbin's answer to data_channel_offer when only audio and video are
 * set up: it keeps the application m-line and all mids in the group. */
static const gchar webrtcbin_answer[] =
    "v=0\r\n"
    "o=- 1311053460287290151 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=ice-options:trickle\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=group:LS 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:active\r\n"
    "a=ice-ufrag:TfmGbO9lgj3R3HqdpB9uEpd9ggyOR6bb\r\n"
    "a=ice-pwd:nQnlVRuw6RxsYdUv3a2fzjpG1F6ITyxJ\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendonly\r\n"
    "a=rtpmap:111 OPUS/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=ssrc:3405691582 msid:user3404 webrtctransceiver0\r\n"
    "a=ssrc:3405691582 cname:user3404@host-53ba\r\n"
    "a=mid:0\r\n"
    "a=fingerprint:sha-256 4C:64:85:A0:55:7D:DE:E0:F0:AE:A6:CA:3B:ED:DE:0D:"
    "21:1B:F3:BC:18:97:54:F0:DD:B0:D9:46:10:23:0F:78\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:active\r\n"
    "a=ice-ufrag:TfmGbO9lgj3R3HqdpB9uEpd9ggyOR6bb\r\n"
    "a=ice-pwd:nQnlVRuw6RxsYdUv3a2fzjpG1F6ITyxJ\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=sendonly\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=ssrc:3735928559 msid:user3404 webrtctransceiver1\r\n"
    "a=ssrc:3735928559 cname:user3404@host-53ba\r\n"
    "a=mid:1\r\n"
    "a=fingerprint:sha-256 4C:64:85:A0:55:7D:DE:E0:F0:AE:A6:CA:3B:ED:DE:0D:"
    "21:1B:F3:BC:18:97:54:F0:DD:B0:D9:46:10:23:0F:78\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=setup:active\r\n"
    "a=ice-ufrag:TfmGbO9lgj3R3HqdpB9uEpd9ggyOR6bb\r\n"
    "a=ice-pwd:nQnlVRuw6RxsYdUv3a2fzjpG1F6ITyxJ\r\n"
    "a=mid:2\r\n"
    "a=sctp-port:5000\r\n"
    "a=fingerprint:sha-256 4C:64:85:A0:55:7D:DE:E0:F0:AE:A6:CA:3B:ED:DE:0D:"
    "21:1B:F3:BC:18:97:54:F0:DD:B0:D9:46:10:23:0F:78\r\n";

static const WhepStreamInfo high_av = { TRUE, "high", "4", TRUE };
static const WhepStreamInfo main_av = { TRUE, "main", "3.1", TRUE };
static const WhepStreamInfo cb_av = { TRUE, "constrained-baseline", "3.1",
  TRUE
};
static const WhepStreamInfo high_video = { TRUE, "high", "4", FALSE };
static const WhepStreamInfo audio_only = { FALSE, NULL, NULL, TRUE };

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* @text with the single occurrence of @from replaced by @to. */
static gchar *
replace_once (const gchar * text, const gchar * from, const gchar * to)
{
  gchar **parts = g_strsplit (text, from, -1);
  gchar *ret;

  fail_unless_equals_int (g_strv_length (parts), 2);
  ret = g_strjoinv (to, parts);
  g_strfreev (parts);
  return ret;
}

static GstSDPMessage *
parse_ok (const gchar * text)
{
  GError *err = NULL;
  GstSDPMessage *msg = whep_offer_parse (text, strlen (text), &err);

  fail_unless (msg != NULL, "offer rejected: %s", err ? err->message : "?");
  fail_unless (err == NULL);
  return msg;
}

static void
assert_parse_error_len (const gchar * text, gsize len, const gchar * message)
{
  GError *err = NULL;
  GstSDPMessage *msg = whep_offer_parse (text, len, &err);

  fail_unless (msg == NULL);
  fail_unless (err != NULL);
  fail_unless (g_error_matches (err, WHEP_OFFER_ERROR,
          WHEP_OFFER_ERROR_MALFORMED), "wrong error %s", err->message);
  fail_unless_equals_string (err->message, message);
  g_error_free (err);
}

static void
assert_parse_error (const gchar * text, const gchar * message)
{
  assert_parse_error_len (text, strlen (text), message);
}

static WhepAnswerPlan *
plan_for (const gchar * offer_text, const WhepStreamInfo * stream)
{
  GstSDPMessage *offer = parse_ok (offer_text);
  GError *err = NULL;
  WhepAnswerPlan *plan = whep_answer_plan_new (offer, stream, &err);

  fail_unless (plan != NULL, "no plan: %s", err ? err->message : "?");
  fail_unless (err == NULL);
  fail_unless_equals_int (plan->mlines->len,
      gst_sdp_message_medias_len (offer));
  gst_sdp_message_free (offer);
  return plan;
}

/* The NOTHING_ACCEPTABLE message for @offer_text. */
static gchar *
plan_error_for (const gchar * offer_text, const WhepStreamInfo * stream)
{
  GstSDPMessage *offer = parse_ok (offer_text);
  GError *err = NULL;
  WhepAnswerPlan *plan = whep_answer_plan_new (offer, stream, &err);
  gchar *message;

  fail_unless (plan == NULL);
  fail_unless (g_error_matches (err, WHEP_OFFER_ERROR,
          WHEP_OFFER_ERROR_NOTHING_ACCEPTABLE));
  message = g_strdup (err->message);
  g_error_free (err);
  gst_sdp_message_free (offer);
  return message;
}

static const WhepMLinePlan *
get_mline (const WhepAnswerPlan * plan, guint i)
{
  fail_unless (i < plan->mlines->len);
  return g_ptr_array_index (plan->mlines, i);
}

static void
assert_accepted (const WhepAnswerPlan * plan, guint i, WhepMediaKind kind,
    const gchar * mid, gint pt, const gchar * encoding_name, guint clock_rate,
    const gchar * profile_level_id)
{
  const WhepMLinePlan *m = get_mline (plan, i);

  fail_unless (m->accepted, "m-line %u rejected: %s", i, m->reject_reason);
  fail_unless_equals_int (m->mline, i);
  fail_unless_equals_int (m->kind, kind);
  fail_unless_equals_string (m->mid, mid);
  fail_unless_equals_int (m->payload_type, pt);
  fail_unless_equals_string (m->encoding_name, encoding_name);
  fail_unless_equals_int (m->clock_rate, clock_rate);
  fail_unless_equals_string (m->profile_level_id, profile_level_id);
  fail_unless (m->reject_reason == NULL);
}

static void
assert_rejected (const WhepAnswerPlan * plan, guint i, WhepMediaKind kind,
    const gchar * mid, const gchar * reason)
{
  const WhepMLinePlan *m = get_mline (plan, i);

  fail_if (m->accepted, "m-line %u accepted with pt %d", i, m->payload_type);
  fail_unless_equals_int (m->mline, i);
  fail_unless_equals_int (m->kind, kind);
  fail_unless_equals_string (m->mid, mid);
  fail_unless_equals_string (m->reject_reason, reason);
  fail_unless (m->encoding_name == NULL);
  fail_unless (m->profile_level_id == NULL);
}

static GstSDPMessage *
parse_answer (const gchar * text)
{
  GstSDPMessage *msg;

  fail_unless_equals_int (gst_sdp_message_new_from_text (text, &msg),
      GST_SDP_OK);
  return msg;
}

/* ------------------------------------------------------------------------ */
/* whep_offer_parse()                                                       */

GST_START_TEST (test_parse_chrome_offer)
{
  GstSDPMessage *msg = parse_ok (chrome_offer);

  fail_unless_equals_int (gst_sdp_message_medias_len (msg), 2);
  fail_unless_equals_string (gst_sdp_media_get_media
      (gst_sdp_message_get_media (msg, 0)), "audio");
  fail_unless_equals_string (gst_sdp_media_get_media
      (gst_sdp_message_get_media (msg, 1)), "video");
  fail_unless_equals_string (gst_sdp_message_get_attribute_val (msg, "group"),
      "BUNDLE 0 1");
  gst_sdp_message_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_parse_other_offers)
{
  const gchar *offers[] = {
    webrtcbin_offer, video_only_offer, audio_only_offer, data_channel_offer,
    no_h264_mode_1_offer,
  };
  guint expected_medias[] = { 2, 1, 1, 3, 2 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (offers); i++) {
    GstSDPMessage *msg = parse_ok (offers[i]);

    fail_unless_equals_int (gst_sdp_message_medias_len (msg),
        expected_medias[i]);
    gst_sdp_message_free (msg);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_empty)
{
  assert_parse_error_len ("", 0, "SDP is empty");
  assert_parse_error_len (NULL, 0, "SDP is empty");
  assert_parse_error ("\r\n \r\n\t\n", "SDP is empty");
}

GST_END_TEST;

GST_START_TEST (test_parse_garbage)
{
  assert_parse_error ("Hello, world!", "SDP does not start with v=0");
  assert_parse_error ("<html><body>502 Bad Gateway</body></html>\r\n",
      "SDP does not start with v=0");
  /* the offer wrapped in JSON, as some clients do by mistake */
  assert_parse_error ("{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 2 IN IP4 "
      "127.0.0.1\\r\\n\"}", "SDP does not start with v=0");
  /* GstSDP would skip a junk line in front of the offer */
  {
    gchar *junk = g_strconcat ("x=junk\r\n", chrome_offer, NULL);

    assert_parse_error (junk, "SDP does not start with v=0");
    g_free (junk);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_version)
{
  gchar *text;

  text = replace_once (chrome_offer, "v=0\r\n", "v=1\r\n");
  assert_parse_error (text, "SDP does not start with v=0");
  g_free (text);

  text = replace_once (chrome_offer, "v=0\r\n", "v=01\r\n");
  assert_parse_error (text, "SDP does not start with v=0");
  g_free (text);

  text = replace_once (chrome_offer, "v=0\r\n", "");
  assert_parse_error (text, "SDP does not start with v=0");
  g_free (text);

  text = replace_once (chrome_offer, "v=0\r\n", " v=0\r\n");
  assert_parse_error (text, "SDP does not start with v=0");
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_parse_blank_lines_and_line_ends)
{
  GstSDPMessage *msg;
  gchar *text, *lf;
  gchar **lines;

  /* blank lines in front, and trailing white space after v=0 */
  text = g_strconcat ("\r\n\r\n", chrome_offer, NULL);
  msg = parse_ok (text);
  fail_unless_equals_int (gst_sdp_message_medias_len (msg), 2);
  gst_sdp_message_free (msg);
  g_free (text);

  text = replace_once (chrome_offer, "v=0\r\n", "v=0 \r\n");
  msg = parse_ok (text);
  gst_sdp_message_free (msg);
  g_free (text);

  /* bare LF line ends */
  lines = g_strsplit (chrome_offer, "\r\n", -1);
  lf = g_strjoinv ("\n", lines);
  g_strfreev (lines);
  msg = parse_ok (lf);
  fail_unless_equals_int (gst_sdp_message_medias_len (msg), 2);
  gst_sdp_message_free (msg);
  g_free (lf);
}

GST_END_TEST;

GST_START_TEST (test_parse_no_mline)
{
  const gchar *first_m = strstr (chrome_offer, "m=audio");

  assert_parse_error (SESSION, "SDP has no m-line");
  assert_parse_error (SESSION "a=group:BUNDLE 0 1\r\n", "SDP has no m-line");
  /* @len is honoured: the text is not NUL-terminated there */
  assert_parse_error_len (chrome_offer, first_m - chrome_offer,
      "SDP has no m-line");
}

GST_END_TEST;

GST_START_TEST (test_parse_nul_byte)
{
  static const gchar text[] = SESSION "\0" AUDIO_OPUS ("0", RECVONLY);

  assert_parse_error_len (text, sizeof (text) - 1, "SDP contains a NUL byte");
}

GST_END_TEST;

GST_START_TEST (test_parse_missing_ice_credentials)
{
  assert_parse_error (SESSION
      AUDIO_OPUS ("0", RECVONLY)
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 0.0.0.0\r\n" ICE_UFRAG FINGERPRINT "a=setup:actpass\r\n"
      "a=mid:1\r\n" "a=rtpmap:96 VP8/90000\r\n",
      "m-line 1 has no ICE credentials");
  assert_parse_error (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 0.0.0.0\r\n" ICE_PWD FINGERPRINT "a=setup:actpass\r\n"
      "a=mid:0\r\n" "a=rtpmap:96 VP8/90000\r\n",
      "m-line 0 has no ICE credentials");
  /* an empty value is no value */
  assert_parse_error (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 0.0.0.0\r\n" "a=ice-ufrag:\r\n" ICE_PWD FINGERPRINT
      "a=setup:actpass\r\n" "a=mid:0\r\n" "a=rtpmap:96 VP8/90000\r\n",
      "m-line 0 has no ICE credentials");
}

GST_END_TEST;

GST_START_TEST (test_parse_missing_fingerprint)
{
  assert_parse_error (SESSION
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      "c=IN IP4 0.0.0.0\r\n" ICE_UFRAG ICE_PWD "a=setup:actpass\r\n"
      "a=mid:0\r\n" "a=rtpmap:111 opus/48000/2\r\n",
      "m-line 0 has no DTLS fingerprint");
}

GST_END_TEST;

GST_START_TEST (test_parse_session_level_transport)
{
  /* credentials, fingerprint and setup may all be given once for all */
  GstSDPMessage *msg = parse_ok (SESSION ICE_UFRAG ICE_PWD FINGERPRINT
      "a=setup:actpass\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      "c=IN IP4 0.0.0.0\r\n" "a=mid:0\r\n" "a=rtpmap:111 opus/48000/2\r\n");
  const GstSDPMedia *media;

  fail_unless_equals_int (gst_sdp_message_medias_len (msg), 1);
  /* ... and are copied into the m-line, where webrtcbin looks */
  media = gst_sdp_message_get_media (msg, 0);
  fail_unless_equals_string (gst_sdp_media_get_attribute_val (media,
          "ice-ufrag"), "Fq3t");
  fail_unless_equals_string (gst_sdp_media_get_attribute_val (media,
          "ice-pwd"), "n1yTg7PA0cdDxS9v2tuQJmdz");
  fail_unless (gst_sdp_media_get_attribute_val (media, "fingerprint"));
  fail_unless_equals_string (gst_sdp_media_get_attribute_val (media,
          "setup"), "actpass");
  /* moved, not copied: webrtcbin 1.22.0 refuses a fingerprint at both
   * levels */
  fail_unless (gst_sdp_message_get_attribute_val (msg, "fingerprint") == NULL);
  fail_unless (gst_sdp_message_get_attribute_val (msg, "ice-ufrag") == NULL);
  gst_sdp_message_free (msg);

  /* ... and a session-level setup:passive is no offer either */
  assert_parse_error (SESSION ICE_UFRAG ICE_PWD FINGERPRINT
      "a=setup:passive\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      "c=IN IP4 0.0.0.0\r\n" "a=mid:0\r\n" "a=rtpmap:111 opus/48000/2\r\n",
      "SDP is not an offer: a=setup:passive");
}

GST_END_TEST;

GST_START_TEST (test_parse_drops_unknown_names)
{
  /* unknown fmtp parameters and rtcp-fb types would become GQuarks in
   * GstSDP's caps, for good: they go; a=ssrc lines (what a viewer sends:
   * nothing) go too */
  GstSDPMessage *msg = parse_ok (SESSION ICE_UFRAG ICE_PWD FINGERPRINT
      "m=video 9 UDP/TLS/RTP/SAVPF 102 103 104\r\n"
      "c=IN IP4 0.0.0.0\r\n" "a=mid:0\r\n" "a=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 Profile-Level-Id=42e01f;x-made-up=1; packetization-mode=1\r\n"
      "a=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
      "a=rtcp-fb:102 ccm fir\r\na=rtcp-fb:102 transport-cc\r\n"
      "a=rtcp-fb:102 x-made-up\r\na=rtcp-fb:102 nack x-made-up\r\n"
      "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"
      "a=rtpmap:104 VP8/90000\r\na=fmtp:104 x-made-up=1;x-other\r\n"
      "a=ssrc:1234 cname:x\r\na=ssrc-group:FID 1234 1235\r\n");
  const GstSDPMedia *media = gst_sdp_message_get_media (msg, 0);
  const gchar *expected_fb[] = { "102 nack", "102 nack pli", "102 ccm fir",
    "102 transport-cc"
  };
  guint i;

  fail_unless_equals_string (gst_sdp_media_get_attribute_val_n (media,
          "fmtp", 0), "102 profile-level-id=42e01f;packetization-mode=1");
  fail_unless_equals_string (gst_sdp_media_get_attribute_val_n (media,
          "fmtp", 1), "103 apt=102");
  fail_unless (gst_sdp_media_get_attribute_val_n (media, "fmtp", 2) == NULL);
  for (i = 0; i < G_N_ELEMENTS (expected_fb); i++)
    fail_unless_equals_string (gst_sdp_media_get_attribute_val_n (media,
            "rtcp-fb", i), expected_fb[i]);
  fail_unless (gst_sdp_media_get_attribute_val_n (media, "rtcp-fb",
          G_N_ELEMENTS (expected_fb)) == NULL);
  fail_unless (gst_sdp_media_get_attribute_val (media, "ssrc") == NULL);
  fail_unless (gst_sdp_media_get_attribute_val (media, "ssrc-group") == NULL);
  gst_sdp_message_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_parse_answers)
{
  gchar *text;

  assert_parse_error (webrtcbin_answer, "SDP is not an offer: a=setup:active");

  text = replace_once (webrtcbin_offer,
      "a=setup:actpass\r\na=ice-ufrag:Dy2OKcDkyHHxo1rOjnBMrxLjyM8RWoJ6\r\n"
      "a=ice-pwd:x1Mw1fx1vrzx3A7QUoHZbV4k9bOGdmnx\r\na=rtcp-mux\r\n"
      "a=rtcp-rsize\r\na=recvonly\r\na=rtpmap:97",
      "a=setup:passive\r\na=ice-ufrag:Dy2OKcDkyHHxo1rOjnBMrxLjyM8RWoJ6\r\n"
      "a=ice-pwd:x1Mw1fx1vrzx3A7QUoHZbV4k9bOGdmnx\r\na=rtcp-mux\r\n"
      "a=rtcp-rsize\r\na=recvonly\r\na=rtpmap:97");
  assert_parse_error (text, "SDP is not an offer: a=setup:passive");
  g_free (text);
}

GST_END_TEST;

/* A rejected m-line (port 0) needs no transport: nothing will flow. */
GST_START_TEST (test_parse_port_zero_needs_no_transport)
{
  GstSDPMessage *msg = parse_ok (SESSION
      "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
      "c=IN IP4 0.0.0.0\r\n" "a=mid:0\r\n" "a=rtpmap:96 VP8/90000\r\n"
      AUDIO_OPUS ("1", RECVONLY));

  fail_unless_equals_int (gst_sdp_message_medias_len (msg), 2);
  gst_sdp_message_free (msg);
}

GST_END_TEST;

/* An m-line of @n_formats payload types (all "1") and a=rtpmap lines for
 * another one, up to @n_attributes attributes with the transport's. */
static gchar *
big_mline (guint port, guint n_formats, guint n_attributes)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s, "m=video %u UDP/TLS/RTP/SAVPF", port);
  for (i = 0; i < n_formats; i++)
    g_string_append (s, " 1");
  /* TRANSPORT: c= and 4 attributes */
  g_string_append (s, "\r\n" TRANSPORT);
  for (i = 4; i < n_attributes; i++)
    g_string_append (s, "a=rtpmap:2 x/1\r\n");
  return g_string_free (s, FALSE);
}

/* Found while fuzzing (tests/fuzz): GstSDP's look-ups of "rtpmap:<pt>" walk
 * all attributes for each n-th rtpmap, for every payload type, so this
 * 64 KiB offer (10870 payload types, 2719 a=rtpmap lines for none of them)
 * kept the server's thread busy for minutes in whep_answer_plan_new(). */
GST_START_TEST (test_parse_too_big_mlines)
{
  gchar *mline, *text;
  GstSDPMessage *msg;

  mline = big_mline (9, 10870, 2723);
  text = g_strconcat (SESSION, mline, NULL);
  fail_unless (strlen (text) <= 64 * 1024);
  assert_parse_error (text, "m-line 0 has more than 128 payload types");
  g_free (text);
  g_free (mline);

  mline = big_mline (9, 128, 2723);
  text = g_strconcat (SESSION, mline, NULL);
  assert_parse_error (text, "m-line 0 has more than 256 attributes");
  g_free (text);
  g_free (mline);

  /* a bundle-only m-line is planned too */
  mline = big_mline (0, 129, 5);
  text = g_strconcat (SESSION AUDIO_OPUS ("0", RECVONLY), mline,
      "a=bundle-only\r\n", NULL);
  assert_parse_error (text, "m-line 1 has more than 128 payload types");
  g_free (text);
  g_free (mline);

  /* up to the limits */
  mline = big_mline (9, 128, 256);
  text = g_strconcat (SESSION, mline, NULL);
  msg = parse_ok (text);
  gst_sdp_message_free (msg);
  g_free (text);
  g_free (mline);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_answer_plan_new(): codec choice                                     */

GST_START_TEST (test_plan_chrome_high)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &high_av);

  fail_unless_equals_int (plan->n_accepted, 2);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_AUDIO, "0", 111, "OPUS", 48000,
      NULL);
  /* 640c1f in packetization-mode 1, not its mode 0 twin 114 */
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 112, "H264", 90000,
      "640c1f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_chrome_constrained_baseline)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &cb_av);

  fail_unless_equals_int (plan->n_accepted, 2);
  /* not 102 (42001f, offered first) */
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 106, "H264", 90000,
      "42e01f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_chrome_main)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &main_av);

  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 127, "H264", 90000,
      "4d001f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* Main only in packetization-mode 0: high contains main, and beats the
 * baseline payload types offered before it. */
GST_START_TEST (test_plan_chrome_main_without_main_mode_1)
{
  gchar *offer = replace_once (chrome_offer,
      "packetization-mode=1;profile-level-id=4d001f",
      "packetization-mode=0;profile-level-id=4d001f");
  WhepAnswerPlan *plan = plan_for (offer, &main_av);

  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 112, "H264", 90000,
      "640c1f");
  whep_answer_plan_free (plan);
  g_free (offer);
}

GST_END_TEST;

/* Without 640c1f in mode 1 nothing fits a high stream better than anything
 * else: the first H.264 payload type in mode 1 is taken. */
GST_START_TEST (test_plan_ties_go_to_the_first_offered)
{
  gchar *offer = replace_once (chrome_offer,
      "packetization-mode=1;profile-level-id=640c1f",
      "packetization-mode=0;profile-level-id=640c1f");
  WhepAnswerPlan *plan = plan_for (offer, &high_av);

  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 102, "H264", 90000,
      "42001f");
  whep_answer_plan_free (plan);
  g_free (offer);
}

GST_END_TEST;

GST_START_TEST (test_plan_webrtcbin_offer)
{
  WhepAnswerPlan *plan = plan_for (webrtcbin_offer, &high_av);

  fail_unless_equals_int (plan->n_accepted, 2);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "video0", 96, "H264",
      90000, "42c01f");
  /* "OPUS/48000/2": encoding names are case-insensitive */
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "audio1", 97, "OPUS",
      48000, NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_video_only_offer)
{
  WhepAnswerPlan *plan = plan_for (video_only_offer, &high_av);

  fail_unless_equals_int (plan->n_accepted, 1);
  fail_unless_equals_int (plan->mlines->len, 1);
  /* "Profile-Level-Id=64001f": the name in any case */
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "v", 98, "H264", 90000,
      "64001f");
  whep_answer_plan_free (plan);

  /* "42E01F": the value in any case, copied in lower case */
  plan = plan_for (video_only_offer, &cb_av);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "v", 97, "H264", 90000,
      "42e01f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_audio_only_offer)
{
  WhepAnswerPlan *plan = plan_for (audio_only_offer, &high_av);

  fail_unless_equals_int (plan->n_accepted, 1);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_AUDIO, "0", 109, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_h264_details)
{
  WhepAnswerPlan *plan;

  /* no profile-level-id: RFC 6184's default, baseline level 1 */
  plan = plan_for (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 100 101\r\n" TRANSPORT "a=mid:0\r\n"
      "a=rtpmap:100 H264/90000\r\n"
      "a=fmtp:100 packetization-mode=0\r\n"
      "a=rtpmap:101 h264/90000\r\n"
      "a=fmtp:101 packetization-mode=1\r\n", &high_av);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 101, "H264", 90000,
      "42000a");
  whep_answer_plan_free (plan);

  /* an unparsable profile-level-id is never picked, a worse fit is */
  plan = plan_for (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 100 101\r\n" TRANSPORT "a=mid:0\r\n"
      "a=rtpmap:100 H264/90000\r\n"
      "a=fmtp:100 packetization-mode=1;profile-level-id=high\r\n"
      "a=rtpmap:101 H264/90000\r\n"
      "a=fmtp:101 packetization-mode=1;profile-level-id=42e00a\r\n",
      &high_av);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 101, "H264", 90000,
      "42e00a");
  whep_answer_plan_free (plan);

  /* H.264 at another clock rate is not H.264 */
  plan = plan_for (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 100 101\r\n" TRANSPORT "a=mid:0\r\n"
      "a=rtpmap:100 H264/48000\r\n"
      "a=fmtp:100 packetization-mode=1;profile-level-id=64001f\r\n"
      "a=rtpmap:101 H264/90000\r\n"
      "a=fmtp:101 packetization-mode=1;profile-level-id=42e01f\r\n",
      &high_av);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 101, "H264", 90000,
      "42e01f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_answer_plan_new(): rejections                                       */

GST_START_TEST (test_plan_stream_without_audio)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &high_video);

  fail_unless_equals_int (plan->n_accepted, 1);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_AUDIO, "0",
      "the stream has no audio");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 112, "H264", 90000,
      "640c1f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_stream_without_video)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &audio_only);

  fail_unless_equals_int (plan->n_accepted, 1);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_AUDIO, "0", 111, "OPUS", 48000,
      NULL);
  assert_rejected (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1",
      "the stream has no video");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_data_channel)
{
  WhepAnswerPlan *plan = plan_for (data_channel_offer, &high_av);

  fail_unless_equals_int (plan->n_accepted, 2);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_AUDIO, "0", 111, "OPUS", 48000,
      NULL);
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 102, "H264", 90000,
      "42e01f");
  assert_rejected (plan, 2, WHEP_MEDIA_KIND_OTHER, "2",
      "data channels are not offered");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_port_zero)
{
  WhepAnswerPlan *plan = plan_for (SESSION
      "m=video 0 UDP/TLS/RTP/SAVPF 102\r\n" "c=IN IP4 0.0.0.0\r\n"
      "a=mid:0\r\n" "a=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
      AUDIO_OPUS ("1", RECVONLY), &high_av);

  fail_unless_equals_int (plan->n_accepted, 1);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0",
      "rejected in the offer (port 0)");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "1", 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* webrtcbin and browsers with bundle-policy max-bundle offer every m-line
 * but the first with port 0 and a=bundle-only: those are wanted. */
GST_START_TEST (test_plan_bundle_only)
{
  WhepAnswerPlan *plan = plan_for (SESSION
      "a=group:BUNDLE 0 1\r\n"
      VIDEO_H264 ("0", RECVONLY)
      "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n" "c=IN IP4 0.0.0.0\r\n"
      "a=bundle-only\r\n" "a=mid:1\r\n" RECVONLY
      "a=rtpmap:111 opus/48000/2\r\n", &high_av);

  fail_unless_equals_int (plan->n_accepted, 2);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 102, "H264", 90000,
      "42e01f");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "1", 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_directions)
{
  WhepAnswerPlan *plan;

  plan = plan_for (SESSION
      VIDEO_H264 ("0", "a=sendonly\r\n")
      AUDIO_OPUS ("1", "a=inactive\r\n")
      VIDEO_H264 ("2", "a=sendrecv\r\n")
      AUDIO_OPUS ("3", ""), &high_av);
  fail_unless_equals_int (plan->n_accepted, 2);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0",
      "the offer is sendonly, but this endpoint only sends");
  assert_rejected (plan, 1, WHEP_MEDIA_KIND_AUDIO, "1",
      "the offer is inactive, but this endpoint only sends");
  assert_accepted (plan, 2, WHEP_MEDIA_KIND_VIDEO, "2", 102, "H264", 90000,
      "42e01f");
  /* no direction attribute: sendrecv */
  assert_accepted (plan, 3, WHEP_MEDIA_KIND_AUDIO, "3", 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);

  /* a session-level direction applies where the m-line has none */
  plan = plan_for (SESSION "a=sendonly\r\n"
      VIDEO_H264 ("0", "") AUDIO_OPUS ("1", RECVONLY), &high_av);
  fail_unless_equals_int (plan->n_accepted, 1);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0",
      "the offer is sendonly, but this endpoint only sends");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "1", 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_one_mline_per_kind)
{
  WhepAnswerPlan *plan = plan_for (SESSION
      VIDEO_H264 ("a", RECVONLY) AUDIO_OPUS ("b", RECVONLY)
      VIDEO_H264 ("c", RECVONLY) AUDIO_OPUS ("d", RECVONLY), &high_av);

  fail_unless_equals_int (plan->n_accepted, 2);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "a", 102, "H264", 90000,
      "42e01f");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "b", 111, "OPUS", 48000,
      NULL);
  assert_rejected (plan, 2, WHEP_MEDIA_KIND_VIDEO, "c",
      "another video m-line is already accepted");
  assert_rejected (plan, 3, WHEP_MEDIA_KIND_AUDIO, "d",
      "another audio m-line is already accepted");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* A video m-line we cannot use does not block a later one we can. */
GST_START_TEST (test_plan_first_usable_mline_wins)
{
  WhepAnswerPlan *plan = plan_for (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n" TRANSPORT "a=mid:0\r\n"
      RECVONLY "a=rtpmap:96 VP8/90000\r\n"
      "a=rtpmap:97 rtx/90000\r\n" "a=fmtp:97 apt=96\r\n"
      VIDEO_H264 ("1", RECVONLY), &high_av);

  fail_unless_equals_int (plan->n_accepted, 1);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0",
      "no H.264 with packetization-mode=1");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_VIDEO, "1", 102, "H264", 90000,
      "42e01f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_no_acceptable_codec)
{
  WhepAnswerPlan *plan;

  /* rtx, red and ulpfec of an H.264 payload type are not H.264 */
  plan = plan_for (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 103 116 118\r\n" TRANSPORT "a=mid:0\r\n"
      "a=rtpmap:103 rtx/90000\r\n" "a=fmtp:103 apt=102\r\n"
      "a=rtpmap:116 red/90000\r\n" "a=rtpmap:118 ulpfec/90000\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0 8 63 110\r\n" TRANSPORT "a=mid:1\r\n"
      "a=rtpmap:63 red/48000/2\r\n" "a=fmtp:63 111/111\r\n"
      "a=rtpmap:110 telephone-event/48000\r\n"
      AUDIO_OPUS ("2", RECVONLY), &high_av);
  fail_unless_equals_int (plan->n_accepted, 1);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0",
      "no H.264 with packetization-mode=1");
  assert_rejected (plan, 1, WHEP_MEDIA_KIND_AUDIO, "1", "no opus/48000/2");
  assert_accepted (plan, 2, WHEP_MEDIA_KIND_AUDIO, "2", 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);

  /* mono Opus is not RFC 7587 Opus */
  plan = plan_for (SESSION
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" TRANSPORT "a=mid:0\r\n"
      "a=rtpmap:111 opus/48000\r\n" VIDEO_H264 ("1", RECVONLY), &high_av);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_AUDIO, "0", "no opus/48000/2");
  whep_answer_plan_free (plan);

  /* H.264 in mode 1, but no profile-level-id we can read */
  plan = plan_for (SESSION
      "m=video 9 UDP/TLS/RTP/SAVPF 100\r\n" TRANSPORT "a=mid:0\r\n"
      "a=rtpmap:100 H264/90000\r\n"
      "a=fmtp:100 packetization-mode=1;profile-level-id=42e01\r\n"
      AUDIO_OPUS ("1", RECVONLY), &high_av);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0",
      "no H.264 with a valid profile-level-id");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_other_media)
{
  WhepAnswerPlan *plan = plan_for (SESSION
      "m=text 9 RTP/AVP 98\r\n" "c=IN IP4 0.0.0.0\r\n" "a=mid:t\r\n"
      "a=rtpmap:98 t140/1000\r\n" AUDIO_OPUS ("a", RECVONLY), &high_av);

  assert_rejected (plan, 0, WHEP_MEDIA_KIND_OTHER, "t",
      "text m-lines are not supported");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "a", 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_plan_mline_without_mid)
{
  WhepAnswerPlan *plan = plan_for (SESSION
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" TRANSPORT
      "a=rtpmap:111 opus/48000/2\r\n", &high_av);

  assert_accepted (plan, 0, WHEP_MEDIA_KIND_AUDIO, NULL, 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_answer_plan_new(): nothing acceptable                               */

GST_START_TEST (test_plan_nothing_acceptable)
{
  gchar *message;

  message = plan_error_for (no_h264_mode_1_offer, &high_video);
  fail_unless_equals_string (message,
      "offer has nothing this stream can send: "
      "audio: the stream has no audio; "
      "video: no H.264 with packetization-mode=1");
  g_free (message);

  message = plan_error_for (audio_only_offer, &high_video);
  fail_unless_equals_string (message,
      "offer has nothing this stream can send: "
      "audio: the stream has no audio");
  g_free (message);

  message = plan_error_for (video_only_offer, &audio_only);
  fail_unless_equals_string (message,
      "offer has nothing this stream can send: "
      "video: the stream has no video");
  g_free (message);

  message = plan_error_for (SESSION DATA_CHANNEL ("0"), &high_av);
  fail_unless_equals_string (message,
      "offer has nothing this stream can send: "
      "application: data channels are not offered");
  g_free (message);
}

GST_END_TEST;

GST_START_TEST (test_plan_free_null)
{
  whep_answer_plan_free (NULL);
  {
    g_autoptr (WhepAnswerPlan) plan = plan_for (chrome_offer, &high_av);

    fail_unless (plan != NULL);
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Queries on a plan                                                        */

GST_START_TEST (test_query_mline_for_mid)
{
  /* audio "0" rejected (the stream has none), video "1" accepted */
  WhepAnswerPlan *plan = plan_for (chrome_offer, &high_video);

  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, "1"), 1);
  /* a mid names its m-line, accepted or not */
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, "0"), 0);
  /* no mid, or one the offer lacks: the first accepted (BUNDLE) */
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, NULL), 1);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, "9"), 1);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, ""), 1);
  whep_answer_plan_free (plan);

  plan = plan_for (data_channel_offer, &high_av);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, NULL), 0);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, "1"), 1);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, "2"), 2);
  whep_answer_plan_free (plan);

  /* m-lines without a mid match no mid */
  plan = plan_for (SESSION "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" TRANSPORT
      "a=rtpmap:111 opus/48000/2\r\n", &high_av);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, "0"), 0);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, NULL), 0);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_query_first_accepted_mid)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &high_video);

  fail_unless_equals_string (whep_answer_plan_first_accepted_mid (plan), "1");
  whep_answer_plan_free (plan);

  plan = plan_for (chrome_offer, &high_av);
  fail_unless_equals_string (whep_answer_plan_first_accepted_mid (plan), "0");
  whep_answer_plan_free (plan);

  /* accepted, but without a mid */
  plan = plan_for (SESSION "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" TRANSPORT
      "a=rtpmap:111 opus/48000/2\r\n", &high_av);
  fail_unless (whep_answer_plan_first_accepted_mid (plan) == NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* A plan with nothing accepted (whep_answer_plan_new() makes none such). */
GST_START_TEST (test_query_nothing_accepted)
{
  WhepAnswerPlan *plan = g_new0 (WhepAnswerPlan, 1);
  WhepMLinePlan *m = g_new0 (WhepMLinePlan, 1);

  plan->mlines = g_ptr_array_new_with_free_func (g_free);
  m->mid = (gchar *) "0";
  m->payload_type = -1;
  g_ptr_array_add (plan->mlines, m);

  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, "x"), 0);
  fail_unless_equals_int (whep_answer_plan_mline_for_mid (plan, NULL), 0);
  fail_unless (whep_answer_plan_first_accepted_mid (plan) == NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_mline_plan_to_caps()                                                */

static void
assert_caps_equal_string (GstCaps * caps, const gchar * expected_str)
{
  GstCaps *expected = gst_caps_from_string (expected_str);
  gchar *caps_str = gst_caps_to_string (caps);

  fail_unless (expected != NULL);
  fail_unless (gst_caps_is_equal (caps, expected), "caps %s, expected %s",
      caps_str, expected_str);
  g_free (caps_str);
  gst_caps_unref (expected);
}

GST_START_TEST (test_caps_h264)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &high_av);
  GstCaps *caps = whep_mline_plan_to_caps (get_mline (plan, 1), 0xdeadbeef);

  assert_caps_equal_string (caps, "application/x-rtp, media=(string)video, "
      "encoding-name=(string)H264, clock-rate=(int)90000, payload=(int)112, "
      "ssrc=(uint)3735928559, packetization-mode=(string)1, "
      "profile-level-id=(string)640c1f, rtcp-fb-nack-pli=(boolean)true, "
      "rtcp-fb-ccm-fir=(boolean)true");
  gst_caps_unref (caps);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_caps_opus)
{
  /* the offer has sprop-stereo and sprop-maxcapturerate: not copied */
  WhepAnswerPlan *plan = plan_for (webrtcbin_offer, &high_av);
  GstCaps *caps = whep_mline_plan_to_caps (get_mline (plan, 1), 1);

  assert_caps_equal_string (caps, "application/x-rtp, media=(string)audio, "
      "encoding-name=(string)OPUS, clock-rate=(int)48000, payload=(int)97, "
      "ssrc=(uint)1, encoding-params=(string)2, minptime=(string)10, "
      "useinbandfec=(string)1");
  gst_caps_unref (caps);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* What webrtcbin does with them: intersect with the offered payload type's
 * caps. */
GST_START_TEST (test_caps_match_the_offer)
{
  const gchar *offers[] = { chrome_offer, webrtcbin_offer, audio_only_offer,
    video_only_offer, data_channel_offer,
  };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (offers); i++) {
    GstSDPMessage *offer = parse_ok (offers[i]);
    WhepAnswerPlan *plan = plan_for (offers[i], &high_av);

    for (j = 0; j < plan->mlines->len; j++) {
      const WhepMLinePlan *m = get_mline (plan, j);
      GstCaps *ours, *offered;

      if (!m->accepted)
        continue;
      ours = whep_mline_plan_to_caps (m, 42);
      offered = gst_sdp_media_get_caps_from_media (gst_sdp_message_get_media
          (offer, j), m->payload_type);
      fail_unless (offered != NULL);
      offered = gst_caps_make_writable (offered);
      gst_structure_set_name (gst_caps_get_structure (offered, 0),
          "application/x-rtp");
      if (!gst_caps_can_intersect (ours, offered)) {
        gchar *ours_str = gst_caps_to_string (ours);
        gchar *offered_str = gst_caps_to_string (offered);

        fail ("offer %u m-line %u: %s vs %s", i, j, ours_str, offered_str);
      }
      gst_caps_unref (ours);
      gst_caps_unref (offered);
    }
    whep_answer_plan_free (plan);
    gst_sdp_message_free (offer);
  }
}

GST_END_TEST;

GST_START_TEST (test_caps_of_rejected_mline)
{
  WhepAnswerPlan *plan = plan_for (data_channel_offer, &high_av);
  GstCaps *caps = NULL;
  GLogLevelFlags fatal_mask;

  /* the tests run with G_DEBUG=fatal-criticals: let this one through to
   * ASSERT_CRITICAL */
  fatal_mask = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  ASSERT_CRITICAL (caps = whep_mline_plan_to_caps (get_mline (plan, 2), 1));
  g_log_set_always_fatal (fatal_mask);
  fail_unless (caps == NULL);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_answer_apply_plan()                                                 */

GST_START_TEST (test_apply_rejects_data_channel)
{
  WhepAnswerPlan *plan = plan_for (data_channel_offer, &high_av);
  GstSDPMessage *answer = parse_answer (webrtcbin_answer);
  guint n_attributes = gst_sdp_message_attributes_len (answer);

  fail_unless (whep_answer_apply_plan (answer, plan));

  fail_unless_equals_int (gst_sdp_message_medias_len (answer), 3);
  fail_unless_equals_int (gst_sdp_media_get_port (gst_sdp_message_get_media
          (answer, 0)), 9);
  fail_unless_equals_int (gst_sdp_media_get_port (gst_sdp_message_get_media
          (answer, 1)), 9);
  fail_unless_equals_int (gst_sdp_media_get_port (gst_sdp_message_get_media
          (answer, 2)), 0);
  /* the rejected m-line keeps its mid */
  fail_unless_equals_string (gst_sdp_media_get_attribute_val
      (gst_sdp_message_get_media (answer, 2), "mid"), "2");

  fail_unless_equals_int (gst_sdp_message_attributes_len (answer),
      n_attributes);
  fail_unless_equals_string (gst_sdp_message_get_attribute_val_n (answer,
          "group", 0), "BUNDLE 0 1");
  /* other groups are none of our business */
  fail_unless_equals_string (gst_sdp_message_get_attribute_val_n (answer,
          "group", 1), "LS 0 1");
  fail_unless_equals_string (gst_sdp_message_get_attribute_val (answer,
          "ice-options"), "trickle");

  gst_sdp_message_free (answer);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_apply_keeps_the_bundle_tag)
{
  WhepAnswerPlan *plan = plan_for (data_channel_offer, &high_video);
  GstSDPMessage *answer = parse_answer (webrtcbin_answer);
  gchar *text;

  fail_unless (whep_answer_apply_plan (answer, plan));
  text = gst_sdp_message_as_text (answer);
  /* the first m-line is the BUNDLE tag and carries the transport: it stays
   * in the group, inactive, with its port */
  fail_unless (strstr (text, "a=group:BUNDLE 0 1") != NULL, "%s", text);
  fail_unless (strstr (text, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n") != NULL,
      "%s", text);
  fail_unless (strstr (text, "a=inactive\r\n") != NULL, "%s", text);
  fail_unless (strstr (text, "a=sendonly\r\na=inactive") == NULL, "%s",
      text);
  fail_unless (strstr (text, "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n") != NULL,
      "%s", text);
  fail_unless (strstr (text, "m=application 0 UDP/DTLS/SCTP "
          "webrtc-datachannel\r\n") != NULL, "%s", text);
  g_free (text);

  gst_sdp_message_free (answer);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_apply_all_accepted_changes_nothing)
{
  WhepAnswerPlan *plan = plan_for (data_channel_offer, &high_av);
  GstSDPMessage *answer;
  gchar *before, *after;

  /* make the plan accept everything webrtcbin answered */
  g_ptr_array_remove_index (plan->mlines, 2);
  answer = parse_answer (webrtcbin_answer);
  fail_unless (!whep_answer_apply_plan (answer, plan));
  gst_sdp_message_free (answer);

  answer = parse_answer (SESSION "a=group:BUNDLE 0 1\r\n"
      AUDIO_OPUS ("0", "a=sendonly\r\n") VIDEO_H264 ("1", "a=sendonly\r\n"));
  before = gst_sdp_message_as_text (answer);
  fail_unless (whep_answer_apply_plan (answer, plan));
  after = gst_sdp_message_as_text (answer);
  fail_unless_equals_string (after, before);

  g_free (before);
  g_free (after);
  gst_sdp_message_free (answer);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

GST_START_TEST (test_apply_count_mismatch)
{
  WhepAnswerPlan *plan = plan_for (chrome_offer, &high_video);
  GstSDPMessage *answer = parse_answer (webrtcbin_answer);
  gchar *before = gst_sdp_message_as_text (answer), *after;

  fail_if (whep_answer_apply_plan (answer, plan));
  /* and nothing was touched */
  after = gst_sdp_message_as_text (answer);
  fail_unless_equals_string (after, before);

  g_free (before);
  g_free (after);
  gst_sdp_message_free (answer);
  whep_answer_plan_free (plan);
}

GST_END_TEST;

/* A plan is plain data; build one that rejects everything, as no
 * whep_answer_plan_new() would return. */
static WhepAnswerPlan *
all_rejected_plan (guint n, const gchar * const *mids)
{
  WhepAnswerPlan *plan = g_new0 (WhepAnswerPlan, 1);
  guint i;

  plan->mlines = g_ptr_array_new ();
  for (i = 0; i < n; i++) {
    WhepMLinePlan *m = g_new0 (WhepMLinePlan, 1);

    m->mline = i;
    m->mid = (gchar *) mids[i];
    m->reject_reason = (gchar *) "test";
    g_ptr_array_add (plan->mlines, m);
  }
  return plan;
}

static void
all_rejected_plan_free (WhepAnswerPlan * plan)
{
  guint i;

  for (i = 0; i < plan->mlines->len; i++)
    g_free (g_ptr_array_index (plan->mlines, i));
  g_ptr_array_unref (plan->mlines);
  g_free (plan);
}

GST_START_TEST (test_apply_empties_bundle_group)
{
  static const gchar *const mids[] = { "0", "1", "2" };
  WhepAnswerPlan *plan = all_rejected_plan (3, mids);
  GstSDPMessage *answer = parse_answer (webrtcbin_answer);
  guint i;

  fail_unless (whep_answer_apply_plan (answer, plan));
  for (i = 0; i < 3; i++)
    fail_unless_equals_int (gst_sdp_media_get_port (gst_sdp_message_get_media
            (answer, i)), 0);
  /* the BUNDLE group is gone, LS stays */
  fail_unless_equals_int (gst_sdp_message_attributes_len (answer), 2);
  fail_unless_equals_string (gst_sdp_message_get_attribute_val (answer,
          "group"), "LS 0 1");
  fail_unless_equals_string (gst_sdp_message_get_attribute_val (answer,
          "ice-options"), "trickle");

  gst_sdp_message_free (answer);
  all_rejected_plan_free (plan);
}

GST_END_TEST;

/* When the answer's m-line has no a=mid, the offer's mid stands in. */
GST_START_TEST (test_apply_uses_offer_mid)
{
  static const gchar *const mids[] = { "video0" };
  WhepAnswerPlan *plan = all_rejected_plan (1, mids);
  GstSDPMessage *answer = parse_answer (SESSION
      "a=group:BUNDLE video0 x\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" "c=IN IP4 0.0.0.0\r\n"
      "a=rtpmap:96 H264/90000\r\n");

  fail_unless (whep_answer_apply_plan (answer, plan));
  fail_unless_equals_string (gst_sdp_message_get_attribute_val (answer,
          "group"), "BUNDLE x");
  gst_sdp_message_free (answer);
  all_rejected_plan_free (plan);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* H.265                                                                    */

static const WhepStreamInfo h265_main_av = { TRUE, NULL, NULL, TRUE,
  WHEP_VIDEO_CODEC_H265, "main"
};

/* Chromium with H.265 enabled offers it beside H.264, per profile */
#define VIDEO_H264_AND_H265(mid) \
    "m=video 9 UDP/TLS/RTP/SAVPF 102 49 51 103\r\n" TRANSPORT \
    "a=mid:" mid "\r\n" RECVONLY \
    "a=rtpmap:102 H264/90000\r\n" \
    "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n" \
    "a=rtpmap:49 H265/90000\r\n" \
    "a=fmtp:49 level-id=180;profile-id=2;tier-flag=0;tx-mode=SRST\r\n" \
    "a=rtpmap:51 H265/90000\r\n" \
    "a=fmtp:51 level-id=180;profile-id=1;tier-flag=0;tx-mode=SRST\r\n" \
    "a=rtpmap:103 rtx/90000\r\n" \
    "a=fmtp:103 apt=102\r\n"

GST_START_TEST (test_plan_h265_stream)
{
  WhepAnswerPlan *plan;
  GstCaps *caps;
  const GstStructure *s;
  gint pt;

  /* the Main profile-id, though Main 10 comes first; not the H.264 */
  plan = plan_for (SESSION VIDEO_H264_AND_H265 ("0")
      AUDIO_OPUS ("1", RECVONLY), &h265_main_av);
  fail_unless_equals_int (plan->n_accepted, 2);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 51, "H265", 90000,
      NULL);
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "1", 111, "OPUS", 48000,
      NULL);

  /* caps for webrtcbin: H265, the payload type, no H.264 fields */
  caps = whep_mline_plan_to_caps (get_mline (plan, 0), 7);
  s = gst_caps_get_structure (caps, 0);
  fail_unless_equals_string (gst_structure_get_string (s, "encoding-name"),
      "H265");
  fail_unless (gst_structure_get_int (s, "payload", &pt));
  fail_unless_equals_int (pt, 51);
  fail_if (gst_structure_has_field (s, "profile-level-id"));
  fail_if (gst_structure_has_field (s, "packetization-mode"));
  gst_caps_unref (caps);
  whep_answer_plan_free (plan);

  /* no profile matches (a Main 10 stream, Main offered): the first H265 */
  {
    WhepStreamInfo main10 = h265_main_av;

    main10.h265_profile = "main-444";
    plan = plan_for (SESSION VIDEO_H264_AND_H265 ("0"), &main10);
    assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 49, "H265", 90000,
        NULL);
    whep_answer_plan_free (plan);
  }
}

GST_END_TEST;

/* An H.265 stream and an offer with H.264 only: video is rejected with a
 * reason, audio still accepted; video alone is 406. */
GST_START_TEST (test_plan_h265_stream_h264_offer)
{
  WhepAnswerPlan *plan;
  gchar *message;

  plan = plan_for (SESSION VIDEO_H264 ("0", RECVONLY)
      AUDIO_OPUS ("1", RECVONLY), &h265_main_av);
  fail_unless_equals_int (plan->n_accepted, 1);
  assert_rejected (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0",
      "the stream is H.265 and the offer has no H265");
  assert_accepted (plan, 1, WHEP_MEDIA_KIND_AUDIO, "1", 111, "OPUS", 48000,
      NULL);
  whep_answer_plan_free (plan);

  message = plan_error_for (SESSION VIDEO_H264 ("0", RECVONLY),
      &h265_main_av);
  fail_unless (strstr (message, "the stream is H.265 and the offer has no "
          "H265") != NULL, "%s", message);
  g_free (message);

  /* with the H.264 made from the H.265 (video-transcode=auto), an offer
   * without H265 gets that */
  {
    WhepStreamInfo fallback = h265_main_av;

    fallback.h264_fallback = TRUE;
    fallback.h264_profile = "constrained-baseline";
    fallback.h264_level = "2.1";
    plan = plan_for (SESSION VIDEO_H264 ("0", RECVONLY)
        AUDIO_OPUS ("1", RECVONLY), &fallback);
    fail_unless_equals_int (plan->n_accepted, 2);
    assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 102, "H264", 90000,
        "42e01f");
    fail_unless_equals_int (whep_answer_plan_video_codec (plan),
        WHEP_VIDEO_CODEC_H264);
    whep_answer_plan_free (plan);

    /* and an offer with H265 still gets the H.265 itself */
    plan = plan_for (SESSION VIDEO_H264_AND_H265 ("0"), &fallback);
    assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 51, "H265", 90000,
        NULL);
    fail_unless_equals_int (whep_answer_plan_video_codec (plan),
        WHEP_VIDEO_CODEC_H265);
    whep_answer_plan_free (plan);
  }

  /* and an H.264 stream never takes the offer's H265 */
  plan = plan_for (SESSION VIDEO_H264_AND_H265 ("0"), &high_video);
  assert_accepted (plan, 0, WHEP_MEDIA_KIND_VIDEO, "0", 102, "H264", 90000,
      "42e01f");
  whep_answer_plan_free (plan);
}

GST_END_TEST;

static Suite *
whep_offer_suite (void)
{
  Suite *s = suite_create ("whep-offer");
  TCase *tc_parse = tcase_create ("parse");
  TCase *tc_codec = tcase_create ("plan-codec");
  TCase *tc_reject = tcase_create ("plan-reject");
  TCase *tc_query = tcase_create ("plan-query");
  TCase *tc_caps = tcase_create ("caps");
  TCase *tc_apply = tcase_create ("apply");

  suite_add_tcase (s, tc_parse);
  tcase_add_test (tc_parse, test_parse_chrome_offer);
  tcase_add_test (tc_parse, test_parse_other_offers);
  tcase_add_test (tc_parse, test_parse_empty);
  tcase_add_test (tc_parse, test_parse_garbage);
  tcase_add_test (tc_parse, test_parse_version);
  tcase_add_test (tc_parse, test_parse_blank_lines_and_line_ends);
  tcase_add_test (tc_parse, test_parse_no_mline);
  tcase_add_test (tc_parse, test_parse_nul_byte);
  tcase_add_test (tc_parse, test_parse_missing_ice_credentials);
  tcase_add_test (tc_parse, test_parse_missing_fingerprint);
  tcase_add_test (tc_parse, test_parse_session_level_transport);
  tcase_add_test (tc_parse, test_parse_drops_unknown_names);
  tcase_add_test (tc_parse, test_parse_answers);
  tcase_add_test (tc_parse, test_parse_port_zero_needs_no_transport);
  tcase_add_test (tc_parse, test_parse_too_big_mlines);

  suite_add_tcase (s, tc_codec);
  tcase_add_test (tc_codec, test_plan_chrome_high);
  tcase_add_test (tc_codec, test_plan_chrome_constrained_baseline);
  tcase_add_test (tc_codec, test_plan_chrome_main);
  tcase_add_test (tc_codec, test_plan_chrome_main_without_main_mode_1);
  tcase_add_test (tc_codec, test_plan_ties_go_to_the_first_offered);
  tcase_add_test (tc_codec, test_plan_webrtcbin_offer);
  tcase_add_test (tc_codec, test_plan_bundle_only);
  tcase_add_test (tc_codec, test_plan_video_only_offer);
  tcase_add_test (tc_codec, test_plan_audio_only_offer);
  tcase_add_test (tc_codec, test_plan_h264_details);
  tcase_add_test (tc_codec, test_plan_free_null);
  tcase_add_test (tc_codec, test_plan_h265_stream);
  tcase_add_test (tc_codec, test_plan_h265_stream_h264_offer);

  suite_add_tcase (s, tc_reject);
  tcase_add_test (tc_reject, test_plan_stream_without_audio);
  tcase_add_test (tc_reject, test_plan_stream_without_video);
  tcase_add_test (tc_reject, test_plan_data_channel);
  tcase_add_test (tc_reject, test_plan_port_zero);
  tcase_add_test (tc_reject, test_plan_directions);
  tcase_add_test (tc_reject, test_plan_one_mline_per_kind);
  tcase_add_test (tc_reject, test_plan_first_usable_mline_wins);
  tcase_add_test (tc_reject, test_plan_no_acceptable_codec);
  tcase_add_test (tc_reject, test_plan_other_media);
  tcase_add_test (tc_reject, test_plan_mline_without_mid);
  tcase_add_test (tc_reject, test_plan_nothing_acceptable);

  suite_add_tcase (s, tc_query);
  tcase_add_test (tc_query, test_query_mline_for_mid);
  tcase_add_test (tc_query, test_query_first_accepted_mid);
  tcase_add_test (tc_query, test_query_nothing_accepted);

  suite_add_tcase (s, tc_caps);
  tcase_add_test (tc_caps, test_caps_h264);
  tcase_add_test (tc_caps, test_caps_opus);
  tcase_add_test (tc_caps, test_caps_match_the_offer);
  tcase_add_test (tc_caps, test_caps_of_rejected_mline);

  suite_add_tcase (s, tc_apply);
  tcase_add_test (tc_apply, test_apply_rejects_data_channel);
  tcase_add_test (tc_apply, test_apply_keeps_the_bundle_tag);
  tcase_add_test (tc_apply, test_apply_all_accepted_changes_nothing);
  tcase_add_test (tc_apply, test_apply_count_mismatch);
  tcase_add_test (tc_apply, test_apply_empties_bundle_group);
  tcase_add_test (tc_apply, test_apply_uses_offer_mid);

  return s;
}

GST_CHECK_MAIN (whep_offer);

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A real WHEP viewer for tests and benchmarks: its own webrtcbin, an offer
 * POSTed over HTTP with libsoup, ICE and DTLS over loopback, SRTP received,
 * depayloaded and (unless told otherwise) decoded. */
typedef struct _WhepTestClient WhepTestClient;

#define WHEP_TEST_CLIENT_MAX_DROPS 10

typedef struct
{
  gboolean video;               /* offer a video m-line */
  gboolean audio;               /* offer an audio m-line */
  gboolean decode;              /* decode, or only count depayloaded frames */
  /* the H.264 payload types to offer, as "pt:profile-level-id:mode" items;
   * NULL offers "102:42e01f:1" like a browser's first choice */
  const gchar *const *h264_variants;
  /* Simulated loss: drop the first arrival of every Nth video RTP packet
   * (by sequence number) before decryption, WHEP_TEST_CLIENT_MAX_DROPS
   * times, and ask for each again with a NACK.  0: no loss, no NACKs. */
  guint drop_video_every;
  /* > 0: offer H.265 (H265/90000, profile-id 1) with this payload type
   * first, before the H.264 ones; received H.265 is decoded with
   * avdec_h265 */
  gint h265_pt;
} WhepTestClientConfig;

WhepTestClient *whep_test_client_new (const gchar * endpoint_url,
    const WhepTestClientConfig * config);

/* Makes the offer, POSTs it and applies the answer.  Returns the HTTP status
 * (201 on success), 0 if no HTTP exchange happened. */
guint whep_test_client_connect (WhepTestClient * client, GError ** error);

/* Waits until at least the given numbers of video frames and audio buffers
 * arrived (decoded, if decoding), or until @timeout_ms passed. */
gboolean whep_test_client_wait_frames (WhepTestClient * client,
    guint video_frames, guint audio_buffers, guint timeout_ms);

guint whep_test_client_get_video_frames (WhepTestClient * client);
guint whep_test_client_get_audio_buffers (WhepTestClient * client);
/* Size of the decoded pictures, 0x0 before the first one. */
void whep_test_client_get_video_size (WhepTestClient * client, gint * width,
    gint * height);
/* Monotonic time (g_get_monotonic_time) of the POST and of the first video
 * frame; 0 if not yet. */
gint64 whep_test_client_get_post_time (WhepTestClient * client);
gint64 whep_test_client_get_first_video_time (WhepTestClient * client);

/* RTP timestamps of the video packets received: how many, and how many
 * steps between consecutive distinct timestamps went backwards or forward
 * by more than one second (modulo 2^32: a wrap is not a jump). */
void whep_test_client_get_rtp_time_stats (WhepTestClient * client,
    guint * packets, guint * jumps);

/* Whether the first video RTP packet received began with an SPS (alone or
 * first in a STAP-A; for H.265 a VPS, alone or first in an aggregation
 * packet), i.e. where a decoder can start: 1 or 0, -1 before the first
 * packet. */
gint whep_test_client_first_video_packet_was_keyframe (WhepTestClient *
    client);

/* With drop_video_every: how many video packets were dropped, how many of
 * those the client asked for in an RTCP NACK (its jitterbuffer decides; it
 * lets some go), and how many arrived again. */
void whep_test_client_get_loss_stats (WhepTestClient * client,
    guint * dropped, guint * nacked, guint * recovered);

/* How many of the server's senders (SSRCs) have sent the client a Sender
 * Report (webrtcbin's remote-outbound-rtp stats with an NTP time). */
guint whep_test_client_count_sender_reports (WhepTestClient * client);

/* Drops the connection without DELETE, as a closed tab would. */
void whep_test_client_vanish (WhepTestClient * client);

/* The session URL from the Location header, NULL before connect. */
const gchar *whep_test_client_get_session_url (WhepTestClient * client);
/* The answer SDP, NULL before connect. */
const gchar *whep_test_client_get_answer (WhepTestClient * client);

/* Restarts ICE as a WHEP client does: new credentials and candidates of
 * its own in a PATCH (with If-Match), the server's from the 200 reply.
 * Returns the HTTP status. */
guint whep_test_client_restart_ice (WhepTestClient * client);
/* The session's ETag: from the POST, then from the last ICE restart. */
const gchar *whep_test_client_get_etag (WhepTestClient * client);

/* Sends DELETE to the session URL; returns the HTTP status. */
guint whep_test_client_delete (WhepTestClient * client);

void whep_test_client_free (WhepTestClient * client);

/* A plain HTTP request, for protocol tests: returns the status and, if
 * asked, the body and one response header. */
guint whep_test_http (const gchar * method, const gchar * url,
    const gchar * content_type, const gchar * body, gsize body_len,
    gchar ** response_body, const gchar * header_name, gchar ** header_value);

/* The same, with request headers (@headers: name, value, ..., NULL) and all
 * response headers returned (@response_headers: unref with
 * soup_message_headers_unref; a SoupMessageHeaders*).  Self-signed
 * certificates are accepted, for HTTPS tests. */
guint whep_test_http_full (const gchar * method, const gchar * url,
    const gchar * const *headers, const gchar * content_type,
    const gchar * body, gsize body_len, gchar ** response_body,
    gpointer * response_headers);

/* A reply of whep_test_request(): status, body and response headers. */
typedef struct
{
  guint status;
  gchar *body;
  gpointer headers;             /* SoupMessageHeaders*, or NULL */
} WhepTestReply;

/* whep_test_http_full() with the reply kept together; free it with
 * whep_test_reply_free(). */
WhepTestReply *whep_test_request (const gchar * method, const gchar * url,
    const gchar * content_type, const gchar * body,
    const gchar * const *headers);

/* A response header of @reply, or NULL. */
const gchar *whep_test_reply_header (WhepTestReply * reply,
    const gchar * name);

void whep_test_reply_free (WhepTestReply * reply);

/* @ms scaled by how much slower this build runs: instrumented builds take
 * the factor scripts/test.sh --sanitize gives check's own timeouts
 * (CK_TIMEOUT_MULTIPLIER). For deadlines and for upper bounds on a time. */
guint whep_test_slow (guint ms);

/* Polls @done every 50 ms for at most @timeout_ms: a wait on a condition,
 * bounded. */
#define WHEP_TEST_WAIT_FOR(done, timeout_ms) G_STMT_START {               \
  gint64 _deadline = g_get_monotonic_time () + (timeout_ms) * 1000;      \
  while (!(done) && g_get_monotonic_time () < _deadline)                 \
    g_usleep (50 * 1000);                                                \
} G_STMT_END

G_END_DECLS

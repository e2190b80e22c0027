/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RTP and RTCP on plain bytes, for the shared send path: one payloaded
 * packet is rewritten for each viewer (its SSRC, payload type, sequence
 * number and timestamp), and whepsink writes the viewers' Sender Reports and
 * reads their NACKs itself.  No allocation, no GStreamer: every function
 * works on the caller's buffer.  All multi-byte fields are network order. */

#define WHEP_RTP_FIXED_HEADER_LEN 12

/* Length of the RTP header of @packet (fixed part, CSRCs and the header
 * extension), or 0 if @packet is not an RTP packet that fits in @len bytes:
 * version other than 2, CSRCs or extension running past the end, or padding
 * (P bit) whose count is 0 or does not fit. */
gsize whep_rtp_header_len (const guint8 * packet, gsize len);

/* The fields of a packet that whep_rtp_header_len() accepted. */
guint16 whep_rtp_get_seq (const guint8 * packet);
guint32 whep_rtp_get_timestamp (const guint8 * packet);
guint32 whep_rtp_get_ssrc (const guint8 * packet);
gboolean whep_rtp_get_marker (const guint8 * packet);

/* Sets payload type (7 bits; the marker bit is kept), sequence number,
 * timestamp and SSRC of @packet in place.  Nothing else changes. */
void whep_rtp_rewrite (guint8 * packet, guint8 payload_type, guint16 seq,
    guint32 timestamp, guint32 ssrc);

/* TRUE if the H.264 RTP payload (RFC 6184) @payload of @len bytes begins
 * an access unit with a sequence parameter set: a single NAL unit of type
 * 7, or a STAP-A (type 24) whose first aggregated NAL units are an SPS, or
 * access unit delimiters and SEI (types 9 and 6, as x264enc opens every
 * access unit) followed by an SPS.  h264parse with config-interval=-1 puts
 * SPS and PPS before every IDR, and rtph264pay starts an access unit with
 * them, so such a packet is where a decoder can start.  FALSE for anything
 * shorter than its own headers, and for a STAP-A with an empty unit or one
 * that runs past @len before the SPS. */
gboolean whep_rtp_h264_starts_keyframe (const guint8 * payload, gsize len);

/* The same for an H.265 RTP payload (RFC 7798): a single NAL unit that is
 * a video parameter set (type 32), or an aggregation packet (type 48)
 * whose first units, past access unit delimiters and prefix SEI (35, 39),
 * are a VPS.  h265parse with config-interval=-1 puts VPS, SPS and PPS
 * before every IRAP picture, VPS first, so that is where a decoder can
 * start; an SPS alone or an IDR's first fragment (FU, type 49) comes after
 * the VPS and is not.  FALSE for anything shorter than its headers. */
gboolean whep_rtp_h265_starts_keyframe (const guint8 * payload, gsize len);

/* 64-bit NTP time (RFC 5905: seconds since 1900 in the high 32 bits, the
 * fraction in the low 32) for @unix_us microseconds since 1970. */
guint64 whep_ntp_from_unix_us (gint64 unix_us);

/* Writes a compound RTCP packet into @out: a Sender Report (RFC 3550 6.4.1,
 * no report blocks) for @ssrc followed by an SDES with one chunk for @ssrc
 * holding CNAME @cname (1..255 bytes) and padded to 32 bits as 6.5 says.
 * Returns its length, or 0 if it does not fit in @size or @cname is empty
 * or too long. */
gsize whep_rtcp_build_sender_report (guint8 * out, gsize size, guint32 ssrc,
    guint64 ntp_time, guint32 rtp_timestamp, guint32 packet_count,
    guint32 octet_count, const gchar * cname);

/* Reads the FCI of a Generic NACK (RFC 4585 6.2.1: 4-byte entries of PID
 * and BLP) into @seqs, at most @max_seqs of them, in the order the entries
 * list them (PID, then the BLP bits from the lowest).  Returns how many were
 * written, or -1 if @len is 0 or not a multiple of 4. */
gint whep_rtcp_parse_nack (const guint8 * fci, gsize len, guint16 * seqs,
    guint max_seqs);

/* One report block of an RTCP SR or RR (RFC 3550 6.4.1): what a receiver
 * says of one of our SSRCs. */
typedef struct
{
  guint32 ssrc;                 /* the source it reports on */
  guint8 fraction_lost;         /* since its last report, in 1/256 */
  gint32 packets_lost;          /* cumulative, 24-bit signed */
  guint32 highest_seq;          /* extended highest sequence number */
  guint32 jitter;               /* in RTP timestamp units */
  guint32 lsr;                  /* middle 32 bits of our last SR's NTP time */
  guint32 dlsr;                 /* delay since then, in 1/65536 s */
} WhepRtcpReportBlock;

/* Reads the report blocks of every SR and RR in the compound RTCP packet
 * @rtcp of @len bytes (clear, as after SRTCP) into @blocks, at most
 * @max_blocks.  Other packets of the compound are skipped by their length.
 * Returns how many were written; stops at the first packet whose header
 * or length does not fit, keeping what came before. */
guint whep_rtcp_parse_report_blocks (const guint8 * rtcp, gsize len,
    WhepRtcpReportBlock * blocks, guint max_blocks);

/* The round trip a report block tells (RFC 3550 6.4.1: arrival time minus
 * LSR minus DLSR), with @now_ntp the 64-bit NTP time the report arrived.
 * Returns microseconds, or -1 if the block has no SR to refer to (LSR 0) or
 * the result would be negative. */
gint64 whep_rtcp_round_trip_us (guint64 now_ntp, guint32 lsr, guint32 dlsr);

/* The 64-bit index (rollover count << 16 | seq) of the packet with 16-bit
 * sequence number @seq that lies nearest to @reference (RFC 3711 3.3.1's
 * estimate): used to find which packet a NACK names.  Never below 0: a
 * @seq that would be is placed in the first cycle. */
guint64 whep_rtp_extend_seq (guint16 seq, guint64 reference);

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* RTP and RTCP on plain bytes for the shared send path.
 *
 * The track is payloaded once, and every viewer gets a copy with its own
 * SSRC, payload type, sequence numbers and timestamps; its Sender Reports
 * and the NACKs it sends back are handled here too.  GstRTPBuffer would
 * map a GstBuffer and check more than we need for every packet of every
 * viewer, so these functions read and write the few fields directly.
 *
 * The layouts (RFC 3550 5.1 and 6.4.1):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                           timestamp                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                             SSRC                              |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                   CSRC list (CC * 4 bytes)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  (X) profile-defined          |  (X) length in 32-bit words   |
 *   |  (X) extension data (length * 4 bytes)                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  payload ...  (P) padding, its last byte counts the padding   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   RTCP common header: |V=2|P| count |   PT (8)    | length (16)  |
 *   where length is the packet's size in 32-bit words minus one.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-rtp.h"

#include <string.h>

#define RTP_VERSION 2

/* RFC 3550 12.1 */
#define RTCP_PT_SR 200
#define RTCP_PT_SDES 202
/* RFC 3550 12.2 */
#define RTCP_SDES_END 0
#define RTCP_SDES_CNAME 1

/* Fixed part of a Sender Report without report blocks: common header,
 * SSRC, NTP timestamp (2 words), RTP timestamp, packet and octet count. */
#define RTCP_SR_LEN 28
/* Common header and the chunk's SSRC */
#define RTCP_SDES_HEADER_LEN 8

/* RFC 5905 6: seconds from 1900-01-01 (NTP's era 0) to 1970-01-01 */
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

static inline guint16
read_u16 (const guint8 * p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static inline guint32
read_u32 (const guint8 * p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 |
      (guint32) p[3];
}

static inline void
write_u16 (guint8 * p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static inline void
write_u32 (guint8 * p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

/* ------------------------------------------------------------------------ */
/* RTP                                                                      */

gsize
whep_rtp_header_len (const guint8 * packet, gsize len)
{
  gsize header_len;

  if (packet == NULL || len < WHEP_RTP_FIXED_HEADER_LEN)
    return 0;
  if (packet[0] >> 6 != RTP_VERSION)
    return 0;

  header_len = WHEP_RTP_FIXED_HEADER_LEN + 4 * (packet[0] & 0x0f);
  if (header_len > len)
    return 0;

  if (packet[0] & 0x10) {
    /* the extension's own 4-byte header must fit before we read its
     * length from it */
    if (header_len + 4 > len)
      return 0;
    header_len += 4 + 4 * (gsize) read_u16 (packet + header_len + 2);
    if (header_len > len)
      return 0;
  }

  if (packet[0] & 0x20) {
    /* the count includes its own byte, so 0 is no valid padding; and the
     * padding must not reach back into the header */
    guint8 padding = packet[len - 1];

    if (padding == 0 || padding > len - header_len)
      return 0;
  }

  return header_len;
}

guint16
whep_rtp_get_seq (const guint8 * packet)
{
  return read_u16 (packet + 2);
}

guint32
whep_rtp_get_timestamp (const guint8 * packet)
{
  return read_u32 (packet + 4);
}

guint32
whep_rtp_get_ssrc (const guint8 * packet)
{
  return read_u32 (packet + 8);
}

gboolean
whep_rtp_get_marker (const guint8 * packet)
{
  return (packet[1] & 0x80) != 0;
}

void
whep_rtp_rewrite (guint8 * packet, guint8 payload_type, guint16 seq,
    guint32 timestamp, guint32 ssrc)
{
  /* the marker shares its byte with the payload type: it belongs to the
   * packet (end of an access unit), not to the viewer */
  packet[1] = (packet[1] & 0x80) | (payload_type & 0x7f);
  write_u16 (packet + 2, seq);
  write_u32 (packet + 4, timestamp);
  write_u32 (packet + 8, ssrc);
}

/* RFC 6184 1.3 and 5.7.1 */
#define H264_NAL_TYPE(b) ((b) & 0x1f)
#define H264_NAL_SPS 7
#define H264_NAL_STAP_A 24

#define H264_NAL_AUD 9
#define H264_NAL_SEI 6

gboolean
whep_rtp_h264_starts_keyframe (const guint8 * payload, gsize len)
{
  gsize pos;

  if (payload == NULL || len < 1)
    return FALSE;

  switch (H264_NAL_TYPE (payload[0])) {
    case H264_NAL_SPS:
      return TRUE;
    case H264_NAL_STAP_A:
      /* STAP-A header, then each unit as a 16-bit size and the unit.  An
       * access unit may open with a delimiter (x264enc writes one by
       * default) and SEI before its SPS: look past those, and only those,
       * each unit whole and not empty. */
      for (pos = 1; pos + 3 <= len; ) {
        guint16 nalu_size = read_u16 (payload + pos);
        guint type;

        if (nalu_size == 0 || nalu_size > len - pos - 2)
          return FALSE;
        type = H264_NAL_TYPE (payload[pos + 2]);
        if (type == H264_NAL_SPS)
          return TRUE;
        if (type != H264_NAL_AUD && type != H264_NAL_SEI)
          return FALSE;
        pos += 2 + nalu_size;
      }
      return FALSE;
    default:
      /* parameter sets are small: rtph264pay sends them whole, alone or
       * in a STAP-A.  An FU-A is a fragment of something larger (a slice),
       * so even an IDR's first fragment is not where its SPS is */
      return FALSE;
  }
}

/* RFC 7798 1.1.4 (the two-byte NAL unit header), 4.4.2 and 4.4.3 */
#define H265_NAL_TYPE(b) (((b) >> 1) & 0x3f)
#define H265_NAL_VPS 32
#define H265_NAL_AUD 35
#define H265_NAL_SEI_PREFIX 39
#define H265_NAL_AP 48
#define H265_NAL_HEADER_LEN 2

gboolean
whep_rtp_h265_starts_keyframe (const guint8 * payload, gsize len)
{
  gsize pos;

  if (payload == NULL || len < H265_NAL_HEADER_LEN)
    return FALSE;

  switch (H265_NAL_TYPE (payload[0])) {
    case H265_NAL_VPS:
      return TRUE;
    case H265_NAL_AP:
      /* the AP's own header, then each unit as a 16-bit size and the
       * unit; as for H.264's STAP-A, delimiters and SEI may come first */
      for (pos = H265_NAL_HEADER_LEN; pos + 2 + H265_NAL_HEADER_LEN <= len;) {
        guint16 nalu_size = read_u16 (payload + pos);
        guint type;

        if (nalu_size < H265_NAL_HEADER_LEN || nalu_size > len - pos - 2)
          return FALSE;
        type = H265_NAL_TYPE (payload[pos + 2]);
        if (type == H265_NAL_VPS)
          return TRUE;
        if (type != H265_NAL_AUD && type != H265_NAL_SEI_PREFIX)
          return FALSE;
        pos += 2 + nalu_size;
      }
      return FALSE;
    default:
      /* an SPS or PPS alone follows its VPS; an FU is part of a slice,
       * even an IDR's first fragment comes after the parameter sets */
      return FALSE;
  }
}

/* ------------------------------------------------------------------------ */
/* RTCP                                                                     */

guint64
whep_ntp_from_unix_us (gint64 unix_us)
{
  gint64 seconds = unix_us / G_USEC_PER_SEC;
  gint64 us = unix_us % G_USEC_PER_SEC;
  guint64 fraction;

  /* C rounds towards zero: floor instead, so that the fraction is always
   * the part after the (earlier) whole second */
  if (us < 0) {
    us += G_USEC_PER_SEC;
    seconds--;
  }

  /* us < 2^20, so the shift cannot overflow */
  fraction = ((guint64) us << 32) / G_USEC_PER_SEC;

  /* NTP seconds are 32 bits: from 2036 on they wrap into era 1, which is
   * what RTCP peers expect (RFC 5905 6) */
  return ((((guint64) seconds + NTP_UNIX_OFFSET) & G_MAXUINT32) << 32) |
      fraction;
}

gsize
whep_rtcp_build_sender_report (guint8 * out, gsize size, guint32 ssrc,
    guint64 ntp_time, guint32 rtp_timestamp, guint32 packet_count,
    guint32 octet_count, const gchar * cname)
{
  gsize cname_len, items_len, sdes_len, total;
  guint8 *sdes;

  g_return_val_if_fail (out != NULL || size == 0, 0);
  g_return_val_if_fail (cname != NULL, 0);

  /* strnlen: a too long CNAME need not be scanned to its end */
  cname_len = strnlen (cname, 256);
  if (cname_len == 0 || cname_len > 255)
    return 0;

  /* RFC 3550 6.5: the item (type, length, text), then a null octet that
   * ends the item list, then more null octets up to the next 32-bit
   * boundary; so 1 to 4 null octets in all */
  items_len = (2 + cname_len + 1 + 3) & ~(gsize) 3;
  sdes_len = RTCP_SDES_HEADER_LEN + items_len;
  total = RTCP_SR_LEN + sdes_len;
  if (total > size)
    return 0;

  /* Sender Report: V=2, P=0, RC=0 */
  out[0] = RTP_VERSION << 6;
  out[1] = RTCP_PT_SR;
  write_u16 (out + 2, RTCP_SR_LEN / 4 - 1);
  write_u32 (out + 4, ssrc);
  write_u32 (out + 8, ntp_time >> 32);
  write_u32 (out + 12, ntp_time & G_MAXUINT32);
  write_u32 (out + 16, rtp_timestamp);
  write_u32 (out + 20, packet_count);
  write_u32 (out + 24, octet_count);

  /* SDES: V=2, P=0, SC=1 */
  sdes = out + RTCP_SR_LEN;
  sdes[0] = RTP_VERSION << 6 | 1;
  sdes[1] = RTCP_PT_SDES;
  write_u16 (sdes + 2, sdes_len / 4 - 1);
  write_u32 (sdes + 4, ssrc);
  sdes[8] = RTCP_SDES_CNAME;
  sdes[9] = cname_len;
  memcpy (sdes + 10, cname, cname_len);
  memset (sdes + 10 + cname_len, RTCP_SDES_END,
      sdes_len - (10 + cname_len));

  return total;
}

gint
whep_rtcp_parse_nack (const guint8 * fci, gsize len, guint16 * seqs,
    guint max_seqs)
{
  guint n = 0;
  gsize i;

  if (len == 0 || len % 4 != 0)
    return -1;
  g_return_val_if_fail (fci != NULL, -1);
  g_return_val_if_fail (seqs != NULL || max_seqs == 0, -1);

  for (i = 0; i < len && n < max_seqs; i += 4) {
    guint16 pid = read_u16 (fci + i);
    guint16 blp = read_u16 (fci + i + 2);
    guint bit;

    seqs[n++] = pid;
    /* bit i of the bitmask lost packet pid + i + 1 (RFC 4585 6.2.1);
     * the sum wraps like the sequence numbers do */
    for (bit = 0; bit < 16 && n < max_seqs; bit++) {
      if (blp & (1 << bit))
        seqs[n++] = (guint16) (pid + bit + 1);
    }
  }

  return n;
}

guint64
whep_rtp_extend_seq (guint16 seq, guint64 reference)
{
  guint16 ref_seq = reference & 0xffff;
  guint64 roc = reference >> 16;

  /* RFC 3711 3.3.1: the packet is in the previous cycle if it is more
   * than half a cycle ahead of the reference, in the next if it is more
   * than half a cycle behind */
  if (ref_seq < 32768) {
    if (seq > ref_seq + 32768 && roc > 0)
      roc--;
  } else {
    if (ref_seq - 32768 > seq)
      roc++;
  }

  return roc << 16 | seq;
}

/* ------------------------------------------------------------------------ */
/* Receiver reports                                                         */

#define RTCP_SR 200
#define RTCP_RR 201
#define REPORT_BLOCK_LEN 24

guint
whep_rtcp_parse_report_blocks (const guint8 * rtcp, gsize len,
    WhepRtcpReportBlock * blocks, guint max_blocks)
{
  gsize pos = 0;
  guint n = 0;

  g_return_val_if_fail (rtcp != NULL || len == 0, 0);

  while (pos + 4 <= len && n < max_blocks) {
    guint version = rtcp[pos] >> 6;
    guint count = rtcp[pos] & 0x1f;
    guint type = rtcp[pos + 1];
    gsize packet_len = 4 * ((gsize) read_u16 (rtcp + pos + 2) + 1);
    gsize block_pos, i;

    if (version != 2 || packet_len > len - pos)
      break;
    if (type == RTCP_SR || type == RTCP_RR) {
      /* header and sender SSRC, and for an SR its 20 bytes of sender info */
      block_pos = pos + 8 + (type == RTCP_SR ? 20 : 0);
      if (block_pos + count * REPORT_BLOCK_LEN > pos + packet_len)
        break;
      for (i = 0; i < count && n < max_blocks; i++) {
        const guint8 *b = rtcp + block_pos + i * REPORT_BLOCK_LEN;
        guint32 lost = (guint32) b[5] << 16 | b[6] << 8 | b[7];

        blocks[n].ssrc = read_u32 (b);
        blocks[n].fraction_lost = b[4];
        /* sign-extend the 24-bit count */
        blocks[n].packets_lost = (lost & 0x800000) ?
            (gint32) (lost | 0xff000000u) : (gint32) lost;
        blocks[n].highest_seq = read_u32 (b + 8);
        blocks[n].jitter = read_u32 (b + 12);
        blocks[n].lsr = read_u32 (b + 16);
        blocks[n].dlsr = read_u32 (b + 20);
        n++;
      }
    }
    pos += packet_len;
  }
  return n;
}

gint64
whep_rtcp_round_trip_us (guint64 now_ntp, guint32 lsr, guint32 dlsr)
{
  /* all in the middle 32 bits of NTP time: 16.16 fixed point seconds */
  guint32 now = (guint32) (now_ntp >> 16);
  gint32 rtt = (gint32) (now - lsr - dlsr);

  if (lsr == 0 || rtt < 0)
    return -1;
  return ((gint64) rtt * G_USEC_PER_SEC) >> 16;
}

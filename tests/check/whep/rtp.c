/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include <string.h>

#include "whep-rtp.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* The tests run with G_DEBUG=fatal-criticals: let the expected critical
 * through to ASSERT_CRITICAL. */
#define ASSERT_CRITICAL_NOT_FATAL(code)                                 \
  G_STMT_START {                                                        \
    GLogLevelFlags fatal_mask =                                         \
        g_log_set_always_fatal (G_LOG_FATAL_MASK);                      \
    ASSERT_CRITICAL (code);                                             \
    g_log_set_always_fatal (fatal_mask);                                \
  } G_STMT_END

static guint16
read_u16 (const guint8 * p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static guint32
read_u32 (const guint8 * p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 |
      (guint32) p[3];
}

/* An RTP packet as rtph264pay makes one: V=2, no CSRC, no extension,
 * marker set, PT 96, seq 0x1234, timestamp 0xdeadbeef, SSRC 0x01020304,
 * then 4 bytes of payload. */
static const guint8 plain_packet[] = {
  0x80, 0xe0, 0x12, 0x34,
  0xde, 0xad, 0xbe, 0xef,
  0x01, 0x02, 0x03, 0x04,
  0x65, 0x88, 0x84, 0x00,
};

/* ------------------------------------------------------------------------ */
/* RTP header                                                               */

GST_START_TEST (test_header_len_plain)
{
  fail_unless_equals_int (whep_rtp_header_len (plain_packet,
          sizeof (plain_packet)), 12);
  /* a header without payload is still a packet */
  fail_unless_equals_int (whep_rtp_header_len (plain_packet, 12), 12);
}

GST_END_TEST;

GST_START_TEST (test_header_len_csrcs)
{
  guint8 packet[12 + 15 * 4 + 1] = { 0x80, 96 };
  guint cc;

  for (cc = 0; cc <= 15; cc++) {
    packet[0] = 0x80 | cc;
    fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)),
        12 + 4 * cc);
    /* exactly the header, and one byte short of it */
    fail_unless_equals_int (whep_rtp_header_len (packet, 12 + 4 * cc),
        12 + 4 * cc);
    fail_unless_equals_int (whep_rtp_header_len (packet, 12 + 4 * cc - 1), 0);
  }
}

GST_END_TEST;

GST_START_TEST (test_header_len_extension)
{
  /* two CSRCs, then a one-byte-header extension (RFC 8285, 0xbede) of 2
   * words, then 3 bytes of payload */
  guint8 packet[12 + 8 + 4 + 8 + 3] = { 0x92, 96 };

  packet[20] = 0xbe;
  packet[21] = 0xde;
  packet[22] = 0x00;
  packet[23] = 0x02;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 32);
  fail_unless_equals_int (whep_rtp_header_len (packet, 32), 32);
  fail_unless_equals_int (whep_rtp_header_len (packet, 31), 0);
  /* the extension's own header cut off */
  fail_unless_equals_int (whep_rtp_header_len (packet, 23), 0);
  fail_unless_equals_int (whep_rtp_header_len (packet, 20), 0);

  /* an extension without data */
  packet[23] = 0x00;
  fail_unless_equals_int (whep_rtp_header_len (packet, 24), 24);

  /* a length far past the end */
  packet[22] = 0xff;
  packet[23] = 0xff;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 0);
}

GST_END_TEST;

GST_START_TEST (test_header_len_padding)
{
  /* 12 bytes of header, 4 of payload, 4 of padding */
  guint8 packet[20] = { 0xa0, 96 };

  packet[19] = 4;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 12);
  /* padding may take everything after the header ... */
  packet[19] = 8;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 12);
  /* ... but not more */
  packet[19] = 9;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 0);
  packet[19] = 255;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 0);
  /* a count of 0 counts not even its own byte */
  packet[19] = 0;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 0);
  /* P bit set on a packet that is only a header: the last header byte
   * (here the SSRC's) is no padding count */
  packet[11] = 1;
  fail_unless_equals_int (whep_rtp_header_len (packet, 12), 0);
}

GST_END_TEST;

GST_START_TEST (test_header_len_padding_after_extension)
{
  /* extension of 1 word, 1 byte of payload, 3 of padding */
  guint8 packet[12 + 4 + 4 + 1 + 3] = { 0xb0, 96 };

  packet[15] = 1;
  packet[23] = 3;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 20);
  packet[23] = 4;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 20);
  packet[23] = 5;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 0);
}

GST_END_TEST;

GST_START_TEST (test_header_len_malformed)
{
  guint8 packet[sizeof (plain_packet)];
  guint version;

  fail_unless_equals_int (whep_rtp_header_len (NULL, 12), 0);
  fail_unless_equals_int (whep_rtp_header_len (plain_packet, 0), 0);
  fail_unless_equals_int (whep_rtp_header_len (plain_packet, 11), 0);

  /* versions 0, 1 and 3 */
  for (version = 0; version < 4; version++) {
    if (version == 2)
      continue;
    memcpy (packet, plain_packet, sizeof (packet));
    packet[0] = (packet[0] & 0x3f) | version << 6;
    fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 0);
  }
  memcpy (packet, plain_packet, sizeof (packet));
  packet[0] = 0x00;             /* a STUN binding request */
  packet[1] = 0x01;
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 0);
}

GST_END_TEST;

GST_START_TEST (test_get_fields)
{
  guint8 packet[sizeof (plain_packet)];

  fail_unless_equals_int (whep_rtp_get_seq (plain_packet), 0x1234);
  fail_unless_equals_uint64 (whep_rtp_get_timestamp (plain_packet),
      0xdeadbeef);
  fail_unless_equals_uint64 (whep_rtp_get_ssrc (plain_packet), 0x01020304);
  fail_unless (whep_rtp_get_marker (plain_packet));

  memcpy (packet, plain_packet, sizeof (packet));
  packet[1] = 0x7f;
  fail_if (whep_rtp_get_marker (packet));
  packet[1] = 0x80;
  fail_unless (whep_rtp_get_marker (packet));
}

GST_END_TEST;

GST_START_TEST (test_rewrite)
{
  guint8 packet[sizeof (plain_packet)];

  memcpy (packet, plain_packet, sizeof (packet));
  whep_rtp_rewrite (packet, 102, 0xfffe, 0x00000001, 0xcafebabe);

  fail_unless_equals_int (packet[0], 0x80);
  /* the marker stays */
  fail_unless_equals_int (packet[1], 0x80 | 102);
  fail_unless (whep_rtp_get_marker (packet));
  fail_unless_equals_int (whep_rtp_get_seq (packet), 0xfffe);
  fail_unless_equals_uint64 (whep_rtp_get_timestamp (packet), 1);
  fail_unless_equals_uint64 (whep_rtp_get_ssrc (packet), 0xcafebabe);
  /* the payload does not move */
  fail_unless (memcmp (packet + 12, plain_packet + 12, 4) == 0);
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 12);
}

GST_END_TEST;

GST_START_TEST (test_rewrite_keeps_no_marker)
{
  /* and a packet without marker gets none; a payload type above 127 cannot
   * touch the marker bit */
  guint8 packet[sizeof (plain_packet)];

  memcpy (packet, plain_packet, sizeof (packet));
  packet[1] = 96;
  whep_rtp_rewrite (packet, 0xff, 1, 2, 3);
  fail_unless_equals_int (packet[1], 0x7f);
  fail_if (whep_rtp_get_marker (packet));
}

GST_END_TEST;

GST_START_TEST (test_rewrite_keeps_csrcs_and_extension)
{
  guint8 packet[12 + 4 + 8 + 2] = { 0x91, 0x60 };
  guint8 expected[sizeof (packet)];
  guint i;

  for (i = 12; i < sizeof (packet); i++)
    packet[i] = i;
  packet[16] = 0xbe;
  packet[17] = 0xde;
  packet[18] = 0x00;
  packet[19] = 0x01;
  memcpy (expected, packet, sizeof (packet));

  whep_rtp_rewrite (packet, 111, 7, 8, 9);
  fail_unless_equals_int (whep_rtp_header_len (packet, sizeof (packet)), 24);
  fail_unless_equals_int (packet[0], 0x91);
  fail_unless (memcmp (packet + 12, expected + 12, sizeof (packet) - 12) ==
      0);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* H.264 keyframes                                                          */

GST_START_TEST (test_keyframe_single_sps)
{
  /* nal_ref_idc 3, type 7; then profile_idc, constraints, level_idc */
  const guint8 sps[] = { 0x67, 0x42, 0xe0, 0x1f, 0xda, 0x01 };

  fail_unless (whep_rtp_h264_starts_keyframe (sps, sizeof (sps)));
  /* the NAL header is all it takes to know */
  fail_unless (whep_rtp_h264_starts_keyframe (sps, 1));
  /* nal_ref_idc does not matter */
  fail_unless (whep_rtp_h264_starts_keyframe ((const guint8 *) "\x07", 1));
}

GST_END_TEST;

GST_START_TEST (test_keyframe_stap_a_with_sps)
{
  /* STAP-A (type 24, nri 3): SPS of 4 bytes, PPS of 3 bytes, as
   * rtph264pay's default aggregation sends them before an IDR */
  const guint8 stap[] = {
    0x78,
    0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f,
    0x00, 0x03, 0x68, 0xce, 0x3c,
  };

  fail_unless (whep_rtp_h264_starts_keyframe (stap, sizeof (stap)));
  /* the first unit alone, and its NAL header alone, are enough */
  fail_unless (whep_rtp_h264_starts_keyframe (stap, 7));
}

GST_END_TEST;

GST_START_TEST (test_keyframe_stap_a_other_first)
{
  /* PPS first, then SPS: not how a keyframe starts */
  const guint8 pps_first[] = {
    0x78,
    0x00, 0x03, 0x68, 0xce, 0x3c,
    0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f,
  };
  /* a slice, then an SPS */
  const guint8 slice_first[] = {
    0x18,
    0x00, 0x02, 0x41, 0x05,
    0x00, 0x02, 0x67, 0x42,
  };

  fail_if (whep_rtp_h264_starts_keyframe (pps_first, sizeof (pps_first)));
  fail_if (whep_rtp_h264_starts_keyframe (slice_first,
          sizeof (slice_first)));
}

GST_END_TEST;

/* How x264enc's access units open: a delimiter (and maybe SEI) first. */
GST_START_TEST (test_keyframe_stap_a_after_delimiter)
{
  const guint8 aud_sps_pps[] = {
    0x78,
    0x00, 0x02, 0x09, 0xf0,
    0x00, 0x04, 0x67, 0x42, 0xc0, 0x15,
    0x00, 0x03, 0x68, 0xce, 0x3c,
  };
  const guint8 aud_sei_sps[] = {
    0x78,
    0x00, 0x02, 0x09, 0xf0,
    0x00, 0x02, 0x06, 0x05,
    0x00, 0x02, 0x67, 0x42,
  };
  /* the delimiter's size runs past the end: never reaches the SPS */
  const guint8 aud_cut[] = { 0x78, 0x00, 0x09, 0x09, 0xf0, 0x00 };

  fail_unless (whep_rtp_h264_starts_keyframe (aud_sps_pps,
          sizeof (aud_sps_pps)));
  fail_unless (whep_rtp_h264_starts_keyframe (aud_sei_sps,
          sizeof (aud_sei_sps)));
  /* cut inside the delimiter or before the SPS's header */
  fail_if (whep_rtp_h264_starts_keyframe (aud_sps_pps, 5));
  fail_if (whep_rtp_h264_starts_keyframe (aud_sps_pps, 7));
  fail_if (whep_rtp_h264_starts_keyframe (aud_cut, sizeof (aud_cut)));
}

GST_END_TEST;

GST_START_TEST (test_keyframe_stap_a_malformed)
{
  const guint8 empty_unit[] = { 0x78, 0x00, 0x00, 0x67, 0x42 };
  const guint8 unit_too_long[] = { 0x78, 0x00, 0x05, 0x67, 0x42, 0xe0 };
  const guint8 stap[] = { 0x78, 0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f };

  fail_if (whep_rtp_h264_starts_keyframe (empty_unit, sizeof (empty_unit)));
  fail_if (whep_rtp_h264_starts_keyframe (unit_too_long,
          sizeof (unit_too_long)));
  /* cut before the first unit's NAL header */
  fail_if (whep_rtp_h264_starts_keyframe (stap, 1));
  fail_if (whep_rtp_h264_starts_keyframe (stap, 2));
  fail_if (whep_rtp_h264_starts_keyframe (stap, 3));
}

GST_END_TEST;

GST_START_TEST (test_keyframe_not_sps)
{
  /* FU-A (type 28) with the start bit, fragment of an IDR (type 5) */
  const guint8 fu_a_idr[] = { 0x7c, 0x85, 0x88, 0x84 };
  /* FU-A whose header claims an SPS: still no single SPS */
  const guint8 fu_a_sps[] = { 0x7c, 0x87, 0x42, 0xe0 };
  /* an IDR slice as a single NAL unit: no parameter sets before it */
  const guint8 idr[] = { 0x65, 0x88, 0x84, 0x00 };
  /* a P slice (type 1) */
  const guint8 p_slice[] = { 0x41, 0x9a, 0x02, 0x01 };
  /* PPS, SEI, access unit delimiter */
  const guint8 pps[] = { 0x68, 0xce, 0x3c, 0x80 };
  const guint8 sei[] = { 0x06, 0x05, 0x10 };
  const guint8 aud[] = { 0x09, 0xf0 };
  /* STAP-B (type 25) and MTAP16 (26) are not what rtph264pay makes */
  const guint8 stap_b[] = { 0x79, 0x00, 0x01, 0x00, 0x02, 0x67, 0x42 };
  const guint8 mtap16[] = { 0x7a, 0x00, 0x01, 0x00, 0x02, 0x67, 0x42 };

  fail_if (whep_rtp_h264_starts_keyframe (fu_a_idr, sizeof (fu_a_idr)));
  fail_if (whep_rtp_h264_starts_keyframe (fu_a_sps, sizeof (fu_a_sps)));
  fail_if (whep_rtp_h264_starts_keyframe (idr, sizeof (idr)));
  fail_if (whep_rtp_h264_starts_keyframe (p_slice, sizeof (p_slice)));
  fail_if (whep_rtp_h264_starts_keyframe (pps, sizeof (pps)));
  fail_if (whep_rtp_h264_starts_keyframe (sei, sizeof (sei)));
  fail_if (whep_rtp_h264_starts_keyframe (aud, sizeof (aud)));
  fail_if (whep_rtp_h264_starts_keyframe (stap_b, sizeof (stap_b)));
  fail_if (whep_rtp_h264_starts_keyframe (mtap16, sizeof (mtap16)));
}

GST_END_TEST;

GST_START_TEST (test_keyframe_short)
{
  const guint8 sps[] = { 0x67 };

  fail_if (whep_rtp_h264_starts_keyframe (sps, 0));
  fail_if (whep_rtp_h264_starts_keyframe (NULL, 0));
  fail_if (whep_rtp_h264_starts_keyframe (NULL, 4));
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* NTP time                                                                 */

GST_START_TEST (test_ntp_unix_epoch)
{
  fail_unless_equals_uint64 (whep_ntp_from_unix_us (0),
      G_GUINT64_CONSTANT (2208988800) << 32);
}

GST_END_TEST;

GST_START_TEST (test_ntp_fraction)
{
  guint64 ntp;

  /* half a second is 2^31 in the fraction, a quarter 2^30 */
  ntp = whep_ntp_from_unix_us (G_USEC_PER_SEC / 2);
  fail_unless_equals_uint64 (ntp >> 32, G_GUINT64_CONSTANT (2208988800));
  fail_unless_equals_uint64 (ntp & G_MAXUINT32, 0x80000000);

  ntp = whep_ntp_from_unix_us (3 * G_USEC_PER_SEC + G_USEC_PER_SEC / 4);
  fail_unless_equals_uint64 (ntp >> 32, G_GUINT64_CONSTANT (2208988803));
  fail_unless_equals_uint64 (ntp & G_MAXUINT32, 0x40000000);

  /* 1 µs is 2^32 / 10^6 = 4294.967296: 4294 */
  ntp = whep_ntp_from_unix_us (1);
  fail_unless_equals_uint64 (ntp & G_MAXUINT32, 4294);

  /* the last µs of a second stays below the next second */
  ntp = whep_ntp_from_unix_us (G_USEC_PER_SEC - 1);
  fail_unless_equals_uint64 (ntp >> 32, G_GUINT64_CONSTANT (2208988800));
  fail_unless_equals_uint64 (ntp & G_MAXUINT32, 4294963001);
}

GST_END_TEST;

GST_START_TEST (test_ntp_known_time)
{
  /* 2024-01-01T00:00:00Z is Unix 1704067200 and NTP 3913056000 */
  guint64 ntp =
      whep_ntp_from_unix_us (G_GINT64_CONSTANT (1704067200) * G_USEC_PER_SEC +
      750000);

  fail_unless_equals_uint64 (ntp >> 32, G_GUINT64_CONSTANT (3913056000));
  fail_unless_equals_uint64 (ntp & G_MAXUINT32, 0xc0000000);
}

GST_END_TEST;

GST_START_TEST (test_ntp_before_1970_and_era_1)
{
  guint64 ntp;

  /* half a second before 1970: the second before, plus half a second */
  ntp = whep_ntp_from_unix_us (-G_USEC_PER_SEC / 2);
  fail_unless_equals_uint64 (ntp >> 32, G_GUINT64_CONSTANT (2208988799));
  fail_unless_equals_uint64 (ntp & G_MAXUINT32, 0x80000000);

  /* 2036-02-07T06:28:16Z starts NTP era 1: the seconds start over at 0 */
  ntp = whep_ntp_from_unix_us ((G_GINT64_CONSTANT (4294967296) -
          G_GINT64_CONSTANT (2208988800) + 5) * G_USEC_PER_SEC);
  fail_unless_equals_uint64 (ntp, G_GUINT64_CONSTANT (5) << 32);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Sender Report                                                            */

#define SR_SSRC 0x11223344
#define SR_NTP G_GUINT64_CONSTANT (0xe9b1c2d3a4b5c6d7)
#define SR_RTP_TS 0x55667788
#define SR_PACKETS 1000
#define SR_OCTETS 0x01020304

/* Checks @len bytes of @out, a compound packet of whep_rtcp_build_sender_
 * report() with the SR_* values and @cname, field by field against RFC
 * 3550 6.4.1 and 6.5. */
static void
check_sender_report (const guint8 * out, gsize len, const gchar * cname)
{
  gsize cname_len = strlen (cname);
  gsize sdes_len, nulls, i;
  const guint8 *sdes;

  /* SR: V=2 P=0 RC=0, PT=200, length 6 (7 words) */
  fail_unless (len > 28);
  fail_unless_equals_int (out[0], 0x80);
  fail_unless_equals_int (out[1], 200);
  fail_unless_equals_int (read_u16 (out + 2), 6);
  fail_unless_equals_uint64 (read_u32 (out + 4), SR_SSRC);
  fail_unless_equals_uint64 (read_u32 (out + 8), 0xe9b1c2d3);
  fail_unless_equals_uint64 (read_u32 (out + 12), 0xa4b5c6d7);
  fail_unless_equals_uint64 (read_u32 (out + 16), SR_RTP_TS);
  fail_unless_equals_uint64 (read_u32 (out + 20), SR_PACKETS);
  fail_unless_equals_uint64 (read_u32 (out + 24), SR_OCTETS);

  /* SDES: V=2 P=0 SC=1, PT=202, length covers the rest exactly */
  sdes = out + 28;
  sdes_len = len - 28;
  fail_unless_equals_int (sdes_len % 4, 0);
  fail_unless_equals_int (sdes[0], 0x81);
  fail_unless_equals_int (sdes[1], 202);
  fail_unless_equals_int (read_u16 (sdes + 2), sdes_len / 4 - 1);
  fail_unless_equals_uint64 (read_u32 (sdes + 4), SR_SSRC);
  /* CNAME item */
  fail_unless_equals_int (sdes[8], 1);
  fail_unless_equals_int (sdes[9], cname_len);
  fail_unless (memcmp (sdes + 10, cname, cname_len) == 0);
  /* the null item, then null octets to the next 32-bit boundary: 1..4 */
  nulls = sdes_len - 10 - cname_len;
  fail_unless (nulls >= 1 && nulls <= 4, "%" G_GSIZE_FORMAT " nulls",
      nulls);
  for (i = 0; i < nulls; i++)
    fail_unless_equals_int (sdes[10 + cname_len + i], 0);
}

GST_START_TEST (test_sender_report_layout)
{
  /* "whepsink" (8 bytes): 2 + 8 = 10, so 2 null octets */
  guint8 out[64];
  gsize len;

  memset (out, 0xaa, sizeof (out));
  len = whep_rtcp_build_sender_report (out, sizeof (out), SR_SSRC, SR_NTP,
      SR_RTP_TS, SR_PACKETS, SR_OCTETS, "whepsink");
  fail_unless_equals_int (len, 28 + 8 + 12);
  check_sender_report (out, len, "whepsink");
  fail_unless_equals_int (read_u16 (out + 30), 4);
  /* nothing written after the end */
  fail_unless_equals_int (out[len], 0xaa);
}

GST_END_TEST;

GST_START_TEST (test_sender_report_padding)
{
  /* item = 2 + n bytes, then 1..4 null octets to a multiple of 4:
   * n = 1 -> 1 null, 2 -> 4, 3 -> 3, 4 -> 2, 5 -> 1, 6 -> 4 */
  const struct
  {
    const gchar *cname;
    guint nulls;
  } cases[] = {
    {"a", 1},
    {"ab", 4},
    {"abc", 3},
    {"abcd", 2},
    {"abcde", 1},
    {"abcdef", 4},
    {"{c6c3c9b3-7f3e-4a63-8cbe-d1b1b2b0f0a1}", 4},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint8 out[128];
    gsize cname_len = strlen (cases[i].cname);
    gsize len;

    memset (out, 0xaa, sizeof (out));
    len = whep_rtcp_build_sender_report (out, sizeof (out), SR_SSRC, SR_NTP,
        SR_RTP_TS, SR_PACKETS, SR_OCTETS, cases[i].cname);
    fail_unless_equals_int (len, 28 + 8 + 2 + cname_len + cases[i].nulls);
    check_sender_report (out, len, cases[i].cname);
  }
}

GST_END_TEST;

GST_START_TEST (test_sender_report_longest_cname)
{
  /* 255 bytes: 2 + 255 = 257, 3 null octets, 260 bytes of items */
  gchar cname[256];
  guint8 out[28 + 8 + 260];
  gsize len;

  memset (cname, 'x', 255);
  cname[255] = '\0';
  len = whep_rtcp_build_sender_report (out, sizeof (out), SR_SSRC, SR_NTP,
      SR_RTP_TS, SR_PACKETS, SR_OCTETS, cname);
  fail_unless_equals_int (len, sizeof (out));
  check_sender_report (out, len, cname);
  fail_unless_equals_int (read_u16 (out + 30), (8 + 260) / 4 - 1);
}

GST_END_TEST;

GST_START_TEST (test_sender_report_bad_cname)
{
  gchar cname[257];
  guint8 out[512];

  fail_unless_equals_int (whep_rtcp_build_sender_report (out, sizeof (out),
          SR_SSRC, SR_NTP, SR_RTP_TS, SR_PACKETS, SR_OCTETS, ""), 0);

  memset (cname, 'x', 256);
  cname[256] = '\0';
  fail_unless_equals_int (whep_rtcp_build_sender_report (out, sizeof (out),
          SR_SSRC, SR_NTP, SR_RTP_TS, SR_PACKETS, SR_OCTETS, cname), 0);

  ASSERT_CRITICAL_NOT_FATAL (whep_rtcp_build_sender_report (out,
          sizeof (out), SR_SSRC, SR_NTP, SR_RTP_TS, SR_PACKETS, SR_OCTETS,
          NULL));
}

GST_END_TEST;

GST_START_TEST (test_sender_report_too_small)
{
  /* "abcd": 28 + 8 + 8 = 44 bytes */
  guint8 out[44];
  gsize size;

  for (size = 0; size < sizeof (out); size++) {
    memset (out, 0xaa, sizeof (out));
    fail_unless_equals_int (whep_rtcp_build_sender_report (out, size,
            SR_SSRC, SR_NTP, SR_RTP_TS, SR_PACKETS, SR_OCTETS, "abcd"), 0);
    /* and nothing written at all */
    fail_unless_equals_int (out[0], 0xaa);
  }
  fail_unless_equals_int (whep_rtcp_build_sender_report (out, sizeof (out),
          SR_SSRC, SR_NTP, SR_RTP_TS, SR_PACKETS, SR_OCTETS, "abcd"), 44);
  fail_unless_equals_int (whep_rtcp_build_sender_report (NULL, 0,
          SR_SSRC, SR_NTP, SR_RTP_TS, SR_PACKETS, SR_OCTETS, "abcd"), 0);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* NACK                                                                     */

GST_START_TEST (test_nack_pid_only)
{
  const guint8 fci[] = { 0x12, 0x34, 0x00, 0x00 };
  guint16 seqs[17];

  fail_unless_equals_int (whep_rtcp_parse_nack (fci, sizeof (fci), seqs,
          G_N_ELEMENTS (seqs)), 1);
  fail_unless_equals_int (seqs[0], 0x1234);
}

GST_END_TEST;

GST_START_TEST (test_nack_blp)
{
  /* BLP 0x8005: bits 0, 2 and 15 -> PID + 1, + 3, + 16 */
  const guint8 fci[] = { 0x00, 0x64, 0x80, 0x05 };
  /* all 16 bits */
  const guint8 all[] = { 0x00, 0x00, 0xff, 0xff };
  guint16 seqs[17];
  guint i;

  fail_unless_equals_int (whep_rtcp_parse_nack (fci, sizeof (fci), seqs,
          G_N_ELEMENTS (seqs)), 4);
  fail_unless_equals_int (seqs[0], 100);
  fail_unless_equals_int (seqs[1], 101);
  fail_unless_equals_int (seqs[2], 103);
  fail_unless_equals_int (seqs[3], 116);

  fail_unless_equals_int (whep_rtcp_parse_nack (all, sizeof (all), seqs,
          G_N_ELEMENTS (seqs)), 17);
  for (i = 0; i < 17; i++)
    fail_unless_equals_int (seqs[i], i);
}

GST_END_TEST;

GST_START_TEST (test_nack_wraps)
{
  /* PID 65534 with bits 0, 1 and 2: 65535, 0, 1 */
  const guint8 fci[] = { 0xff, 0xfe, 0x00, 0x07 };
  guint16 seqs[8];

  fail_unless_equals_int (whep_rtcp_parse_nack (fci, sizeof (fci), seqs,
          G_N_ELEMENTS (seqs)), 4);
  fail_unless_equals_int (seqs[0], 65534);
  fail_unless_equals_int (seqs[1], 65535);
  fail_unless_equals_int (seqs[2], 0);
  fail_unless_equals_int (seqs[3], 1);
}

GST_END_TEST;

GST_START_TEST (test_nack_several_entries)
{
  /* in the order listed, not sorted */
  const guint8 fci[] = {
    0x01, 0x00, 0x00, 0x02,
    0x00, 0x10, 0x00, 0x00,
    0x02, 0x00, 0x40, 0x00,
  };
  guint16 seqs[8];

  fail_unless_equals_int (whep_rtcp_parse_nack (fci, sizeof (fci), seqs,
          G_N_ELEMENTS (seqs)), 5);
  fail_unless_equals_int (seqs[0], 0x100);
  fail_unless_equals_int (seqs[1], 0x102);
  fail_unless_equals_int (seqs[2], 0x10);
  fail_unless_equals_int (seqs[3], 0x200);
  fail_unless_equals_int (seqs[4], 0x20f);
}

GST_END_TEST;

GST_START_TEST (test_nack_max_seqs)
{
  const guint8 fci[] = {
    0x00, 0x64, 0x00, 0x03,
    0x00, 0xc8, 0x00, 0x01,
  };
  guint16 seqs[6];
  guint max;

  /* the first max_seqs of 100, 101, 102, 200, 201; nothing written
   * beyond */
  for (max = 0; max <= 5; max++) {
    const guint16 expected[] = { 100, 101, 102, 200, 201 };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (seqs); i++)
      seqs[i] = 0xdead;
    fail_unless_equals_int (whep_rtcp_parse_nack (fci, sizeof (fci), seqs,
            max), max);
    for (i = 0; i < max; i++)
      fail_unless_equals_int (seqs[i], expected[i]);
    for (; i < G_N_ELEMENTS (seqs); i++)
      fail_unless_equals_int (seqs[i], 0xdead);
  }
  /* more room than entries */
  fail_unless_equals_int (whep_rtcp_parse_nack (fci, sizeof (fci), seqs,
          G_N_ELEMENTS (seqs)), 5);
  fail_unless_equals_int (whep_rtcp_parse_nack (fci, sizeof (fci), NULL, 0),
      0);
}

GST_END_TEST;

GST_START_TEST (test_nack_bad_lengths)
{
  const guint8 fci[] = {
    0x00, 0x64, 0x00, 0x03,
    0x00, 0xc8, 0x00, 0x01,
  };
  guint16 seqs[32];
  gsize len;

  for (len = 0; len <= sizeof (fci); len++) {
    gint expected = (len == 0 || len % 4) ? -1 : (len == 4 ? 3 : 5);

    fail_unless_equals_int (whep_rtcp_parse_nack (fci, len, seqs,
            G_N_ELEMENTS (seqs)), expected);
  }
  fail_unless_equals_int (whep_rtcp_parse_nack (NULL, 0, seqs,
          G_N_ELEMENTS (seqs)), -1);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Sequence number extension                                                */

#define CYCLE G_GUINT64_CONSTANT (65536)

GST_START_TEST (test_extend_seq_same_cycle)
{
  fail_unless_equals_uint64 (whep_rtp_extend_seq (1000, 5 * CYCLE + 1000),
      5 * CYCLE + 1000);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (990, 5 * CYCLE + 1000),
      5 * CYCLE + 990);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (1010, 5 * CYCLE + 1000),
      5 * CYCLE + 1010);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (40000, 5 * CYCLE + 30000),
      5 * CYCLE + 40000);
}

GST_END_TEST;

GST_START_TEST (test_extend_seq_backwards_over_wrap)
{
  /* the reference has just wrapped; a NACK names packets from before */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (65535, 5 * CYCLE + 3),
      4 * CYCLE + 65535);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (65000, 5 * CYCLE + 100),
      4 * CYCLE + 65000);
  /* more than half a cycle ahead is behind (RFC 3711: > 32768) */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (32769, 5 * CYCLE + 0),
      4 * CYCLE + 32769);
  /* exactly half a cycle ahead stays in the cycle */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (32768, 5 * CYCLE + 0),
      5 * CYCLE + 32768);
}

GST_END_TEST;

GST_START_TEST (test_extend_seq_forwards_over_wrap)
{
  /* the reference is about to wrap; the packet already has */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (2, 5 * CYCLE + 65530),
      6 * CYCLE + 2);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (0, 5 * CYCLE + 65535),
      6 * CYCLE + 0);
  /* more than half a cycle behind is ahead */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (0, 5 * CYCLE + 32769),
      6 * CYCLE + 0);
  /* exactly half a cycle behind stays in the cycle */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (0, 5 * CYCLE + 32768),
      5 * CYCLE + 0);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (32767, 5 * CYCLE + 65535),
      5 * CYCLE + 32767);
}

GST_END_TEST;

GST_START_TEST (test_extend_seq_near_zero)
{
  /* in the first cycle there is no cycle before: stay at 0.. */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (65535, 0), 65535);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (65535, 3), 65535);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (40000, 100), 40000);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (0, 0), 0);
  fail_unless_equals_uint64 (whep_rtp_extend_seq (5, 0), 5);
  /* ... but the second cycle reaches back into the first */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (65535, CYCLE + 3), 65535);
  /* and the first forwards into the second */
  fail_unless_equals_uint64 (whep_rtp_extend_seq (1, 65535), CYCLE + 1);
}

GST_END_TEST;

GST_START_TEST (test_extend_seq_round_trip)
{
  /* every packet within half a cycle of the reference comes back as its
   * own index, on both sides of several wraps */
  const guint64 references[] = {
    32768, CYCLE - 1, CYCLE, CYCLE + 1, 7 * CYCLE + 12345,
    G_GUINT64_CONSTANT (0xabcd) * CYCLE + 60000,
  };
  guint i;
  gint delta;

  for (i = 0; i < G_N_ELEMENTS (references); i++) {
    for (delta = -32767; delta <= 32767; delta += 97) {
      guint64 index = references[i] + delta;

      fail_unless_equals_uint64 (whep_rtp_extend_seq (index & 0xffff,
              references[i]), index);
    }
  }
}

GST_END_TEST;


/* ---------------------------------------------------------------------- */
/* Receiver reports */

/* An RR from SSRC 0x11111111 with two blocks, then an SDES, as a compound */
static const guint8 rr_compound[] = {
  0x82, 201, 0x00, 0x0d,        /* RR, 2 blocks, length 13 words - 1 */
  0x11, 0x11, 0x11, 0x11,
  /* block 1 */
  0xaa, 0xaa, 0xaa, 0xaa, 0x40, 0x00, 0x00, 0x05,
  0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x10,
  0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x00, 0x00,
  /* block 2: 24-bit lost count -1 */
  0xbb, 0xbb, 0xbb, 0xbb, 0x00, 0xff, 0xff, 0xff,
  0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  /* SDES, one chunk, CNAME "a" */
  0x81, 202, 0x00, 0x02,
  0x11, 0x11, 0x11, 0x11, 0x01, 0x01, 'a', 0x00,
};

GST_START_TEST (test_report_blocks_rr)
{
  WhepRtcpReportBlock blocks[4];

  fail_unless_equals_int (whep_rtcp_parse_report_blocks (rr_compound,
          sizeof (rr_compound), blocks, G_N_ELEMENTS (blocks)), 2);
  fail_unless_equals_uint64 (blocks[0].ssrc, 0xaaaaaaaa);
  fail_unless_equals_int (blocks[0].fraction_lost, 0x40);
  fail_unless_equals_int (blocks[0].packets_lost, 5);
  fail_unless_equals_uint64 (blocks[0].highest_seq, 0x00010203);
  fail_unless_equals_uint64 (blocks[0].jitter, 16);
  fail_unless_equals_uint64 (blocks[0].lsr, 0x12345678);
  fail_unless_equals_uint64 (blocks[0].dlsr, 0x00010000);
  fail_unless_equals_uint64 (blocks[1].ssrc, 0xbbbbbbbb);
  fail_unless_equals_int (blocks[1].packets_lost, -1);
  fail_unless_equals_uint64 (blocks[1].lsr, 0);

  /* at most max_blocks */
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (rr_compound,
          sizeof (rr_compound), blocks, 1), 1);
  fail_unless_equals_uint64 (blocks[0].ssrc, 0xaaaaaaaa);
}

GST_END_TEST;

GST_START_TEST (test_report_blocks_sr)
{
  guint8 packet[256];
  WhepRtcpReportBlock block;
  gsize len = whep_rtcp_build_sender_report (packet, sizeof (packet), 1,
      0, 0, 0, 0, "x");

  /* our own SR has no blocks: nothing, and the SDES after it is skipped */
  fail_unless (len > 0);
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (packet, len, &block,
          1), 0);

  /* an SR with one block: the block comes after the sender info */
  memset (packet, 0, 52);
  packet[0] = 0x81;
  packet[1] = 200;
  packet[3] = 12;               /* (4 + 4 + 20 + 24) / 4 - 1 */
  packet[28] = 0xcc;
  packet[31] = 0xcc;
  packet[32] = 0x10;
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (packet, 52, &block,
          1), 1);
  fail_unless_equals_uint64 (block.ssrc, 0xcc0000cc);
  fail_unless_equals_int (block.fraction_lost, 0x10);
}

GST_END_TEST;

GST_START_TEST (test_report_blocks_malformed)
{
  WhepRtcpReportBlock blocks[4];
  guint8 bad[sizeof (rr_compound)];

  /* cut inside the RR: its length runs past the end */
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (rr_compound, 40,
          blocks, 4), 0);
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (rr_compound, 3,
          blocks, 4), 0);
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (NULL, 0, blocks,
          4), 0);
  /* a block count larger than the packet */
  memcpy (bad, rr_compound, sizeof (bad));
  bad[0] = 0x85;
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (bad, sizeof (bad),
          blocks, 4), 0);
  /* version 1 */
  memcpy (bad, rr_compound, sizeof (bad));
  bad[0] = 0x42;
  fail_unless_equals_int (whep_rtcp_parse_report_blocks (bad, sizeof (bad),
          blocks, 4), 0);
}

GST_END_TEST;

GST_START_TEST (test_round_trip)
{
  /* our SR left at NTP 1000.5 s, the report waited 0.25 s and arrived at
   * 1000.875 s: 125 ms on the wire */
  guint64 sent = (1000ull << 32) | 0x80000000u;
  guint64 now = (1000ull << 32) | 0xe0000000u;
  guint32 lsr = (guint32) (sent >> 16);

  fail_unless_equals_int64 (whep_rtcp_round_trip_us (now, lsr, 0x4000),
      125000);
  /* no SR to refer to */
  fail_unless_equals_int64 (whep_rtcp_round_trip_us (now, 0, 0), -1);
  /* a delay longer than the time since: nonsense */
  fail_unless_equals_int64 (whep_rtcp_round_trip_us (now, lsr, 0x10000),
      -1);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* H.265 keyframes                                                          */

GST_START_TEST (test_h265_keyframe_single_vps)
{
  /* type 32 (0x40 0x01), then the VPS itself */
  const guint8 vps[] = { 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff };

  fail_unless (whep_rtp_h265_starts_keyframe (vps, sizeof (vps)));
  fail_unless (whep_rtp_h265_starts_keyframe (vps, 2));
  /* one byte is not a NAL unit header */
  fail_if (whep_rtp_h265_starts_keyframe (vps, 1));
  fail_if (whep_rtp_h265_starts_keyframe (NULL, 0));
}

GST_END_TEST;

GST_START_TEST (test_h265_keyframe_not_alone)
{
  /* SPS (33), PPS (34), IDR_W_RADL (19), TRAIL_R (1) alone */
  const guint8 sps[] = { 0x42, 0x01, 0x01 };
  const guint8 pps[] = { 0x44, 0x01, 0xc1 };
  const guint8 idr[] = { 0x26, 0x01, 0xaf };
  const guint8 trail[] = { 0x02, 0x01, 0xd0 };
  /* FU (49) with the start bit of an IDR (FU header 0x80 | 19) */
  const guint8 fu_idr[] = { 0x62, 0x01, 0x93, 0xaf, 0x00 };

  fail_if (whep_rtp_h265_starts_keyframe (sps, sizeof (sps)));
  fail_if (whep_rtp_h265_starts_keyframe (pps, sizeof (pps)));
  fail_if (whep_rtp_h265_starts_keyframe (idr, sizeof (idr)));
  fail_if (whep_rtp_h265_starts_keyframe (trail, sizeof (trail)));
  fail_if (whep_rtp_h265_starts_keyframe (fu_idr, sizeof (fu_idr)));
}

GST_END_TEST;

GST_START_TEST (test_h265_keyframe_aggregation_packet)
{
  /* AP (type 48: 0x60 0x01): VPS of 4 bytes, SPS of 3, PPS of 3 */
  const guint8 ap[] = {
    0x60, 0x01,
    0x00, 0x04, 0x40, 0x01, 0x0c, 0x01,
    0x00, 0x03, 0x42, 0x01, 0x01,
    0x00, 0x03, 0x44, 0x01, 0xc1,
  };
  /* an access unit delimiter (35) and a prefix SEI (39) before the VPS */
  const guint8 aud_sei_vps[] = {
    0x60, 0x01,
    0x00, 0x03, 0x46, 0x01, 0x10,
    0x00, 0x03, 0x4e, 0x01, 0x05,
    0x00, 0x04, 0x40, 0x01, 0x0c, 0x01,
  };
  /* SPS first: no VPS at the start */
  const guint8 sps_first[] = {
    0x60, 0x01,
    0x00, 0x03, 0x42, 0x01, 0x01,
    0x00, 0x04, 0x40, 0x01, 0x0c, 0x01,
  };
  /* a unit that claims more than the packet holds, and an empty one */
  const guint8 overrun[] = { 0x60, 0x01, 0x00, 0x09, 0x40, 0x01, 0x0c };
  const guint8 empty[] = { 0x60, 0x01, 0x00, 0x00, 0x40, 0x01 };

  fail_unless (whep_rtp_h265_starts_keyframe (ap, sizeof (ap)));
  fail_unless (whep_rtp_h265_starts_keyframe (ap, 8));  /* the VPS whole */
  fail_unless (whep_rtp_h265_starts_keyframe (aud_sei_vps,
          sizeof (aud_sei_vps)));
  fail_if (whep_rtp_h265_starts_keyframe (aud_sei_vps, 12));
  fail_if (whep_rtp_h265_starts_keyframe (sps_first, sizeof (sps_first)));
  fail_if (whep_rtp_h265_starts_keyframe (overrun, sizeof (overrun)));
  fail_if (whep_rtp_h265_starts_keyframe (empty, sizeof (empty)));
  fail_if (whep_rtp_h265_starts_keyframe (ap, 3));
}

GST_END_TEST;

/* The two detectors do not take each other's keyframes. */
GST_START_TEST (test_h265_and_h264_keyframes_apart)
{
  const guint8 h264_sps[] = { 0x67, 0x42, 0xe0, 0x1f };
  const guint8 h265_vps[] = { 0x40, 0x01, 0x0c, 0x01 };

  fail_if (whep_rtp_h265_starts_keyframe (h264_sps, sizeof (h264_sps)));
  fail_if (whep_rtp_h264_starts_keyframe (h265_vps, sizeof (h265_vps)));
}

GST_END_TEST;

static Suite *
whep_rtp_suite (void)
{
  Suite *s = suite_create ("whep-rtp");
  TCase *tc_header = tcase_create ("header");
  TCase *tc_keyframe = tcase_create ("h264-keyframe");
  TCase *tc_ntp = tcase_create ("ntp");
  TCase *tc_sr = tcase_create ("sender-report");
  TCase *tc_nack = tcase_create ("nack");
  TCase *tc_seq = tcase_create ("extend-seq");
  TCase *tc_rr = tcase_create ("receiver-report");

  suite_add_tcase (s, tc_header);
  tcase_add_test (tc_header, test_header_len_plain);
  tcase_add_test (tc_header, test_header_len_csrcs);
  tcase_add_test (tc_header, test_header_len_extension);
  tcase_add_test (tc_header, test_header_len_padding);
  tcase_add_test (tc_header, test_header_len_padding_after_extension);
  tcase_add_test (tc_header, test_header_len_malformed);
  tcase_add_test (tc_header, test_get_fields);
  tcase_add_test (tc_header, test_rewrite);
  tcase_add_test (tc_header, test_rewrite_keeps_no_marker);
  tcase_add_test (tc_header, test_rewrite_keeps_csrcs_and_extension);

  suite_add_tcase (s, tc_keyframe);
  tcase_add_test (tc_keyframe, test_keyframe_single_sps);
  tcase_add_test (tc_keyframe, test_keyframe_stap_a_with_sps);
  tcase_add_test (tc_keyframe, test_keyframe_stap_a_other_first);
  tcase_add_test (tc_keyframe, test_keyframe_stap_a_after_delimiter);
  tcase_add_test (tc_keyframe, test_keyframe_stap_a_malformed);
  tcase_add_test (tc_keyframe, test_keyframe_not_sps);
  tcase_add_test (tc_keyframe, test_keyframe_short);
  tcase_add_test (tc_keyframe, test_h265_keyframe_single_vps);
  tcase_add_test (tc_keyframe, test_h265_keyframe_not_alone);
  tcase_add_test (tc_keyframe, test_h265_keyframe_aggregation_packet);
  tcase_add_test (tc_keyframe, test_h265_and_h264_keyframes_apart);

  suite_add_tcase (s, tc_ntp);
  tcase_add_test (tc_ntp, test_ntp_unix_epoch);
  tcase_add_test (tc_ntp, test_ntp_fraction);
  tcase_add_test (tc_ntp, test_ntp_known_time);
  tcase_add_test (tc_ntp, test_ntp_before_1970_and_era_1);

  suite_add_tcase (s, tc_sr);
  tcase_add_test (tc_sr, test_sender_report_layout);
  tcase_add_test (tc_sr, test_sender_report_padding);
  tcase_add_test (tc_sr, test_sender_report_longest_cname);
  tcase_add_test (tc_sr, test_sender_report_bad_cname);
  tcase_add_test (tc_sr, test_sender_report_too_small);

  suite_add_tcase (s, tc_nack);
  tcase_add_test (tc_nack, test_nack_pid_only);
  tcase_add_test (tc_nack, test_nack_blp);
  tcase_add_test (tc_nack, test_nack_wraps);
  tcase_add_test (tc_nack, test_nack_several_entries);
  tcase_add_test (tc_nack, test_nack_max_seqs);
  tcase_add_test (tc_nack, test_nack_bad_lengths);

  suite_add_tcase (s, tc_seq);
  tcase_add_test (tc_seq, test_extend_seq_same_cycle);
  tcase_add_test (tc_seq, test_extend_seq_backwards_over_wrap);
  tcase_add_test (tc_seq, test_extend_seq_forwards_over_wrap);
  tcase_add_test (tc_seq, test_extend_seq_near_zero);
  tcase_add_test (tc_seq, test_extend_seq_round_trip);

  suite_add_tcase (s, tc_rr);
  tcase_add_test (tc_rr, test_report_blocks_rr);
  tcase_add_test (tc_rr, test_report_blocks_sr);
  tcase_add_test (tc_rr, test_report_blocks_malformed);
  tcase_add_test (tc_rr, test_round_trip);
  return s;
}

GST_CHECK_MAIN (whep_rtp);

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* whep-srtp.c against three references: the test vectors of RFC 3711
 * Appendix B, the RFC's formulas recomputed here with libcrypto's one-shot
 * HMAC() (for indexes no real stream reaches), and GStreamer's own srtpenc
 * (libsrtp), byte for byte, which is what a browser's libsrtp will have to
 * agree with. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "whep-srtp.h"
#include "whep-srtp-private.h"

#define MASTER_LEN (WHEP_SRTP_MASTER_KEY_LEN + WHEP_SRTP_MASTER_SALT_LEN)
#define MAX_PACKET 1600

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* @hex (spaces ignored) into @out, which must hold @len bytes: fails the
 * test unless @hex is exactly that long. */
static void
from_hex (const gchar * hex, guint8 * out, gsize len)
{
  gsize n = 0;

  for (; *hex; hex++) {
    gint hi, lo;

    if (*hex == ' ')
      continue;
    hi = g_ascii_xdigit_value (hex[0]);
    lo = g_ascii_xdigit_value (hex[1]);
    fail_unless (hi >= 0 && lo >= 0 && n < len, "bad hex fixture");
    out[n++] = (guint8) (hi << 4 | lo);
    hex++;
  }
  fail_unless_equals_int (n, len);
}

/* One check per call, not per byte: Check records every passing assertion
 * (a write to its pipe), which over a megabyte of keystream takes long. */
static void
assert_bytes_equal (const guint8 * got, const guint8 * expected, gsize len,
    const gchar * what)
{
  gsize i = 0;

  while (i < len && got[i] == expected[i])
    i++;
  fail_unless (i == len, "%s: byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
      " is 0x%02x, expected 0x%02x", what, i, len, i < len ? got[i] : 0,
      i < len ? expected[i] : 0);
}

/* The master key and salt of the srtpenc and formula tests. */
static void
test_master (guint8 * master)
{
  guint i;

  for (i = 0; i < MASTER_LEN; i++)
    master[i] = (guint8) (0x5a ^ (i * 37));
}

/* An RTP packet in @p: @n_csrc CSRCs, a one-word header extension if
 * @extension, then @payload_len bytes of deterministic payload.  Returns its
 * length. */
static gsize
make_rtp (guint8 * p, guint16 seq, guint32 ssrc, guint n_csrc,
    gboolean extension, gsize payload_len)
{
  gsize len = 12, i;

  p[0] = 0x80 | (extension ? 0x10 : 0) | n_csrc;
  p[1] = 96 | ((seq & 1) ? 0x80 : 0);
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  p[4] = 0x01;
  p[5] = 0x02;
  p[6] = (seq * 3000) >> 8 & 0xff;
  p[7] = (seq * 3000) & 0xff;
  p[8] = ssrc >> 24;
  p[9] = ssrc >> 16 & 0xff;
  p[10] = ssrc >> 8 & 0xff;
  p[11] = ssrc & 0xff;
  for (i = 0; i < n_csrc; i++) {
    p[len++] = 0xc0;
    p[len++] = 0x5c;
    p[len++] = (guint8) i;
    p[len++] = 0x01;
  }
  if (extension) {
    /* RFC 8285 one-byte header: "BEDE", one word: id 1, a 1-byte value */
    p[len++] = 0xbe;
    p[len++] = 0xde;
    p[len++] = 0x00;
    p[len++] = 0x01;
    p[len++] = 0x10;
    p[len++] = (guint8) seq;
    p[len++] = 0x00;
    p[len++] = 0x00;
  }
  for (i = 0; i < payload_len; i++)
    p[len++] = (guint8) (seq * 7 + i * 13 + (ssrc & 0xff));
  return len;
}

/* A compound RTCP packet in @p, sender report then SDES CNAME, from
 * @ssrc; @n_blocks report blocks make it longer.  Returns its length. */
static gsize
make_rtcp (guint8 * p, guint32 ssrc, guint n, guint n_blocks)
{
  static const gchar cname[] = "whep-srtp-test";
  gsize len = 0, sdes_start, i;
  guint16 words;

  /* SR: header, SSRC, NTP (8), RTP timestamp, packet count, octet count */
  words = 6 + 6 * n_blocks;
  p[len++] = 0x80 | n_blocks;
  p[len++] = 200;
  p[len++] = words >> 8;
  p[len++] = words & 0xff;
  p[len++] = ssrc >> 24;
  p[len++] = ssrc >> 16 & 0xff;
  p[len++] = ssrc >> 8 & 0xff;
  p[len++] = ssrc & 0xff;
  for (i = 0; i < 20 + 24 * n_blocks; i++)
    p[len++] = (guint8) (n * 11 + i * 3);

  /* SDES: one chunk, CNAME item, END, padded to a word */
  sdes_start = len;
  p[len++] = 0x81;
  p[len++] = 202;
  p[len++] = 0;
  p[len++] = 0;
  p[len++] = ssrc >> 24;
  p[len++] = ssrc >> 16 & 0xff;
  p[len++] = ssrc >> 8 & 0xff;
  p[len++] = ssrc & 0xff;
  p[len++] = 1;
  p[len++] = sizeof (cname) - 1;
  memcpy (p + len, cname, sizeof (cname) - 1);
  len += sizeof (cname) - 1;
  do
    p[len++] = 0;
  while (len % 4);
  words = (len - sdes_start) / 4 - 1;
  p[sdes_start + 2] = words >> 8;
  p[sdes_start + 3] = words & 0xff;
  return len;
}

/* ------------------------------------------------------------------------ */
/* RFC 3711 Appendix B                                                      */

/* B.2: the AES-CM keystream for session key 2B7E...3C and session salt
 * F0F1...FD, SSRC 0 and index 0 (so the IV is the salt shifted by 16 bits),
 * at blocks 0, 1, 2 and 0xfeff to 0xff01. */
GST_START_TEST (test_rfc3711_b2_keystream)
{
  static const struct
  {
    guint block;
    const gchar *hex;
  } expected[] = {
    {0x0000, "E03EAD0935C95E80E166B16DD92B4EB4"},
    {0x0001, "D23513162B02D0F72A43A2FE4A5F97AB"},
    {0x0002, "41E95B3BB0A2E8DD477901E4FCA894C0"},
    {0xfeff, "EC8CDF7398607CB0F2D21675EA9EA1E4"},
    {0xff00, "362B7C3C6773516318A077D7FC5073AE"},
    {0xff01, "6A2CC3787889374FBEB4C81B17BA6C44"},
  };
  guint8 key[16], salt[14], block[16];
  gsize len = 0xff02 * 16;
  guint8 *keystream = g_malloc0 (len);
  guint8 *zeros = g_malloc0 (len);
  guint i;

  from_hex ("2B7E151628AED2A6ABF7158809CF4F3C", key, sizeof (key));
  from_hex ("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", salt, sizeof (salt));
  fail_unless (whep_srtp_aes_cm (key, salt, keystream, len));

  for (i = 0; i < G_N_ELEMENTS (expected); i++) {
    gchar *what = g_strdup_printf ("keystream block 0x%04x",
        expected[i].block);

    from_hex (expected[i].hex, block, sizeof (block));
    assert_bytes_equal (keystream + 16 * expected[i].block, block, 16, what);
    g_free (what);
  }

  /* XORing is what encrypts: a second pass restores the zeros. */
  fail_unless (whep_srtp_aes_cm (key, salt, keystream, len));
  assert_bytes_equal (keystream, zeros, len, "twice encrypted");
  g_free (keystream);
  g_free (zeros);
}

GST_END_TEST;

/* B.3: the session encryption key, salt and authentication key (all 94
 * bytes the RFC lists; SHA1-HMAC uses the first 20) from one master key. */
GST_START_TEST (test_rfc3711_b3_key_derivation)
{
  guint8 master_key[16], master_salt[14];
  guint8 expected_key[16], expected_salt[14], expected_auth[94];
  guint8 key[16], salt[14], auth[94];

  from_hex ("E1F97A0D3E018BE0D64FA32C06DE4139", master_key,
      sizeof (master_key));
  from_hex ("0EC675AD498AFEEBB6960B3AABE6", master_salt,
      sizeof (master_salt));
  from_hex ("C61E7A93744F39EE10734AFE3FF7A087", expected_key,
      sizeof (expected_key));
  from_hex ("30CBBC08863D8C85D49DB34A9AE1", expected_salt,
      sizeof (expected_salt));
  from_hex ("CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE"
      " E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25"
      " 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2",
      expected_auth, sizeof (expected_auth));

  fail_unless (whep_srtp_derive (master_key, master_salt, 0, key,
          sizeof (key)));
  fail_unless (whep_srtp_derive (master_key, master_salt, 2, salt,
          sizeof (salt)));
  fail_unless (whep_srtp_derive (master_key, master_salt, 1, auth,
          sizeof (auth)));
  assert_bytes_equal (key, expected_key, sizeof (key), "cipher key");
  assert_bytes_equal (salt, expected_salt, sizeof (salt), "cipher salt");
  assert_bytes_equal (auth, expected_auth, sizeof (auth), "auth key");
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* The RFC's formulas, recomputed                                           */

/* What protecting @packet must give, from the RFC's formulas and the
 * session keys of labels @label_base.. (0 for RTP, 3 for RTCP): the part
 * from @clear_len on encrypted with the IV of @ssrc and @index, then
 * @trailer, then the first @tag_len bytes of the HMAC over all of it
 * (@mac_extra, the ROC for RTP, is authenticated but not sent). */
static gsize
expected_protect (const guint8 * master, guint8 label_base,
    const guint8 * packet, gsize len, gsize clear_len, guint32 ssrc,
    guint64 index, const guint8 * trailer, gsize trailer_len,
    const guint8 * mac_extra, gsize mac_extra_len, gsize tag_len,
    guint8 * out)
{
  guint8 key[16], salt[14], auth[20], mac[EVP_MAX_MD_SIZE];
  guint8 *mac_input;
  unsigned int mac_len;
  guint i;

  fail_unless (whep_srtp_derive (master, master + 16, label_base, key, 16));
  fail_unless (whep_srtp_derive (master, master + 16, label_base + 1, auth,
          20));
  fail_unless (whep_srtp_derive (master, master + 16, label_base + 2, salt,
          14));

  /* IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), 14 bytes kept */
  for (i = 0; i < 4; i++)
    salt[4 + i] ^= (guint8) (ssrc >> (24 - 8 * i));
  for (i = 0; i < 6; i++)
    salt[8 + i] ^= (guint8) (index >> (40 - 8 * i));

  memcpy (out, packet, len);
  fail_unless (whep_srtp_aes_cm (key, salt, out + clear_len, len - clear_len));
  /* (memcpy () from NULL is undefined even for 0 bytes) */
  if (trailer_len > 0)
    memcpy (out + len, trailer, trailer_len);

  mac_input = g_malloc (len + trailer_len + mac_extra_len);
  memcpy (mac_input, out, len + trailer_len);
  if (mac_extra_len > 0)
    memcpy (mac_input + len + trailer_len, mac_extra, mac_extra_len);
  fail_unless (HMAC (EVP_sha1 (), auth, 20, mac_input,
          len + trailer_len + mac_extra_len, mac, &mac_len) != NULL);
  g_free (mac_input);
  memcpy (out + len + trailer_len, mac, tag_len);
  return len + trailer_len + tag_len;
}

/* Indexes no stream in a test reaches: ROCs up to 2^32 - 1, SRTCP indexes
 * up to 2^31 - 1, in both profiles, with CSRCs and header extensions. */
GST_START_TEST (test_rtp_matches_formulas)
{
  static const guint32 rocs[] = { 0, 1, 0x1234, 0xdeadbeef, G_MAXUINT32 };
  static const guint16 seqs[] = { 0, 1, 0x8000, 0xffff };
  static const WhepSrtpProfile profiles[] = {
    WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80,
    WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_32,
  };
  guint8 master[MASTER_LEN];
  guint p, r, s;

  test_master (master);
  for (p = 0; p < G_N_ELEMENTS (profiles); p++) {
    gsize tag_len = p == 0 ? 10 : 4;
    WhepSrtp *srtp = whep_srtp_new (profiles[p], master, MASTER_LEN, NULL);

    fail_unless (srtp != NULL);
    for (r = 0; r < G_N_ELEMENTS (rocs); r++) {
      for (s = 0; s < G_N_ELEMENTS (seqs); s++) {
        guint8 packet[MAX_PACKET], expected[MAX_PACKET], roc_be[4];
        guint32 ssrc = 0x01020304u * (r + 1) + s;
        guint n_csrc = (r + s) % 3;
        gboolean extension = s % 2;
        gsize len = make_rtp (packet, seqs[s], ssrc, n_csrc, extension,
            1 + 97 * s + r);
        gsize header_len = 12 + 4 * n_csrc + (extension ? 8 : 0);
        gsize expected_len;

        roc_be[0] = rocs[r] >> 24;
        roc_be[1] = rocs[r] >> 16 & 0xff;
        roc_be[2] = rocs[r] >> 8 & 0xff;
        roc_be[3] = rocs[r] & 0xff;
        expected_len = expected_protect (master, 0, packet, len, header_len,
            ssrc, (guint64) rocs[r] << 16 | seqs[s], NULL, 0, roc_be, 4,
            tag_len, expected);

        fail_unless_equals_int (whep_srtp_protect_rtp (srtp, packet, len,
                rocs[r]), expected_len);
        assert_bytes_equal (packet, expected, expected_len, "SRTP packet");
      }
    }
    whep_srtp_free (srtp);
  }
}

GST_END_TEST;

GST_START_TEST (test_rtcp_matches_formulas)
{
  static const guint32 indexes[] = { 0, 1, 0x10000, 0x7fffffff };
  static const WhepSrtpProfile profiles[] = {
    WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80,
    WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_32,
  };
  guint8 master[MASTER_LEN];
  guint p, i;

  test_master (master);
  for (p = 0; p < G_N_ELEMENTS (profiles); p++) {
    WhepSrtp *srtp = whep_srtp_new (profiles[p], master, MASTER_LEN, NULL);

    fail_unless (srtp != NULL);
    for (i = 0; i < G_N_ELEMENTS (indexes); i++) {
      guint8 packet[MAX_PACKET], expected[MAX_PACKET], trailer[4];
      guint32 ssrc = 0xcafe0000u + i;
      guint32 e_index = 0x80000000u | indexes[i];
      gsize len = make_rtcp (packet, ssrc, i, i);
      gsize expected_len;

      trailer[0] = e_index >> 24;
      trailer[1] = e_index >> 16 & 0xff;
      trailer[2] = e_index >> 8 & 0xff;
      trailer[3] = e_index & 0xff;
      /* SRTCP keeps the 80-bit tag in the _32 profile too */
      expected_len = expected_protect (master, 3, packet, len, 8, ssrc,
          indexes[i], trailer, 4, NULL, 0, 10, expected);

      fail_unless_equals_int (whep_srtp_protect_rtcp (srtp, packet, len,
              indexes[i]), expected_len);
      assert_bytes_equal (packet, expected, expected_len, "SRTCP packet");
    }
    whep_srtp_free (srtp);
  }
}

GST_END_TEST;

/* An RTP packet of a header alone: nothing to encrypt, only the tag. */
GST_START_TEST (test_rtp_header_only)
{
  guint8 master[MASTER_LEN], packet[MAX_PACKET], clear[MAX_PACKET];
  WhepSrtp *srtp;
  gsize len;

  test_master (master);
  srtp = whep_srtp_new (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, master,
      MASTER_LEN, NULL);
  len = make_rtp (packet, 7, 0x11223344, 2, TRUE, 0);
  memcpy (clear, packet, len);
  fail_unless_equals_int (whep_srtp_protect_rtp (srtp, packet, len, 0),
      len + 10);
  assert_bytes_equal (packet, clear, len, "header");
  whep_srtp_free (srtp);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Against srtpenc                                                          */

/* An srtpenc in a harness, from its rtp or rtcp request pads, protecting
 * with @master as AES-CM with @rtp_auth for RTP, HMAC-SHA1-80 for RTCP. */
static GstHarness *
srtpenc_harness (const guint8 * master, gboolean rtcp, const gchar * rtp_auth)
{
  GstElement *enc = gst_element_factory_make ("srtpenc", NULL);
  GstBuffer *key;
  GstHarness *h;

  fail_unless (enc != NULL, "no srtpenc (gst-plugins-bad's srtp plugin)");
  key = gst_buffer_new_memdup (master, MASTER_LEN);
  g_object_set (enc, "key", key, NULL);
  gst_buffer_unref (key);
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-cipher", "aes-128-icm");
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-auth", rtp_auth);
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-cipher", "aes-128-icm");
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-auth", "hmac-sha1-80");

  h = gst_harness_new_with_element (enc,
      rtcp ? "rtcp_sink_0" : "rtp_sink_0", rtcp ? "rtcp_src_0" : "rtp_src_0");
  gst_object_unref (enc);
  gst_harness_set_src_caps_str (h,
      rtcp ? "application/x-rtcp" : "application/x-rtp");
  return h;
}

/* Pushes @packet (@len bytes) through @h and returns what came out. */
static GstBuffer *
srtpenc_protect (GstHarness * h, const guint8 * packet, gsize len)
{
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_memdup (packet,
              len)), GST_FLOW_OK);
  out = gst_harness_try_pull (h);
  fail_unless (out != NULL, "srtpenc gave no packet");
  return out;
}

static void
assert_same_as_srtpenc (GstBuffer * reference, const guint8 * ours,
    gsize ours_len, const gchar * what)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (reference, &map, GST_MAP_READ));
  fail_unless_equals_int (ours_len, map.size);
  assert_bytes_equal (ours, map.data, ours_len, what);
  gst_buffer_unmap (reference, &map);
}

/* Three SSRCs interleaved, each from sequence number 65530 on, so across
 * the wrap to 0 (ROC 0 to 1), with payloads of 0 to 1400 bytes (block
 * boundaries, an Opus and a video size) and headers with CSRCs and
 * extensions. */
static void
check_rtp_against_srtpenc (WhepSrtpProfile profile, const gchar * rtp_auth)
{
  static const guint32 ssrcs[] = { 0x12345678, 0xdeadbeef, 0x00000001 };
  static const gsize payloads[] = {
    0, 1, 15, 16, 17, 31, 160, 180, 1024, 1200, 1400
  };
  guint8 master[MASTER_LEN];
  GstHarness *h;
  WhepSrtp *srtp;
  guint i, s;

  test_master (master);
  h = srtpenc_harness (master, FALSE, rtp_auth);
  srtp = whep_srtp_new (profile, master, MASTER_LEN, NULL);
  fail_unless (srtp != NULL);

  for (i = 0; i < 24; i++) {
    for (s = 0; s < G_N_ELEMENTS (ssrcs); s++) {
      guint8 packet[MAX_PACKET];
      /* a different starting point per SSRC, all of them across the wrap */
      guint32 index = 65530 + s + i;
      guint16 seq = (guint16) index;
      guint32 roc = index >> 16;
      gsize len = make_rtp (packet, seq, ssrcs[s], (i + s) % 3,
          (i + s) % 4 == 1, payloads[(i + 3 * s) % G_N_ELEMENTS (payloads)]);
      GstBuffer *reference = srtpenc_protect (h, packet, len);
      gchar *what = g_strdup_printf ("SSRC %08x seq %u ROC %u, %"
          G_GSIZE_FORMAT " bytes", ssrcs[s], seq, roc, len);

      len = whep_srtp_protect_rtp (srtp, packet, len, roc);
      fail_unless (len > 0);
      assert_same_as_srtpenc (reference, packet, len, what);
      gst_buffer_unref (reference);
      g_free (what);
    }
  }

  whep_srtp_free (srtp);
  gst_harness_teardown (h);
}

GST_START_TEST (test_rtp_same_as_srtpenc_80)
{
  check_rtp_against_srtpenc (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80,
      "hmac-sha1-80");
}

GST_END_TEST;

GST_START_TEST (test_rtp_same_as_srtpenc_32)
{
  check_rtp_against_srtpenc (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_32,
      "hmac-sha1-32");
}

GST_END_TEST;

/* libsrtp numbers each SSRC's SRTCP packets itself; read the index it wrote
 * (after the packet, before the tag) and check it counts up by one per
 * packet of that SSRC from the same start for every SSRC, then give
 * whep_srtp_protect_rtcp() the same index. */
GST_START_TEST (test_rtcp_same_as_srtpenc)
{
  static const guint32 ssrcs[] = { 0x12345678, 0xdeadbeef };
  guint8 master[MASTER_LEN];
  GstHarness *h;
  WhepSrtp *srtp;
  guint32 first_index = G_MAXUINT32;
  guint i, s;

  test_master (master);
  h = srtpenc_harness (master, TRUE, "hmac-sha1-80");
  srtp = whep_srtp_new (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, master,
      MASTER_LEN, NULL);
  fail_unless (srtp != NULL);

  for (i = 0; i < 8; i++) {
    for (s = 0; s < G_N_ELEMENTS (ssrcs); s++) {
      guint8 packet[MAX_PACKET];
      gsize len = make_rtcp (packet, ssrcs[s], i, (i + s) % 4);
      GstBuffer *reference = srtpenc_protect (h, packet, len);
      gchar *what = g_strdup_printf ("SRTCP SSRC %08x packet %u", ssrcs[s],
          i);
      guint8 trailer[4];
      guint32 e_index;

      fail_unless_equals_int (gst_buffer_extract (reference, len, trailer,
              4), 4);
      e_index = GST_READ_UINT32_BE (trailer);
      fail_unless (e_index & 0x80000000u, "E flag not set");
      if (first_index == G_MAXUINT32) {
        /* libsrtp 2 counts from 1 (it increments before use) */
        first_index = e_index & 0x7fffffff;
        fail_unless (first_index <= 1, "first SRTCP index %u", first_index);
      }
      fail_unless_equals_int (e_index & 0x7fffffff, first_index + i);

      len = whep_srtp_protect_rtcp (srtp, packet, len, first_index + i);
      fail_unless_equals_int (len, gst_buffer_get_size (reference));
      assert_same_as_srtpenc (reference, packet, len, what);
      gst_buffer_unref (reference);
      g_free (what);
    }
  }
  GST_INFO ("libsrtp's first SRTCP index is %u", first_index);

  whep_srtp_free (srtp);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Invalid input                                                            */

GST_START_TEST (test_new_rejects_key_length)
{
  static const gsize lengths[] = { 0, 16, 29, 31, 46 };
  guint8 master[64] = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (lengths); i++) {
    GError *error = NULL;

    fail_unless (whep_srtp_new (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80,
            master, lengths[i], &error) == NULL);
    fail_unless (g_error_matches (error, WHEP_SRTP_ERROR,
            WHEP_SRTP_ERROR_KEY_LENGTH), "length %" G_GSIZE_FORMAT,
        lengths[i]);
    g_clear_error (&error);
  }

  /* no GError asked for: NULL all the same */
  fail_unless (whep_srtp_new (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80,
          NULL, 0, NULL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_new_rejects_profile)
{
  static const gint profiles[] = { 0, 3, 7, -1 };
  guint8 master[MASTER_LEN] = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (profiles); i++) {
    GError *error = NULL;

    fail_unless (whep_srtp_new ((WhepSrtpProfile) profiles[i], master,
            MASTER_LEN, &error) == NULL);
    fail_unless (g_error_matches (error, WHEP_SRTP_ERROR,
            WHEP_SRTP_ERROR_PROFILE), "profile %d", profiles[i]);
    g_clear_error (&error);
  }
}

GST_END_TEST;

/* Each bad packet returns 0 and is left untouched. */
static void
assert_rtp_rejected (WhepSrtp * srtp, guint8 * packet, gsize len,
    const gchar * what)
{
  guint8 *copy = g_memdup2 (packet, MAX_PACKET);

  fail_unless_equals_int (whep_srtp_protect_rtp (srtp, packet, len, 0), 0);
  assert_bytes_equal (packet, copy, MAX_PACKET, what);
  g_free (copy);
}

GST_START_TEST (test_protect_rtp_rejects_invalid)
{
  guint8 master[MASTER_LEN], packet[MAX_PACKET] = { 0 };
  guint8 *big;
  WhepSrtp *srtp;
  gsize len;

  test_master (master);
  srtp = whep_srtp_new (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, master,
      MASTER_LEN, NULL);

  len = make_rtp (packet, 1, 0x11223344, 0, FALSE, 100);
  assert_rtp_rejected (srtp, packet, 0, "empty");
  assert_rtp_rejected (srtp, packet, 11, "11 bytes");

  /* versions 0, 1 and 3 */
  packet[0] = 0x00;
  assert_rtp_rejected (srtp, packet, len, "version 0");
  packet[0] = 0x40;
  assert_rtp_rejected (srtp, packet, len, "version 1");
  packet[0] = 0xc0;
  assert_rtp_rejected (srtp, packet, len, "version 3");

  /* 15 CSRCs need 72 bytes of header */
  len = make_rtp (packet, 1, 0x11223344, 15, FALSE, 0);
  assert_rtp_rejected (srtp, packet, len - 1, "CSRCs past the end");
  fail_unless_equals_int (whep_srtp_protect_rtp (srtp, packet, len, 0),
      len + 10);

  /* the extension header itself, then its length, past the end */
  len = make_rtp (packet, 1, 0x11223344, 1, TRUE, 0);
  assert_rtp_rejected (srtp, packet, 16 + 3, "extension header cut");
  assert_rtp_rejected (srtp, packet, len - 1, "extension body cut");
  packet[16 + 2] = 0xff;
  packet[16 + 3] = 0xff;
  assert_rtp_rejected (srtp, packet, len + 40, "extension length too big");

  /* longer than 65535 */
  big = g_malloc0 (65536 + WHEP_SRTP_MAX_RTP_OVERHEAD);
  make_rtp (big, 1, 0x11223344, 0, FALSE, 0);
  fail_unless_equals_int (whep_srtp_protect_rtp (srtp, big, 65536, 0), 0);
  fail_unless_equals_int (whep_srtp_protect_rtp (srtp, big, 65535, 0),
      65535 + 10);
  g_free (big);

  whep_srtp_free (srtp);
}

GST_END_TEST;

GST_START_TEST (test_protect_rtcp_rejects_invalid)
{
  guint8 master[MASTER_LEN], packet[MAX_PACKET] = { 0 };
  guint8 copy[MAX_PACKET];
  WhepSrtp *srtp;
  gsize len;

  test_master (master);
  srtp = whep_srtp_new (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, master,
      MASTER_LEN, NULL);
  len = make_rtcp (packet, 0x11223344, 0, 0);
  memcpy (copy, packet, sizeof (copy));

  fail_unless_equals_int (whep_srtp_protect_rtcp (srtp, packet, 0, 0), 0);
  fail_unless_equals_int (whep_srtp_protect_rtcp (srtp, packet, 7, 0), 0);
  fail_unless_equals_int (whep_srtp_protect_rtcp (srtp, packet, len,
          0x80000000u), 0);
  fail_unless_equals_int (whep_srtp_protect_rtcp (srtp, packet, len,
          G_MAXUINT32), 0);
  assert_bytes_equal (packet, copy, sizeof (copy), "rejected RTCP");

  /* 8 bytes are enough: nothing to encrypt, trailer and tag only */
  fail_unless_equals_int (whep_srtp_protect_rtcp (srtp, packet, 8, 0),
      8 + 14);
  whep_srtp_free (srtp);
}

GST_END_TEST;

GST_START_TEST (test_free_null)
{
  whep_srtp_free (NULL);
}

GST_END_TEST;

static Suite *
whep_srtp_suite (void)
{
  Suite *s = suite_create ("whep-srtp");
  TCase *tc_rfc = tcase_create ("rfc3711");
  TCase *tc_srtpenc = tcase_create ("srtpenc");
  TCase *tc_invalid = tcase_create ("invalid");

  suite_add_tcase (s, tc_rfc);
  tcase_add_test (tc_rfc, test_rfc3711_b2_keystream);
  tcase_add_test (tc_rfc, test_rfc3711_b3_key_derivation);
  tcase_add_test (tc_rfc, test_rtp_matches_formulas);
  tcase_add_test (tc_rfc, test_rtcp_matches_formulas);
  tcase_add_test (tc_rfc, test_rtp_header_only);

  suite_add_tcase (s, tc_srtpenc);
  tcase_add_test (tc_srtpenc, test_rtp_same_as_srtpenc_80);
  tcase_add_test (tc_srtpenc, test_rtp_same_as_srtpenc_32);
  tcase_add_test (tc_srtpenc, test_rtcp_same_as_srtpenc);

  suite_add_tcase (s, tc_invalid);
  tcase_add_test (tc_invalid, test_new_rejects_key_length);
  tcase_add_test (tc_invalid, test_new_rejects_profile);
  tcase_add_test (tc_invalid, test_protect_rtp_rejects_invalid);
  tcase_add_test (tc_invalid, test_protect_rtcp_rejects_invalid);
  tcase_add_test (tc_invalid, test_free_null);

  return s;
}

GST_CHECK_MAIN (whep_srtp);

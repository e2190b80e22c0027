/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* SRTP and SRTCP protection (RFC 3711), the sending side only, on
 * libcrypto.
 *
 * Every packet to every viewer comes through here, so all that depends on
 * the key alone is done once in whep_srtp_new(), and protecting a packet
 * allocates nothing and schedules no key.  Two choices were measured
 * (OpenSSL 3.0.x on x86-64 with AES-NI and SHA-NI, 2026), and both go
 * against the obvious use of the EVP API:
 *
 * AES-CM is done with an AES-128-ECB context keyed once: per packet the
 * counter blocks are written to a buffer on the stack, enciphered in one
 * EVP_EncryptUpdate() call and XORed into the payload.  That is AES-CM
 * exactly as RFC 3711 4.1.1 defines it (the block cipher applied to
 * IV + 0, IV + 1, ...).  The obvious way, an AES-128-CTR context keyed once
 * and given each packet's IV with EVP_EncryptInit_ex (ctx, NULL, NULL, NULL,
 * iv), pays about 95 ns in that call alone (OpenSSL 3 runs its whole init
 * path through the provider even without a key): 140 ns for a 180-byte
 * payload against 50 ns here; for 1200 bytes both cost 220 ns.
 *
 * HMAC-SHA1 starts from the SHA-1 states after the key's ipad and opad
 * blocks, computed once; per packet they are copied (a plain struct
 * assignment) and hashing goes on from there.  Per 192-byte packet that
 * costs 205 ns, against 330 ns for EVP_MD_CTX_copy_ex() of the same states,
 * 385 ns for HMAC_CTX_copy() and 550 ns for EVP_MAC_CTX_dup(): OpenSSL 3
 * duplicates provider contexts on the heap, so each of those allocates per
 * packet.  The price is SHA1_Init/Update/Final, deprecated (not removed) in
 * OpenSSL 3, hence the pragmas around them (a libcrypto built without the
 * deprecated API would need the EVP_MD_CTX_copy_ex() way instead).
 *
 * The key derivation rate is 0 (what DTLS-SRTP uses), so the session keys
 * never change and there is no MKI. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-srtp.h"
#include "whep-srtp-private.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <string.h>

#define AES_BLOCK_LEN 16
#define SESSION_KEY_LEN 16
#define SESSION_SALT_LEN 14
#define AUTH_KEY_LEN 20
#define SHA1_BLOCK_LEN 64
#define TAG_LEN_80 10
#define TAG_LEN_32 4
#define RTP_HEADER_LEN 12
/* SRTCP leaves the RTCP header and the sender's SSRC in the clear */
#define RTCP_CLEAR_LEN 8
/* the E flag and the 31-bit SRTCP index that follow an SRTCP packet */
#define SRTCP_TRAILER_LEN 4
#define SRTCP_E_FLAG 0x80000000u
#define SRTCP_MAX_INDEX 0x7fffffffu
/* A 16-bit length frames RTP on every transport (UDP, RFC 4571 over TCP);
 * it also keeps every packet below the 2^16 AES blocks that AES-CM may
 * count, and lengths in libcrypto's int. */
#define MAX_PACKET_LEN 65535
/* what whep_srtp_derive() and whep_srtp_aes_cm() accept: 2^16 blocks */
#define MAX_KEYSTREAM_LEN (65536 * AES_BLOCK_LEN)
/* Keystream made per libcrypto call: a 1200-byte video payload in one
 * call, 2 KiB of stack. */
#define KEYSTREAM_BLOCKS 128

/* RFC 3711 4.3.1 and 4.3.2: which session key a derivation makes */
enum
{
  LABEL_RTP_ENCRYPTION = 0,
  LABEL_RTP_AUTH = 1,
  LABEL_RTP_SALT = 2,
  LABEL_RTCP_ENCRYPTION = 3,
  LABEL_RTCP_AUTH = 4,
  LABEL_RTCP_SALT = 5,
};

/* The session keys of one direction of packets, RTP or RTCP, in the form
 * protecting uses them. */
typedef struct
{
  EVP_CIPHER_CTX *aes;          /* AES-128-ECB keyed with the session key */
  guint8 salt[SESSION_SALT_LEN];
  SHA_CTX hmac_inner;           /* SHA-1 after (auth key XOR ipad) */
  SHA_CTX hmac_outer;           /* SHA-1 after (auth key XOR opad) */
  gsize tag_len;
} WhepSrtpKeys;

struct _WhepSrtp
{
  WhepSrtpKeys rtp;
  WhepSrtpKeys rtcp;
};

G_DEFINE_QUARK (whep-srtp-error-quark, whep_srtp_error);

/* ------------------------------------------------------------------------ */
/* AES-CM                                                                   */

static EVP_CIPHER_CTX *
aes_ecb_new (const guint8 * key)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();

  if (ctx == NULL)
    return NULL;
  /* No padding: every call enciphers whole counter blocks. */
  if (!EVP_EncryptInit_ex (ctx, EVP_aes_128_ecb (), NULL, key, NULL)
      || !EVP_CIPHER_CTX_set_padding (ctx, 0)) {
    EVP_CIPHER_CTX_free (ctx);
    return NULL;
  }
  return ctx;
}

static inline void
xor_bytes (guint8 * dst, const guint8 * src, gsize len)
{
  gsize i = 0;

  /* Eight bytes at a time through memcpy: no alignment is assumed, and the
   * compiler turns it into plain (or vector) loads and stores. */
  for (; i + 8 <= len; i += 8) {
    guint64 a, b;

    memcpy (&a, dst + i, 8);
    memcpy (&b, src + i, 8);
    a ^= b;
    memcpy (dst + i, &a, 8);
  }
  for (; i < len; i++)
    dst[i] ^= src[i];
}

/* XORs into @data the AES-CM keystream of @aes (ECB, keyed) that starts at
 * the counter block @counter_prefix || 0x0000.  RFC 3711 4.1.1 adds the
 * block number to the IV; every IV here ends in 16 zero bits and @len stays
 * below 2^16 blocks, so adding is writing the number into the last two
 * bytes. */
static gboolean
aes_cm_xor (EVP_CIPHER_CTX * aes, const guint8 * counter_prefix,
    guint8 * data, gsize len)
{
  guint8 keystream[KEYSTREAM_BLOCKS * AES_BLOCK_LEN];
  guint block = 0;

  while (len > 0) {
    gsize chunk = MIN (len, sizeof (keystream));
    guint n_blocks = (guint) ((chunk + AES_BLOCK_LEN - 1) / AES_BLOCK_LEN);
    guint8 *counter = keystream;
    guint i;
    int out_len;

    for (i = 0; i < n_blocks; i++, block++, counter += AES_BLOCK_LEN) {
      memcpy (counter, counter_prefix, SESSION_SALT_LEN);
      counter[14] = (guint8) (block >> 8);
      counter[15] = (guint8) block;
    }
    /* ECB in place: libcrypto allows output == input. */
    if (!EVP_EncryptUpdate (aes, keystream, &out_len, keystream,
            (int) (n_blocks * AES_BLOCK_LEN)))
      return FALSE;
    xor_bytes (data, keystream, chunk);
    data += chunk;
    len -= chunk;
  }
  return TRUE;
}

gboolean
whep_srtp_aes_cm (const guint8 * key, const guint8 * counter_prefix,
    guint8 * data, gsize len)
{
  EVP_CIPHER_CTX *aes;
  gboolean ok;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (counter_prefix != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (len <= MAX_KEYSTREAM_LEN, FALSE);

  aes = aes_ecb_new (key);
  if (aes == NULL)
    return FALSE;
  ok = aes_cm_xor (aes, counter_prefix, data, len);
  EVP_CIPHER_CTX_free (aes);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Key derivation                                                           */

/* RFC 3711 4.3.1 with kdr 0: key_id = label || r, with r = 0 (48 bits), is
 * XORed into the master salt aligned on the right, which puts the label in
 * byte 7 of the 14; that is the IV (times 2^16) of the AES-CM PRF keyed
 * with the master key (@master, ECB). */
static gboolean
derive (EVP_CIPHER_CTX * master, const guint8 * master_salt, guint8 label,
    guint8 * out, gsize len)
{
  guint8 x[SESSION_SALT_LEN];

  memcpy (x, master_salt, sizeof (x));
  x[7] ^= label;
  memset (out, 0, len);
  return aes_cm_xor (master, x, out, len);
}

gboolean
whep_srtp_derive (const guint8 * master_key, const guint8 * master_salt,
    guint8 label, guint8 * out, gsize len)
{
  EVP_CIPHER_CTX *master;
  gboolean ok;

  g_return_val_if_fail (master_key != NULL, FALSE);
  g_return_val_if_fail (master_salt != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (len <= MAX_KEYSTREAM_LEN, FALSE);

  master = aes_ecb_new (master_key);
  if (master == NULL)
    return FALSE;
  ok = derive (master, master_salt, label, out, len);
  EVP_CIPHER_CTX_free (master);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* HMAC-SHA1 (RFC 2104) from precomputed states                             */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* The SHA-1 state after the block (@key zero-padded to 64 bytes) XOR
 * @pad: where every HMAC with that key starts its inner or outer hash. */
static gboolean
hmac_pad_state (SHA_CTX * sha, const guint8 * key, gsize key_len, guint8 pad)
{
  guint8 block[SHA1_BLOCK_LEN];
  gboolean ok;
  gsize i;

  memset (block, pad, sizeof (block));
  for (i = 0; i < key_len; i++)
    block[i] ^= key[i];
  ok = SHA1_Init (sha) && SHA1_Update (sha, block, sizeof (block));
  OPENSSL_cleanse (block, sizeof (block));
  return ok;
}

/* The HMAC-SHA1 with @keys' auth key of @data followed by @trailer, in
 * @mac (20 bytes). */
static inline void
hmac_sha1 (const WhepSrtpKeys * keys, const guint8 * data, gsize len,
    const guint8 * trailer, gsize trailer_len, guint8 * mac)
{
  SHA_CTX sha = keys->hmac_inner;
  guint8 inner[SHA_DIGEST_LENGTH];

  /* These cannot fail: plain code on memory, no provider behind them. */
  SHA1_Update (&sha, data, len);
  SHA1_Update (&sha, trailer, trailer_len);
  SHA1_Final (inner, &sha);
  sha = keys->hmac_outer;
  SHA1_Update (&sha, inner, sizeof (inner));
  SHA1_Final (mac, &sha);
}

#pragma GCC diagnostic pop

/* ------------------------------------------------------------------------ */
/* Contexts                                                                 */

/* Derives the session keys of labels @label_base, + 1 and + 2 (encryption,
 * authentication, salt) and sets up @keys from them. */
static gboolean
keys_init (WhepSrtpKeys * keys, EVP_CIPHER_CTX * master,
    const guint8 * master_salt, guint8 label_base, gsize tag_len)
{
  guint8 key[SESSION_KEY_LEN];
  guint8 auth[AUTH_KEY_LEN];
  gboolean ok;

  keys->tag_len = tag_len;
  ok = derive (master, master_salt, label_base, key, sizeof (key))
      && derive (master, master_salt, label_base + 1, auth, sizeof (auth))
      && derive (master, master_salt, label_base + 2, keys->salt,
      sizeof (keys->salt))
      && (keys->aes = aes_ecb_new (key)) != NULL
      && hmac_pad_state (&keys->hmac_inner, auth, sizeof (auth), 0x36)
      && hmac_pad_state (&keys->hmac_outer, auth, sizeof (auth), 0x5c);
  OPENSSL_cleanse (key, sizeof (key));
  OPENSSL_cleanse (auth, sizeof (auth));
  return ok;
}

WhepSrtp *
whep_srtp_new (WhepSrtpProfile profile, const guint8 * key_and_salt,
    gsize len, GError ** error)
{
  EVP_CIPHER_CTX *master;
  WhepSrtp *srtp;
  gsize rtp_tag_len;
  gboolean ok;

  g_return_val_if_fail (key_and_salt != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (profile) {
    case WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80:
      rtp_tag_len = TAG_LEN_80;
      break;
    case WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_32:
      rtp_tag_len = TAG_LEN_32;
      break;
    default:
      g_set_error (error, WHEP_SRTP_ERROR, WHEP_SRTP_ERROR_PROFILE,
          "unknown SRTP protection profile %d", (int) profile);
      return NULL;
  }

  if (len != WHEP_SRTP_MASTER_KEY_LEN + WHEP_SRTP_MASTER_SALT_LEN) {
    g_set_error (error, WHEP_SRTP_ERROR, WHEP_SRTP_ERROR_KEY_LENGTH,
        "SRTP master key and salt are %" G_GSIZE_FORMAT " bytes, not %d",
        len, WHEP_SRTP_MASTER_KEY_LEN + WHEP_SRTP_MASTER_SALT_LEN);
    return NULL;
  }

  srtp = g_new0 (WhepSrtp, 1);
  master = aes_ecb_new (key_and_salt);
  /* RFC 5764 4.1.2: SRTCP keeps the 80-bit tag in both profiles. */
  ok = master != NULL
      && keys_init (&srtp->rtp, master,
      key_and_salt + WHEP_SRTP_MASTER_KEY_LEN, LABEL_RTP_ENCRYPTION,
      rtp_tag_len)
      && keys_init (&srtp->rtcp, master,
      key_and_salt + WHEP_SRTP_MASTER_KEY_LEN, LABEL_RTCP_ENCRYPTION,
      TAG_LEN_80);
  /* freeing cleanses the master key's schedule */
  EVP_CIPHER_CTX_free (master);

  if (!ok) {
    whep_srtp_free (srtp);
    g_set_error (error, WHEP_SRTP_ERROR, WHEP_SRTP_ERROR_CRYPTO,
        "libcrypto could not set up AES-128 and HMAC-SHA1 for SRTP");
    return NULL;
  }
  return srtp;
}

void
whep_srtp_free (WhepSrtp * srtp)
{
  if (srtp == NULL)
    return;
  EVP_CIPHER_CTX_free (srtp->rtp.aes);
  EVP_CIPHER_CTX_free (srtp->rtcp.aes);
  /* the salts and the HMAC states are as secret as the keys */
  OPENSSL_cleanse (srtp, sizeof (*srtp));
  g_free (srtp);
}

/* ------------------------------------------------------------------------ */
/* Protecting                                                               */

static inline void
xor_be32 (guint8 * p, guint32 v)
{
  p[0] ^= (guint8) (v >> 24);
  p[1] ^= (guint8) (v >> 16);
  p[2] ^= (guint8) (v >> 8);
  p[3] ^= (guint8) v;
}

static inline void
put_be32 (guint8 * p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

/* The length of the header of the RTP packet @p (@len bytes: fixed part,
 * CSRCs, header extension), which SRTP leaves in the clear; 0 if @p is not
 * an RTP packet of version 2 or its header does not fit in @len. */
static inline gsize
rtp_header_len (const guint8 * p, gsize len)
{
  gsize header_len;

  if (len < RTP_HEADER_LEN || len > MAX_PACKET_LEN || (p[0] >> 6) != 2)
    return 0;
  header_len = RTP_HEADER_LEN + 4 * (gsize) (p[0] & 0x0f);
  if (p[0] & 0x10) {
    /* RFC 3550 5.3.1: profile-defined 16 bits, then the length in 32-bit
     * words, not counting these 4 bytes. */
    if (header_len + 4 > len)
      return 0;
    header_len += 4 + 4 * (((gsize) p[header_len + 2] << 8)
        | p[header_len + 3]);
  }
  return header_len <= len ? header_len : 0;
}

gsize
whep_srtp_protect_rtp (WhepSrtp * srtp, guint8 * packet, gsize len,
    guint32 roc)
{
  guint8 iv[SESSION_SALT_LEN];
  guint8 roc_be[4];
  guint8 mac[SHA_DIGEST_LENGTH];
  gsize header_len;

  g_return_val_if_fail (srtp != NULL, 0);
  g_return_val_if_fail (packet != NULL || len == 0, 0);

  header_len = rtp_header_len (packet, len);
  if (header_len == 0)
    return 0;

  /* RFC 3711 4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16),
   * with the 48-bit index i = ROC || SEQ.  Without its last 16 (zero) bits:
   * the salt, the SSRC XORed into bytes 4 to 7, ROC into 8 to 11 and SEQ
   * into 12 and 13.  SSRC and SEQ are big-endian in the packet already. */
  memcpy (iv, srtp->rtp.salt, sizeof (iv));
  iv[4] ^= packet[8];
  iv[5] ^= packet[9];
  iv[6] ^= packet[10];
  iv[7] ^= packet[11];
  xor_be32 (iv + 8, roc);
  iv[12] ^= packet[2];
  iv[13] ^= packet[3];

  if (!aes_cm_xor (srtp->rtp.aes, iv, packet + header_len, len - header_len))
    return 0;

  /* RFC 3711 4.2: the tag covers the header, the encrypted payload and
   * then the ROC, which is not sent. */
  put_be32 (roc_be, roc);
  hmac_sha1 (&srtp->rtp, packet, len, roc_be, sizeof (roc_be), mac);
  memcpy (packet + len, mac, srtp->rtp.tag_len);

  return len + srtp->rtp.tag_len;
}

gsize
whep_srtp_protect_rtcp (WhepSrtp * srtp, guint8 * packet, gsize len,
    guint32 srtcp_index)
{
  guint8 iv[SESSION_SALT_LEN];
  guint8 mac[SHA_DIGEST_LENGTH];
  guint8 *trailer;

  g_return_val_if_fail (srtp != NULL, 0);
  g_return_val_if_fail (packet != NULL || len == 0, 0);

  if (len < RTCP_CLEAR_LEN || len > MAX_PACKET_LEN
      || srtcp_index > SRTCP_MAX_INDEX)
    return 0;

  /* RFC 3711 4.1.1 and 3.4: as for RTP, with the SSRC of the first RTCP
   * packet and the SRTCP index (31 bits: bytes 10 to 13) as i. */
  memcpy (iv, srtp->rtcp.salt, sizeof (iv));
  iv[4] ^= packet[4];
  iv[5] ^= packet[5];
  iv[6] ^= packet[6];
  iv[7] ^= packet[7];
  xor_be32 (iv + 10, srtcp_index);

  if (!aes_cm_xor (srtp->rtcp.aes, iv, packet + RTCP_CLEAR_LEN,
          len - RTCP_CLEAR_LEN))
    return 0;

  /* RFC 3711 3.4: E flag (encrypted) and index follow the packet, and the
   * tag covers them too. */
  trailer = packet + len;
  put_be32 (trailer, SRTCP_E_FLAG | srtcp_index);
  hmac_sha1 (&srtp->rtcp, packet, len + SRTCP_TRAILER_LEN, NULL, 0, mac);
  memcpy (trailer + SRTCP_TRAILER_LEN, mac, srtp->rtcp.tag_len);

  return len + SRTCP_TRAILER_LEN + srtp->rtcp.tag_len;
}

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* WhepSrtp: the sending side of SRTP and SRTCP (RFC 3711) on OpenSSL's
 * libcrypto, for the shared send path.  One context is made from the
 * master key and salt that DTLS negotiated for our direction (what dtlsenc
 * calls "encoder-key": key then salt) and derives the session keys once.
 *
 * The caller knows each packet's rollover counter and SRTCP index (it
 * numbers the packets itself), so the context keeps no per-SSRC state: one
 * context can protect several SSRCs' packets.  Not thread-safe: one thread
 * at a time (the fan-out makes one per viewer and track).
 *
 * Profiles: AES_CM_128_HMAC_SHA1_80 (the only one webrtcbin 1.22
 * negotiates) and AES_CM_128_HMAC_SHA1_32.  Room is left for the AEAD
 * profiles of RFC 7714 (AES-GCM): they would be new values here. */
typedef struct _WhepSrtp WhepSrtp;

typedef enum
{
  WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80 = 1,
  WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_32 = 2,
} WhepSrtpProfile;

#define WHEP_SRTP_MASTER_KEY_LEN 16
#define WHEP_SRTP_MASTER_SALT_LEN 14
/* The most that protecting adds to an RTP packet (the 80-bit tag) and to
 * an RTCP packet (E flag and index, then an 80-bit tag: SRTCP always uses
 * 80 bits with these profiles). */
#define WHEP_SRTP_MAX_RTP_OVERHEAD 10
#define WHEP_SRTP_MAX_RTCP_OVERHEAD 14

#define WHEP_SRTP_ERROR (whep_srtp_error_quark ())
GQuark whep_srtp_error_quark (void);

typedef enum
{
  /* @key_and_salt is not WHEP_SRTP_MASTER_KEY_LEN +
   * WHEP_SRTP_MASTER_SALT_LEN bytes long */
  WHEP_SRTP_ERROR_KEY_LENGTH,
  /* not a WhepSrtpProfile this implementation knows */
  WHEP_SRTP_ERROR_PROFILE,
  /* libcrypto refused to set up AES-128 or SHA-1 (a provider without them) */
  WHEP_SRTP_ERROR_CRYPTO,
} WhepSrtpError;

/* @key_and_salt: WHEP_SRTP_MASTER_KEY_LEN + WHEP_SRTP_MASTER_SALT_LEN bytes.
 * Returns NULL (and sets @error in the WHEP_SRTP_ERROR domain) for another
 * length or an unknown profile.  The context keeps no copy of the master
 * key, only the session keys derived from it. */
WhepSrtp *whep_srtp_new (WhepSrtpProfile profile, const guint8 * key_and_salt,
    gsize len, GError ** error);
void whep_srtp_free (WhepSrtp * srtp);

/* Encrypts the payload of the RTP packet @packet (@len bytes, header
 * included, which stays clear) in place and appends the authentication tag.
 * @packet must have room for @len + WHEP_SRTP_MAX_RTP_OVERHEAD bytes.
 * @roc is the packet's rollover counter (its index is roc << 16 | seq).
 * Returns the protected length, or 0 if @packet is not a valid RTP packet
 * (shorter than its header: 12 bytes, the CSRCs and any header extension;
 * not version 2; or longer than 65535 bytes, more than any transport of RTP
 * carries), in which case @packet is left as it was. */
gsize whep_srtp_protect_rtp (WhepSrtp * srtp, guint8 * packet, gsize len,
    guint32 roc);

/* Encrypts the compound RTCP packet @packet (@len bytes; the first 8 stay
 * clear) in place and appends the E flag with the 31-bit @srtcp_index, then
 * the tag.  @packet must have room for @len + WHEP_SRTP_MAX_RTCP_OVERHEAD.
 * Each SRTCP packet of one SSRC needs a new index (0, 1, 2, ...; the SSRC
 * is the one in bytes 4 to 7, the first packet's sender).  Returns the
 * protected length, or 0 if @packet is shorter than 8 bytes or longer than
 * 65535, or if @srtcp_index does not fit in 31 bits (reusing an index would
 * reuse keystream, so there is no wrapping). */
gsize whep_srtp_protect_rtcp (WhepSrtp * srtp, guint8 * packet, gsize len,
    guint32 srtcp_index);

G_END_DECLS

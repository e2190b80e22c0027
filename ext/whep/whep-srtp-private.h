/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "whep-srtp.h"

G_BEGIN_DECLS

/* The two building blocks of whep-srtp.c, visible so that the unit test can
 * check them against the test vectors of RFC 3711 Appendix B (the public API
 * only shows their combination).  Not for other callers. */

/* AES-CM (RFC 3711 4.1.1) with the AES-128 key @key: XORs into @data (@len
 * bytes, at most 2^16 blocks of 16) the keystream whose first counter block
 * is @counter_prefix (14 bytes) followed by two zero bytes, the following
 * blocks counting up in those two bytes.  This is the code that encrypts
 * every packet.  Returns FALSE if libcrypto failed. */
gboolean whep_srtp_aes_cm (const guint8 * key, const guint8 * counter_prefix,
    guint8 * data, gsize len);

/* The key derivation of RFC 3711 4.3 with a key derivation rate of 0 (so
 * the packet index plays no part), for the AES-CM PRF: writes @len bytes
 * (at most 2^20) of the session key of label @label (0 to 5: RTP
 * encryption, authentication and salt, then the same for RTCP) to @out.
 * Returns FALSE if libcrypto failed. */
gboolean whep_srtp_derive (const guint8 * master_key,
    const guint8 * master_salt, guint8 label, guint8 * out, gsize len);

G_END_DECLS

/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* srtp-bench [SECONDS]: what SRTP costs per packet on this machine.
 *
 * Debian's libsrtp2 does its crypto through NSS.  This times srtp_protect()
 * (AES_CM_128_HMAC_SHA1_80, what webrtcbin negotiates with browsers and
 * pion) on packets of a video (1200 bytes) and an Opus (180 bytes) size, and
 * the same work done with OpenSSL's EVP (AES-128-CTR over the payload,
 * HMAC-SHA1 over header, payload and ROC, truncated to 80 bits): the cost an
 * OpenSSL build of libsrtp would have.  Prints one line per case. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
rtp_header (unsigned char *p, unsigned seq)
{
  p[0] = 0x80;
  p[1] = 96;
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  memset (p + 4, 0x11, 4);
  p[8] = 0xde;
  p[9] = 0xad;
  p[10] = 0xbe;
  p[11] = 0xef;
}

static double
bench_libsrtp (int payload, double seconds)
{
  unsigned char key[30], pkt[1500];
  srtp_policy_t policy;
  srtp_t ctx;
  unsigned long n = 0;
  double t0, t;

  memset (&policy, 0, sizeof (policy));
  memset (key, 0x42, sizeof (key));
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy.rtcp);
  policy.ssrc.type = ssrc_any_outbound;
  policy.key = key;
  policy.window_size = 128;
  if (srtp_create (&ctx, &policy) != srtp_err_status_ok) {
    fprintf (stderr, "srtp_create failed\n");
    exit (1);
  }
  t0 = now_s ();
  do {
    int i;

    for (i = 0; i < 1000; i++) {
      int len = 12 + payload;

      rtp_header (pkt, (unsigned) (n + i));
      memset (pkt + 12, (int) i, payload);
      if (srtp_protect (ctx, pkt, &len) != srtp_err_status_ok) {
        fprintf (stderr, "srtp_protect failed\n");
        exit (1);
      }
    }
    n += 1000;
    t = now_s ();
  } while (t - t0 < seconds);
  srtp_dealloc (ctx);
  return (t - t0) / n * 1e6;
}

static double
bench_openssl (int payload, double seconds)
{
  unsigned char key[16], salt[14], iv[16], pkt[1500], mac[20];
  unsigned long n = 0;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new ();
  HMAC_CTX *h;
  double t0, t;

  memset (key, 0x42, sizeof (key));
  memset (salt, 0x24, sizeof (salt));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  h = HMAC_CTX_new ();
  HMAC_Init_ex (h, key, 16, EVP_sha1 (), NULL);
  t0 = now_s ();
  do {
    int i;

    for (i = 0; i < 1000; i++) {
      int outl;
      unsigned maclen;
      unsigned char roc[4] = { 0 };

      rtp_header (pkt, (unsigned) (n + i));
      memset (pkt + 12, (int) i, payload);
      memset (iv, 0, sizeof (iv));
      memcpy (iv, salt, sizeof (salt));
      iv[13] ^= (unsigned char) i;
      EVP_EncryptInit_ex (c, EVP_aes_128_ctr (), NULL, key, iv);
      EVP_EncryptUpdate (c, pkt + 12, &outl, pkt + 12, payload);
      HMAC_Init_ex (h, NULL, 0, NULL, NULL);
      HMAC_Update (h, pkt, 12 + payload);
      HMAC_Update (h, roc, 4);
      HMAC_Final (h, mac, &maclen);
      memcpy (pkt + 12 + payload, mac, 10);
    }
    n += 1000;
    t = now_s ();
  } while (t - t0 < seconds);
  HMAC_CTX_free (h);
#pragma GCC diagnostic pop
  EVP_CIPHER_CTX_free (c);
  return (t - t0) / n * 1e6;
}

int
main (int argc, char **argv)
{
  double seconds = argc > 1 ? atof (argv[1]) : 1.0;
  int sizes[] = { 1200, 180 };
  unsigned i;

  srtp_init ();
  printf ("| packet payload | %s (NSS) µs/packet | OpenSSL EVP, same work, "
      "µs/packet | ratio |\n|---|---|---|---|\n", srtp_get_version_string ());
  for (i = 0; i < sizeof (sizes) / sizeof (sizes[0]); i++) {
    double a = bench_libsrtp (sizes[i], seconds);
    double b = bench_openssl (sizes[i], seconds);

    printf ("| %d bytes | %.2f | %.2f | %.1f× |\n", sizes[i], a, b, a / b);
  }
  srtp_shutdown ();
  return 0;
}

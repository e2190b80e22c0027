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
 * HMAC-SHA1 over header, payload and ROC, truncated to 80 bits, with the
 * AES key set again per packet): the cost an OpenSSL build of libsrtp would
 * have.  And whep_srtp_protect_rtp() (ext/whep/whep-srtp.c), what the shared
 * send path uses, after checking once that it gives the bytes libsrtp
 * gives.  Prints one line per case, in ns per packet. */
#include "whep-srtp.h"

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
  return (t - t0) / n * 1e9;
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
  return (t - t0) / n * 1e9;
}

static WhepSrtp *
whep_srtp_bench_new (void)
{
  unsigned char key[30];
  GError *error = NULL;
  WhepSrtp *srtp;

  memset (key, 0x42, sizeof (key));
  srtp = whep_srtp_new (WHEP_SRTP_PROFILE_AES128_CM_HMAC_SHA1_80, key,
      sizeof (key), &error);
  if (srtp == NULL) {
    fprintf (stderr, "whep_srtp_new failed: %s\n", error->message);
    exit (1);
  }
  return srtp;
}

static double
bench_whep_srtp (int payload, double seconds)
{
  unsigned char pkt[1500];
  unsigned long n = 0;
  WhepSrtp *srtp = whep_srtp_bench_new ();
  double t0, t;

  t0 = now_s ();
  do {
    int i;

    for (i = 0; i < 1000; i++) {
      unsigned seq = (unsigned) (n + i);

      rtp_header (pkt, seq);
      memset (pkt + 12, (int) i, payload);
      if (whep_srtp_protect_rtp (srtp, pkt, 12 + payload, seq >> 16) == 0) {
        fprintf (stderr, "whep_srtp_protect_rtp failed\n");
        exit (1);
      }
    }
    n += 1000;
    t = now_s ();
  } while (t - t0 < seconds);
  whep_srtp_free (srtp);
  return (t - t0) / n * 1e9;
}

/* A figure for a function that computes something else is worthless: one
 * packet through both first, compared byte for byte. */
static void
check_whep_srtp_against_libsrtp (void)
{
  unsigned char key[30], a[1500], b[1500];
  srtp_policy_t policy;
  srtp_t ctx;
  WhepSrtp *srtp = whep_srtp_bench_new ();
  int len_a = 12 + 1000;
  size_t len_b;

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
  rtp_header (a, 4242);
  memset (a + 12, 0x5a, 1000);
  memcpy (b, a, (size_t) len_a);
  len_b = whep_srtp_protect_rtp (srtp, b, (size_t) len_a, 0);
  if (srtp_protect (ctx, a, &len_a) != srtp_err_status_ok
      || len_b != (size_t) len_a || memcmp (a, b, len_b) != 0) {
    fprintf (stderr, "whep_srtp_protect_rtp differs from libsrtp\n");
    exit (1);
  }
  srtp_dealloc (ctx);
  whep_srtp_free (srtp);
}

int
main (int argc, char **argv)
{
  double seconds = argc > 1 ? atof (argv[1]) : 1.0;
  int sizes[] = { 1200, 180 };
  unsigned i;

  srtp_init ();
  check_whep_srtp_against_libsrtp ();
  printf ("| packet payload | %s (NSS) ns/packet | OpenSSL EVP, same work "
      "(AES re-keyed per packet), ns/packet | whep_srtp (OpenSSL), "
      "ns/packet | libsrtp / whep_srtp |\n|---|---|---|---|---|\n",
      srtp_get_version_string ());
  for (i = 0; i < sizeof (sizes) / sizeof (sizes[0]); i++) {
    double a = bench_libsrtp (sizes[i], seconds);
    double b = bench_openssl (sizes[i], seconds);
    double c = bench_whep_srtp (sizes[i], seconds);

    printf ("| %d bytes | %.0f | %.0f | %.0f | %.1f× |\n", sizes[i], a, b, c,
        a / c);
  }
  srtp_shutdown ();
  return 0;
}

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "whep-sdpfrag.h"

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                 */

/* RFC 9725 4.3.1, trickle ICE: the body of the example PATCH request, a
 * Chromium client's candidates (with its extension fields) for mid 0. */
static const gchar rfc9725_trickle[] =
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=mid:0\r\n"
    "a=ice-ufrag:EsAw\r\n"
    "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
    "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host "
    "generation 0 ufrag EsAw network-id 1\r\n"
    "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host "
    "generation 0 ufrag EsAw network-id 2\r\n"
    "a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host "
    "tcptype active generation 0 ufrag EsAw network-id 1\r\n"
    "a=candidate:2154773085 1 tcp 1518214911 198.51.100.2 9 typ host "
    "tcptype active generation 0 ufrag EsAw network-id 2\r\n"
    "a=end-of-candidates\r\n";

/* RFC 9725 4.3.2, ICE restart: the request, with new credentials (and the
 * old ufrag still in the candidates' extension fields, as in the RFC) ... */
static const gchar rfc9725_restart_request[] =
    "a=ice-options:trickle ice2\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=mid:0\r\n"
    "a=ice-ufrag:ysXw\r\n"
    "a=ice-pwd:vw5LmwG4y/e6dPP/zAP9Gp5k\r\n"
    "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host "
    "generation 0 ufrag EsAw network-id 1\r\n"
    "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host "
    "generation 0 ufrag EsAw network-id 2\r\n"
    "a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host "
    "tcptype active generation 0 ufrag EsAw network-id 1\r\n"
    "a=candidate:2154773085 1 tcp 1518214911 198.51.100.2 9 typ host "
    "tcptype active generation 0 ufrag EsAw network-id 2\r\n";

/* ... and the server's answer. */
static const gchar rfc9725_restart_response[] =
    "a=ice-lite\r\n"
    "a=ice-options:trickle ice2\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=mid:0\r\n"
    "a=ice-ufrag:289b31b754eaa438\r\n"
    "a=ice-pwd:0b66f472495ef0ccac7bda653ab6be49ea13114472a5d10a\r\n"
    "a=candidate:1 1 udp 2130706431 198.51.100.1 39132 typ host\r\n"
    "a=end-of-candidates\r\n";

/* RFC 8840 4.4's form: session-level credentials (RFC 8839's example
 * values), a placeholder "m=audio 9 RTP/AVP 0", RTP and RTCP components,
 * a server reflexive candidate with raddr / rport. */
static const gchar rfc8840_fragment[] =
    "a=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
    "a=ice-ufrag:8hhY\r\n"
    "m=audio 9 RTP/AVP 0\r\n"
    "a=mid:1\r\n"
    "a=candidate:1 1 UDP 1658497328 192.168.100.33 5000 typ host\r\n"
    "a=candidate:1 2 UDP 1658497328 192.168.100.33 5001 typ host\r\n"
    "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx "
    "raddr 192.168.100.33 rport 5000\r\n"
    "a=end-of-candidates\r\n";

/* A Chromium-based WHEP player trickling for two m-lines: the credentials
 * repeated in each m-section, an mDNS host candidate, network-cost. */
static const gchar chromium_fragment[] =
    "a=ice-ufrag:Zp3B\r\n"
    "a=ice-pwd:sJx8Yk6wmoRjGcLyXzVYzCUY\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=mid:0\r\n"
    "a=ice-ufrag:Zp3B\r\n"
    "a=ice-pwd:sJx8Yk6wmoRjGcLyXzVYzCUY\r\n"
    "a=candidate:2764135917 1 udp 2113937151 "
    "3b8a2c6e-6a7f-4e6b-9d2a-0c1e2f3a4b5c.local 54400 typ host "
    "generation 0 ufrag Zp3B network-cost 999\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "a=mid:1\r\n"
    "a=ice-ufrag:Zp3B\r\n"
    "a=ice-pwd:sJx8Yk6wmoRjGcLyXzVYzCUY\r\n"
    "a=candidate:842163049 1 udp 1677729535 203.0.113.7 61233 typ srflx "
    "raddr 0.0.0.0 rport 0 generation 0 ufrag Zp3B network-cost 999\r\n"
    "a=candidate:1998876812 1 tcp 1518280447 192.0.2.1 9 typ host "
    "tcptype active generation 0 ufrag Zp3B network-id 1\r\n";

/* Valid lines to build broken fragments from. */
#define UFRAG "a=ice-ufrag:EsAw\r\n"
#define PWD "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
#define MLINE "m=audio 9 RTP/AVP 0\r\n"
#define HOST_CANDIDATE "candidate:1 1 UDP 2130706431 192.0.2.1 5000 typ host"

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

static WhepSdpFrag *
parse_ok_len (const gchar * text, gsize len)
{
  GError *err = NULL;
  WhepSdpFrag *frag = whep_sdpfrag_parse (text, len, &err);

  fail_unless (frag != NULL, "fragment rejected: %s",
      err ? err->message : "?");
  fail_unless (err == NULL);
  fail_unless (frag->candidates != NULL);
  return frag;
}

static WhepSdpFrag *
parse_ok (const gchar * text)
{
  return parse_ok_len (text, strlen (text));
}

static void
assert_parse_error_len (const gchar * text, gsize len, const gchar * message)
{
  GError *err = NULL;
  WhepSdpFrag *frag = whep_sdpfrag_parse (text, len, &err);

  fail_unless (frag == NULL, "accepted: %s", text);
  fail_unless (err != NULL);
  fail_unless (g_error_matches (err, WHEP_SDPFRAG_ERROR,
          WHEP_SDPFRAG_ERROR_MALFORMED), "wrong error %s", err->message);
  fail_unless_equals_string (err->message, message);
  g_error_free (err);
}

static void
assert_parse_error (const gchar * text, const gchar * message)
{
  assert_parse_error_len (text, strlen (text), message);
}

static const WhepFragCandidate *
get_candidate (const WhepSdpFrag * frag, guint i)
{
  fail_unless (i < frag->candidates->len);
  return g_ptr_array_index (frag->candidates, i);
}

static void
assert_candidate (const WhepSdpFrag * frag, guint i, const gchar * mid,
    gint mline_index, const gchar * candidate)
{
  const WhepFragCandidate *cand = get_candidate (frag, i);

  fail_unless_equals_string (cand->mid, mid);
  fail_unless_equals_int (cand->mline_index, mline_index);
  fail_unless_equals_string (cand->candidate, candidate);
}

static WhepFragCandidate *
candidate_new (const gchar * mid, const gchar * candidate)
{
  WhepFragCandidate *cand = g_new0 (WhepFragCandidate, 1);

  cand->mid = g_strdup (mid);
  cand->mline_index = -1;
  cand->candidate = g_strdup (candidate);
  return cand;
}

static void
candidate_free (WhepFragCandidate * cand)
{
  g_free (cand->mid);
  g_free (cand->candidate);
  g_free (cand);
}

static GPtrArray *
candidates_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
}

/* @text with every "\r\n" replaced by "\n" */
static gchar *
lf_only (const gchar * text)
{
  gchar **lines = g_strsplit (text, "\r\n", -1);
  gchar *ret = g_strjoinv ("\n", lines);

  g_strfreev (lines);
  return ret;
}

/* The two fragments say the same. */
static void
assert_same_frag (const WhepSdpFrag * a, const WhepSdpFrag * b)
{
  guint i;

  fail_unless_equals_string (a->ice_ufrag, b->ice_ufrag);
  fail_unless_equals_string (a->ice_pwd, b->ice_pwd);
  fail_unless_equals_int (a->end_of_candidates, b->end_of_candidates);
  fail_unless_equals_int (a->candidates->len, b->candidates->len);
  for (i = 0; i < a->candidates->len; i++) {
    const WhepFragCandidate *ca = get_candidate (a, i);

    assert_candidate (b, i, ca->mid, ca->mline_index, ca->candidate);
  }
}

/* ------------------------------------------------------------------------ */
/* Parsing real fragments                                                   */

GST_START_TEST (test_parse_rfc9725_trickle)
{
  WhepSdpFrag *frag = parse_ok (rfc9725_trickle);

  fail_unless_equals_string (frag->ice_ufrag, "EsAw");
  fail_unless_equals_string (frag->ice_pwd, "P2uYro0UCOQ4zxjKXaWCBui1");
  fail_unless (frag->end_of_candidates);
  fail_unless_equals_int (frag->candidates->len, 4);
  assert_candidate (frag, 0, "0", 0,
      "candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host "
      "generation 0 ufrag EsAw network-id 1");
  assert_candidate (frag, 1, "0", 0,
      "candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host "
      "generation 0 ufrag EsAw network-id 2");
  assert_candidate (frag, 2, "0", 0,
      "candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host "
      "tcptype active generation 0 ufrag EsAw network-id 1");
  assert_candidate (frag, 3, "0", 0,
      "candidate:2154773085 1 tcp 1518214911 198.51.100.2 9 typ host "
      "tcptype active generation 0 ufrag EsAw network-id 2");
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

GST_START_TEST (test_parse_rfc9725_ice_restart)
{
  WhepSdpFrag *request = parse_ok (rfc9725_restart_request);
  WhepSdpFrag *response = parse_ok (rfc9725_restart_response);

  /* the new credentials, not the ufrag in the candidates' extensions */
  fail_unless_equals_string (request->ice_ufrag, "ysXw");
  fail_unless_equals_string (request->ice_pwd, "vw5LmwG4y/e6dPP/zAP9Gp5k");
  fail_if (request->end_of_candidates);
  fail_unless_equals_int (request->candidates->len, 4);
  assert_candidate (request, 3, "0", 0,
      "candidate:2154773085 1 tcp 1518214911 198.51.100.2 9 typ host "
      "tcptype active generation 0 ufrag EsAw network-id 2");

  fail_unless_equals_string (response->ice_ufrag, "289b31b754eaa438");
  fail_unless_equals_string (response->ice_pwd,
      "0b66f472495ef0ccac7bda653ab6be49ea13114472a5d10a");
  fail_unless (response->end_of_candidates);
  fail_unless_equals_int (response->candidates->len, 1);
  assert_candidate (response, 0, "0", 0,
      "candidate:1 1 udp 2130706431 198.51.100.1 39132 typ host");

  whep_sdpfrag_free (request);
  whep_sdpfrag_free (response);
}

GST_END_TEST;

GST_START_TEST (test_parse_rfc8840_fragment)
{
  WhepSdpFrag *frag = parse_ok (rfc8840_fragment);

  /* session-level credentials, before the m= line */
  fail_unless_equals_string (frag->ice_ufrag, "8hhY");
  fail_unless_equals_string (frag->ice_pwd, "asd88fgpdd777uzjYhagZg");
  fail_unless (frag->end_of_candidates);
  fail_unless_equals_int (frag->candidates->len, 3);
  assert_candidate (frag, 0, "1", 0,
      "candidate:1 1 UDP 1658497328 192.168.100.33 5000 typ host");
  assert_candidate (frag, 1, "1", 0,
      "candidate:1 2 UDP 1658497328 192.168.100.33 5001 typ host");
  assert_candidate (frag, 2, "1", 0,
      "candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx "
      "raddr 192.168.100.33 rport 5000");
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

GST_START_TEST (test_parse_chromium_fragment)
{
  WhepSdpFrag *frag = parse_ok (chromium_fragment);

  /* the same credentials three times are no conflict */
  fail_unless_equals_string (frag->ice_ufrag, "Zp3B");
  fail_unless_equals_string (frag->ice_pwd, "sJx8Yk6wmoRjGcLyXzVYzCUY");
  fail_if (frag->end_of_candidates);
  fail_unless_equals_int (frag->candidates->len, 3);
  assert_candidate (frag, 0, "0", 0,
      "candidate:2764135917 1 udp 2113937151 "
      "3b8a2c6e-6a7f-4e6b-9d2a-0c1e2f3a4b5c.local 54400 typ host "
      "generation 0 ufrag Zp3B network-cost 999");
  assert_candidate (frag, 1, "1", 1,
      "candidate:842163049 1 udp 1677729535 203.0.113.7 61233 typ srflx "
      "raddr 0.0.0.0 rport 0 generation 0 ufrag Zp3B network-cost 999");
  assert_candidate (frag, 2, "1", 1,
      "candidate:1998876812 1 tcp 1518280447 192.0.2.1 9 typ host "
      "tcptype active generation 0 ufrag Zp3B network-id 1");
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

/* End of candidates alone: what a client sends once gathering is over. */
GST_START_TEST (test_parse_end_of_candidates_only)
{
  WhepSdpFrag *frag = parse_ok ("a=end-of-candidates\r\n");

  fail_unless (frag->ice_ufrag == NULL);
  fail_unless (frag->ice_pwd == NULL);
  fail_unless (frag->end_of_candidates);
  fail_unless_equals_int (frag->candidates->len, 0);
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

GST_START_TEST (test_parse_candidates_before_any_mline)
{
  WhepSdpFrag *frag = parse_ok (UFRAG PWD
      "a=" HOST_CANDIDATE "\r\n"
      MLINE
      "a=mid:audio\r\n"
      "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx\r\n");

  fail_unless_equals_int (frag->candidates->len, 2);
  assert_candidate (frag, 0, NULL, -1, HOST_CANDIDATE);
  assert_candidate (frag, 1, "audio", 0,
      "candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx");
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

/* The a=mid of an m-section counts for all of its candidates, also those
 * before it; an m-section without a=mid gives its candidates no mid, but
 * still an index. */
GST_START_TEST (test_parse_mid_placement)
{
  WhepSdpFrag *frag = parse_ok (MLINE
      "a=" HOST_CANDIDATE "\r\n"
      "a=mid:v\r\n"
      MLINE
      "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx\r\n"
      MLINE
      "a=mid:x\r\n"
      "a=candidate:3 1 UDP 1694498815 192.0.2.4 45664 typ srflx\r\n");

  fail_unless_equals_int (frag->candidates->len, 3);
  assert_candidate (frag, 0, "v", 0, HOST_CANDIDATE);
  assert_candidate (frag, 1, NULL, 1,
      "candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx");
  assert_candidate (frag, 2, "x", 2,
      "candidate:3 1 UDP 1694498815 192.0.2.4 45664 typ srflx");
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

/* Media-level credentials in the first m-section that has them win; the
 * m-sections count from 0 also when the first has no candidates. */
GST_START_TEST (test_parse_media_level_credentials)
{
  WhepSdpFrag *frag = parse_ok (MLINE
      "a=mid:0\r\n"
      MLINE
      "a=mid:1\r\n"
      UFRAG PWD
      "a=" HOST_CANDIDATE "\r\n");

  fail_unless_equals_string (frag->ice_ufrag, "EsAw");
  fail_unless_equals_string (frag->ice_pwd, "P2uYro0UCOQ4zxjKXaWCBui1");
  fail_unless_equals_int (frag->candidates->len, 1);
  assert_candidate (frag, 0, "1", 1, HOST_CANDIDATE);
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

/* Credentials are optional, and each without the other is kept. */
GST_START_TEST (test_parse_partial_credentials)
{
  WhepSdpFrag *frag = parse_ok (UFRAG);

  fail_unless_equals_string (frag->ice_ufrag, "EsAw");
  fail_unless (frag->ice_pwd == NULL);
  fail_if (frag->end_of_candidates);
  whep_sdpfrag_free (frag);

  frag = parse_ok (PWD);
  fail_unless (frag->ice_ufrag == NULL);
  fail_unless_equals_string (frag->ice_pwd, "P2uYro0UCOQ4zxjKXaWCBui1");
  whep_sdpfrag_free (frag);

  frag = parse_ok (MLINE "a=mid:0\r\na=" HOST_CANDIDATE "\r\n");
  fail_unless (frag->ice_ufrag == NULL);
  fail_unless (frag->ice_pwd == NULL);
  fail_unless_equals_int (frag->candidates->len, 1);
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

GST_START_TEST (test_parse_unknown_attributes)
{
  WhepSdpFrag *frag = parse_ok ("a=ice-lite\r\n"
      "a=ice-options:trickle ice2\r\n"
      "a=group:BUNDLE 0\r\n"
      "a=extmap-allow-mixed\r\n"
      "a=x-whatever:with spaces: and colons\tand a tab\r\n"
      MLINE
      "a=mid:0\r\n"
      "a=rtcp-mux\r\n"
      "a=setup:actpass\r\n"
      "a=" HOST_CANDIDATE "\r\n");

  fail_unless (frag->ice_ufrag == NULL);
  fail_unless (frag->ice_pwd == NULL);
  fail_if (frag->end_of_candidates);
  fail_unless_equals_int (frag->candidates->len, 1);
  assert_candidate (frag, 0, "0", 0, HOST_CANDIDATE);
  whep_sdpfrag_free (frag);
}

GST_END_TEST;

GST_START_TEST (test_parse_line_ends)
{
  WhepSdpFrag *crlf = parse_ok (rfc9725_trickle);
  gchar *text = lf_only (rfc9725_trickle);
  WhepSdpFrag *frag;
  gchar *with_blanks;

  /* LF only */
  frag = parse_ok (text);
  assert_same_frag (crlf, frag);
  whep_sdpfrag_free (frag);

  /* no line end after the last line, with LF and with CRLF */
  frag = parse_ok_len (text, strlen (text) - 1);
  assert_same_frag (crlf, frag);
  whep_sdpfrag_free (frag);
  frag = parse_ok_len (rfc9725_trickle, strlen (rfc9725_trickle) - 2);
  assert_same_frag (crlf, frag);
  whep_sdpfrag_free (frag);

  /* blank lines anywhere, trailing white space, mixed line ends */
  with_blanks = g_strconcat ("\r\n\n \t\r\n", rfc9725_trickle, "\n\r\n  \n",
      NULL);
  frag = parse_ok (with_blanks);
  assert_same_frag (crlf, frag);
  whep_sdpfrag_free (frag);
  g_free (with_blanks);

  frag = parse_ok ("a=ice-ufrag:EsAw \t\r\n"
      "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\n"
      "a=" HOST_CANDIDATE "  \r\n" "a=end-of-candidates");
  fail_unless_equals_string (frag->ice_ufrag, "EsAw");
  fail_unless_equals_string (frag->ice_pwd, "P2uYro0UCOQ4zxjKXaWCBui1");
  assert_candidate (frag, 0, NULL, -1, HOST_CANDIDATE);
  fail_unless (frag->end_of_candidates);
  whep_sdpfrag_free (frag);

  g_free (text);
  whep_sdpfrag_free (crlf);
}

GST_END_TEST;

/* Exactly @len bytes are read: neither a NUL terminator is needed nor
 * anything after @len looked at. */
GST_START_TEST (test_parse_reads_len_bytes)
{
  static const gchar text[] = UFRAG "junk that is not SDP";
  gchar *unterminated = g_malloc (strlen (UFRAG));
  WhepSdpFrag *frag;

  frag = parse_ok_len (text, strlen (UFRAG));
  fail_unless_equals_string (frag->ice_ufrag, "EsAw");
  whep_sdpfrag_free (frag);

  /* under ASan, reading past the end would be caught */
  memcpy (unterminated, UFRAG, strlen (UFRAG));
  frag = parse_ok_len (unterminated, strlen (UFRAG));
  fail_unless_equals_string (frag->ice_ufrag, "EsAw");
  whep_sdpfrag_free (frag);
  g_free (unterminated);

  /* the ufrag cut short: 3 characters */
  assert_parse_error_len (text, strlen ("a=ice-ufrag:EsA"),
      "line 1: ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
}

GST_END_TEST;

GST_START_TEST (test_parse_credential_lengths)
{
  gchar *ufrag_256 = g_strnfill (256, 'u');
  gchar *pwd_256 = g_strnfill (256, 'p');
  gchar *text;
  WhepSdpFrag *frag;

  /* the limits themselves are fine */
  frag = parse_ok ("a=ice-ufrag:a+/9\r\na=ice-pwd:0123456789+/abcdefghij\r\n");
  fail_unless_equals_string (frag->ice_ufrag, "a+/9");
  fail_unless_equals_string (frag->ice_pwd, "0123456789+/abcdefghij");
  whep_sdpfrag_free (frag);

  text = g_strdup_printf ("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ufrag_256,
      pwd_256);
  frag = parse_ok (text);
  fail_unless_equals_string (frag->ice_ufrag, ufrag_256);
  fail_unless_equals_string (frag->ice_pwd, pwd_256);
  whep_sdpfrag_free (frag);
  g_free (text);

  /* one more is too long */
  text = g_strdup_printf ("a=ice-ufrag:%sx\r\n", ufrag_256);
  assert_parse_error (text,
      "line 1: ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
  g_free (text);
  text = g_strdup_printf (UFRAG "a=ice-pwd:%sx\r\n", pwd_256);
  assert_parse_error (text,
      "line 2: ice-pwd must be 22 to 256 characters of A-Z a-z 0-9 + /");
  g_free (text);

  g_free (ufrag_256);
  g_free (pwd_256);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Malformed fragments                                                      */

GST_START_TEST (test_parse_empty)
{
  assert_parse_error_len (NULL, 0, "fragment is empty");
  assert_parse_error ("", "fragment is empty");
  assert_parse_error ("\r\n", "fragment is empty");
  assert_parse_error ("\n\n  \t\r\n", "fragment is empty");
}

GST_END_TEST;

GST_START_TEST (test_parse_nul_byte)
{
  static const gchar text[] = UFRAG "\0" PWD;

  /* a C string reader would stop at the NUL and accept the ufrag */
  assert_parse_error_len (text, sizeof (text) - 1,
      "fragment contains a NUL byte");
  assert_parse_error_len ("\0", 1, "fragment contains a NUL byte");
}

GST_END_TEST;

GST_START_TEST (test_parse_not_attributes)
{
  /* whole SDP lines that are not a= or m= */
  assert_parse_error ("v=0\r\n" UFRAG, "line 1 is not an SDP attribute");
  assert_parse_error (UFRAG PWD "c=IN IP4 0.0.0.0\r\n",
      "line 3 is not an SDP attribute");
  assert_parse_error (UFRAG "\r\n\r\nhello\r\n",
      "line 4 is not an SDP attribute");
  /* {"candidate": ...} as JSON, or form data */
  assert_parse_error ("{\"candidate\":\"" HOST_CANDIDATE "\"}",
      "line 1 is not an SDP attribute");
  /* type letters are lower case, and start the line */
  assert_parse_error ("A=ice-ufrag:EsAw\r\n", "line 1 is not an SDP attribute");
  assert_parse_error (" a=ice-ufrag:EsAw\r\n",
      "line 1 is not an SDP attribute");
  assert_parse_error ("a =ice-ufrag:EsAw\r\n",
      "line 1 is not an SDP attribute");
  /* an attribute needs a name made of token characters */
  assert_parse_error (UFRAG "a=\r\n", "line 2 is not an SDP attribute");
  assert_parse_error ("a=:EsAw\r\n", "line 1 is not an SDP attribute");
  assert_parse_error ("a=ice ufrag:EsAw\r\n",
      "line 1 is not an SDP attribute");
  assert_parse_error ("a=ice(ufrag):EsAw\r\n",
      "line 1 is not an SDP attribute");
}

GST_END_TEST;

GST_START_TEST (test_parse_control_characters)
{
  /* a lone CR inside a line, as a line end of the wrong kind */
  assert_parse_error (UFRAG "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\ra=x\r\n",
      "line 2 contains a control character");
  assert_parse_error ("a=" HOST_CANDIDATE "\x1b[2J\r\n",
      "line 1 contains a control character");
  assert_parse_error ("a=x-attr:\x7f\r\n",
      "line 1 contains a control character");
}

GST_END_TEST;

GST_START_TEST (test_parse_bad_mlines)
{
  static const gchar *bad[] = {
    "m=audio",
    "m=audio 9",
    "m=audio 9 RTP/AVP",
    "m=audio 9 RTP/AVP 0  96",
    "m=audio  9 RTP/AVP 0",
    "m= 9 RTP/AVP 0",
    "m=audio x RTP/AVP 0",
    "m=audio -9 RTP/AVP 0",
    "m=audio 65536 RTP/AVP 0",
    "m=audio 9/0 RTP/AVP 0",
    "m=audio 9/ RTP/AVP 0",
    "m=audio 9 RTP//AVP 0",
    "m=audio 9 /AVP 0",
    "m=au:dio 9 RTP/AVP 0",
    "m=audio\t9\tRTP/AVP\t0",
    /* an empty port field: found by a fuzzer, it crashed the server */
    "m=audioD9  UP/TLS/RTP/SAVPF 0",
    "m=audio  RTP/AVP 0",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *text = g_strconcat (UFRAG, bad[i], "\r\n", NULL);

    assert_parse_error (text, "line 2 is not a valid m= line");
    g_free (text);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_good_mlines)
{
  static const gchar *good[] = {
    "m=audio 9 RTP/AVP 0",
    "m=video 0 UDP/TLS/RTP/SAVPF 96 97 98",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "m=audio 65535/2 RTP/AVP 0",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    gchar *text = g_strconcat (good[i], "\r\na=mid:m\r\na=" HOST_CANDIDATE,
        NULL);
    WhepSdpFrag *frag = parse_ok (text);

    assert_candidate (frag, 0, "m", 0, HOST_CANDIDATE);
    whep_sdpfrag_free (frag);
    g_free (text);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_bad_candidates)
{
  static const gchar *bad[] = {
    /* no value at all */
    "a=candidate",
    "a=candidate:",
    /* 7 fields: no candidate type, no port, or no "typ" */
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 5000 typ",
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 typ host",
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 5000 host",
    /* "typ" misspelt */
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 5000 type host",
    /* foundation: empty (leading space), a bad character, 33 characters */
    "a=candidate: 1 1 UDP 2130706431 192.0.2.1 5000 typ host",
    "a=candidate:a_b 1 UDP 2130706431 192.0.2.1 5000 typ host",
    "a=candidate:123456789012345678901234567890123 1 UDP 2130706431 "
        "192.0.2.1 5000 typ host",
    /* component: 0, 257, not a number */
    "a=candidate:1 0 UDP 2130706431 192.0.2.1 5000 typ host",
    "a=candidate:1 257 UDP 2130706431 192.0.2.1 5000 typ host",
    "a=candidate:1 rtp UDP 2130706431 192.0.2.1 5000 typ host",
    /* transport not a token */
    "a=candidate:1 1 U/DP 2130706431 192.0.2.1 5000 typ host",
    /* priority: 2^32, 11 digits, negative, not a number */
    "a=candidate:1 1 UDP 4294967296 192.0.2.1 5000 typ host",
    "a=candidate:1 1 UDP 00000000001 192.0.2.1 5000 typ host",
    "a=candidate:1 1 UDP -1 192.0.2.1 5000 typ host",
    "a=candidate:1 1 UDP high 192.0.2.1 5000 typ host",
    /* port: 65536, signed */
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 65536 typ host",
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 +5000 typ host",
    /* no address, two spaces where it should be */
    "a=candidate:1 1 UDP 2130706431  5000 typ host",
    /* two spaces before the address */
    "a=candidate:1 1 UDP 2130706431  192.0.2.1 5000 typ host",
    /* the candidate type not a token */
    "a=candidate:1 1 UDP 2130706431 192.0.2.1 5000 typ ho:st",
    /* tabs are not separators */
    "a=candidate:1\t1\tUDP\t2130706431\t192.0.2.1\t5000\ttyp\thost",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *text = g_strconcat (UFRAG PWD MLINE "a=mid:0\r\n", bad[i], "\r\n",
        NULL);

    assert_parse_error (text, "line 5: bad candidate line");
    g_free (text);
  }
}

GST_END_TEST;

/* The limits of the mandatory fields are accepted. */
GST_START_TEST (test_parse_candidate_limits)
{
  static const gchar *good[] = {
    "candidate:12345678901234567890123456789012 256 UDP 4294967295 "
        "192.0.2.1 65535 typ host",
    "candidate:+/ 1 tcp 0 2001:db8::1 0 typ relay raddr 192.0.2.1 rport 9",
    "candidate:1 1 UDP 1 host.example.net 1 TYP prflx",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    gchar *text = g_strconcat ("a=", good[i], "\r\n", NULL);
    WhepSdpFrag *frag = parse_ok (text);

    fail_unless_equals_int (frag->candidates->len, 1);
    assert_candidate (frag, 0, NULL, -1, good[i]);
    whep_sdpfrag_free (frag);
    g_free (text);
  }
}

GST_END_TEST;

GST_START_TEST (test_parse_bad_credentials)
{
  /* a short pwd: 21 characters */
  assert_parse_error (UFRAG "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCB\r\n",
      "line 2: ice-pwd must be 22 to 256 characters of A-Z a-z 0-9 + /");
  /* ufrag: 3 characters, empty, no value, a character outside ice-char */
  assert_parse_error ("a=ice-ufrag:EsA\r\n",
      "line 1: ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
  assert_parse_error ("a=ice-ufrag:\r\n",
      "line 1: ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
  assert_parse_error ("a=ice-ufrag\r\n",
      "line 1: ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
  assert_parse_error ("a=ice-ufrag:Es-Aw\r\n",
      "line 1: ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
  assert_parse_error ("a=ice-ufrag:EsAw EsAw\r\n",
      "line 1: ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
  /* pwd: "=" is base64, but not an ice-char */
  assert_parse_error ("a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1==\r\n",
      "line 1: ice-pwd must be 22 to 256 characters of A-Z a-z 0-9 + /");
}

GST_END_TEST;

GST_START_TEST (test_parse_conflicting_credentials)
{
  /* session level, then another ufrag in an m-section */
  assert_parse_error (UFRAG PWD MLINE "a=mid:0\r\n"
      "a=ice-ufrag:ysXw\r\n",
      "line 5: ice-ufrag differs from an earlier one");
  /* two m-sections with different credentials */
  assert_parse_error (MLINE "a=mid:0\r\n" UFRAG PWD
      MLINE "a=mid:1\r\n" UFRAG "a=ice-pwd:vw5LmwG4y/e6dPP/zAP9Gp5k\r\n",
      "line 8: ice-pwd differs from an earlier one");
  /* case matters */
  assert_parse_error (UFRAG "a=ice-ufrag:esaw\r\n",
      "line 2: ice-ufrag differs from an earlier one");
}

GST_END_TEST;

GST_START_TEST (test_parse_bad_mids)
{
  assert_parse_error (UFRAG "a=mid:0\r\n" MLINE,
      "line 2: a=mid before any m= line");
  assert_parse_error (MLINE "a=mid:\r\n", "line 2: bad a=mid");
  assert_parse_error (MLINE "a=mid\r\n", "line 2: bad a=mid");
  assert_parse_error (MLINE "a=mid:a b\r\n", "line 2: bad a=mid");
  assert_parse_error (MLINE "a=mid:0\r\na=" HOST_CANDIDATE "\r\na=mid:1\r\n",
      "line 4: second a=mid in one m= section");
}

GST_END_TEST;

/* The error of the first bad line is reported, with the right number. */
GST_START_TEST (test_parse_first_error_wins)
{
  assert_parse_error (UFRAG PWD "a=candidate:1 1 UDP\r\nhello\r\n",
      "line 3: bad candidate line");
  assert_parse_error ("\r\n\r\n\r\nhello\r\na=candidate:1\r\n",
      "line 4 is not an SDP attribute");
}

GST_END_TEST;

GST_START_TEST (test_free_null)
{
  whep_sdpfrag_free (NULL);
}

GST_END_TEST;

GST_START_TEST (test_autoptr)
{
  g_autoptr (WhepSdpFrag) frag = parse_ok (rfc9725_trickle);

  fail_unless_equals_int (frag->candidates->len, 4);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Building                                                                 */

GST_START_TEST (test_build_restart_answer)
{
  static const gchar *const mids[] = { "0", "1", NULL };
  GPtrArray *cands = candidates_new ();
  gchar *text;

  g_ptr_array_add (cands, candidate_new ("1",
          "candidate:2 1 UDP 2130706431 192.0.2.1 40001 typ host"));
  g_ptr_array_add (cands, candidate_new ("0",
          "candidate:1 1 UDP 2130706431 192.0.2.1 40000 typ host"));
  g_ptr_array_add (cands, candidate_new (NULL,
          "candidate:3 1 UDP 1694498815 203.0.113.9 40002 typ srflx "
          "raddr 192.0.2.1 rport 40000"));

  text = whep_sdpfrag_build ("289b31b754eaa438",
      "0b66f472495ef0ccac7bda653ab6be49ea13114472a5d10a", mids, cands, TRUE);
  fail_unless_equals_string (text,
      "a=ice-ufrag:289b31b754eaa438\r\n"
      "a=ice-pwd:0b66f472495ef0ccac7bda653ab6be49ea13114472a5d10a\r\n"
      "m=audio 9 RTP/AVP 0\r\n"
      "a=mid:0\r\n"
      "a=candidate:1 1 UDP 2130706431 192.0.2.1 40000 typ host\r\n"
      "a=candidate:3 1 UDP 1694498815 203.0.113.9 40002 typ srflx "
      "raddr 192.0.2.1 rport 40000\r\n"
      "m=audio 9 RTP/AVP 0\r\n"
      "a=mid:1\r\n"
      "a=candidate:2 1 UDP 2130706431 192.0.2.1 40001 typ host\r\n"
      "a=end-of-candidates\r\n");
  g_free (text);

  /* without end */
  text = whep_sdpfrag_build ("289b31b754eaa438",
      "0b66f472495ef0ccac7bda653ab6be49ea13114472a5d10a", mids, cands, FALSE);
  fail_unless (g_str_has_suffix (text,
          "a=candidate:2 1 UDP 2130706431 192.0.2.1 40001 typ host\r\n"));
  fail_if (strstr (text, "end-of-candidates") != NULL);
  g_free (text);

  g_ptr_array_unref (cands);
}

GST_END_TEST;

GST_START_TEST (test_build_without_candidates)
{
  static const gchar *const mids[] = { "video0", NULL };
  GPtrArray *empty = candidates_new ();
  gchar *text;

  text = whep_sdpfrag_build ("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1", mids, NULL,
      FALSE);
  fail_unless_equals_string (text,
      "a=ice-ufrag:EsAw\r\n"
      "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
      "m=audio 9 RTP/AVP 0\r\n" "a=mid:video0\r\n");
  g_free (text);

  text = whep_sdpfrag_build ("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1", mids, empty,
      TRUE);
  fail_unless_equals_string (text,
      "a=ice-ufrag:EsAw\r\n"
      "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
      "m=audio 9 RTP/AVP 0\r\n" "a=mid:video0\r\n" "a=end-of-candidates\r\n");
  g_free (text);

  /* nothing at all but end of candidates */
  text = whep_sdpfrag_build (NULL, NULL, NULL, NULL, TRUE);
  fail_unless_equals_string (text, "a=end-of-candidates\r\n");
  g_free (text);

  g_ptr_array_unref (empty);
}

GST_END_TEST;

/* Without m-sections, candidates go to session level; a candidate of a mid
 * that is not in the list is left out. */
GST_START_TEST (test_build_placement)
{
  static const gchar *const mids[] = { "0", NULL };
  GPtrArray *cands = candidates_new ();
  gchar *text;

  g_ptr_array_add (cands, candidate_new (NULL, HOST_CANDIDATE));
  g_ptr_array_add (cands, candidate_new ("9",
          "candidate:9 1 UDP 2130706431 192.0.2.9 9 typ host"));

  text = whep_sdpfrag_build ("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1", NULL, cands,
      FALSE);
  fail_unless_equals_string (text,
      "a=ice-ufrag:EsAw\r\n"
      "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n" "a=" HOST_CANDIDATE "\r\n");
  g_free (text);

  text = whep_sdpfrag_build ("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1", mids, cands,
      FALSE);
  fail_unless_equals_string (text,
      "a=ice-ufrag:EsAw\r\n"
      "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
      "m=audio 9 RTP/AVP 0\r\n" "a=mid:0\r\n" "a=" HOST_CANDIDATE "\r\n");
  g_free (text);

  g_ptr_array_unref (cands);
}

GST_END_TEST;

/* What we build, we parse back to the same. */
GST_START_TEST (test_build_round_trip)
{
  static const gchar *const mids[] = { "audio0", "video1", NULL };
  GPtrArray *cands = candidates_new ();
  WhepSdpFrag *frag;
  gchar *text;

  g_ptr_array_add (cands, candidate_new ("audio0",
          "candidate:1 1 UDP 2130706431 192.0.2.1 40000 typ host"));
  g_ptr_array_add (cands, candidate_new ("video1",
          "candidate:2 1 TCP 1518280447 192.0.2.1 9 typ host tcptype active"));
  g_ptr_array_add (cands, candidate_new ("video1",
          "candidate:3 1 UDP 16777215 198.51.100.4 50000 typ relay "
          "raddr 203.0.113.9 rport 40002 generation 0"));

  text = whep_sdpfrag_build ("ysXw", "vw5LmwG4y/e6dPP/zAP9Gp5k", mids, cands,
      TRUE);
  frag = parse_ok (text);
  fail_unless_equals_string (frag->ice_ufrag, "ysXw");
  fail_unless_equals_string (frag->ice_pwd, "vw5LmwG4y/e6dPP/zAP9Gp5k");
  fail_unless (frag->end_of_candidates);
  fail_unless_equals_int (frag->candidates->len, 3);
  assert_candidate (frag, 0, "audio0", 0,
      "candidate:1 1 UDP 2130706431 192.0.2.1 40000 typ host");
  assert_candidate (frag, 1, "video1", 1,
      "candidate:2 1 TCP 1518280447 192.0.2.1 9 typ host tcptype active");
  assert_candidate (frag, 2, "video1", 1,
      "candidate:3 1 UDP 16777215 198.51.100.4 50000 typ relay "
      "raddr 203.0.113.9 rport 40002 generation 0");
  whep_sdpfrag_free (frag);
  g_free (text);

  /* and without end of candidates */
  text = whep_sdpfrag_build ("ysXw", "vw5LmwG4y/e6dPP/zAP9Gp5k", mids, cands,
      FALSE);
  frag = parse_ok (text);
  fail_if (frag->end_of_candidates);
  fail_unless_equals_int (frag->candidates->len, 3);
  whep_sdpfrag_free (frag);
  g_free (text);

  g_ptr_array_unref (cands);
}

GST_END_TEST;

/* parse (build (parse (x))) == parse (x) for the real fragments, whose
 * candidates all have the mid of the first m-section or none. */
GST_START_TEST (test_parse_build_parse)
{
  static const gchar *fragments[] = {
    rfc9725_trickle, rfc9725_restart_request, rfc9725_restart_response,
    rfc8840_fragment,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (fragments); i++) {
    WhepSdpFrag *first = parse_ok (fragments[i]);
    const gchar *mids[2] = { get_candidate (first, 0)->mid, NULL };
    gchar *text = whep_sdpfrag_build (first->ice_ufrag, first->ice_pwd, mids,
        first->candidates, first->end_of_candidates);
    WhepSdpFrag *second = parse_ok (text);

    assert_same_frag (first, second);
    whep_sdpfrag_free (second);
    whep_sdpfrag_free (first);
    g_free (text);
  }
}

GST_END_TEST;

/* Nothing may end a line early. */
GST_START_TEST (test_build_rejects_line_ends)
{
  static const gchar *const mids[] = { "0", NULL };
  static const gchar *const bad_mids[] = { "0\r\nm=video", NULL };
  GPtrArray *cands = candidates_new ();
  gchar *text = NULL;

  ASSERT_CRITICAL_NOT_FATAL (text =
      whep_sdpfrag_build ("EsAw\r\na=x", NULL, mids, NULL, FALSE));
  fail_unless (text == NULL);
  ASSERT_CRITICAL_NOT_FATAL (text =
      whep_sdpfrag_build (NULL, "pwd\n", mids, NULL, FALSE));
  fail_unless (text == NULL);
  ASSERT_CRITICAL_NOT_FATAL (text =
      whep_sdpfrag_build (NULL, NULL, bad_mids, NULL, FALSE));
  fail_unless (text == NULL);

  g_ptr_array_add (cands, candidate_new ("0",
          HOST_CANDIDATE "\r\na=end-of-candidates"));
  ASSERT_CRITICAL_NOT_FATAL (text =
      whep_sdpfrag_build (NULL, NULL, mids, cands, FALSE));
  fail_unless (text == NULL);
  g_ptr_array_unref (cands);
}

GST_END_TEST;

static Suite *
whep_sdpfrag_suite (void)
{
  Suite *s = suite_create ("whep-sdpfrag");
  TCase *tc_parse = tcase_create ("parse");
  TCase *tc_malformed = tcase_create ("parse-malformed");
  TCase *tc_build = tcase_create ("build");

  suite_add_tcase (s, tc_parse);
  tcase_add_test (tc_parse, test_parse_rfc9725_trickle);
  tcase_add_test (tc_parse, test_parse_rfc9725_ice_restart);
  tcase_add_test (tc_parse, test_parse_rfc8840_fragment);
  tcase_add_test (tc_parse, test_parse_chromium_fragment);
  tcase_add_test (tc_parse, test_parse_end_of_candidates_only);
  tcase_add_test (tc_parse, test_parse_candidates_before_any_mline);
  tcase_add_test (tc_parse, test_parse_mid_placement);
  tcase_add_test (tc_parse, test_parse_media_level_credentials);
  tcase_add_test (tc_parse, test_parse_partial_credentials);
  tcase_add_test (tc_parse, test_parse_unknown_attributes);
  tcase_add_test (tc_parse, test_parse_line_ends);
  tcase_add_test (tc_parse, test_parse_reads_len_bytes);
  tcase_add_test (tc_parse, test_parse_credential_lengths);
  tcase_add_test (tc_parse, test_parse_good_mlines);
  tcase_add_test (tc_parse, test_parse_candidate_limits);
  tcase_add_test (tc_parse, test_free_null);
  tcase_add_test (tc_parse, test_autoptr);

  suite_add_tcase (s, tc_malformed);
  tcase_add_test (tc_malformed, test_parse_empty);
  tcase_add_test (tc_malformed, test_parse_nul_byte);
  tcase_add_test (tc_malformed, test_parse_not_attributes);
  tcase_add_test (tc_malformed, test_parse_control_characters);
  tcase_add_test (tc_malformed, test_parse_bad_mlines);
  tcase_add_test (tc_malformed, test_parse_bad_candidates);
  tcase_add_test (tc_malformed, test_parse_bad_credentials);
  tcase_add_test (tc_malformed, test_parse_conflicting_credentials);
  tcase_add_test (tc_malformed, test_parse_bad_mids);
  tcase_add_test (tc_malformed, test_parse_first_error_wins);

  suite_add_tcase (s, tc_build);
  tcase_add_test (tc_build, test_build_restart_answer);
  tcase_add_test (tc_build, test_build_without_candidates);
  tcase_add_test (tc_build, test_build_placement);
  tcase_add_test (tc_build, test_build_round_trip);
  tcase_add_test (tc_build, test_parse_build_parse);
  tcase_add_test (tc_build, test_build_rejects_line_ends);

  return s;
}

GST_CHECK_MAIN (whep_sdpfrag);

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "whep-http.h"

#define TOKEN "s3cr3t-T0ken_42"
#define SESSION_ID "0123456789abcdef0123456789abcdef"

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

static void
assert_cors (const gchar * origin, const gchar * const *allowed,
    const gchar * expected)
{
  gchar *value = whep_cors_allow_origin (origin, allowed);

  fail_unless_equals_string (value, expected);
  g_free (value);
}

static void
assert_link (const gchar * uri, const gchar * expected)
{
  gchar *link = whep_link_for_ice_server (uri);

  fail_unless (link != NULL, "no link for %s", uri);
  fail_unless_equals_string (link, expected);
  g_free (link);
}

static void
assert_no_link (const gchar * uri)
{
  gchar *link = whep_link_for_ice_server (uri);

  fail_unless (link == NULL, "%s gave %s", GST_STR_NULL (uri), link);
}

/* ------------------------------------------------------------------------ */
/* whep_bearer_token_matches()                                              */

GST_START_TEST (test_bearer_matches)
{
  fail_unless (whep_bearer_token_matches ("Bearer " TOKEN, TOKEN));
  /* the scheme in any case, any number of spaces after it */
  fail_unless (whep_bearer_token_matches ("bearer " TOKEN, TOKEN));
  fail_unless (whep_bearer_token_matches ("BEARER " TOKEN, TOKEN));
  fail_unless (whep_bearer_token_matches ("BeArEr   " TOKEN, TOKEN));
  /* white space after the field value is not part of it */
  fail_unless (whep_bearer_token_matches ("Bearer " TOKEN " \t", TOKEN));
  /* token68 characters */
  fail_unless (whep_bearer_token_matches ("Bearer a.b-c_d~e+f/g==",
          "a.b-c_d~e+f/g=="));
}

GST_END_TEST;

GST_START_TEST (test_bearer_wrong_token)
{
  /* the first byte, a middle byte, the last byte differ */
  fail_if (whep_bearer_token_matches ("Bearer t3cr3t-T0ken_42", TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer s3cr3t+T0ken_42", TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer s3cr3t-T0ken_43", TOKEN));
  /* the token is case-sensitive */
  fail_if (whep_bearer_token_matches ("Bearer S3CR3T-T0KEN_42", TOKEN));
  /* a prefix, the token and more, and the token twice */
  fail_if (whep_bearer_token_matches ("Bearer s3cr3t", TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer " TOKEN "x", TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer " TOKEN " " TOKEN, TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer " TOKEN TOKEN, TOKEN));
  /* white space inside does not go */
  fail_if (whep_bearer_token_matches ("Bearer  s3cr3t -T0ken_42", TOKEN));
}

GST_END_TEST;

GST_START_TEST (test_bearer_bad_header)
{
  fail_if (whep_bearer_token_matches (NULL, TOKEN));
  fail_if (whep_bearer_token_matches ("", TOKEN));
  fail_if (whep_bearer_token_matches (TOKEN, TOKEN));
  /* no or the wrong scheme */
  fail_if (whep_bearer_token_matches ("Basic " TOKEN, TOKEN));
  fail_if (whep_bearer_token_matches ("Bearers " TOKEN, TOKEN));
  fail_if (whep_bearer_token_matches ("Beare " TOKEN, TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer" TOKEN, TOKEN));
  fail_if (whep_bearer_token_matches (" Bearer " TOKEN, TOKEN));
  /* only SP separates the scheme */
  fail_if (whep_bearer_token_matches ("Bearer\t" TOKEN, TOKEN));
  /* no credentials */
  fail_if (whep_bearer_token_matches ("Bearer", TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer ", TOKEN));
  fail_if (whep_bearer_token_matches ("Bearer    ", TOKEN));
}

GST_END_TEST;

GST_START_TEST (test_bearer_no_token_never_matches)
{
  fail_if (whep_bearer_token_matches ("Bearer ", NULL));
  fail_if (whep_bearer_token_matches ("Bearer ", ""));
  fail_if (whep_bearer_token_matches ("Bearer x", ""));
  fail_if (whep_bearer_token_matches ("Bearer (null)", NULL));
  fail_if (whep_bearer_token_matches (NULL, NULL));
  fail_if (whep_bearer_token_matches (NULL, ""));
  fail_if (whep_bearer_token_matches ("", ""));
}

GST_END_TEST;

/* Past the end of the shorter string, bytes are compared with 0: the
 * lengths must count as well. */
GST_START_TEST (test_bearer_lengths)
{
  fail_unless (whep_bearer_token_matches ("Bearer x", "x"));
  fail_if (whep_bearer_token_matches ("Bearer x", "xx"));
  fail_if (whep_bearer_token_matches ("Bearer xx", "x"));
  /* non-ASCII bytes take part like any other */
  fail_unless (whep_bearer_token_matches ("Bearer \xc3\xa9t\xc3\xa9",
          "\xc3\xa9t\xc3\xa9"));
  fail_if (whep_bearer_token_matches ("Bearer \xc3\xa9t\xc3\xa8",
          "\xc3\xa9t\xc3\xa9"));
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_cors_allow_origin()                                                 */

GST_START_TEST (test_cors_any)
{
  static const gchar *const none[] = { NULL };
  static const gchar *const star[] = { "https://a.example", "*", NULL };

  assert_cors ("https://player.example", NULL, "*");
  assert_cors (NULL, NULL, "*");
  assert_cors ("https://player.example", none, "*");
  assert_cors (NULL, none, "*");
  /* "*" in the list is any origin, with or without one */
  assert_cors ("https://player.example", star, "*");
  assert_cors ("https://a.example", star, "*");
  assert_cors (NULL, star, "*");
}

GST_END_TEST;

GST_START_TEST (test_cors_listed)
{
  static const gchar *const allowed[] = {
    "https://player.example",
    "http://localhost:8080",
    "http://[::1]:8080",
    NULL
  };

  assert_cors ("https://player.example", allowed, "https://player.example");
  assert_cors ("http://localhost:8080", allowed, "http://localhost:8080");
  assert_cors ("http://[::1]:8080", allowed, "http://[::1]:8080");
}

GST_END_TEST;

GST_START_TEST (test_cors_not_listed)
{
  static const gchar *const allowed[] = {
    "https://player.example",
    "http://localhost:8080",
    NULL
  };

  /* no Origin: not a browser, nothing to allow */
  assert_cors (NULL, allowed, NULL);
  assert_cors ("", allowed, NULL);
  /* another scheme, port, host */
  assert_cors ("http://player.example", allowed, NULL);
  assert_cors ("https://player.example:8443", allowed, NULL);
  assert_cors ("http://localhost", allowed, NULL);
  assert_cors ("http://localhost:8081", allowed, NULL);
  assert_cors ("https://other.example", allowed, NULL);
  /* look-alikes: a longer host, a prefix, a path, another case */
  assert_cors ("https://player.example.evil.test", allowed, NULL);
  assert_cors ("https://evil-player.example", allowed, NULL);
  assert_cors ("https://player.exampl", allowed, NULL);
  assert_cors ("https://player.example/", allowed, NULL);
  assert_cors ("https://Player.example", allowed, NULL);
  assert_cors ("HTTPS://player.example", allowed, NULL);
  /* the opaque origin of sandboxed frames and file:// pages */
  assert_cors ("null", allowed, NULL);
  assert_cors ("*", allowed, NULL);
}

GST_END_TEST;

/* An empty entry, as a list split from "a,,b" has, allows nothing. */
GST_START_TEST (test_cors_empty_entry)
{
  static const gchar *const allowed[] = {
    "https://player.example", "", NULL
  };

  assert_cors ("", allowed, NULL);
  assert_cors (NULL, allowed, NULL);
  assert_cors ("https://player.example", allowed, "https://player.example");
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_link_for_ice_server()                                               */

GST_START_TEST (test_link_stun)
{
  assert_link ("stun://stun.l.google.com:19302",
      "<stun:stun.l.google.com:19302>; rel=\"ice-server\"");
  assert_link ("stun://stun.example.net",
      "<stun:stun.example.net>; rel=\"ice-server\"");
  assert_link ("stun://192.0.2.1:3478",
      "<stun:192.0.2.1:3478>; rel=\"ice-server\"");
  assert_link ("stun://[2001:db8::1]:3478",
      "<stun:[2001:db8::1]:3478>; rel=\"ice-server\"");
  assert_link ("STUN://stun.example.net:3478",
      "<stun:stun.example.net:3478>; rel=\"ice-server\"");
  assert_link ("stuns://stun.example.net:5349",
      "<stuns:stun.example.net:5349>; rel=\"ice-server\"");
}

GST_END_TEST;

GST_START_TEST (test_link_turn)
{
  assert_link ("turn://user:pass@turn.example.net:3478",
      "<turn:turn.example.net:3478>; rel=\"ice-server\"; username=\"user\"; "
      "credential=\"pass\"; credential-type=\"password\"");
  assert_link ("turns://user:pass@turn.example.net:5349",
      "<turns:turn.example.net:5349>; rel=\"ice-server\"; username=\"user\"; "
      "credential=\"pass\"; credential-type=\"password\"");
  assert_link ("turn://user:pass@turn.example.net",
      "<turn:turn.example.net>; rel=\"ice-server\"; username=\"user\"; "
      "credential=\"pass\"; credential-type=\"password\"");
  assert_link ("turn://user:pass@[2001:db8::2]:3478",
      "<turn:[2001:db8::2]:3478>; rel=\"ice-server\"; username=\"user\"; "
      "credential=\"pass\"; credential-type=\"password\"");
  /* a transport is kept, in lower case */
  assert_link ("turn://user:pass@turn.example.net:3478?transport=tcp",
      "<turn:turn.example.net:3478?transport=tcp>; rel=\"ice-server\"; "
      "username=\"user\"; credential=\"pass\"; credential-type=\"password\"");
  assert_link ("TURN://user:pass@turn.example.net:3478?Transport=UDP",
      "<turn:turn.example.net:3478?transport=udp>; rel=\"ice-server\"; "
      "username=\"user\"; credential=\"pass\"; credential-type=\"password\"");
}

GST_END_TEST;

/* User name and password are percent-decoded, then quoted. */
GST_START_TEST (test_link_turn_credentials)
{
  /* a TURN REST API user name (RFC 8489 style "expiry:user") and a base64
   * password */
  assert_link ("turn://1767225600%3Aalice:pZ%2Bq9%2Fx8Jk%3D@turn.example.net",
      "<turn:turn.example.net>; rel=\"ice-server\"; "
      "username=\"1767225600:alice\"; credential=\"pZ+q9/x8Jk=\"; "
      "credential-type=\"password\"");
  /* quotes and backslashes are escaped, "@" and spaces decoded */
  assert_link ("turn://say%20%22hi%22:back%5Cslash%40home@turn.example.net",
      "<turn:turn.example.net>; rel=\"ice-server\"; "
      "username=\"say \\\"hi\\\"\"; credential=\"back\\\\slash@home\"; "
      "credential-type=\"password\"");
  /* UTF-8 goes through */
  assert_link ("turn://j%C3%B6rg:pw@turn.example.net",
      "<turn:turn.example.net>; rel=\"ice-server\"; "
      "username=\"j\xc3\xb6rg\"; credential=\"pw\"; "
      "credential-type=\"password\"");
}

GST_END_TEST;

/* RFC 7064 / RFC 7065 URIs, as browsers take them in RTCIceServer. */
GST_START_TEST (test_link_rfc_forms)
{
  assert_link ("stun:stun.example.net",
      "<stun:stun.example.net>; rel=\"ice-server\"");
  assert_link ("stun:stun.example.net:3478",
      "<stun:stun.example.net:3478>; rel=\"ice-server\"");
  assert_link ("stuns:stun.example.net:5349",
      "<stuns:stun.example.net:5349>; rel=\"ice-server\"");
  assert_link ("stun:[2001:db8::1]",
      "<stun:[2001:db8::1]>; rel=\"ice-server\"");
  assert_link ("turn:turn.example.net",
      "<turn:turn.example.net>; rel=\"ice-server\"");
  assert_link ("turn:turn.example.net?transport=udp",
      "<turn:turn.example.net?transport=udp>; rel=\"ice-server\"");
  assert_link ("turns:turn.example.net:5349?transport=tcp",
      "<turns:turn.example.net:5349?transport=tcp>; rel=\"ice-server\"");
}

GST_END_TEST;

GST_START_TEST (test_link_not_ice_servers)
{
  assert_no_link (NULL);
  assert_no_link ("");
  assert_no_link ("stun");
  assert_no_link ("stun.example.net:3478");
  assert_no_link ("http://stun.example.net");
  assert_no_link ("https://turn.example.net:443");
  assert_no_link ("stunx://stun.example.net");
  /* no host */
  assert_no_link ("stun://");
  assert_no_link ("stun:");
  assert_no_link ("stun://:3478");
  assert_no_link ("turn://user:pass@:3478");
  /* bad ports */
  assert_no_link ("stun://stun.example.net:0");
  assert_no_link ("stun://stun.example.net:65536");
  assert_no_link ("stun://stun.example.net:http");
  /* a path or a fragment */
  assert_no_link ("stun://stun.example.net/");
  assert_no_link ("stun://stun.example.net:3478/x");
  assert_no_link ("stun://stun.example.net#x");
}

GST_END_TEST;

GST_START_TEST (test_link_bad_credentials)
{
  /* STUN takes none */
  assert_no_link ("stun://user:pass@stun.example.net");
  assert_no_link ("stun://user@stun.example.net");
  assert_no_link ("stun://:pass@stun.example.net");
  assert_no_link ("stuns:user:pass@stun.example.net");
  /* TURN needs both */
  assert_no_link ("turn://user@turn.example.net");
  assert_no_link ("turn://user:@turn.example.net");
  assert_no_link ("turn://:pass@turn.example.net");
  assert_no_link ("turn://@turn.example.net");
  /* escapes that do not decode, or decode to NUL */
  assert_no_link ("turn://user:pa%zzss@turn.example.net");
  assert_no_link ("turn://user:pa%00ss@turn.example.net");
  /* control characters: a CRLF would end the header */
  assert_no_link ("turn://user:pass%0D%0ALocation:%20x@turn.example.net");
  assert_no_link ("turn://us%0Aer:pass@turn.example.net");
  assert_no_link ("turn://user:pa%7Fss@turn.example.net");
}

GST_END_TEST;

GST_START_TEST (test_link_bad_query)
{
  /* STUN URIs have no query */
  assert_no_link ("stun://stun.example.net?transport=udp");
  assert_no_link ("stun:stun.example.net?transport=udp");
  /* RFC 7065: udp or tcp, and nothing else */
  assert_no_link ("turn://u:p@turn.example.net?transport=sctp");
  assert_no_link ("turn://u:p@turn.example.net?transport=");
  assert_no_link ("turn://u:p@turn.example.net?transport");
  assert_no_link ("turn://u:p@turn.example.net?");
  assert_no_link ("turn://u:p@turn.example.net?foo=bar");
  assert_no_link ("turn://u:p@turn.example.net?transport=udp&foo=bar");
  assert_no_link ("turn://u:p@turn.example.net?transport=udp&transport=tcp");
  assert_no_link ("turn://u:p@turn.example.net?transport=udp%00");
}

GST_END_TEST;

/* Nothing of the URI may break out of the <> or add parameters. */
GST_START_TEST (test_link_no_injection)
{
  assert_no_link ("stun://stun.example.net>; rel=\"x\"");
  assert_no_link ("stun://stun.example.net;rel=x");
  assert_no_link ("stun://stun.example.net,evil.test");
  /* percent-encoded, a host name is still what it decodes to */
  assert_no_link ("stun://stun.example.net%3E;rel=x");
  assert_no_link ("stun://stun.example.net%0D%0AX-Evil:%201");
  assert_no_link ("stun://stun.example.net\r\nX-Evil: 1");
  assert_no_link ("stun://stun example.net");
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* whep_etag_for_ice()                                                      */

GST_START_TEST (test_etag_value)
{
  gchar *etag = whep_etag_for_ice (SESSION_ID, "EsAw");

  /* python3 -c 'import hashlib; print(hashlib.sha256(
   *     b"0123456789abcdef0123456789abcdef:EsAw").hexdigest()[:16])' */
  fail_unless_equals_string (etag, "\"715bb45361d7d226\"");
  g_free (etag);

  etag = whep_etag_for_ice (SESSION_ID, "ysXw");
  fail_unless_equals_string (etag, "\"ba698594a9c3eb84\"");
  g_free (etag);
}

GST_END_TEST;

GST_START_TEST (test_etag_changes)
{
  gchar *a = whep_etag_for_ice (SESSION_ID, "EsAw");
  gchar *again = whep_etag_for_ice (SESSION_ID, "EsAw");
  gchar *restarted = whep_etag_for_ice (SESSION_ID, "ysXw");
  gchar *other = whep_etag_for_ice ("fedcba9876543210fedcba9876543210",
      "EsAw");

  /* a strong entity tag: a quoted string, no W/ */
  fail_unless_equals_int (strlen (a), 18);
  fail_unless (a[0] == '"' && a[17] == '"');
  fail_unless_equals_int (strspn (a + 1, "0123456789abcdef"), 16);

  fail_unless_equals_string (a, again);
  fail_if (g_str_equal (a, restarted));
  fail_if (g_str_equal (a, other));

  g_free (a);
  g_free (again);
  g_free (restarted);
  g_free (other);
}

GST_END_TEST;

GST_START_TEST (test_etag_null)
{
  gchar *etag = NULL;

  ASSERT_CRITICAL_NOT_FATAL (etag = whep_etag_for_ice (NULL, "EsAw"));
  fail_unless (etag == NULL);
  ASSERT_CRITICAL_NOT_FATAL (etag = whep_etag_for_ice (SESSION_ID, NULL));
  fail_unless (etag == NULL);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Session URLs behind a load balancer                                      */

GST_START_TEST (test_instance_id_valid)
{
  gchar *long_id = g_strnfill (64, 'a');
  gchar *too_long = g_strnfill (65, 'a');

  fail_unless (whep_instance_id_is_valid ("a"));
  fail_unless (whep_instance_id_is_valid ("whep-1.eu_west~2"));
  fail_unless (whep_instance_id_is_valid (long_id));
  fail_if (whep_instance_id_is_valid (too_long));
  fail_if (whep_instance_id_is_valid (NULL));
  fail_if (whep_instance_id_is_valid (""));
  fail_if (whep_instance_id_is_valid ("."));
  fail_if (whep_instance_id_is_valid (".."));
  fail_if (whep_instance_id_is_valid ("a/b"));
  fail_if (whep_instance_id_is_valid ("a b"));
  fail_if (whep_instance_id_is_valid ("a%2Fb"));
  fail_if (whep_instance_id_is_valid ("caf\xc3\xa9"));
  g_free (long_id);
  g_free (too_long);
}

GST_END_TEST;

GST_START_TEST (test_public_url_valid)
{
  fail_unless (whep_public_url_is_valid ("http://lb.example"));
  fail_unless (whep_public_url_is_valid ("https://lb.example:8443/live/"));
  fail_unless (whep_public_url_is_valid ("HTTPS://198.18.0.1:80"));
  fail_unless (whep_public_url_is_valid ("http://[2001:db8::1]:8080/x"));
  fail_if (whep_public_url_is_valid (NULL));
  fail_if (whep_public_url_is_valid (""));
  fail_if (whep_public_url_is_valid ("/whep"));
  fail_if (whep_public_url_is_valid ("lb.example:80"));
  fail_if (whep_public_url_is_valid ("ftp://lb.example/"));
  fail_if (whep_public_url_is_valid ("http:///nohost"));
  fail_if (whep_public_url_is_valid ("https://user:pw@lb.example/"));
  fail_if (whep_public_url_is_valid ("https://lb.example/?a=b"));
  fail_if (whep_public_url_is_valid ("https://lb.example/#top"));
}

GST_END_TEST;

GST_START_TEST (test_public_resource_url)
{
  gchar *url;

  url = whep_public_resource_url (NULL, "/whep/a/0123");
  fail_unless_equals_string (url, "/whep/a/0123");
  g_free (url);
  url = whep_public_resource_url ("", "/whep");
  fail_unless_equals_string (url, "/whep");
  g_free (url);
  url = whep_public_resource_url ("https://lb.example", "/whep/a/0123");
  fail_unless_equals_string (url, "https://lb.example/whep/a/0123");
  g_free (url);
  /* a trailing slash is not doubled; a prefix is kept */
  url = whep_public_resource_url ("https://lb.example:8443/live//", "/whep");
  fail_unless_equals_string (url, "https://lb.example:8443/live/whep");
  g_free (url);
}

GST_END_TEST;

GST_START_TEST (test_session_base_path)
{
  gchar *base;

  base = whep_session_base_path ("/whep", NULL);
  fail_unless_equals_string (base, "/whep");
  g_free (base);
  base = whep_session_base_path ("/whep", "");
  fail_unless_equals_string (base, "/whep");
  g_free (base);
  base = whep_session_base_path ("/cam1/whep", "node-2");
  fail_unless_equals_string (base, "/cam1/whep/node-2");
  g_free (base);
}

GST_END_TEST;

GST_START_TEST (test_session_route_without_instance)
{
  const gchar *id = (const gchar *) 0x1;

  fail_unless_equals_int (whep_session_route (SESSION_ID, NULL, &id),
      WHEP_SESSION_ROUTE_OWN);
  fail_unless_equals_string (id, SESSION_ID);
  fail_unless_equals_int (whep_session_route (SESSION_ID, "", &id),
      WHEP_SESSION_ROUTE_OWN);
  /* a session URL of an instance: not ours, we have none */
  fail_unless_equals_int (whep_session_route ("b/" SESSION_ID, NULL, &id),
      WHEP_SESSION_ROUTE_OTHER);
  fail_unless (id == NULL);
  fail_unless_equals_int (whep_session_route ("", NULL, &id),
      WHEP_SESSION_ROUTE_NONE);
  fail_unless_equals_int (whep_session_route (NULL, NULL, &id),
      WHEP_SESSION_ROUTE_NONE);
}

GST_END_TEST;

GST_START_TEST (test_session_route_with_instance)
{
  const gchar *id = NULL;

  fail_unless_equals_int (whep_session_route ("a/" SESSION_ID, "a", &id),
      WHEP_SESSION_ROUTE_OWN);
  fail_unless_equals_string (id, SESSION_ID);
  fail_unless_equals_int (whep_session_route ("b/" SESSION_ID, "a", &id),
      WHEP_SESSION_ROUTE_OTHER);
  fail_unless (id == NULL);
  /* a prefix of our id is another instance */
  fail_unless_equals_int (whep_session_route ("node-1/" SESSION_ID,
          "node-12", &id), WHEP_SESSION_ROUTE_OTHER);
  /* our sessions always carry the instance id */
  fail_unless_equals_int (whep_session_route (SESSION_ID, "a", &id),
      WHEP_SESSION_ROUTE_NONE);
  fail_unless_equals_int (whep_session_route ("a/", "a", &id),
      WHEP_SESSION_ROUTE_NONE);
  fail_unless_equals_int (whep_session_route ("/" SESSION_ID, "a", &id),
      WHEP_SESSION_ROUTE_NONE);
  fail_unless_equals_int (whep_session_route ("a/b/" SESSION_ID, "a", &id),
      WHEP_SESSION_ROUTE_NONE);
  fail_unless_equals_int (whep_session_route ("../" SESSION_ID, "a", &id),
      WHEP_SESSION_ROUTE_NONE);
  fail_unless_equals_int (whep_session_route ("x%2F/" SESSION_ID, "a", &id),
      WHEP_SESSION_ROUTE_NONE);
}

GST_END_TEST;

static Suite *
whep_http_suite (void)
{
  Suite *s = suite_create ("whep-http");
  TCase *tc_bearer = tcase_create ("bearer");
  TCase *tc_cors = tcase_create ("cors");
  TCase *tc_link = tcase_create ("link");
  TCase *tc_etag = tcase_create ("etag");
  TCase *tc_urls = tcase_create ("urls");

  suite_add_tcase (s, tc_bearer);
  tcase_add_test (tc_bearer, test_bearer_matches);
  tcase_add_test (tc_bearer, test_bearer_wrong_token);
  tcase_add_test (tc_bearer, test_bearer_bad_header);
  tcase_add_test (tc_bearer, test_bearer_no_token_never_matches);
  tcase_add_test (tc_bearer, test_bearer_lengths);

  suite_add_tcase (s, tc_cors);
  tcase_add_test (tc_cors, test_cors_any);
  tcase_add_test (tc_cors, test_cors_listed);
  tcase_add_test (tc_cors, test_cors_not_listed);
  tcase_add_test (tc_cors, test_cors_empty_entry);

  suite_add_tcase (s, tc_link);
  tcase_add_test (tc_link, test_link_stun);
  tcase_add_test (tc_link, test_link_turn);
  tcase_add_test (tc_link, test_link_turn_credentials);
  tcase_add_test (tc_link, test_link_rfc_forms);
  tcase_add_test (tc_link, test_link_not_ice_servers);
  tcase_add_test (tc_link, test_link_bad_credentials);
  tcase_add_test (tc_link, test_link_bad_query);
  tcase_add_test (tc_link, test_link_no_injection);

  suite_add_tcase (s, tc_etag);
  tcase_add_test (tc_etag, test_etag_value);
  tcase_add_test (tc_etag, test_etag_changes);
  tcase_add_test (tc_etag, test_etag_null);

  suite_add_tcase (s, tc_urls);
  tcase_add_test (tc_urls, test_instance_id_valid);
  tcase_add_test (tc_urls, test_public_url_valid);
  tcase_add_test (tc_urls, test_public_resource_url);
  tcase_add_test (tc_urls, test_session_base_path);
  tcase_add_test (tc_urls, test_session_route_without_instance);
  tcase_add_test (tc_urls, test_session_route_with_instance);

  return s;
}

GST_CHECK_MAIN (whep_http);

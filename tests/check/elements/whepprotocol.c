/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The WHEP protocol over real HTTP: every status code and header the
 * endpoint and session resources answer with, authentication, CORS, TLS,
 * limits, trickle ICE, and a battery of hostile requests while a viewer
 * plays on. */
#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <string.h>

#include "whep-test-client.h"
#include "whep-test-server.h"

#define VIDEO_TS \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! " \
  "mpegtsmux ! "

#define offer whep_test_offer_without_peer

#define TRICKLE "application/trickle-ice-sdpfrag"

static const gchar trickle[] =
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "m=video 9 RTP/AVP 0\r\na=mid:0\r\n"
    "a=candidate:1 1 UDP 2122260223 127.0.0.1 51000 typ host\r\n"
    "a=end-of-candidates\r\n";


typedef WhepTestReply Reply;
#define request whep_test_request
#define header whep_test_reply_header
#define reply_free whep_test_reply_free

static gboolean
header_has (Reply * r, const gchar * name, const gchar * token)
{
  const gchar *value = r->headers ? soup_message_headers_get_list (r->headers,
      name) : NULL;

  return value && strstr (value, token) != NULL;
}

static gchar *
session_url (WhepTestServer * s, Reply * created)
{
  return g_strconcat (s->base, header (created, "Location"), NULL);
}

/* ---------------------------------------------------------------------- */
/* Resources and methods */

GST_START_TEST (test_post_answers_with_location_etag_and_type)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  Reply *r = request ("POST", s->endpoint, "application/sdp", offer, NULL);

  fail_unless_equals_int (r->status, 201);
  fail_unless (g_str_has_prefix (header (r, "Content-Type"),
          "application/sdp"));
  fail_unless (g_str_has_prefix (header (r, "Location"), "/whep/"));
  fail_unless (header (r, "ETag") && header (r, "ETag")[0] == '"');
  fail_unless (g_str_has_prefix (r->body, "v=0"));
  /* every response carries CORS headers */
  fail_unless_equals_string (header (r, "Access-Control-Allow-Origin"), "*");
  fail_unless (header_has (r, "Access-Control-Expose-Headers", "Location"));
  fail_unless (header_has (r, "Access-Control-Expose-Headers", "ETag"));
  fail_unless (header_has (r, "Access-Control-Expose-Headers", "Link"));
  reply_free (r);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* Names a client chose in its offer (fmtp parameters, rtcp-fb types, its
 * SSRCs, attribute names, extmap ids) never become GQuarks in the server:
 * GLib never frees a quark, so each new name would stay for the life of the
 * process, and a client could grow it without end, an offer at a time.
 * (Before the fix, the fmtp and rtcp-fb names did.) */
GST_START_TEST (test_offer_names_never_become_quarks)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  guint32 r = g_random_int_range (1000000, G_MAXINT32);
  gchar *sdp = g_strdup_printf ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
      "t=0 0\r\na=x-whepjunk-s%u:1\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
      "a=fingerprint:sha-256 99:37:2C:B1:CA:32:6D:0C:54:A5:DA:D3:E5:EA:65:85:"
      "3F:17:08:19:D0:67:83:6A:EB:17:0E:00:19:09:BC:4E\r\n"
      "a=setup:actpass\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\nc=IN IP4 0.0.0.0\r\n"
      "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n"
      "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;"
      "x-whepjunk-f%u=1\r\n"
      "a=rtpmap:103 VP8/90000\r\na=fmtp:103 x-whepjunk-g%u=1\r\n"
      "a=x-whepjunk-m%u:1\r\na=ssrc:%u cname:whepjunk\r\n"
      "a=ssrc-group:FID %u %u\r\n"
      "a=rtcp-fb:102 x-whepjunk-b%u\r\na=rtcp-fb:102 nack x-whepjunk-c%u\r\n"
      "a=extmap:%u urn:whepjunk\r\na=fmtp:103 x-whepjunk-h%u\r\n",
      r, r, r, r, r, r, r + 1, r, r, r % 100000 + 20, r);
  Reply *reply = request ("POST", s->endpoint, "application/sdp", sdp, NULL);
  gchar *names[] = {
    g_strdup_printf ("a-x-whepjunk-s%u", r),
    g_strdup_printf ("x-whepjunk-s%u", r),
    g_strdup_printf ("a-x-whepjunk-m%u", r),
    g_strdup_printf ("x-whepjunk-f%u", r),
    g_strdup_printf ("x-whepjunk-g%u", r),
    g_strdup_printf ("ssrc-%u-cname", r),
    g_strdup_printf ("ssrc-%u-cname", r + 1),
    g_strdup_printf ("rtcp-fb-x-whepjunk-b%u", r),
    g_strdup_printf ("rtcp-fb-nack-x-whepjunk-c%u", r),
    g_strdup_printf ("extmap-%u", r % 100000 + 20),
    g_strdup_printf ("x-whepjunk-h%u", r),
  };
  guint i;

  /* the offer is answered as before, with the known parameters */
  fail_unless_equals_int (reply->status, 201);
  fail_unless (strstr (reply->body, "profile-level-id=42e01f") != NULL);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    fail_if (g_quark_try_string (names[i]), "the offer's \"%s\" became a "
        "quark", names[i]);
    g_free (names[i]);
  }
  reply_free (reply);
  g_free (sdp);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* The SSRC in a session's answer, or 0. */
static guint32
answer_ssrc (const gchar * answer)
{
  const gchar *line = strstr (answer, "a=ssrc:");

  return line ? (guint32) g_ascii_strtoull (line + 7, NULL, 10) : 0;
}

/* Sessions one after the other take the SSRCs of those that ended: webrtcbin
 * makes a GQuark of every SSRC an answer names ("ssrc-<SSRC>-cname"), which
 * stays for good, so a new SSRC for every viewer grew the server with every
 * viewer it ever had. */
GST_START_TEST (test_sessions_reuse_ended_ssrcs)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  guint i;

  for (i = 0; i < 5; i++) {
    Reply *r = request ("POST", s->endpoint, "application/sdp", offer, NULL);
    gchar *url;

    fail_unless_equals_int (r->status, 201);
    fail_unless (answer_ssrc (r->body) != 0, "no a=ssrc in %s", r->body);
    g_hash_table_add (seen, GUINT_TO_POINTER (answer_ssrc (r->body)));
    url = session_url (s, r);
    reply_free (r);
    fail_unless_equals_int (whep_test_http ("DELETE", url, NULL, NULL, 0,
            NULL, NULL, NULL), 200);
    fail_unless (whep_test_server_wait_sessions (s, 0, 10000));
    g_free (url);
  }
  /* one, unless a session's end was still under way at the next POST */
  fail_unless (g_hash_table_size (seen) <= 2, "%u SSRCs for 5 sessions one "
      "after the other", g_hash_table_size (seen));
  g_hash_table_unref (seen);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_options_preflight)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  const gchar *const preflight[] = { "Origin", "https://app.example",
    "Access-Control-Request-Method", "POST", NULL
  };
  Reply *r = request ("OPTIONS", s->endpoint, NULL, NULL, preflight);
  Reply *created, *o;
  gchar *url;

  fail_unless_equals_int (r->status, 204);
  fail_unless_equals_string (header (r, "Access-Control-Allow-Origin"), "*");
  fail_unless (header_has (r, "Access-Control-Allow-Methods", "POST"));
  fail_unless (header_has (r, "Access-Control-Allow-Methods", "OPTIONS"));
  fail_unless (header_has (r, "Access-Control-Allow-Headers", "Content-Type"));
  fail_unless (header_has (r, "Access-Control-Allow-Headers",
          "Authorization"));
  fail_unless (header_has (r, "Access-Control-Allow-Headers", "If-Match"));
  fail_unless (header_has (r, "Access-Control-Expose-Headers", "Location"));
  fail_unless_equals_string (header (r, "Accept-Post"), "application/sdp");

  created = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  url = session_url (s, created);
  o = request ("OPTIONS", url, NULL, NULL, preflight);
  fail_unless_equals_int (o->status, 204);
  fail_unless (header_has (o, "Access-Control-Allow-Methods", "PATCH"));
  fail_unless (header_has (o, "Access-Control-Allow-Methods", "DELETE"));
  fail_unless (header (o, "Accept-Post") == NULL);

  reply_free (o);
  reply_free (created);
  reply_free (r);
  g_free (url);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_delete_then_404)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  Reply *created = request ("POST", s->endpoint, "application/sdp", offer,
      NULL);
  gchar *url = session_url (s, created);
  Reply *d1 = request ("DELETE", url, NULL, NULL, NULL);
  Reply *d2 = request ("DELETE", url, NULL, NULL, NULL);

  fail_unless_equals_int (d1->status, 200);
  fail_unless_equals_int (d2->status, 404);
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000));
  reply_free (created);
  reply_free (d1);
  reply_free (d2);
  g_free (url);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Trickle ICE */

GST_START_TEST (test_patch_trickle)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  Reply *created = request ("POST", s->endpoint, "application/sdp", offer,
      NULL);
  gchar *url = session_url (s, created);
  const gchar *const match[] = { "If-Match", header (created, "ETag"), NULL };
  const gchar *const mismatch[] = { "If-Match", "\"nope\"", NULL };
  const gchar *const any[] = { "If-Match", "*", NULL };
  Reply *r;

  r = request ("PATCH", url, TRICKLE, trickle, match);
  fail_unless_equals_int (r->status, 204);
  reply_free (r);
  r = request ("PATCH", url, TRICKLE, trickle, any);
  fail_unless_equals_int (r->status, 204);
  reply_free (r);
  r = request ("PATCH", url, TRICKLE, trickle, NULL);
  fail_unless_equals_int (r->status, 204);
  reply_free (r);

  r = request ("PATCH", url, TRICKLE, trickle, mismatch);
  fail_unless_equals_int (r->status, 412);
  fail_unless (strstr (r->body, "ETag") != NULL);
  reply_free (r);
  r = request ("PATCH", url, "application/sdp", trickle, NULL);
  fail_unless_equals_int (r->status, 415);
  reply_free (r);
  r = request ("PATCH", url, TRICKLE, "this is no fragment", NULL);
  fail_unless_equals_int (r->status, 400);
  reply_free (r);
  r = request ("PATCH", url, TRICKLE, "a=candidate:1 1 UDP 5\r\n", NULL);
  fail_unless_equals_int (r->status, 400);
  fail_unless (strstr (r->body, "candidate") != NULL, "%s", r->body);
  reply_free (r);
  r = request ("PATCH", s->endpoint, TRICKLE, trickle, NULL);
  fail_unless_equals_int (r->status, 405);
  reply_free (r);

  g_free (url);
  url = g_strconcat (s->endpoint, "/0123456789abcdef0123456789abcdef", NULL);
  r = request ("PATCH", url, TRICKLE, trickle, NULL);
  fail_unless_equals_int (r->status, 404);
  reply_free (r);

  reply_free (created);
  g_free (url);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* A real peer restarts ICE: new credentials both ways, a new ETag, and the
 * media goes on. */
GST_START_TEST (test_ice_restart)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, FALSE, TRUE, NULL };
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);
  gchar *etag;
  guint before;

  fail_unless_equals_int (whep_test_client_connect (client, NULL), 201);
  fail_unless (whep_test_client_wait_frames (client, 10, 0, 15000));
  etag = g_strdup (whep_test_client_get_etag (client));
  fail_unless (etag != NULL);

  fail_unless_equals_int (whep_test_client_restart_ice (client), 200);
  fail_unless (g_strcmp0 (etag, whep_test_client_get_etag (client)) != 0);
  before = whep_test_client_get_video_frames (client);
  fail_unless (whep_test_client_wait_frames (client, before + 30, 0, 15000),
      "no media after the ICE restart");
  /* the old ETag is stale now */
  {
    const gchar *const stale[] = { "If-Match", etag, NULL };
    Reply *r = request ("PATCH", whep_test_client_get_session_url (client),
        TRICKLE, trickle, stale);

    fail_unless_equals_int (r->status, 412);
    reply_free (r);
  }
  g_free (etag);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Security */

GST_START_TEST (test_auth_token)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 auth-token=s3cret", GST_STATE_PLAYING);
  const gchar *const good[] = { "Authorization", "Bearer s3cret", NULL };
  const gchar *const bad[] = { "Authorization", "Bearer s3cres", NULL };
  const gchar *const basic[] = { "Authorization", "Basic czNjcmV0", NULL };
  Reply *r, *created;
  gchar *url;

  r = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  fail_unless_equals_int (r->status, 401);
  fail_unless_equals_string (header (r, "WWW-Authenticate"), "Bearer");
  reply_free (r);
  r = request ("POST", s->endpoint, "application/sdp", offer, bad);
  fail_unless_equals_int (r->status, 401);
  reply_free (r);
  r = request ("POST", s->endpoint, "application/sdp", offer, basic);
  fail_unless_equals_int (r->status, 401);
  reply_free (r);
  /* the pre-flight needs none: browsers send it without credentials */
  r = request ("OPTIONS", s->endpoint, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 204);
  reply_free (r);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 0);

  created = request ("POST", s->endpoint, "application/sdp", offer, good);
  fail_unless_equals_int (created->status, 201);
  url = session_url (s, created);
  r = request ("PATCH", url, TRICKLE, trickle, NULL);
  fail_unless_equals_int (r->status, 401);
  reply_free (r);
  r = request ("DELETE", url, NULL, NULL, bad);
  fail_unless_equals_int (r->status, 401);
  reply_free (r);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);
  r = request ("DELETE", url, NULL, NULL, good);
  fail_unless_equals_int (r->status, 200);
  reply_free (r);

  reply_free (created);
  g_free (url);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_allowed_origins)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 "
      "allowed-origins=\"https://a.example, https://b.example:8443\"",
      GST_STATE_PLAYING);
  const gchar *const a[] = { "Origin", "https://a.example", NULL };
  const gchar *const b[] = { "Origin", "https://b.example:8443", NULL };
  const gchar *const evil[] = { "Origin", "https://evil.example", NULL };
  Reply *r;

  r = request ("OPTIONS", s->endpoint, NULL, NULL, a);
  fail_unless_equals_int (r->status, 204);
  fail_unless_equals_string (header (r, "Access-Control-Allow-Origin"),
      "https://a.example");
  fail_unless (header_has (r, "Vary", "Origin"));
  reply_free (r);
  r = request ("POST", s->endpoint, "application/sdp", offer, b);
  fail_unless_equals_int (r->status, 201);
  fail_unless_equals_string (header (r, "Access-Control-Allow-Origin"),
      "https://b.example:8443");
  reply_free (r);
  r = request ("POST", s->endpoint, "application/sdp", offer, evil);
  fail_unless_equals_int (r->status, 403);
  fail_unless (header (r, "Access-Control-Allow-Origin") == NULL);
  reply_free (r);
  /* no Origin: not a browser page, CORS does not apply */
  r = request ("OPTIONS", s->endpoint, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 204);
  reply_free (r);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* A certificate the test makes, then a real HTTPS exchange. */
GST_START_TEST (test_https)
{
  gchar *dir = g_dir_make_tmp ("whep-tls-XXXXXX", NULL);
  gchar *cert = g_build_filename (dir, "cert.pem", NULL);
  gchar *key = g_build_filename (dir, "key.pem", NULL);
  gchar *argv[] = { (gchar *) "openssl", (gchar *) "req", (gchar *) "-x509",
    (gchar *) "-newkey", (gchar *) "rsa:2048", (gchar *) "-nodes",
    (gchar *) "-days", (gchar *) "1", (gchar *) "-subj", (gchar *) "/CN=127.0.0.1",
    (gchar *) "-keyout", key, (gchar *) "-out", cert, NULL
  };
  gchar *desc, *url;
  WhepTestServer *s;
  Reply *r;
  gint status;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
          NULL, NULL, &status, NULL) && g_spawn_check_wait_status (status,
          NULL), "openssl could not make a certificate");
  desc = g_strdup_printf (VIDEO_TS "whepsink name=whep port=0 "
      "certificate-file=%s key-file=%s", cert, key);
  s = whep_test_server_start (desc, GST_STATE_PLAYING);
  url = g_strdup (s->endpoint);
  /* https://, same port */
  memcpy (url, "http", 4);
  {
    gchar *https = g_strconcat ("https", url + 4, NULL);

    r = request ("POST", https, "application/sdp", offer, NULL);
    fail_unless_equals_int (r->status, 201);
    fail_unless (g_str_has_prefix (r->body, "v=0"));
    reply_free (r);
    g_free (https);
  }
  /* plain HTTP is not spoken there: no HTTP answer at all, not even an
   * error status... */
  r = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  fail_unless_equals_int (r->status, SOUP_STATUS_NONE);
  reply_free (r);
  /* ...and the server goes on speaking HTTPS */
  {
    gchar *https = g_strconcat ("https", url + 4, NULL);

    r = request ("OPTIONS", https, NULL, NULL, NULL);
    fail_unless_equals_int (r->status, 204);
    reply_free (r);
    g_free (https);
  }

  whep_test_server_stop (s);
  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
  g_free (desc);
  g_free (url);
  g_free (cert);
  g_free (key);
  g_free (dir);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Limits */

GST_START_TEST (test_max_viewers)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 max-viewers=1", GST_STATE_PLAYING);
  Reply *one = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  Reply *two = request ("POST", s->endpoint, "application/sdp", offer, NULL);

  fail_unless_equals_int (one->status, 201);
  fail_unless_equals_int (two->status, 503);
  fail_unless (header (two, "Retry-After") != NULL);
  fail_unless (strchr (two->body, '\n') == two->body + strlen (two->body) - 1);
  reply_free (one);
  reply_free (two);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_body_limits)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  gchar *big = g_strnfill (65 * 1024 + 1, 'v');
  Reply *r = request ("POST", s->endpoint, "application/sdp", big, NULL);

  fail_unless_equals_int (r->status, 413);
  reply_free (r);
  g_free (big);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* ICE configuration */

GST_START_TEST (test_ice_servers_and_public_address)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 ice-tcp=false public-address=203.0.113.7 "
      "turn-server=turn://user:pa%20ss@127.0.0.1:1", GST_STATE_PLAYING);
  Reply *r = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  const gchar *link;

  fail_unless_equals_int (r->status, 201);
  link = soup_message_headers_get_list (r->headers, "Link");
  fail_unless (link != NULL);
  fail_unless (strstr (link, "<turn:127.0.0.1:1>") != NULL, "%s", link);
  fail_unless (strstr (link, "rel=\"ice-server\"") != NULL, "%s", link);
  fail_unless (strstr (link, "username=\"user\"") != NULL, "%s", link);
  fail_unless (strstr (link, "credential=\"pa ss\"") != NULL, "%s", link);
  /* the public address is announced beside the host candidates */
  fail_unless (strstr (r->body, " 203.0.113.7 ") != NULL, "%s", r->body);
  /* no TCP candidates */
  fail_unless (strstr (r->body, " TCP ") == NULL, "%s", r->body);
  reply_free (r);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_ice_port_range)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 ice-tcp=false ice-min-port=41000 "
      "ice-max-port=41010", GST_STATE_PLAYING);
  Reply *r = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  gchar **lines;
  guint i, n = 0;

  fail_unless_equals_int (r->status, 201);
  lines = g_strsplit (r->body, "\n", -1);
  for (i = 0; lines[i]; i++) {
    gchar **f;

    if (!g_str_has_prefix (lines[i], "a=candidate:"))
      continue;
    f = g_strsplit (lines[i], " ", -1);
    fail_unless (atoi (f[5]) >= 41000 && atoi (f[5]) <= 41010, "%s",
        lines[i]);
    g_strfreev (f);
    n++;
  }
  fail_unless (n > 0);
  g_strfreev (lines);
  reply_free (r);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Hostile input */

/* Hundreds of malformed and random requests: each is answered (never 5xx,
 * never a hang), and the viewer that plays meanwhile goes on. */
GST_START_TEST (test_random_requests_leave_viewer_playing)
{
  static const gchar *const methods[] = { "GET", "POST", "PATCH", "DELETE",
    "PUT", "OPTIONS", "HEAD", "TRACE"
  };
  static const gchar *const paths[] = { "/whep", "/whep/", "/whep/x",
    "/whep/0123456789abcdef0123456789abcdef", "/whep/../etc", "/", "/x/y",
    "/whep/a/b", "/WHEP"
  };
  static const gchar *const types[] = { "application/sdp", TRICKLE,
    "text/plain", "application/json", NULL
  };
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0", GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, FALSE, TRUE, NULL };
  WhepTestClient *client = whep_test_client_new (s->endpoint, &config);
  GRand *rand = g_rand_new_with_seed (20261125);
  guint i, before, sessions;

  fail_unless_equals_int (whep_test_client_connect (client, NULL), 201);
  fail_unless (whep_test_client_wait_frames (client, 10, 0, 15000));
  sessions = whep_test_server_count_sessions (s);

  for (i = 0; i < 300; i++) {
    const gchar *method = methods[g_rand_int_range (rand, 0, 8)];
    gchar *url = g_strconcat (s->base, paths[g_rand_int_range (rand, 0, 9)],
        NULL);
    const gchar *type = types[g_rand_int_range (rand, 0, 5)];
    gsize len = g_rand_int_range (rand, 0, 600);
    gchar *body = g_malloc (len + 1);
    gsize k;
    guint status;

    for (k = 0; k < len; k++) {
      /* mostly SDP-ish text, sometimes any byte */
      body[k] = g_rand_int_range (rand, 0, 10) ? "v=0\r\nma:c 1UDP"[g_rand_int_range
          (rand, 0, 15)] : (gchar) g_rand_int_range (rand, 1, 256);
    }
    body[len] = '\0';
    status = whep_test_http (method, url, type, len ? body : NULL, len, NULL,
        NULL, NULL);
    fail_unless (status >= 200 && status < 500, "%s %s -> %u", method, url,
        status);
    /* a random body is never a valid offer */
    fail_if (status == 201, "%s %s created a session", method, url);
    g_free (body);
    g_free (url);
  }

  fail_unless_equals_int (whep_test_server_count_sessions (s), sessions);
  before = whep_test_client_get_video_frames (client);
  fail_unless (whep_test_client_wait_frames (client, before + 15, 0, 10000),
      "the viewer stopped playing");
  g_rand_free (rand);
  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

static Suite *
whepprotocol_suite (void)
{
  Suite *s = suite_create ("whepprotocol");
  TCase *tc_resources = tcase_create ("resources");
  TCase *tc_trickle = tcase_create ("trickle");
  TCase *tc_security = tcase_create ("security");
  TCase *tc_limits = tcase_create ("limits");
  TCase *tc_ice = tcase_create ("ice");
  TCase *tc_hostile = tcase_create ("hostile");

  suite_add_tcase (s, tc_resources);
  tcase_add_test (tc_resources, test_post_answers_with_location_etag_and_type);
  tcase_add_test (tc_resources, test_offer_names_never_become_quarks);
  tcase_add_test (tc_resources, test_sessions_reuse_ended_ssrcs);
  tcase_add_test (tc_resources, test_options_preflight);
  tcase_add_test (tc_resources, test_delete_then_404);

  suite_add_tcase (s, tc_trickle);
  tcase_add_test (tc_trickle, test_patch_trickle);
  tcase_add_test (tc_trickle, test_ice_restart);

  suite_add_tcase (s, tc_security);
  tcase_add_test (tc_security, test_auth_token);
  tcase_add_test (tc_security, test_allowed_origins);
  tcase_add_test (tc_security, test_https);

  suite_add_tcase (s, tc_limits);
  tcase_add_test (tc_limits, test_max_viewers);
  tcase_add_test (tc_limits, test_body_limits);

  suite_add_tcase (s, tc_ice);
  tcase_add_test (tc_ice, test_ice_servers_and_public_address);
  tcase_add_test (tc_ice, test_ice_port_range);

  suite_add_tcase (s, tc_hostile);
  tcase_set_timeout (tc_hostile, 120);
  tcase_add_test (tc_hostile, test_random_requests_leave_viewer_playing);
  return s;
}

GST_CHECK_MAIN (whepprotocol);

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Behind a load balancer (docs/scale-out.md): GET <path>/health for the
 * balancer's checks, session URLs that carry the instance id, 404 or a
 * redirect for another instance's sessions, absolute URLs with public-url,
 * and a real viewer that plays and ends through such URLs.  The
 * several-instances proof with HAProxy is tests/scaleout/run.sh. */
#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "whep-test-client.h"
#include "whep-test-server.h"

#define VIDEO_TS \
  "videotestsrc is-live=true pattern=ball ! " \
  "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " \
  "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! " \
  "mpegtsmux ! "

#define offer whep_test_offer_without_peer

#define PUBLIC_URL "http://198.18.0.10:8080/live"
#define OTHER_ID "0123456789abcdef0123456789abcdef"

typedef WhepTestReply Reply;
#define request whep_test_request
#define header whep_test_reply_header
#define reply_free whep_test_reply_free

/* GET <endpoint>/health: its status, and the body's fields. */
typedef struct
{
  guint status;
  gboolean has_retry_after;
  gboolean ready;
  gboolean draining;
  gint64 viewers;
  gint64 max_viewers;
  gchar *instance_id;
} Health;

static void
get_health (WhepTestServer * s, Health * h)
{
  gchar *url = g_strconcat (s->endpoint, "/health", NULL);
  Reply *r = request ("GET", url, NULL, NULL, NULL);
  JsonParser *parser = json_parser_new ();
  JsonObject *o;

  memset (h, 0, sizeof (*h));
  h->status = r->status;
  h->has_retry_after = header (r, "Retry-After") != NULL;
  fail_unless_equals_string (header (r, "Content-Type"), "application/json");
  fail_unless (json_parser_load_from_data (parser, r->body, -1, NULL), "%s",
      r->body);
  o = json_node_get_object (json_parser_get_root (parser));
  h->ready = json_object_get_boolean_member (o, "ready");
  h->draining = json_object_get_boolean_member (o, "draining");
  h->viewers = json_object_get_int_member (o, "viewers");
  h->max_viewers = json_object_get_int_member (o, "max-viewers");
  if (!json_object_get_null_member (o, "instance-id"))
    h->instance_id = g_strdup (json_object_get_string_member (o,
            "instance-id"));
  g_object_unref (parser);
  reply_free (r);
  g_free (url);
}

/* Polls the health resource until it answers @status, for @timeout_ms. */
static gboolean
wait_health (WhepTestServer * s, guint status, guint timeout_ms, Health * h)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_GINT64_CONSTANT
      (1000);

  for (;;) {
    get_health (s, h);
    if (h->status == status || g_get_monotonic_time () > deadline)
      return h->status == status;
    g_free (h->instance_id);
    g_usleep (50 * 1000);
  }
}

/* ---------------------------------------------------------------------- */
/* Health */

GST_START_TEST (test_health_ready_and_full)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 max-viewers=1 instance-id=node-a "
      "auth-token=s3cret", GST_STATE_READY);
  const gchar *auth[] = { "Authorization", "Bearer s3cret", NULL };
  Health h;
  Reply *r;

  /* no stream yet: not ready, and no token needed to ask */
  get_health (s, &h);
  fail_unless_equals_int (h.status, 503);
  fail_unless (h.has_retry_after);
  fail_if (h.ready);
  fail_unless_equals_int (h.viewers, 0);
  fail_unless_equals_int (h.max_viewers, 1);
  fail_unless_equals_string (h.instance_id, "node-a");
  g_free (h.instance_id);

  fail_unless (gst_element_set_state (s->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (wait_health (s, 200, 10000, &h));
  fail_unless (h.ready);
  fail_if (h.has_retry_after);
  fail_unless_equals_int (h.viewers, 0);
  g_free (h.instance_id);

  /* the one viewer allowed: full, the balancer must go elsewhere */
  r = request ("POST", s->endpoint, "application/sdp", offer, auth);
  fail_unless_equals_int (r->status, 201);
  reply_free (r);
  get_health (s, &h);
  fail_unless_equals_int (h.status, 503);
  fail_unless (h.has_retry_after);
  fail_unless (h.ready);
  fail_unless_equals_int (h.viewers, 1);
  g_free (h.instance_id);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_health_room_again_after_delete)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 max-viewers=1", GST_STATE_PLAYING);
  Health h;
  Reply *created, *deleted;
  gchar *url;

  fail_unless (wait_health (s, 200, 10000, &h));
  fail_unless (h.instance_id == NULL);
  created = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  fail_unless_equals_int (created->status, 201);
  get_health (s, &h);
  fail_unless_equals_int (h.status, 503);

  url = g_strconcat (s->base, header (created, "Location"), NULL);
  deleted = request ("DELETE", url, NULL, NULL, NULL);
  fail_unless_equals_int (deleted->status, 200);
  fail_unless (wait_health (s, 200, 10000, &h));
  fail_unless_equals_int (h.viewers, 0);

  reply_free (created);
  reply_free (deleted);
  g_free (url);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Session URLs */

/* The session id of a Location "<prefix><id>", checked to be 32 hex. */
static const gchar *
location_id (Reply * r, const gchar * prefix)
{
  const gchar *location = header (r, "Location");
  const gchar *id;

  fail_unless (location != NULL);
  fail_unless (g_str_has_prefix (location, prefix), "%s", location);
  id = location + strlen (prefix);
  fail_unless_equals_int (strlen (id), 32);
  fail_unless (strspn (id, "0123456789abcdef") == 32, "%s", location);
  return id;
}

GST_START_TEST (test_instance_id_session_urls)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 instance-id=node-a", GST_STATE_PLAYING);
  Reply *created = request ("POST", s->endpoint, "application/sdp", offer,
      NULL);
  const gchar *id;
  gchar *own, *other, *bare;
  Reply *r;

  fail_unless_equals_int (created->status, 201);
  id = location_id (created, "/whep/node-a/");
  own = g_strconcat (s->endpoint, "/node-a/", id, NULL);
  other = g_strconcat (s->endpoint, "/node-b/", id, NULL);
  bare = g_strconcat (s->endpoint, "/", id, NULL);

  /* not ours, and no public-url to send the client to: 404 */
  r = request ("DELETE", other, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 404);
  fail_unless (header (r, "Location") == NULL);
  reply_free (r);
  r = request ("PATCH", other, "application/trickle-ice-sdpfrag",
      "a=end-of-candidates\r\n", NULL);
  fail_unless_equals_int (r->status, 404);
  reply_free (r);
  /* without the instance id it is nobody's */
  r = request ("DELETE", bare, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 404);
  reply_free (r);
  fail_unless_equals_int (whep_test_server_count_sessions (s), 1);

  /* ours: ended, then gone */
  r = request ("DELETE", own, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 200);
  reply_free (r);
  r = request ("DELETE", own, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 404);
  reply_free (r);
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000));

  reply_free (created);
  g_free (own);
  g_free (other);
  g_free (bare);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_public_url_and_redirect)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 instance-id=node-a public-url="
      PUBLIC_URL "/", GST_STATE_PLAYING);
  Reply *created = request ("POST", s->endpoint, "application/sdp", offer,
      NULL);
  gchar *other, *own, *page_url;
  const gchar *id;
  Reply *r;

  /* an absolute Location at the balancer */
  fail_unless_equals_int (created->status, 201);
  id = location_id (created, PUBLIC_URL "/whep/node-a/");

  /* another instance's session: 307 to the same path at the balancer */
  other = g_strconcat (s->endpoint, "/node-b/" OTHER_ID, NULL);
  r = request ("DELETE", other, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 307);
  fail_unless_equals_string (header (r, "Location"),
      PUBLIC_URL "/whep/node-b/" OTHER_ID);
  reply_free (r);
  r = request ("PATCH", other, "application/trickle-ice-sdpfrag",
      "a=end-of-candidates\r\n", NULL);
  fail_unless_equals_int (r->status, 307);
  fail_unless_equals_string (header (r, "Location"),
      PUBLIC_URL "/whep/node-b/" OTHER_ID);
  reply_free (r);
  /* nothing that names no session is redirected */
  r = request ("DELETE", s->endpoint, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 405);
  reply_free (r);

  /* the player page POSTs to the balancer, and may */
  page_url = g_strconcat (s->base, "/", NULL);
  r = request ("GET", page_url, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 200);
  fail_unless (strstr (r->body, PUBLIC_URL "/whep") != NULL);
  fail_unless (strstr (header (r, "Content-Security-Policy"),
          "connect-src 'self' http://198.18.0.10:8080;") != NULL, "%s",
      header (r, "Content-Security-Policy"));
  reply_free (r);

  own = g_strconcat (s->endpoint, "/node-a/", id, NULL);
  r = request ("DELETE", own, NULL, NULL, NULL);
  fail_unless_equals_int (r->status, 200);
  reply_free (r);
  fail_unless (whep_test_server_wait_sessions (s, 0, 5000));

  reply_free (created);
  g_free (other);
  g_free (own);
  g_free (page_url);
  whep_test_server_stop (s);
}

GST_END_TEST;

GST_START_TEST (test_invalid_settings_refused)
{
  GstElement *whep = gst_element_factory_make ("whepsink", NULL);
  gchar *value = NULL;

  fail_unless (whep != NULL);
  g_object_set (whep, "instance-id", "ok-1", "public-url",
      "https://lb.example", NULL);
  /* refused with a warning: the values before stay */
  ASSERT_WARNING (g_object_set (whep, "instance-id", "a/b", NULL));
  ASSERT_WARNING (g_object_set (whep, "public-url", "/relative", NULL));
  g_object_get (whep, "instance-id", &value, NULL);
  fail_unless_equals_string (value, "ok-1");
  g_free (value);
  g_object_get (whep, "public-url", &value, NULL);
  fail_unless_equals_string (value, "https://lb.example");
  g_free (value);
  /* NULL clears them */
  g_object_set (whep, "instance-id", NULL, "public-url", NULL, NULL);
  g_object_get (whep, "instance-id", &value, NULL);
  fail_unless (value == NULL);
  gst_object_unref (whep);
}

GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* A real viewer */

/* A whepsink with instance-id=node-a and a real viewer playing there. */
static WhepTestServer *
start_with_viewer (WhepTestClient ** client)
{
  WhepTestServer *s = whep_test_server_start (VIDEO_TS
      "whepsink name=whep port=0 instance-id=node-a", GST_STATE_PLAYING);
  WhepTestClientConfig config = { TRUE, FALSE, FALSE, NULL, 0 };
  GError *error = NULL;

  *client = whep_test_client_new (s->endpoint, &config);
  fail_unless_equals_int (whep_test_client_connect (*client, &error), 201);
  g_assert_no_error (error);
  fail_unless (whep_test_client_wait_frames (*client, 10, 0, 20000));
  return s;
}

GST_START_TEST (test_viewer_plays_and_ends_with_instance_id)
{
  WhepTestClient *client;
  WhepTestServer *s = start_with_viewer (&client);
  gchar *prefix;
  Health h;

  prefix = g_strconcat (s->endpoint, "/node-a/", NULL);
  fail_unless (g_str_has_prefix (whep_test_client_get_session_url (client),
          prefix), "%s", whep_test_client_get_session_url (client));
  get_health (s, &h);
  fail_unless_equals_int (h.status, 200);
  fail_unless_equals_int (h.viewers, 1);
  g_free (h.instance_id);

  fail_unless_equals_int (whep_test_client_delete (client), 200);
  fail_unless (whep_test_server_wait_sessions (s, 0, 10000));
  get_health (s, &h);
  fail_unless_equals_int (h.viewers, 0);
  g_free (h.instance_id);

  whep_test_client_free (client);
  g_free (prefix);
  whep_test_server_stop (s);
}

GST_END_TEST;

/* draining: new viewers are turned away, with a health that tells the
 * balancer so, while the viewer here plays on and can still leave; then
 * the instance takes viewers again. */
GST_START_TEST (test_draining_turns_new_viewers_away_and_keeps_the_others)
{
  WhepTestClient *client;
  WhepTestServer *s = start_with_viewer (&client);
  guint frames;
  Health h;
  Reply *r;

  g_object_set (s->whep, "draining", TRUE, NULL);
  get_health (s, &h);
  fail_unless_equals_int (h.status, 503);
  fail_unless (h.has_retry_after);
  fail_unless (h.ready);
  fail_unless (h.draining);
  fail_unless_equals_int (h.viewers, 1);
  g_free (h.instance_id);

  r = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  fail_unless_equals_int (r->status, 503);
  fail_unless (header (r, "Retry-After") != NULL);
  fail_unless (strstr (r->body, "draining") != NULL, "%s", r->body);
  reply_free (r);

  /* the viewer here plays on */
  frames = whep_test_client_get_video_frames (client);
  fail_unless (whep_test_client_wait_frames (client, frames + 30, 0, 20000),
      "the viewer stopped at %u frames while draining",
      whep_test_client_get_video_frames (client));
  fail_unless_equals_int (whep_test_client_delete (client), 200);
  fail_unless (whep_test_server_wait_sessions (s, 0, 10000));

  g_object_set (s->whep, "draining", FALSE, NULL);
  get_health (s, &h);
  fail_unless_equals_int (h.status, 200);
  fail_if (h.draining);
  g_free (h.instance_id);
  r = request ("POST", s->endpoint, "application/sdp", offer, NULL);
  fail_unless_equals_int (r->status, 201);
  reply_free (r);

  whep_test_client_free (client);
  whep_test_server_stop (s);
}

GST_END_TEST;

static Suite *
whepscale_suite (void)
{
  Suite *s = suite_create ("whepscale");
  TCase *tc_health = tcase_create ("health");
  TCase *tc_urls = tcase_create ("urls");
  TCase *tc_viewer = tcase_create ("viewer");

  suite_add_tcase (s, tc_health);
  tcase_add_test (tc_health, test_health_ready_and_full);
  tcase_add_test (tc_health, test_health_room_again_after_delete);

  suite_add_tcase (s, tc_urls);
  tcase_add_test (tc_urls, test_instance_id_session_urls);
  tcase_add_test (tc_urls, test_public_url_and_redirect);
  tcase_add_test (tc_urls, test_invalid_settings_refused);

  suite_add_tcase (s, tc_viewer);
  tcase_add_test (tc_viewer, test_viewer_plays_and_ends_with_instance_id);
  tcase_add_test (tc_viewer,
      test_draining_turns_new_viewers_away_and_keeps_the_others);
  return s;
}

GST_CHECK_MAIN (whepscale);

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The statistics as JSON and as Prometheus text, from a made-up
 * structure. */
#include <gst/check/gstcheck.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "whep-stats.h"

static GstStructure *
make_stats (const gchar * id, gboolean with_report)
{
  GstStructure *stats = gst_structure_new ("application/x-whepsink-stats",
      "n-viewers", G_TYPE_UINT, id ? 1 : 0,
      "joins", G_TYPE_UINT64, (guint64) 3,
      "leaves", G_TYPE_UINT64, (guint64) 2,
      "refusals-unavailable", G_TYPE_UINT64, (guint64) 4,
      "refusals-not-acceptable", G_TYPE_UINT64, (guint64) 0,
      "refusals-forbidden", G_TYPE_UINT64, (guint64) 5, NULL);
  GValue array = G_VALUE_INIT;

  gst_value_array_init (&array, 1);
  if (id) {
    GstStructure *v = gst_structure_new ("application/x-whepsink-viewer-stats",
        "id", G_TYPE_STRING, id,
        "remote-address", G_TYPE_STRING, NULL,
        "state", G_TYPE_STRING, "connected",
        "duration", G_TYPE_DOUBLE, 1.5,
        "video-packets-sent", G_TYPE_UINT64, (guint64) 1000,
        "video-bytes-sent", G_TYPE_UINT64, (guint64) 1200000, NULL);
    GValue item = G_VALUE_INIT;

    if (with_report)
      gst_structure_set (v, "video-round-trip", G_TYPE_DOUBLE, 0.25,
          "video-packets-lost", G_TYPE_INT64, (gint64) - 1, NULL);
    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item, v);
    gst_value_array_append_and_take_value (&array, &item);
  }
  gst_structure_take_value (stats, "viewers", &array);
  return stats;
}

GST_START_TEST (test_json)
{
  GstStructure *stats = make_stats ("abc", TRUE);
  gchar *json = whep_stats_to_json (stats);

  fail_unless (strstr (json, "\"n-viewers\" : 1"), "%s", json);
  fail_unless (strstr (json, "\"joins\" : 3"), "%s", json);
  fail_unless (strstr (json, "\"viewers\" : ["), "%s", json);
  fail_unless (strstr (json, "\"id\" : \"abc\""), "%s", json);
  fail_unless (strstr (json, "\"remote-address\" : null"), "%s", json);
  fail_unless (strstr (json, "\"duration\" : 1.5"), "%s", json);
  fail_unless (strstr (json, "\"video-packets-lost\" : -1"), "%s", json);
  g_free (json);
  gst_structure_free (stats);

  stats = make_stats (NULL, FALSE);
  json = whep_stats_to_json (stats);
  fail_unless (strstr (json, "\"viewers\" : [ ]") ||
      strstr (json, "\"viewers\" : []"), "%s", json);
  g_free (json);
  gst_structure_free (stats);
}

GST_END_TEST;

GST_START_TEST (test_prometheus)
{
  GstStructure *stats = make_stats ("abc", TRUE);
  gchar *text = whep_stats_to_prometheus (stats, "/live/cam \"1\"");

  fail_unless (strstr (text, "# TYPE whepsink_viewers gauge\n"), "%s", text);
  fail_unless (strstr (text,
          "\nwhepsink_viewers{path=\"/live/cam \\\"1\\\"\"} 1\n"), "%s", text);
  fail_unless (strstr (text, "# TYPE whepsink_joins_total counter\n"));
  fail_unless (strstr (text, "whepsink_leaves_total{path=\"/live/cam "
          "\\\"1\\\"\"} 2\n"), "%s", text);
  fail_unless (strstr (text, "whepsink_refusals_total{path=\"/live/cam "
          "\\\"1\\\"\",status=\"503\"} 4\n"), "%s", text);
  fail_unless (strstr (text, "whepsink_refusals_total{path=\"/live/cam "
          "\\\"1\\\"\",status=\"403\"} 5\n"), "%s", text);
  fail_unless (strstr (text, "whepsink_viewer_packets_sent_total{path=\""
          "/live/cam \\\"1\\\"\",id=\"abc\",kind=\"video\"} 1000\n"), "%s",
      text);
  fail_unless (strstr (text, "whepsink_viewer_round_trip_seconds{path=\""
          "/live/cam \\\"1\\\"\",id=\"abc\",kind=\"video\"} 0.25\n"), "%s",
      text);
  /* nothing for a track the viewer does not have */
  fail_if (strstr (text, "kind=\"audio\""), "%s", text);
  g_free (text);
  gst_structure_free (stats);

  /* no viewer: the totals only, no per-viewer families */
  stats = make_stats (NULL, FALSE);
  text = whep_stats_to_prometheus (stats, "/whep");
  fail_unless (strstr (text, "\nwhepsink_viewers{path=\"/whep\"} 0\n"),
      "%s", text);
  fail_if (strstr (text, "whepsink_viewer_"), "%s", text);
  g_free (text);
  gst_structure_free (stats);
}

GST_END_TEST;

GST_START_TEST (test_health)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *o;
  gchar *text;
  WhepHealth h[] = {
    {TRUE, FALSE, 0, 0}, {TRUE, FALSE, 1000, 0}, {TRUE, FALSE, 9, 10},
    {TRUE, FALSE, 10, 10}, {TRUE, FALSE, 11, 10}, {FALSE, FALSE, 0, 0},
    {TRUE, TRUE, 0, 0}, {TRUE, FALSE, 3, 10, "node-1"}, {FALSE, TRUE, 0, 0},
  };

  fail_unless (whep_health_is_ok (&h[0]));
  fail_unless (whep_health_is_ok (&h[1]));
  fail_unless (whep_health_is_ok (&h[2]));
  fail_if (whep_health_is_ok (&h[3]));
  fail_if (whep_health_is_ok (&h[4]));
  fail_if (whep_health_is_ok (&h[5]));
  /* draining: ready and room, and still no */
  fail_if (whep_health_is_ok (&h[6]));

  text = whep_health_to_json (&h[7]);
  fail_unless (json_parser_load_from_data (parser, text, -1, NULL), "%s",
      text);
  o = json_node_get_object (json_parser_get_root (parser));
  fail_unless (json_object_get_boolean_member (o, "ready"));
  fail_if (json_object_get_boolean_member (o, "draining"));
  fail_unless_equals_int (json_object_get_int_member (o, "viewers"), 3);
  fail_unless_equals_int (json_object_get_int_member (o, "max-viewers"), 10);
  fail_unless_equals_string (json_object_get_string_member (o,
          "instance-id"), "node-1");
  g_free (text);

  text = whep_health_to_json (&h[8]);
  fail_unless (json_parser_load_from_data (parser, text, -1, NULL), "%s",
      text);
  o = json_node_get_object (json_parser_get_root (parser));
  fail_if (json_object_get_boolean_member (o, "ready"));
  fail_unless (json_object_get_boolean_member (o, "draining"));
  fail_unless_equals_int (json_object_get_int_member (o, "viewers"), 0);
  fail_unless (json_object_get_null_member (o, "instance-id"));
  g_free (text);
  g_object_unref (parser);
}

GST_END_TEST;

static Suite *
stats_suite (void)
{
  Suite *s = suite_create ("whep-stats");
  TCase *tc = tcase_create ("format");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_json);
  tcase_add_test (tc, test_prometheus);
  tcase_add_test (tc, test_health);
  return s;
}

GST_CHECK_MAIN (stats);

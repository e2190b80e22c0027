/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/*
 * The element's statistics as JSON and as Prometheus text.  Pure: a
 * structure in, text out.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-stats.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* JSON */

static void add_structure (JsonBuilder * b, const GstStructure * s);

static void
add_value (JsonBuilder * b, const GValue * v)
{
  GType type = G_VALUE_TYPE (v);

  if (type == G_TYPE_STRING) {
    if (g_value_get_string (v))
      json_builder_add_string_value (b, g_value_get_string (v));
    else
      json_builder_add_null_value (b);
  } else if (type == G_TYPE_UINT) {
    json_builder_add_int_value (b, g_value_get_uint (v));
  } else if (type == G_TYPE_INT) {
    json_builder_add_int_value (b, g_value_get_int (v));
  } else if (type == G_TYPE_UINT64) {
    json_builder_add_int_value (b, (gint64) g_value_get_uint64 (v));
  } else if (type == G_TYPE_INT64) {
    json_builder_add_int_value (b, g_value_get_int64 (v));
  } else if (type == G_TYPE_DOUBLE) {
    json_builder_add_double_value (b, g_value_get_double (v));
  } else if (type == G_TYPE_BOOLEAN) {
    json_builder_add_boolean_value (b, g_value_get_boolean (v));
  } else if (type == GST_TYPE_STRUCTURE) {
    add_structure (b, gst_value_get_structure (v));
  } else if (GST_VALUE_HOLDS_ARRAY (v)) {
    guint i, n = gst_value_array_get_size (v);

    json_builder_begin_array (b);
    for (i = 0; i < n; i++)
      add_value (b, gst_value_array_get_value (v, i));
    json_builder_end_array (b);
  } else {
    gchar *text = gst_value_serialize (v);

    json_builder_add_string_value (b, text);
    g_free (text);
  }
}

static gboolean
add_field (GQuark field, const GValue * value, gpointer user_data)
{
  JsonBuilder *b = user_data;

  json_builder_set_member_name (b, g_quark_to_string (field));
  add_value (b, value);
  return TRUE;
}

static void
add_structure (JsonBuilder * b, const GstStructure * s)
{
  json_builder_begin_object (b);
  gst_structure_foreach (s, add_field, b);
  json_builder_end_object (b);
}

gchar *
whep_stats_to_json (const GstStructure * stats)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *text;

  add_structure (b, stats);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}

/* ---------------------------------------------------------------------- */
/* Prometheus */

/* A label value: backslash, double quote and newline escaped. */
static void
append_label (GString * out, const gchar * name, const gchar * value)
{
  const gchar *p;

  g_string_append_printf (out, "%s=\"", name);
  for (p = value ? value : ""; *p; p++) {
    if (*p == '\\' || *p == '"')
      g_string_append_c (out, '\\');
    if (*p == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *p);
  }
  g_string_append_c (out, '"');
}

static void
append_header (GString * out, const gchar * metric, const gchar * type,
    const gchar * help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", metric, help,
      metric, type);
}

static gboolean
get_number (const GstStructure * s, const gchar * field, gdouble * number)
{
  const GValue *v = gst_structure_get_value (s, field);

  if (v == NULL)
    return FALSE;
  if (G_VALUE_TYPE (v) == G_TYPE_UINT64)
    *number = g_value_get_uint64 (v);
  else if (G_VALUE_TYPE (v) == G_TYPE_INT64)
    *number = g_value_get_int64 (v);
  else if (G_VALUE_TYPE (v) == G_TYPE_UINT)
    *number = g_value_get_uint (v);
  else if (G_VALUE_TYPE (v) == G_TYPE_DOUBLE)
    *number = g_value_get_double (v);
  else
    return FALSE;
  return TRUE;
}

static void
append_sample (GString * out, const gchar * metric, const gchar * path,
    const gchar * const *labels, gdouble value)
{
  gchar number[G_ASCII_DTOSTR_BUF_SIZE];
  guint i;

  g_string_append_printf (out, "%s{", metric);
  append_label (out, "path", path);
  for (i = 0; labels && labels[i]; i += 2) {
    g_string_append_c (out, ',');
    append_label (out, labels[i], labels[i + 1]);
  }
  g_string_append_printf (out, "} %s\n", g_ascii_dtostr (number,
          sizeof (number), value));
}

/* Per viewer and track: field suffix, metric, type, help. */
static const struct
{
  const gchar *field;
  const gchar *metric;
  const gchar *type;
  const gchar *help;
} viewer_metrics[] = {
  {"packets-sent", "whepsink_viewer_packets_sent_total", "counter",
      "RTP packets sent to the viewer, retransmissions included."},
  {"bytes-sent", "whepsink_viewer_bytes_sent_total", "counter",
      "RTP payload bytes sent to the viewer."},
  {"retransmitted", "whepsink_viewer_retransmitted_total", "counter",
      "Packets the viewer asked for again and got."},
  {"nacked", "whepsink_viewer_nacked_total", "counter",
      "Packets the viewer asked for again (NACK)."},
  {"keyframe-requests", "whepsink_viewer_keyframe_requests_total", "counter",
      "Keyframe requests (PLI, FIR) of the viewer."},
  {"dropped", "whepsink_viewer_dropped_total", "counter",
      "Packets the viewer's socket would not take."},
  {"packets-lost", "whepsink_viewer_packets_lost", "gauge",
      "Packets lost, as the viewer reports them."},
  {"fraction-lost", "whepsink_viewer_fraction_lost", "gauge",
      "Fraction of packets lost since the viewer's previous report."},
  {"jitter", "whepsink_viewer_jitter_seconds", "gauge",
      "Interarrival jitter the viewer reports."},
  {"round-trip", "whepsink_viewer_round_trip_seconds", "gauge",
      "Round-trip time to the viewer."},
};

gchar *
whep_stats_to_prometheus (const GstStructure * stats, const gchar * path)
{
  const GValue *viewers = gst_structure_get_value (stats, "viewers");
  guint n = viewers && GST_VALUE_HOLDS_ARRAY (viewers) ?
      gst_value_array_get_size (viewers) : 0;
  const gchar *kinds[] = { "video", "audio" };
  const struct
  {
    const gchar *field;
    const gchar *status;
  } refusals[] = {
    {"refusals-forbidden", "403"}, {"refusals-not-acceptable", "406"},
    {"refusals-unavailable", "503"},
  };
  GString *out = g_string_new (NULL);
  gdouble number;
  guint i, k, m;

  append_header (out, "whepsink_viewers", "gauge",
      "Viewers served now, connected or not.");
  if (get_number (stats, "n-viewers", &number))
    append_sample (out, "whepsink_viewers", path, NULL, number);
  append_header (out, "whepsink_joins_total", "counter", "Viewers added.");
  if (get_number (stats, "joins", &number))
    append_sample (out, "whepsink_joins_total", path, NULL, number);
  append_header (out, "whepsink_leaves_total", "counter", "Viewers removed.");
  if (get_number (stats, "leaves", &number))
    append_sample (out, "whepsink_leaves_total", path, NULL, number);
  append_header (out, "whepsink_refusals_total", "counter",
      "Offers refused, by HTTP status.");
  for (i = 0; i < G_N_ELEMENTS (refusals); i++) {
    const gchar *labels[] = { "status", refusals[i].status, NULL };

    if (get_number (stats, refusals[i].field, &number))
      append_sample (out, "whepsink_refusals_total", path, labels, number);
  }

  for (m = 0; m < G_N_ELEMENTS (viewer_metrics); m++) {
    gboolean header = FALSE;

    for (i = 0; i < n; i++) {
      const GstStructure *v =
          gst_value_get_structure (gst_value_array_get_value (viewers, i));

      for (k = 0; k < G_N_ELEMENTS (kinds); k++) {
        gchar *field = g_strdup_printf ("%s-%s", kinds[k],
            viewer_metrics[m].field);
        const gchar *labels[] = { "id", gst_structure_get_string (v, "id"),
          "kind", kinds[k], NULL
        };

        if (get_number (v, field, &number)) {
          if (!header)
            append_header (out, viewer_metrics[m].metric,
                viewer_metrics[m].type, viewer_metrics[m].help);
          header = TRUE;
          append_sample (out, viewer_metrics[m].metric, path, labels, number);
        }
        g_free (field);
      }
    }
  }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Health */

gboolean
whep_health_is_ok (const WhepHealth * health)
{
  return health->ready && !health->draining && (health->max_viewers == 0 ||
      health->viewers < health->max_viewers);
}

gchar *
whep_health_to_json (const WhepHealth * health)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ready");
  json_builder_add_boolean_value (b, health->ready);
  json_builder_set_member_name (b, "draining");
  json_builder_add_boolean_value (b, health->draining);
  json_builder_set_member_name (b, "viewers");
  json_builder_add_int_value (b, health->viewers);
  json_builder_set_member_name (b, "max-viewers");
  json_builder_add_int_value (b, health->max_viewers);
  json_builder_set_member_name (b, "instance-id");
  if (health->instance_id)
    json_builder_add_string_value (b, health->instance_id);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}

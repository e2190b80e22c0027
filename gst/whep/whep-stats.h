/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The element's statistics (an application/x-whepsink-stats structure, see
 * whepsink's get-stats signal) as served by GET <path>/stats and
 * GET <path>/metrics. */

/* A JSON object: one member per field; numbers, strings (null for a NULL
 * string), and "viewers" an array of objects. */
gchar *whep_stats_to_json (const GstStructure * stats);

/* Prometheus' text format (version 0.0.4): whepsink_viewers (a gauge), the
 * totals as counters (whepsink_joins_total, whepsink_leaves_total,
 * whepsink_refusals_total{status=...}), and per viewer and track
 * whepsink_viewer_*{id=...,kind=...}; every sample labelled with
 * path=@path. */
gchar *whep_stats_to_prometheus (const GstStructure * stats,
    const gchar * path);

/* What GET <path>/health tells a load balancer. */
typedef struct
{
  gboolean ready;               /* the stream's tracks are known */
  gboolean draining;            /* new viewers are turned away (draining) */
  guint viewers;
  guint max_viewers;            /* 0: no limit */
  const gchar *instance_id;     /* or NULL */
} WhepHealth;

/* Whether this instance takes new viewers: TRUE (200) when ready, not
 * draining and there is room, FALSE (503) otherwise. */
gboolean whep_health_is_ok (const WhepHealth * health);

/* The body of either answer: a JSON object {"ready": bool, "draining":
 * bool, "viewers": n, "max-viewers": n, "instance-id": string or null}. */
gchar *whep_health_to_json (const WhepHealth * health);

G_END_DECLS

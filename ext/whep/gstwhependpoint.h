/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include "gstwhepmedia.h"
#include "gstwheppool.h"
#include "gstwhepserver.h"

G_BEGIN_DECLS

/* GstWhepEndpoint: the WHEP resources of one whepsink on its server, the
 * handlers the server calls through GstWhepEndpointFuncs:
 *
 *   POST <path>             an offer: a viewer now, or it waits for the
 *                           stream (at most ready-timeout, at most 64)
 *   PATCH <path>/<id>       trickled candidates, or an ICE restart
 *   DELETE <path>/<id>      the viewer's end
 *                           (<id> is <instance-id>/<session-id> with an
 *                           instance id; another instance's gets 404, or
 *                           307 to public-url)
 *   GET <path>/health       200 or 503 and JSON, for load balancers
 *   GET <path>/stats        the statistics as JSON, and
 *   GET <path>/metrics      as Prometheus text (with stats=true)
 *   GET parent of <path>    the player page
 *
 * The viewers themselves are the pool's; the endpoint speaks HTTP for
 * them.  Every handler, and everything that touches the offers waiting for
 * the stream, runs on the server's thread.
 */
#define GST_TYPE_WHEP_ENDPOINT (gst_whep_endpoint_get_type ())
G_DECLARE_FINAL_TYPE (GstWhepEndpoint, gst_whep_endpoint, GST, WHEP_ENDPOINT,
    GstObject)

/* For @element (only named in the log), with its @media and @pool; neither
 * is owned, and both must outlive the endpoint. */
GstWhepEndpoint *gst_whep_endpoint_new (GstElement * element,
    GstWhepMedia * media, GstWhepPool * pool);

/* Asked on the server's thread, with no lock held, before a POST is
 * looked at: FALSE refuses it with 403.  @headers is named "headers", a
 * string field per header (lower case). */
typedef gboolean (*GstWhepEndpointAuthorizeFunc) (GstWhepEndpoint * endpoint,
    const gchar * method, const gchar * path, const GstStructure * headers,
    gpointer user_data);

/* Sets the hook; once, before gst_whep_endpoint_start(). */
void gst_whep_endpoint_set_authorize (GstWhepEndpoint * endpoint,
    GstWhepEndpointAuthorizeFunc func, gpointer user_data);

/* The element's statistics (an application/x-whepsink-stats structure),
 * asked on the server's thread with no lock held. */
typedef GstStructure *(*GstWhepEndpointStatsFunc) (gpointer user_data);

/* Sets where the statistics come from; once, before
 * gst_whep_endpoint_start(). */
void gst_whep_endpoint_set_stats_func (GstWhepEndpoint * endpoint,
    GstWhepEndpointStatsFunc func, gpointer user_data);

/* @ready_timeout: seconds an offer waits for the stream; @player: serve
 * the player page; @stats: serve GET <path>/stats (JSON) and
 * GET <path>/metrics (Prometheus). */
void gst_whep_endpoint_set_settings (GstWhepEndpoint * endpoint,
    guint ready_timeout, gboolean player, gboolean stats);

/* While @draining, POSTs get 503 with Retry-After and GET <path>/health
 * says 503 and "draining": true; the viewers there play on. */
void gst_whep_endpoint_set_draining (GstWhepEndpoint * endpoint,
    gboolean draining);

/* @instance_id (NULL: none): the segment between <path> and the session id
 * in this instance's session URLs; @public_url (NULL: none): the absolute
 * base the balancer in front is reached at, for redirects and the player
 * page.  Both checked by the caller. */
void gst_whep_endpoint_set_urls (GstWhepEndpoint * endpoint,
    const gchar * instance_id, const gchar * public_url);

/* Registers the endpoint on @server at @path; FALSE (with @error) if the
 * path is taken. */
gboolean gst_whep_endpoint_start (GstWhepEndpoint * endpoint,
    GstWhepServer * server, const gchar * path,
    const GstWhepEndpointConfig * config, GError ** error);

/* Unregisters it and answers the waiting offers (503).  When this returns,
 * no handler runs, nor will one; until then they may. */
void gst_whep_endpoint_stop (GstWhepEndpoint * endpoint);

/* The stream's tracks are known: the waiting offers get their viewers.
 * From any thread. */
void gst_whep_endpoint_stream_ready (GstWhepEndpoint * endpoint);

/* Offers waiting for the stream, or being served: each leaves this count
 * once it is answered or has its viewer. */
guint gst_whep_endpoint_get_waiting (GstWhepEndpoint * endpoint);

G_END_DECLS

/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* baseline-server UDP_PORT HTTP_PORT [LATENCY_FILE]: the WHEP server a user
 * would otherwise write with stock GStreamer 1.22, nothing shared but the
 * demuxer and parsers:
 *
 *   udpsrc ! tsdemux ! queue ! h264parse ! tee ! fakesink
 *                    ` queue ! opusparse ! tee ! fakesink
 *   per POST:  tee ! queue (leaky) ! rtph264pay ! capssetter ! webrtcbin
 *              tee ! queue (leaky) ! rtpopuspay ! capssetter -'
 *
 * It is a baseline, not a strawman: it does what 1.22 needs to work at all
 * and what whepsink does per viewer too (tsdemux latency=0 and latency
 * recalculation, leaky 500 ms queues, the offer's payload type,
 * profile-level-id and an SSRC in the caps given to webrtcbin, no UPnP),
 * and nothing of whepsink's own: no gate before DTLS, no key-frame start,
 * no per-viewer bin, no error containment.  Answers POST with 201 once ICE
 * gathering is complete; DELETE ends a viewer.  Latency probes as in
 * whepsink-server.c. */
#include "bench-latency.h"

#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

static GMainLoop *loop;
static GstElement *pipeline;
static GstElement *tees[2];     /* video, audio */
static GHashTable *viewers;     /* id -> Viewer; main thread only */
static BenchLatency *lat;

typedef struct
{
  gchar *id;
  GstElement *webrtc;
  GPtrArray *elements;          /* everything added for this viewer */
  GPtrArray *tee_pads;
  GPtrArray *heads;             /* each branch's queue: video first */
  gboolean has_video;
  SoupServerMessage *msg;       /* the POST, until answered */
} Viewer;

static void
viewer_free (Viewer * v)
{
  guint i;

  for (i = 0; i < v->tee_pads->len; i++) {
    GstPad *teepad = g_ptr_array_index (v->tee_pads, i);
    GstPad *peer = gst_pad_get_peer (teepad);

    if (peer) {
      gst_pad_unlink (teepad, peer);
      gst_object_unref (peer);
    }
    gst_element_release_request_pad (GST_ELEMENT (GST_PAD_PARENT (teepad)),
        teepad);
    gst_object_unref (teepad);
  }
  for (i = 0; i < v->elements->len; i++) {
    GstElement *e = g_ptr_array_index (v->elements, i);

    gst_element_set_state (e, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (pipeline), e);
  }
  g_ptr_array_unref (v->tee_pads);
  g_ptr_array_unref (v->heads);
  g_ptr_array_unref (v->elements);
  g_free (v->id);
  g_free (v);
}

/* ---------------------------------------------------------------------- */
/* Answering, on the main thread */

typedef struct
{
  gchar *id;
  gchar *sdp;
} Answer;

static gboolean
send_answer (gpointer data)
{
  Answer *a = data;
  Viewer *v = g_hash_table_lookup (viewers, a->id);

  if (v && v->msg) {
    gchar *location = g_strdup_printf ("/whep/%s", v->id);

    soup_message_headers_replace (soup_server_message_get_response_headers
        (v->msg), "Location", location);
    soup_server_message_set_response (v->msg, "application/sdp",
        SOUP_MEMORY_COPY, a->sdp, strlen (a->sdp));
    soup_server_message_set_status (v->msg, SOUP_STATUS_CREATED, NULL);
    soup_server_message_unpause (v->msg);
    g_object_unref (v->msg);
    v->msg = NULL;
    g_free (location);
  }
  g_free (a->id);
  g_free (a->sdp);
  g_free (a);
  return G_SOURCE_REMOVE;
}

/* webrtcbin thread */
static void
free_id (gpointer id, GClosure * closure)
{
  g_free (id);
}

static void
on_gathering_state (GstElement * webrtc, GParamSpec * pspec, gchar * id)
{
  GstWebRTCICEGatheringState state;
  GstWebRTCSessionDescription *local = NULL;
  Answer *a;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;
  g_object_get (webrtc, "local-description", &local, NULL);
  if (local == NULL)
    return;
  a = g_new0 (Answer, 1);
  a->id = g_strdup (id);
  a->sdp = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);
  g_main_context_invoke (NULL, send_answer, a);
}

static void
on_answer (GstPromise * promise, gpointer webrtc)
{
  GstWebRTCSessionDescription *answer = NULL;
  const GstStructure *reply = gst_promise_get_reply (promise);

  if (reply)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
        &answer, NULL);
  gst_promise_unref (promise);
  if (answer == NULL) {
    g_printerr ("baseline-server: no answer\n");
    return;
  }
  g_signal_emit_by_name (webrtc, "set-local-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
on_remote_set (GstPromise * promise, gpointer webrtc)
{
  gst_promise_unref (promise);
  g_signal_emit_by_name (webrtc, "create-answer", NULL,
      gst_promise_new_with_change_func (on_answer, webrtc, NULL));
}

/* ---------------------------------------------------------------------- */
/* A viewer */

/* The first payload type of @encoding ("H264/90000") in the m-line, with
 * packetization-mode=1 for H.264; its profile-level-id if asked. */
static gint
find_format (const GstSDPMedia * m, const gchar * encoding,
    gchar ** profile_level_id)
{
  guint i;

  for (i = 0; i < gst_sdp_media_formats_len (m); i++) {
    gint pt = atoi (gst_sdp_media_get_format (m, i));
    GstCaps *caps = gst_sdp_media_get_caps_from_media (m, pt);
    GstStructure *s;
    const gchar *name, *mode;
    gchar *want;
    gboolean ok;

    if (caps == NULL)
      continue;
    s = gst_caps_get_structure (caps, 0);
    name = gst_structure_get_string (s, "encoding-name");
    want = g_strndup (encoding, strchr (encoding, '/') - encoding);
    ok = name && g_ascii_strcasecmp (name, want) == 0;
    g_free (want);
    if (ok && profile_level_id) {
      mode = gst_structure_get_string (s, "packetization-mode");
      ok = g_strcmp0 (mode, "1") == 0;
      if (ok)
        *profile_level_id =
            g_strdup (gst_structure_get_string (s, "profile-level-id"));
    }
    gst_caps_unref (caps);
    if (ok)
      return pt;
  }
  return -1;
}

static GstElement *
add (Viewer * v, const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  gst_bin_add (GST_BIN (pipeline), e);
  g_ptr_array_add (v->elements, e);
  return e;
}

static void
add_branch (Viewer * v, gint kind, gint pt, const gchar * plid)
{
  GstElement *q = add (v, "queue");
  GstElement *pay = add (v, kind == 0 ? "rtph264pay" : "rtpopuspay");
  GstElement *setter = add (v, "capssetter");
  guint32 ssrc = g_random_int () | 1;
  GstPad *sinkpad, *srcpad;
  GstPadTemplate *templ;
  GstWebRTCRTPTransceiver *trans = NULL;
  GstCaps *caps;

  g_object_set (q, "leaky", 2, "max-size-buffers", 0, "max-size-bytes", 0,
      "max-size-time", 500 * GST_MSECOND, NULL);
  g_object_set (pay, "pt", pt, "ssrc", ssrc, "mtu", 1200, NULL);
  if (kind == 0) {
    gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode",
        "zero-latency");
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
        "video", "encoding-name", G_TYPE_STRING, "H264", "clock-rate",
        G_TYPE_INT, 90000, "payload", G_TYPE_INT, pt, "packetization-mode",
        G_TYPE_STRING, "1", "profile-level-id", G_TYPE_STRING,
        plid ? plid : "42e01f", "ssrc", G_TYPE_UINT, ssrc, NULL);
  } else {
    caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
        "audio", "encoding-name", G_TYPE_STRING, "OPUS", "clock-rate",
        G_TYPE_INT, 48000, "payload", G_TYPE_INT, pt, "encoding-params",
        G_TYPE_STRING, "2", "ssrc", G_TYPE_UINT, ssrc, NULL);
  }
  g_object_set (setter, "caps", caps, "join", FALSE, "replace", TRUE, NULL);
  gst_element_link_many (q, pay, setter, NULL);

  templ = gst_element_get_pad_template (v->webrtc, "sink_%u");
  sinkpad = gst_element_request_pad (v->webrtc, templ, NULL, caps);
  gst_caps_unref (caps);
  g_object_get (sinkpad, "transceiver", &trans, NULL);
  g_object_set (trans, "direction",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
  gst_object_unref (trans);
  srcpad = gst_element_get_static_pad (setter, "src");
  gst_pad_link (srcpad, sinkpad);
  gst_object_unref (srcpad);
  gst_object_unref (sinkpad);

  g_ptr_array_add (v->heads, q);
}

/* Only once the branch runs: data into an element that is not yet PLAYING
 * comes back FLUSHING, and tee passes that up and stops the stream. */
static void
link_branches (Viewer * v)
{
  guint i;

  for (i = 0; i < v->heads->len; i++) {
    GstElement *q = g_ptr_array_index (v->heads, i);
    GstPad *teepad = gst_element_request_pad_simple (tees[i == 0 &&
            v->has_video ? 0 : 1], "src_%u");
    GstPad *sinkpad = gst_element_get_static_pad (q, "sink");

    gst_pad_link (teepad, sinkpad);
    gst_object_unref (sinkpad);
    g_ptr_array_add (v->tee_pads, teepad);
  }
}

static void
handle_post (SoupServerMessage * msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const gchar *ctype = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), NULL);
  GstSDPMessage *offer = NULL;
  GstWebRTCSessionDescription *desc;
  GObject *ice = NULL, *agent = NULL;
  gint vpt = -1, apt = -1;
  gchar *plid = NULL;
  Viewer *v;
  guint i;

  if (g_strcmp0 (ctype, "application/sdp") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        NULL);
    return;
  }
  gst_sdp_message_new_from_text (body->data ? body->data : "", &offer);
  for (i = 0; offer && i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (offer, i);

    if (vpt < 0 && g_str_equal (gst_sdp_media_get_media (m), "video"))
      vpt = find_format (m, "H264/90000", &plid);
    else if (apt < 0 && g_str_equal (gst_sdp_media_get_media (m), "audio"))
      apt = find_format (m, "OPUS/48000", NULL);
  }
  if (vpt < 0 && apt < 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_ACCEPTABLE, NULL);
    gst_sdp_message_free (offer);
    return;
  }

  v = g_new0 (Viewer, 1);
  v->id = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  v->elements = g_ptr_array_new ();
  v->tee_pads = g_ptr_array_new ();
  v->heads = g_ptr_array_new ();
  v->has_video = vpt >= 0;
  v->msg = g_object_ref (msg);
  v->webrtc = add (v, "webrtcbin");
  gst_util_set_object_arg (G_OBJECT (v->webrtc), "bundle-policy",
      "max-bundle");
  g_object_get (v->webrtc, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_object_set (agent, "upnp", FALSE, NULL);
  g_object_unref (agent);
  g_object_unref (ice);
  g_signal_connect_data (v->webrtc, "notify::ice-gathering-state",
      G_CALLBACK (on_gathering_state), g_strdup (v->id),
      free_id, 0);
  if (vpt >= 0)
    add_branch (v, 0, vpt, plid);
  if (apt >= 0)
    add_branch (v, 1, apt, NULL);
  g_free (plid);
  g_hash_table_insert (viewers, v->id, v);
  for (i = 0; i < v->elements->len; i++)
    gst_element_sync_state_with_parent (g_ptr_array_index (v->elements, i));
  link_branches (v);

  soup_server_message_pause (msg);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER,
      offer);
  g_signal_emit_by_name (v->webrtc, "set-remote-description", desc,
      gst_promise_new_with_change_func (on_remote_set, v->webrtc, NULL));
  gst_webrtc_session_description_free (desc);
}

static void
on_request (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  const gchar *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/whep") && g_str_equal (method, "POST")) {
    handle_post (msg);
  } else if (g_str_has_prefix (path, "/whep/") &&
      g_str_equal (method, "DELETE")) {
    Viewer *v = NULL;
    gpointer key;

    if (g_hash_table_steal_extended (viewers, path + 6, &key,
            (gpointer *) & v)) {
      viewer_free (v);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    } else {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    }
  } else {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  }
}

/* ---------------------------------------------------------------------- */

static void
demux_pad_added (GstElement * demux, GstPad * pad, GstElement ** heads)
{
  GstCaps *caps = gst_pad_query_caps (pad, NULL);
  const gchar *name = gst_structure_get_name (gst_caps_get_structure (caps,
          0));
  gint kind = g_str_equal (name, "video/x-h264") ? 0 :
      g_str_equal (name, "audio/x-opus") ? 1 : -1;
  GstPad *sinkpad;

  gst_caps_unref (caps);
  if (kind < 0)
    return;
  sinkpad = gst_element_get_static_pad (heads[kind], "sink");
  if (!gst_pad_is_linked (sinkpad))
    gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  GError *err = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (pipeline));
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("baseline-server: %s: %s\n", GST_MESSAGE_SRC_NAME (msg),
          err->message);
      g_clear_error (&err);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static const gchar *latency_file;

static gboolean
on_usr1 (gpointer data)
{
  if (lat)
    bench_latency_start (lat);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_usr2 (gpointer data)
{
  FILE *f = lat ? fopen (latency_file, "a") : NULL;

  if (f) {
    bench_latency_write (lat, "baseline", f);
    fclose (f);
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  static GstElement *heads[2];
  GstElement *demux;
  GError *error = NULL;
  SoupServer *server;
  gchar *desc;
  GstBus *bus;

  gst_init (&argc, &argv);
  if (argc < 3) {
    g_printerr ("usage: %s UDP_PORT HTTP_PORT [LATENCY_FILE]\n", argv[0]);
    return 2;
  }
  desc = g_strdup_printf ("udpsrc port=%d buffer-size=4194304 "
      "caps=\"video/mpegts, systemstream=(boolean)true\" ! "
      "tsdemux name=demux latency=0 "
      "queue name=vq ! h264parse config-interval=-1 ! "
      "video/x-h264, stream-format=byte-stream, alignment=au ! "
      "tee name=vt allow-not-linked=true ! "
      "fakesink sync=false async=false enable-last-sample=false "
      "queue name=aq ! opusparse ! tee name=at allow-not-linked=true ! "
      "fakesink sync=false async=false enable-last-sample=false",
      atoi (argv[1]));
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("baseline-server: %s\n", error->message);
    return 1;
  }
  demux = gst_bin_get_by_name (GST_BIN (pipeline), "demux");
  heads[0] = gst_bin_get_by_name (GST_BIN (pipeline), "vq");
  heads[1] = gst_bin_get_by_name (GST_BIN (pipeline), "aq");
  tees[0] = gst_bin_get_by_name (GST_BIN (pipeline), "vt");
  tees[1] = gst_bin_get_by_name (GST_BIN (pipeline), "at");
  g_signal_connect (demux, "pad-added", G_CALLBACK (demux_pad_added), heads);
  if (argc > 3) {
    GstPad *pad = gst_element_get_static_pad (demux, "sink");

    lat = bench_latency_new (pipeline, pad);
    latency_file = argv[3];
    gst_object_unref (pad);
  }
  gst_object_unref (demux);

  viewers = g_hash_table_new (g_str_hash, g_str_equal);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/whep", on_request, NULL, NULL);
  if (!soup_server_listen_all (server, atoi (argv[2]),
          SOUP_SERVER_LISTEN_IPV4_ONLY, &error)) {
    g_printerr ("baseline-server: %s\n", error->message);
    return 1;
  }

  loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus, NULL);
  g_unix_signal_add (SIGINT, on_quit, NULL);
  g_unix_signal_add (SIGTERM, on_quit, NULL);
  g_unix_signal_add (SIGUSR1, on_usr1, NULL);
  g_unix_signal_add (SIGUSR2, on_usr2, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (loop);

  g_object_unref (server);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return 0;
}

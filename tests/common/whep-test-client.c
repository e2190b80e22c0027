/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "whep-test-client.h"

#include <gst/webrtc/webrtc.h>
#include <gst/rtp/rtp.h>
#include <libsoup/soup.h>
#include <nice/agent.h>
#include <string.h>

static const gchar *const default_h264[] = { "102:42e01f:1", NULL };

struct _WhepTestClient
{
  gchar *endpoint_url;
  WhepTestClientConfig config;
  GstElement *pipeline;
  GstElement *webrtc;
  SoupSession *http;

  GMutex lock;
  GCond cond;
  /* protected by lock */
  gboolean gathered;
  guint video_frames;
  guint audio_buffers;
  gint width, height;
  gint64 post_time;
  gint64 first_video_time;
  guint rtp_packets;
  guint rtp_jumps;
  gboolean have_rtp_ts;
  guint32 last_rtp_ts;
  gint first_video_packet_keyframe;     /* -1: none yet */
  gboolean video_h265;          /* the video received is H.265 */
  GHashTable *dropped_seqs;     /* of seq: dropped, not yet seen again */
  GHashTable *nacked_seqs;      /* of seq: dropped, then asked for */
  guint dropped;
  guint16 last_dropped;
  guint recovered;

  gchar *session_url;
  gchar *answer;
  gchar *etag;
};

/* ---------------------------------------------------------------------- */
/* HTTP */

static guint
http_exchange (SoupSession * http, const gchar * method, const gchar * url,
    const gchar * content_type, const gchar * body, gsize body_len,
    gchar ** response_body, const gchar * header_name, gchar ** header_value,
    gchar ** etag)
{
  SoupMessage *msg = soup_message_new (method, url);
  GBytes *reply;
  guint status;

  if (msg == NULL)
    return 0;
  if (body) {
    GBytes *bytes = g_bytes_new (body, body_len);

    soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    g_bytes_unref (bytes);
  }
  reply = soup_session_send_and_read (http, msg, NULL, NULL);
  status = soup_message_get_status (msg);
  if (response_body)
    *response_body = reply ? g_strndup (g_bytes_get_data (reply, NULL),
        g_bytes_get_size (reply)) : NULL;
  if (header_name && header_value)
    *header_value = g_strdup (soup_message_headers_get_one
        (soup_message_get_response_headers (msg), header_name));
  if (etag)
    *etag = g_strdup (soup_message_headers_get_one
        (soup_message_get_response_headers (msg), "ETag"));
  if (reply)
    g_bytes_unref (reply);
  g_object_unref (msg);
  return status;
}

guint
whep_test_http (const gchar * method, const gchar * url,
    const gchar * content_type, const gchar * body, gsize body_len,
    gchar ** response_body, const gchar * header_name, gchar ** header_value)
{
  SoupSession *http = soup_session_new_with_options ("timeout", 30, NULL);
  guint status = http_exchange (http, method, url, content_type, body,
      body_len, response_body, header_name, header_value, NULL);

  g_object_unref (http);
  return status;
}

static gboolean
accept_any_certificate (SoupMessage * msg, GTlsCertificate * cert,
    GTlsCertificateFlags errors, gpointer user_data)
{
  return TRUE;
}

guint
whep_test_http_full (const gchar * method, const gchar * url,
    const gchar * const *headers, const gchar * content_type,
    const gchar * body, gsize body_len, gchar ** response_body,
    gpointer * response_headers)
{
  SoupSession *http = soup_session_new_with_options ("timeout", 30, NULL);
  SoupMessage *msg = soup_message_new (method, url);
  GBytes *reply;
  guint status, i;

  if (msg == NULL) {
    g_object_unref (http);
    return 0;
  }
  g_signal_connect (msg, "accept-certificate",
      G_CALLBACK (accept_any_certificate), NULL);
  for (i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        headers[i], headers[i + 1]);
  if (body) {
    GBytes *bytes = g_bytes_new (body, body_len);

    soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    g_bytes_unref (bytes);
  }
  reply = soup_session_send_and_read (http, msg, NULL, NULL);
  status = soup_message_get_status (msg);
  if (response_body)
    *response_body = reply ? g_strndup (g_bytes_get_data (reply, NULL),
        g_bytes_get_size (reply)) : NULL;
  if (response_headers)
    *response_headers =
        soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (reply)
    g_bytes_unref (reply);
  g_object_unref (msg);
  g_object_unref (http);
  return status;
}

WhepTestReply *
whep_test_request (const gchar * method, const gchar * url,
    const gchar * content_type, const gchar * body,
    const gchar * const *headers)
{
  WhepTestReply *r = g_new0 (WhepTestReply, 1);

  r->status = whep_test_http_full (method, url, headers, content_type, body,
      body ? strlen (body) : 0, &r->body, &r->headers);
  return r;
}

const gchar *
whep_test_reply_header (WhepTestReply * reply, const gchar * name)
{
  return reply->headers ? soup_message_headers_get_one (reply->headers,
      name) : NULL;
}

void
whep_test_reply_free (WhepTestReply * reply)
{
  g_free (reply->body);
  if (reply->headers)
    soup_message_headers_unref (reply->headers);
  g_free (reply);
}

/* ---------------------------------------------------------------------- */
/* Media */

static GstPadProbeReturn
count_video (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  WhepTestClient *client = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  g_mutex_lock (&client->lock);
  if (client->video_frames == 0)
    client->first_video_time = g_get_monotonic_time ();
  client->video_frames++;
  if (caps) {
    GstStructure *s = gst_caps_get_structure (caps, 0);

    gst_structure_get_int (s, "width", &client->width);
    gst_structure_get_int (s, "height", &client->height);
  }
  g_cond_broadcast (&client->cond);
  g_mutex_unlock (&client->lock);
  gst_clear_caps (&caps);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_audio (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  WhepTestClient *client = user_data;

  g_mutex_lock (&client->lock);
  client->audio_buffers++;
  g_cond_broadcast (&client->cond);
  g_mutex_unlock (&client->lock);
  return GST_PAD_PROBE_OK;
}

/* RFC 7798: a VPS (type 32), alone or in an AP (48) after at most
 * delimiters (35) and prefix SEI (39) */
static gboolean
h265_starts_keyframe (const guint8 * payload, guint len)
{
  guint pos = 2;

  if (len < 2)
    return FALSE;
  if (((payload[0] >> 1) & 0x3f) == 32)
    return TRUE;
  if (((payload[0] >> 1) & 0x3f) != 48)
    return FALSE;
  while (pos + 4 <= len) {
    guint type = (payload[pos + 2] >> 1) & 0x3f;

    if (type == 32)
      return TRUE;
    if (type != 35 && type != 39)
      return FALSE;
    pos += 2 + ((payload[pos] << 8) | payload[pos + 1]);
  }
  return FALSE;
}

/* RTP time must run on with the stream, through MPEG-TS PTS wraps. */
static GstPadProbeReturn
watch_rtp_time (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  WhepTestClient *client = user_data;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gboolean h265;
  guint32 ts;

  gboolean keyframe = FALSE;
  guint8 *payload;
  guint len;

  if (!gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ,
          &rtp))
    return GST_PAD_PROBE_OK;
  ts = gst_rtp_buffer_get_timestamp (&rtp);
  payload = gst_rtp_buffer_get_payload (&rtp);
  len = gst_rtp_buffer_get_payload_len (&rtp);
  g_mutex_lock (&client->lock);
  h265 = client->video_h265;
  g_mutex_unlock (&client->lock);
  /* where a decoder can start: an SPS, alone or in a STAP-A after at most
   * a delimiter and SEI; for H.265 a VPS, alone or in an AP likewise */
  if (h265) {
    keyframe = h265_starts_keyframe (payload, len);
  } else if (len >= 1 && (payload[0] & 0x1f) == 7) {
    keyframe = TRUE;
  } else if (len >= 1 && (payload[0] & 0x1f) == 24) {
    guint pos = 1;

    while (pos + 3 <= len) {
      guint type = payload[pos + 2] & 0x1f;

      if (type == 7)
        keyframe = TRUE;
      if (type != 9 && type != 6)
        break;
      pos += 2 + ((payload[pos] << 8) | payload[pos + 1]);
    }
  }
  gst_rtp_buffer_unmap (&rtp);

  g_mutex_lock (&client->lock);
  if (client->first_video_packet_keyframe < 0)
    client->first_video_packet_keyframe = keyframe;
  client->rtp_packets++;
  if (client->have_rtp_ts && ts != client->last_rtp_ts) {
    gint32 step = (gint32) (ts - client->last_rtp_ts);

    if (step < 0 || step > 90000)
      client->rtp_jumps++;
  }
  client->have_rtp_ts = TRUE;
  client->last_rtp_ts = ts;
  g_mutex_unlock (&client->lock);
  return GST_PAD_PROBE_OK;
}

/* Simulated loss, before SRTP is undone (the RTP header is in the clear):
 * returns TRUE to drop @buf. */
static gboolean
drop_packet (WhepTestClient * client, GstBuffer * buf)
{
  guint8 head[4];
  guint16 seq;
  gboolean drop = FALSE;
  guint8 video_pt = 102;

  if (client->config.h264_variants)
    video_pt = atoi (client->config.h264_variants[0]);
  if (gst_buffer_extract (buf, 0, head, 4) != 4 || (head[0] >> 6) != 2 ||
      (head[1] & 0x7f) != video_pt)
    return FALSE;
  seq = GST_READ_UINT16_BE (head + 2);

  g_mutex_lock (&client->lock);
  if (g_hash_table_remove (client->dropped_seqs, GUINT_TO_POINTER (seq))) {
    GST_DEBUG ("video packet %u came again", seq);
    client->recovered++;
  } else if (seq % client->config.drop_video_every == 0 &&
      client->first_video_packet_keyframe >= 0 &&
      client->dropped < WHEP_TEST_CLIENT_MAX_DROPS &&
      (client->dropped == 0 || (gint16) (seq - client->last_dropped) > 0)) {
    /* a new packet, not one sent again */
    g_hash_table_add (client->dropped_seqs, GUINT_TO_POINTER (seq));
    GST_DEBUG ("dropping video packet %u", seq);
    client->last_dropped = seq;
    client->dropped++;
    drop = TRUE;
  }
  g_mutex_unlock (&client->lock);
  return drop;
}

static gboolean
drop_from_list (GstBuffer ** buf, guint idx, gpointer user_data)
{
  if (drop_packet (user_data, *buf))
    gst_clear_buffer (buf);
  return TRUE;
}

static GstPadProbeReturn
lossy_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  WhepTestClient *client = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list =
        gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

    gst_buffer_list_foreach (list, drop_from_list, client);
    GST_PAD_PROBE_INFO_DATA (info) = list;
    return GST_PAD_PROBE_OK;
  }
  return drop_packet (client, GST_PAD_PROBE_INFO_BUFFER (info)) ?
      GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* What the client's rtpsession puts into its RTCP NACKs: a packet asked
 * for is one the server was told of. */
static guint
on_sending_nacks (GObject * rtpsession, guint sender_ssrc, guint media_ssrc,
    GArray * nacks, GstBuffer * rtcp, WhepTestClient * client)
{
  guint i;

  g_mutex_lock (&client->lock);
  for (i = 0; i < nacks->len; i++) {
    gpointer seq = GUINT_TO_POINTER (g_array_index (nacks, guint16, i));

    if (g_hash_table_contains (client->dropped_seqs, seq))
      g_hash_table_add (client->nacked_seqs, seq);
  }
  g_mutex_unlock (&client->lock);
  /* none handled here: rtpsession writes them all as usual */
  return 0;
}

/* The first SSRC of an RTP session is when the session is there to watch. */
static void
on_new_ssrc (GstElement * rtpbin, guint session_id, guint ssrc,
    WhepTestClient * client)
{
  GObject *rtpsession = NULL;

  g_signal_emit_by_name (rtpbin, "get-internal-session", session_id,
      &rtpsession);
  if (rtpsession && !g_object_get_data (rtpsession, "whep-watched")) {
    g_object_set_data (rtpsession, "whep-watched", GINT_TO_POINTER (1));
    g_signal_connect (rtpsession, "on-sending-nacks",
        G_CALLBACK (on_sending_nacks), client);
  }
  g_clear_object (&rtpsession);
}

static void
on_element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    WhepTestClient * client)
{
  GstElementFactory *f = gst_element_get_factory (element);
  GstPad *src;

  /* NACK what is missing, not also what is merely due (a browser does
   * not either): fewer requests, and none for packets not sent yet */
  if (f && g_strcmp0 (GST_OBJECT_NAME (f), "rtpjitterbuffer") == 0)
    g_object_set (element, "rtx-next-seqnum", FALSE, NULL);
  if (f == NULL || g_strcmp0 (GST_OBJECT_NAME (f), "nicesrc") != 0)
    return;
  src = gst_element_get_static_pad (element, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, lossy_probe, client, NULL);
  gst_object_unref (src);
}

/* webrtcbin made its rtpbin already (nicesrc and the jitterbuffers come
 * later, through deep-element-added) */
static void
watch_rtpbin (WhepTestClient * client)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (client->webrtc));
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElementFactory *f = gst_element_get_factory (g_value_get_object
        (&item));

    if (f && g_strcmp0 (GST_OBJECT_NAME (f), "rtpbin") == 0)
      g_signal_connect (g_value_get_object (&item), "on-new-ssrc",
          G_CALLBACK (on_new_ssrc), client);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

void
whep_test_client_get_loss_stats (WhepTestClient * client, guint * dropped,
    guint * nacked, guint * recovered)
{
  g_mutex_lock (&client->lock);
  *dropped = client->dropped;
  *nacked = g_hash_table_size (client->nacked_seqs);
  *recovered = client->recovered;
  g_mutex_unlock (&client->lock);
}

static void
on_incoming_pad (GstElement * webrtc, GstPad * pad, WhepTestClient * client)
{
  GstCaps *caps;
  const gchar *encoding;
  gboolean video, h265;
  gchar *desc;
  GstElement *bin;
  GstPad *sinkpad, *countpad;
  GError *error = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0),
      "encoding-name");
  video = g_strcmp0 (encoding, "H264") == 0;
  h265 = g_strcmp0 (encoding, "H265") == 0;

  if (h265) {
    g_mutex_lock (&client->lock);
    client->video_h265 = TRUE;
    g_mutex_unlock (&client->lock);
    video = TRUE;
    desc = g_strdup_printf ("rtph265depay ! h265parse ! %s "
        "fakesink name=out sync=false", client->config.decode ?
        "avdec_h265 ! " : "");
  } else if (video)
    desc = g_strdup_printf ("rtph264depay ! h264parse ! %s "
        "fakesink name=out sync=false", client->config.decode ?
        "avdec_h264 ! " : "");
  else
    desc = g_strdup_printf ("rtpopusdepay ! %s fakesink name=out sync=false",
        client->config.decode ? "opusdec !" : "");
  gst_caps_unref (caps);

  bin = gst_parse_bin_from_description (desc, TRUE, &error);
  g_free (desc);
  g_assert_no_error (error);
  gst_bin_add (GST_BIN (client->pipeline), bin);
  gst_element_sync_state_with_parent (bin);

  {
    GstElement *out = gst_bin_get_by_name (GST_BIN (bin), "out");

    countpad = gst_element_get_static_pad (out, "sink");
    gst_object_unref (out);
  }
  gst_pad_add_probe (countpad, GST_PAD_PROBE_TYPE_BUFFER,
      video ? count_video : count_audio, client, NULL);
  gst_object_unref (countpad);

  sinkpad = gst_element_get_static_pad (bin, "sink");
  if (video)
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, watch_rtp_time,
        client, NULL);
  g_assert_cmpint (gst_pad_link (pad, sinkpad), ==, GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

/* ---------------------------------------------------------------------- */
/* Signalling */

static void
on_gathering_state (GstElement * webrtc, GParamSpec * pspec,
    WhepTestClient * client)
{
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) {
    g_mutex_lock (&client->lock);
    client->gathered = TRUE;
    g_cond_broadcast (&client->cond);
    g_mutex_unlock (&client->lock);
  }
}

static GstCaps *
video_caps (const WhepTestClientConfig * config)
{
  const gchar *const *variants = config->h264_variants ?
      config->h264_variants : default_h264;
  GstCaps *caps = gst_caps_new_empty ();
  guint i;

  if (config->h265_pt > 0)
    gst_caps_append_structure (caps, gst_structure_new ("application/x-rtp",
            "media", G_TYPE_STRING, "video",
            "encoding-name", G_TYPE_STRING, "H265",
            "clock-rate", G_TYPE_INT, 90000,
            "payload", G_TYPE_INT, config->h265_pt,
            "profile-id", G_TYPE_STRING, "1",
            "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE, NULL));
  for (i = 0; variants[i]; i++) {
    gchar **parts = g_strsplit (variants[i], ":", 3);

    gst_caps_append_structure (caps, gst_structure_new ("application/x-rtp",
            "media", G_TYPE_STRING, "video",
            "encoding-name", G_TYPE_STRING, "H264",
            "clock-rate", G_TYPE_INT, 90000,
            "payload", G_TYPE_INT, atoi (parts[0]),
            "profile-level-id", G_TYPE_STRING, parts[1],
            "packetization-mode", G_TYPE_STRING, parts[2],
            "level-asymmetry-allowed", G_TYPE_STRING, "1",
            "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE, NULL));
    g_strfreev (parts);
  }
  return caps;
}

static void
add_transceiver (WhepTestClient * client, GstCaps * caps, gboolean nack)
{
  GstWebRTCRTPTransceiver *trans = NULL;

  g_signal_emit_by_name (client->webrtc, "add-transceiver",
      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &trans);
  gst_caps_unref (caps);
  if (trans && nack)
    g_object_set (trans, "do-nack", TRUE, NULL);
  gst_clear_object (&trans);
}

static GstWebRTCSessionDescription *
await_description (GstPromise * promise, const gchar * field)
{
  GstWebRTCSessionDescription *desc = NULL;
  const GstStructure *reply;

  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  reply = gst_promise_get_reply (promise);
  g_assert_nonnull (reply);
  gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc,
      NULL);
  gst_promise_unref (promise);
  return desc;
}

WhepTestClient *
whep_test_client_new (const gchar * endpoint_url,
    const WhepTestClientConfig * config)
{
  WhepTestClient *client = g_new0 (WhepTestClient, 1);

  client->endpoint_url = g_strdup (endpoint_url);
  client->config = *config;
  g_mutex_init (&client->lock);
  client->first_video_packet_keyframe = -1;
  g_cond_init (&client->cond);
  client->http = soup_session_new_with_options ("timeout", 30, NULL);

  client->pipeline = gst_pipeline_new (NULL);
  client->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  g_assert_nonnull (client->webrtc);
  gst_util_set_object_arg (G_OBJECT (client->webrtc), "bundle-policy",
      "max-bundle");
  gst_bin_add (GST_BIN (client->pipeline), client->webrtc);
  g_signal_connect (client->webrtc, "pad-added", G_CALLBACK (on_incoming_pad),
      client);
  g_signal_connect (client->webrtc, "notify::ice-gathering-state",
      G_CALLBACK (on_gathering_state), client);

  if (config->drop_video_every) {
    client->dropped_seqs = g_hash_table_new (NULL, NULL);
    client->nacked_seqs = g_hash_table_new (NULL, NULL);
    watch_rtpbin (client);
    g_signal_connect (client->pipeline, "deep-element-added",
        G_CALLBACK (on_element_added), client);
  }
  if (config->video)
    add_transceiver (client, video_caps (config),
        config->drop_video_every > 0);
  if (config->audio)
    add_transceiver (client,
        gst_caps_from_string ("application/x-rtp, media=audio, "
            "encoding-name=OPUS, clock-rate=48000, payload=111, "
            "encoding-params=(string)2, minptime=(string)10, "
            "useinbandfec=(string)1"), FALSE);
  return client;
}

guint
whep_test_client_connect (WhepTestClient * client, GError ** error)
{
  GstWebRTCSessionDescription *offer, *answer_desc;
  GstPromise *promise;
  gchar *offer_text, *body = NULL, *location = NULL;
  GstSDPMessage *answer_sdp;
  GUri *base, *resolved;
  guint status;

  if (gst_element_set_state (client->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "client pipeline does not start");
    return 0;
  }

  promise = gst_promise_new ();
  g_signal_emit_by_name (client->webrtc, "create-offer", NULL, promise);
  offer = await_description (promise, "offer");
  g_assert_nonnull (offer);
  promise = gst_promise_new ();
  g_signal_emit_by_name (client->webrtc, "set-local-description", offer,
      promise);
  gst_promise_wait (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (offer);

  /* no trickle: send the offer with every candidate in it */
  g_mutex_lock (&client->lock);
  while (!client->gathered)
    g_cond_wait (&client->cond, &client->lock);
  g_mutex_unlock (&client->lock);
  g_object_get (client->webrtc, "local-description", &offer, NULL);
  offer_text = gst_sdp_message_as_text (offer->sdp);
  gst_webrtc_session_description_free (offer);

  client->post_time = g_get_monotonic_time ();
  status = http_exchange (client->http, "POST", client->endpoint_url,
      "application/sdp", offer_text, strlen (offer_text), &body, "Location",
      &location, &client->etag);
  g_free (offer_text);
  if (status != SOUP_STATUS_CREATED) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
        "POST answered %u: %s", status, body ? body : "");
    g_free (body);
    g_free (location);
    return status;
  }

  base = g_uri_parse (client->endpoint_url, G_URI_FLAGS_NONE, NULL);
  resolved = g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, NULL);
  client->session_url = resolved ? g_uri_to_string (resolved) : NULL;
  g_uri_unref (base);
  if (resolved)
    g_uri_unref (resolved);
  g_free (location);

  client->answer = body;
  gst_sdp_message_new_from_text (body, &answer_sdp);
  answer_desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER,
      answer_sdp);
  promise = gst_promise_new ();
  g_signal_emit_by_name (client->webrtc, "set-remote-description",
      answer_desc, promise);
  gst_promise_wait (promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (answer_desc);
  return status;
}

gint
whep_test_client_first_video_packet_was_keyframe (WhepTestClient * client)
{
  gint ret;

  g_mutex_lock (&client->lock);
  ret = client->first_video_packet_keyframe;
  g_mutex_unlock (&client->lock);
  return ret;
}

static gboolean
count_remote_outbound (GQuark field_id, const GValue * value,
    gpointer user_data)
{
  guint *count = user_data;
  GstWebRTCStatsType type;
  const GstStructure *s;
  gdouble ntp = 0;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  /* webrtcbin lists any sender it heard of; one that sent a Sender Report
   * has its NTP time */
  if (gst_structure_get_enum (s, "type", GST_TYPE_WEBRTC_STATS_TYPE,
          (gint *) & type) && type == GST_WEBRTC_STATS_REMOTE_OUTBOUND_RTP &&
      gst_structure_get_double (s, "remote-timestamp", &ntp) && ntp > 0)
    (*count)++;
  return TRUE;
}

guint
whep_test_client_count_sender_reports (WhepTestClient * client)
{
  GstPromise *promise = gst_promise_new ();
  const GstStructure *stats;
  guint count = 0;

  g_signal_emit_by_name (client->webrtc, "get-stats", NULL, promise);
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED &&
      (stats = gst_promise_get_reply (promise)))
    gst_structure_foreach (stats, count_remote_outbound, &count);
  gst_promise_unref (promise);
  return count;
}

gboolean
whep_test_client_wait_frames (WhepTestClient * client, guint video_frames,
    guint audio_buffers, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean ok;

  g_mutex_lock (&client->lock);
  while (!(ok = client->video_frames >= video_frames &&
          client->audio_buffers >= audio_buffers))
    if (!g_cond_wait_until (&client->cond, &client->lock, deadline))
      break;
  ok = client->video_frames >= video_frames &&
      client->audio_buffers >= audio_buffers;
  g_mutex_unlock (&client->lock);
  return ok;
}

guint
whep_test_client_get_video_frames (WhepTestClient * client)
{
  guint n;

  g_mutex_lock (&client->lock);
  n = client->video_frames;
  g_mutex_unlock (&client->lock);
  return n;
}

guint
whep_test_client_get_audio_buffers (WhepTestClient * client)
{
  guint n;

  g_mutex_lock (&client->lock);
  n = client->audio_buffers;
  g_mutex_unlock (&client->lock);
  return n;
}

void
whep_test_client_get_video_size (WhepTestClient * client, gint * width,
    gint * height)
{
  g_mutex_lock (&client->lock);
  *width = client->width;
  *height = client->height;
  g_mutex_unlock (&client->lock);
}

gint64
whep_test_client_get_post_time (WhepTestClient * client)
{
  return client->post_time;
}

gint64
whep_test_client_get_first_video_time (WhepTestClient * client)
{
  gint64 t;

  g_mutex_lock (&client->lock);
  t = client->first_video_time;
  g_mutex_unlock (&client->lock);
  return t;
}

void
whep_test_client_get_rtp_time_stats (WhepTestClient * client,
    guint * packets, guint * jumps)
{
  g_mutex_lock (&client->lock);
  *packets = client->rtp_packets;
  *jumps = client->rtp_jumps;
  g_mutex_unlock (&client->lock);
}

void
whep_test_client_vanish (WhepTestClient * client)
{
  gst_element_set_state (client->pipeline, GST_STATE_NULL);
}

const gchar *
whep_test_client_get_session_url (WhepTestClient * client)
{
  return client->session_url;
}

const gchar *
whep_test_client_get_answer (WhepTestClient * client)
{
  return client->answer;
}

const gchar *
whep_test_client_get_etag (WhepTestClient * client)
{
  return client->etag;
}

static NiceAgent *
client_ice_stream (WhepTestClient * client, guint * stream_id)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (client->webrtc));
  GValue item = G_VALUE_INIT;
  NiceAgent *agent = NULL;

  while (agent == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f && g_strcmp0 (GST_OBJECT_NAME (f), "nicesrc") == 0)
      g_object_get (e, "agent", &agent, "stream", stream_id, NULL);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return agent;
}

guint
whep_test_client_restart_ice (WhepTestClient * client)
{
  SoupMessage *msg;
  GString *frag = g_string_new (NULL);
  GSList *local, *l, *remote = NULL;
  NiceAgent *agent;
  guint stream_id = 0, status;
  gchar *ufrag, *pwd, **lines, *rufrag = NULL, *rpwd = NULL;
  GBytes *reply, *bytes;
  guint i;

  agent = client_ice_stream (client, &stream_id);
  g_assert_nonnull (agent);
  nice_agent_restart_stream (agent, stream_id);
  nice_agent_get_local_credentials (agent, stream_id, &ufrag, &pwd);
  g_string_append_printf (frag, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
      "m=video 9 RTP/AVP 0\r\na=mid:video0\r\n", ufrag, pwd);
  local = nice_agent_get_local_candidates (agent, stream_id, 1);
  for (l = local; l; l = l->next) {
    gchar *line = nice_agent_generate_local_candidate_sdp (agent, l->data);

    g_string_append_printf (frag, "%s\r\n", line);
    g_free (line);
  }
  g_slist_free_full (local, (GDestroyNotify) nice_candidate_free);
  g_string_append (frag, "a=end-of-candidates\r\n");

  msg = soup_message_new ("PATCH", client->session_url);
  if (client->etag)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "If-Match", client->etag);
  bytes = g_bytes_new (frag->str, frag->len);
  soup_message_set_request_body_from_bytes (msg,
      "application/trickle-ice-sdpfrag", bytes);
  g_bytes_unref (bytes);
  reply = soup_session_send_and_read (client->http, msg, NULL, NULL);
  status = soup_message_get_status (msg);

  if (status == SOUP_STATUS_OK && reply) {
    gchar *text = g_strndup (g_bytes_get_data (reply, NULL),
        g_bytes_get_size (reply));

    g_free (client->etag);
    client->etag = g_strdup (soup_message_headers_get_one
        (soup_message_get_response_headers (msg), "ETag"));
    lines = g_strsplit (text, "\n", -1);
    for (i = 0; lines[i]; i++) {
      g_strchomp (lines[i]);
      if (g_str_has_prefix (lines[i], "a=ice-ufrag:"))
        rufrag = g_strdup (lines[i] + strlen ("a=ice-ufrag:"));
      else if (g_str_has_prefix (lines[i], "a=ice-pwd:"))
        rpwd = g_strdup (lines[i] + strlen ("a=ice-pwd:"));
      else if (g_str_has_prefix (lines[i], "a=candidate:")) {
        NiceCandidate *c = nice_agent_parse_remote_candidate_sdp (agent,
            stream_id, lines[i]);

        if (c)
          remote = g_slist_prepend (remote, c);
      }
    }
    g_assert_nonnull (rufrag);
    nice_agent_set_remote_credentials (agent, stream_id, rufrag, rpwd);
    if (remote)
      nice_agent_set_remote_candidates (agent, stream_id, 1, remote);
    g_slist_free_full (remote, (GDestroyNotify) nice_candidate_free);
    g_strfreev (lines);
    g_free (text);
  }

  if (reply)
    g_bytes_unref (reply);
  g_object_unref (msg);
  g_string_free (frag, TRUE);
  g_free (ufrag);
  g_free (pwd);
  g_free (rufrag);
  g_free (rpwd);
  g_object_unref (agent);
  return status;
}

guint
whep_test_client_delete (WhepTestClient * client)
{
  g_return_val_if_fail (client->session_url, 0);
  return http_exchange (client->http, "DELETE", client->session_url, NULL,
      NULL, 0, NULL, NULL, NULL, NULL);
}

void
whep_test_client_free (WhepTestClient * client)
{
  gst_element_set_state (client->pipeline, GST_STATE_NULL);
  gst_object_unref (client->pipeline);
  g_object_unref (client->http);
  g_free (client->endpoint_url);
  g_free (client->session_url);
  g_free (client->answer);
  g_free (client->etag);
  g_clear_pointer (&client->dropped_seqs, g_hash_table_unref);
  g_clear_pointer (&client->nacked_seqs, g_hash_table_unref);
  g_mutex_clear (&client->lock);
  g_cond_clear (&client->cond);
  g_free (client);
}

guint
whep_test_slow (guint ms)
{
  const gchar *factor = g_getenv ("CK_TIMEOUT_MULTIPLIER");
  guint64 n = factor ? g_ascii_strtoull (factor, NULL, 10) : 1;

  return ms * (guint) CLAMP (n, 1, 10);
}

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* libFuzzer target: a POST body, as whepsink's endpoint gets it, through
 * everything in whep-offer.h that reads it: whep_offer_parse(), then for a
 * few fixed streams whep_answer_plan_new(), the RTP caps of each accepted
 * m-line, whep_answer_apply_plan() and whep_answer_announce_address() on a
 * copy of the offer standing in for webrtcbin's answer, and the ufrag that
 * names the ICE session in its ETag.
 *
 * Input: the SDP text itself (corpus/fuzz-offer/).  Checked beyond memory
 * safety and leaks: exactly one of result and error, the error's domain and
 * code, and that a plan has one entry per m-line with consistent fields. */

#include "fuzz-common.h"

#include "whep-http.h"
#include "whep-offer.h"

#include <string.h>

/* What an MPEG-TS stream may carry: H.264 and Opus, H.264 alone with
 * little known about it, Opus alone. */
static const WhepStreamInfo streams[] = {
  {TRUE, "high", "3.1", TRUE},
  {TRUE, "constrained-baseline", NULL, FALSE},
  {FALSE, NULL, NULL, TRUE},
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static void
check_plan (const GstSDPMessage * offer, const WhepAnswerPlan * plan)
{
  guint i, n_accepted = 0;

  FUZZ_ASSERT (plan->mlines->len == gst_sdp_message_medias_len (offer));
  for (i = 0; i < plan->mlines->len; i++) {
    const WhepMLinePlan *mline = g_ptr_array_index (plan->mlines, i);

    FUZZ_ASSERT (mline->mline == i);
    if (mline->accepted) {
      GstCaps *caps;

      n_accepted++;
      FUZZ_ASSERT (mline->kind == WHEP_MEDIA_KIND_VIDEO
          || mline->kind == WHEP_MEDIA_KIND_AUDIO);
      FUZZ_ASSERT (mline->payload_type >= 0 && mline->payload_type <= 127);
      FUZZ_ASSERT (mline->encoding_name != NULL);
      FUZZ_ASSERT (mline->reject_reason == NULL);

      caps = whep_mline_plan_to_caps (mline, 0x12345678);
      FUZZ_ASSERT (caps != NULL);
      gst_caps_unref (caps);
    } else {
      FUZZ_ASSERT (mline->payload_type == -1);
      FUZZ_ASSERT (mline->reject_reason != NULL);
    }
  }
  FUZZ_ASSERT (n_accepted == plan->n_accepted);
  /* one video and one audio at most */
  FUZZ_ASSERT (n_accepted > 0 && n_accepted <= 2);
}

/* The offer as a stand-in for webrtcbin's answer: same m-lines, mids and
 * BUNDLE group, and whatever candidates the peer wrote. */
static void
apply_to_copy (const GstSDPMessage * offer, const WhepAnswerPlan * plan)
{
  GstSDPMessage *answer = NULL;
  gchar *text;

  FUZZ_ASSERT (gst_sdp_message_copy (offer, &answer) == GST_SDP_OK);
  FUZZ_ASSERT (whep_answer_apply_plan (answer, plan));
  whep_answer_announce_address (answer, "203.0.113.7");
  whep_answer_announce_address (answer, "2001:db8::7");
  text = gst_sdp_message_as_text (answer);
  FUZZ_ASSERT (text != NULL);
  g_free (text);
  gst_sdp_message_free (answer);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GError *error = NULL;
  GstSDPMessage *offer;
  const gchar *ufrag;
  guint i;

  offer = whep_offer_parse ((const gchar *) data, size, &error);
  if (offer == NULL) {
    FUZZ_ASSERT (error != NULL);
    FUZZ_ASSERT (g_error_matches (error, WHEP_OFFER_ERROR,
            WHEP_OFFER_ERROR_MALFORMED));
    /* goes into a 400 body as it is */
    FUZZ_ASSERT (strchr (error->message, '\n') == NULL);
    g_error_free (error);
    return 0;
  }
  FUZZ_ASSERT (error == NULL);
  FUZZ_ASSERT (gst_sdp_message_medias_len (offer) > 0);

  for (i = 0; i < G_N_ELEMENTS (streams); i++) {
    WhepAnswerPlan *plan = whep_answer_plan_new (offer, &streams[i], &error);

    if (plan == NULL) {
      FUZZ_ASSERT (g_error_matches (error, WHEP_OFFER_ERROR,
              WHEP_OFFER_ERROR_NOTHING_ACCEPTABLE));
      g_clear_error (&error);
      continue;
    }
    FUZZ_ASSERT (error == NULL);
    check_plan (offer, plan);
    apply_to_copy (offer, plan);
    whep_answer_plan_free (plan);
  }

  /* names the ICE session in the ETag of the answer */
  ufrag = whep_sdp_get_ice_ufrag (offer);
  if (ufrag != NULL) {
    gchar *etag = whep_etag_for_ice ("0123456789abcdef0123456789abcdef",
        ufrag);

    FUZZ_ASSERT (etag != NULL && strlen (etag) == 18);
    g_free (etag);
  }

  gst_sdp_message_free (offer);
  return 0;
}

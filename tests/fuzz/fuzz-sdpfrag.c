/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* libFuzzer target: a PATCH body (application/trickle-ice-sdpfrag) through
 * whep_sdpfrag_parse(), and what parsed back out through
 * whep_sdpfrag_build(), as the answer to an ICE restart repeats it.
 *
 * Input: the fragment itself (corpus/fuzz-sdpfrag/).  Checked beyond
 * memory safety and leaks: exactly one of result and error; an error
 * message is one line of printable ASCII (it goes into a 400 body and the
 * log, and repeats no text of the fragment); and build then parse gives
 * back the credentials, the end-of-candidates flag and every candidate. */

#include "fuzz-common.h"

#include "whep-sdpfrag.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static gboolean
is_printable_line (const gchar * s)
{
  for (; *s != '\0'; s++) {
    if (*s < 0x20 || *s > 0x7e)
      return FALSE;
  }
  return TRUE;
}

/* The distinct mids of @frag's candidates, in order, as a NULL-terminated
 * array of borrowed strings. */
static GPtrArray *
collect_mids (const WhepSdpFrag * frag)
{
  GPtrArray *mids = g_ptr_array_new ();
  guint i, k;

  for (i = 0; i < frag->candidates->len; i++) {
    const WhepFragCandidate *cand = g_ptr_array_index (frag->candidates, i);
    gboolean seen = FALSE;

    if (cand->mid == NULL)
      continue;
    for (k = 0; k < mids->len && !seen; k++)
      seen = strcmp (g_ptr_array_index (mids, k), cand->mid) == 0;
    if (!seen)
      g_ptr_array_add (mids, cand->mid);
  }
  g_ptr_array_add (mids, NULL);
  return mids;
}

static void
check_candidates (const WhepSdpFrag * frag)
{
  guint i;

  for (i = 0; i < frag->candidates->len; i++) {
    const WhepFragCandidate *cand = g_ptr_array_index (frag->candidates, i);

    FUZZ_ASSERT (cand->candidate != NULL);
    FUZZ_ASSERT (g_str_has_prefix (cand->candidate, "candidate:"));
    FUZZ_ASSERT (strpbrk (cand->candidate, "\r\n") == NULL);
    FUZZ_ASSERT (cand->mid == NULL || strpbrk (cand->mid, "\r\n") == NULL);
    /* a candidate before any m= line has neither a mid nor an index */
    FUZZ_ASSERT (cand->mline_index >= 0 || cand->mid == NULL);
  }
}

/* Builds the fragment again from what was parsed and parses that: nothing
 * may get lost or refused. */
static void
check_round_trip (const WhepSdpFrag * frag)
{
  GPtrArray *mids = collect_mids (frag);
  GError *error = NULL;
  WhepSdpFrag *again;
  gchar *text;

  text = whep_sdpfrag_build (frag->ice_ufrag, frag->ice_pwd,
      (const gchar * const *) mids->pdata, frag->candidates,
      frag->end_of_candidates);
  FUZZ_ASSERT (text != NULL);

  /* nothing in it that the server reads ("a=ice-options:trickle"): an
   * empty fragment, which is not one */
  if (*text == '\0') {
    FUZZ_ASSERT (frag->ice_ufrag == NULL && frag->ice_pwd == NULL);
    FUZZ_ASSERT (frag->candidates->len == 0 && !frag->end_of_candidates);
    g_free (text);
    g_ptr_array_unref (mids);
    return;
  }

  again = whep_sdpfrag_parse (text, strlen (text), &error);
  if (again == NULL) {
    fprintf (stderr, "built fragment does not parse: %s\n%s\n",
        error->message, text);
    abort ();
  }
  FUZZ_ASSERT (g_strcmp0 (again->ice_ufrag, frag->ice_ufrag) == 0);
  FUZZ_ASSERT (g_strcmp0 (again->ice_pwd, frag->ice_pwd) == 0);
  FUZZ_ASSERT (again->end_of_candidates == frag->end_of_candidates);
  FUZZ_ASSERT (again->candidates->len == frag->candidates->len);

  whep_sdpfrag_free (again);
  g_free (text);
  g_ptr_array_unref (mids);

  /* and for an answer with other mids: candidates of unknown mids are
   * left out */
  {
    static const gchar *const other_mids[] = { "0", "1", NULL };

    text = whep_sdpfrag_build (frag->ice_ufrag, frag->ice_pwd, other_mids,
        frag->candidates, TRUE);
    FUZZ_ASSERT (text != NULL);
    again = whep_sdpfrag_parse (text, strlen (text), &error);
    FUZZ_ASSERT (again != NULL);
    FUZZ_ASSERT (again->candidates->len <= frag->candidates->len);
    whep_sdpfrag_free (again);
    g_free (text);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GError *error = NULL;
  WhepSdpFrag *frag;

  frag = whep_sdpfrag_parse ((const gchar *) data, size, &error);
  if (frag == NULL) {
    FUZZ_ASSERT (error != NULL);
    FUZZ_ASSERT (g_error_matches (error, WHEP_SDPFRAG_ERROR,
            WHEP_SDPFRAG_ERROR_MALFORMED));
    FUZZ_ASSERT (is_printable_line (error->message));
    g_error_free (error);
    return 0;
  }
  FUZZ_ASSERT (error == NULL);

  check_candidates (frag);
  check_round_trip (frag);
  whep_sdpfrag_free (frag);
  return 0;
}

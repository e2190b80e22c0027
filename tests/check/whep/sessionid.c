/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "whep-session-id.h"

#define N_IDS 1000

GST_START_TEST (test_new_ids_are_valid)
{
  guint i;

  for (i = 0; i < N_IDS; i++) {
    gchar *id = whep_session_id_new ();

    fail_unless (id != NULL);
    fail_unless_equals_int (strlen (id), WHEP_SESSION_ID_LEN);
    fail_unless_equals_int (strspn (id, "0123456789abcdef"),
        WHEP_SESSION_ID_LEN);
    fail_unless (whep_session_id_is_valid (id), "invalid id %s", id);
    g_free (id);
  }
}

GST_END_TEST;

GST_START_TEST (test_new_ids_are_distinct)
{
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  guint i;

  for (i = 0; i < N_IDS; i++) {
    gchar *id = whep_session_id_new ();

    fail_unless (id != NULL);
    fail_unless (g_hash_table_add (seen, id), "id %s came twice", id);
  }
  fail_unless_equals_int (g_hash_table_size (seen), N_IDS);
  g_hash_table_unref (seen);
}

GST_END_TEST;

/* Every hex digit shows up at every position of 1000 ids: an encoder
 * using half the alphabet, or a byte that does not change, would not.  The
 * chance of a false failure is 32 * 16 * (15/16)^1000, about 5e-26. */
GST_START_TEST (test_new_ids_use_all_digits)
{
  guint counts[WHEP_SESSION_ID_LEN][16] = { {0,}, };
  guint i, pos;

  for (i = 0; i < N_IDS; i++) {
    gchar *id = whep_session_id_new ();

    fail_unless (id != NULL);
    for (pos = 0; pos < WHEP_SESSION_ID_LEN; pos++) {
      gint digit = g_ascii_xdigit_value (id[pos]);

      fail_unless (digit >= 0, "%s", id);
      counts[pos][digit]++;
    }
    g_free (id);
  }
  for (pos = 0; pos < WHEP_SESSION_ID_LEN; pos++) {
    for (i = 0; i < 16; i++)
      fail_unless (counts[pos][i] > 0, "digit %x never at position %u", i,
          pos);
  }
}

GST_END_TEST;

GST_START_TEST (test_is_valid_accepts_the_format)
{
  fail_unless (whep_session_id_is_valid ("0123456789abcdef0123456789abcdef"));
  fail_unless (whep_session_id_is_valid ("ffffffffffffffffffffffffffffffff"));
  fail_unless (whep_session_id_is_valid ("00000000000000000000000000000000"));
}

GST_END_TEST;

GST_START_TEST (test_is_valid_rejects_wrong_length)
{
  fail_if (whep_session_id_is_valid (NULL));
  fail_if (whep_session_id_is_valid (""));
  /* 31 and 33 digits */
  fail_if (whep_session_id_is_valid ("0123456789abcdef0123456789abcde"));
  fail_if (whep_session_id_is_valid ("0123456789abcdef0123456789abcdef0"));
  /* 64 digits: two ids glued together */
  fail_if (whep_session_id_is_valid
      ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
}

GST_END_TEST;

GST_START_TEST (test_is_valid_rejects_upper_case)
{
  fail_if (whep_session_id_is_valid ("0123456789ABCDEF0123456789abcdef"));
  fail_if (whep_session_id_is_valid ("0123456789abcdef0123456789abcdeF"));
}

GST_END_TEST;

GST_START_TEST (test_is_valid_rejects_non_hex)
{
  fail_if (whep_session_id_is_valid ("0123456789abcdeg0123456789abcdef"));
  fail_if (whep_session_id_is_valid ("0123456789abcdef0123456789abcde "));
  fail_if (whep_session_id_is_valid (" 123456789abcdef0123456789abcdef"));
  fail_if (whep_session_id_is_valid ("0123456789abcdef-123456789abcdef"));
  fail_if (whep_session_id_is_valid ("../../../../../../../../etc/pass"));
  /* a valid id followed by a path */
  fail_if (whep_session_id_is_valid ("0123456789abcdef0123456789abcdef/x"));
}

GST_END_TEST;

static Suite *
whep_session_id_suite (void)
{
  Suite *s = suite_create ("whep-session-id");
  TCase *tc_new = tcase_create ("new");
  TCase *tc_valid = tcase_create ("is-valid");

  suite_add_tcase (s, tc_new);
  tcase_add_test (tc_new, test_new_ids_are_valid);
  tcase_add_test (tc_new, test_new_ids_are_distinct);
  tcase_add_test (tc_new, test_new_ids_use_all_digits);

  suite_add_tcase (s, tc_valid);
  tcase_add_test (tc_valid, test_is_valid_accepts_the_format);
  tcase_add_test (tc_valid, test_is_valid_rejects_wrong_length);
  tcase_add_test (tc_valid, test_is_valid_rejects_upper_case);
  tcase_add_test (tc_valid, test_is_valid_rejects_non_hex);

  return s;
}

GST_CHECK_MAIN (whep_session_id);

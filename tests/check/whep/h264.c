/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "whep-h264.h"

/* The scores of whep-h264.h: profile part * 2 + level fits. */
#define SAME(level_fits) (3 * 2 + (level_fits))
#define CONTAINS(level_fits) (2 * 2 + (level_fits))
#define OTHER(level_fits) (1 * 2 + (level_fits))

#define assert_fit(plid, profile, level, expected)                        \
  G_STMT_START {                                                          \
    gint _fit = whep_h264_profile_fit ((plid), (profile), (level));       \
    fail_unless (_fit == (expected),                                      \
        "fit of %s for %s@%s is %d, expected %d", (plid),                 \
        (profile), (level), _fit, (expected));                            \
  } G_STMT_END

GST_START_TEST (test_unusable_profile_level_ids)
{
  assert_fit (NULL, "high", "3.1", 0);
  assert_fit ("", "high", "3.1", 0);
  assert_fit ("42e01", "constrained-baseline", "3.1", 0);
  assert_fit ("42e01f0", "constrained-baseline", "3.1", 0);
  assert_fit ("42g01f", "constrained-baseline", "3.1", 0);
  assert_fit ("0x42e0", "constrained-baseline", "3.1", 0);
  assert_fit (" 42e01f", "constrained-baseline", "3.1", 0);
  /* also with nothing to compare against: 0 stays 0 */
  assert_fit ("zzzzzz", NULL, NULL, 0);
}

GST_END_TEST;

GST_START_TEST (test_same_profile)
{
  assert_fit ("42e01f", "constrained-baseline", "3.1", SAME (1));
  assert_fit ("42001f", "baseline", "3.1", SAME (1));
  assert_fit ("4d001f", "main", "3.1", SAME (1));
  assert_fit ("64001f", "high", "3.1", SAME (1));
  assert_fit ("640c1f", "constrained-high", "3.1", SAME (1));
  assert_fit ("f4001f", "high-4:4:4", "3.1", SAME (1));
  /* hex digits in either case */
  assert_fit ("42E01F", "constrained-baseline", "3.1", SAME (1));
  assert_fit ("64001F", "high", "3.1", SAME (1));
}

GST_END_TEST;

GST_START_TEST (test_constrained_baseline_stream)
{
  /* every profile but baseline's own variants builds on it */
  assert_fit ("42001f", "constrained-baseline", "3.1", CONTAINS (1));
  assert_fit ("4d001f", "constrained-baseline", "3.1", CONTAINS (1));
  assert_fit ("58001f", "constrained-baseline", "3.1", CONTAINS (1));
  assert_fit ("64001f", "constrained-baseline", "3.1", CONTAINS (1));
  assert_fit ("640c1f", "constrained-baseline", "3.1", CONTAINS (1));
  assert_fit ("6e001f", "constrained-baseline", "3.1", CONTAINS (1));
  assert_fit ("f4001f", "constrained-baseline", "3.1", CONTAINS (1));
  /* a multiview decoder is nothing we reason about */
  assert_fit ("76001f", "constrained-baseline", "3.1", OTHER (1));
}

GST_END_TEST;

GST_START_TEST (test_baseline_stream)
{
  /* FMO/ASO: only extended contains baseline */
  assert_fit ("58001f", "baseline", "3.1", CONTAINS (1));
  assert_fit ("42e01f", "baseline", "3.1", OTHER (1));
  assert_fit ("4d001f", "baseline", "3.1", OTHER (1));
  assert_fit ("64001f", "baseline", "3.1", OTHER (1));
}

GST_END_TEST;

GST_START_TEST (test_main_stream)
{
  assert_fit ("64001f", "main", "3.1", CONTAINS (1));
  /* Chrome's and Safari's "high" */
  assert_fit ("640c1f", "main", "3.1", CONTAINS (1));
  assert_fit ("6e001f", "main", "3.1", CONTAINS (1));
  assert_fit ("7a001f", "main", "3.1", CONTAINS (1));
  /* no CABAC in extended, no B slices in constrained-baseline */
  assert_fit ("58001f", "main", "3.1", OTHER (1));
  assert_fit ("42e01f", "main", "3.1", OTHER (1));
  assert_fit ("42001f", "main", "3.1", OTHER (1));
}

GST_END_TEST;

GST_START_TEST (test_high_stream)
{
  assert_fit ("6e001f", "high", "3.1", CONTAINS (1));
  assert_fit ("7a001f", "high", "3.1", CONTAINS (1));
  assert_fit ("f4001f", "high", "3.1", CONTAINS (1));
  /* main and below lack 8x8 transforms */
  assert_fit ("4d001f", "high", "3.1", OTHER (1));
  assert_fit ("42e01f", "high", "3.1", OTHER (1));
  /* higher profiles do not go down the chain */
  assert_fit ("64001f", "high-10", "3.1", OTHER (1));
  assert_fit ("6e001f", "high-4:2:2", "3.1", OTHER (1));
}

GST_END_TEST;

/* Browsers announce their High decoder as constrained-high (640c1f): for a
 * high stream that beats main and baseline, but not a plain 64001f. */
GST_START_TEST (test_high_stream_and_constrained_high)
{
  gint high = whep_h264_profile_fit ("64001f", "high", "3.1");
  gint constrained_high = whep_h264_profile_fit ("640c1f", "high", "3.1");
  gint main_ = whep_h264_profile_fit ("4d001f", "high", "3.1");
  gint cb = whep_h264_profile_fit ("42e01f", "high", "3.1");

  fail_unless_equals_int (constrained_high, CONTAINS (1));
  fail_unless (high > constrained_high);
  fail_unless (constrained_high > main_);
  fail_unless_equals_int (main_, cb);

  /* the other way round, high contains constrained-high */
  assert_fit ("64001f", "constrained-high", "3.1", CONTAINS (1));
  /* and the intra variants count as their family too */
  assert_fit ("6e001f", "high-10-intra", "3.1", CONTAINS (1));
  assert_fit ("6e101f", "high-10", "3.1", CONTAINS (1));
}

GST_END_TEST;

GST_START_TEST (test_level_breaks_ties_only)
{
  /* 0x28 = 4, 0x29 = 4.1, 0x32 = 5 */
  assert_fit ("640028", "high", "4.1", SAME (0));
  assert_fit ("640029", "high", "4.1", SAME (1));
  assert_fit ("640032", "high", "4.1", SAME (1));
  assert_fit ("4d0032", "high", "4.1", OTHER (1));
  /* a better profile with a too low level still wins */
  fail_unless (whep_h264_profile_fit ("64000a", "high", "5.1") >
      whep_h264_profile_fit ("4d0033", "high", "5.1"));
}

GST_END_TEST;

GST_START_TEST (test_no_stream_level)
{
  assert_fit ("64001f", "high", NULL, SAME (0));
  assert_fit ("640034", "high", NULL, SAME (0));
  assert_fit ("4d001f", "high", NULL, OTHER (0));
  assert_fit ("42001f", "constrained-baseline", NULL, CONTAINS (0));
}

GST_END_TEST;

GST_START_TEST (test_level_1b)
{
  /* 1b is constraint_set3 with level_idc 11 below high, level_idc 9 in the
   * high profiles; it sits between 1 and 1.1 */
  assert_fit ("42f00b", "constrained-baseline", "1b", SAME (1));
  assert_fit ("42e00a", "constrained-baseline", "1b", SAME (0));
  assert_fit ("42e00b", "constrained-baseline", "1b", SAME (1));
  assert_fit ("42f00b", "constrained-baseline", "1.1", SAME (0));
  assert_fit ("42f00b", "constrained-baseline", "1", SAME (1));
  assert_fit ("640009", "high", "1.1", SAME (0));
  assert_fit ("640009", "high", "1b", SAME (1));
  assert_fit ("640009", "high", "1", SAME (1));
}

GST_END_TEST;

GST_START_TEST (test_unknown_profiles_and_levels)
{
  /* no stream profile: every valid offer is "another profile" */
  assert_fit ("64001f", NULL, "3.1", OTHER (1));
  assert_fit ("42e01f", NULL, "3.1", OTHER (1));
  assert_fit ("64001f", "not-a-profile", "3.1", OTHER (1));
  /* a profile_idc GStreamer does not know: usable, as a last resort */
  assert_fit ("00001f", "high", "3.1", OTHER (1));
  /* a level_idc GStreamer does not know never fits */
  assert_fit ("4200ff", "baseline", "3.1", SAME (0));
  assert_fit ("420000", "baseline", "1", SAME (0));
}

GST_END_TEST;

static Suite *
whep_h264_suite (void)
{
  Suite *s = suite_create ("whep-h264");
  TCase *tc_syntax = tcase_create ("syntax");
  TCase *tc_profile = tcase_create ("profile");
  TCase *tc_level = tcase_create ("level");

  suite_add_tcase (s, tc_syntax);
  tcase_add_test (tc_syntax, test_unusable_profile_level_ids);

  suite_add_tcase (s, tc_profile);
  tcase_add_test (tc_profile, test_same_profile);
  tcase_add_test (tc_profile, test_constrained_baseline_stream);
  tcase_add_test (tc_profile, test_baseline_stream);
  tcase_add_test (tc_profile, test_main_stream);
  tcase_add_test (tc_profile, test_high_stream);
  tcase_add_test (tc_profile, test_high_stream_and_constrained_high);
  tcase_add_test (tc_profile, test_unknown_profiles_and_levels);

  suite_add_tcase (s, tc_level);
  tcase_add_test (tc_level, test_level_breaks_ties_only);
  tcase_add_test (tc_level, test_no_stream_level);
  tcase_add_test (tc_level, test_level_1b);

  return s;
}

GST_CHECK_MAIN (whep_h264);

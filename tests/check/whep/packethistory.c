/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "whep-packet-history.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* The tests run with G_DEBUG=fatal-criticals: let the expected critical
 * through to ASSERT_CRITICAL. */
#define ASSERT_CRITICAL_NOT_FATAL(code)                                 \
  G_STMT_START {                                                        \
    GLogLevelFlags fatal_mask =                                         \
        g_log_set_always_fatal (G_LOG_FATAL_MASK);                      \
    ASSERT_CRITICAL (code);                                             \
    g_log_set_always_fatal (fatal_mask);                                \
  } G_STMT_END

#define NO_BYTE_LIMIT G_MAXSIZE
#define NO_COUNT_LIMIT G_MAXUINT
#define NO_AGE_LIMIT GST_CLOCK_TIME_NONE

/* A packet of @size bytes that knows the index it is expected to get, so
 * that what get() returns can be checked without keeping every buffer. */
static GstBuffer *
make_packet (gsize size, guint64 expected_index)
{
  GstBuffer *packet = gst_buffer_new_allocate (NULL, size, NULL);

  GST_BUFFER_OFFSET (packet) = expected_index;
  return packet;
}

/* Pushes a new packet that the history alone holds; returns its index. */
static guint64
push_new (WhepPacketHistory * history, gsize size, GstClockTime arrival,
    gboolean keyframe_start)
{
  guint64 expected = whep_packet_history_next_index (history);
  GstBuffer *packet = make_packet (size, expected);
  guint64 index;

  index = whep_packet_history_push (history, packet, arrival, keyframe_start);
  fail_unless_equals_uint64 (index, expected);
  gst_buffer_unref (packet);
  return index;
}

/* Checks that exactly the indexes first_index..next_index-1 are held, each
 * with the packet pushed for it. */
static void
assert_holds (WhepPacketHistory * history, guint64 first_index,
    guint64 next_index)
{
  guint64 i;

  fail_unless_equals_uint64 (whep_packet_history_first_index (history),
      first_index);
  fail_unless_equals_uint64 (whep_packet_history_next_index (history),
      next_index);
  fail_unless_equals_int (whep_packet_history_get_count (history),
      next_index - first_index);
  if (first_index > 0)
    fail_unless (whep_packet_history_get (history, first_index - 1) == NULL);
  for (i = first_index; i < next_index; i++) {
    GstBuffer *packet = whep_packet_history_get (history, i);

    fail_unless (packet != NULL, "no packet %" G_GUINT64_FORMAT, i);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (packet), i);
  }
  fail_unless (whep_packet_history_get (history, next_index) == NULL);
}

/* ------------------------------------------------------------------------ */
/* Indexes                                                                  */

GST_START_TEST (test_empty)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);
  guint64 index = 42;

  assert_holds (history, 0, 0);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 0);
  fail_if (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 42);
  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_push_and_get)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);
  GstBuffer *packets[3];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (packets); i++) {
    packets[i] = make_packet (100 + i, i);
    fail_unless_equals_uint64 (whep_packet_history_push (history, packets[i],
            i * GST_MSECOND, FALSE), i);
    /* the history holds its own reference */
    ASSERT_BUFFER_REFCOUNT (packets[i], "packet", 2);
  }

  assert_holds (history, 0, 3);
  for (i = 0; i < G_N_ELEMENTS (packets); i++)
    fail_unless (whep_packet_history_get (history, i) == packets[i]);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history),
      100 + 101 + 102);

  whep_packet_history_free (history);
  for (i = 0; i < G_N_ELEMENTS (packets); i++) {
    ASSERT_BUFFER_REFCOUNT (packets[i], "packet", 1);
    gst_buffer_unref (packets[i]);
  }
}

GST_END_TEST;

GST_START_TEST (test_same_buffer_twice)
{
  /* the history does not look at the buffers: one buffer may be pushed
   * twice and is held twice */
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);
  GstBuffer *packet = make_packet (10, 0);

  fail_unless_equals_uint64 (whep_packet_history_push (history, packet, 0,
          FALSE), 0);
  fail_unless_equals_uint64 (whep_packet_history_push (history, packet, 0,
          FALSE), 1);
  ASSERT_BUFFER_REFCOUNT (packet, "packet", 3);
  fail_unless (whep_packet_history_get (history, 0) == packet);
  fail_unless (whep_packet_history_get (history, 1) == packet);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 20);

  whep_packet_history_free (history);
  ASSERT_BUFFER_REFCOUNT (packet, "packet", 1);
  gst_buffer_unref (packet);
}

GST_END_TEST;

GST_START_TEST (test_get_out_of_range)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 4, NO_AGE_LIMIT);
  guint i;

  for (i = 0; i < 10; i++)
    push_new (history, 10, 0, FALSE);
  assert_holds (history, 6, 10);

  /* dropped ... */
  for (i = 0; i < 6; i++)
    fail_unless (whep_packet_history_get (history, i) == NULL);
  /* ... and not yet pushed */
  fail_unless (whep_packet_history_get (history, 10) == NULL);
  fail_unless (whep_packet_history_get (history, 11) == NULL);
  fail_unless (whep_packet_history_get (history, G_MAXUINT64) == NULL);
  fail_unless (whep_packet_history_get (history, G_MAXUINT64 - 3) == NULL);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_ring_grows_and_wraps)
{
  /* many more packets than the ring starts with, pushed so that it grows
   * while its oldest packet is not in its first slot (a whole burst aged
   * out before): every packet must still be found under its index */
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 1000, GST_SECOND);
  guint i;

  for (i = 0; i < 60; i++)
    push_new (history, 10, 0, FALSE);
  push_new (history, 10, 2 * GST_SECOND, FALSE);
  assert_holds (history, 60, 61);

  for (i = 0; i < 500; i++)
    push_new (history, 10, 2 * GST_SECOND, FALSE);
  assert_holds (history, 60, 561);

  /* up to max_packets, and on around the full ring */
  for (i = 0; i < 2345; i++)
    push_new (history, 10, 2 * GST_SECOND, FALSE);
  assert_holds (history, 2906 - 1000, 2906);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history),
      1000 * 10);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_free_releases_packets)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);
  GstBuffer *packet = make_packet (10, 0);

  whep_packet_history_push (history, packet, 0, TRUE);
  ASSERT_BUFFER_REFCOUNT (packet, "packet", 2);
  whep_packet_history_free (history);
  ASSERT_BUFFER_REFCOUNT (packet, "packet", 1);
  gst_buffer_unref (packet);

  /* like g_free */
  whep_packet_history_free (NULL);
}

GST_END_TEST;

GST_START_TEST (test_autoptr)
{
  GstBuffer *packet = make_packet (10, 0);

  {
    g_autoptr (WhepPacketHistory) history =
        whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);

    whep_packet_history_push (history, packet, 0, FALSE);
    ASSERT_BUFFER_REFCOUNT (packet, "packet", 2);
  }
  ASSERT_BUFFER_REFCOUNT (packet, "packet", 1);
  gst_buffer_unref (packet);
}

GST_END_TEST;

GST_START_TEST (test_push_not_a_buffer)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);

  ASSERT_CRITICAL_NOT_FATAL (whep_packet_history_push (history, NULL, 0,
          FALSE));
  assert_holds (history, 0, 0);
  whep_packet_history_free (history);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Bounds                                                                   */

GST_START_TEST (test_bound_by_count)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 3, NO_AGE_LIMIT);
  GstBuffer *oldest = make_packet (10, 0);

  whep_packet_history_push (history, oldest, 0, FALSE);
  push_new (history, 20, 0, FALSE);
  push_new (history, 30, 0, FALSE);
  assert_holds (history, 0, 3);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 60);

  /* the fourth drops the first, and lets go of it */
  push_new (history, 40, 0, FALSE);
  assert_holds (history, 1, 4);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 90);
  ASSERT_BUFFER_REFCOUNT (oldest, "oldest", 1);
  gst_buffer_unref (oldest);

  push_new (history, 50, 0, FALSE);
  assert_holds (history, 2, 5);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 120);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_bound_by_count_zero)
{
  /* the packet just pushed stays in any case */
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 0, NO_AGE_LIMIT);

  push_new (history, 10, 0, FALSE);
  assert_holds (history, 0, 1);
  push_new (history, 10, 0, FALSE);
  assert_holds (history, 1, 2);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_bound_by_bytes)
{
  WhepPacketHistory *history =
      whep_packet_history_new (1000, NO_COUNT_LIMIT, NO_AGE_LIMIT);

  push_new (history, 300, 0, FALSE);
  push_new (history, 300, 0, FALSE);
  push_new (history, 300, 0, FALSE);
  assert_holds (history, 0, 3);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 900);

  /* exactly at the bound is within it */
  push_new (history, 100, 0, FALSE);
  assert_holds (history, 0, 4);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 1000);

  /* one byte over drops the oldest */
  push_new (history, 1, 0, FALSE);
  assert_holds (history, 1, 5);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 701);

  /* a big one drops as many as it takes */
  push_new (history, 900, 0, FALSE);
  assert_holds (history, 4, 6);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 901);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_bound_by_bytes_oversized_packet)
{
  /* a packet larger than the whole bound is still held, alone */
  WhepPacketHistory *history =
      whep_packet_history_new (100, NO_COUNT_LIMIT, NO_AGE_LIMIT);

  push_new (history, 50, 0, FALSE);
  push_new (history, 500, 0, FALSE);
  assert_holds (history, 1, 2);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 500);

  push_new (history, 10, 0, FALSE);
  assert_holds (history, 2, 3);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 10);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_bound_by_age)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, NO_COUNT_LIMIT,
      100 * GST_MSECOND);

  push_new (history, 10, 1 * GST_SECOND, FALSE);
  push_new (history, 10, 1 * GST_SECOND + 50 * GST_MSECOND, FALSE);
  /* exactly max_age old is not older than max_age */
  push_new (history, 10, 1 * GST_SECOND + 100 * GST_MSECOND, FALSE);
  assert_holds (history, 0, 3);

  push_new (history, 10, 1 * GST_SECOND + 100 * GST_MSECOND + 1, FALSE);
  assert_holds (history, 1, 4);

  /* after a gap everything before it goes, but the new packet stays even
   * though max_age is smaller than the gap */
  push_new (history, 10, 5 * GST_SECOND, FALSE);
  assert_holds (history, 4, 5);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 10);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_bound_by_age_zero)
{
  /* max_age 0 keeps the packets that arrived at the same time */
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, NO_COUNT_LIMIT, 0);

  push_new (history, 10, 10, FALSE);
  push_new (history, 10, 10, FALSE);
  assert_holds (history, 0, 2);
  push_new (history, 10, 11, FALSE);
  assert_holds (history, 2, 3);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_no_age_bound)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, NO_COUNT_LIMIT, NO_AGE_LIMIT);

  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 1000 * GST_SECOND, FALSE);
  push_new (history, 10, G_MAXUINT64 - 1, FALSE);
  assert_holds (history, 0, 3);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_age_without_arrival_time)
{
  /* a packet without an arrival time never counts as old, and a push
   * without one ages nothing */
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, NO_COUNT_LIMIT, GST_SECOND);

  push_new (history, 10, GST_CLOCK_TIME_NONE, FALSE);
  push_new (history, 10, 10 * GST_SECOND, FALSE);
  assert_holds (history, 0, 2);
  push_new (history, 10, GST_CLOCK_TIME_NONE, FALSE);
  assert_holds (history, 0, 3);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_bounds_together)
{
  /* whichever bound is reached first drops */
  WhepPacketHistory *history =
      whep_packet_history_new (1000, 5, GST_SECOND);
  guint i;

  for (i = 0; i < 5; i++)
    push_new (history, 100, i * GST_MSECOND, FALSE);
  assert_holds (history, 0, 5);
  /* count */
  push_new (history, 100, 5 * GST_MSECOND, FALSE);
  assert_holds (history, 1, 6);
  /* count drops one to make room, then bytes one more: 400 + 700 */
  push_new (history, 700, 6 * GST_MSECOND, FALSE);
  assert_holds (history, 3, 7);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 1000);
  /* bytes drop one (1010), age two more (those from 3 and 5 ms) */
  push_new (history, 10, GST_SECOND + 5 * GST_MSECOND + 1, FALSE);
  assert_holds (history, 6, 8);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 710);

  whep_packet_history_free (history);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Keyframes                                                                */

GST_START_TEST (test_last_keyframe)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);
  guint64 index = 0;

  push_new (history, 10, 0, FALSE);
  fail_if (whep_packet_history_last_keyframe (history, &index));

  push_new (history, 10, 0, TRUE);
  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 0, FALSE);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 1);

  /* the index may be left out */
  fail_unless (whep_packet_history_last_keyframe (history, NULL));

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_last_keyframe_newest)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);
  guint64 index = 0;
  guint i;

  for (i = 0; i < 30; i++)
    push_new (history, 10, 0, i % 10 == 0);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 20);

  /* two starts in a row: the later one */
  push_new (history, 10, 0, TRUE);
  push_new (history, 10, 0, TRUE);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 31);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_last_keyframe_evicted)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 4, NO_AGE_LIMIT);
  guint64 index = 0;

  push_new (history, 10, 0, TRUE);
  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 0, FALSE);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 0);

  /* the keyframe start goes, nothing can be decoded from what is left */
  push_new (history, 10, 0, FALSE);
  assert_holds (history, 1, 5);
  index = 42;
  fail_if (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 42);

  push_new (history, 10, 0, TRUE);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 5);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_last_keyframe_older_evicted)
{
  /* the older of two keyframe starts goes: the newer one still counts */
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 4, NO_AGE_LIMIT);
  guint64 index = 0;

  push_new (history, 10, 0, TRUE);
  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 0, TRUE);
  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 0, FALSE);
  assert_holds (history, 2, 6);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 2);

  push_new (history, 10, 0, FALSE);
  fail_if (whep_packet_history_last_keyframe (history, &index));

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_last_keyframe_evicted_by_bytes_and_age)
{
  WhepPacketHistory *history =
      whep_packet_history_new (100, NO_COUNT_LIMIT, GST_SECOND);
  guint64 index = 0;

  push_new (history, 60, 0, TRUE);
  push_new (history, 60, 0, FALSE);
  fail_if (whep_packet_history_last_keyframe (history, &index));

  push_new (history, 10, 0, TRUE);
  push_new (history, 10, 2 * GST_SECOND, FALSE);
  assert_holds (history, 3, 4);
  fail_if (whep_packet_history_last_keyframe (history, &index));

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_keyframe_alone)
{
  /* a keyframe start that is the only packet held is still there */
  WhepPacketHistory *history =
      whep_packet_history_new (10, 1, NO_AGE_LIMIT);
  guint64 index = 0;

  push_new (history, 100, 0, TRUE);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 0);
  push_new (history, 100, 0, TRUE);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 1);

  whep_packet_history_free (history);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Clear                                                                    */

GST_START_TEST (test_clear)
{
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 100, NO_AGE_LIMIT);
  GstBuffer *packet = make_packet (10, 0);
  guint64 index = 0;

  whep_packet_history_push (history, packet, 0, TRUE);
  push_new (history, 10, 0, FALSE);
  push_new (history, 10, 0, FALSE);

  whep_packet_history_clear (history);
  /* nothing held, no reference kept */
  assert_holds (history, 3, 3);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 0);
  fail_if (whep_packet_history_last_keyframe (history, &index));
  fail_unless (whep_packet_history_get (history, 0) == NULL);
  ASSERT_BUFFER_REFCOUNT (packet, "packet", 1);
  gst_buffer_unref (packet);

  /* the indexes go on, and so does everything else */
  push_new (history, 20, 0, FALSE);
  push_new (history, 20, 0, TRUE);
  assert_holds (history, 3, 5);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 40);
  fail_unless (whep_packet_history_last_keyframe (history, &index));
  fail_unless_equals_uint64 (index, 4);

  /* twice, and on an empty history */
  whep_packet_history_clear (history);
  whep_packet_history_clear (history);
  assert_holds (history, 5, 5);

  whep_packet_history_free (history);
}

GST_END_TEST;

GST_START_TEST (test_clear_wrapped_ring)
{
  /* a full ring whose oldest packet is in the middle: all go, and the
   * ring takes as many again */
  WhepPacketHistory *history =
      whep_packet_history_new (NO_BYTE_LIMIT, 10, NO_AGE_LIMIT);
  guint i;

  for (i = 0; i < 25; i++)
    push_new (history, 10, 0, FALSE);
  assert_holds (history, 15, 25);

  whep_packet_history_clear (history);
  assert_holds (history, 25, 25);

  for (i = 0; i < 13; i++)
    push_new (history, 10, 0, FALSE);
  assert_holds (history, 28, 38);
  fail_unless_equals_uint64 (whep_packet_history_get_bytes (history), 100);

  whep_packet_history_free (history);
}

GST_END_TEST;

static Suite *
whep_packet_history_suite (void)
{
  Suite *s = suite_create ("whep-packet-history");
  TCase *tc_index = tcase_create ("index");
  TCase *tc_bounds = tcase_create ("bounds");
  TCase *tc_keyframe = tcase_create ("keyframe");
  TCase *tc_clear = tcase_create ("clear");

  suite_add_tcase (s, tc_index);
  tcase_add_test (tc_index, test_empty);
  tcase_add_test (tc_index, test_push_and_get);
  tcase_add_test (tc_index, test_same_buffer_twice);
  tcase_add_test (tc_index, test_get_out_of_range);
  tcase_add_test (tc_index, test_ring_grows_and_wraps);
  tcase_add_test (tc_index, test_free_releases_packets);
  tcase_add_test (tc_index, test_autoptr);
  tcase_add_test (tc_index, test_push_not_a_buffer);

  suite_add_tcase (s, tc_bounds);
  tcase_add_test (tc_bounds, test_bound_by_count);
  tcase_add_test (tc_bounds, test_bound_by_count_zero);
  tcase_add_test (tc_bounds, test_bound_by_bytes);
  tcase_add_test (tc_bounds, test_bound_by_bytes_oversized_packet);
  tcase_add_test (tc_bounds, test_bound_by_age);
  tcase_add_test (tc_bounds, test_bound_by_age_zero);
  tcase_add_test (tc_bounds, test_no_age_bound);
  tcase_add_test (tc_bounds, test_age_without_arrival_time);
  tcase_add_test (tc_bounds, test_bounds_together);

  suite_add_tcase (s, tc_keyframe);
  tcase_add_test (tc_keyframe, test_last_keyframe);
  tcase_add_test (tc_keyframe, test_last_keyframe_newest);
  tcase_add_test (tc_keyframe, test_last_keyframe_evicted);
  tcase_add_test (tc_keyframe, test_last_keyframe_older_evicted);
  tcase_add_test (tc_keyframe, test_last_keyframe_evicted_by_bytes_and_age);
  tcase_add_test (tc_keyframe, test_keyframe_alone);

  suite_add_tcase (s, tc_clear);
  tcase_add_test (tc_clear, test_clear);
  tcase_add_test (tc_clear, test_clear_wrapped_ring);

  return s;
}

GST_CHECK_MAIN (whep_packet_history);

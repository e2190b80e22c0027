/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "whep-ts-psi.h"

/* Sections as mpegtsmux 1.22 writes them (pointer field first): the PAT
 * maps program 1 to PMT PID 0x20; the PMT has H.264 on PID 0x41. */
static const guint8 pat[] = {
  0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xe0,
  0x20, 0xa2, 0xc3, 0x29, 0x41
};

static const guint8 pmt[] = {
  0x00, 0x02, 0xb0, 0x1c, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe0, 0x41, 0xf0,
  0x00, 0x1b, 0xe0, 0x41, 0xf0, 0x0a, 0x05, 0x08, 0x48, 0x44, 0x4d, 0x56,
  0xff, 0x1b, 0x44, 0x3f, 0x45, 0xdd, 0x4e, 0x12
};

/* One TS packet carrying @payload at its end, after adaptation-field
 * stuffing, the way mpegtsmux writes PSI. */
static void
make_packet (guint8 * p, guint pid, const guint8 * payload, gsize len)
{
  gsize af_len = 188 - 5 - len;

  memset (p, 0xff, 188);
  p[0] = 0x47;
  p[1] = 0x40 | (pid >> 8);
  p[2] = pid & 0xff;
  p[3] = 0x30;                  /* adaptation field and payload */
  p[4] = af_len;
  p[5] = 0x00;
  memcpy (p + 5 + af_len, payload, len);
}

/* The PMT with its stream moved to another PID, and a fresh CRC. */
static void
make_moved_pmt (guint8 * out, guint new_pid)
{
  guint32 crc;
  gsize len = sizeof (pmt);

  memcpy (out, pmt, len);
  out[9] = 0xe0 | (new_pid >> 8);       /* PCR PID */
  out[10] = new_pid & 0xff;
  out[14] = 0xe0 | (new_pid >> 8);      /* the stream */
  out[15] = new_pid & 0xff;
  crc = whep_ts_crc32 (out + 1, len - 1 - 4);
  out[len - 4] = crc >> 24;
  out[len - 3] = crc >> 16;
  out[len - 2] = crc >> 8;
  out[len - 1] = crc;
}

GST_START_TEST (test_crc_of_real_sections)
{
  /* over a whole section with its CRC, CRC-32/MPEG-2 gives 0 */
  fail_unless_equals_int (whep_ts_crc32 (pat + 1, sizeof (pat) - 1), 0);
  fail_unless_equals_int (whep_ts_crc32 (pmt + 1, sizeof (pmt) - 1), 0);
  fail_unless (whep_ts_crc32 (pat + 1, sizeof (pat) - 2) != 0);
}

GST_END_TEST;

GST_START_TEST (test_same_tables_are_no_change)
{
  g_autoptr (WhepTsPsi) psi = whep_ts_psi_new ();
  guint8 p[2][188];
  gint i;

  make_packet (p[0], 0x00, pat, sizeof (pat));
  make_packet (p[1], 0x20, pmt, sizeof (pmt));
  for (i = 0; i < 5; i++)
    fail_if (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));
}

GST_END_TEST;

GST_START_TEST (test_new_pmt_is_a_change)
{
  g_autoptr (WhepTsPsi) psi = whep_ts_psi_new ();
  guint8 p[2][188], moved[sizeof (pmt)];

  make_packet (p[0], 0x00, pat, sizeof (pat));
  make_packet (p[1], 0x20, pmt, sizeof (pmt));
  fail_if (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));

  make_moved_pmt (moved, 0x50);
  make_packet (p[1], 0x20, moved, sizeof (moved));
  fail_unless (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));
  /* and then it is the table: no change any more */
  fail_if (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));
}

GST_END_TEST;

GST_START_TEST (test_pmt_before_pat_is_not_read)
{
  g_autoptr (WhepTsPsi) psi = whep_ts_psi_new ();
  guint8 p[188], moved[sizeof (pmt)];

  /* until the PAT says 0x20 is a PMT PID, its packets are not looked at */
  make_packet (p, 0x20, pmt, sizeof (pmt));
  fail_if (whep_ts_psi_push (psi, p, sizeof (p)));
  make_moved_pmt (moved, 0x50);
  make_packet (p, 0x20, moved, sizeof (moved));
  fail_if (whep_ts_psi_push (psi, p, sizeof (p)));
}

GST_END_TEST;

GST_START_TEST (test_corrupt_section_is_ignored)
{
  g_autoptr (WhepTsPsi) psi = whep_ts_psi_new ();
  guint8 p[2][188], bad[sizeof (pmt)];

  make_packet (p[0], 0x00, pat, sizeof (pat));
  make_packet (p[1], 0x20, pmt, sizeof (pmt));
  fail_if (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));

  /* a bit flipped in transit: the CRC no longer matches */
  memcpy (bad, pmt, sizeof (pmt));
  bad[15] ^= 0x01;
  make_packet (p[1], 0x20, bad, sizeof (bad));
  fail_if (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));
}

GST_END_TEST;

GST_START_TEST (test_any_chunking_and_garbage)
{
  g_autoptr (WhepTsPsi) psi = whep_ts_psi_new ();
  guint8 stream[3 * 188 + 7], moved[sizeof (pmt)];
  gboolean changed = FALSE;
  gsize i;

  make_packet (stream, 0x00, pat, sizeof (pat));
  make_packet (stream + 188, 0x20, pmt, sizeof (pmt));
  /* junk between packets, then the moved PMT */
  memset (stream + 376, 0x00, 7);
  make_moved_pmt (moved, 0x50);
  make_packet (stream + 383, 0x20, moved, sizeof (moved));

  /* one byte at a time */
  for (i = 0; i < sizeof (stream); i++)
    changed |= whep_ts_psi_push (psi, stream + i, 1);
  fail_unless (changed);
}

GST_END_TEST;

GST_START_TEST (test_reset_forgets)
{
  g_autoptr (WhepTsPsi) psi = whep_ts_psi_new ();
  guint8 p[2][188], moved[sizeof (pmt)];

  make_packet (p[0], 0x00, pat, sizeof (pat));
  make_packet (p[1], 0x20, pmt, sizeof (pmt));
  fail_if (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));
  whep_ts_psi_reset (psi);
  make_moved_pmt (moved, 0x50);
  make_packet (p[1], 0x20, moved, sizeof (moved));
  fail_if (whep_ts_psi_push (psi, (guint8 *) p, sizeof (p)));
}

GST_END_TEST;

static Suite *
tspsi_suite (void)
{
  Suite *s = suite_create ("whep-ts-psi");
  TCase *tc = tcase_create ("tables");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_crc_of_real_sections);
  tcase_add_test (tc, test_same_tables_are_no_change);
  tcase_add_test (tc, test_new_pmt_is_a_change);
  tcase_add_test (tc, test_pmt_before_pat_is_not_read);
  tcase_add_test (tc, test_corrupt_section_is_ignored);
  tcase_add_test (tc, test_any_chunking_and_garbage);
  tcase_add_test (tc, test_reset_forgets);
  return s;
}

GST_CHECK_MAIN (tspsi);

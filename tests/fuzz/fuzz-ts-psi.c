/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* libFuzzer target: arbitrary bytes as the MPEG-TS stream that whepsink
 * watches for PAT/PMT changes (whep-ts-psi.h), whole and in pieces.
 *
 * Input: TS bytes (corpus/fuzz-ts-psi/: PAT and PMT packets of real
 * streams, and streams whose tables change).  Checked beyond memory safety
 * and leaks: the chunking does not matter (the same bytes in any pieces
 * report a change exactly when they do in one piece), a reset forgets
 * everything, and a section's CRC over itself with its CRC is 0. */

#include "fuzz-common.h"

#include "whep-ts-psi.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

/* Piece sizes around the packet size, cycled through: packets cut at
 * every kind of place, and pieces holding several. */
static const gsize piece_sizes[] = { 1, 187, 188, 189, 7, 376, 100, 564, 2 };

static gboolean
push_in_pieces (WhepTsPsi * psi, const guint8 * data, gsize size)
{
  gboolean changed = FALSE;
  gsize off = 0, k = 0;

  while (off < size) {
    gsize n = MIN (piece_sizes[k % G_N_ELEMENTS (piece_sizes)], size - off);

    changed |= whep_ts_psi_push (psi, data + off, n);
    off += n;
    k++;
  }
  return changed;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  WhepTsPsi *whole = whep_ts_psi_new ();
  WhepTsPsi *pieces = whep_ts_psi_new ();
  gboolean changed_whole, changed_pieces, changed_again;

  changed_whole = whep_ts_psi_push (whole, data, size);
  changed_pieces = push_in_pieces (pieces, data, size);
  FUZZ_ASSERT (changed_whole == changed_pieces);

  /* a reset stream starts from scratch */
  whep_ts_psi_reset (whole);
  changed_again = whep_ts_psi_push (whole, data, size);
  FUZZ_ASSERT (changed_again == changed_whole);

  /* the same bytes once more, after what they taught: whatever the
   * answer, it must be the same in pieces */
  FUZZ_ASSERT (whep_ts_psi_push (whole, data, size) ==
      push_in_pieces (pieces, data, size));

  /* a length-0 push changes nothing */
  FUZZ_ASSERT (!whep_ts_psi_push (whole, data, 0));

  /* CRC-32/MPEG-2 with its own CRC appended (big-endian) gives 0 */
  if (size <= 1024) {
    guint8 *buf = g_malloc (size + 4);
    guint32 crc = whep_ts_crc32 (data, size);

    memcpy (buf, data, size);
    buf[size] = crc >> 24;
    buf[size + 1] = crc >> 16;
    buf[size + 2] = crc >> 8;
    buf[size + 3] = crc;
    FUZZ_ASSERT (whep_ts_crc32 (buf, size + 4) == 0);
    g_free (buf);
  }

  whep_ts_psi_free (pieces);
  whep_ts_psi_free (whole);
  return 0;
}

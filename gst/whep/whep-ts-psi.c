/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* PAT and PMT change detection on raw MPEG-TS (ISO/IEC 13818-1, 2.4.4).
 * Only sections that start and end in one TS packet are read: PATs and
 * PMTs of a few streams always do, and a longer one is merely not
 * watched. */
#include "whep-ts-psi.h"

#include <string.h>

#define TS_PACKET 188
#define TS_SYNC 0x47
#define PID_PAT 0x0000
#define TABLE_PAT 0x00
#define TABLE_PMT 0x02
#define N_PIDS 8192

struct _WhepTsPsi
{
  guint8 carry[TS_PACKET];      /* a packet cut by the chunking */
  gsize carry_len;
  gboolean is_pmt_pid[N_PIDS];  /* learnt from the PAT */
  GHashTable *last_crc;         /* PID -> CRC of its last section */
};

guint32
whep_ts_crc32 (const guint8 * data, gsize len)
{
  guint32 crc = 0xffffffff;
  gsize i;
  gint bit;

  for (i = 0; i < len; i++) {
    crc ^= (guint32) data[i] << 24;
    for (bit = 0; bit < 8; bit++)
      crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc;
}

WhepTsPsi *
whep_ts_psi_new (void)
{
  WhepTsPsi *psi = g_new0 (WhepTsPsi, 1);

  psi->last_crc = g_hash_table_new (NULL, NULL);
  return psi;
}

void
whep_ts_psi_free (WhepTsPsi * psi)
{
  if (psi == NULL)
    return;
  g_hash_table_unref (psi->last_crc);
  g_free (psi);
}

void
whep_ts_psi_reset (WhepTsPsi * psi)
{
  psi->carry_len = 0;
  memset (psi->is_pmt_pid, 0, sizeof (psi->is_pmt_pid));
  g_hash_table_remove_all (psi->last_crc);
}

static void
learn_pmt_pids (WhepTsPsi * psi, const guint8 * section, gsize len)
{
  gsize i;

  /* after the 8-byte header, 4-byte entries until the CRC */
  for (i = 8; i + 4 <= len - 4; i += 4) {
    guint program = (section[i] << 8) | section[i + 1];
    guint pid = ((section[i + 2] & 0x1f) << 8) | section[i + 3];

    if (program != 0)           /* 0 is the network information PID */
      psi->is_pmt_pid[pid] = TRUE;
  }
}

/* Returns TRUE if the section differs from the last one on @pid. */
static gboolean
read_section (WhepTsPsi * psi, guint pid, const guint8 * data, gsize avail)
{
  gsize len;
  guint32 crc;
  gpointer old;
  gboolean had, changed;

  if (avail < 3)
    return FALSE;
  len = 3 + (((data[1] & 0x0f) << 8) | data[2]);
  if (len > avail || len < 12)
    return FALSE;               /* spans packets, or not a real section */
  if ((pid == PID_PAT && data[0] != TABLE_PAT) ||
      (pid != PID_PAT && data[0] != TABLE_PMT))
    return FALSE;
  if (whep_ts_crc32 (data, len) != 0)   /* CRC over all, with its own: 0 */
    return FALSE;

  crc = ((guint32) data[len - 4] << 24) | (data[len - 3] << 16) |
      (data[len - 2] << 8) | data[len - 1];
  had = g_hash_table_lookup_extended (psi->last_crc, GUINT_TO_POINTER (pid),
      NULL, &old);
  changed = had && GPOINTER_TO_UINT (old) != crc;
  g_hash_table_insert (psi->last_crc, GUINT_TO_POINTER (pid),
      GUINT_TO_POINTER (crc));

  if (pid == PID_PAT) {
    if (changed)
      memset (psi->is_pmt_pid, 0, sizeof (psi->is_pmt_pid));
    learn_pmt_pids (psi, data, len);
  }
  return changed;
}

static gboolean
read_packet (WhepTsPsi * psi, const guint8 * p)
{
  guint pid = ((p[1] & 0x1f) << 8) | p[2];
  guint afc = (p[3] >> 4) & 3;
  gsize off = 4;

  if (!(p[1] & 0x40))           /* no section starts here */
    return FALSE;
  if (pid != PID_PAT && !psi->is_pmt_pid[pid])
    return FALSE;
  if (afc == 0 || afc == 2)
    return FALSE;               /* no payload */
  if (afc == 3)
    off += 1 + p[4];
  if (off >= TS_PACKET)
    return FALSE;
  off += 1 + p[off];            /* pointer_field */
  if (off >= TS_PACKET)
    return FALSE;
  return read_section (psi, pid, p + off, TS_PACKET - off);
}

gboolean
whep_ts_psi_push (WhepTsPsi * psi, const guint8 * data, gsize len)
{
  gboolean changed = FALSE;
  gsize i = 0;

  /* finish a packet cut by the previous chunk */
  if (psi->carry_len > 0) {
    gsize need = TS_PACKET - psi->carry_len;

    if (len < need) {
      memcpy (psi->carry + psi->carry_len, data, len);
      psi->carry_len += len;
      return FALSE;
    }
    memcpy (psi->carry + psi->carry_len, data, need);
    psi->carry_len = 0;
    changed |= read_packet (psi, psi->carry);
    i = need;
  }

  while (i < len) {
    if (data[i] != TS_SYNC) {
      i++;                      /* lost sync: look for the next packet */
      continue;
    }
    if (len - i < TS_PACKET) {
      memcpy (psi->carry, data + i, len - i);
      psi->carry_len = len - i;
      break;
    }
    changed |= read_packet (psi, data + i);
    i += TS_PACKET;
  }
  return changed;
}

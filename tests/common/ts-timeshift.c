/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Rewrites the clocks of an MPEG-TS (ISO/IEC 13818-1): PCR in adaptation
 * fields, PTS and DTS in PES headers.  Enough for the streams mpegtsmux
 * writes; a test tool, not a general remuxer. */
#include "ts-timeshift.h"

#define TS_PACKET 188
#define MASK33 (TS_PTS_WRAP - 1)

/* Where the payload of a TS packet starts, or 0 if it has none. */
static gsize
payload_offset (const guint8 * p)
{
  guint afc = (p[3] >> 4) & 3;

  if (afc == 1)
    return 4;
  if (afc == 3 && 5 + p[4] < TS_PACKET)
    return 5 + p[4];
  return 0;
}

static guint64
read_timestamp (const guint8 * b)
{
  return ((guint64) ((b[0] >> 1) & 7) << 30) | ((guint64) b[1] << 22) |
      ((guint64) (b[2] >> 1) << 15) | ((guint64) b[3] << 7) | (b[4] >> 1);
}

/* Keeps the 4-bit prefix of b[0] and the marker bits. */
static void
write_timestamp (guint8 * b, guint64 ts)
{
  b[0] = (b[0] & 0xf0) | ((ts >> 29) & 0x0e) | 1;
  b[1] = (ts >> 22) & 0xff;
  b[2] = ((ts >> 14) & 0xfe) | 1;
  b[3] = (ts >> 7) & 0xff;
  b[4] = ((ts << 1) & 0xfe) | 1;
}

/* The PES header's PTS (and DTS) field, if this packet starts a PES packet
 * that has one; NULL otherwise.  *n_stamps is 1 or 2. */
static guint8 *
pes_timestamps (guint8 * p, guint * n_stamps)
{
  gsize off;
  guint8 *pes, stream_id;
  guint flags;

  if (!(p[1] & 0x40))           /* payload_unit_start_indicator */
    return NULL;
  off = payload_offset (p);
  if (off == 0 || off + 19 > TS_PACKET)
    return NULL;
  pes = p + off;
  if (pes[0] != 0 || pes[1] != 0 || pes[2] != 1)
    return NULL;
  stream_id = pes[3];
  /* these stream ids have no optional PES header */
  if (stream_id == 0xbc || stream_id == 0xbe || stream_id == 0xbf ||
      stream_id == 0xf0 || stream_id == 0xf1 || stream_id == 0xff ||
      stream_id == 0xf2 || stream_id == 0xf8)
    return NULL;
  flags = pes[7] >> 6;
  if (flags < 2)
    return NULL;
  *n_stamps = flags == 3 ? 2 : 1;
  return pes + 9;
}

gint64
ts_first_pts (const guint8 * data, gsize len)
{
  gsize i;

  for (i = 0; i + TS_PACKET <= len; i += TS_PACKET) {
    guint n;
    guint8 *ts;

    if (data[i] != 0x47)
      continue;
    ts = pes_timestamps ((guint8 *) data + i, &n);
    if (ts)
      return read_timestamp (ts);
  }
  return -1;
}

static void
shift_pcr (guint8 * p, guint64 offset)
{
  guint8 *pcr;
  guint64 base;

  if (!(((p[3] >> 4) & 2) && p[4] >= 7 && (p[5] & 0x10)))
    return;
  pcr = p + 6;
  base = ((guint64) pcr[0] << 25) | ((guint64) pcr[1] << 17) |
      ((guint64) pcr[2] << 9) | ((guint64) pcr[3] << 1) | (pcr[4] >> 7);
  base = (base + offset) & MASK33;
  pcr[0] = base >> 25;
  pcr[1] = base >> 17;
  pcr[2] = base >> 9;
  pcr[3] = base >> 1;
  pcr[4] = ((base & 1) << 7) | (pcr[4] & 0x7f);
}

void
ts_timeshift (guint8 * data, gsize len, guint64 offset)
{
  gsize i;

  for (i = 0; i + TS_PACKET <= len; i += TS_PACKET) {
    guint8 *p = data + i, *ts;
    guint n, k;

    if (p[0] != 0x47)
      continue;
    shift_pcr (p, offset);
    ts = pes_timestamps (p, &n);
    for (k = 0; ts && k < n; k++)
      write_timestamp (ts + 5 * k, (read_timestamp (ts + 5 * k) + offset)
          & MASK33);
  }
}

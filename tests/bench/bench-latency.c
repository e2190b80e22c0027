/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-latency.h"

#include <string.h>

#define TS 188
#define KEYLEN 12
#define KEEP_US (10 * G_USEC_PER_SEC)

enum
{ MEDIA_VIDEO, MEDIA_AUDIO, N_MEDIA };
static const gchar *const media_names[] = { "video", "audio" };

/* Where a unit is seen on its way: tsdemux's output, the parser's, the
 * clocksync before the tee (whepsink), the payloader's RTP, srtpenc's clear
 * RTP input (after webrtcbin's own elements), nicesink (SRTP out). */
enum
{ ST_DEMUX, ST_PARSE, ST_SYNC, ST_PAY, ST_SRTPENC, ST_OUT, N_STAGES };
static const gchar *const stage_names[] =
    { "demux", "parse", "sync", "pay", "srtpenc", "out" };

typedef struct
{
  gint kind;                    /* -1 unknown, else MEDIA_* */
  gboolean in_pes;
  guint32 scan;                 /* the last bytes, for start codes */
  gint collect;                 /* bytes of the key still wanted, -1 none */
  guint8 key[KEYLEN];
  gint64 key_t;                 /* arrival of the buffer where the unit began */
  gint skip;                    /* audio: bytes to skip before the key */
} PidState;

typedef struct
{
  gint64 t_in;
  gint media;
  gint count;                   /* how often this key was seen: >1 ambiguous */
} InEntry;

typedef struct
{
  gint64 t_in, t_clear;
  gint media;
} Pending;

struct _BenchLatency
{
  GMutex lock;
  /* protected by lock */
  PidState *pids;               /* 8192 */
  GHashTable *inputs;           /* key hash -> InEntry */
  GHashTable *pending;          /* ssrc << 16 | seq -> Pending */
  GHashTable *ssrcs[N_MEDIA];   /* ssrcs that delivered samples */
  GArray *st[N_MEDIA][N_STAGES];        /* ms from TS in */
  gint64 started;               /* samples from units that came after this */
  gint64 last_prune;
  guint unmatched[N_MEDIA];
};

static gsize
key_hash (const guint8 * k)
{
  guint64 h = 1469598103934665603ULL;
  gint i;

  for (i = 0; i < KEYLEN; i++)
    h = (h ^ k[i]) * 1099511628211ULL;
  return (gsize) (h | 1);       /* never 0: NULL means "absent" */
}

static void
prune_unlocked (BenchLatency * lat, gint64 now)
{
  GHashTableIter it;
  gpointer v;

  if (now - lat->last_prune < G_USEC_PER_SEC)
    return;
  lat->last_prune = now;
  g_hash_table_iter_init (&it, lat->inputs);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (now - ((InEntry *) v)->t_in > KEEP_US)
      g_hash_table_iter_remove (&it);
  g_hash_table_iter_init (&it, lat->pending);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (now - ((Pending *) v)->t_clear > KEEP_US)
      g_hash_table_iter_remove (&it);
}

static void
record_input (BenchLatency * lat, gint media, const guint8 * key, gint64 t)
{
  gpointer h = GSIZE_TO_POINTER (key_hash (key));
  InEntry *e = g_hash_table_lookup (lat->inputs, h);

  if (e) {
    e->count++;
    return;
  }
  e = g_new (InEntry, 1);
  e->t_in = t;
  e->media = media;
  e->count = 1;
  g_hash_table_insert (lat->inputs, h, e);
}

/* ---------------------------------------------------------------------- */
/* TS in */

static void
feed_es (BenchLatency * lat, PidState * ps, const guint8 * d, gint len,
    gint64 t)
{
  gint i;

  for (i = 0; i < len; i++) {
    guint8 b = d[i];

    if (ps->skip > 0) {
      ps->skip--;
      continue;
    }
    if (ps->collect > 0) {
      ps->key[KEYLEN - ps->collect] = b;
      if (--ps->collect == 0)
        record_input (lat, ps->kind, ps->key, ps->key_t);
    } else if (ps->kind == MEDIA_VIDEO && (ps->scan & 0xffffff) == 1) {
      gint type = b & 0x1f;

      /* a slice, IDR or not: collect what follows its NAL header */
      if (type == 1 || type == 5) {
        ps->collect = KEYLEN;
        ps->key_t = t;
      }
    }
    ps->scan = ps->scan << 8 | b;
  }
}

/* An Opus PES starts with a control header (ETSI TS 102 366 style):
 * 0x7fe0 | flags, the AU size as 0xff... n, optional trims. */
static gint
opus_header_len (const guint8 * d, gint len)
{
  gint i = 2;

  if (len < 3 || d[0] != 0x7f || (d[1] & 0xe0) != 0xe0)
    return -1;
  while (i < len && d[i] == 0xff)
    i++;
  i++;
  if (d[1] & 0x10)
    i += 2;
  if (d[1] & 0x08)
    i += 2;
  if ((d[1] & 0x04) && i < len)
    i += 1 + d[i];
  return i < len ? i : -1;
}

static void
feed_ts (BenchLatency * lat, const guint8 * d, gsize size, gint64 t)
{
  gsize off;

  for (off = 0; off + TS <= size; off += TS) {
    const guint8 *p = d + off;
    gint pid = (p[1] & 0x1f) << 8 | p[2];
    gint afc = p[3] >> 4 & 3, start = 4;
    PidState *ps = &lat->pids[pid];

    if (p[0] != 0x47 || !(afc & 1) || pid == 0 || pid == 0x1fff)
      continue;
    if (afc == 3)
      start = 5 + p[4];
    if (start >= TS)
      continue;
    if (p[1] & 0x40) {
      const guint8 *pes = p + start;
      gint hdr;

      if (start + 9 > TS || pes[0] || pes[1] || pes[2] != 1) {
        ps->in_pes = FALSE;
        continue;
      }
      hdr = 9 + pes[8];
      if (pes[3] >= 0xe0 && pes[3] <= 0xef)
        ps->kind = MEDIA_VIDEO;
      else if (pes[3] == 0xbd)
        ps->kind = MEDIA_AUDIO;
      else
        ps->kind = -1;
      ps->in_pes = ps->kind >= 0;
      ps->collect = 0;
      ps->skip = 0;
      start += hdr;
      if (ps->kind == MEDIA_AUDIO && start < TS) {
        gint h = opus_header_len (p + start, TS - start);

        if (h < 0) {
          ps->in_pes = FALSE;
          continue;
        }
        /* the key: what follows the TOC byte */
        ps->skip = h + 1;
        ps->collect = KEYLEN;
        ps->key_t = t;
      }
    }
    if (ps->in_pes && start < TS)
      feed_es (lat, ps, p + start, TS - start, t);
  }
}

static GstPadProbeReturn
ts_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  BenchLatency *lat = user_data;
  gint64 t = g_get_monotonic_time ();
  GstBuffer *buf;
  GstMapInfo map;

  if (!(info->type & GST_PAD_PROBE_TYPE_BUFFER))
    return GST_PAD_PROBE_OK;
  buf = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&lat->lock);
  feed_ts (lat, map.data, map.size, t);
  prune_unlocked (lat, t);
  g_mutex_unlock (&lat->lock);
  gst_buffer_unmap (buf, &map);
  return GST_PAD_PROBE_OK;
}

/* ---------------------------------------------------------------------- */
/* RTP out */

static gboolean
rtp_parse (const guint8 * d, gsize size, guint32 * ssrc, guint16 * seq,
    const guint8 ** payload, gsize * plen)
{
  gsize off;

  if (size < 12 || d[0] >> 6 != 2)
    return FALSE;
  /* RTCP (payload types 200-204 with the marker bit) is not RTP */
  if (d[1] >= 192 && d[1] <= 223)
    return FALSE;
  *seq = d[2] << 8 | d[3];
  *ssrc = (guint32) d[8] << 24 | d[9] << 16 | d[10] << 8 | d[11];
  off = 12 + 4 * (d[0] & 0x0f);
  if ((d[0] & 0x10) && off + 4 <= size)
    off += 4 + 4 * (d[off + 2] << 8 | d[off + 3]);
  if (off >= size)
    return FALSE;
  *payload = d + off;
  *plen = size - off;
  return TRUE;
}

/* The input unit whose start this RTP packet carries, if any */
static InEntry *
rtp_entry (BenchLatency * lat, const guint8 * d, gsize size, guint32 * ssrc,
    guint16 * seq)
{
  const guint8 *pl, *key = NULL;
  gsize plen;
  InEntry *e = NULL;
  gint type;

  if (!rtp_parse (d, size, ssrc, seq, &pl, &plen))
    return NULL;
  type = pl[0] & 0x1f;
  /* video: FU-A start of a slice, or a slice in one packet */
  if (type == 28 && plen > 2 + KEYLEN && (pl[1] & 0x80) &&
      ((pl[1] & 0x1f) == 1 || (pl[1] & 0x1f) == 5))
    key = pl + 2;
  else if ((type == 1 || type == 5) && plen > 1 + KEYLEN)
    key = pl + 1;
  if (key)
    e = g_hash_table_lookup (lat->inputs, GSIZE_TO_POINTER (key_hash (key)));
  /* audio: the Opus packet after its TOC byte */
  if (e == NULL && plen > 1 + KEYLEN) {
    e = g_hash_table_lookup (lat->inputs, GSIZE_TO_POINTER (key_hash (pl +
                1)));
    if (e && e->media != MEDIA_AUDIO)
      e = NULL;
  }
  if (e == NULL && key && lat->started)
    lat->unmatched[MEDIA_VIDEO]++;
  if (e && (e->count != 1 || !lat->started || e->t_in < lat->started))
    e = NULL;
  return e;
}

static void
add_sample (BenchLatency * lat, InEntry * e, gint stage, gint64 t)
{
  gdouble ms = (t - e->t_in) / 1000.0;

  g_array_append_val (lat->st[e->media][stage], ms);
}

static void
clear_rtp (BenchLatency * lat, GstBuffer * buf, gint64 t)
{
  GstMapInfo map;
  guint32 ssrc;
  guint16 seq;
  InEntry *e;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  if ((e = rtp_entry (lat, map.data, map.size, &ssrc, &seq))) {
    Pending *p = g_new (Pending, 1);

    add_sample (lat, e, ST_SRTPENC, t);
    p->t_in = e->t_in;
    p->t_clear = t;
    p->media = e->media;
    g_hash_table_replace (lat->pending,
        GSIZE_TO_POINTER ((gsize) ssrc << 16 | seq), p);
  }
  gst_buffer_unmap (buf, &map);
}

static void
pay_rtp (BenchLatency * lat, GstBuffer * buf, gint64 t)
{
  GstMapInfo map;
  guint32 ssrc;
  guint16 seq;
  InEntry *e;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  if ((e = rtp_entry (lat, map.data, map.size, &ssrc, &seq)))
    add_sample (lat, e, ST_PAY, t);
  gst_buffer_unmap (buf, &map);
}

/* Elementary stream buffers (before payloading): slices after start codes,
 * or one Opus packet. */
static void
es_buffer (BenchLatency * lat, GstBuffer * buf, gint64 t, gint stage)
{
  GstMapInfo map;
  gsize i;
  gboolean found = FALSE;
  InEntry *e;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  for (i = 0; i + 4 + KEYLEN <= map.size; i++) {
    const guint8 *d = map.data + i;
    gint type;

    if (d[0] || d[1] || d[2] != 1)
      continue;
    type = d[3] & 0x1f;
    if (type != 1 && type != 5)
      continue;
    e = g_hash_table_lookup (lat->inputs, GSIZE_TO_POINTER (key_hash (d +
                4)));
    if (e && e->count == 1 && lat->started && e->t_in >= lat->started)
      add_sample (lat, e, stage, t);
    found = TRUE;
    i += 3 + KEYLEN;
  }
  if (!found && map.size > 1 + KEYLEN) {
    e = g_hash_table_lookup (lat->inputs, GSIZE_TO_POINTER (key_hash
            (map.data + 1)));
    if (e && e->media == MEDIA_AUDIO && e->count == 1 && lat->started &&
        e->t_in >= lat->started)
      add_sample (lat, e, stage, t);
  }
  gst_buffer_unmap (buf, &map);
}

#define ES_FUNC(name, stage) \
static void name (BenchLatency * lat, GstBuffer * buf, gint64 t) \
{ es_buffer (lat, buf, t, stage); }
ES_FUNC (es_demux, ST_DEMUX)
ES_FUNC (es_parse, ST_PARSE)
ES_FUNC (es_sync, ST_SYNC)

static void
srtp_out (BenchLatency * lat, GstBuffer * buf, gint64 t)
{
  guint8 h[12];
  guint32 ssrc;
  guint16 seq;
  gpointer k;
  Pending *p;
  gdouble ms;

  if (gst_buffer_extract (buf, 0, h, 12) != 12 || h[0] >> 6 != 2 ||
      (h[1] >= 192 && h[1] <= 223))
    return;
  seq = h[2] << 8 | h[3];
  ssrc = (guint32) h[8] << 24 | h[9] << 16 | h[10] << 8 | h[11];
  k = GSIZE_TO_POINTER ((gsize) ssrc << 16 | seq);
  p = g_hash_table_lookup (lat->pending, k);
  if (p == NULL)
    return;
  ms = (t - p->t_in) / 1000.0;
  g_array_append_val (lat->st[p->media][ST_OUT], ms);
  g_hash_table_add (lat->ssrcs[p->media], GUINT_TO_POINTER (ssrc));
  g_hash_table_remove (lat->pending, k);
}

typedef void (*BufferFunc) (BenchLatency * lat, GstBuffer * buf, gint64 t);

static void
each_buffer (GstPadProbeInfo * info, BenchLatency * lat, BufferFunc func)
{
  gint64 t = g_get_monotonic_time ();

  g_mutex_lock (&lat->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    func (lat, GST_PAD_PROBE_INFO_BUFFER (info), t);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    guint i, n = gst_buffer_list_length (list);

    for (i = 0; i < n; i++)
      func (lat, gst_buffer_list_get (list, i), t);
  }
  g_mutex_unlock (&lat->lock);
}

static GstPadProbeReturn
clear_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  each_buffer (info, user_data, clear_rtp);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
out_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  each_buffer (info, user_data, srtp_out);
  return GST_PAD_PROBE_OK;
}

#define PROBE_FUNC(name, func) \
static GstPadProbeReturn \
name (GstPad * pad, GstPadProbeInfo * info, gpointer user_data) \
{ each_buffer (info, user_data, func); return GST_PAD_PROBE_OK; }
PROBE_FUNC (demux_probe, es_demux)
PROBE_FUNC (parse_probe, es_parse)
PROBE_FUNC (sync_probe, es_sync)
PROBE_FUNC (pay_probe, pay_rtp)

#define DATA_PROBE (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST)

static void
srtpenc_pad_added (GstElement * enc, GstPad * pad, BenchLatency * lat)
{
  if (GST_PAD_IS_SINK (pad) && g_str_has_prefix (GST_PAD_NAME (pad),
          "rtp_sink"))
    gst_pad_add_probe (pad, DATA_PROBE, clear_probe, lat, NULL);
}

static void
demux_pad_added (GstElement * demux, GstPad * pad, BenchLatency * lat)
{
  if (GST_PAD_IS_SRC (pad))
    gst_pad_add_probe (pad, DATA_PROBE, demux_probe, lat, NULL);
}

static gboolean
inside_webrtcbin (GstElement * element)
{
  GstObject *o = GST_OBJECT_PARENT (element);

  for (; o; o = GST_OBJECT_PARENT (o)) {
    GstElementFactory *f = GST_IS_ELEMENT (o) ?
        gst_element_get_factory (GST_ELEMENT (o)) : NULL;

    if (f && g_str_equal (GST_OBJECT_NAME (f), "webrtcbin"))
      return TRUE;
  }
  return FALSE;
}

static void
probe_src (GstElement * element, GstPadProbeCallback cb, BenchLatency * lat)
{
  GstPad *pad = gst_element_get_static_pad (element, "src");

  g_object_set_data (G_OBJECT (element), "bench-latency", lat);
  if (pad) {
    gst_pad_add_probe (pad, DATA_PROBE, cb, lat, NULL);
    gst_object_unref (pad);
  }
}

static void
watch_element (GstElement * element, BenchLatency * lat)
{
  GstElementFactory *f = gst_element_get_factory (element);
  const gchar *name = f ? GST_OBJECT_NAME (f) : "";

  if (g_object_get_data (G_OBJECT (element), "bench-latency"))
    return;
  if (g_str_equal (name, "srtpenc")) {
    GstIterator *it = gst_element_iterate_sink_pads (element);
    GValue v = G_VALUE_INIT;

    g_object_set_data (G_OBJECT (element), "bench-latency", lat);
    g_signal_connect (element, "pad-added", G_CALLBACK (srtpenc_pad_added),
        lat);
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      srtpenc_pad_added (element, g_value_get_object (&v), lat);
      g_value_reset (&v);
    }
    gst_iterator_free (it);
  } else if (g_str_equal (name, "nicesink")) {
    GstPad *pad = gst_element_get_static_pad (element, "sink");

    g_object_set_data (G_OBJECT (element), "bench-latency", lat);
    gst_pad_add_probe (pad, DATA_PROBE, out_probe, lat, NULL);
    gst_object_unref (pad);
  } else if (g_str_equal (name, "tsdemux")) {
    g_object_set_data (G_OBJECT (element), "bench-latency", lat);
    g_signal_connect (element, "pad-added", G_CALLBACK (demux_pad_added),
        lat);
  } else if (g_str_equal (name, "h264parse") || g_str_equal (name,
          "opusparse")) {
    probe_src (element, parse_probe, lat);
  } else if (g_str_equal (name, "clocksync") && !inside_webrtcbin (element)) {
    probe_src (element, sync_probe, lat);
  } else if (g_str_equal (name, "rtph264pay") || g_str_equal (name,
          "rtpopuspay")) {
    probe_src (element, pay_probe, lat);
  }
}

/* Elements come in bins that already hold theirs (webrtcbin's transport
 * bins): look inside too. */
static void
deep_element_added (GstBin * bin, GstBin * sub, GstElement * element,
    BenchLatency * lat)
{
  watch_element (element, lat);
  if (GST_IS_BIN (element)) {
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (element));
    GValue v = G_VALUE_INIT;

    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      watch_element (g_value_get_object (&v), lat);
      g_value_reset (&v);
    }
    gst_iterator_free (it);
  }
}

BenchLatency *
bench_latency_new (GstElement * pipeline, GstPad * ts_pad)
{
  BenchLatency *lat = g_new0 (BenchLatency, 1);
  gint i, j;

  g_mutex_init (&lat->lock);
  lat->pids = g_new0 (PidState, 8192);
  lat->inputs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  lat->pending = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (i = 0; i < N_MEDIA; i++) {
    lat->ssrcs[i] = g_hash_table_new (NULL, NULL);
    for (j = 0; j < N_STAGES; j++)
      lat->st[i][j] = g_array_new (FALSE, FALSE, sizeof (gdouble));
  }
  gst_pad_add_probe (ts_pad, GST_PAD_PROBE_TYPE_BUFFER, ts_probe, lat, NULL);
  g_signal_connect (pipeline, "deep-element-added",
      G_CALLBACK (deep_element_added), lat);
  /* what is there already */
  deep_element_added (NULL, NULL, pipeline, lat);
  return lat;
}

void
bench_latency_start (BenchLatency * lat)
{
  gint i, j;

  g_mutex_lock (&lat->lock);
  lat->started = g_get_monotonic_time ();
  for (i = 0; i < N_MEDIA; i++) {
    for (j = 0; j < N_STAGES; j++)
      g_array_set_size (lat->st[i][j], 0);
    g_hash_table_remove_all (lat->ssrcs[i]);
    lat->unmatched[i] = 0;
  }
  g_hash_table_remove_all (lat->pending);
  g_mutex_unlock (&lat->lock);
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
pct (GArray * a, gdouble p)
{
  gdouble r;
  guint lo, hi;

  if (a->len == 0)
    return -1;
  r = p / 100 * (a->len - 1);
  lo = (guint) r;
  hi = lo + 1 < a->len ? lo + 1 : lo;
  return g_array_index (a, gdouble, lo) + (g_array_index (a, gdouble,
          hi) - g_array_index (a, gdouble, lo)) * (r - lo);
}

void
bench_latency_write (BenchLatency * lat, const gchar * server, FILE * out)
{
  gint i, j;

  g_mutex_lock (&lat->lock);
  for (i = 0; i < N_MEDIA; i++) {
    GArray *o = lat->st[i][ST_OUT];

    for (j = 0; j < N_STAGES; j++)
      g_array_sort (lat->st[i][j], cmp_double);
    fprintf (out, "{\"type\":\"latency\",\"server\":\"%s\",\"media\":\"%s\","
        "\"viewers\":%u,\"n\":%u,\"p50_ms\":%.2f,\"p95_ms\":%.2f,"
        "\"p99_ms\":%.2f,\"max_ms\":%.2f,\"unmatched\":%u", server,
        media_names[i], g_hash_table_size (lat->ssrcs[i]), o->len,
        pct (o, 50), pct (o, 95), pct (o, 99), pct (o, 100),
        lat->unmatched[i]);
    for (j = 0; j < N_STAGES; j++) {
      GArray *a = lat->st[i][j];

      fprintf (out, ",\"%s\":[%.2f,%.2f,%.2f,%u]", stage_names[j],
          pct (a, 50), pct (a, 95), pct (a, 99), a->len);
    }
    fprintf (out, "}\n");
  }
  fflush (out);
  g_mutex_unlock (&lat->lock);
}

/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* ts-replay FILE HOST PORT [SECONDS [ANNOUNCE_PORT]]: sends an MPEG-TS clip
 * over UDP in real time, looping it seamlessly, for as long as asked (0:
 * until SIGTERM).
 *
 * With ANNOUNCE_PORT it also tells the load client (whep-load -ts-tap, on
 * 127.0.0.1) when each frame left: for every PES packet of the video and the
 * Opus track, right after the datagram that carries its start is sent, a
 * datagram of 36 bytes, little endian: "TSRA" (u32 0x54535241), kind (u8: 0
 * video, 1 audio), 3 bytes of padding, the PES's PTS as sent (i64, the loop's
 * offset added, not wrapped at 33 bits), CLOCK_REALTIME in ns just before that
 * datagram's sendto (i64), and a content key (12 bytes: after the NAL header
 * of the PES's first slice, or after the Opus TOC byte) by which the client
 * ties a decrypted packet to its frame (whep-load/latency.go).
 *
 * Why not a live encoder: videotestsrc pattern=snow at 1280x720@30 alone
 * costs ~0.4 core and x264 another ~0.25, on a 2-core machine whose cores
 * belong to the server and the load client.  The clip is encoded once (by
 * gst-launch-1.0, see run.sh) and this costs ~1% of a core.
 *
 * The loop is seamless: the window [first video PTS, + duration) is sent,
 * and each pass adds the duration to PCR, PTS and DTS; continuity counters
 * are rewritten per PID.  Packets leave at their PES's time (each frame's
 * packets in one burst, as a live muxer sends them), 7 to a datagram.
 * The clip must start with a key frame and hold whole GOPs (run.sh encodes
 * 20 s at GOP 1, 2 or 4 s). */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TS 188
#define PTS_MASK ((1ULL << 33) - 1)
#define MAX_PIDS 8192

typedef struct
{
  uint8_t *data;                /* TS packet */
  int64_t t90;                  /* send time in 90 kHz from the loop start */
  int64_t pes_pts;              /* PTS of the PES this packet belongs to, -1 for none */
  int8_t kind;                  /* a PES start: 0 video, 1 audio; else -1 */
  uint8_t has_key;
  uint8_t key[12];              /* see the top */
} Pkt;

#define KEYLEN 12

/* Per PID, while finding the key of the PES in progress */
typedef struct
{
  long start;                   /* index of its PES start packet, -1 none */
  int collect;                  /* key bytes still wanted, -1: not yet */
  int skip;                     /* audio: bytes to skip first */
  uint32_t scan;
} KeyState;

/* An Opus PES starts with a control header (ETSI TS 102 366 style):
 * 0x7fe0 | flags, the AU size as 0xff... n, optional trims. Its length. */
static int
opus_header_len (const uint8_t * d, int len)
{
  int i = 2;

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

static volatile sig_atomic_t stop;

static void
on_signal (int sig)
{
  (void) sig;
  stop = 1;
}

static int64_t
read_ts (const uint8_t * p)
{
  return ((int64_t) (p[0] >> 1 & 0x07) << 30) | ((int64_t) p[1] << 22) |
      ((int64_t) (p[2] >> 1) << 15) | ((int64_t) p[3] << 7) | (p[4] >> 1);
}

static void
write_ts (uint8_t * p, int64_t v)
{
  p[0] = (p[0] & 0xf1) | ((v >> 29) & 0x0e);
  p[1] = (v >> 22) & 0xff;
  p[2] = (uint8_t) (((v >> 14) & 0xfe) | 1);
  p[3] = (v >> 7) & 0xff;
  p[4] = (uint8_t) (((v << 1) & 0xfe) | 1);
}

static int
payload_offset (const uint8_t * p)
{
  int afc = p[3] >> 4 & 3;

  if (!(afc & 1))
    return -1;
  if (afc == 3)
    return 5 + p[4] <= TS ? 5 + p[4] : -1;
  return 4;
}

/* PCR position in the packet, or NULL */
static uint8_t *
pcr_of (uint8_t * p)
{
  if ((p[3] >> 4 & 2) && p[4] >= 7 && (p[5] & 0x10))
    return p + 6;
  return NULL;
}

/* The PES header's PTS field (and DTS field, if any) */
static uint8_t *
pes_pts_of (uint8_t * p, uint8_t ** dts, int *stream_id)
{
  int off = payload_offset (p);
  uint8_t *pes;

  *dts = NULL;
  if (!(p[1] & 0x40) || off < 0 || off + 14 > TS)
    return NULL;
  pes = p + off;
  if (pes[0] != 0 || pes[1] != 0 || pes[2] != 1)
    return NULL;
  *stream_id = pes[3];
  if (!(pes[7] & 0x80))
    return NULL;
  if ((pes[7] & 0xc0) == 0xc0)
    *dts = pes + 14;
  return pes + 9;
}

static int64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_until (int64_t ns)
{
  struct timespec ts = { ns / 1000000000, ns % 1000000000 };

  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR
      && !stop);
}

int
main (int argc, char **argv)
{
  FILE *f;
  long size;
  uint8_t *file;
  Pkt *pkts;
  size_t n = 0, i, kept = 0;
  int64_t cur_pts[MAX_PIDS];
  int video_pid = -1, sock;
  int64_t t0 = -1, last_v = -1, prev_v = -1, dur, t, seconds;
  uint64_t video_bytes = 0, audio_bytes = 0, frames = 0, idrs = 0;
  uint8_t cc[MAX_PIDS];
  struct sockaddr_in to;
  int64_t start, loop;
  int ann_sock = -1;
  struct sockaddr_in ann_to;
  uint32_t scan = 0xffffff;
  int idr_in_pes = 0;

  if (argc < 4) {
    fprintf (stderr, "usage: %s FILE HOST PORT [SECONDS [ANNOUNCE_PORT]]\n",
        argv[0]);
    return 2;
  }
  seconds = argc > 4 ? atoll (argv[4]) : 0;

  f = fopen (argv[1], "rb");
  if (f == NULL || fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < TS) {
    perror (argv[1]);
    return 1;
  }
  rewind (f);
  file = malloc (size);
  if (fread (file, 1, size, f) != (size_t) size) {
    perror ("read");
    return 1;
  }
  fclose (f);

  /* one pass: each packet's PES time; the video PID and its frames */
  pkts = calloc (size / TS, sizeof (Pkt));
  for (i = 0; i < MAX_PIDS; i++)
    cur_pts[i] = -1;
  for (i = 0; i + TS <= (size_t) size; i += TS) {
    uint8_t *p = file + i, *ptsp, *dtsp;
    int pid = (p[1] & 0x1f) << 8 | p[2], sid = 0;

    if (p[0] != 0x47) {
      fprintf (stderr, "ts-replay: lost sync at byte %zu\n", i);
      return 1;
    }
    if ((ptsp = pes_pts_of (p, &dtsp, &sid))) {
      cur_pts[pid] = read_ts (ptsp);
      if (sid >= 0xe0 && sid <= 0xef) {
        if (video_pid < 0)
          video_pid = pid;
        if (pid == video_pid) {
          if (t0 < 0)
            t0 = cur_pts[pid];
          prev_v = last_v;
          last_v = cur_pts[pid];
          frames++;
        }
      }
    }
    pkts[n].data = p;
    pkts[n].pes_pts = cur_pts[pid];
    n++;
  }
  if (video_pid < 0 || frames < 2) {
    fprintf (stderr, "ts-replay: no video in %s\n", argv[1]);
    return 1;
  }
  /* whole frames: the last frame lasts as long as the one before */
  dur = (last_v - t0) + (last_v - prev_v);

  /* keep what lies in [t0, t0 + dur); PSI and PCR-only packets stay */
  for (i = 0; i < n; i++) {
    Pkt *pk = &pkts[i];
    uint8_t *p = pk->data, *dtsp;
    int pid = (p[1] & 0x1f) << 8 | p[2], sid = 0, off;
    int64_t rel = pk->pes_pts < 0 ? -1 : (int64_t) ((pk->pes_pts - t0) & PTS_MASK);

    if (pk->pes_pts >= 0 && rel >= dur)
      continue;
    if (pk->pes_pts >= 0 && (off = payload_offset (p)) >= 0) {
      int hdr = 0;

      if (pes_pts_of (p, &dtsp, &sid))
        hdr = 9 + p[off + 8];
      if (pid == video_pid) {
        int k;

        if (hdr)
          idr_in_pes = 0;
        video_bytes += TS - off - hdr;
        /* count access units with an IDR slice: the GOP actually encoded */
        for (k = off + hdr; k < TS; k++) {
          if ((scan & 0xffffff) == 1 && (p[k] & 0x1f) == 5 && !idr_in_pes) {
            idr_in_pes = 1;
            idrs++;
          }
          scan = scan << 8 | p[k];
        }
      } else {
        audio_bytes += TS - off - hdr;
      }
    }
    pkts[kept] = *pk;
    pkts[kept].t90 = rel < 0 ? -1 : rel;
    kept++;
  }
  n = kept;
  /* content keys, for the announcements */
  {
    KeyState *ks = calloc (MAX_PIDS, sizeof (KeyState));

    for (i = 0; i < MAX_PIDS; i++)
      ks[i].start = -1;
    for (i = 0; i < n; i++) {
      uint8_t *p = pkts[i].data, *dtsp;
      int pid = (p[1] & 0x1f) << 8 | p[2], sid = 0, off = payload_offset (p), k;
      KeyState *st = &ks[pid];

      pkts[i].kind = -1;
      if (off < 0)
        continue;
      if (pes_pts_of (p, &dtsp, &sid)) {
        int kind = sid >= 0xe0 && sid <= 0xef ? 0 : sid == 0xbd ? 1 : -1;

        st->start = -1;
        if (kind < 0)
          continue;
        st->start = i;
        pkts[i].kind = kind;
        st->collect = -1;
        st->skip = 0;
        st->scan = 0xffffff;
        off += 9 + p[off + 8];
        if (kind == 1 && off < TS) {
          int h = opus_header_len (p + off, TS - off);

          if (h < 0) {
            st->start = -1;
            continue;
          }
          st->skip = h + 1;     /* and the TOC byte */
          st->collect = KEYLEN;
        }
      }
      if (st->start < 0)
        continue;
      for (k = off; k < TS && st->start >= 0; k++) {
        Pkt *ps = &pkts[st->start];

        if (st->skip > 0) {
          st->skip--;
        } else if (st->collect > 0) {
          ps->key[KEYLEN - st->collect] = p[k];
          if (--st->collect == 0) {
            ps->has_key = 1;
            st->start = -1;     /* one key per PES */
          }
        } else if (ps->kind == 0 && st->collect < 0
            && (st->scan & 0xffffff) == 1 && ((p[k] & 0x1f) == 1
                || (p[k] & 0x1f) == 5)) {
          st->collect = KEYLEN; /* the first slice: what follows its header */
        }
        st->scan = st->scan << 8 | p[k];
      }
    }
    free (ks);
  }

  /* send times: never earlier than a packet before it */
  t = 0;
  for (i = 0; i < n; i++) {
    if (pkts[i].t90 > t)
      t = pkts[i].t90;
    pkts[i].t90 = t;
  }

  fprintf (stderr, "stream: %s: %.1f s loop, TS %.2f Mbit/s, video ES %.2f "
      "Mbit/s in %.1f frames/s, GOP %.2f s (%llu key frames), audio ES "
      "%.0f kbit/s\n", argv[1], dur / 90000.0,
      n * TS * 8 / (dur / 90000.0) / 1e6,
      video_bytes * 8 / (dur / 90000.0) / 1e6, frames / (dur / 90000.0),
      idrs ? dur / 90000.0 / idrs : 0.0, (unsigned long long) idrs,
      audio_bytes * 8 / (dur / 90000.0) / 1e3);

  sock = socket (AF_INET, SOCK_DGRAM, 0);
  memset (&to, 0, sizeof (to));
  to.sin_family = AF_INET;
  to.sin_port = htons (atoi (argv[3]));
  if (sock < 0 || inet_pton (AF_INET, argv[2], &to.sin_addr) != 1) {
    fprintf (stderr, "ts-replay: bad address %s\n", argv[2]);
    return 1;
  }
  if (argc > 5 && atoi (argv[5]) > 0) {
    ann_sock = socket (AF_INET, SOCK_DGRAM, 0);
    memset (&ann_to, 0, sizeof (ann_to));
    ann_to.sin_family = AF_INET;
    ann_to.sin_port = htons (atoi (argv[5]));
    ann_to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  }
  signal (SIGTERM, on_signal);
  signal (SIGINT, on_signal);
  memset (cc, 0, sizeof (cc));

  start = now_ns ();
  for (loop = 0; !stop; loop++) {
    int64_t add = loop * dur;

    for (i = 0; i < n && !stop;) {
      uint8_t dgram[7 * TS];
      size_t k = 0, first = i, j;
      struct timespec sent;
      int64_t when = start + (add + pkts[i].t90) * 100000 / 9;

      if (seconds > 0 && when - start > seconds * 1000000000LL) {
        stop = 1;
        break;
      }
      sleep_until (when);
      /* up to 7 packets that leave at the same time */
      while (k < 7 && i < n && (k == 0 || pkts[i].t90 == pkts[i - 1].t90)) {
        uint8_t *p = dgram + k * TS, *x, *dtsp;
        int pid, sid;

        memcpy (p, pkts[i].data, TS);
        pid = (p[1] & 0x1f) << 8 | p[2];
        if (pid != 0x1fff) {
          if (p[3] & 0x10)
            p[3] = (p[3] & 0xf0) | (cc[pid]++ & 0x0f);
          else
            p[3] = (p[3] & 0xf0) | ((cc[pid] - 1) & 0x0f);
        }
        if (add) {
          if ((x = pcr_of (p))) {
            int64_t base = ((int64_t) x[0] << 25) | (x[1] << 17) | (x[2] << 9) |
                (x[3] << 1) | (x[4] >> 7);

            base = (base + add) & PTS_MASK;
            x[0] = base >> 25;
            x[1] = base >> 17;
            x[2] = base >> 9;
            x[3] = base >> 1;
            x[4] = (uint8_t) ((x[4] & 0x7f) | ((base & 1) << 7));
          }
          if ((x = pes_pts_of (p, &dtsp, &sid))) {
            write_ts (x, (read_ts (x) + add) & PTS_MASK);
            if (dtsp)
              write_ts (dtsp, (read_ts (dtsp) + add) & PTS_MASK);
          }
        }
        k++;
        i++;
      }
      clock_gettime (CLOCK_REALTIME, &sent);
      if (sendto (sock, dgram, k * TS, 0, (struct sockaddr *) &to,
              sizeof (to)) < 0 && errno != ECONNREFUSED)
        perror ("sendto");
      for (j = first; ann_sock >= 0 && j < i; j++) {
        uint8_t a[36];
        int64_t pts = pkts[j].pes_pts + add;
        int64_t tns = (int64_t) sent.tv_sec * 1000000000 + sent.tv_nsec;
        uint32_t magic = 0x54535241;

        if (pkts[j].kind < 0 || !pkts[j].has_key)
          continue;
        /* little endian, as this machine (x86, arm64) stores them */
        memset (a, 0, sizeof (a));
        memcpy (a, &magic, 4);
        a[4] = (uint8_t) pkts[j].kind;
        memcpy (a + 8, &pts, 8);
        memcpy (a + 16, &tns, 8);
        memcpy (a + 24, pkts[j].key, KEYLEN);
        if (sendto (ann_sock, a, sizeof (a), 0, (struct sockaddr *) &ann_to,
                sizeof (ann_to)) < 0 && errno != ECONNREFUSED)
          perror ("sendto (announce)");
      }
    }
  }
  close (sock);
  free (pkts);
  free (file);
  return 0;
}

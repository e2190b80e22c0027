/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* ts-replay FILE HOST PORT [SECONDS]: sends an MPEG-TS clip over UDP in real
 * time, looping it seamlessly, for as long as asked (0: until SIGTERM).
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
} Pkt;

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
  uint32_t scan = 0xffffff;
  int idr_in_pes = 0;

  if (argc < 4) {
    fprintf (stderr, "usage: %s FILE HOST PORT [SECONDS]\n", argv[0]);
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
  signal (SIGTERM, on_signal);
  signal (SIGINT, on_signal);
  memset (cc, 0, sizeof (cc));

  start = now_ns ();
  for (loop = 0; !stop; loop++) {
    int64_t add = loop * dur;

    for (i = 0; i < n && !stop;) {
      uint8_t dgram[7 * TS];
      size_t k = 0;
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
      if (sendto (sock, dgram, k * TS, 0, (struct sockaddr *) &to,
              sizeof (to)) < 0 && errno != ECONNREFUSED)
        perror ("sendto");
    }
  }
  close (sock);
  free (pkts);
  free (file);
  return 0;
}

/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Added latency, in-process: the time from the TS buffer that carries the
 * start of a video slice (or of an Opus packet) arriving at @ts_pad to the
 * SRTP packet that carries that start being handed to nicesink, matched by
 * content (the 12 bytes after the NAL header, or after the Opus TOC byte)
 * through srtpenc's clear RTP input, for every viewer. */
typedef struct _BenchLatency BenchLatency;

/* Watches every srtpenc and nicesink that appears anywhere in @pipeline. */
BenchLatency *bench_latency_new (GstElement * pipeline, GstPad * ts_pad);

/* Samples are kept only from here on (e.g. once the viewers have settled);
 * earlier ones are dropped. */
void bench_latency_start (BenchLatency * lat);

/* One JSON line per media: percentiles in ms. */
void bench_latency_write (BenchLatency * lat, const gchar * server, FILE * out);

G_END_DECLS

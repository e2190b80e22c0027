/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TS_PTS_WRAP (G_GUINT64_CONSTANT (1) << 33)

/* The first PTS in the MPEG-TS @data (90 kHz), or -1 if there is none. */
gint64 ts_first_pts (const guint8 * data, gsize len);

/* Adds @offset (90 kHz ticks) to every PCR, PTS and DTS in the MPEG-TS
 * @data, modulo 2^33, as a source would that started at another time: with
 * the right offset the timestamps wrap around 2^33 mid-stream. */
void ts_timeshift (guint8 * data, gsize len, guint64 offset);

G_END_DECLS

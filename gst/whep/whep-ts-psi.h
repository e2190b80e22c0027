/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Watches an MPEG-TS byte stream for a change of its program tables.
 *
 * tsdemux 1.22 takes a PMT with an unchanged version_number for one it has
 * seen, so an upstream that restarts with other PIDs (an encoder restarted,
 * a source swapped) is never noticed and its streams are dropped.  This
 * reads the PAT and the PMTs themselves (checking each section's CRC) and
 * says when one of them differs from the last one seen on its PID. */
typedef struct _WhepTsPsi WhepTsPsi;

WhepTsPsi *whep_ts_psi_new (void);
void whep_ts_psi_free (WhepTsPsi * psi);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhepTsPsi, whep_ts_psi_free)

/* Feeds @len bytes of the stream, in any chunking.  Returns TRUE if they
 * hold a PAT or PMT section that differs from the previous one on its PID
 * (the first one on a PID is not a change). */
gboolean whep_ts_psi_push (WhepTsPsi * psi, const guint8 * data, gsize len);

/* Forgets all tables (the stream starts anew). */
void whep_ts_psi_reset (WhepTsPsi * psi);

/* CRC-32/MPEG-2 of @len bytes, as at the end of every PSI section. */
guint32 whep_ts_crc32 (const guint8 * data, gsize len);

G_END_DECLS

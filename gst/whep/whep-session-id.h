/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WHEP_SESSION_ID_BYTES 16        /* 128 random bits */
#define WHEP_SESSION_ID_LEN (WHEP_SESSION_ID_BYTES * 2)

/* A new session id: 32 lower-case hex digits from the kernel's cryptographic
 * random source (getrandom(2)).  Returns NULL only if that source fails. */
gchar *whep_session_id_new (void);

/* TRUE if @id has the form whep_session_id_new() returns.  Lets the server
 * answer 404 to junk without a table look-up. */
gboolean whep_session_id_is_valid (const gchar * id);

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Session ids end up in resource URLs (Location: .../<id>) that anyone who
 * knows them can PATCH or DELETE, so they must be unguessable: they come
 * from the kernel's CSPRNG, not from GLib's Mersenne Twister. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-session-id.h"

#include <gst/gst.h>

#include <errno.h>
#include <sys/random.h>

#define GST_CAT_DEFAULT whep_session_id_debug
GST_DEBUG_CATEGORY_STATIC (whep_session_id_debug);

static void
ensure_debug_category (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (whep_session_id_debug, "whepsessionid", 0,
        "WHEP session ids");
    g_once_init_leave (&initialized, 1);
  }
}

/* Fills @buf completely.  getrandom() may be interrupted by a signal before
 * the pool is initialised, and is allowed to return fewer bytes than asked
 * for, so loop until done. */
static gboolean
fill_random (guint8 * buf, gsize len)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = getrandom (buf + done, len - done, 0);

    if (n < 0) {
      if (errno == EINTR)
        continue;
      GST_ERROR ("getrandom() failed: %s", g_strerror (errno));
      return FALSE;
    }
    done += (gsize) n;
  }
  return TRUE;
}

gchar *
whep_session_id_new (void)
{
  static const gchar hex[] = "0123456789abcdef";
  guint8 bytes[WHEP_SESSION_ID_BYTES];
  gchar *id;
  guint i;

  ensure_debug_category ();

  if (!fill_random (bytes, sizeof (bytes)))
    return NULL;

  id = g_malloc (WHEP_SESSION_ID_LEN + 1);
  for (i = 0; i < WHEP_SESSION_ID_BYTES; i++) {
    id[2 * i] = hex[bytes[i] >> 4];
    id[2 * i + 1] = hex[bytes[i] & 0x0f];
  }
  id[WHEP_SESSION_ID_LEN] = '\0';

  return id;
}

gboolean
whep_session_id_is_valid (const gchar * id)
{
  guint i;

  if (id == NULL)
    return FALSE;

  for (i = 0; i < WHEP_SESSION_ID_LEN; i++) {
    /* also stops at the terminating NUL of a shorter string */
    if (!g_ascii_isdigit (id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
      return FALSE;
  }
  return id[WHEP_SESSION_ID_LEN] == '\0';
}

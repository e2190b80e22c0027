/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepdeadlines.h"

/* the server's category: these lines are about its connections */
GST_DEBUG_CATEGORY_STATIC (whep_deadlines_debug);
#define GST_CAT_DEFAULT whep_deadlines_debug

/* How often the deadlines are checked: a connection is cut off at most
 * this much after its deadline. */
#define CHECK_INTERVAL_MS 1000

struct _GstWhepDeadlines
{
  GstObject *log_object;
  gint64 timeout_us;
  /* GSocket* (a reference) -> gint64* monotonic deadline.  A socket stays
   * until its request arrives, its deadline passes or it is found closed
   * (libsoup closes it when the connection ends). */
  GHashTable *pending;
  GSource *check;
};

static gboolean
deadlines_check (gpointer data)
{
  GstWhepDeadlines *deadlines = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer socket, deadline;

  g_hash_table_iter_init (&iter, deadlines->pending);
  while (g_hash_table_iter_next (&iter, &socket, &deadline)) {
    if (g_socket_is_closed (socket)) {
      g_hash_table_iter_remove (&iter);
    } else if (now >= *(gint64 *) deadline) {
      GST_INFO_OBJECT (deadlines->log_object, "connection fd %d brought no "
          "complete request in %" G_GINT64_FORMAT " s: shutting it down",
          g_socket_get_fd (socket), deadlines->timeout_us / G_USEC_PER_SEC);
      /* libsoup, waiting on it, reads the end of the stream, ends the
       * request and closes the connection; the client sees it closed */
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
      g_hash_table_iter_remove (&iter);
    }
  }
  return G_SOURCE_CONTINUE;
}

GstWhepDeadlines *
gst_whep_deadlines_new (GMainContext * context, guint timeout_s,
    GstObject * log_object)
{
  GstWhepDeadlines *deadlines = g_new0 (GstWhepDeadlines, 1);

  GST_DEBUG_CATEGORY_INIT (whep_deadlines_debug, "whepserver", 0,
      "whepsink HTTP server");
  deadlines->log_object = log_object;
  deadlines->timeout_us = (gint64) timeout_s * G_USEC_PER_SEC;
  deadlines->pending = g_hash_table_new_full (NULL, NULL, g_object_unref,
      g_free);
  deadlines->check = g_timeout_source_new (CHECK_INTERVAL_MS);
  g_source_set_callback (deadlines->check, deadlines_check, deadlines, NULL);
  g_source_attach (deadlines->check, context);
  return deadlines;
}

void
gst_whep_deadlines_request_started (GstWhepDeadlines * deadlines,
    GSocket * socket)
{
  gint64 *deadline = g_new (gint64, 1);

  *deadline = g_get_monotonic_time () + deadlines->timeout_us;
  g_hash_table_replace (deadlines->pending, g_object_ref (socket), deadline);
}

void
gst_whep_deadlines_request_arrived (GstWhepDeadlines * deadlines,
    GSocket * socket)
{
  g_hash_table_remove (deadlines->pending, socket);
}

void
gst_whep_deadlines_free (GstWhepDeadlines * deadlines)
{
  g_source_destroy (deadlines->check);
  g_source_unref (deadlines->check);
  g_hash_table_unref (deadlines->pending);
  g_free (deadlines);
}

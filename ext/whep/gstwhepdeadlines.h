/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* GstWhepDeadlines: every HTTP request must arrive in full within a time
 * of its start (a new connection, or the end of the previous answer on a
 * kept-alive one); the connection of one that does not is shut down.
 *
 * The server's first line is the GSocket timeout, which cuts a connection
 * off after that long without a byte moving.  That timeout lives in the
 * sources libsoup makes for each read; one idle connection in about a
 * hundred was seen to outlive it by far under test load (the reason was
 * not found in GLib or libsoup).  These deadlines do not depend on how
 * libsoup waits, and they also stop a client that trickles its request a
 * byte at a time.
 *
 * Everything here runs on the server's thread, in its main context. */
typedef struct _GstWhepDeadlines GstWhepDeadlines;

/* @log_object: the object the log lines are about (not referenced) */
GstWhepDeadlines *gst_whep_deadlines_new (GMainContext * context,
    guint timeout_s, GstObject * log_object);
/* A request starts on @socket: its deadline runs from now. */
void gst_whep_deadlines_request_started (GstWhepDeadlines * deadlines,
    GSocket * socket);
/* The request on @socket arrived in full: no deadline until the next. */
void gst_whep_deadlines_request_arrived (GstWhepDeadlines * deadlines,
    GSocket * socket);
void gst_whep_deadlines_free (GstWhepDeadlines * deadlines);

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A pipeline ending in a whepsink named "whep" (port=0), for tests. */
typedef struct
{
  GstElement *pipeline;
  GstElement *whep;
  gchar *base;                  /* http://127.0.0.1:PORT */
  gchar *endpoint;              /* base + path */
} WhepTestServer;

/* A well-formed H.264 recvonly offer whose ICE peer does not exist: enough
 * to get an answer and a session, for protocol tests. */
extern const gchar whep_test_offer_without_peer[];

/* Parses @description and sets it to @state (READY or PLAYING). */
WhepTestServer *whep_test_server_start (const gchar * description,
    GstState state);
void whep_test_server_stop (WhepTestServer * server);

/* Viewer sessions (children named "session-*") of the whepsink. */
guint whep_test_server_count_sessions (WhepTestServer * server);
/* Waits up to @timeout_ms for exactly @n sessions. */
gboolean whep_test_server_wait_sessions (WhepTestServer * server, guint n,
    guint timeout_ms);
/* Waits up to @timeout_ms until the whepsink holds exactly @n offers that
 * wait for the stream (its waiting-viewers property). */
gboolean whep_test_wait_waiting_viewers (GstElement * whep, guint n,
    guint timeout_ms);

/* A gate in GStreamer's log, to hold a thread at a known point and so
 * widen a race window in a test: the first thread that logs a message
 * starting with @prefix in the debug category @category (any category if
 * NULL; at @level or more important, and the category's threshold is
 * raised to @level) waits there until the gate is released, or for at most
 * @hold_ms.  Later messages pass. */
typedef struct _WhepTestLogGate WhepTestLogGate;

WhepTestLogGate *whep_test_log_gate_new (const gchar * category,
    GstDebugLevel level, const gchar * prefix, guint hold_ms);
/* Waits up to @timeout_ms for a thread to reach the gate; TRUE if one did. */
gboolean whep_test_log_gate_wait (WhepTestLogGate * gate, guint timeout_ms);
/* Lets the held thread (and any later one) go on. */
void whep_test_log_gate_release (WhepTestLogGate * gate);
/* Releases the gate and takes it out of the log. */
void whep_test_log_gate_free (WhepTestLogGate * gate);

/* A sender in a pipeline of its own: @streams (ending in "mux." links) into
 * "mpegtsmux name=mux" and over UDP to 127.0.0.1:@port, as an external
 * encoder would send: no keyframe request from whepsink reaches it.
 * Stop with whep_test_sender_stop(). */
GstElement *whep_test_udp_sender_start (guint port, const gchar * streams);
void whep_test_sender_stop (GstElement * pipeline);

/* The UDP port that the udpsrc named @name in the server's pipeline bound
 * to (it was given port 0). */
guint whep_test_server_udp_port (WhepTestServer * server, const gchar * name);

/* This process's threads and open file descriptors. */
guint whep_test_count_threads (void);
guint whep_test_count_fds (void);
/* Waits up to @timeout_ms until this process has at most @threads threads
 * and @fds open fds; TRUE if it came to that. */
gboolean whep_test_wait_threads_and_fds (guint threads, guint fds,
    guint timeout_ms);
/* "name x count, ..." of this process's threads, to tell which leaked. */
gchar *whep_test_describe_threads (void);
/* the same with where each waits in the kernel (its wchan), to tell a thread
 * blocked on a lock from one idle in its main loop */
gchar *whep_test_describe_thread_waits (void);
/* "kind x count, ..." of this process's open fds (socket, pipe, eventfd). */
gchar *whep_test_describe_fds (void);

G_END_DECLS

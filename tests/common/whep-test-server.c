/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "whep-test-server.h"

#include <gio/gio.h>
#include <string.h>

const gchar whep_test_offer_without_peer[] =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 99:37:2C:B1:CA:32:6D:0C:54:A5:DA:D3:E5:EA:65:85:"
    "3F:17:08:19:D0:67:83:6A:EB:17:0E:00:19:09:BC:4E\r\n"
    "a=setup:actpass\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n";

WhepTestServer *
whep_test_server_start (const gchar * description, GstState state)
{
  WhepTestServer *s = g_new0 (WhepTestServer, 1);
  GError *error = NULL;
  gchar *path = NULL;
  guint port = 0;

  s->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  s->whep = gst_bin_get_by_name (GST_BIN (s->pipeline), "whep");
  g_assert_nonnull (s->whep);
  g_assert_cmpint (gst_element_set_state (s->pipeline, state), !=,
      GST_STATE_CHANGE_FAILURE);
  g_object_get (s->whep, "bound-port", &port, "path", &path, NULL);
  g_assert_cmpuint (port, >, 0);
  s->base = g_strdup_printf ("http://127.0.0.1:%u", port);
  s->endpoint = g_strconcat (s->base, path, NULL);
  g_free (path);
  return s;
}

void
whep_test_server_stop (WhepTestServer * s)
{
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  gst_object_unref (s->whep);
  gst_object_unref (s->pipeline);
  g_free (s->endpoint);
  g_free (s->base);
  g_free (s);
}

guint
whep_test_server_count_sessions (WhepTestServer * s)
{
  GstIterator *it = gst_bin_iterate_elements (GST_BIN (s->whep));
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);

    if (g_str_has_prefix (GST_OBJECT_NAME (e), "session-"))
      n++;
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

gboolean
whep_test_server_wait_sessions (WhepTestServer * s, guint n, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (whep_test_server_count_sessions (s) != n) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (50 * 1000);
  }
  return TRUE;
}

gboolean
whep_test_wait_waiting_viewers (GstElement * whep, guint n, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  guint waiting;

  for (;;) {
    g_object_get (whep, "waiting-viewers", &waiting, NULL);
    if (waiting == n)
      return TRUE;
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (10 * 1000);
  }
}

/* ---------------------------------------------------------------------- */
/* A gate in the log */

struct _WhepTestLogGate
{
  gchar *category;
  GstDebugLevel level;
  gchar *prefix;
  guint hold_ms;

  GMutex lock;
  GCond cond;
  gboolean reached;             /* protected by lock */
  gboolean released;            /* protected by lock */
};

static void
log_gate_func (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  WhepTestLogGate *gate = user_data;
  const gchar *text;
  gint64 deadline;

  if (level > gate->level || (gate->category && (category == NULL ||
              g_strcmp0 (gst_debug_category_get_name (category),
                  gate->category) != 0)))
    return;
  text = gst_debug_message_get (message);
  if (text == NULL || !g_str_has_prefix (text, gate->prefix))
    return;

  g_mutex_lock (&gate->lock);
  if (gate->reached || gate->released) {
    g_mutex_unlock (&gate->lock);
    return;
  }
  gate->reached = TRUE;
  g_cond_broadcast (&gate->cond);
  deadline = g_get_monotonic_time () + gate->hold_ms * G_TIME_SPAN_MILLISECOND;
  while (!gate->released)
    if (!g_cond_wait_until (&gate->cond, &gate->lock, deadline))
      break;
  g_mutex_unlock (&gate->lock);
}

WhepTestLogGate *
whep_test_log_gate_new (const gchar * category, GstDebugLevel level,
    const gchar * prefix, guint hold_ms)
{
  WhepTestLogGate *gate = g_new0 (WhepTestLogGate, 1);
  GstDebugCategory *cat = NULL;

  gate->category = g_strdup (category);
  gate->level = level;
  gate->prefix = g_strdup (prefix);
  gate->hold_ms = hold_ms;
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  if (category) {
    GST_DEBUG_CATEGORY_GET (cat, category);
    if (cat == NULL || gst_debug_category_get_threshold (cat) < level)
      gst_debug_set_threshold_for_name (category, level);
  }
  gst_debug_add_log_function (log_gate_func, gate, NULL);
  return gate;
}

gboolean
whep_test_log_gate_wait (WhepTestLogGate * gate, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
      timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean reached;

  g_mutex_lock (&gate->lock);
  while (!gate->reached)
    if (!g_cond_wait_until (&gate->cond, &gate->lock, deadline))
      break;
  reached = gate->reached;
  g_mutex_unlock (&gate->lock);
  return reached;
}

void
whep_test_log_gate_release (WhepTestLogGate * gate)
{
  g_mutex_lock (&gate->lock);
  gate->released = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

void
whep_test_log_gate_free (WhepTestLogGate * gate)
{
  whep_test_log_gate_release (gate);
  gst_debug_remove_log_function_by_data (gate);
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
  g_free (gate->category);
  g_free (gate->prefix);
  g_free (gate);
}

/* ---------------------------------------------------------------------- */
/* Threads and fds */

static guint
count_dir_entries (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

guint
whep_test_count_threads (void)
{
  return count_dir_entries ("/proc/self/task");
}

guint
whep_test_count_fds (void)
{
  return count_dir_entries ("/proc/self/fd");
}

gboolean
whep_test_wait_threads_and_fds (guint threads, guint fds, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
      timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (whep_test_count_threads () > threads ||
      whep_test_count_fds () > fds) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (50 * 1000);
  }
  return TRUE;
}

/* "label x count, ..." over the entries of @dir, each labelled by
 * @label_of (a new string, or NULL to skip it). */
static gchar *
describe_entries (const gchar * dir_path,
    gchar * (*label_of) (const gchar * dir_path, const gchar * entry))
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  GString *out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer label, n;
  const gchar *entry;

  while (dir && (entry = g_dir_read_name (dir))) {
    gchar *l = label_of (dir_path, entry);

    if (l) {
      n = g_hash_table_lookup (counts, l);
      g_hash_table_replace (counts, l,
          GUINT_TO_POINTER (GPOINTER_TO_UINT (n) + 1));
    }
  }
  if (dir)
    g_dir_close (dir);
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &label, &n))
    g_string_append_printf (out, "%s%s x%u", out->len ? ", " : "",
        (gchar *) label, GPOINTER_TO_UINT (n));
  g_hash_table_unref (counts);
  return g_string_free (out, FALSE);
}

/* a thread's name */
static gchar *
thread_label (const gchar * dir_path, const gchar * tid)
{
  gchar *path = g_strdup_printf ("%s/%s/comm", dir_path, tid);
  gchar *comm = NULL;

  if (g_file_get_contents (path, &comm, NULL, NULL))
    g_strchomp (comm);
  g_free (path);
  return comm;
}

/* what an fd is: "socket:[123]" -> "socket", "/dev/null" stays */
static gchar *
fd_label (const gchar * dir_path, const gchar * fd)
{
  gchar *path = g_strdup_printf ("%s/%s", dir_path, fd);
  gchar *target = g_file_read_link (path, NULL);

  if (target && strchr (target, ':'))
    *strchr (target, ':') = '\0';
  g_free (path);
  return target;
}

/* a thread's name and where it waits in the kernel ("whepsink-http in
 * futex_wait_queue"): a thread blocked on a lock waits in a futex, one
 * running a main loop in poll */
static gchar *
thread_wait_label (const gchar * dir_path, const gchar * tid)
{
  gchar *comm = thread_label (dir_path, tid);
  gchar *path = g_strdup_printf ("%s/%s/wchan", dir_path, tid);
  gchar *wchan = NULL, *label;

  if (!g_file_get_contents (path, &wchan, NULL, NULL))
    wchan = g_strdup ("?");
  label = g_strdup_printf ("%s in %s", comm ? comm : "?", wchan);
  g_free (wchan);
  g_free (path);
  g_free (comm);
  return label;
}

gchar *
whep_test_describe_thread_waits (void)
{
  return describe_entries ("/proc/self/task", thread_wait_label);
}

gchar *
whep_test_describe_threads (void)
{
  return describe_entries ("/proc/self/task", thread_label);
}

gchar *
whep_test_describe_fds (void)
{
  return describe_entries ("/proc/self/fd", fd_label);
}

GstElement *
whep_test_udp_sender_start (guint port, const gchar * streams)
{
  gchar *desc = g_strdup_printf ("%s mpegtsmux name=mux alignment=7 ! "
      "udpsink host=127.0.0.1 port=%u sync=false", streams, port);
  GstElement *pipeline = gst_parse_launch (desc, NULL);

  g_free (desc);
  g_assert_nonnull (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  return pipeline;
}

void
whep_test_sender_stop (GstElement * pipeline)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

guint
whep_test_server_udp_port (WhepTestServer * server, const gchar * name)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (server->pipeline), name);
  GSocket *socket = NULL;
  GSocketAddress *addr;
  guint port;

  g_assert_nonnull (src);
  g_object_get (src, "used-socket", &socket, NULL);
  g_assert_nonnull (socket);
  addr = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr));
  g_object_unref (addr);
  g_object_unref (socket);
  gst_object_unref (src);
  return port;
}

/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* whep-churn URL SERVER_PID [options]: join/leave cycles against a WHEP
 * server in another process, and what they leave behind in it.
 *
 * Three kinds of cycle, in turn:
 *   full    a real viewer (tests/common's WhepTestClient: webrtcbin, ICE,
 *           DTLS, SRTP, depayloaded but not decoded) POSTs, gets 5 video
 *           frames and 5 audio buffers, DELETEs its session
 *   http    an HTTP-only session: a POST of an offer whose peer does not
 *           exist, then its DELETE
 *   vanish  a real viewer that plays and goes without a DELETE (closed
 *           tab): the server reaps it after its idle-timeout
 *
 * The server's RSS, threads, fds and CPU (from /proc/SERVER_PID) are
 * sampled at the start, every --every cycles and at the end, then once more
 * when the vanished viewers have been reaped (its threads back where they
 * started, or --settle seconds); a markdown table goes to stdout.
 *
 * Soak mode (--minutes M): cycles go on for M minutes, --pause ms apart, and
 * the samples are taken every --interval seconds instead.
 *
 * Options:
 *   --cycles N      cycles (default 1000)
 *   --every N       cycles between samples (default 100)
 *   --minutes M     soak for M minutes instead
 *   --interval S    seconds between samples when soaking (default 60)
 *   --pause MS      pause after each cycle (default 0)
 *   --settle S      at most this long for the reaping at the end (default 60)
 *   --kinds LIST    which kinds, in turn (default full,http,vanish)
 */
#include "whep-test-client.h"
#include "whep-test-server.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum
{ KIND_FULL, KIND_HTTP, KIND_VANISH, N_KINDS };
static const gchar *kind_names[N_KINDS] = { "full", "http", "vanish" };

typedef struct
{
  gint64 rss_kb;
  guint threads, fds;
  guint64 cpu_ticks;            /* utime + stime */
} Proc;

typedef struct
{
  gchar *label;
  gdouble t;                    /* s since the start */
  guint done[N_KINDS], failed;
  Proc server;
  gdouble cpu;                  /* cores since the previous sample, -1: too
                                 * soon after it to tell */
  guint client_threads, client_fds;
  gdouble join_p50_ms;          /* full viewers since the previous sample */
} Sample;

static gint server_pid;
static gchar *endpoint, *origin;
static gint64 t0;

/* shared between the churn and the sampler thread */
static GMutex lock;
static guint done[N_KINDS], failed;
static GArray *joins;           /* of gdouble, ms, since the last sample */
static GPtrArray *samples;
static guint64 last_ticks;
static gint64 last_time;

static guint
count_entries (const gchar * path)
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

static Proc
read_proc (gint pid)
{
  Proc p = { 0, };
  gchar *path, *text = NULL, *line, *paren;

  path = g_strdup_printf ("/proc/%d/status", pid);
  if (g_file_get_contents (path, &text, NULL, NULL) &&
      (line = strstr (text, "VmRSS:")))
    p.rss_kb = g_ascii_strtoll (line + 6, NULL, 10);
  g_free (text);
  g_free (path);

  path = g_strdup_printf ("/proc/%d/stat", pid);
  text = NULL;
  /* after the command in parentheses: state is field 3, utime 14, stime 15 */
  if (g_file_get_contents (path, &text, NULL, NULL) &&
      (paren = strrchr (text, ')'))) {
    gchar **f = g_strsplit (paren + 2, " ", 0);

    if (g_strv_length (f) > 12)
      p.cpu_ticks = g_ascii_strtoull (f[11], NULL, 10) +
          g_ascii_strtoull (f[12], NULL, 10);
    g_strfreev (f);
  }
  g_free (text);
  g_free (path);

  path = g_strdup_printf ("/proc/%d/task", pid);
  p.threads = count_entries (path);
  g_free (path);
  path = g_strdup_printf ("/proc/%d/fd", pid);
  p.fds = count_entries (path);
  g_free (path);
  return p;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static void
take_sample (const gchar * label)
{
  Sample *s = g_new0 (Sample, 1);
  gint64 now = g_get_monotonic_time ();
  guint i;

  s->server = read_proc (server_pid);
  s->client_threads = count_entries ("/proc/self/task");
  s->client_fds = count_entries ("/proc/self/fd");
  g_mutex_lock (&lock);
  s->label = g_strdup (label);
  s->t = (now - t0) / 1e6;
  for (i = 0; i < N_KINDS; i++)
    s->done[i] = done[i];
  s->failed = failed;
  /* clock ticks are 10 ms: a second at least between samples */
  s->cpu = -1;
  if (last_time && now - last_time >= G_USEC_PER_SEC)
    s->cpu = (gdouble) (s->server.cpu_ticks - last_ticks) /
        sysconf (_SC_CLK_TCK) / ((now - last_time) / 1e6);
  last_ticks = s->server.cpu_ticks;
  last_time = now;
  if (joins->len) {
    g_array_sort (joins, compare_doubles);
    s->join_p50_ms = g_array_index (joins, gdouble, joins->len / 2);
    g_array_set_size (joins, 0);
  }
  g_ptr_array_add (samples, s);
  g_mutex_unlock (&lock);
  g_printerr ("[churn] %s: %u full, %u http, %u vanish, %u failed; server "
      "%" G_GINT64_FORMAT " kB, %u threads, %u fds, %.3f cores\n", label,
      s->done[KIND_FULL], s->done[KIND_HTTP], s->done[KIND_VANISH], s->failed,
      s->server.rss_kb, s->server.threads, s->server.fds, s->cpu);
}

/* ---------------------------------------------------------------------- */
/* The cycles */

static gboolean
viewer_cycle (gboolean vanish)
{
  WhepTestClientConfig config = { TRUE, TRUE, FALSE, NULL };
  WhepTestClient *client = whep_test_client_new (endpoint, &config);
  GError *error = NULL;
  guint status;
  gboolean ok = FALSE;

  status = whep_test_client_connect (client, &error);
  if (status != 201) {
    g_printerr ("[churn] POST: %u %s\n", status, error ? error->message : "");
    g_clear_error (&error);
  } else if (!whep_test_client_wait_frames (client, 5, 5, 15000)) {
    g_printerr ("[churn] viewer got %u video frames, %u audio buffers\n",
        whep_test_client_get_video_frames (client),
        whep_test_client_get_audio_buffers (client));
  } else {
    gdouble join = (whep_test_client_get_first_video_time (client) -
        whep_test_client_get_post_time (client)) / 1000.0;

    g_mutex_lock (&lock);
    g_array_append_val (joins, join);
    g_mutex_unlock (&lock);
    if (vanish) {
      whep_test_client_vanish (client);
      ok = TRUE;
    } else if ((status = whep_test_client_delete (client)) != 200) {
      g_printerr ("[churn] DELETE: %u\n", status);
    } else {
      ok = TRUE;
    }
  }
  whep_test_client_free (client);
  return ok;
}

static gboolean
http_cycle (void)
{
  const gchar *offer = whep_test_offer_without_peer;
  gchar *location = NULL, *url;
  guint status;

  status = whep_test_http ("POST", endpoint, "application/sdp", offer,
      strlen (offer), NULL, "Location", &location);
  if (status != 201 || location == NULL) {
    g_printerr ("[churn] HTTP-only POST: %u\n", status);
    g_free (location);
    return FALSE;
  }
  url = g_strconcat (origin, location, NULL);
  status = whep_test_http ("DELETE", url, NULL, NULL, 0, NULL, NULL, NULL);
  g_free (url);
  g_free (location);
  if (status != 200)
    g_printerr ("[churn] HTTP-only DELETE: %u\n", status);
  return status == 200;
}

static void
run_cycle (guint kind)
{
  gboolean ok = kind == KIND_HTTP ? http_cycle () :
      viewer_cycle (kind == KIND_VANISH);

  g_mutex_lock (&lock);
  done[kind]++;
  if (!ok)
    failed++;
  g_mutex_unlock (&lock);
}

/* ---------------------------------------------------------------------- */

static gint soak_stop;

static gpointer
sampler_thread (gpointer data)
{
  guint interval_s = GPOINTER_TO_UINT (data), n = 0;
  gint64 next = t0 + (gint64) interval_s * G_USEC_PER_SEC;

  while (!g_atomic_int_get (&soak_stop)) {
    if (g_get_monotonic_time () >= next) {
      gchar *label = g_strdup_printf ("%u min", (++n * interval_s) / 60);

      take_sample (label);
      g_free (label);
      next += (gint64) interval_s *G_USEC_PER_SEC;
    }
    g_usleep (100 * 1000);
  }
  return NULL;
}

static void
print_table (void)
{
  Sample *first = g_ptr_array_index (samples, 0);
  guint i;

  g_print ("| when | t (s) | full | http-only | vanish | failed | server RSS "
      "(MB) | RSS since start (MB) | threads | fds | server CPU (cores) | "
      "join p50 (ms) | client threads / fds |\n");
  g_print ("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  for (i = 0; i < samples->len; i++) {
    Sample *s = g_ptr_array_index (samples, i);
    gchar join[32] = "", cpu[32] = "";

    if (s->cpu >= 0)
      g_snprintf (cpu, sizeof (cpu), "%.3f", s->cpu);
    if (s->join_p50_ms > 0)
      g_snprintf (join, sizeof (join), "%.0f", s->join_p50_ms);
    g_print ("| %s | %.0f | %u | %u | %u | %u | %.1f | %+.1f | %u | %u | "
        "%s | %s | %u / %u |\n", s->label, s->t, s->done[KIND_FULL],
        s->done[KIND_HTTP], s->done[KIND_VANISH], s->failed,
        s->server.rss_kb / 1024.0, (s->server.rss_kb - first->server.rss_kb)
        / 1024.0, s->server.threads, s->server.fds, cpu, join,
        s->client_threads, s->client_fds);
  }
}

int
main (int argc, char **argv)
{
  guint cycles = 1000, every = 100, minutes = 0, interval = 60, pause_ms = 0,
      settle = 60, n_kinds = 0, i;
  guint kinds[16];
  const gchar *kind_list = "full,http,vanish";
  gchar **names;
  GUri *uri;
  Proc start;
  gint64 deadline;

  gst_init (&argc, &argv);
  if (argc < 3) {
    g_printerr ("usage: %s URL SERVER_PID [--cycles N] [--every N] "
        "[--minutes M] [--interval S] [--pause MS] [--settle S] "
        "[--kinds full,http,vanish]\n", argv[0]);
    return 2;
  }
  endpoint = argv[1];
  server_pid = atoi (argv[2]);
  for (i = 3; i + 1 < (guint) argc; i += 2) {
    guint v = atoi (argv[i + 1]);

    if (g_str_equal (argv[i], "--cycles"))
      cycles = v;
    else if (g_str_equal (argv[i], "--every"))
      every = MAX (v, 1);
    else if (g_str_equal (argv[i], "--minutes"))
      minutes = v;
    else if (g_str_equal (argv[i], "--interval"))
      interval = MAX (v, 1);
    else if (g_str_equal (argv[i], "--pause"))
      pause_ms = v;
    else if (g_str_equal (argv[i], "--settle"))
      settle = v;
    else if (g_str_equal (argv[i], "--kinds"))
      kind_list = argv[i + 1];
    else {
      g_printerr ("whep-churn: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  names = g_strsplit (kind_list, ",", -1);
  for (i = 0; names[i] && n_kinds < G_N_ELEMENTS (kinds); i++) {
    guint k;

    for (k = 0; k < N_KINDS; k++)
      if (g_str_equal (names[i], kind_names[k]))
        kinds[n_kinds++] = k;
  }
  g_strfreev (names);
  if (n_kinds == 0 || read_proc (server_pid).threads == 0) {
    g_printerr ("whep-churn: no kinds, or no process %d\n", server_pid);
    return 2;
  }
  uri = g_uri_parse (endpoint, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL) {
    g_printerr ("whep-churn: %s is not a URL\n", endpoint);
    return 2;
  }
  origin = g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri),
      g_uri_get_host (uri), g_uri_get_port (uri));
  g_uri_unref (uri);

  joins = g_array_new (FALSE, FALSE, sizeof (gdouble));
  samples = g_ptr_array_new ();
  t0 = g_get_monotonic_time ();
  take_sample ("start");
  start = read_proc (server_pid);

  if (minutes > 0) {
    GThread *sampler = g_thread_new ("sampler", sampler_thread,
        GUINT_TO_POINTER (interval));
    gint64 end = t0 + (gint64) minutes * 60 * G_USEC_PER_SEC;

    for (i = 0; g_get_monotonic_time () < end; i++) {
      run_cycle (kinds[i % n_kinds]);
      if (pause_ms)
        g_usleep (pause_ms * 1000);
    }
    g_atomic_int_set (&soak_stop, 1);
    g_thread_join (sampler);
  } else {
    for (i = 0; i < cycles; i++) {
      run_cycle (kinds[i % n_kinds]);
      if ((i + 1) % every == 0 && i + 1 < cycles) {
        gchar *label = g_strdup_printf ("%u cycles", i + 1);

        take_sample (label);
        g_free (label);
      }
      if (pause_ms)
        g_usleep (pause_ms * 1000);
    }
  }
  take_sample ("end");

  /* the vanished viewers go when the server's idle-timeout says so */
  deadline = g_get_monotonic_time () + (gint64) settle * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline &&
      read_proc (server_pid).threads > start.threads)
    g_usleep (200 * 1000);
  take_sample ("end, reaped");

  print_table ();
  g_free (origin);
  return failed > 0 ? 1 : 0;
}

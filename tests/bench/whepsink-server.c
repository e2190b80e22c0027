/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* whepsink-server UDP_PORT HTTP_PORT [LATENCY_FILE]: the server under test,
 * `udpsrc ! whepsink` as gst-launch-1.0 would run it (it recalculates the
 * latency when asked), in a process of its own.  With LATENCY_FILE it adds
 * the latency probes (bench-latency.h): SIGUSR1 starts the samples, SIGUSR2
 * appends their percentiles to the file. */
#include "bench-latency.h"

#include <glib-unix.h>
#include <stdlib.h>

static GMainLoop *loop;
static BenchLatency *lat;

static gboolean
on_quit (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static const gchar *latency_file;

static gboolean
on_usr1 (gpointer data)
{
  if (lat)
    bench_latency_start (lat);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_usr2 (gpointer data)
{
  FILE *f = lat ? fopen (latency_file, "a") : NULL;

  if (f) {
    bench_latency_write (lat, "whepsink", f);
    fclose (f);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer pipeline)
{
  GError *err = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (pipeline));
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, NULL);
      g_printerr ("whepsink-server: %s\n", err->message);
      g_clear_error (&err);
      g_main_loop_quit (loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  GstElement *pipeline, *sink;
  GstPad *pad;
  GError *error = NULL;
  gchar *desc;
  GstBus *bus;

  gst_init (&argc, &argv);
  if (argc < 3) {
    g_printerr ("usage: %s UDP_PORT HTTP_PORT [LATENCY_FILE]\n", argv[0]);
    return 2;
  }
  desc = g_strdup_printf ("udpsrc port=%d buffer-size=4194304 "
      "caps=\"video/mpegts, systemstream=(boolean)true\" ! "
      "whepsink name=sink port=%d", atoi (argv[1]), atoi (argv[2]));
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("whepsink-server: %s\n", error->message);
    return 1;
  }
  if (argc > 3) {
    sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    pad = gst_element_get_static_pad (sink, "sink");
    lat = bench_latency_new (pipeline, pad);
    latency_file = argv[3];
    gst_object_unref (pad);
    gst_object_unref (sink);
  }

  loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus, pipeline);
  g_unix_signal_add (SIGINT, on_quit, NULL);
  g_unix_signal_add (SIGTERM, on_quit, NULL);
  g_unix_signal_add (SIGUSR1, on_usr1, NULL);
  g_unix_signal_add (SIGUSR2, on_usr2, NULL);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("whepsink-server: does not start\n");
    return 1;
  }
  g_main_loop_run (loop);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_main_loop_unref (loop);
  return 0;
}

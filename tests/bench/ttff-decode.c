/* whepsink benchmarks
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* ttff-decode URL JOINS SERVER TAG OUT_FILE: time to the first decoded
 * picture, with the tests' real viewer (tests/common: webrtcbin, depayloader,
 * h264parse, avdec_h264).  Each join is timed from the start of
 * whep_test_client_connect() (offer, local ICE gathering, POST, answer) to
 * the first decoded video frame, so it holds the client's own offer work
 * (a few ms, printed as connect_ms - the POST's share is in whep-load's
 * figures).  Joins are spaced by a pseudo-random 0.3-1.3 s so that they land
 * anywhere in the GOP.  One JSON line per join is appended to OUT_FILE. */
#include "whep-test-client.h"

#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, NULL };
  guint joins, i, ok = 0;
  FILE *out;
  GRand *rand;

  gst_init (&argc, &argv);
  if (argc < 6) {
    g_printerr ("usage: %s URL JOINS SERVER TAG OUT_FILE\n", argv[0]);
    return 2;
  }
  joins = atoi (argv[2]);
  out = fopen (argv[5], "a");
  if (out == NULL) {
    perror (argv[5]);
    return 1;
  }
  rand = g_rand_new_with_seed (42);
  for (i = 0; i < joins; i++) {
    WhepTestClient *client = whep_test_client_new (argv[1], &config);
    GError *error = NULL;
    gint64 t0 = g_get_monotonic_time (), t1, t2 = 0;
    guint status = whep_test_client_connect (client, &error);

    t1 = g_get_monotonic_time ();
    if (status == 201 && whep_test_client_wait_frames (client, 1, 0, 10000))
      t2 = g_get_monotonic_time ();
    fprintf (out, "{\"type\":\"ttff\",\"server\":\"%s\",\"tag\":\"%s\","
        "\"status\":%u,\"connect_ms\":%.1f,\"ms\":%.1f}\n", argv[3], argv[4],
        status, (t1 - t0) / 1000.0, t2 ? (t2 - t0) / 1000.0 : 0.0);
    fflush (out);
    if (t2) {
      ok++;
      g_printerr ("[%s %s] join %u: first decoded frame after %.0f ms\n",
          argv[3], argv[4], i, (t2 - t0) / 1000.0);
    } else {
      g_printerr ("[%s %s] join %u: no decoded frame (%u %s)\n", argv[3],
          argv[4], i, status, error ? error->message : "");
    }
    g_clear_error (&error);
    if (status == 201)
      whep_test_client_delete (client);
    whep_test_client_free (client);
    g_usleep (300000 + g_rand_int_range (rand, 0, 1000000));
  }
  g_rand_free (rand);
  fclose (out);
  return ok == joins ? 0 : 1;
}

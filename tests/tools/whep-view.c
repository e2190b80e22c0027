/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* whep-view URL [SECONDS]: a command-line WHEP viewer built on the test
 * client.  Prints the answer and how many frames it decoded each second;
 * exits 0 if video or audio arrived (waiting up to 10 s more for a first
 * frame if none came in SECONDS).  Handy to try a whepsink by hand. */
#include "whep-test-client.h"

int
main (int argc, char **argv)
{
  WhepTestClientConfig config = { TRUE, TRUE, TRUE, NULL };
  WhepTestClient *client;
  GError *error = NULL;
  guint seconds, i, status;
  gint w, h;

  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s URL [SECONDS]\n", argv[0]);
    return 2;
  }
  seconds = argc > 2 ? atoi (argv[2]) : 5;

  client = whep_test_client_new (argv[1], &config);
  status = whep_test_client_connect (client, &error);
  if (status != 201) {
    g_printerr ("POST %s: %u %s\n", argv[1], status,
        error ? error->message : "");
    return 1;
  }
  g_print ("session %s\n%s\n", whep_test_client_get_session_url (client),
      whep_test_client_get_answer (client));
  for (i = 0; i < seconds; i++) {
    g_usleep (G_USEC_PER_SEC);
    whep_test_client_get_video_size (client, &w, &h);
    g_print ("%us: %u video frames (%dx%d), %u audio buffers\n", i + 1,
        whep_test_client_get_video_frames (client), w, h,
        whep_test_client_get_audio_buffers (client));
  }
  /* A loaded machine (or a sanitizer build) may take longer than the
   * asked-for seconds to connect: give the first frame some more time
   * before calling it a failure. */
  if (whep_test_client_get_video_frames (client) == 0 &&
      whep_test_client_get_audio_buffers (client) == 0)
    whep_test_client_wait_frames (client, 1, 0, 10000);
  g_print ("DELETE: %u\n", whep_test_client_delete (client));
  status = whep_test_client_get_video_frames (client) > 0 ||
      whep_test_client_get_audio_buffers (client) > 0 ? 0 : 1;
  whep_test_client_free (client);
  return status;
}

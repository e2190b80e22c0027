/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwhepsink.h"

#include <openssl/crypto.h>

static gboolean
plugin_init (GstPlugin * plugin)
{
  /* OpenSSL 3 frees every thread's state from an atexit handler, while
   * threads that used it (our streaming threads, for SRTP; webrtcbin's,
   * for DTLS) may be ending at that moment and free the same state from
   * their thread-local destructors: heap corruption at exit
   * ("malloc_consolidate(): invalid chunk size" in OPENSSL_cleanup, seen
   * in the tests).  The process is ending anyway: let it go without that
   * cleanup.  This only works if it comes first; if something else
   * initialised OpenSSL before, it changes nothing. */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);
  return GST_ELEMENT_REGISTER (whepsink, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, whep,
    "Serves an MPEG-TS stream to web browsers over WHEP",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* dl_iterate_phdr(), RTLD_NEXT */
#define _GNU_SOURCE

#include "fuzz-common.h"

#include <dlfcn.h>
#include <link.h>
#include <sanitizer/allocator_interface.h>
#include <sanitizer/lsan_interface.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Quarks are not leaks                                                     */

/* GLib keeps every quark for the life of the process, and each time its
 * table of quarks grows (every 2048 quarks) it drops the old array on
 * purpose (glib/gquark.c).  Fuzzed input makes new quarks: GstSDP turns
 * every fmtp parameter and rtcp-fb value of an offer into a caps field,
 * whose name is a quark.  LeakSanitizer reports the dropped arrays.
 *
 * tests/lsan.supp hides them from the test suite by their stacks, but
 * Debian's GLib has no frame pointers: the stacks only go past g_malloc()
 * with the slow unwinder (fast_unwind_on_malloc=0), which makes fuzzing
 * 5 to 12 times slower.  Instead, these definitions interpose the exported
 * quark functions (libgstreamer and libgobject call them through the PLT;
 * the executable's definitions win) and keep only what they allocate out of
 * the leak checker: the same functions as tests/lsan.supp names, and
 * nothing of whepsink's. */

typedef GQuark (*QuarkFunc) (const gchar * string);
typedef const gchar *(*InternFunc) (const gchar * string);

static QuarkFunc real_quark_from_string, real_quark_from_static_string;
static InternFunc real_intern_string, real_intern_static_string;

static void
find_real_functions (void)
{
  real_quark_from_string = (QuarkFunc) dlsym (RTLD_NEXT,
      "g_quark_from_string");
  real_quark_from_static_string = (QuarkFunc) dlsym (RTLD_NEXT,
      "g_quark_from_static_string");
  real_intern_string = (InternFunc) dlsym (RTLD_NEXT, "g_intern_string");
  real_intern_static_string = (InternFunc) dlsym (RTLD_NEXT,
      "g_intern_static_string");
  if (real_quark_from_string == NULL || real_quark_from_static_string == NULL
      || real_intern_string == NULL || real_intern_static_string == NULL) {
    fprintf (stderr, "fuzz: cannot find GLib's quark functions\n");
    abort ();
  }
}

/* May run before fuzz_init(): GLib and GObject make quarks in their
 * library constructors. */
static void
ensure_real_functions (void)
{
  if (real_quark_from_string == NULL)
    find_real_functions ();
}

GQuark
g_quark_from_string (const gchar * string)
{
  GQuark quark;

  ensure_real_functions ();
  __lsan_disable ();
  quark = real_quark_from_string (string);
  __lsan_enable ();
  return quark;
}

GQuark
g_quark_from_static_string (const gchar * string)
{
  GQuark quark;

  ensure_real_functions ();
  __lsan_disable ();
  quark = real_quark_from_static_string (string);
  __lsan_enable ();
  return quark;
}

const gchar *
g_intern_string (const gchar * string)
{
  const gchar *interned;

  ensure_real_functions ();
  __lsan_disable ();
  interned = real_intern_string (string);
  __lsan_enable ();
  return interned;
}

const gchar *
g_intern_static_string (const gchar * string)
{
  const gchar *interned;

  ensure_real_functions ();
  __lsan_disable ();
  interned = real_intern_static_string (string);
  __lsan_enable ();
  return interned;
}

/* The first array of quarks is GLib's own, from its library constructor,
 * before any of the above could hide it: when the table outgrows it, it is
 * reported all the same.  Find it while it is still the current one (the
 * constructors of GLib and GObject make a few hundred quarks, not 2048):
 * the pointer in GLib's writable data to a heap block that holds a quark
 * just made at its index. */
typedef struct
{
  GQuark quark;
  const gchar *string;
  void *found;
} QuarkArraySearch;

static int
search_glib_data (struct dl_phdr_info *info, size_t size, void *data)
{
  QuarkArraySearch *search = data;
  ElfW (Half) i;

  if (strstr (info->dlpi_name, "libglib-2.0.so") == NULL)
    return 0;
  for (i = 0; i < info->dlpi_phnum; i++) {
    const ElfW (Phdr) * ph = &info->dlpi_phdr[i];
    uintptr_t p, end;

    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
      continue;
    p = (info->dlpi_addr + ph->p_vaddr + sizeof (void *) - 1)
        & ~(uintptr_t) (sizeof (void *) - 1);
    end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    for (; p + sizeof (void *) <= end; p += sizeof (void *)) {
      void *block = *(void **) p;

      /* only a whole heap block is read, and only inside its bounds */
      if (block != NULL && __sanitizer_get_ownership (block)
          && __sanitizer_get_allocated_size (block) >
          search->quark * sizeof (gchar *)
          && ((const gchar **) block)[search->quark] == search->string) {
        search->found = block;
        return 1;
      }
    }
  }
  return 1;
}

static void
ignore_first_quark_array (void)
{
  static const gchar probe[] = "whep-fuzz-probe";
  QuarkArraySearch search = { 0, probe, NULL };

  /* a static string: GLib stores this very pointer in the array */
  search.quark = g_quark_from_static_string (probe);
  dl_iterate_phdr (search_glib_data, &search);
  if (search.found != NULL)
    __lsan_ignore_object (search.found);
  else
    fprintf (stderr, "fuzz: GLib's array of quarks not found; "
        "LeakSanitizer may report it when it grows\n");
}

/* ------------------------------------------------------------------------ */

void
fuzz_init (void)
{
  /* GLib 2.74 serves g_slice_new() (GstCaps, GstStructure, ...) from slabs
   * of its own, where LeakSanitizer sees no leak; GLib reads this before
   * main() */
  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0)
    fprintf (stderr, "fuzz: without G_SLICE=always-malloc in the "
        "environment, leaks of GStreamer objects go unnoticed\n");
  ignore_first_quark_array ();
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  gst_init (NULL, NULL);
}

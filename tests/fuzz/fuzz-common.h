/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* What every libFuzzer target in tests/fuzz shares (fuzz-common.c). */
#pragma once

#include <gst/gst.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* gst_init() once per process, from LLVMFuzzerInitialize(), without a
 * plugin registry: the code under test needs no element, and loading
 * plugins would only slow every start.  A g_critical() (a
 * g_return_if_fail() that input could reach) is a bug: it aborts, which
 * libFuzzer reports as a crash with its input. */
void fuzz_init (void);

/* A property of the code under test that the input broke: abort, so that
 * libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                  \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf (stderr, "%s:%d: assertion failed: %s\n", __FILE__,          \
          __LINE__, #cond);                                                \
      abort ();                                                            \
    }                                                                      \
  } while (0)

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_WHEP_SINK (gst_whep_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstWhepSink, gst_whep_sink, GST, WHEP_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE (whepsink);

/* How media leaves for the viewers (the send-path property). */
typedef enum
{
  GST_WHEP_SEND_PATH_SHARED,
  GST_WHEP_SEND_PATH_PER_VIEWER,
} GstWhepSendPath;

G_END_DECLS

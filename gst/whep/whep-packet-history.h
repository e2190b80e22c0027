/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* WhepPacketHistory: the newest RTP packets of one shared track, as the
 * payloader made them (before any viewer's rewrite), numbered by a 64-bit
 * index that counts every packet ever pushed (0, 1, 2, ...).
 *
 * It serves two things: a NACK names a packet to send again, and a viewer
 * that joins starts at the newest keyframe still held and catches up from
 * there, so its first picture does not wait for the encoder's next one.
 * So besides the packets it remembers which of them start a keyframe.
 *
 * Bounded: pushing drops the oldest packets while the held ones exceed
 * @max_bytes (payload and headers, as gst_buffer_get_size() counts) or
 * @max_packets, or are older than @max_age by their arrival time (more
 * than @max_age before the arrival of the packet just pushed).  It keeps
 * at least the packet just pushed, so a @max_packets of 0 acts as 1.
 * A @max_age of GST_CLOCK_TIME_NONE sets no age bound, and a packet whose
 * arrival is GST_CLOCK_TIME_NONE never counts as old.
 *
 * Not thread-safe: one track's streaming thread owns it. */
typedef struct _WhepPacketHistory WhepPacketHistory;

WhepPacketHistory *whep_packet_history_new (gsize max_bytes,
    guint max_packets, GstClockTime max_age);
void whep_packet_history_free (WhepPacketHistory * history);

/* Holds a reference to @packet (an RTP packet in one memory block, or
 * any buffer: the history does not look inside) and returns its index.
 * @arrival is a monotonic time (for @max_age); @keyframe_start says the
 * packet begins a keyframe. */
guint64 whep_packet_history_push (WhepPacketHistory * history,
    GstBuffer * packet, GstClockTime arrival, gboolean keyframe_start);

/* The packet at @index (borrowed, valid until the next push or clear), or
 * NULL if it was never pushed or has been dropped. */
GstBuffer *whep_packet_history_get (WhepPacketHistory * history,
    guint64 index);

/* The index the next push will return (0 before the first). */
guint64 whep_packet_history_next_index (WhepPacketHistory * history);

/* The index of the oldest packet held; equal to next_index when empty. */
guint64 whep_packet_history_first_index (WhepPacketHistory * history);

/* TRUE and the index of the newest keyframe start still held in @index, or
 * FALSE if none is held. */
gboolean whep_packet_history_last_keyframe (WhepPacketHistory * history,
    guint64 * index);

/* Bytes and packets held now. */
gsize whep_packet_history_get_bytes (WhepPacketHistory * history);
guint whep_packet_history_get_count (WhepPacketHistory * history);

/* Drops every packet (indexes go on from where they were): after a stream
 * change, old packets must not be sent again. */
void whep_packet_history_clear (WhepPacketHistory * history);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhepPacketHistory, whep_packet_history_free)

G_END_DECLS

/* whepsink
 * Copyright (C) 2026 The whepsink authors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The newest packets of one shared track, for NACKs and joining viewers.
 *
 * Every packet of the track passes through here, so push and get are O(1):
 * the packets sit in a ring of slots, oldest at @head, in index order, so
 * that index i is at slot head + (i - first) (modulo the capacity).  The
 * ring starts small and doubles when full, up to max_packets slots; after
 * that a push reuses the slot it frees.
 *
 *            head                        head + count
 *             v                               v
 *   ring: | i+5 | i | i+1 | i+2 | i+3 | i+4 |   |
 *                   first = i           next = i + 6 (wrapped)
 *
 * Only the newest keyframe start is remembered: once it is dropped, every
 * older one is gone too, since packets leave in index order. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "whep-packet-history.h"

#include <string.h>

/* Slots of a new ring; it doubles from there, up to max_packets */
#define INITIAL_CAPACITY 64

typedef struct
{
  GstBuffer *buffer;
  /* the buffer's size when pushed, so that what we subtract on the way
   * out is what we added */
  gsize size;
  GstClockTime arrival;
} Slot;

struct _WhepPacketHistory
{
  gsize max_bytes;
  guint max_packets;
  GstClockTime max_age;

  Slot *ring;
  guint capacity;
  guint head;                   /* slot of the oldest packet */
  guint count;

  guint64 first_index;          /* index of the packet at head */
  gsize bytes;

  gboolean have_keyframe;
  guint64 keyframe_index;       /* newest keyframe start; if have_keyframe */
};

WhepPacketHistory *
whep_packet_history_new (gsize max_bytes, guint max_packets,
    GstClockTime max_age)
{
  WhepPacketHistory *history = g_new0 (WhepPacketHistory, 1);

  history->max_bytes = max_bytes;
  /* the packet just pushed always stays, so 0 acts as 1 */
  history->max_packets = MAX (max_packets, 1);
  history->max_age = max_age;

  return history;
}

static inline Slot *
slot_at (WhepPacketHistory * history, guint offset)
{
  /* head and offset are both below capacity: one subtraction wraps */
  guint pos = history->head + offset;

  if (pos >= history->capacity)
    pos -= history->capacity;
  return &history->ring[pos];
}

static void
drop_oldest (WhepPacketHistory * history)
{
  Slot *slot = &history->ring[history->head];

  history->bytes -= slot->size;
  gst_buffer_unref (slot->buffer);
  slot->buffer = NULL;

  if (++history->head == history->capacity)
    history->head = 0;
  history->count--;
  history->first_index++;

  if (history->have_keyframe && history->keyframe_index < history->first_index)
    history->have_keyframe = FALSE;
}

/* Called with a full ring that may still grow: copies the packets in index
 * order to the start of a larger one.  Happens at most log2(max_packets)
 * times in a history's life. */
static void
grow (WhepPacketHistory * history)
{
  guint capacity;
  Slot *ring;
  guint tail_len;

  if (history->capacity == 0)
    capacity = INITIAL_CAPACITY;
  else if (history->capacity > G_MAXUINT / 2)
    capacity = G_MAXUINT;
  else
    capacity = history->capacity * 2;
  capacity = MIN (capacity, history->max_packets);

  ring = g_new0 (Slot, capacity);
  /* from head to the end of the old ring, then what wrapped to its start */
  tail_len = history->capacity - history->head;
  if (history->count > 0) {
    memcpy (ring, history->ring + history->head, tail_len * sizeof (Slot));
    memcpy (ring + tail_len, history->ring,
        (history->count - tail_len) * sizeof (Slot));
  }

  g_free (history->ring);
  history->ring = ring;
  history->capacity = capacity;
  history->head = 0;
}

static inline gboolean
is_too_old (WhepPacketHistory * history, const Slot * slot, GstClockTime now)
{
  /* a packet without a time, or one from "after" now (a clock that is not
   * monotonic after all), is never too old */
  return GST_CLOCK_TIME_IS_VALID (history->max_age) &&
      GST_CLOCK_TIME_IS_VALID (now) &&
      GST_CLOCK_TIME_IS_VALID (slot->arrival) &&
      now > slot->arrival && now - slot->arrival > history->max_age;
}

guint64
whep_packet_history_push (WhepPacketHistory * history, GstBuffer * packet,
    GstClockTime arrival, gboolean keyframe_start)
{
  guint64 index;
  Slot *slot;

  g_return_val_if_fail (history != NULL, G_MAXUINT64);
  g_return_val_if_fail (GST_IS_BUFFER (packet), G_MAXUINT64);

  if (history->count == history->max_packets)
    drop_oldest (history);
  else if (history->count == history->capacity)
    grow (history);

  index = history->first_index + history->count;
  slot = slot_at (history, history->count);
  slot->buffer = gst_buffer_ref (packet);
  slot->size = gst_buffer_get_size (packet);
  slot->arrival = arrival;
  history->count++;
  history->bytes += slot->size;

  if (keyframe_start) {
    history->have_keyframe = TRUE;
    history->keyframe_index = index;
  }

  /* packets leave in index order and arrive in time order, so the first
   * one that is small and young enough ends the loop */
  while (history->count > 1 && (history->bytes > history->max_bytes
          || is_too_old (history, &history->ring[history->head], arrival)))
    drop_oldest (history);

  return index;
}

GstBuffer *
whep_packet_history_get (WhepPacketHistory * history, guint64 index)
{
  g_return_val_if_fail (history != NULL, NULL);

  if (index < history->first_index ||
      index - history->first_index >= history->count)
    return NULL;

  return slot_at (history, index - history->first_index)->buffer;
}

guint64
whep_packet_history_next_index (WhepPacketHistory * history)
{
  g_return_val_if_fail (history != NULL, 0);

  return history->first_index + history->count;
}

guint64
whep_packet_history_first_index (WhepPacketHistory * history)
{
  g_return_val_if_fail (history != NULL, 0);

  return history->first_index;
}

gboolean
whep_packet_history_last_keyframe (WhepPacketHistory * history,
    guint64 * index)
{
  g_return_val_if_fail (history != NULL, FALSE);

  if (!history->have_keyframe)
    return FALSE;
  if (index)
    *index = history->keyframe_index;
  return TRUE;
}

gsize
whep_packet_history_get_bytes (WhepPacketHistory * history)
{
  g_return_val_if_fail (history != NULL, 0);

  return history->bytes;
}

guint
whep_packet_history_get_count (WhepPacketHistory * history)
{
  g_return_val_if_fail (history != NULL, 0);

  return history->count;
}

void
whep_packet_history_clear (WhepPacketHistory * history)
{
  g_return_if_fail (history != NULL);

  /* the ring stays: the stream that follows needs it just as much */
  while (history->count > 0)
    drop_oldest (history);
  history->head = 0;
}

void
whep_packet_history_free (WhepPacketHistory * history)
{
  if (history == NULL)
    return;

  whep_packet_history_clear (history);
  g_free (history->ring);
  g_free (history);
}

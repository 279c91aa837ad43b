/* gst-plugins-onair: the retention ring behind timedtee
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "retention.h"

struct _OnairRetention {
  OnairRetentionItem *items; /* circular, capacity a power of two */
  guint capacity;
  guint head; /* index of first_seq */
  guint count;
  guint64 first_seq;
  guint64 bytes;
  guint buffers;
  guint64 newest_time;
  guint64 newest_end;
  GDestroyNotify free_object;
};

#define SLOT(ring, seq)                                                        \
  (&(ring)->items[((ring)->head + (guint) ((seq) - (ring)->first_seq))         \
      & ((ring)->capacity - 1)])

OnairRetention *
onair_retention_new (GDestroyNotify free_object)
{
  OnairRetention *ring = g_new0 (OnairRetention, 1);

  ring->capacity = 256;
  ring->items = g_new0 (OnairRetentionItem, ring->capacity);
  ring->free_object = free_object;
  ring->newest_time = ring->newest_end = ONAIR_TIME_NONE;
  return ring;
}

void
onair_retention_free (OnairRetention *ring)
{
  if (ring == NULL)
    return;
  onair_retention_clear (ring);
  g_free (ring->items);
  g_free (ring);
}

static void
grow (OnairRetention *ring)
{
  OnairRetentionItem *items = g_new (OnairRetentionItem, ring->capacity * 2);
  guint i;

  for (i = 0; i < ring->count; i++)
    items[i] = ring->items[(ring->head + i) & (ring->capacity - 1)];
  g_free (ring->items);
  ring->items = items;
  ring->capacity *= 2;
  ring->head = 0;
}

guint64
onair_retention_push (OnairRetention *ring, const OnairRetentionItem *item)
{
  guint64 seq = ring->first_seq + ring->count;

  if (ring->count == ring->capacity)
    grow (ring);
  ring->count++;
  *SLOT (ring, seq) = *item;
  if (item->flags & ONAIR_ITEM_BUFFER) {
    ring->bytes += item->size;
    ring->buffers++;
    if (item->time != ONAIR_TIME_NONE) {
      ring->newest_time = item->time;
      if (ring->newest_end == ONAIR_TIME_NONE || item->end > ring->newest_end)
        ring->newest_end = item->end;
    }
  }
  return seq;
}

const OnairRetentionItem *
onair_retention_get (const OnairRetention *ring, guint64 seq)
{
  if (seq < ring->first_seq || seq >= ring->first_seq + ring->count)
    return NULL;
  return SLOT (ring, seq);
}

guint64
onair_retention_first_seq (const OnairRetention *ring)
{
  return ring->first_seq;
}

guint64
onair_retention_end_seq (const OnairRetention *ring)
{
  return ring->first_seq + ring->count;
}

void
onair_retention_drop_before (OnairRetention *ring, guint64 seq,
    OnairRetentionVisit visit, gpointer user_data)
{
  while (ring->count > 0 && ring->first_seq < seq) {
    OnairRetentionItem *item = &ring->items[ring->head];

    if (visit != NULL)
      visit (item, user_data);
    if (item->flags & ONAIR_ITEM_BUFFER) {
      ring->bytes -= item->size;
      ring->buffers--;
    }
    if (ring->free_object != NULL && item->object != NULL)
      ring->free_object (item->object);
    item->object = NULL;
    ring->head = (ring->head + 1) & (ring->capacity - 1);
    ring->count--;
    ring->first_seq++;
  }
  if (ring->buffers == 0)
    ring->newest_time = ring->newest_end = ONAIR_TIME_NONE;
}

void
onair_retention_clear (OnairRetention *ring)
{
  onair_retention_drop_before (ring, ring->first_seq + ring->count, NULL, NULL);
}

guint64
onair_retention_bytes (const OnairRetention *ring)
{
  return ring->bytes;
}

guint
onair_retention_buffers (const OnairRetention *ring)
{
  return ring->buffers;
}

guint64
onair_retention_newest_time (const OnairRetention *ring)
{
  return ring->newest_time;
}

guint64
onair_retention_newest_end (const OnairRetention *ring)
{
  return ring->newest_end;
}

/* Time of the oldest timed buffer at or after @seq. */
static guint64
oldest_time_from (const OnairRetention *ring, guint64 seq)
{
  guint64 end = ring->first_seq + ring->count;

  for (; seq < end; seq++) {
    const OnairRetentionItem *item = SLOT (ring, seq);

    if ((item->flags & ONAIR_ITEM_BUFFER) && item->time != ONAIR_TIME_NONE)
      return item->time;
  }
  return ONAIR_TIME_NONE;
}

guint64
onair_retention_span (const OnairRetention *ring)
{
  guint64 oldest = oldest_time_from (ring, ring->first_seq);

  if (oldest == ONAIR_TIME_NONE || ring->newest_end == ONAIR_TIME_NONE
      || ring->newest_end < oldest)
    return 0;
  return ring->newest_end - oldest;
}

static gboolean
has_flags (const OnairRetentionItem *item, guint flags)
{
  return (item->flags & flags) == flags;
}

guint64
onair_retention_find_next (const OnairRetention *ring, guint64 seq, guint flags)
{
  guint64 end = ring->first_seq + ring->count;

  for (seq = MAX (seq, ring->first_seq); seq < end; seq++) {
    if (has_flags (SLOT (ring, seq), flags))
      return seq;
  }
  return end;
}

guint64
onair_retention_find_newest (const OnairRetention *ring, guint flags)
{
  guint64 end = ring->first_seq + ring->count;
  guint64 seq;

  for (seq = end; seq > ring->first_seq; seq--) {
    if (has_flags (SLOT (ring, seq - 1), flags))
      return seq - 1;
  }
  return end;
}

guint64
onair_retention_find_time (const OnairRetention *ring, guint64 time,
    guint flags)
{
  guint64 end = ring->first_seq + ring->count;
  guint64 seq;

  for (seq = ring->first_seq; seq < end; seq++) {
    const OnairRetentionItem *item = SLOT (ring, seq);

    if (has_flags (item, flags | ONAIR_ITEM_BUFFER)
        && item->time != ONAIR_TIME_NONE && item->time >= time)
      return seq;
  }
  return end;
}

static gboolean
is_cut_point (const OnairRetentionItem *item)
{
  return has_flags (item, ONAIR_ITEM_BUFFER | ONAIR_ITEM_SYNC)
      && item->time != ONAIR_TIME_NONE;
}

guint64
onair_retention_soft_limit (const OnairRetention *ring, guint64 retention,
    guint64 bound)
{
  guint64 end = MIN (ring->first_seq + ring->count, bound + 1);
  guint64 cut = ring->first_seq;
  guint64 seq;

  if (ring->newest_end == ONAIR_TIME_NONE)
    return cut;
  for (seq = ring->first_seq + 1; seq < end; seq++) {
    const OnairRetentionItem *item = SLOT (ring, seq);

    if (!is_cut_point (item))
      continue;
    if (item->time > ring->newest_end
        || ring->newest_end - item->time < retention)
      break;
    cut = seq;
  }
  return cut;
}

static gboolean
within_limits (guint64 newest_end, guint64 oldest, guint64 bytes,
    guint64 max_time, guint64 max_bytes)
{
  gboolean time_ok = max_time == ONAIR_TIME_NONE || oldest == ONAIR_TIME_NONE
      || newest_end == ONAIR_TIME_NONE || newest_end <= oldest
      || newest_end - oldest <= max_time;

  return time_ok && (max_bytes == 0 || bytes <= max_bytes);
}

guint64
onair_retention_hard_limit_with (const OnairRetention *ring, guint64 max_time,
    guint64 max_bytes, guint64 next_end, gsize next_size)
{
  guint64 end = ring->first_seq + ring->count;
  guint64 bytes = ring->bytes + next_size;
  guint64 newest_end = ring->newest_end;
  guint64 seq, fallback = end;

  if (next_end != ONAIR_TIME_NONE
      && (newest_end == ONAIR_TIME_NONE || next_end > newest_end))
    newest_end = next_end;
  if (within_limits (newest_end, oldest_time_from (ring, ring->first_seq),
          bytes, max_time, max_bytes))
    return ring->first_seq;
  for (seq = ring->first_seq; seq < end; seq++) {
    const OnairRetentionItem *item = SLOT (ring, seq);

    if (seq > ring->first_seq && (item->flags & ONAIR_ITEM_BUFFER)
        && item->time != ONAIR_TIME_NONE
        && within_limits (newest_end, item->time, bytes, max_time, max_bytes)) {
      if (is_cut_point (item))
        return seq;
      /* A group of pictures longer than the limit: keep the limit, even if
       * the window then starts where no decoder can. */
      if (fallback == end)
        fallback = seq;
    }
    if (item->flags & ONAIR_ITEM_BUFFER)
      bytes -= item->size;
  }
  return fallback;
}

guint64
onair_retention_hard_limit (const OnairRetention *ring, guint64 max_time,
    guint64 max_bytes)
{
  return onair_retention_hard_limit_with (ring, max_time, max_bytes,
      ONAIR_TIME_NONE, 0);
}

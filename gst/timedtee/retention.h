/* gst-plugins-onair: the retention ring behind timedtee
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A FIFO of items addressed by a sequence number that never repeats, so that
 * many readers can each keep their own position in it.  Plain C: the ring
 * owns opaque objects and knows only their times, sizes and flags.
 */
#ifndef __ONAIR_RETENTION_H__
#define __ONAIR_RETENTION_H__

#include <glib.h>

G_BEGIN_DECLS

#define ONAIR_TIME_NONE G_MAXUINT64

typedef enum {
  ONAIR_ITEM_BUFFER = 1 << 0, /* data; everything else is an event */
  ONAIR_ITEM_SYNC = 1 << 1, /* a buffer a decoder can start from */
  ONAIR_ITEM_HEADER = 1 << 2, /* a header buffer of the stream */
  ONAIR_ITEM_STICKY = 1 << 3, /* an event whose state outlives it */
} OnairItemFlags;

typedef struct {
  gpointer object; /* owned by the ring */
  guint64 time; /* running time of buffers, NONE for events */
  guint64 end; /* time + duration, or time */
  gsize size; /* payload bytes of buffers */
  guint flags; /* OnairItemFlags */
} OnairRetentionItem;

typedef struct _OnairRetention OnairRetention;

OnairRetention *onair_retention_new (GDestroyNotify free_object);
void onair_retention_free (OnairRetention *ring);

/* Takes ownership of @item->object; returns the item's sequence number. */
guint64
onair_retention_push (OnairRetention *ring, const OnairRetentionItem *item);
/* The item at @seq, or NULL when @seq is not (or no longer) in the ring. */
const OnairRetentionItem *
onair_retention_get (const OnairRetention *ring, guint64 seq);
/* Sequence number of the oldest item; equals end_seq when empty. */
guint64 onair_retention_first_seq (const OnairRetention *ring);
/* Sequence number the next pushed item will get. */
guint64 onair_retention_end_seq (const OnairRetention *ring);

/* Removes every item before @seq, oldest first.  @visit (may be NULL) sees
 * each one before it is freed, so the caller can keep the state it
 * carries. */
typedef void (
    *OnairRetentionVisit) (const OnairRetentionItem *item, gpointer user_data);
void onair_retention_drop_before (OnairRetention *ring, guint64 seq,
    OnairRetentionVisit visit, gpointer user_data);
/* Removes everything; sequence numbers go on from where they were. */
void onair_retention_clear (OnairRetention *ring);

guint64 onair_retention_bytes (const OnairRetention *ring);
guint onair_retention_buffers (const OnairRetention *ring);
/* Stream time the buffers cover: newest end minus oldest time; 0 when there
 * are fewer than one timed buffer. */
guint64 onair_retention_span (const OnairRetention *ring);
/* Time of the newest buffer (NONE when there is none). */
guint64 onair_retention_newest_time (const OnairRetention *ring);
guint64 onair_retention_newest_end (const OnairRetention *ring);

/* Searches, all returning end_seq when nothing matches. */
/* First item at or after @seq with all of @flags. */
guint64 onair_retention_find_next (const OnairRetention *ring, guint64 seq,
    guint flags);
/* Newest item with all of @flags. */
guint64 onair_retention_find_newest (const OnairRetention *ring, guint flags);
/* First buffer with all of @flags whose time is >= @time. */
guint64 onair_retention_find_time (const OnairRetention *ring, guint64 time,
    guint flags);

/* Where the front can be cut so that the buffers still cover at least
 * @retention, cutting only just before a sync buffer: the window always
 * starts where a decoder can start.  Returns first_seq when nothing can go.
 * Nothing past @bound is looked at (G_MAXUINT64 - 1 for no bound): the cut
 * never goes further, so the search stays short while a reader lags. */
guint64 onair_retention_soft_limit (const OnairRetention *ring,
    guint64 retention, guint64 bound);
/* Where the front must be cut so that the buffers cover at most
 * @max_time and hold at most @max_bytes (0 = no byte limit), again just
 * before a sync buffer; when no sync buffer will do, just before the first
 * buffer that does (end_seq when none). */
guint64 onair_retention_hard_limit (const OnairRetention *ring,
    guint64 max_time, guint64 max_bytes);
/* The same, as if one more buffer ending at @next_end with @next_size bytes
 * were already in: where the front would have to be cut to make room. */
guint64 onair_retention_hard_limit_with (const OnairRetention *ring,
    guint64 max_time, guint64 max_bytes, guint64 next_end, gsize next_size);

G_END_DECLS

#endif /* __ONAIR_RETENTION_H__ */

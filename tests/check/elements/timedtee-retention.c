/* gst-plugins-onair: the retention ring behind timedtee, on its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "retention.h"

#define MS 1000000ull

static guint freed;

static void
count_free (gpointer object)
{
  freed++;
  g_free (object);
}

/* Pushes buffer @i: 10 ms long at i * 10 ms, 100 bytes, sync when asked. */
static guint64
push_buffer (OnairRetention *ring, guint i, gboolean sync)
{
  OnairRetentionItem item = { g_new0 (guint8, 1), i * 10 * MS,
    (i + 1) * 10 * MS, 100, ONAIR_ITEM_BUFFER | (sync ? ONAIR_ITEM_SYNC : 0) };

  return onair_retention_push (ring, &item);
}

static guint64
push_event (OnairRetention *ring)
{
  OnairRetentionItem item = { g_new0 (guint8, 1), ONAIR_TIME_NONE,
    ONAIR_TIME_NONE, 0, ONAIR_ITEM_STICKY };

  return onair_retention_push (ring, &item);
}

GST_START_TEST (test_sequence_numbers_survive_growth_and_wrap)
{
  OnairRetention *ring = onair_retention_new (count_free);
  guint i;

  freed = 0;
  for (i = 0; i < 10000; i++) {
    fail_unless_equals_uint64 (push_buffer (ring, i, TRUE), i);
    /* Keep about 300 items so the ring both grows and wraps. */
    if (i >= 300)
      onair_retention_drop_before (ring, i - 299, NULL, NULL);
  }
  fail_unless_equals_uint64 (onair_retention_first_seq (ring), 9700);
  fail_unless_equals_uint64 (onair_retention_end_seq (ring), 10000);
  fail_unless_equals_int (onair_retention_buffers (ring), 300);
  fail_unless_equals_uint64 (onair_retention_bytes (ring), 300 * 100);
  fail_unless_equals_int (freed, 9700);
  fail_unless (onair_retention_get (ring, 9699) == NULL);
  fail_unless (onair_retention_get (ring, 10000) == NULL);
  fail_unless_equals_uint64 (onair_retention_get (ring, 9850)->time,
      9850 * 10 * MS);
  fail_unless_equals_uint64 (onair_retention_span (ring), 300 * 10 * MS);
  onair_retention_free (ring);
  fail_unless_equals_int (freed, 10000);
}

GST_END_TEST;

static void
count_visits (const OnairRetentionItem *item, gpointer data)
{
  guint *n = data;

  if (item->flags & ONAIR_ITEM_STICKY)
    (*n)++;
}

GST_START_TEST (test_drop_visits_what_goes)
{
  OnairRetention *ring = onair_retention_new (g_free);
  guint sticky = 0;

  push_event (ring);
  push_buffer (ring, 0, TRUE);
  push_event (ring);
  push_buffer (ring, 1, TRUE);
  onair_retention_drop_before (ring, 3, count_visits, &sticky);
  fail_unless_equals_int (sticky, 2);
  fail_unless_equals_int (onair_retention_buffers (ring), 1);
  onair_retention_clear (ring);
  fail_unless_equals_uint64 (onair_retention_first_seq (ring), 4);
  fail_unless_equals_uint64 (onair_retention_span (ring), 0);
  fail_unless_equals_uint64 (onair_retention_newest_time (ring),
      ONAIR_TIME_NONE);
  onair_retention_free (ring);
}

GST_END_TEST;

GST_START_TEST (test_soft_limit_keeps_retention_and_cuts_at_sync)
{
  OnairRetention *ring = onair_retention_new (g_free);
  guint i;

  /* 2 s of buffers, a sync point every 25 (250 ms). */
  push_event (ring);
  for (i = 0; i < 200; i++)
    push_buffer (ring, i, i % 25 == 0);

  /* Keeping 1 s: cut at the last sync point that leaves >= 1 s, 1.0 s
   * (seq 101: the event is seq 0). */
  fail_unless_equals_uint64 (onair_retention_soft_limit (ring, 1000 * MS,
                                 G_MAXUINT64 - 1),
      101);
  /* Keeping 1.1 s: 0.75 s is the last sync point that leaves enough. */
  fail_unless_equals_uint64 (onair_retention_soft_limit (ring, 1100 * MS,
                                 G_MAXUINT64 - 1),
      76);
  /* A reader at 0.5 s (seq 51) holds the cut there. */
  fail_unless_equals_uint64 (onair_retention_soft_limit (ring, 1000 * MS, 51),
      51);
  fail_unless_equals_uint64 (onair_retention_soft_limit (ring, 1000 * MS, 60),
      51);
  /* Keeping more than there is: nothing goes. */
  fail_unless_equals_uint64 (onair_retention_soft_limit (ring, 5000 * MS,
                                 G_MAXUINT64 - 1),
      0);
  onair_retention_free (ring);
}

GST_END_TEST;

GST_START_TEST (test_hard_limit_caps_time_and_bytes)
{
  OnairRetention *ring = onair_retention_new (g_free);
  guint i;

  for (i = 0; i < 200; i++)
    push_buffer (ring, i, i % 25 == 0);
  /* Within limits: nothing to cut. */
  fail_unless_equals_uint64 (onair_retention_hard_limit (ring, 3000 * MS, 0),
      0);
  /* At most 1.6 s: the first sync point at or after 0.4 s is 0.5 s. */
  fail_unless_equals_uint64 (onair_retention_hard_limit (ring, 1600 * MS, 0),
      50);
  /* At most 5000 bytes (50 buffers): from 1.5 s. */
  fail_unless_equals_uint64 (onair_retention_hard_limit (ring, ONAIR_TIME_NONE,
                                 5000),
      150);
  /* Tighter than one GOP: the limit wins over the sync points. */
  fail_unless_equals_uint64 (onair_retention_hard_limit (ring, 100 * MS, 0),
      190);
  onair_retention_free (ring);
}

GST_END_TEST;

GST_START_TEST (test_searches)
{
  OnairRetention *ring = onair_retention_new (g_free);
  guint i;

  push_event (ring);
  for (i = 0; i < 100; i++)
    push_buffer (ring, i, i % 30 == 5);
  fail_unless_equals_uint64 (onair_retention_find_next (ring, 0,
                                 ONAIR_ITEM_BUFFER),
      1);
  fail_unless_equals_uint64 (onair_retention_find_next (ring, 0,
                                 ONAIR_ITEM_BUFFER | ONAIR_ITEM_SYNC),
      6);
  fail_unless_equals_uint64 (onair_retention_find_newest (ring,
                                 ONAIR_ITEM_BUFFER | ONAIR_ITEM_SYNC),
      96);
  fail_unless_equals_uint64 (onair_retention_find_time (ring, 505 * MS, 0), 52);
  fail_unless_equals_uint64 (onair_retention_find_time (ring, 5000 * MS, 0),
      onair_retention_end_seq (ring));
  onair_retention_free (ring);
}

GST_END_TEST;

static Suite *
retention_suite (void)
{
  Suite *s = suite_create ("timedtee-retention");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sequence_numbers_survive_growth_and_wrap);
  tcase_add_test (tc, test_drop_visits_what_goes);
  tcase_add_test (tc, test_soft_limit_keeps_retention_and_cuts_at_sync);
  tcase_add_test (tc, test_hard_limit_caps_time_and_bytes);
  tcase_add_test (tc, test_searches);
  return s;
}

ONAIR_CHECK_MAIN (retention);

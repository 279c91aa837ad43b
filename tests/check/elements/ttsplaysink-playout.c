/* gst-plugins-onair: tests of ttsplaysink's playout state machine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "playout.h"

#define MS (G_GUINT64_CONSTANT (1000000))
#define LATENCY (100 * MS)
#define GUARD (20 * MS)

static const TtsPlayoutConfig default_config = {
  .prebuffer = 150 * MS,
  .max_buffer = 2000 * MS,
  .adaptive = TRUE,
  .adaptive_step = 50 * MS,
  .max_prebuffer = 1000 * MS,
};

static TtsPlayoutAction
next (TtsPlayout *p, guint64 *deadline)
{
  guint64 unused;

  return tts_playout_next (p, LATENCY, GUARD, deadline ? deadline : &unused);
}

/* Hands out everything of the head utterance, in 10 ms buffers, from the
 * cursor on. */
static void
hand_out_all (TtsPlayout *p)
{
  while (next (p, NULL) == TTS_PLAYOUT_HAND_OUT) {
    guint64 d = MIN (10 * MS, tts_playout_head_level (p));

    tts_playout_hand_out (p, d, p->cursor + d);
  }
}

GST_START_TEST (test_waits_for_prebuffer)
{
  TtsPlayout p;
  guint64 stall = 1;

  tts_playout_init (&p, &default_config);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_WAIT);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_IDLE);

  tts_playout_queue (&p, 140 * MS);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_PREBUFFERING);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_WAIT);
  tts_playout_queue (&p, 10 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_START);

  /* Before the clock runs, the first sample goes at running time 0. */
  fail_unless_equals_uint64 (tts_playout_start (&p, TTS_TIME_NONE, &stall), 0);
  fail_unless_equals_uint64 (stall, 0);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_PLAYING);
  fail_unless_equals_uint64 (p.start_level, 150 * MS);
  fail_unless_equals_uint64 (p.start_threshold, 150 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_HAND_OUT);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_short_utterance_starts_at_its_end)
{
  TtsPlayout p;
  guint64 stall;

  tts_playout_init (&p, &default_config);
  tts_playout_queue (&p, 40 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_WAIT);
  tts_playout_queue_end (&p);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_START);
  fail_unless_equals_uint64 (tts_playout_start (&p, 500 * MS, &stall),
      500 * MS);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_DRAINING);
  fail_unless_equals_uint64 (p.start_level, 40 * MS);
  hand_out_all (&p);
  fail_unless_equals_uint64 (p.cursor, 540 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_FINISH);
  tts_playout_finish (&p);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_IDLE);
  fail_unless_equals_int (p.underruns, 0);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_empty_utterance_finishes)
{
  TtsPlayout p;

  tts_playout_init (&p, &default_config);
  tts_playout_queue_end (&p);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_FINISH);
  tts_playout_finish (&p);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_WAIT);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_running_dry_is_an_underrun_at_the_sink_deadline)
{
  TtsPlayout p;
  guint64 stall, deadline = 0, at;

  tts_playout_init (&p, &default_config);
  tts_playout_queue (&p, 150 * MS);
  tts_playout_start (&p, 1000 * MS, &stall);
  hand_out_all (&p);
  fail_unless_equals_uint64 (p.cursor, 1150 * MS);

  /* The sink plays what it has until cursor + latency; more audio must
   * come a guard before that. */
  fail_unless_equals_int (next (&p, &deadline), TTS_PLAYOUT_WAIT_UNTIL);
  fail_unless_equals_uint64 (deadline, 1150 * MS + LATENCY - GUARD);

  /* Audio in time: no underrun, the next sample follows on. */
  tts_playout_queue (&p, 10 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_HAND_OUT);
  tts_playout_hand_out (&p, 10 * MS, 1160 * MS);
  fail_unless_equals_int (p.underruns, 0);

  /* Too late: an underrun, and a refill to the threshold. */
  fail_unless_equals_int (next (&p, &deadline), TTS_PLAYOUT_WAIT_UNTIL);
  fail_unless_equals_int (tts_playout_starve (&p), 1);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_STALLED);
  tts_playout_queue (&p, 100 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_WAIT);
  tts_playout_queue (&p, 50 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_START);

  /* It resumes now, and the silence is the stall. */
  at = tts_playout_start (&p, 1760 * MS, &stall);
  fail_unless_equals_uint64 (at, 1760 * MS);
  fail_unless_equals_uint64 (stall, 600 * MS);
  fail_unless_equals_uint64 (p.stall_time, 600 * MS);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_PLAYING);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_restart_before_the_sink_ran_dry_follows_on)
{
  TtsPlayout p;
  guint64 stall;

  tts_playout_init (&p, &default_config);
  tts_playout_queue (&p, 150 * MS);
  tts_playout_start (&p, 0, &stall);
  hand_out_all (&p);
  tts_playout_starve (&p);
  tts_playout_queue (&p, 150 * MS);
  /* The running time is still before the end of what was handed out. */
  fail_unless_equals_uint64 (tts_playout_start (&p, 100 * MS, &stall),
      150 * MS);
  fail_unless_equals_uint64 (stall, 0);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_adaptive_refill_grows_to_its_cap)
{
  TtsPlayoutConfig config = default_config;
  TtsPlayout p;
  guint64 stall, now = 0;
  const guint64 expect[] = { 200, 250, 300, 300, 300 };
  guint i;

  config.max_prebuffer = 300 * MS;
  tts_playout_init (&p, &config);
  tts_playout_queue (&p, 150 * MS);
  tts_playout_start (&p, now, &stall);
  for (i = 0; i < G_N_ELEMENTS (expect); i++) {
    guint64 threshold;

    hand_out_all (&p);
    tts_playout_starve (&p);
    threshold = tts_playout_threshold (&p);
    tts_playout_queue (&p, threshold - 1);
    fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_WAIT);
    tts_playout_queue (&p, 1);
    fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_START);
    now = p.cursor + 500 * MS;
    tts_playout_start (&p, now, &stall);
    fail_unless_equals_uint64 (stall, 500 * MS);
    /* The stall just over raises the threshold for the next one. */
    fail_unless_equals_uint64 (p.refill, expect[i] * MS);
  }
  fail_unless_equals_int (p.underruns, G_N_ELEMENTS (expect));
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_fixed_refill_without_adaptive)
{
  TtsPlayoutConfig config = default_config;
  TtsPlayout p;
  guint64 stall;
  guint i;

  config.adaptive = FALSE;
  tts_playout_init (&p, &config);
  tts_playout_queue (&p, 150 * MS);
  tts_playout_start (&p, 0, &stall);
  for (i = 0; i < 4; i++) {
    hand_out_all (&p);
    tts_playout_starve (&p);
    fail_unless_equals_uint64 (tts_playout_threshold (&p), 150 * MS);
    tts_playout_queue (&p, 150 * MS);
    tts_playout_start (&p, p.cursor + 300 * MS, &stall);
  }
  fail_unless_equals_uint64 (p.refill, 150 * MS);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_thresholds_never_exceed_max_buffer)
{
  TtsPlayoutConfig config = default_config;
  TtsPlayout p;
  guint64 stall;

  /* Unreachable thresholds would wait forever for a producer that waits
   * for room. */
  config.prebuffer = 500 * MS;
  config.max_buffer = 200 * MS;
  tts_playout_init (&p, &config);
  fail_unless_equals_uint64 (tts_playout_threshold (&p), 200 * MS);
  tts_playout_queue (&p, 200 * MS);
  fail_unless (tts_playout_is_full (&p));
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_START);
  tts_playout_start (&p, 0, &stall);
  hand_out_all (&p);
  fail_if (tts_playout_is_full (&p));
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_end_after_running_dry_is_no_underrun)
{
  TtsPlayout p;
  guint64 stall;

  /* All audio came and played; only the end was late. */
  tts_playout_init (&p, &default_config);
  tts_playout_queue (&p, 300 * MS);
  tts_playout_start (&p, 0, &stall);
  hand_out_all (&p);
  tts_playout_starve (&p);
  fail_unless_equals_int (p.underruns, 1);
  tts_playout_queue_end (&p);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_FINISH);
  tts_playout_finish (&p);
  fail_unless_equals_int (p.underruns, 0);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_utterances_queue_one_after_the_other)
{
  TtsPlayout p;
  guint64 stall;

  tts_playout_init (&p, &default_config);
  tts_playout_queue (&p, 300 * MS);
  tts_playout_queue_end (&p);
  tts_playout_queue (&p, 20 * MS);
  /* The second one's audio does not count towards the first. */
  fail_unless_equals_uint64 (tts_playout_head_level (&p), 300 * MS);
  fail_unless_equals_uint64 (p.queued_total, 320 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_START);
  tts_playout_start (&p, 0, &stall);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_DRAINING);
  hand_out_all (&p);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_FINISH);
  tts_playout_finish (&p);

  /* The next one prebuffers on its own, and follows right on when it is
   * ready before the previous one has been heard. */
  fail_unless_equals_int (p.state, TTS_PLAYOUT_PREBUFFERING);
  fail_unless_equals_uint64 (tts_playout_head_level (&p), 20 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_WAIT);
  tts_playout_queue (&p, 130 * MS);
  fail_unless_equals_int (next (&p, NULL), TTS_PLAYOUT_START);
  fail_unless_equals_uint64 (tts_playout_start (&p, 100 * MS, &stall),
      300 * MS);
  fail_unless_equals_uint64 (stall, 0);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_reset_forgets_everything)
{
  TtsPlayout p;
  guint64 stall;

  tts_playout_init (&p, &default_config);
  tts_playout_queue (&p, 300 * MS);
  tts_playout_start (&p, 0, &stall);
  hand_out_all (&p);
  tts_playout_starve (&p);
  tts_playout_queue (&p, 150 * MS);
  tts_playout_start (&p, 900 * MS, &stall);
  fail_unless (p.refill > 150 * MS);
  tts_playout_reset (&p);
  fail_unless_equals_int (p.state, TTS_PLAYOUT_IDLE);
  fail_unless_equals_uint64 (p.queued_total, 0);
  fail_unless_equals_uint64 (p.refill, 150 * MS);
  fail_unless_equals_uint64 (p.cursor, TTS_TIME_NONE);
  tts_playout_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_metrics_from_reference_and_bytes)
{
  TtsMetrics m;

  tts_metrics_init (&m, 3);
  fail_unless_equals_uint64 (tts_metrics_ttfa (&m), TTS_TIME_NONE);
  fail_unless_equals_uint64 (tts_metrics_ttfb (&m), TTS_TIME_NONE);
  fail_unless (tts_metrics_real_time_factor (&m) == 0.0);

  /* Without a mark, the first byte is the reference. */
  tts_metrics_chunk (&m, 100, 5000 * MS);
  tts_metrics_chunk (&m, 50, 5600 * MS);
  fail_unless_equals_uint64 (tts_metrics_ttfb (&m), 0);
  fail_unless_equals_uint64 (tts_metrics_generation_time (&m), 600 * MS);
  fail_unless_equals_uint64 (m.bytes, 150);
  fail_unless_equals_uint64 (m.chunks_received, 2);
  m.first_audible = 5300 * MS;
  m.last_audible = 7300 * MS;
  m.audio_duration = 1200 * MS;
  fail_unless_equals_uint64 (tts_metrics_ttfa (&m), 300 * MS);
  fail_unless_equals_uint64 (tts_metrics_playback_time (&m), 2000 * MS);
  fail_unless (tts_metrics_real_time_factor (&m) == 0.5);

  /* With a mark, both count from it. */
  tts_metrics_init (&m, 4);
  m.reference = 1000 * MS;
  m.marked = TRUE;
  tts_metrics_chunk (&m, 10, 1400 * MS);
  m.first_audible = 1650 * MS;
  fail_unless_equals_uint64 (tts_metrics_ttfb (&m), 400 * MS);
  fail_unless_equals_uint64 (tts_metrics_ttfa (&m), 650 * MS);
}

GST_END_TEST;

static Suite *
ttsplaysink_playout_suite (void)
{
  Suite *s = suite_create ("ttsplaysink-playout");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_waits_for_prebuffer);
  tcase_add_test (tc, test_short_utterance_starts_at_its_end);
  tcase_add_test (tc, test_empty_utterance_finishes);
  tcase_add_test (tc, test_running_dry_is_an_underrun_at_the_sink_deadline);
  tcase_add_test (tc, test_restart_before_the_sink_ran_dry_follows_on);
  tcase_add_test (tc, test_adaptive_refill_grows_to_its_cap);
  tcase_add_test (tc, test_fixed_refill_without_adaptive);
  tcase_add_test (tc, test_thresholds_never_exceed_max_buffer);
  tcase_add_test (tc, test_end_after_running_dry_is_no_underrun);
  tcase_add_test (tc, test_utterances_queue_one_after_the_other);
  tcase_add_test (tc, test_reset_forgets_everything);
  tcase_add_test (tc, test_metrics_from_reference_and_bytes);
  return s;
}

ONAIR_CHECK_MAIN (ttsplaysink_playout);

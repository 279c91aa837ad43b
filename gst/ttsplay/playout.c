/* gst-plugins-onair: the playout state machine behind ttsplaysink
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "playout.h"

static TtsPlayoutSegment *
head (const TtsPlayout *p)
{
  if (p->segments->len == 0)
    return NULL;
  return &g_array_index (p->segments, TtsPlayoutSegment, 0);
}

static TtsPlayoutSegment *
open_tail (TtsPlayout *p)
{
  TtsPlayoutSegment *tail = NULL;

  if (p->segments->len > 0)
    tail =
        &g_array_index (p->segments, TtsPlayoutSegment, p->segments->len - 1);
  if (tail == NULL || tail->ended) {
    TtsPlayoutSegment fresh = { 0, FALSE };

    g_array_append_val (p->segments, fresh);
    tail =
        &g_array_index (p->segments, TtsPlayoutSegment, p->segments->len - 1);
  }
  return tail;
}

/* A threshold above max_buffer could never be reached: the producer would
 * wait for room while playback waits for audio. */
static guint64
reachable (const TtsPlayout *p, guint64 threshold)
{
  if (p->config.max_buffer > 0 && threshold > p->config.max_buffer)
    return p->config.max_buffer;
  return threshold;
}

void
tts_playout_init (TtsPlayout *p, const TtsPlayoutConfig *config)
{
  p->segments = g_array_new (FALSE, TRUE, sizeof (TtsPlayoutSegment));
  p->config = *config;
  tts_playout_reset (p);
}

void
tts_playout_clear (TtsPlayout *p)
{
  g_clear_pointer (&p->segments, g_array_unref);
}

void
tts_playout_set_config (TtsPlayout *p, const TtsPlayoutConfig *config)
{
  p->config = *config;
  if (!p->config.adaptive || p->refill < p->config.prebuffer)
    p->refill = p->config.prebuffer;
  if (p->refill > MAX (p->config.max_prebuffer, p->config.prebuffer))
    p->refill = MAX (p->config.max_prebuffer, p->config.prebuffer);
}

void
tts_playout_reset (TtsPlayout *p)
{
  g_array_set_size (p->segments, 0);
  p->queued_total = 0;
  p->state = TTS_PLAYOUT_IDLE;
  p->refill = p->config.prebuffer;
  p->cursor = TTS_TIME_NONE;
  p->underruns = 0;
  p->stall_time = 0;
  p->handed_out = 0;
  p->start_level = 0;
  p->start_threshold = 0;
  p->last_stall = 0;
}

void
tts_playout_queue (TtsPlayout *p, guint64 duration)
{
  TtsPlayoutSegment *tail = open_tail (p);

  tail->queued += duration;
  p->queued_total += duration;
  if (p->state == TTS_PLAYOUT_IDLE)
    p->state = TTS_PLAYOUT_PREBUFFERING;
}

void
tts_playout_queue_end (TtsPlayout *p)
{
  TtsPlayoutSegment *tail = open_tail (p);

  tail->ended = TRUE;
  if (p->segments->len == 1) {
    if (p->state == TTS_PLAYOUT_PLAYING)
      p->state = TTS_PLAYOUT_DRAINING;
    else if (p->state == TTS_PLAYOUT_IDLE)
      p->state = TTS_PLAYOUT_PREBUFFERING;
  }
}

gboolean
tts_playout_is_full (const TtsPlayout *p)
{
  return p->config.max_buffer > 0 && p->queued_total >= p->config.max_buffer;
}

guint64
tts_playout_head_level (const TtsPlayout *p)
{
  TtsPlayoutSegment *h = head (p);

  return h != NULL ? h->queued : 0;
}

guint64
tts_playout_threshold (const TtsPlayout *p)
{
  if (p->state == TTS_PLAYOUT_STALLED)
    return reachable (p, p->refill);
  return reachable (p, p->config.prebuffer);
}

TtsPlayoutAction
tts_playout_next (TtsPlayout *p, guint64 latency, guint64 guard,
    guint64 *deadline)
{
  TtsPlayoutSegment *h = head (p);
  guint64 due;

  if (h == NULL)
    return TTS_PLAYOUT_WAIT;

  switch (p->state) {
    case TTS_PLAYOUT_IDLE:
    case TTS_PLAYOUT_PREBUFFERING:
    case TTS_PLAYOUT_STALLED:
      if (h->queued == 0)
        return h->ended ? TTS_PLAYOUT_FINISH : TTS_PLAYOUT_WAIT;
      /* A short utterance starts at its end: nothing more will come. */
      if (h->ended || h->queued >= tts_playout_threshold (p))
        return TTS_PLAYOUT_START;
      return TTS_PLAYOUT_WAIT;
    case TTS_PLAYOUT_PLAYING:
    case TTS_PLAYOUT_DRAINING:
      if (h->queued > 0)
        return TTS_PLAYOUT_HAND_OUT;
      if (h->ended)
        return TTS_PLAYOUT_FINISH;
      due = p->cursor + latency;
      *deadline = due > guard ? due - guard : 0;
      return TTS_PLAYOUT_WAIT_UNTIL;
  }
  g_assert_not_reached ();
  return TTS_PLAYOUT_WAIT;
}

guint64
tts_playout_start (TtsPlayout *p, guint64 now, guint64 *stall)
{
  TtsPlayoutSegment *h = head (p);
  guint64 at = p->cursor == TTS_TIME_NONE ? 0 : p->cursor;

  g_return_val_if_fail (h != NULL, at);

  /* Samples handed out are played at their running time, so a restart
   * that is not late keeps the next sample right after the previous one. */
  if (now != TTS_TIME_NONE && now > at)
    at = now;

  *stall = 0;
  if (p->state == TTS_PLAYOUT_STALLED) {
    *stall = p->cursor == TTS_TIME_NONE ? 0 : at - p->cursor;
    p->last_stall = *stall;
    p->stall_time += *stall;
    /* As a jitter buffer does: the next stall will refill further. */
    if (p->config.adaptive)
      p->refill = MIN (p->refill + p->config.adaptive_step,
          MAX (p->config.max_prebuffer, p->config.prebuffer));
  } else {
    p->underruns = 0;
    p->stall_time = 0;
    p->handed_out = 0;
    p->last_stall = 0;
    p->start_level = h->queued;
    p->start_threshold = reachable (p, p->config.prebuffer);
  }
  p->state = h->ended ? TTS_PLAYOUT_DRAINING : TTS_PLAYOUT_PLAYING;
  p->cursor = at;
  return at;
}

void
tts_playout_hand_out (TtsPlayout *p, guint64 duration, guint64 end)
{
  TtsPlayoutSegment *h = head (p);

  g_return_if_fail (h != NULL);
  duration = MIN (duration, h->queued);
  h->queued -= duration;
  p->queued_total -= duration;
  p->handed_out += duration;
  p->cursor = end;
}

guint
tts_playout_starve (TtsPlayout *p)
{
  g_return_val_if_fail (p->state == TTS_PLAYOUT_PLAYING, p->underruns);
  p->state = TTS_PLAYOUT_STALLED;
  return ++p->underruns;
}

void
tts_playout_finish (TtsPlayout *p)
{
  TtsPlayoutSegment *h = head (p);

  g_return_if_fail (h != NULL);
  /* Running dry with nothing after it but the end was no underrun: no
   * sample was late, the producer was only slow to say it had finished. */
  if (p->state == TTS_PLAYOUT_STALLED && p->underruns > 0)
    p->underruns--;
  p->queued_total -= h->queued;
  g_array_remove_index (p->segments, 0);
  h = head (p);
  if (h == NULL)
    p->state = TTS_PLAYOUT_IDLE;
  else
    p->state = TTS_PLAYOUT_PREBUFFERING;
}

const gchar *
tts_playout_state_name (TtsPlayoutState state)
{
  switch (state) {
    case TTS_PLAYOUT_IDLE:
      return "idle";
    case TTS_PLAYOUT_PREBUFFERING:
      return "prebuffering";
    case TTS_PLAYOUT_PLAYING:
      return "playing";
    case TTS_PLAYOUT_STALLED:
      return "stalled";
    case TTS_PLAYOUT_DRAINING:
      return "draining";
  }
  return "unknown";
}

void
tts_metrics_init (TtsMetrics *m, guint index)
{
  m->index = index;
  m->reference = TTS_TIME_NONE;
  m->marked = FALSE;
  m->first_byte = TTS_TIME_NONE;
  m->last_byte = TTS_TIME_NONE;
  m->first_audible = TTS_TIME_NONE;
  m->last_audible = TTS_TIME_NONE;
  m->bytes = 0;
  m->chunks_received = 0;
  m->chunks_played = 0;
  m->audio_duration = 0;
  m->underruns = 0;
  m->stall_time = 0;
  m->prebuffered = 0;
  m->prebuffer_time = 0;
  m->sink_latency = 0;
}

void
tts_metrics_chunk (TtsMetrics *m, gsize size, guint64 when)
{
  if (m->first_byte == TTS_TIME_NONE) {
    m->first_byte = when;
    if (m->reference == TTS_TIME_NONE)
      m->reference = when;
  }
  m->last_byte = when;
  m->bytes += size;
  m->chunks_received++;
}

static guint64
span (guint64 from, guint64 to)
{
  if (from == TTS_TIME_NONE || to == TTS_TIME_NONE)
    return TTS_TIME_NONE;
  /* A mark taken after the first byte arrived counts as that byte. */
  return to > from ? to - from : 0;
}

guint64
tts_metrics_ttfa (const TtsMetrics *m)
{
  return span (m->reference, m->first_audible);
}

guint64
tts_metrics_ttfb (const TtsMetrics *m)
{
  return span (m->reference, m->first_byte);
}

guint64
tts_metrics_generation_time (const TtsMetrics *m)
{
  return span (m->first_byte, m->last_byte);
}

guint64
tts_metrics_playback_time (const TtsMetrics *m)
{
  return span (m->first_audible, m->last_audible);
}

gdouble
tts_metrics_real_time_factor (const TtsMetrics *m)
{
  guint64 gen = tts_metrics_generation_time (m);

  if (gen == TTS_TIME_NONE || m->audio_duration == 0)
    return 0.0;
  return (gdouble) gen / (gdouble) m->audio_duration;
}

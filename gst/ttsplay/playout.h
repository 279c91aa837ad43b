/* gst-plugins-onair: the playout state machine behind ttsplaysink
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Decides when queued speech may play, detects that playback ran dry before
 * the end of an utterance, and times the restart so that every sample is
 * played, in order, after a stall.  Plain C: the caller owns the audio; this
 * only knows durations, in nanoseconds of running time.
 *
 * The queue may hold several utterances one after the other; the first one
 * (the "head") is the one being played.
 */
#ifndef __TTS_PLAYOUT_H__
#define __TTS_PLAYOUT_H__

#include <glib.h>

G_BEGIN_DECLS

#define TTS_TIME_NONE G_MAXUINT64

typedef enum {
  TTS_PLAYOUT_IDLE, /* no utterance queued */
  TTS_PLAYOUT_PREBUFFERING, /* an utterance began, not enough to start */
  TTS_PLAYOUT_PLAYING, /* audio is handed out as it comes */
  TTS_PLAYOUT_STALLED, /* ran dry before the end: refilling */
  TTS_PLAYOUT_DRAINING, /* the end is queued: what is left plays out */
} TtsPlayoutState;

typedef struct {
  guint64 prebuffer; /* queued audio needed to start an utterance */
  guint64 max_buffer; /* queued audio that makes the producer wait */
  gboolean adaptive; /* raise the refill threshold after each underrun */
  guint64 adaptive_step;
  guint64 max_prebuffer; /* the refill threshold never goes above this */
} TtsPlayoutConfig;

/* What the caller should do next, from tts_playout_next(). */
typedef enum {
  TTS_PLAYOUT_WAIT, /* nothing until more audio or an end is queued */
  TTS_PLAYOUT_START, /* call tts_playout_start(), then hand audio out */
  TTS_PLAYOUT_HAND_OUT, /* hand the oldest queued audio out */
  TTS_PLAYOUT_FINISH, /* the head utterance is all out: tts_playout_finish() */
  TTS_PLAYOUT_WAIT_UNTIL, /* more audio must come by the deadline, else
                           * tts_playout_starve() */
} TtsPlayoutAction;

typedef struct {
  guint64 queued; /* audio of this utterance waiting */
  gboolean ended; /* its end is queued behind that audio */
} TtsPlayoutSegment;

typedef struct {
  TtsPlayoutConfig config;
  TtsPlayoutState state;
  /* Queued audio needed to resume after a stall; starts at prebuffer. */
  guint64 refill;
  GArray *segments; /* TtsPlayoutSegment, head first */
  guint64 queued_total;
  /* Running time just after the last sample handed out; NONE before the
   * first. */
  guint64 cursor;

  /* Of the head utterance, reset when it starts. */
  guint underruns;
  guint64 stall_time;
  guint64 handed_out;
  guint64 start_level; /* audio queued when it started */
  guint64 start_threshold; /* the threshold that start waited for */
  guint64 last_stall; /* duration of the latest stall */
} TtsPlayout;

void tts_playout_init (TtsPlayout *p, const TtsPlayoutConfig *config);
void tts_playout_clear (TtsPlayout *p);
/* New limits apply from the next decision; a lowered prebuffer also lowers
 * the refill threshold. */
void tts_playout_set_config (TtsPlayout *p, const TtsPlayoutConfig *config);
/* Forgets everything queued (a flush); the refill threshold and the cursor
 * go back to their start values. */
void tts_playout_reset (TtsPlayout *p);

/* @duration of audio was queued behind everything else. */
void tts_playout_queue (TtsPlayout *p, guint64 duration);
/* The utterance being queued ends here; audio queued later belongs to the
 * next one.  An end with no audio before it is an empty utterance. */
void tts_playout_queue_end (TtsPlayout *p);

/* TRUE when @incoming more audio must wait for room (max_buffer). */
gboolean tts_playout_is_full (const TtsPlayout *p);

/* The next step.  In TTS_PLAYOUT_WAIT_UNTIL, *@deadline is the running time
 * at which the sink, @latency behind the running time it is handed, has
 * played everything: playback stalls unless more audio comes @guard before
 * it. */
TtsPlayoutAction tts_playout_next (TtsPlayout *p, guint64 latency,
    guint64 guard, guint64 *deadline);

/* Starts (or resumes) the head utterance.  @now is the running time now, or
 * TTS_TIME_NONE when the clock does not run yet.  Returns the running time
 * the next sample must be played at: right after the previous one when that
 * is still ahead of @now, else @now.  *@stall is the silence a resumed stall
 * left (0 when starting an utterance). */
guint64 tts_playout_start (TtsPlayout *p, guint64 now, guint64 *stall);
/* @duration of the head utterance's audio was handed out, ending at running
 * time @end. */
void tts_playout_hand_out (TtsPlayout *p, guint64 duration, guint64 end);
/* The deadline of tts_playout_next() passed without audio: an underrun.
 * Returns the number of underruns of the head utterance so far. */
guint tts_playout_starve (TtsPlayout *p);
/* The head utterance is over; the next one (if queued) becomes the head. */
void tts_playout_finish (TtsPlayout *p);

/* Audio of the head utterance that waits to be handed out. */
guint64 tts_playout_head_level (const TtsPlayout *p);
/* The threshold the head utterance waits for now: prebuffer before its start,
 * the refill threshold after a stall. */
guint64 tts_playout_threshold (const TtsPlayout *p);

const gchar *tts_playout_state_name (TtsPlayoutState state);

/* The metrics of one utterance.  Times of day are monotonic nanoseconds
 * (TTS_TIME_NONE until known). */
typedef struct {
  guint index; /* utterance number in the stream, from 0 */
  guint64 reference; /* mark-request, or the first byte when none */
  gboolean marked; /* reference came from mark-request */
  guint64 first_byte;
  guint64 last_byte;
  guint64 first_audible; /* first sample leaves the device */
  guint64 last_audible; /* last sample has left the device */
  guint64 bytes;
  guint64 chunks_received;
  guint64 chunks_played;
  guint64 audio_duration; /* decoded audio handed to the sink */
  guint underruns;
  guint64 stall_time;
  guint64 prebuffered; /* queued audio when playback started */
  guint64 prebuffer_time; /* threshold playback waited for */
  guint64 sink_latency;
} TtsMetrics;

void tts_metrics_init (TtsMetrics *m, guint index);
/* Records a chunk of @size bytes that arrived at monotonic time @when; the
 * first one sets the reference unless one was marked. */
void tts_metrics_chunk (TtsMetrics *m, gsize size, guint64 when);
/* From reference to the first sample leaving the device. */
guint64 tts_metrics_ttfa (const TtsMetrics *m);
/* From reference to the first byte. */
guint64 tts_metrics_ttfb (const TtsMetrics *m);
/* From the first byte to the last. */
guint64 tts_metrics_generation_time (const TtsMetrics *m);
/* From the first sample audible to the end of the last. */
guint64 tts_metrics_playback_time (const TtsMetrics *m);
/* generation-time / audio-duration; below 1 is faster than real time, 0
 * while either is unknown. */
gdouble tts_metrics_real_time_factor (const TtsMetrics *m);

G_END_DECLS

#endif /* __TTS_PLAYOUT_H__ */

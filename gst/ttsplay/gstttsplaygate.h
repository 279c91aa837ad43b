/* gst-plugins-onair: the playout gate inside ttsplaysink
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An element private to ttsplaysink, between the converters and the audio
 * sink: a queue of decoded audio with its own streaming thread, which holds
 * playback until enough is queued, restarts it after a stall so that no
 * sample is late (and so none is dropped by the sink), stamps every buffer
 * with the running time it must be heard at, measures each utterance and
 * saves what it hands out.
 */
#ifndef __GST_TTS_PLAY_GATE_H__
#define __GST_TTS_PLAY_GATE_H__

#include <gst/gst.h>

#include "playout.h"

G_BEGIN_DECLS

#define GST_TYPE_TTS_PLAY_GATE (gst_tts_play_gate_get_type ())
G_DECLARE_FINAL_TYPE (GstTtsPlayGate, gst_tts_play_gate, GST, TTS_PLAY_GATE,
    GstElement);

/* What a reader of the element's properties sees, under one lock. */
typedef struct {
  TtsMetrics metrics; /* the current utterance, or the last one */
  TtsPlayoutState state;
  guint64 queued; /* decoded audio waiting in the gate */
  guint64 refill; /* refill threshold now in force */
  guint utterances; /* utterances begun since the stream started */
} GstTtsPlayGateSnapshot;

void gst_tts_play_gate_set_config (GstTtsPlayGate *gate,
    const TtsPlayoutConfig *config);
void
gst_tts_play_gate_get_config (GstTtsPlayGate *gate, TtsPlayoutConfig *config);
void gst_tts_play_gate_set_save_location (GstTtsPlayGate *gate,
    const gchar *location);
gchar *gst_tts_play_gate_dup_save_location (GstTtsPlayGate *gate);
void
gst_tts_play_gate_set_trailing_silence (GstTtsPlayGate *gate, guint64 duration);
guint64 gst_tts_play_gate_get_trailing_silence (GstTtsPlayGate *gate);

/* The owner reports what reaches its own sink pad: encoded chunks, the end
 * of an utterance's input, and the request time the application marks. */
void gst_tts_play_gate_input_chunk (GstTtsPlayGate *gate, gsize size);
void gst_tts_play_gate_input_end (GstTtsPlayGate *gate);
void gst_tts_play_gate_mark_request (GstTtsPlayGate *gate);
/* The latency the pipeline configured on the sink. */
void gst_tts_play_gate_set_latency (GstTtsPlayGate *gate, GstClockTime latency);

/* Replacing the decoder between two utterances: the next EOS that reaches
 * the gate ends the utterance but not the stream.  wait_drained() returns
 * once it arrived, FALSE when the gate was flushed or stopped first. */
void gst_tts_play_gate_expect_drain (GstTtsPlayGate *gate);
gboolean gst_tts_play_gate_wait_drained (GstTtsPlayGate *gate);
void gst_tts_play_gate_cancel_drain (GstTtsPlayGate *gate);

/* Posts the first-audio and finished messages still owed, and returns once
 * they, and any that another thread is posting, are on the bus; the owner
 * calls it when the sink posts EOS, so that they reach the application
 * before EOS. */
void gst_tts_play_gate_announce (GstTtsPlayGate *gate);

void gst_tts_play_gate_snapshot (GstTtsPlayGate *gate,
    GstTtsPlayGateSnapshot *snapshot);
/* application/x-ttsplaysink-stats of the current (or last) utterance. */
GstStructure *gst_tts_play_gate_stats (GstTtsPlayGate *gate);

G_END_DECLS

#endif /* __GST_TTS_PLAY_GATE_H__ */

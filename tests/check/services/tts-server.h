/* gst-plugins-onair: a local stand-in for an OpenAI-compatible speech API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POST /v1/audio/speech with {"input": "...", "response_format": "...",
 * "voice": "...", "speed": 1.0} answers with real speech from espeak-ng,
 * encoded by GStreamer's own encoders, streamed with chunked transfer
 * encoding at a pace the caller sets: faster than real time, slower, with
 * a delay before the first byte and a stall in the middle.  Used by the
 * ttsplaysink tests, its benchmark, and onair-tts-server for the examples.
 * No libcheck here: errors are GErrors.
 */
#ifndef __ONAIR_TTS_SERVER_H__
#define __ONAIR_TTS_SERVER_H__

#include <gio/gio.h>

G_BEGIN_DECLS

/* How a response is sent.  Audio is cut into chunks of chunk_ms of speech
 * (the encoded bytes split in proportion); chunk k, holding audio up to
 * (k + 1) * chunk_ms, goes out once that much has been "generated": at
 * delay_ms + (k + 1) * chunk_ms / pace after the request, plus stall_ms if
 * it ends past stall_at_ms.  pace 0 sends everything at once after the
 * delay.  That is the plan; onair_tts_server_last_sends() tells when each
 * chunk really went out. */
typedef struct {
  guint delay_ms;
  gdouble pace;
  guint chunk_ms;
  guint stall_at_ms; /* 0: no stall */
  guint stall_ms; /* or ONAIR_TTS_STALL_HELD */
} OnairTtsPacing;

/* A stall that lasts until onair_tts_server_release(): a test lets the
 * speech go on once the player has run dry, however late that is. */
#define ONAIR_TTS_STALL_HELD G_MAXUINT

#define ONAIR_TTS_PACING_INIT                                                  \
  {                                                                            \
    0, 1.0, 20, 0, 0                                                           \
  }

typedef struct _OnairTtsServer OnairTtsServer;

/* Listens on 127.0.0.1, on @port or a free one when 0, in a thread of its
 * own; each connection is served in a thread of its own. */
OnairTtsServer *onair_tts_server_new (guint16 port, GError **error);
void onair_tts_server_free (OnairTtsServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnairTtsServer, onair_tts_server_free);

guint16 onair_tts_server_port (const OnairTtsServer *server);
/* Applies to the requests that arrive afterwards. */
void
onair_tts_server_set_pacing (OnairTtsServer *server, const OnairTtsPacing *p);
guint onair_tts_server_requests (OnairTtsServer *server);

/* TRUE while a response waits at a held stall, everything before the stall
 * point sent. */
gboolean onair_tts_server_holding (OnairTtsServer *server);
/* Ends the held stall (now, or as soon as the next one begins). */
void onair_tts_server_release (OnairTtsServer *server);

/* What the server really did, as against what the pacing planned: a loaded
 * machine sends late, and then sends what is due at once.  One entry per
 * chunk of the last response, in order. */
typedef struct {
  guint64 sent_at; /* monotonic ns, taken just before the write: no byte of
                    * the chunk could be read earlier */
  gsize body_end; /* bytes of the body up to the end of the chunk */
} OnairTtsSend;

/* The chunks of the last response sent so far; free with g_array_unref. */
GArray *onair_tts_server_last_sends (OnairTtsServer *server);
/* When the last response had its first @bytes of body on the way: the
 * sent_at of the chunk that completed them; 0 when it has not yet. */
guint64 onair_tts_server_sent_by (OnairTtsServer *server, gsize bytes);

/* Speech of @text as espeak-ng writes it (WAV, 22050 Hz mono S16LE); the
 * voice may be NULL.  Fails when espeak-ng is not installed. */
GBytes *onair_tts_speak (const gchar *text, const gchar *voice, gdouble speed,
    GError **error);
/* @wav re-encoded as an OpenAI response_format: "wav" (wavenc), "pcm" (raw
 * S16LE 24 kHz mono), "mp3" (lamemp3enc, @mp3_kbps CBR), "opus" (opusenc in
 * Ogg), "aac" (avenc_aac, ADTS) or "flac" (flacenc); all at 24 kHz mono but
 * opus at 48 kHz. */
GBytes *onair_tts_encode (GBytes *wav, const gchar *format, guint mp3_kbps,
    GError **error);
/* Duration of the speech in @wav, in ns (0 when it is not WAV). */
guint64 onair_tts_wav_duration (GBytes *wav);
const gchar *onair_tts_content_type (const gchar *format);
/* Caps an application sets on appsrc for @format. */
const gchar *onair_tts_caps (const gchar *format);

/* A streaming client: POSTs a request for @text in @format to
 * 127.0.0.1:@port, calls @func with each piece of the body as it arrives
 * (in the calling thread) until it returns FALSE, and returns the HTTP
 * status (0 and @error set when the exchange failed). */
typedef gboolean (
    *OnairTtsBodyFunc) (const guint8 *data, gsize size, gpointer user_data);
guint onair_tts_request (guint16 port, const gchar *text, const gchar *format,
    OnairTtsBodyFunc func, gpointer user_data, GError **error);

G_END_DECLS

#endif /* __ONAIR_TTS_SERVER_H__ */

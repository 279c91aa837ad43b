/* gst-plugins-onair: a local stand-in for an OpenAI-compatible speech API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "loopback-server.h"
#include "tts-server.h"

#include <stdio.h>
#include <string.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

#define ESPEAK_BINARY "espeak-ng"
#define MAX_HEAD 16384
#define MAX_BODY (1024 * 1024)
#define DEFAULT_MP3_KBPS 128

struct _OnairTtsServer {
  OnairLoopbackServer *loopback; /* each connection on a thread of its own */

  GMutex lock;
  GCond cond; /* stopping, a hold released */
  gboolean stopping;
  gboolean holding; /* a response waits at a held stall */
  gboolean released;
  OnairTtsPacing pacing;
  guint requests;
  GArray *last_sends; /* OnairTtsSend of the last response streamed */
  GHashTable *cache; /* "format|voice|speed|text" -> Speech */
};

typedef struct {
  GBytes *encoded;
  guint64 duration; /* ns of speech */
} Speech;

static void
speech_free (Speech *s)
{
  g_bytes_unref (s->encoded);
  g_free (s);
}

/* Synthesis and encoding */

GBytes *
onair_tts_speak (const gchar *text, const gchar *voice, gdouble speed,
    GError **error)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  GSubprocess *proc;
  GBytes *out = NULL, *err_out = NULL;

  g_ptr_array_add (argv, g_strdup (ESPEAK_BINARY));
  g_ptr_array_add (argv, g_strdup ("--stdout"));
  if (voice != NULL) {
    g_ptr_array_add (argv, g_strdup ("-v"));
    g_ptr_array_add (argv, g_strdup (voice));
  }
  if (speed > 0 && speed != 1.0) {
    g_ptr_array_add (argv, g_strdup ("-s"));
    g_ptr_array_add (argv, g_strdup_printf ("%d", (int) (175 * speed)));
  }
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (text));
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const gchar *const *) argv->pdata,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  g_ptr_array_unref (argv);
  if (proc == NULL) {
    g_prefix_error (error,
        "running " ESPEAK_BINARY " (apt-get install espeak-ng): ");
    return NULL;
  }
  if (!g_subprocess_communicate (proc, NULL, NULL, &out, &err_out, error)) {
    g_object_unref (proc);
    return NULL;
  }
  if (!g_subprocess_get_if_exited (proc)
      || g_subprocess_get_exit_status (proc) != 0 || out == NULL
      || g_bytes_get_size (out) <= 44) {
    g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
        ESPEAK_BINARY " failed: %.*s",
        err_out != NULL ? (int) g_bytes_get_size (err_out) : 0,
        err_out != NULL ? (const gchar *) g_bytes_get_data (err_out, NULL)
                        : "");
    g_clear_pointer (&out, g_bytes_unref);
  }
  g_clear_pointer (&err_out, g_bytes_unref);
  g_object_unref (proc);
  return out;
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

guint64
onair_tts_wav_duration (GBytes *wav)
{
  gsize size;
  const guint8 *d = g_bytes_get_data (wav, &size);
  gsize pos = 12;
  guint32 byte_rate = 0;

  if (size < 12 || memcmp (d, "RIFF", 4) != 0 || memcmp (d + 8, "WAVE", 4))
    return 0;
  while (pos + 8 <= size) {
    guint32 len = le32 (d + pos + 4);

    if (memcmp (d + pos, "fmt ", 4) == 0 && pos + 16 <= size)
      byte_rate = le32 (d + pos + 16);
    if (memcmp (d + pos, "data", 4) == 0) {
      /* A streamed header (espeak-ng --stdout) cannot know the size. */
      gsize have = size - pos - 8;

      if (byte_rate == 0)
        return 0;
      return gst_util_uint64_scale (MIN (have, len), GST_SECOND, byte_rate);
    }
    pos += 8 + len + (len & 1);
  }
  return 0;
}

const gchar *
onair_tts_content_type (const gchar *format)
{
  if (g_str_equal (format, "mp3"))
    return "audio/mpeg";
  if (g_str_equal (format, "opus"))
    return "audio/ogg";
  if (g_str_equal (format, "aac"))
    return "audio/aac";
  if (g_str_equal (format, "flac"))
    return "audio/flac";
  if (g_str_equal (format, "wav"))
    return "audio/wav";
  return "audio/pcm";
}

const gchar *
onair_tts_caps (const gchar *format)
{
  if (g_str_equal (format, "mp3"))
    return "audio/mpeg, mpegversion=(int)1, layer=(int)3";
  if (g_str_equal (format, "opus"))
    return "audio/ogg";
  if (g_str_equal (format, "aac"))
    return "audio/mpeg, mpegversion=(int)4, stream-format=(string)adts";
  if (g_str_equal (format, "flac"))
    return "audio/x-flac";
  if (g_str_equal (format, "wav"))
    return "audio/x-wav";
  return "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, "
         "rate=(int)24000, channels=(int)1";
}

static gchar *
encoder_description (const gchar *format, guint mp3_kbps)
{
  if (g_str_equal (format, "wav"))
    return g_strdup ("wavenc");
  if (g_str_equal (format, "pcm"))
    return g_strdup ("capsfilter caps=audio/x-raw,format=S16LE,"
                     "layout=interleaved");
  if (g_str_equal (format, "mp3"))
    return g_strdup_printf ("lamemp3enc target=bitrate cbr=true bitrate=%u",
        mp3_kbps > 0 ? mp3_kbps : DEFAULT_MP3_KBPS);
  if (g_str_equal (format, "opus"))
    /* Pages of 100 ms at most: a streaming service does not sit on audio
     * for the default half second. */
    return g_strdup ("audioresample ! audio/x-raw,rate=48000 ! opusenc ! "
                     "oggmux max-delay=100000000 max-page-delay=100000000");
  if (g_str_equal (format, "aac"))
    return g_strdup ("avenc_aac ! aacparse ! "
                     "audio/mpeg,mpegversion=4,stream-format=adts");
  if (g_str_equal (format, "flac"))
    /* A stream of unknown length gets no seek table. */
    return g_strdup ("flacenc seekpoints=0");
  return NULL;
}

GBytes *
onair_tts_encode (GBytes *wav, const gchar *format, guint mp3_kbps,
    GError **error)
{
  GstElement *pipeline, *src, *sink;
  GByteArray *out;
  GstFlowReturn flow;
  GstBus *bus;
  GstMessage *msg = NULL;
  gchar *enc, *desc;
  gsize pos = 0;

  enc = encoder_description (format, mp3_kbps);
  if (enc == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        "unknown response_format \"%s\"", format);
    return NULL;
  }
  desc = g_strdup_printf ("appsrc name=src caps=audio/x-wav ! wavparse ! "
                          "audioconvert ! audioresample ! "
                          "audio/x-raw,rate=24000,channels=1 ! %s ! "
                          "appsink name=sink sync=false",
      enc);
  g_free (enc);
  pipeline = gst_parse_launch (desc, error);
  if (pipeline == NULL || (error != NULL && *error != NULL)) {
    g_prefix_error (error, "%s: ", desc);
    g_free (desc);
    gst_clear_object (&pipeline);
    return NULL;
  }
  g_free (desc);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_signal_emit_by_name (src, "push-buffer", gst_buffer_new_wrapped_bytes (wav),
      &flow);
  g_signal_emit_by_name (src, "end-of-stream", &flow);

  out = g_byte_array_new ();
  bus = gst_element_get_bus (pipeline);
  for (;;) {
    GstMiniObject *obj = NULL;
    GstBuffer *buf;
    GstMapInfo map;
    gboolean eos = FALSE;

    /* An error never reaches appsink: look at the bus between tries. */
    g_signal_emit_by_name (sink, "try-pull-object", 50 * GST_MSECOND, &obj);
    if (obj == NULL) {
      g_object_get (sink, "eos", &eos, NULL);
      if (eos || (msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)))
        break;
      continue;
    }
    if (GST_IS_EVENT (obj)) {
      /* Muxers that know sizes only at the end (wavenc, flacenc) go back
       * with a new byte segment and rewrite their header there. */
      if (GST_EVENT_TYPE (obj) == GST_EVENT_SEGMENT) {
        const GstSegment *segment;

        gst_event_parse_segment (GST_EVENT_CAST (obj), &segment);
        if (segment->format == GST_FORMAT_BYTES)
          pos = MIN (segment->start, out->len);
      }
      gst_mini_object_unref (obj);
      continue;
    }
    buf = gst_sample_get_buffer (GST_SAMPLE_CAST (obj));
    gst_buffer_map (buf, &map, GST_MAP_READ);
    if (pos + map.size > out->len)
      g_byte_array_set_size (out, pos + map.size);
    memcpy (out->data + pos, map.data, map.size);
    pos += map.size;
    gst_buffer_unmap (buf, &map);
    gst_mini_object_unref (obj);
  }

  if (msg == NULL)
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg != NULL) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "encoding to %s: %s",
        format, err->message);
    g_error_free (err);
    gst_message_unref (msg);
    g_byte_array_unref (out);
    out = NULL;
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  if (out != NULL && out->len == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "encoding to %s produced nothing", format);
    g_byte_array_unref (out);
    out = NULL;
  }
  return out != NULL ? g_byte_array_free_to_bytes (out) : NULL;
}

/* Serving */

/* Sleeps until monotonic time @until (µs); FALSE when the server stops. */
static gboolean
sleep_until (OnairTtsServer *server, gint64 until)
{
  gboolean stopping;

  g_mutex_lock (&server->lock);
  while (!server->stopping && g_get_monotonic_time () < until)
    g_cond_wait_until (&server->cond, &server->lock, until);
  stopping = server->stopping;
  g_mutex_unlock (&server->lock);
  return !stopping;
}

static Speech *
speech_for (OnairTtsServer *server, const gchar *text, const gchar *voice,
    gdouble speed, const gchar *format, GError **error)
{
  gchar *key = g_strdup_printf ("%s|%s|%.3f|%s", format, voice ? voice : "",
      speed, text);
  Speech *s;
  GBytes *wav;

  g_mutex_lock (&server->lock);
  s = g_hash_table_lookup (server->cache, key);
  g_mutex_unlock (&server->lock);
  if (s != NULL) {
    g_free (key);
    return s;
  }

  wav = onair_tts_speak (text, voice, speed, error);
  if (wav == NULL) {
    g_free (key);
    return NULL;
  }
  s = g_new0 (Speech, 1);
  s->duration = onair_tts_wav_duration (wav);
  s->encoded = onair_tts_encode (wav, format, 0, error);
  g_bytes_unref (wav);
  if (s->encoded == NULL) {
    g_free (s);
    g_free (key);
    return NULL;
  }
  g_mutex_lock (&server->lock);
  g_hash_table_replace (server->cache, key, s);
  g_mutex_unlock (&server->lock);
  return s;
}

static gboolean
send_text (GOutputStream *out, const gchar *text)
{
  return g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL);
}

static void
send_status (GOutputStream *out, guint status, const gchar *reason,
    const gchar *message)
{
  gchar *body =
      g_strdup_printf ("{\"error\": {\"message\": \"%s\"}}\n", message);
  gchar *head = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                 "Connection: close\r\n\r\n",
      status, reason, strlen (body));

  send_text (out, head);
  send_text (out, body);
  g_free (head);
  g_free (body);
}

static gboolean
send_chunk (GOutputStream *out, const guint8 *data, gsize size)
{
  gchar *line = g_strdup_printf ("%" G_GSIZE_MODIFIER "x\r\n", size);
  gboolean ok = send_text (out, line)
      && g_output_stream_write_all (out, data, size, NULL, NULL, NULL)
      && send_text (out, "\r\n") && g_output_stream_flush (out, NULL, NULL);

  g_free (line);
  return ok;
}

/* Notes that the body up to @body_end is about to be written: no byte of it
 * can be read before this instant. */
static void
note_send (OnairTtsServer *server, GArray *sends, gsize body_end)
{
  OnairTtsSend send = { gst_util_get_timestamp (), body_end };

  g_mutex_lock (&server->lock);
  g_array_append_val (sends, send);
  g_mutex_unlock (&server->lock);
}

/* Waits, at a held stall, until the test releases the response; returns
 * the monotonic time (µs) of the release, or -1 when the server stops. */
static gint64
hold (OnairTtsServer *server)
{
  gint64 released;

  g_mutex_lock (&server->lock);
  server->holding = TRUE;
  g_cond_broadcast (&server->cond);
  while (!server->stopping && !server->released)
    g_cond_wait (&server->cond, &server->lock);
  server->holding = FALSE;
  server->released = FALSE;
  released = server->stopping ? -1 : g_get_monotonic_time ();
  g_mutex_unlock (&server->lock);
  return released;
}

/* Streams @speech as it would be generated under @pacing, starting from
 * the monotonic time @start (µs), and notes each chunk in @sends. */
static void
stream_speech (OnairTtsServer *server, GOutputStream *out, const Speech *speech,
    const OnairTtsPacing *pacing, gint64 start, GArray *sends)
{
  gsize total;
  const guint8 *data = g_bytes_get_data (speech->encoded, &total);
  guint64 duration_ms = MAX (speech->duration / GST_MSECOND, 1);
  guint chunk_ms = MAX (pacing->chunk_ms, 1);
  gboolean stalled = FALSE;
  gint64 stall_us = (gint64) pacing->stall_ms * 1000;
  guint64 end_ms;
  gsize sent = 0;

  for (end_ms = chunk_ms; sent < total; end_ms += chunk_ms) {
    guint64 upto = MIN (end_ms, duration_ms);
    gsize until = upto >= duration_ms
        ? total
        : (gsize) gst_util_uint64_scale (total, upto, duration_ms);
    gint64 due;

    if (pacing->stall_at_ms > 0 && upto > pacing->stall_at_ms && !stalled) {
      stalled = TRUE;
      /* Faster than real time, the stall starts where the sending is. */
      if (pacing->pace <= 0)
        start = g_get_monotonic_time ();
      if (pacing->stall_ms == ONAIR_TTS_STALL_HELD) {
        gint64 released = hold (server);

        if (released < 0)
          return;
        /* From the release on, the speech comes as it would have from the
         * stall point. */
        stall_us = released - start;
        if (pacing->pace > 0)
          stall_us -= (gint64) (pacing->stall_at_ms * 1000 / pacing->pace);
      }
    }
    due = start;
    if (pacing->pace > 0)
      due += (gint64) (upto * 1000 / pacing->pace);
    if (stalled)
      due += stall_us;
    if (!sleep_until (server, due))
      return;
    if (until > sent) {
      note_send (server, sends, until);
      if (!send_chunk (out, data + sent, until - sent))
        return;
    }
    sent = MAX (sent, until);
  }
  send_text (out, "0\r\n\r\n");
}

static gchar *
read_head (GInputStream *in, GByteArray *buf)
{
  guint8 tmp[4096];

  for (;;) {
    gssize n;
    guint8 *end;

    end = buf->len >= 4 ? memmem (buf->data, buf->len, "\r\n\r\n", 4) : NULL;
    if (end != NULL) {
      gsize head_len = end - buf->data + 4;
      gchar *head = g_strndup ((const gchar *) buf->data, head_len);

      g_byte_array_remove_range (buf, 0, head_len);
      return head;
    }
    if (buf->len > MAX_HEAD)
      return NULL;
    n = g_input_stream_read (in, tmp, sizeof (tmp), NULL, NULL);
    if (n <= 0)
      return NULL;
    g_byte_array_append (buf, tmp, n);
  }
}

static gchar *
header_value (const gchar *head, const gchar *name)
{
  gchar **lines = g_strsplit (head, "\r\n", -1);
  gchar *value = NULL;
  gsize len = strlen (name);
  guint i;

  for (i = 1; lines[i] != NULL && value == NULL; i++) {
    if (g_ascii_strncasecmp (lines[i], name, len) == 0 && lines[i][len] == ':')
      value = g_strstrip (g_strdup (lines[i] + len + 1));
  }
  g_strfreev (lines);
  return value;
}

/* What a request asks for.  Members of the wrong type count as absent. */
typedef struct {
  gchar *input;
  gchar *format;
  gchar *voice;
  gdouble speed;
} SpeechRequest;

static void
speech_request_clear (SpeechRequest *req)
{
  g_clear_pointer (&req->input, g_free);
  g_clear_pointer (&req->format, g_free);
  g_clear_pointer (&req->voice, g_free);
}

/* The value of the member @name of the object @reader is on, when it is a
 * JSON value of @type (G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_INT64), else
 * NULL.  Owned by the parser. */
static JsonNode *
member_value (JsonReader *reader, const gchar *name, GType type)
{
  JsonNode *node = NULL;

  if (json_reader_read_member (reader, name) && json_reader_is_value (reader)) {
    node = json_reader_get_value (reader);
    if (node != NULL && json_node_get_value_type (node) != type)
      node = NULL;
  }
  json_reader_end_member (reader);
  return node;
}

static gchar *
member_string (JsonReader *reader, const gchar *name)
{
  JsonNode *node = member_value (reader, name, G_TYPE_STRING);

  return node != NULL ? g_strdup (json_node_get_string (node)) : NULL;
}

/* FALSE when @body is not a JSON object. */
static gboolean
parse_request (const gchar *body, gsize length, SpeechRequest *req)
{
  JsonParser *parser = json_parser_new ();
  JsonReader *reader;
  JsonNode *speed;

  if (!json_parser_load_from_data (parser, body, length, NULL)
      || json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    g_object_unref (parser);
    return FALSE;
  }
  reader = json_reader_new (json_parser_get_root (parser));
  req->input = member_string (reader, "input");
  req->format = member_string (reader, "response_format");
  req->voice = member_string (reader, "voice");
  req->speed = 1.0;
  speed = member_value (reader, "speed", G_TYPE_DOUBLE);
  if (speed == NULL)
    speed = member_value (reader, "speed", G_TYPE_INT64);
  if (speed != NULL)
    req->speed = json_node_get_double (speed);
  g_object_unref (reader);
  g_object_unref (parser);
  return TRUE;
}

/* OpenAI's voice names mean nothing to espeak-ng; only its own are used. */
static const gchar *
espeak_voice (const gchar *voice)
{
  static const gchar *const openai[] = { "alloy", "ash", "ballad", "coral",
    "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse", NULL };

  if (voice == NULL || g_strv_contains (openai, voice))
    return NULL;
  return voice;
}

static void
serve (OnairTtsServer *server, GSocketConnection *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  GByteArray *buf = g_byte_array_new ();
  gchar *head = read_head (in, buf), *length_text, *reply;
  SpeechRequest req = { NULL };
  const gchar *format;
  OnairTtsPacing pacing;
  guint64 length;
  gint64 start;
  GError *err = NULL;
  GArray *sends = NULL;
  Speech *speech;

  if (head == NULL)
    goto done;
  g_mutex_lock (&server->lock);
  server->requests++;
  pacing = server->pacing;
  g_mutex_unlock (&server->lock);
  start = g_get_monotonic_time ();

  if (!g_str_has_prefix (head, "POST /v1/audio/speech ")) {
    send_status (out, 404, "Not Found", "only POST /v1/audio/speech");
    goto done;
  }
  length_text = header_value (head, "Content-Length");
  length = length_text != NULL ? g_ascii_strtoull (length_text, NULL, 10) : 0;
  g_free (length_text);
  if (length == 0 || length > MAX_BODY) {
    send_status (out, 411, "Length Required", "a JSON body is required");
    goto done;
  }
  while (buf->len < length) {
    guint8 tmp[4096];
    gssize n = g_input_stream_read (in, tmp, sizeof (tmp), NULL, NULL);

    if (n <= 0)
      goto done;
    g_byte_array_append (buf, tmp, n);
  }

  if (!parse_request ((const gchar *) buf->data, length, &req)) {
    send_status (out, 400, "Bad Request", "the body is not a JSON object");
    goto done;
  }
  format = req.format != NULL ? req.format : "mp3";
  if (req.input == NULL || *req.input == '\0') {
    send_status (out, 400, "Bad Request", "input is required");
    goto done;
  }
  speech = speech_for (server, req.input, espeak_voice (req.voice), req.speed,
      format, &err);
  if (speech == NULL) {
    send_status (out, 500, "Internal Server Error", "synthesis failed");
    g_printerr ("tts-server: %s\n", err->message);
    goto done;
  }

  reply = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                           "Content-Type: %s\r\n"
                           "Transfer-Encoding: chunked\r\n"
                           "Connection: close\r\n\r\n",
      onair_tts_content_type (format));
  send_text (out, reply);
  g_free (reply);

  /* Speech is "generated" from the end of the delay on. */
  start += (gint64) pacing.delay_ms * 1000;
  if (!sleep_until (server, start))
    goto done;
  sends = g_array_new (FALSE, FALSE, sizeof (OnairTtsSend));
  g_mutex_lock (&server->lock);
  g_clear_pointer (&server->last_sends, g_array_unref);
  server->last_sends = g_array_ref (sends);
  g_mutex_unlock (&server->lock);
  stream_speech (server, out, speech, &pacing, start, sends);

done:
  g_clear_error (&err);
  g_clear_pointer (&sends, g_array_unref);
  speech_request_clear (&req);
  g_free (head);
  g_byte_array_unref (buf);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
}

static void
serve_connection (OnairLoopbackServer *loopback, GSocketConnection *conn,
    guint index, gpointer data)
{
  serve (data, conn);
}

OnairTtsServer *
onair_tts_server_new (guint16 port, GError **error)
{
  OnairTtsServer *server = g_new0 (OnairTtsServer, 1);
  OnairTtsPacing pacing = ONAIR_TTS_PACING_INIT;

  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->pacing = pacing;
  server->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) speech_free);
  server->loopback = onair_loopback_server_new (port,
      ONAIR_LOOPBACK_THREAD_PER_CONNECTION, serve_connection, server, error);
  if (server->loopback == NULL) {
    onair_tts_server_free (server);
    return NULL;
  }
  return server;
}

void
onair_tts_server_free (OnairTtsServer *server)
{
  if (server == NULL)
    return;
  /* Wakes the responses that wait (paced, or held at a stall): they end at
   * their next chunk, and the loopback core waits for every one. */
  g_mutex_lock (&server->lock);
  server->stopping = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);
  onair_loopback_server_free (server->loopback);

  g_clear_pointer (&server->last_sends, g_array_unref);
  g_hash_table_unref (server->cache);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server);
}

guint16
onair_tts_server_port (const OnairTtsServer *server)
{
  return onair_loopback_server_port (server->loopback);
}

void
onair_tts_server_set_pacing (OnairTtsServer *server, const OnairTtsPacing *p)
{
  g_mutex_lock (&server->lock);
  server->pacing = *p;
  g_mutex_unlock (&server->lock);
}

guint
onair_tts_server_requests (OnairTtsServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->requests;
  g_mutex_unlock (&server->lock);
  return n;
}

guint64
onair_tts_server_sent_by (OnairTtsServer *server, gsize bytes)
{
  guint64 t = 0;
  guint i;

  g_mutex_lock (&server->lock);
  for (i = 0; server->last_sends != NULL && i < server->last_sends->len; i++) {
    const OnairTtsSend *send =
        &g_array_index (server->last_sends, OnairTtsSend, i);

    if (send->body_end >= bytes) {
      t = send->sent_at;
      break;
    }
  }
  g_mutex_unlock (&server->lock);
  return t;
}

GArray *
onair_tts_server_last_sends (OnairTtsServer *server)
{
  GArray *copy = g_array_new (FALSE, FALSE, sizeof (OnairTtsSend));

  g_mutex_lock (&server->lock);
  if (server->last_sends != NULL)
    g_array_append_vals (copy, server->last_sends->data,
        server->last_sends->len);
  g_mutex_unlock (&server->lock);
  return copy;
}

gboolean
onair_tts_server_holding (OnairTtsServer *server)
{
  gboolean holding;

  g_mutex_lock (&server->lock);
  holding = server->holding;
  g_mutex_unlock (&server->lock);
  return holding;
}

void
onair_tts_server_release (OnairTtsServer *server)
{
  g_mutex_lock (&server->lock);
  server->released = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);
}

/* The client */

static gchar *
request_body (const gchar *text, const gchar *format)
{
  JsonBuilder *builder = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  gchar *body;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, "tts-1");
  json_builder_set_member_name (builder, "voice");
  json_builder_add_string_value (builder, "alloy");
  json_builder_set_member_name (builder, "input");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "response_format");
  json_builder_add_string_value (builder, format);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  body = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (builder);
  return body;
}

guint
onair_tts_request (guint16 port, const gchar *text, const gchar *format,
    OnairTtsBodyFunc func, gpointer user_data, GError **error)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn;
  GDataInputStream *in;
  GOutputStream *out;
  gchar *body, *request, *line;
  guint status = 0;
  gboolean chunked = FALSE;

  conn =
      g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, error);
  g_object_unref (client);
  if (conn == NULL)
    return 0;

  body = request_body (text, format);
  request = g_strdup_printf ("POST /v1/audio/speech HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                             "Connection: close\r\n\r\n%s",
      port, strlen (body), body);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  if (!g_output_stream_write_all (out, request, strlen (request), NULL, NULL,
          error))
    goto done;

  in = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  line = g_data_input_stream_read_line (in, NULL, NULL, error);
  if (line == NULL || sscanf (line, "HTTP/1.%*d %u", &status) != 1) {
    if (line != NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "not an HTTP status line: %s", line);
    g_free (line);
    g_object_unref (in);
    status = 0;
    goto done;
  }
  g_free (line);
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL
      && *line != '\0') {
    if (g_ascii_strncasecmp (line, "Transfer-Encoding:", 18) == 0
        && strstr (line, "chunked") != NULL)
      chunked = TRUE;
    g_free (line);
  }
  g_free (line);

  for (;;) {
    guint8 tmp[4096];
    gsize want = sizeof (tmp), got = 0;

    if (chunked) {
      line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      want = line != NULL ? g_ascii_strtoull (line, NULL, 16) : 0;
      g_free (line);
      if (want == 0)
        break;
      while (want > 0) {
        gsize piece = MIN (want, sizeof (tmp));

        if (!g_input_stream_read_all (G_INPUT_STREAM (in), tmp, piece, &got,
                NULL, NULL)
            || got == 0)
          break;
        if (status == 200 && !func (tmp, got, user_data))
          goto stop;
        want -= got;
      }
      g_free (g_data_input_stream_read_line (in, NULL, NULL, NULL));
    } else {
      gssize n =
          g_input_stream_read (G_INPUT_STREAM (in), tmp, want, NULL, NULL);

      if (n <= 0)
        break;
      if (status == 200 && !func (tmp, n, user_data))
        break;
    }
  }
stop:
  g_object_unref (in);

done:
  g_free (request);
  g_free (body);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);
  return status;
}

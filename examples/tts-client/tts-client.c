/* gst-plugins-onair: tts-client, streamed speech from an OpenAI-compatible
 * API played by ttsplaysink
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POSTs the text to /v1/audio/speech with libsoup 3, pushes the response
 * body into appsrc ! ttsplaysink chunk by chunk as it arrives, marks the
 * moment of the request with "mark-request", and prints the metrics the
 * element posts.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <libsoup/soup.h>

#define CHUNK_SIZE 4096

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *src;
  GstElement *tts;
  SoupSession *session;
  GInputStream *body;
  GCancellable *cancel;
  gboolean reading;
  gboolean full; /* appsrc has enough: wait for need-data */
  gboolean done;
  gint status;
} Client;

static const gchar *
caps_for (const gchar *format)
{
  if (g_str_equal (format, "pcm"))
    /* OpenAI's "pcm": 16-bit little-endian, 24 kHz, mono. */
    return "audio/x-raw,format=S16LE,layout=interleaved,rate=24000,"
           "channels=1";
  if (g_str_equal (format, "wav"))
    return "audio/x-wav";
  if (g_str_equal (format, "mp3"))
    return "audio/mpeg,mpegversion=1,layer=3";
  if (g_str_equal (format, "opus"))
    return "audio/ogg";
  if (g_str_equal (format, "aac"))
    return "audio/mpeg,mpegversion=4,stream-format=adts";
  if (g_str_equal (format, "flac"))
    return "audio/x-flac";
  return NULL;
}

static gdouble
ms (const GstStructure *s, const gchar *field)
{
  guint64 v = GST_CLOCK_TIME_NONE;

  gst_structure_get_uint64 (s, field, &v);
  return v == GST_CLOCK_TIME_NONE ? -1.0 : v / 1e6;
}

static void
print_metrics (const GstStructure *s)
{
  const gchar *name = gst_structure_get_name (s);
  guint underruns = 0, count = 0;
  guint64 received = 0, played = 0, bytes = 0;
  gdouble rtf = 0;

  if (g_str_equal (name, "ttsplaysink-first-audio")) {
    g_print ("first audio  ttfa %7.1f ms  ttfb %7.1f ms  (prebuffered %.1f ms, "
             "sink latency %.1f ms)\n",
        ms (s, "ttfa"), ms (s, "ttfb"), ms (s, "prebuffered"),
        ms (s, "sink-latency"));
  } else if (g_str_equal (name, "ttsplaysink-underrun")) {
    gst_structure_get_uint (s, "count", &count);
    g_print ("underrun %u   stall %.1f ms after %.1f ms of audio (refills "
             "now wait for %.1f ms)\n",
        count, ms (s, "stall-duration"), ms (s, "position"),
        ms (s, "refill-threshold"));
  } else if (g_str_equal (name, "ttsplaysink-finished")) {
    gst_structure_get_uint (s, "underruns", &underruns);
    gst_structure_get_uint64 (s, "chunks-received", &received);
    gst_structure_get_uint64 (s, "chunks-played", &played);
    gst_structure_get_uint64 (s, "bytes-received", &bytes);
    gst_structure_get_double (s, "real-time-factor", &rtf);
    g_print ("finished     ttfa %7.1f ms  ttfb %7.1f ms\n"
             "             generation %.1f ms, audio %.1f ms, real-time "
             "factor %.2f\n"
             "             playback %.1f ms, %u underruns, %.1f ms stalled\n"
             "             %" G_GUINT64_FORMAT " chunks (%" G_GUINT64_FORMAT
             " bytes) received, %" G_GUINT64_FORMAT " played\n",
        ms (s, "ttfa"), ms (s, "ttfb"), ms (s, "generation-time"),
        ms (s, "audio-duration"), rtf, ms (s, "playback-time"), underruns,
        ms (s, "stall-time"), received, bytes, played);
  }
}

static void
finish (Client *c, gint status)
{
  if (c->done)
    return;
  c->done = TRUE;
  c->status = status;
  g_cancellable_cancel (c->cancel);
  g_main_loop_quit (c->loop);
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Client *c = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT (c->tts))
        print_metrics (gst_message_get_structure (msg));
      break;
    case GST_MESSAGE_EOS:
      finish (c, 0);
      break;
    case GST_MESSAGE_ERROR: {
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("error from %s: %s\n%s\n", GST_MESSAGE_SRC_NAME (msg),
          err->message, debug != NULL ? debug : "");
      g_error_free (err);
      g_free (debug);
      finish (c, 1);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static void read_next (Client *c);

static void
on_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Client *c = user_data;
  GError *err = NULL;
  GBytes *bytes =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, &err);
  GstFlowReturn flow;

  c->reading = FALSE;
  if (bytes == NULL) {
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_printerr ("reading the response: %s\n", err->message);
      finish (c, 1);
    }
    g_error_free (err);
    return;
  }
  if (g_bytes_get_size (bytes) == 0) {
    g_bytes_unref (bytes);
    g_signal_emit_by_name (c->src, "end-of-stream", &flow);
    return;
  }
  /* Each chunk goes on as it came: ttsplaysink counts and times them. */
  g_signal_emit_by_name (c->src, "push-buffer",
      gst_buffer_new_wrapped_bytes (bytes), &flow);
  g_bytes_unref (bytes);
  if (flow != GST_FLOW_OK) {
    finish (c, 1);
    return;
  }
  read_next (c);
}

static void
read_next (Client *c)
{
  if (c->body == NULL || c->reading || c->full || c->done)
    return;
  c->reading = TRUE;
  g_input_stream_read_bytes_async (c->body, CHUNK_SIZE, G_PRIORITY_DEFAULT,
      c->cancel, on_read, c);
}

/* appsrc asks for more from its streaming thread: read on in the main one. */
static gboolean
resume_reading (gpointer user_data)
{
  Client *c = user_data;

  c->full = FALSE;
  read_next (c);
  return G_SOURCE_REMOVE;
}

static void
on_need_data (GstElement *src, guint length, gpointer user_data)
{
  g_main_context_invoke (NULL, resume_reading, user_data);
}

static void
on_enough_data (GstElement *src, gpointer user_data)
{
  Client *c = user_data;

  c->full = TRUE;
}

static void
on_sent (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Client *c = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (c->session, res);
  GError *err = NULL;
  GInputStream *body = soup_session_send_finish (c->session, res, &err);
  guint status;

  if (body == NULL) {
    g_printerr ("request failed: %s\n", err->message);
    g_error_free (err);
    finish (c, 1);
    return;
  }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK) {
    gchar text[1024] = { 0 };
    gsize got = 0;

    g_input_stream_read_all (body, text, sizeof (text) - 1, &got, NULL, NULL);
    g_printerr ("the server answered %u %s: %s\n", status,
        soup_message_get_reason_phrase (msg), text);
    g_object_unref (body);
    finish (c, 1);
    return;
  }
  c->body = body;
  read_next (c);
}

static gchar *
json_string (const gchar *text)
{
  GString *s = g_string_new ("\"");
  const gchar *p;

  for (p = text; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf (s, "\\%c", *p);
    else if ((guchar) *p < 0x20)
      g_string_append_printf (s, "\\u%04x", (guchar) *p);
    else
      g_string_append_c (s, *p);
  }
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

static gboolean
on_signal (gpointer user_data)
{
  finish (user_data, 130);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gchar *url = g_strdup ("http://127.0.0.1:8000/v1/audio/speech");
  gchar *model = g_strdup ("tts-1"), *voice = g_strdup ("alloy");
  gchar *format = g_strdup ("pcm"), *api_key = NULL, *sink_desc = NULL;
  gchar *save = NULL;
  gint prebuffer_ms = 150;
  GOptionEntry entries[] = {
    { "url", 'u', 0, G_OPTION_ARG_STRING, &url,
        "Speech endpoint (default http://127.0.0.1:8000/v1/audio/speech)",
        "URL" },
    { "model", 'm', 0, G_OPTION_ARG_STRING, &model, "Model (default tts-1)",
        "NAME" },
    { "voice", 'v', 0, G_OPTION_ARG_STRING, &voice, "Voice (default alloy)",
        "NAME" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
        "response_format: pcm, wav, mp3, opus, aac or flac (default pcm)",
        "FORMAT" },
    { "api-key", 'k', 0, G_OPTION_ARG_STRING, &api_key,
        "Bearer token (default: $OPENAI_API_KEY, none if unset)", "KEY" },
    { "audio-sink", 's', 0, G_OPTION_ARG_STRING, &sink_desc,
        "Audio sink, as a launch line (default autoaudiosink)", "DESC" },
    { "prebuffer", 'p', 0, G_OPTION_ARG_INT, &prebuffer_ms,
        "Prebuffer in milliseconds (default 150)", "MS" },
    { "save", 'o', 0, G_OPTION_ARG_FILENAME, &save,
        "Save what is played to this WAV file", "FILE" },
    { NULL },
  };
  GOptionContext *ctx;
  GError *err = NULL;
  Client c = { 0 };
  SoupMessage *msg;
  GBytes *request;
  GstCaps *caps;
  GstBus *bus;
  gchar *text, *input, *body, *auth;

  ctx = g_option_context_new ("TEXT... - speak TEXT through ttsplaysink");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err) || argc < 2) {
    g_printerr ("%s\n", err != NULL ? err->message : "no text given");
    g_printerr ("%s", g_option_context_get_help (ctx, TRUE, NULL));
    return 2;
  }
  g_option_context_free (ctx);
  if (caps_for (format) == NULL || prebuffer_ms < 0) {
    g_printerr ("unknown format \"%s\"\n", format);
    return 2;
  }
  if (api_key == NULL)
    api_key = g_strdup (g_getenv ("OPENAI_API_KEY"));

  c.pipeline = gst_pipeline_new ("tts-client");
  c.src = gst_element_factory_make ("appsrc", "src");
  c.tts = gst_element_factory_make ("ttsplaysink", "tts");
  if (c.src == NULL || c.tts == NULL) {
    g_printerr ("ttsplaysink not found: set GST_PLUGIN_PATH to the build "
                "directory (build/gst/ttsplay) or install the plugins\n");
    return 1;
  }
  caps = gst_caps_from_string (caps_for (format));
  /* A few chunks in hand; ttsplaysink holds the rest of the buffer. */
  g_object_set (c.src, "format", GST_FORMAT_BYTES, "caps", caps, "max-bytes",
      (guint64) 16 * CHUNK_SIZE, "emit-signals", TRUE, NULL);
  gst_caps_unref (caps);
  g_signal_connect (c.src, "need-data", G_CALLBACK (on_need_data), &c);
  g_signal_connect (c.src, "enough-data", G_CALLBACK (on_enough_data), &c);
  g_object_set (c.tts, "prebuffer-time", (guint64) prebuffer_ms * GST_MSECOND,
      "save-location", save, NULL);
  if (sink_desc != NULL) {
    GstElement *sink = gst_parse_bin_from_description (sink_desc, TRUE, &err);

    if (sink == NULL) {
      g_printerr ("audio sink \"%s\": %s\n", sink_desc, err->message);
      return 2;
    }
    g_object_set (c.tts, "audio-sink", sink, NULL);
  }
  gst_bin_add_many (GST_BIN (c.pipeline), c.src, c.tts, NULL);
  gst_element_link (c.src, c.tts);

  c.loop = g_main_loop_new (NULL, FALSE);
  c.cancel = g_cancellable_new ();
  bus = gst_element_get_bus (c.pipeline);
  gst_bus_add_watch (bus, on_bus, &c);
  g_unix_signal_add (SIGINT, on_signal, &c);
  /* The output opens and waits for the first audio while the service
   * works on the request. */
  if (gst_element_set_state (c.pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    GstMessage *error = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (error != NULL)
      on_bus (bus, error, &c);
    return 1;
  }

  text = g_strjoinv (" ", argv + 1);
  input = json_string (text);
  body = g_strdup_printf ("{\"model\": \"%s\", \"voice\": \"%s\", "
                          "\"input\": %s, \"response_format\": \"%s\"}",
      model, voice, input, format);
  request = g_bytes_new_take (body, strlen (body));
  msg = soup_message_new (SOUP_METHOD_POST, url);
  if (msg == NULL) {
    g_printerr ("invalid URL \"%s\"\n", url);
    return 2;
  }
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  if (api_key != NULL && *api_key != '\0') {
    auth = g_strdup_printf ("Bearer %s", api_key);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
    g_free (auth);
  }
  c.session = soup_session_new ();

  g_print ("speaking %" G_GSIZE_FORMAT " characters as %s from %s\n",
      strlen (text), format, url);
  g_signal_emit_by_name (c.tts, "mark-request");
  soup_session_send_async (c.session, msg, G_PRIORITY_DEFAULT, c.cancel,
      on_sent, &c);
  g_main_loop_run (c.loop);

  gst_element_set_state (c.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  g_clear_object (&c.body);
  g_object_unref (msg);
  g_bytes_unref (request);
  g_object_unref (c.session);
  g_object_unref (c.cancel);
  gst_object_unref (c.pipeline);
  g_main_loop_unref (c.loop);
  g_free (text);
  g_free (input);
  g_free (url);
  g_free (model);
  g_free (voice);
  g_free (format);
  g_free (api_key);
  g_free (sink_desc);
  g_free (save);
  return c.status;
}

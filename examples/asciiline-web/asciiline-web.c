/* gst-plugins-onair: asciiline-web, the ASCILINE player served from GStreamer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One pipeline encodes a source to ASCILINE cells (asciivideoenc) and its
 * sound to MP3.  Each side ends in a timedtee; every browser that connects
 * gets its own appsink on it, so a browser joining late starts at once: the
 * video branch gets the INIT header and the newest frame, the audio branch
 * the last quarter second of MP3.  A SoupServer hands the page out, sends
 * the frames over a WebSocket at /ws and streams the sound at /audio.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <libsoup/soup.h>

typedef struct _Server Server;

/* One browser's branch on a timedtee: an appsink, and where its data goes
 * (a WebSocket or an /audio response).  Shared between the main thread and
 * the branch's streaming thread, so reference-counted. */
typedef struct {
  gint refs;
  Server *server;
  GstElement *tee;
  GstElement *sink;
  GstPad *tee_pad;
  SoupWebsocketConnection *ws; /* video */
  SoupServerMessage *msg; /* audio */
  gchar *client; /* the page's id, to find its audio start */
  gboolean closed; /* main thread only */
  guint64 sent; /* main thread only */
  GstClockTime join_position; /* under server->lock */
} Branch;

struct _Server {
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *video_tee;
  GstElement *audio_tee;
  gchar *web_dir;
  GList *viewers; /* Branch, main thread only */
  GList *listeners; /* Branch, main thread only */
  guint64 frames_sent; /* main thread only */

  GMutex lock;
  gboolean await_first; /* a header passed: the next frame is index 0 */
  GstClockTime first_pts; /* PTS of frame index 0 */
  GHashTable *audio_starts; /* client id -> join position (ns), as gint64 */
};

static Branch *
branch_ref (Branch *b)
{
  g_atomic_int_inc (&b->refs);
  return b;
}

static void
branch_unref (Branch *b)
{
  if (!g_atomic_int_dec_and_test (&b->refs))
    return;
  g_clear_object (&b->ws);
  g_clear_object (&b->msg);
  g_free (b->client);
  g_free (b);
}

static void
branch_closure_notify (gpointer data, GClosure *closure)
{
  branch_unref (data);
}

/* Delivery to the main thread, where libsoup lives. */

typedef struct {
  Branch *branch;
  GBytes *data;
  gboolean text;
} Delivery;

static void
delivery_free (gpointer data)
{
  Delivery *d = data;

  branch_unref (d->branch);
  g_bytes_unref (d->data);
  g_free (d);
}

static gboolean
deliver (gpointer data)
{
  Delivery *d = data;
  Branch *b = d->branch;
  gsize size;
  const gchar *bytes = g_bytes_get_data (d->data, &size);

  if (b->closed)
    return G_SOURCE_REMOVE;
  if (b->ws != NULL) {
    if (soup_websocket_connection_get_state (b->ws)
        != SOUP_WEBSOCKET_STATE_OPEN)
      return G_SOURCE_REMOVE;
    if (d->text) {
      gchar *text = g_strndup (bytes, size);

      soup_websocket_connection_send_text (b->ws, text);
      g_free (text);
    } else {
      soup_websocket_connection_send_binary (b->ws, bytes, size);
    }
    b->server->frames_sent++;
  } else {
    soup_message_body_append_bytes (soup_server_message_get_response_body (
                                        b->msg),
        d->data);
    soup_server_message_unpause (b->msg);
  }
  b->sent++;
  return G_SOURCE_REMOVE;
}

/* Streaming thread of the branch. */
static GstFlowReturn
on_new_sample (GstElement *sink, gpointer user_data)
{
  Branch *b = user_data;
  GstSample *sample = NULL;
  GstBuffer *buffer;
  Delivery *d;
  GstCaps *caps;
  gint mode = 0;

  g_signal_emit_by_name (sink, "pull-sample", &sample);
  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  if (caps != NULL && gst_caps_get_size (caps) > 0)
    gst_structure_get_int (gst_caps_get_structure (caps, 0), "mode", &mode);

  d = g_new0 (Delivery, 1);
  d->branch = branch_ref (b);
  {
    gpointer data;
    gsize size;

    gst_buffer_extract_dup (buffer, 0, gst_buffer_get_size (buffer), &data,
        &size);
    d->data = g_bytes_new_take (data, size);
  }
  /* INIT and mode 1 frames are text messages, cells are binary. */
  d->text =
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_HEADER) || mode == 1;
  gst_sample_unref (sample);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, deliver, d,
      delivery_free);
  return GST_FLOW_OK;
}

static Branch *
branch_new (Server *s, GstElement *tee, const gchar *client)
{
  Branch *b = g_new0 (Branch, 1);
  GstPad *sink_pad;

  b->refs = 1;
  b->server = s;
  b->tee = tee;
  b->client = g_strdup (client);
  b->join_position = GST_CLOCK_TIME_NONE;
  b->sink = gst_element_factory_make ("appsink", NULL);
  /* async=false: a sink added to a playing pipeline must not make it
   * preroll again; sync=false: the sources are live, or paced by
   * clocksync. */
  g_object_set (b->sink, "emit-signals", TRUE, "sync", FALSE, "async", FALSE,
      NULL);
  g_signal_connect_data (b->sink, "new-sample", G_CALLBACK (on_new_sample),
      branch_ref (b), branch_closure_notify, 0);
  gst_bin_add (GST_BIN (s->pipeline), b->sink);
  gst_element_sync_state_with_parent (b->sink);

  b->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  g_object_set_data (G_OBJECT (b->tee_pad), "branch", b);
  sink_pad = gst_element_get_static_pad (b->sink, "sink");
  if (gst_pad_link (b->tee_pad, sink_pad) != GST_PAD_LINK_OK)
    g_printerr ("could not link a branch\n");
  gst_object_unref (sink_pad);
  return b;
}

static void
branch_close (Branch *b)
{
  Server *s = b->server;

  if (b->closed)
    return;
  b->closed = TRUE;
  gst_element_release_request_pad (b->tee, b->tee_pad);
  gst_clear_object (&b->tee_pad);
  gst_element_set_state (b->sink, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (s->pipeline), b->sink);
  b->sink = NULL;
  if (b->client != NULL && b->msg != NULL) {
    g_mutex_lock (&s->lock);
    g_hash_table_remove (s->audio_starts, b->client);
    g_mutex_unlock (&s->lock);
  }
}

/* The audio branch's start, from timedtee (its streaming thread). */
static void
on_audio_joined (GstElement *tee, GstPad *pad, guint64 position,
    gpointer user_data)
{
  Server *s = user_data;
  Branch *b = g_object_get_data (G_OBJECT (pad), "branch");

  if (b == NULL || b->client == NULL || !GST_CLOCK_TIME_IS_VALID (position))
    return;
  g_mutex_lock (&s->lock);
  g_hash_table_insert (s->audio_starts, g_strdup (b->client),
      g_memdup2 (&position, sizeof position));
  g_mutex_unlock (&s->lock);
}

/* Notes the PTS of frame index 0: the frame after each header. */
static GstPadProbeReturn
watch_first_frame (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Server *s = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&s->lock);
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_HEADER)) {
    s->await_first = TRUE;
  } else if (s->await_first) {
    s->await_first = FALSE;
    s->first_pts = GST_BUFFER_PTS (buffer);
  }
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

/* HTTP */

static void
reply (SoupServerMessage *msg, guint status, const gchar *type,
    const gchar *body)
{
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, body,
      strlen (body));
  soup_server_message_set_status (msg, status, NULL);
}

static void
serve_file (Server *s, SoupServerMessage *msg, const gchar *name,
    const gchar *type)
{
  gchar *path = g_build_filename (s->web_dir, name, NULL);
  gchar *contents;
  gsize length;

  if (g_file_get_contents (path, &contents, &length, NULL)) {
    soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, contents,
        length);
    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  } else {
    reply (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
  }
  g_free (path);
}

static const gchar *
query_value (SoupServerMessage *msg, const gchar *key, GHashTable **query)
{
  const gchar *q = g_uri_get_query (soup_server_message_get_uri (msg));

  *query = q != NULL ? soup_form_decode (q) : NULL;
  return *query != NULL ? g_hash_table_lookup (*query, key) : NULL;
}

static void
on_audio_finished (SoupServerMessage *msg, gpointer user_data)
{
  Branch *b = user_data;
  Server *s = b->server;

  branch_close (b);
  s->listeners = g_list_remove (s->listeners, b);
  branch_unref (b);
}

static void
serve_audio (Server *s, SoupServerMessage *msg)
{
  GHashTable *query;
  const gchar *client = query_value (msg, "client", &query);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  Branch *b;

  soup_message_headers_set_content_type (headers, "audio/mpeg", NULL);
  /* HTTP/1.0 has no chunks: the stream ends when the connection does. */
  soup_message_headers_set_encoding (headers,
      soup_server_message_get_http_version (msg) == SOUP_HTTP_1_0
          ? SOUP_ENCODING_EOF
          : SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  /* Chunks are sent and forgotten. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg),
      FALSE);

  b = branch_new (s, s->audio_tee, client);
  b->msg = g_object_ref (msg);
  s->listeners = g_list_prepend (s->listeners, b);
  g_signal_connect (msg, "finished", G_CALLBACK (on_audio_finished), b);
  soup_server_message_pause (msg);
  if (query != NULL)
    g_hash_table_unref (query);
}

/* Where a page's sound starts, in seconds from frame index 0. */
static void
serve_audio_start (Server *s, SoupServerMessage *msg)
{
  GHashTable *query;
  const gchar *client = query_value (msg, "client", &query);
  GstClockTime *position = NULL, first;

  g_mutex_lock (&s->lock);
  if (client != NULL)
    position = g_hash_table_lookup (s->audio_starts, client);
  first = s->first_pts;
  if (position != NULL && GST_CLOCK_TIME_IS_VALID (first)) {
    gchar *json = g_strdup_printf ("{\"position\": %.6f}\n",
        GST_CLOCK_DIFF (first, *position) / (gdouble) GST_SECOND);

    g_mutex_unlock (&s->lock);
    reply (msg, SOUP_STATUS_OK, "application/json", json);
    g_free (json);
  } else {
    g_mutex_unlock (&s->lock);
    reply (msg, SOUP_STATUS_NOT_FOUND, "application/json",
        "{\"position\": null}\n");
  }
  if (query != NULL)
    g_hash_table_unref (query);
}

static void
serve_stats (Server *s, SoupServerMessage *msg)
{
  GString *json = g_string_new ("{\"viewers\": [");
  GList *l;

  for (l = s->viewers; l != NULL; l = l->next) {
    Branch *b = l->data;

    g_string_append_printf (json, "%s{\"sent\": %" G_GUINT64_FORMAT "}",
        l == s->viewers ? "" : ", ", b->sent);
  }
  g_string_append_printf (json,
      "], \"listeners\": %u, \"frames_sent\": %" G_GUINT64_FORMAT "}\n",
      g_list_length (s->listeners), s->frames_sent);
  reply (msg, SOUP_STATUS_OK, "application/json", json->str);
  g_string_free (json, TRUE);
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer user_data)
{
  Server *s = user_data;

  if (strcmp (soup_server_message_get_method (msg), SOUP_METHOD_GET) != 0) {
    reply (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
  } else if (strcmp (path, "/") == 0 || strcmp (path, "/index.html") == 0) {
    serve_file (s, msg, "index.html", "text/html; charset=utf-8");
  } else if (strcmp (path, "/app.js") == 0) {
    serve_file (s, msg, "app.js", "text/javascript; charset=utf-8");
  } else if (strcmp (path, "/audio") == 0) {
    serve_audio (s, msg);
  } else if (strcmp (path, "/audio-start") == 0) {
    serve_audio_start (s, msg);
  } else if (strcmp (path, "/stats") == 0) {
    serve_stats (s, msg);
  } else {
    reply (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
  }
}

/* WebSocket */

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Branch *b = user_data;
  Server *s = b->server;

  branch_close (b);
  s->viewers = g_list_remove (s->viewers, b);
  branch_unref (b);
}

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
    SoupWebsocketConnection *ws, gpointer user_data)
{
  Server *s = user_data;
  Branch *b;

  /* The branch joins now: the INIT header and the newest frame follow at
   * once. */
  b = branch_new (s, s->video_tee, NULL);
  b->ws = g_object_ref (ws);
  s->viewers = g_list_prepend (s->viewers, b);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), b);
}

/* The end of the source: every socket closes, as the ASCILINE server does
 * at the end of a stream. */
static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  Server *s = user_data;
  GList *l;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR: {
      GError *error;
      gchar *debug;

      gst_message_parse_error (message, &error, &debug);
      g_printerr ("error: %s\n%s\n", error->message, debug);
      g_error_free (error);
      g_free (debug);
      g_main_loop_quit (s->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_print ("end of stream\n");
      for (l = s->viewers; l != NULL; l = l->next)
        soup_websocket_connection_close (((Branch *) l->data)->ws,
            SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      for (l = s->listeners; l != NULL; l = l->next) {
        Branch *b = l->data;

        soup_message_body_complete (
            soup_server_message_get_response_body (b->msg));
        soup_server_message_unpause (b->msg);
      }
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer user_data)
{
  Server *s = user_data;

  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

static gchar *
pipeline_description (const gchar *uri, guint mode, guint columns, guint rows)
{
  gchar *encoder = g_strdup_printf ("asciivideoenc name=enc mode=%u "
                                    "columns=%u rows=%u ! timedtee "
                                    "name=vtee join-mode=keyframe "
                                    "retention=1000000000",
      mode, columns, rows);
  const gchar *mp3 = "lamemp3enc target=bitrate bitrate=128 cbr=true ! "
                     "mpegaudioparse ! timedtee name=atee join-mode=burst "
                     "join-window=250000000 retention=2000000000";
  gchar *desc;

  if (uri != NULL) {
    gchar *quoted = g_strescape (uri, NULL);

    /* A file plays as fast as it decodes: clocksync paces it. */
    desc = g_strdup_printf ("uridecodebin uri=\"%s\" name=dec "
                            "dec. ! queue ! videoconvert ! videoscale ! "
                            "videorate ! video/x-raw,framerate=30/1 ! "
                            "clocksync ! %s "
                            "dec. ! queue ! audioconvert ! audioresample ! "
                            "clocksync ! %s",
        quoted, encoder, mp3);
    g_free (quoted);
  } else {
    desc = g_strdup_printf ("videotestsrc is-live=true pattern=smpte ! "
                            "video/x-raw,framerate=30/1 ! videoconvert ! "
                            "videoscale ! %s "
                            "audiotestsrc is-live=true wave=sine freq=440 "
                            "volume=0.2 ! audioconvert ! audioresample ! %s",
        encoder, mp3);
  }
  g_free (encoder);
  return desc;
}

int
main (int argc, char **argv)
{
  gint port = 8080;
  gchar *address = NULL, *uri = NULL, *web_dir = NULL;
  gint mode = 3, columns = 120, rows = 45;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "HTTP port (default 8080)",
        "PORT" },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address,
        "Address to listen on (default 127.0.0.1)", "ADDRESS" },
    { "uri", 'u', 0, G_OPTION_ARG_STRING, &uri,
        "Play this URI instead of the test pattern and tone", "URI" },
    { "mode", 'm', 0, G_OPTION_ARG_INT, &mode,
        "ASCILINE render mode 1-5 (default 3)", "MODE" },
    { "columns", 'c', 0, G_OPTION_ARG_INT, &columns,
        "Characters per row (default 120)", "N" },
    { "rows", 'r', 0, G_OPTION_ARG_INT, &rows, "Rows (default 45)", "N" },
    { "web-dir", 'w', 0, G_OPTION_ARG_FILENAME, &web_dir,
        "Directory of index.html and app.js (default: next to the sources)",
        "DIR" },
    { NULL },
  };
  GOptionContext *context = g_option_context_new ("- ASCILINE web player");
  GError *error = NULL;
  Server s = { 0 };
  SoupServer *server;
  GInetAddress *inet;
  GSocketAddress *socket_address;
  GstElement *enc;
  GstPad *enc_src;
  gchar *desc;
  GstBus *bus;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  if (mode < 1 || mode > 5 || columns < 1 || rows < 1 || port < 0
      || port > 65535) {
    g_printerr ("mode is 1-5, columns and rows at least 1, port 0-65535\n");
    return 2;
  }

  g_mutex_init (&s.lock);
  s.first_pts = GST_CLOCK_TIME_NONE;
  s.audio_starts =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s.web_dir = web_dir != NULL ? web_dir : g_strdup (ASCIILINE_WEB_DIR);
  s.loop = g_main_loop_new (NULL, FALSE);

  desc = pipeline_description (uri, mode, columns, rows);
  s.pipeline = gst_parse_launch (desc, &error);
  if (s.pipeline == NULL) {
    g_printerr ("pipeline: %s\n%s\n", error->message, desc);
    return 1;
  }
  s.video_tee = gst_bin_get_by_name (GST_BIN (s.pipeline), "vtee");
  s.audio_tee = gst_bin_get_by_name (GST_BIN (s.pipeline), "atee");
  g_signal_connect (s.audio_tee, "joined", G_CALLBACK (on_audio_joined), &s);
  enc = gst_bin_get_by_name (GST_BIN (s.pipeline), "enc");
  enc_src = gst_element_get_static_pad (enc, "src");
  gst_pad_add_probe (enc_src, GST_PAD_PROBE_TYPE_BUFFER, watch_first_frame, &s,
      NULL);
  gst_object_unref (enc_src);
  gst_object_unref (enc);
  bus = gst_element_get_bus (s.pipeline);
  gst_bus_add_watch (bus, on_bus_message, &s);
  gst_object_unref (bus);

  server = soup_server_new ("server-header", "asciiline-web ", NULL);
  soup_server_add_handler (server, NULL, on_request, &s, NULL);
  soup_server_add_websocket_handler (server, "/ws", NULL, NULL, on_websocket,
      &s, NULL);
  inet =
      g_inet_address_new_from_string (address != NULL ? address : "127.0.0.1");
  if (inet == NULL) {
    g_printerr ("not an address: %s\n", address);
    return 2;
  }
  socket_address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (server, socket_address, 0, &error)) {
    g_printerr ("cannot listen: %s\n", error->message);
    return 1;
  }
  g_object_unref (socket_address);
  g_object_unref (inet);

  if (gst_element_set_state (s.pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("the pipeline does not start\n%s\n", desc);
    return 1;
  }
  g_print ("pipeline: %s\nlistening on http://%s:%d/\n", desc,
      address != NULL ? address : "127.0.0.1", port);
  g_unix_signal_add (SIGINT, on_signal, &s);
  g_unix_signal_add (SIGTERM, on_signal, &s);
  g_main_loop_run (s.loop);

  gst_element_set_state (s.pipeline, GST_STATE_NULL);
  g_list_free_full (s.viewers, (GDestroyNotify) branch_unref);
  g_list_free_full (s.listeners, (GDestroyNotify) branch_unref);
  g_object_unref (server);
  gst_object_unref (s.video_tee);
  gst_object_unref (s.audio_tee);
  gst_object_unref (s.pipeline);
  g_hash_table_unref (s.audio_starts);
  g_main_loop_unref (s.loop);
  g_free (s.web_dir);
  g_free (desc);
  g_free (address);
  g_free (uri);
  return 0;
}

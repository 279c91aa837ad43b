/* gst-plugins-onair: what a location, a setting or a peer cannot make
 * icecastsrc and icecastsink do
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The resource a listener requests is exactly the one its location names,
 * percent-encoding included; credentials belong to the location they came
 * with and never travel to the next one; no password reaches an error or a
 * log line at any debug level; a fall back from TLS to plain TCP is never
 * silent.  Against a scripted server that records every request head.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <glib/gstdio.h>

#include <gst/app/gstappsrc.h>
#include <gst/base/gstbasesrc.h>

#include "icecast-protocol.h"
#include "onair-check.h"
#include "scripted-server.h"

/* Answers every request with @data (a status line and head) and closes. */
static void
serve_answer (OnairScripted *server, GIOStream *io, guint index,
    const gchar *request, gpointer data)
{
  const gchar *answer = data;

  g_output_stream_write_all (g_io_stream_get_output_stream (io), answer,
      strlen (answer), NULL, NULL, NULL);
}

#define MP3_SOURCE "audiotestsrc is-live=true ! lamemp3enc ! mpegaudioparse"

static const gchar not_found[] = "HTTP/1.0 404 Not Found\r\n\r\n";
static const gchar refused[] = "HTTP/1.1 401 Unauthorized\r\n\r\n";

/* Runs @element with @other (a bin description) before it (a sink) or
 * after it (a source) until the first ERROR: the scripted servers refuse
 * everything. */
static void
run_until_error (GstElement *element, const gchar *other_description)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *other =
      gst_parse_bin_from_description (other_description, TRUE, NULL);
  gboolean is_source = GST_IS_BASE_SRC (element);
  GstMessage *msg;

  fail_unless (other != NULL);
  gst_bin_add_many (GST_BIN (pipeline), gst_object_ref (element), other, NULL);
  if (is_source)
    fail_unless (gst_element_link (element, other));
  else
    fail_unless (gst_element_link (other, element));
  msg = onair_check_run_pipeline (pipeline, GST_MESSAGE_EOS, 60000);
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
      "expected a refusal, got %s", GST_MESSAGE_TYPE_NAME (msg));
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* The first line of request @i. */
static gchar *
request_line (OnairScripted *server, guint i)
{
  gchar *request = onair_scripted_request (server, i);
  gchar *line;

  fail_unless (request != NULL, "no request %u", i);
  line = g_strndup (request, strcspn (request, "\r\n"));
  g_free (request);
  return line;
}

/* The decoded credentials of request @i's Basic Authorization, NULL when it
 * has none. */
static gchar *
request_credentials (OnairScripted *server, guint i)
{
  gchar *request = onair_scripted_request (server, i);
  gchar **lines;
  gchar *credentials = NULL;
  guint n;

  fail_unless (request != NULL, "no request %u", i);
  lines = g_strsplit (request, "\r\n", -1);
  for (n = 0; lines[n] != NULL; n++) {
    if (g_ascii_strncasecmp (lines[n], "Authorization: Basic ", 21) == 0) {
      gsize size;
      guchar *raw = g_base64_decode (lines[n] + 21, &size);

      credentials = g_strndup ((const gchar *) raw, size);
      g_free (raw);
    }
  }
  g_strfreev (lines);
  g_free (request);
  return credentials;
}

/* What icecastsrc asks for, for locations whose path and query hold
 * reserved characters in their encoded form. */
GST_START_TEST (test_src_requests_exactly_the_named_resource)
{
  static const gchar *const targets[] = {
    "/x?q=%25",
    "/x?q=%25%25&r=%2525",
    "/a%2Fb?token=a%2Bb%3D%3D&next=%26x%3Dy",
    "/mount%3Fnot-a-query",
    "/live%20stream.mp3",
    "/plain.mp3",
  };
  OnairScripted *server = onair_scripted_start (ONAIR_SCRIPTED_PLAIN,
      serve_answer, (gpointer) not_found);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (targets); i++) {
    GstElement *src = gst_element_factory_make ("icecastsrc", NULL);
    gchar *location = onair_scripted_location (server, "http", targets[i]);
    gchar *read_back, *line, *want;

    g_object_set (src, "location", location, "reconnect", FALSE, NULL);
    g_object_get (src, "location", &read_back, NULL);
    fail_unless_equals_string (read_back, location);
    run_until_error (src, "fakesink");
    line = request_line (server, onair_scripted_n_requests (server) - 1);
    want = g_strdup_printf ("GET %s HTTP/1.1", targets[i]);
    fail_unless_equals_string (line, want);
    g_free (want);
    g_free (line);
    g_free (read_back);
    g_free (location);
    gst_object_unref (src);
  }
  /* The same through the URI handler, with the icy scheme. */
  {
    gchar *location = onair_scripted_location (server, "icy", "/y?q=%25");
    GstElement *src =
        gst_element_make_from_uri (GST_URI_SRC, location, NULL, NULL);
    gchar *line;

    /* icy:// goes to souphttpsrc by rank; ask icecastsrc itself. */
    if (src != NULL)
      gst_object_unref (src);
    src = gst_element_factory_make ("icecastsrc", NULL);
    fail_unless (
        gst_uri_handler_set_uri (GST_URI_HANDLER (src), location, NULL));
    g_object_set (src, "reconnect", FALSE, NULL);
    run_until_error (src, "fakesink");
    line = request_line (server, onair_scripted_n_requests (server) - 1);
    fail_unless_equals_string (line, "GET /y?q=%25 HTTP/1.1");
    g_free (line);
    g_free (location);
    gst_object_unref (src);
  }
  onair_scripted_free (server);
}

GST_END_TEST;

/* Credentials go to the host of the location they came with, decoded, and
 * to no other. */
GST_START_TEST (test_src_credentials_stay_with_their_location)
{
  OnairScripted *server_a = onair_scripted_start (ONAIR_SCRIPTED_PLAIN,
      serve_answer, (gpointer) not_found);
  OnairScripted *server_b = onair_scripted_start (ONAIR_SCRIPTED_PLAIN,
      serve_answer, (gpointer) not_found);
  GstElement *src = gst_element_factory_make ("icecastsrc", NULL);
  gchar *with, *without, *credentials, *user = NULL;

  with = g_strdup_printf ("http://dj:p%%40ss%%3Aword@127.0.0.1:%u/a",
      onair_scripted_port (server_a));
  without = onair_scripted_location (server_b, "http", "/b");
  g_object_set (src, "reconnect", FALSE, "location", with, NULL);
  run_until_error (src, "fakesink");
  credentials = request_credentials (server_a, 0);
  fail_unless_equals_string (credentials, "dj:p@ss:word");
  g_free (credentials);

  /* A new location without user information: nothing is sent. */
  g_object_set (src, "location", without, NULL);
  g_object_get (src, "user-id", &user, NULL);
  fail_unless (user == NULL, "user-id is still %s", user);
  run_until_error (src, "fakesink");
  credentials = request_credentials (server_b, 0);
  fail_unless (credentials == NULL, "the second host got %s", credentials);

  /* What the application sets itself stays across locations. */
  g_object_set (src, "user-id", "app", "user-pw", "own", NULL);
  g_object_set (src, "location", with, NULL);
  g_object_set (src, "location", without, NULL);
  run_until_error (src, "fakesink");
  credentials = request_credentials (server_b, 1);
  fail_unless_equals_string (credentials, "app:own");
  g_free (credentials);

  gst_object_unref (src);
  g_free (with);
  g_free (without);
  onair_scripted_free (server_a);
  onair_scripted_free (server_b);
}

GST_END_TEST;

GST_START_TEST (test_src_refuses_what_no_request_can_carry)
{
  GstElement *src = gst_element_factory_make ("icecastsrc", NULL);
  GError *error = NULL;

  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
      "http://dj:a%0D%0AX-Injected:%201@127.0.0.1:9/a", &error));
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, "X-Injected") == NULL, "%s",
      error->message);
  g_clear_error (&error);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
      "http://dj:a%00b@127.0.0.1:9/a", NULL));
  /* Hosts that decode to another server, to none, or to a space. */
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
      "icy://evil.example%40127.0.0.1:9/a", NULL));
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), "http://host%25x/a",
      NULL));
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), "http://ho%20st/a",
      NULL));
  gst_object_unref (src);
}

GST_END_TEST;

/* The sink: a location's user, password and TLS mode end with it. */
GST_START_TEST (test_sink_location_replaces_credentials_and_tls)
{
  OnairScripted *server = onair_scripted_start (ONAIR_SCRIPTED_PLAIN,
      serve_answer, (gpointer) refused);
  GstElement *sink = gst_element_factory_make ("icecastsink", NULL);
  gchar *user, *location, *credentials;
  gint tls;

  g_object_set (sink, "location", "icecasts://dj:secret@radio.example/x", NULL);
  g_object_get (sink, "username", &user, "tls", &tls, NULL);
  fail_unless_equals_string (user, "dj");
  fail_unless_equals_int (tls, 2);
  g_free (user);

  location = onair_scripted_location (server, "icecast", "/y.mp3");
  g_object_set (sink, "location", location, NULL);
  g_object_get (sink, "username", &user, "tls", &tls, NULL);
  fail_unless_equals_string (user, "source");
  fail_unless_equals_int (tls, 0);
  g_free (user);
  run_until_error (sink, MP3_SOURCE);
  credentials = request_credentials (server, 0);
  fail_unless (credentials == NULL || strstr (credentials, "secret") == NULL,
      "the second host got %s", credentials);
  fail_unless (credentials == NULL || !g_str_has_prefix (credentials, "dj:"),
      "the second host got %s", credentials);
  g_free (credentials);

  /* The application's own choices stay: tls=auto, its password. */
  g_object_set (sink, "tls", 1, "password", "own", NULL);
  g_object_set (sink, "location", "icecasts://dj:secret@radio.example/x", NULL);
  g_object_set (sink, "location", location, NULL);
  g_object_get (sink, "tls", &tls, NULL);
  fail_unless_equals_int (tls, 1);
  g_object_set (sink, "tls", 0, NULL);
  run_until_error (sink, MP3_SOURCE);
  credentials = request_credentials (server, 1);
  fail_unless_equals_string (credentials, "source:own");
  g_free (credentials);

  g_free (location);
  gst_object_unref (sink);
  onair_scripted_free (server);
}

GST_END_TEST;

/* A server that drops a TLS ClientHello, then refuses the plain request. */
static void
serve_no_tls (OnairScripted *server, GIOStream *io, guint index,
    const gchar *request, gpointer data)
{
  if (request[0] != 0x16)
    serve_answer (server, io, index, request, (gpointer) refused);
}

/* Runs @sink until its ERROR; returns whether a warning came first, and
 * that it said the password travels in clear. */
static gboolean
warned_before_error (GstElement *sink)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_parse_bin_from_description (MP3_SOURCE, TRUE, NULL);
  gboolean warned = FALSE;
  GstMessage *msg;

  gst_bin_add_many (GST_BIN (pipeline), src, gst_object_ref (sink), NULL);
  fail_unless (gst_element_link (src, sink));
  msg = onair_check_run_pipeline (pipeline, GST_MESSAGE_WARNING, 60000);
  while (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    GError *error = NULL;

    gst_message_parse_warning (msg, &error, NULL);
    fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                     GST_RESOURCE_ERROR_OPEN_WRITE),
        "%s", error->message);
    fail_unless (strstr (error->message, "plain TCP") != NULL, "%s",
        error->message);
    warned = TRUE;
    g_error_free (error);
    gst_message_unref (msg);
    msg = onair_check_wait_message (pipeline, GST_MESSAGE_WARNING, 60000);
  }
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return warned;
}

/* tls=auto falls back to plain TCP when the server does not speak TLS, and
 * says so; tls=required never does. */
GST_START_TEST (test_tls_downgrade_is_never_silent)
{
  OnairScripted *server =
      onair_scripted_start (ONAIR_SCRIPTED_PLAIN, serve_no_tls, NULL);
  GstElement *sink = gst_element_factory_make ("icecastsink", NULL);
  gchar *location = onair_scripted_location (server, "icecast", "/x.mp3");
  gchar *request;

  g_object_set (sink, "location", location, "tls", 1, "password", "pw",
      "max-reconnect-attempts", 0, NULL);
  fail_unless (warned_before_error (sink), "no warning before plain TCP");
  fail_unless_equals_int (onair_scripted_connections (server), 2);
  request = onair_scripted_request (server, 1);
  fail_unless (g_str_has_prefix (request, "PUT /x.mp3 "), "%s", request);
  g_free (request);
  gst_object_unref (sink);

  sink = gst_element_factory_make ("icecastsink", NULL);
  g_object_set (sink, "location", location, "tls", 2, "password", "pw",
      "max-reconnect-attempts", 0, NULL);
  fail_if (warned_before_error (sink));
  /* One TLS attempt, nothing in plain. */
  fail_unless_equals_int (onair_scripted_connections (server), 3);
  fail_unless_equals_int (onair_scripted_n_requests (server), 3);
  request = onair_scripted_request (server, 2);
  fail_unless (request[0] == 0x16);
  g_free (request);
  gst_object_unref (sink);
  g_free (location);
  onair_scripted_free (server);
}

GST_END_TEST;

/* A server that takes the stream and answers the title update with
 * 64 MiB of body, counting what the client took before it went. */
typedef struct {
  GMutex lock;
  guint64 taken;
  gboolean answered;
  gchar *title_request;
} TitleServer;

#define HUGE_BODY (G_GUINT64_CONSTANT (64) << 20)

static void
serve_stream_and_title (OnairScripted *server, GIOStream *io, guint index,
    const gchar *request, gpointer data)
{
  TitleServer *t = data;
  GOutputStream *out = g_io_stream_get_output_stream (io);
  static const gchar ok[] = "HTTP/1.1 200 OK\r\n\r\n";
  gchar *head;
  guint8 chunk[65536];
  guint64 taken = 0;

  if (g_str_has_prefix (request, "PUT ")) {
    g_output_stream_write_all (out, ok, strlen (ok), NULL, NULL, NULL);
    while (!onair_scripted_quitting (server)
        && g_input_stream_read (g_io_stream_get_input_stream (io), chunk,
               sizeof (chunk), NULL, NULL)
            > 0)
      ;
    return;
  }
  g_socket_set_option (onair_scripted_socket (io), SOL_SOCKET, SO_SNDBUF, 4096,
      NULL);
  head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                          "Content-Length: %" G_GUINT64_FORMAT "\r\n\r\n",
      HUGE_BODY);
  memset (chunk, '<', sizeof (chunk));
  if (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL)) {
    while (taken < HUGE_BODY) {
      gsize written = 0;

      g_output_stream_write_all (out, chunk, sizeof (chunk), &written, NULL,
          NULL);
      taken += written;
      if (written < sizeof (chunk))
        break;
    }
  }
  g_free (head);
  g_mutex_lock (&t->lock);
  t->taken = taken;
  t->title_request = g_strdup (request);
  t->answered = TRUE;
  g_mutex_unlock (&t->lock);
}

static gboolean
title_answered (gpointer data)
{
  TitleServer *t = data;
  gboolean answered;

  g_mutex_lock (&t->lock);
  answered = t->answered;
  g_mutex_unlock (&t->lock);
  return answered;
}

/* The title update's reply is read only as far as its status needs, and
 * never expanded. */
GST_START_TEST (test_title_reply_is_bounded)
{
  TitleServer t = { 0 };
  OnairScripted *server;
  GstElement *pipeline;
  gchar *launch, *location;

  g_mutex_init (&t.lock);
  server = onair_scripted_start (ONAIR_SCRIPTED_CONCURRENT,
      serve_stream_and_title, &t);
  location = onair_scripted_location (server, "icecast", "/x.mp3");
  launch = g_strdup_printf ("%s ! taginject tags=\"title=Hello\" ! "
                            "icecastsink location=%s password=pw",
      MP3_SOURCE, location);
  pipeline = gst_parse_launch (launch, NULL);
  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  onair_check_wait_until (title_answered, &t, 60000,
      "the title update's reply to be taken");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (g_str_has_prefix (t.title_request, "GET /admin/metadata?"), "%s",
      t.title_request);
  /* No compressed body is invited. */
  fail_unless (strstr (t.title_request, "gzip") == NULL
          && strstr (t.title_request, "deflate") == NULL,
      "%s", t.title_request);
  /* What the kernel buffers of both ends hold, not the body. */
  fail_unless (t.taken < (G_GUINT64_CONSTANT (16) << 20),
      "the sink took %" G_GUINT64_FORMAT " bytes of the reply", t.taken);
  gst_object_unref (pipeline);
  g_free (t.title_request);
  g_free (launch);
  g_free (location);
  onair_scripted_free (server);
  g_mutex_clear (&t.lock);
}

GST_END_TEST;

/* A server that takes each stream for a moment and drops it. */
static void
serve_and_drop (OnairScripted *server, GIOStream *io, guint index,
    const gchar *request, gpointer data)
{
  static const gchar ok[] = "HTTP/1.1 200 OK\r\n\r\n";
  guint8 chunk[512];

  g_output_stream_write_all (g_io_stream_get_output_stream (io), ok,
      strlen (ok), NULL, NULL, NULL);
  g_input_stream_read (g_io_stream_get_input_stream (io), chunk, sizeof (chunk),
      NULL, NULL);
}

static GstBuffer *
numbered_buffer (guint n, gboolean header)
{
  static guint unique;
  gchar *text =
      g_strdup_printf ("%s %u %u", header ? "header" : "data", n, unique++);
  gsize size = strlen (text);
  GstBuffer *b = gst_buffer_new_wrapped (text, size);

  if (header)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_HEADER);
  return b;
}

/* In-band header sets replaced again and again while the sink reconnects
 * again and again: the sender must never write a header the streaming
 * thread has let go of (ASan, and GStreamer's own checks, see it). */
GST_START_TEST (test_headers_replaced_while_reconnecting)
{
  OnairScripted *server =
      onair_scripted_start (ONAIR_SCRIPTED_PLAIN, serve_and_drop, NULL);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("appsrc", NULL);
  GstElement *sink = gst_element_factory_make ("icecastsink", NULL);
  gchar *location = onair_scripted_location (server, "icecast", "/x.mp3");
  GstCaps *caps = gst_caps_from_string ("audio/mpeg,mpegversion=1,layer=3");
  guint n = 0;

  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  g_object_set (sink, "location", location, "password", "pw", "reconnect-delay",
      (guint64) 0, "max-reconnect-delay", (guint64) 0, "sync", FALSE, "async",
      FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (onair_scripted_connections (server) < 200) {
    guint h;

    fail_unless (n < 2000000, "only %u connections",
        onair_scripted_connections (server));
    /* A set of headers, then data: the next set replaces this one. */
    for (h = 0; h < 32; h++)
      gst_app_src_push_buffer (GST_APP_SRC (src), numbered_buffer (n, TRUE));
    gst_app_src_push_buffer (GST_APP_SRC (src), numbered_buffer (n, FALSE));
    n++;
    if (n % 16 == 0)
      g_usleep (1000);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  gst_caps_unref (caps);
  g_free (location);
  onair_scripted_free (server);
}

GST_END_TEST;

/* TRUE when something listens on 127.0.0.1:@port (from /proc/net/tcp). */
static gboolean
port_listening (gpointer data)
{
  gchar *table = NULL, *want;
  gboolean found;

  if (!g_file_get_contents ("/proc/net/tcp", &table, NULL, NULL))
    return FALSE;
  want = g_strdup_printf (" 0100007F:%04X 00000000:0000 0A ",
      GPOINTER_TO_UINT (data));
  found = strstr (table, want) != NULL;
  g_free (want);
  g_free (table);
  return found;
}

typedef struct {
  gchar *received; /* what openssl s_server wrote of the stream */
} Received;

static gboolean
streamed_enough (gpointer data)
{
  Received *r = data;
  GStatBuf st;

  return g_stat (r->received, &st) == 0 && st.st_size >= 16384;
}

/* Silence after the PUT means go over TLS too, whatever TLS records make
 * the socket readable meanwhile: OpenSSL (Icecast's TLS) sends its TLS 1.3
 * session tickets after the handshake.  openssl s_server is that peer: it
 * says nothing and writes what it receives to a file. */
GST_START_TEST (test_silent_tls_server_gets_the_stream)
{
  gchar *dir = onair_check_make_dir ("s_server");
  gchar *cert = g_build_filename (dir, "cert.pem", NULL);
  gchar *key = g_build_filename (dir, "key.pem", NULL);
  gchar *port_text, *launch, *made, *contents = NULL;
  guint port = onair_check_free_port ();
  GSubprocessLauncher *launcher;
  GSubprocess *s_server;
  GstElement *pipeline;
  Received r;
  gint status = -1;

  made = g_strdup_printf ("openssl req -x509 -newkey ec -pkeyopt "
                          "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "
                          "/CN=onair-test "
                          "-keyout %s -out %s",
      key, cert);
  fail_unless (g_spawn_command_line_sync (made, NULL, NULL, &status, NULL)
          && g_spawn_check_wait_status (status, NULL),
      "openssl req failed");
  r.received = g_build_filename (dir, "received", NULL);
  port_text = g_strdup_printf ("127.0.0.1:%u", port);
  /* Its standard input stays open and empty: it sends nothing. */
  launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_stdout_file_path (launcher, r.received);
  g_subprocess_launcher_set_child_setup (launcher, onair_check_child_setup,
      NULL, NULL);
  s_server = g_subprocess_launcher_spawn (launcher, NULL, "openssl", "s_server",
      "-quiet", "-accept", port_text, "-cert", cert, "-key", key, NULL);
  fail_unless (s_server != NULL, "cannot start openssl s_server");
  onair_check_track_child (atoi (g_subprocess_get_identifier (s_server)));
  onair_check_wait_until (port_listening, GUINT_TO_POINTER (port), 30000,
      "openssl s_server to listen");

  launch =
      g_strdup_printf ("%s ! icecastsink "
                       "location=icecasts://127.0.0.1:%u/x.mp3 password=pw "
                       "tls-validation-flags=0 timeout=20000",
          MP3_SOURCE, port);
  pipeline = gst_parse_launch (launch, NULL);
  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  onair_check_wait_until (streamed_enough, &r, 60000,
      "the stream to follow the unanswered PUT over TLS");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* All on the first connection: one request head, then audio. */
  fail_unless (g_file_get_contents (r.received, &contents, NULL, NULL));
  fail_unless (g_str_has_prefix (contents, "PUT /x.mp3 HTTP/1.1\r\n"));
  fail_unless (strstr (contents + 4, "PUT /x.mp3") == NULL,
      "the sink connected again");
  onair_check_untrack_child (atoi (g_subprocess_get_identifier (s_server)));
  g_subprocess_force_exit (s_server);
  g_subprocess_wait (s_server, NULL, NULL);
  g_object_unref (s_server);
  g_object_unref (launcher);
  gst_object_unref (pipeline);
  g_free (contents);
  g_free (launch);
  g_free (made);
  g_free (port_text);
  g_free (r.received);
  g_free (key);
  g_free (cert);
  g_free (dir);
}

GST_END_TEST;

static gboolean
connected_once (gpointer data)
{
  return onair_scripted_connections (data) >= 2;
}

/* Any bitrate, from the property or a relayed station's tags, sizes the
 * socket's buffer without overflow (UBSan checks it in the sanitizer
 * build). */
GST_START_TEST (test_absurd_bitrate)
{
  OnairScripted *server =
      onair_scripted_start (ONAIR_SCRIPTED_PLAIN, serve_and_drop, NULL);
  gchar *location = onair_scripted_location (server, "icecast", "/x.mp3");
  gchar *launch = g_strdup_printf ("%s ! icecastsink location=%s password=pw "
                                   "bitrate=%d reconnect-delay=0",
      MP3_SOURCE, location, G_MAXINT);
  GstElement *pipeline = gst_parse_launch (launch, NULL);

  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  onair_check_wait_until (connected_once, server, 60000,
      "the sink to connect with its buffer sized");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (launch);
  g_free (location);
  onair_scripted_free (server);
}

GST_END_TEST;

/* Log lines at every level, gathered while a test runs. */
static GString *log_text;

static void
gather_log (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
    gpointer user_data)
{
  const gchar *text = gst_debug_message_get (message);

  if (text != NULL) {
    g_string_append (log_text, text);
    g_string_append_c (log_text, '\n');
  }
}

/* A location that is refused, or that fails, never shows its password:
 * not in the GError, not in a log line at any level, not on the bus. */
GST_START_TEST (test_no_password_in_errors_or_logs)
{
  static const gchar *const bad[] = {
    "ftp://dj:s3cret@radio.example/x",
    "http://dj:s3cret@:80/x",
    "gopher://dj:s3cret@radio.example:99999/x",
  };
  GstElement *src, *sink;
  GError *error = NULL;
  guint i;

  log_text = g_string_new (NULL);
  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_for_name ("icecast*", GST_LEVEL_MEMDUMP);
  gst_debug_add_log_function (gather_log, NULL, NULL);

  src = gst_element_factory_make ("icecastsrc", NULL);
  sink = gst_element_factory_make ("icecastsink", NULL);
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), bad[i], &error));
    fail_unless (error != NULL);
    fail_unless (strstr (error->message, "s3cret") == NULL, "%s",
        error->message);
    g_clear_error (&error);
    g_object_set (src, "location", bad[i], NULL);
    fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (sink), bad[i], &error));
    fail_unless (error != NULL);
    fail_unless (strstr (error->message, "s3cret") == NULL, "%s",
        error->message);
    g_clear_error (&error);
    g_object_set (sink, "location", bad[i], NULL);
  }
  gst_debug_remove_log_function (gather_log);
  gst_debug_set_threshold_for_name ("icecast*", GST_LEVEL_NONE);
  /* The refusal was logged, without the password. */
  fail_unless (strstr (log_text->str, "radio.example") != NULL,
      "nothing was logged: %s", log_text->str);
  fail_unless (strstr (log_text->str, "s3cret") == NULL, "%s", log_text->str);
  g_string_free (log_text, TRUE);
  gst_object_unref (src);
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_redacted_locations)
{
  static const gchar *const cases[][2] = {
    { "http://dj:s3cret@host:8000/x", "http://***@host:8000/x" },
    { "icecast://source:a@b@host/live?x=@", "icecast://***@host/live?x=@" },
    { "http://host/path@x", "http://host/path@x" },
    { "http://host/?u=a@b", "http://host/?u=a@b" },
    { "dj:s3cret@host/x", "***@host/x" },
    { "not a location", "not a location" },
    { "", "" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *shown = onair_icecast_redact_location (cases[i][0]);

    fail_unless_equals_string (shown, cases[i][1]);
    g_free (shown);
  }
  fail_unless (onair_icecast_redact_location (NULL) == NULL);
}

GST_END_TEST;

/* The tests whose element makes a TLS handshake run as a program of their
 * own (elements/icecast-security-tls, which sets ONAIR_ICECAST_TLS):
 * LeakSanitizer's thread scan crashes in a process that made GnuTLS
 * handshakes, so that program runs without the leak check. */
static Suite *
icecast_security_suite (void)
{
  Suite *s = suite_create ("icecast-security");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  if (g_getenv ("ONAIR_ICECAST_TLS") != NULL) {
    tcase_add_test (tc, test_tls_downgrade_is_never_silent);
    tcase_add_test (tc, test_silent_tls_server_gets_the_stream);
    return s;
  }
  tcase_add_test (tc, test_redacted_locations);
  tcase_add_test (tc, test_src_requests_exactly_the_named_resource);
  tcase_add_test (tc, test_src_credentials_stay_with_their_location);
  tcase_add_test (tc, test_src_refuses_what_no_request_can_carry);
  tcase_add_test (tc, test_sink_location_replaces_credentials_and_tls);
  tcase_add_test (tc, test_no_password_in_errors_or_logs);
  tcase_add_test (tc, test_title_reply_is_bounded);
  tcase_add_test (tc, test_headers_replaced_while_reconnecting);
  tcase_add_test (tc, test_absurd_bitrate);
  return s;
}

ONAIR_CHECK_MAIN (icecast_security);

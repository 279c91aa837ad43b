/* gst-plugins-onair: a scripted TCP server on loopback, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "loopback-server.h"
#include "scripted-server.h"

struct _OnairScripted {
  OnairScriptedServe serve;
  gpointer data;
  OnairLoopbackServer *loopback;
  GTlsCertificate *certificate;
  GMutex lock;
  GCond cond;
  GPtrArray *requests;
  gboolean handshake_failed;
};

/* The request head, up to its blank line. */
static gchar *
read_request (GInputStream *in)
{
  GString *head = g_string_new (NULL);
  gchar c;

  while (strstr (head->str, "\r\n\r\n") == NULL && head->len < 65536
      && g_input_stream_read (in, &c, 1, NULL, NULL) == 1) {
    g_string_append_c (head, c);
    /* A TLS handshake to a plain server: let the script answer it. */
    if (head->len == 1 && c == 0x16)
      break;
  }
  return g_string_free (head, FALSE);
}

static void
serve_connection (OnairLoopbackServer *loopback, GSocketConnection *conn,
    guint index, gpointer data)
{
  OnairScripted *server = data;
  GIOStream *io = G_IO_STREAM (conn);
  GIOStream *tls = NULL;
  gchar *request;

  if (onair_loopback_server_stopping (loopback))
    return;
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 30);
  if (server->certificate != NULL) {
    tls = g_tls_server_connection_new (io, server->certificate, NULL);
    if (tls == NULL
        || !g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL)) {
      g_mutex_lock (&server->lock);
      server->handshake_failed = TRUE;
      g_cond_broadcast (&server->cond);
      g_mutex_unlock (&server->lock);
      g_clear_object (&tls);
      return;
    }
    io = tls;
  }
  request = read_request (g_io_stream_get_input_stream (io));
  g_mutex_lock (&server->lock);
  g_ptr_array_add (server->requests, g_strdup (request));
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);
  server->serve (server, io, index, request, server->data);
  g_free (request);
  if (tls != NULL) {
    g_io_stream_close (tls, NULL, NULL);
    g_object_unref (tls);
  }
}

static GTlsCertificate *
make_certificate (void)
{
  gchar *dir = onair_check_make_dir ("tls");
  gchar *cmd = g_strdup_printf ("openssl req -x509 -newkey ec "
                                "-pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                                "-days 2 -subj /CN=onair-test -keyout "
                                "%s/key.pem -out %s/cert.pem",
      dir, dir);
  gchar *cert = g_build_filename (dir, "cert.pem", NULL);
  gchar *key = g_build_filename (dir, "key.pem", NULL);
  GTlsCertificate *certificate;
  GError *error = NULL;
  gint status = -1;

  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL)
          && g_spawn_check_wait_status (status, NULL),
      "openssl could not make a certificate (apt-get install openssl)");
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  fail_unless (certificate != NULL, "%s", error ? error->message : "");
  g_free (key);
  g_free (cert);
  g_free (cmd);
  g_free (dir);
  return certificate;
}

OnairScripted *
onair_scripted_start (OnairScriptedFlags flags, OnairScriptedServe serve,
    gpointer data)
{
  OnairScripted *server = g_new0 (OnairScripted, 1);
  GError *error = NULL;

  server->serve = serve;
  server->data = data;
  if (flags & ONAIR_SCRIPTED_TLS)
    server->certificate = make_certificate ();
  server->requests = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->loopback = onair_loopback_server_new (0,
      ((flags & ONAIR_SCRIPTED_SMALL_WINDOW) ? ONAIR_LOOPBACK_SMALL_WINDOW : 0)
          | ((flags & ONAIR_SCRIPTED_CONCURRENT)
                  ? ONAIR_LOOPBACK_THREAD_PER_CONNECTION
                  : 0),
      serve_connection, server, &error);
  fail_unless (server->loopback != NULL, "scripted server: %s",
      error != NULL ? error->message : "");
  return server;
}

void
onair_scripted_free (OnairScripted *server)
{
  onair_loopback_server_free (server->loopback);
  g_ptr_array_unref (server->requests);
  g_clear_object (&server->certificate);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server);
}

guint16
onair_scripted_port (OnairScripted *server)
{
  return onair_loopback_server_port (server->loopback);
}

gchar *
onair_scripted_location (OnairScripted *server, const gchar *scheme,
    const gchar *path)
{
  return g_strdup_printf ("%s://127.0.0.1:%u%s", scheme,
      onair_loopback_server_port (server->loopback), path);
}

guint
onair_scripted_connections (OnairScripted *server)
{
  return onair_loopback_server_connections (server->loopback);
}

guint
onair_scripted_n_requests (OnairScripted *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->requests->len;
  g_mutex_unlock (&server->lock);
  return n;
}

gchar *
onair_scripted_request (OnairScripted *server, guint i)
{
  gchar *request = NULL;

  g_mutex_lock (&server->lock);
  if (i < server->requests->len)
    request = g_strdup (g_ptr_array_index (server->requests, i));
  g_mutex_unlock (&server->lock);
  return request;
}

gboolean
onair_scripted_handshake_failed (OnairScripted *server)
{
  gboolean failed;

  g_mutex_lock (&server->lock);
  failed = server->handshake_failed;
  g_mutex_unlock (&server->lock);
  return failed;
}

gboolean
onair_scripted_quitting (OnairScripted *server)
{
  return onair_loopback_server_stopping (server->loopback);
}

void
onair_scripted_wait_quit (OnairScripted *server)
{
  onair_loopback_server_wait_stop (server->loopback, -1);
}

GSocket *
onair_scripted_socket (GIOStream *io)
{
  GIOStream *base = NULL;
  GSocket *socket;

  if (G_IS_SOCKET_CONNECTION (io))
    return g_socket_connection_get_socket (G_SOCKET_CONNECTION (io));
  g_object_get (io, "base-io-stream", &base, NULL);
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  /* The TLS connection holds its base for as long as @io lives. */
  g_object_unref (base);
  return socket;
}

/* gst-plugins-onair: a scripted TCP server on loopback, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/socket.h>

#include "fixture-scripted.h"

struct _OnairScripted {
  OnairScriptedServe serve;
  gpointer data;
  GSocketListener *listener;
  guint16 port;
  GThread *thread;
  GTlsCertificate *certificate;
  GMutex lock;
  GCond cond;
  gboolean quit;
  guint connections;
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
serve_connection (OnairScripted *server, GSocketConnection *conn, guint index)
{
  GIOStream *io = G_IO_STREAM (conn);
  GIOStream *tls = NULL;
  gchar *request;

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

static gpointer
server_thread (gpointer data)
{
  OnairScripted *server = data;
  GSocketConnection *conn;

  while ((conn = g_socket_listener_accept (server->listener, NULL, NULL, NULL))
      != NULL) {
    guint index;

    g_mutex_lock (&server->lock);
    index = ++server->connections;
    g_cond_broadcast (&server->cond);
    g_mutex_unlock (&server->lock);
    if (!onair_scripted_quitting (server))
      serve_connection (server, conn, index);
    g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    g_object_unref (conn);
    if (onair_scripted_quitting (server))
      break;
  }
  return NULL;
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
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address;
  GError *error = NULL;

  server->serve = serve;
  server->data = data;
  server->port = onair_check_free_port ();
  if (flags & ONAIR_SCRIPTED_TLS)
    server->certificate = make_certificate ();
  fail_unless (socket != NULL);
  /* Set before listening, so that accepted sockets inherit it. */
  if (flags & ONAIR_SCRIPTED_SMALL_WINDOW)
    g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  address = g_inet_socket_address_new (loopback, server->port);
  fail_unless (g_socket_bind (socket, address, TRUE, &error)
          && g_socket_listen (socket, &error),
      "scripted server: %s", error ? error->message : "");
  server->listener = g_socket_listener_new ();
  fail_unless (
      g_socket_listener_add_socket (server->listener, socket, NULL, NULL));
  g_object_unref (address);
  g_object_unref (loopback);
  g_object_unref (socket);
  server->requests = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->thread = g_thread_new ("onair-scripted", server_thread, server);
  return server;
}

void
onair_scripted_free (OnairScripted *server)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *poke;

  g_mutex_lock (&server->lock);
  server->quit = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);
  /* Wakes a thread waiting in accept. */
  poke = g_socket_client_connect_to_host (client, "127.0.0.1", server->port,
      NULL, NULL);
  g_clear_object (&poke);
  g_object_unref (client);
  g_thread_join (server->thread);
  g_socket_listener_close (server->listener);
  g_object_unref (server->listener);
  g_ptr_array_unref (server->requests);
  g_clear_object (&server->certificate);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server);
}

guint16
onair_scripted_port (OnairScripted *server)
{
  return server->port;
}

gchar *
onair_scripted_location (OnairScripted *server, const gchar *scheme,
    const gchar *path)
{
  return g_strdup_printf ("%s://127.0.0.1:%u%s", scheme, server->port, path);
}

guint
onair_scripted_connections (OnairScripted *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->connections;
  g_mutex_unlock (&server->lock);
  return n;
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
  gboolean quit;

  g_mutex_lock (&server->lock);
  quit = server->quit;
  g_mutex_unlock (&server->lock);
  return quit;
}

void
onair_scripted_wait_quit (OnairScripted *server)
{
  g_mutex_lock (&server->lock);
  while (!server->quit)
    g_cond_wait (&server->cond, &server->lock);
  g_mutex_unlock (&server->lock);
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

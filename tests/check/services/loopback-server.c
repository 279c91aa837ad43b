/* gst-plugins-onair: the listening core of the loopback servers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>

#include "loopback-server.h"

struct _OnairLoopbackServer {
  OnairLoopbackFlags flags;
  OnairLoopbackServe serve;
  gpointer data;
  GSocket *listener;
  guint16 port;
  GCancellable *cancel;
  GThread *thread;

  GMutex lock;
  GCond cond;
  gboolean stopping;
  guint connections;
  guint active; /* callbacks running on threads of their own */
};

typedef struct {
  OnairLoopbackServer *server;
  GSocketConnection *conn;
  guint index;
} Connection;

static void
serve_and_close (OnairLoopbackServer *server, GSocketConnection *conn,
    guint index)
{
  server->serve (server, conn, index, server->data);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);
}

static gpointer
connection_thread (gpointer user_data)
{
  Connection *c = user_data;
  OnairLoopbackServer *server = c->server;

  serve_and_close (server, c->conn, c->index);
  g_free (c);
  g_mutex_lock (&server->lock);
  server->active--;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);
  return NULL;
}

static gpointer
accept_thread (gpointer user_data)
{
  OnairLoopbackServer *server = user_data;
  GSocket *socket;

  while ((socket = g_socket_accept (server->listener, server->cancel, NULL))
      != NULL) {
    GSocketConnection *conn =
        g_socket_connection_factory_create_connection (socket);
    guint index;

    g_object_unref (socket);
    g_mutex_lock (&server->lock);
    if (server->stopping) {
      g_mutex_unlock (&server->lock);
      g_object_unref (conn);
      break;
    }
    index = ++server->connections;
    if (server->flags & ONAIR_LOOPBACK_THREAD_PER_CONNECTION)
      server->active++;
    g_cond_broadcast (&server->cond);
    g_mutex_unlock (&server->lock);

    if (server->flags & ONAIR_LOOPBACK_THREAD_PER_CONNECTION) {
      Connection *c = g_new0 (Connection, 1);

      c->server = server;
      c->conn = conn;
      c->index = index;
      g_thread_unref (g_thread_new ("onair-serve", connection_thread, c));
    } else {
      serve_and_close (server, conn, index);
    }
  }
  return NULL;
}

OnairLoopbackServer *
onair_loopback_server_new (guint16 port, OnairLoopbackFlags flags,
    OnairLoopbackServe serve, gpointer data, GError **error)
{
  OnairLoopbackServer *server = g_new0 (OnairLoopbackServer, 1);
  GInetAddress *loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *address = g_inet_socket_address_new (loopback, port);
  GSocketAddress *bound = NULL;

  server->flags = flags;
  server->serve = serve;
  server->data = data;
  server->cancel = g_cancellable_new ();
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  g_object_unref (loopback);

  server->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, error);
  if (server->listener == NULL)
    goto failed;
  /* Set before listening, so that accepted sockets inherit it. */
  if (flags & ONAIR_LOOPBACK_SMALL_WINDOW)
    g_socket_set_option (server->listener, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  if (!g_socket_bind (server->listener, address, TRUE, error)
      || !g_socket_listen (server->listener, error))
    goto failed;
  bound = g_socket_get_local_address (server->listener, error);
  if (bound == NULL)
    goto failed;
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (address);
  server->thread = g_thread_new ("onair-accept", accept_thread, server);
  return server;

failed:
  g_object_unref (address);
  onair_loopback_server_free (server);
  return NULL;
}

void
onair_loopback_server_free (OnairLoopbackServer *server)
{
  if (server == NULL)
    return;
  g_mutex_lock (&server->lock);
  server->stopping = TRUE;
  g_cond_broadcast (&server->cond);
  g_mutex_unlock (&server->lock);

  g_cancellable_cancel (server->cancel);
  if (server->thread != NULL)
    g_thread_join (server->thread);
  g_mutex_lock (&server->lock);
  while (server->active > 0)
    g_cond_wait (&server->cond, &server->lock);
  g_mutex_unlock (&server->lock);

  if (server->listener != NULL) {
    g_socket_close (server->listener, NULL);
    g_object_unref (server->listener);
  }
  g_object_unref (server->cancel);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server);
}

guint16
onair_loopback_server_port (OnairLoopbackServer *server)
{
  return server->port;
}

guint
onair_loopback_server_connections (OnairLoopbackServer *server)
{
  guint n;

  g_mutex_lock (&server->lock);
  n = server->connections;
  g_mutex_unlock (&server->lock);
  return n;
}

gboolean
onair_loopback_server_stopping (OnairLoopbackServer *server)
{
  gboolean stopping;

  g_mutex_lock (&server->lock);
  stopping = server->stopping;
  g_mutex_unlock (&server->lock);
  return stopping;
}

gboolean
onair_loopback_server_wait_stop (OnairLoopbackServer *server, gint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean stopping;

  g_mutex_lock (&server->lock);
  while (!server->stopping) {
    if (timeout_ms < 0)
      g_cond_wait (&server->cond, &server->lock);
    else if (!g_cond_wait_until (&server->cond, &server->lock, end))
      break;
  }
  stopping = server->stopping;
  g_mutex_unlock (&server->lock);
  return stopping;
}

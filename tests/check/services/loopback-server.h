/* gst-plugins-onair: the listening core of every loopback server the tests
 * and benchmarks run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Binds 127.0.0.1 (a given port, or a free one), accepts on a thread of its
 * own and hands each connection to a serve callback: on the accepting thread,
 * one connection after the other, or on a thread per connection.  Stopping
 * cancels the accept, tells the callbacks (onair_loopback_server_stopping()
 * turns TRUE and onair_loopback_server_wait_stop() returns) and waits for
 * every callback to return, so nothing of the server outlives it.  Plain GIO,
 * no gst-check: services that run as programs of their own use it too.
 */
#ifndef __ONAIR_LOOPBACK_SERVER_H__
#define __ONAIR_LOOPBACK_SERVER_H__

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _OnairLoopbackServer OnairLoopbackServer;

typedef enum {
  /* Each connection on a thread of its own (else one after the other, on
   * the accepting thread). */
  ONAIR_LOOPBACK_THREAD_PER_CONNECTION = 1 << 0,
  /* A 4 KiB receive window on every accepted socket: a server that stops
   * reading makes its client block within seconds, not after megabytes. */
  ONAIR_LOOPBACK_SMALL_WINDOW = 1 << 1,
} OnairLoopbackFlags;

/* Serves connection @index (from 1).  The server closes and releases @conn
 * when the callback returns. */
typedef void (*OnairLoopbackServe) (OnairLoopbackServer *server,
    GSocketConnection *conn, guint index, gpointer data);

/* Listens on 127.0.0.1:@port (0: a free port the system picks).  Returns NULL
 * with @error set when the port cannot be bound. */
OnairLoopbackServer *
onair_loopback_server_new (guint16 port, OnairLoopbackFlags flags,
    OnairLoopbackServe serve, gpointer data, GError **error);
/* Stops and frees the server (see above); NULL is ignored. */
void onair_loopback_server_free (OnairLoopbackServer *server);

guint16 onair_loopback_server_port (OnairLoopbackServer *server);
/* Connections accepted so far. */
guint onair_loopback_server_connections (OnairLoopbackServer *server);

/* For serve callbacks: TRUE once the server is being stopped. */
gboolean onair_loopback_server_stopping (OnairLoopbackServer *server);
/* For serve callbacks: blocks until the server is being stopped, or until
 * @timeout_ms passed (-1: no limit).  Returns TRUE when it is stopping. */
gboolean
onair_loopback_server_wait_stop (OnairLoopbackServer *server, gint timeout_ms);

G_END_DECLS

#endif /* __ONAIR_LOOPBACK_SERVER_H__ */

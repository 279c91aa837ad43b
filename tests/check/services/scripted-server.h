/* gst-plugins-onair: a scripted TCP server on loopback, for the faults a
 * real server will not produce on demand
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __ONAIR_SCRIPTED_SERVER_H__
#define __ONAIR_SCRIPTED_SERVER_H__

#include "onair-check.h"

G_BEGIN_DECLS

typedef struct _OnairScripted OnairScripted;

typedef enum {
  ONAIR_SCRIPTED_PLAIN = 0,
  /* TLS with a fresh self-signed certificate (made with openssl) */
  ONAIR_SCRIPTED_TLS = 1 << 0,
  /* A 4 KiB receive window: a server that stops reading makes its client
   * block within seconds, not after megabytes. */
  ONAIR_SCRIPTED_SMALL_WINDOW = 1 << 1,
  /* Each connection on a thread of its own (a client that opens a second
   * connection while the first one streams); else one after the other. */
  ONAIR_SCRIPTED_CONCURRENT = 1 << 2,
} OnairScriptedFlags;

/* Serves connection @index (from 1) on the server's thread, after the TLS
 * handshake when there is one and after reading the request head (up to
 * its blank line; a client speaking TLS to a plain server gets its first
 * byte as the request).  @io is the connection, or the TLS connection over
 * it; the server closes it afterwards.  Its socket has a 30 s timeout. */
typedef void (*OnairScriptedServe) (OnairScripted *server, GIOStream *io,
    guint index, const gchar *request, gpointer data);

/* Listens on a free loopback port and serves connections (one at a time
 * unless ONAIR_SCRIPTED_CONCURRENT).
 * Fails the test when the server cannot start. */
OnairScripted *onair_scripted_start (OnairScriptedFlags flags,
    OnairScriptedServe serve, gpointer data);
/* Stops the server: serve callbacks see onair_scripted_quitting() and
 * onair_scripted_wait_quit() returns; then joins its thread. */
void onair_scripted_free (OnairScripted *server);

guint16 onair_scripted_port (OnairScripted *server);
/* "SCHEME://127.0.0.1:PORT" followed by @path */
gchar *onair_scripted_location (OnairScripted *server, const gchar *scheme,
    const gchar *path);
guint onair_scripted_connections (OnairScripted *server);
guint onair_scripted_n_requests (OnairScripted *server);
/* A copy of request head @i (from 0), NULL when there is none. */
gchar *onair_scripted_request (OnairScripted *server, guint i);
/* TRUE once a client's TLS handshake failed. */
gboolean onair_scripted_handshake_failed (OnairScripted *server);

/* For serve callbacks: TRUE once the server is being freed. */
gboolean onair_scripted_quitting (OnairScripted *server);
/* For serve callbacks: blocks until the server is being freed. */
void onair_scripted_wait_quit (OnairScripted *server);
/* For serve callbacks: the plain socket under @io. */
GSocket *onair_scripted_socket (GIOStream *io);

G_END_DECLS

#endif /* __ONAIR_SCRIPTED_SERVER_H__ */

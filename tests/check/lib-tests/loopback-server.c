/* gst-plugins-onair: the loopback-server core of the test services
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "loopback-server.h"
#include "onair-check.h"

#include <string.h>

typedef struct {
  GMutex lock;
  GArray *indices; /* the index of every callback, in the order they began */
  guint running; /* callbacks inside serve at once, at most */
  guint inside;
  gboolean hold; /* callbacks wait for the server to stop */
  gboolean saw_stopping;
} Record;

static void
serve_echo (OnairLoopbackServer *server, GSocketConnection *conn, guint index,
    gpointer data)
{
  Record *r = data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  gchar *line = g_strdup_printf ("%u\n", index);

  g_mutex_lock (&r->lock);
  g_array_append_val (r->indices, index);
  r->inside++;
  r->running = MAX (r->running, r->inside);
  g_mutex_unlock (&r->lock);
  g_output_stream_write_all (out, line, strlen (line), NULL, NULL, NULL);
  g_free (line);
  if (r->hold) {
    gboolean stopping = onair_loopback_server_wait_stop (server, -1);

    g_mutex_lock (&r->lock);
    r->saw_stopping = stopping && onair_loopback_server_stopping (server);
    g_mutex_unlock (&r->lock);
  }
  g_mutex_lock (&r->lock);
  r->inside--;
  g_mutex_unlock (&r->lock);
}

static Record *
record_new (gboolean hold)
{
  Record *r = g_new0 (Record, 1);

  g_mutex_init (&r->lock);
  r->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  r->hold = hold;
  return r;
}

static void
record_free (Record *r)
{
  g_array_unref (r->indices);
  g_mutex_clear (&r->lock);
  g_free (r);
}

/* Connects, and returns the line the server wrote first. */
static gchar *
connect_and_read (guint16 port, GSocketConnection **keep)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn =
      g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  GDataInputStream *in;
  gchar *line;

  fail_unless (conn != NULL, "nothing listens on %u", port);
  in = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  g_object_unref (in);
  if (keep != NULL)
    *keep = conn;
  else
    g_object_unref (conn);
  g_object_unref (client);
  return line;
}

typedef struct {
  Record *record;
  guint inside;
} Inside;

static gboolean
enough_inside (gpointer user_data)
{
  Inside *w = user_data;
  gboolean done;

  g_mutex_lock (&w->record->lock);
  done = w->record->inside >= w->inside;
  g_mutex_unlock (&w->record->lock);
  return done;
}

GST_START_TEST (test_serial_connections_in_order)
{
  Record *r = record_new (FALSE);
  GError *error = NULL;
  OnairLoopbackServer *server =
      onair_loopback_server_new (0, 0, serve_echo, r, &error);
  guint i;

  fail_unless (server != NULL, "%s", error ? error->message : "");
  fail_unless (onair_loopback_server_port (server) != 0);
  fail_if (onair_loopback_server_stopping (server));
  for (i = 1; i <= 3; i++) {
    gchar *line = connect_and_read (onair_loopback_server_port (server), NULL);
    gchar *want = g_strdup_printf ("%u", i);

    fail_unless_equals_string (line, want);
    g_free (want);
    g_free (line);
  }
  fail_unless_equals_int (onair_loopback_server_connections (server), 3);
  onair_loopback_server_free (server);
  fail_unless_equals_int (r->indices->len, 3);
  fail_unless_equals_int (r->running, 1);
  record_free (r);
}

GST_END_TEST;

/* Connections held open at once each get a thread, and stopping the server
 * wakes them and waits for every one of them. */
GST_START_TEST (test_thread_per_connection_and_stop)
{
  Record *r = record_new (TRUE);
  OnairLoopbackServer *server = onair_loopback_server_new (0,
      ONAIR_LOOPBACK_THREAD_PER_CONNECTION, serve_echo, r, NULL);
  GSocketConnection *conns[3];
  Inside wait = { r, 3 };
  guint i;

  fail_unless (server != NULL);
  for (i = 0; i < 3; i++)
    g_free (connect_and_read (onair_loopback_server_port (server), &conns[i]));
  onair_check_wait_until (enough_inside, &wait, 30000, "three callbacks");
  fail_unless (!onair_loopback_server_wait_stop (server, 10));
  onair_loopback_server_free (server);
  /* Every callback has returned, and each saw the server stopping. */
  fail_unless_equals_int (r->inside, 0);
  fail_unless_equals_int (r->running, 3);
  fail_unless (r->saw_stopping);
  for (i = 0; i < 3; i++)
    g_object_unref (conns[i]);
  record_free (r);
}

GST_END_TEST;

GST_START_TEST (test_taken_port_is_an_error)
{
  Record *r = record_new (FALSE);
  OnairLoopbackServer *first =
      onair_loopback_server_new (0, 0, serve_echo, r, NULL);
  OnairLoopbackServer *second;
  GError *error = NULL;

  fail_unless (first != NULL);
  second = onair_loopback_server_new (onair_loopback_server_port (first), 0,
      serve_echo, r, &error);
  fail_unless (second == NULL);
  fail_unless (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE),
      "%s", error ? error->message : "no error");
  g_error_free (error);
  onair_loopback_server_free (first);
  onair_loopback_server_free (NULL);
  record_free (r);
}

GST_END_TEST;

static Suite *
loopback_server_suite (void)
{
  Suite *s = suite_create ("loopback-server");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_serial_connections_in_order);
  tcase_add_test (tc, test_thread_per_connection_and_stop);
  tcase_add_test (tc, test_taken_port_is_an_error);
  return s;
}

ONAIR_CHECK_MAIN (loopback_server);

/* gst-plugins-onair: a listener-side ICY server for the icecastsrc
 * benchmark, in its own process so that its CPU time is not counted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bench-icecastsrc --serve MP3FILE fast BYTES: every connection gets BYTES
 *   of body as fast as it reads, then EOF;
 * bench-icecastsrc --serve MP3FILE paced: every connection gets 128 kbit/s
 *   of audio in real time until it leaves.
 *
 * The body is the MP3 file over and over with an ICY metadata block after
 * every 16000 audio bytes (a title change every 16 blocks), as Icecast
 * sends it.  Prints the port it listens on, then serves until killed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <gio/gio.h>

#include "icecastsrc-server.h"
#include "loopback-server.h"

#define METAINT 16000
#define INTERVALS 16

static GByteArray *image;
static gboolean paced;
static guint64 fast_bytes;

static const gchar head[] = "HTTP/1.0 200 OK\r\n"
                            "Content-Type: audio/mpeg\r\n"
                            "icy-br:128\r\n"
                            "icy-name:Benchmark\r\n"
                            "icy-metaint:16000\r\n"
                            "Connection: Close\r\n\r\n";

/* INTERVALS intervals of audio, each followed by its block; repeating the
 * image keeps every block at its place. */
static void
build_image (const guint8 *mp3, gsize size)
{
  gsize at = 0;
  guint i, j;

  image = g_byte_array_new ();
  for (i = 0; i < INTERVALS; i++) {
    for (j = 0; j < METAINT;) {
      gsize n = MIN (METAINT - j, size - at);

      g_byte_array_append (image, mp3 + at, n);
      j += n;
      at = (at + n) % size;
    }
    if (i == 0) {
      gchar text[64];
      guint8 length;
      gsize len;

      g_snprintf (text, sizeof (text), "StreamTitle='Benchmark - Song';");
      len = strlen (text);
      length = (len + 15) / 16;
      g_byte_array_append (image, &length, 1);
      g_byte_array_append (image, (const guint8 *) text, len);
      g_byte_array_set_size (image, image->len + length * 16 - len);
    } else {
      guint8 zero = 0;

      g_byte_array_append (image, &zero, 1);
    }
  }
}

static gboolean
send_all (int fd, const guint8 *data, gsize size)
{
  while (size > 0) {
    ssize_t n = send (fd, data, size, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    size -= n;
  }
  return TRUE;
}

static void
serve (OnairLoopbackServer *server, GSocketConnection *conn, guint index,
    gpointer data)
{
  int fd = g_socket_get_fd (g_socket_connection_get_socket (conn));
  gchar request[4096];
  gsize have = 0;

  /* The request head; its content does not matter. */
  while (have < sizeof (request) - 1) {
    ssize_t n = recv (fd, request + have, sizeof (request) - 1 - have, 0);

    if (n <= 0)
      break;
    have += n;
    request[have] = '\0';
    if (strstr (request, "\r\n\r\n") != NULL)
      break;
  }
  if (!send_all (fd, (const guint8 *) head, strlen (head)))
    goto done;
  if (!paced) {
    guint64 left = fast_bytes;

    while (left > 0) {
      gsize n = MIN (left, image->len);

      if (!send_all (fd, image->data, n))
        break;
      left -= n;
    }
  } else {
    /* 16000 audio bytes and their block a second, in tenths. */
    gsize chunk = image->len / INTERVALS / 10;
    gsize at = 0;
    struct timespec next;

    clock_gettime (CLOCK_MONOTONIC, &next);
    for (;;) {
      gsize n = MIN (chunk, image->len - at);

      if (!send_all (fd, image->data + at, n))
        break;
      at = (at + n) % image->len;
      next.tv_nsec += 100 * 1000 * 1000;
      if (next.tv_nsec >= 1000 * 1000 * 1000) {
        next.tv_sec++;
        next.tv_nsec -= 1000 * 1000 * 1000;
      }
      clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
  }
done:
  shutdown (fd, SHUT_RDWR);
}

int
onair_bench_icy_serve (int argc, char **argv)
{
  OnairLoopbackServer *server;
  GError *error = NULL;
  gchar *mp3 = NULL;
  gsize size = 0;

  if (argc < 3 || !g_file_get_contents (argv[1], &mp3, &size, NULL)
      || size == 0) {
    g_printerr ("usage: --serve MP3FILE fast BYTES | MP3FILE paced\n");
    return 2;
  }
  paced = g_str_equal (argv[2], "paced");
  if (!paced)
    fast_bytes = argc > 3 ? g_ascii_strtoull (argv[3], NULL, 10) : 0;
  build_image ((const guint8 *) mp3, size);
  signal (SIGPIPE, SIG_IGN);

  server = onair_loopback_server_new (0, ONAIR_LOOPBACK_THREAD_PER_CONNECTION,
      serve, NULL, &error);
  if (server == NULL) {
    g_printerr ("cannot listen: %s\n", error->message);
    return 1;
  }
  g_print ("%u\n", onair_loopback_server_port (server));
  fflush (stdout);
  onair_loopback_server_wait_stop (server, -1);
  return 0;
}

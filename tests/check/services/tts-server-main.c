/* gst-plugins-onair: onair-tts-server, the test speech API on its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Serves POST /v1/audio/speech (OpenAI-compatible) with espeak-ng speech,
 * for trying examples/tts-client and the demo without a real service:
 *
 *   onair-tts-server --port 8000 --delay 300 --pace 1 --stall-at 1000 --stall 500
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <glib-unix.h>
#include <gst/gst.h>

#include "tts-server.h"

static gboolean
quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  OnairTtsPacing pacing = ONAIR_TTS_PACING_INIT;
  gint port = 8000, delay = 0, chunk = 20, stall_at = 0, stall = 0;
  gdouble pace = 1.0;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port,
        "TCP port on 127.0.0.1 (0 = any free one; default 8000)", "PORT" },
    { "delay", 'd', 0, G_OPTION_ARG_INT, &delay,
        "Milliseconds before the first byte (default 0)", "MS" },
    { "pace", 0, 0, G_OPTION_ARG_DOUBLE, &pace,
        "Seconds of speech sent per second: 1 is real time, 2 twice as fast, "
        "0 all at once (default 1)",
        "FACTOR" },
    { "chunk", 'c', 0, G_OPTION_ARG_INT, &chunk,
        "Milliseconds of speech per chunk (default 20)", "MS" },
    { "stall-at", 0, 0, G_OPTION_ARG_INT, &stall_at,
        "Stall once this many milliseconds of speech were sent "
        "(default 0: never)",
        "MS" },
    { "stall", 0, 0, G_OPTION_ARG_INT, &stall,
        "How long the stall lasts, in milliseconds", "MS" },
    { NULL },
  };
  GOptionContext *ctx;
  GError *err = NULL;
  OnairTtsServer *server;
  GMainLoop *loop;

  ctx = g_option_context_new ("- a local OpenAI-compatible speech API");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (port < 0 || port > 65535 || delay < 0 || chunk <= 0 || stall_at < 0
      || stall < 0 || pace < 0) {
    g_printerr ("invalid option value\n");
    return 2;
  }

  pacing.delay_ms = delay;
  pacing.pace = pace;
  pacing.chunk_ms = chunk;
  pacing.stall_at_ms = stall_at;
  pacing.stall_ms = stall;
  server = onair_tts_server_new (port, &err);
  if (server == NULL) {
    g_printerr ("cannot listen on port %d: %s\n", port, err->message);
    return 1;
  }
  onair_tts_server_set_pacing (server, &pacing);
  g_print ("http://127.0.0.1:%u/v1/audio/speech\n",
      onair_tts_server_port (server));
  /* Scripts read the address from a pipe or a file. */
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit, loop);
  g_unix_signal_add (SIGTERM, quit, loop);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  onair_tts_server_free (server);
  return 0;
}

/* gst-plugins-onair: CPU per byte of icecastsrc against souphttpsrc +
 * icydemux and a raw socket reader, and CPU per real-time listener
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A server process (this program with --serve) sends an MP3 stream with
 * icy-metaint=16000 as fast as loopback allows; the same number of bytes
 * goes, one after the other, to icecastsrc ! fakesink, to souphttpsrc !
 * icydemux ! fakesink, to a raw socket reader that only counts bytes, and to
 * curl -o /dev/null.  Then 50 listeners of a real-time stream run in this
 * process, once with icecastsrc and once with souphttpsrc ! icydemux.
 *
 * ONAIR_BENCH_GB (default 3) sets the bytes per client, split into three
 * rounds of which the best counts; ONAIR_BENCH_SECONDS (default 10) the
 * time the real-time listeners are measured.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "onair-bench.h"
#include "icecastsrc-server.h"

#define BENCH "icecastsrc"
#define LISTENERS 50
/* The raw reader reads what icecastsrc reads at a time. */
#define RAW_READ (256 * 1024)
#define ROUNDS 3

typedef struct {
  GPid pid;
  guint16 port;
} Server;

static gchar *
encode_mp3 (void)
{
  gchar *path =
      g_build_filename (g_get_tmp_dir (), "onair-bench-icy.mp3", NULL);
  gchar *desc = g_strdup_printf ("audiotestsrc num-buffers=430 "
                                 "wave=pink-noise ! audioconvert ! "
                                 "lamemp3enc target=bitrate bitrate=128 "
                                 "cbr=true ! filesink location=%s",
      path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS)
    g_error (
        "could not encode MP3 (lamemp3enc from gstreamer1.0-plugins-good)");
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
  return path;
}

static Server
server_start (const gchar *mp3, const gchar *mode, guint64 bytes)
{
  gchar *self = g_file_read_link ("/proc/self/exe", NULL);
  gchar *count = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  gchar *argv[] = { self, "--serve", (gchar *) mp3, (gchar *) mode, count,
    NULL };
  Server server = { 0, 0 };
  gint out = -1;
  gchar line[16] = { 0 };
  GError *error = NULL;

  if (!g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          &server.pid, NULL, &out, NULL, &error))
    g_error ("server: %s", error->message);
  if (read (out, line, sizeof (line) - 1) <= 0)
    g_error ("the server did not start");
  server.port = (guint16) atoi (line);
  close (out);
  g_free (count);
  g_free (self);
  return server;
}

static void
server_stop (Server *server)
{
  kill (server->pid, SIGTERM);
  waitpid (server->pid, NULL, 0);
  g_spawn_close_pid (server->pid);
}

/* The CPU clock starts at the first buffer: what is measured is the cost
 * per byte, not loading plugins or the TLS backend. */
static GstPadProbeReturn
start_clock (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  gdouble *cpu = data;

  *cpu = onair_bench_cpu_seconds ();
  return GST_PAD_PROBE_REMOVE;
}

/* CPU seconds this process spends running @desc from its first buffer to
 * its end. */
static gdouble
run_pipeline (const gchar *desc)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gdouble cpu = 0;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, start_clock, &cpu, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    g_error ("%s: %s", desc, error->message);
  }
  cpu = onair_bench_cpu_seconds () - cpu;
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return cpu;
}

/* The floor: read the socket, count, nothing else. */
static gdouble
run_raw_reader (guint16 port, guint64 *received)
{
  static const gchar request[] = "GET / HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n";
  struct sockaddr_in addr = { 0 };
  gchar *buffer = g_malloc (RAW_READ);
  gdouble cpu = onair_bench_cpu_seconds ();
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  ssize_t n;

  addr.sin_family = AF_INET;
  addr.sin_port = htons (port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0
      || send (fd, request, strlen (request), 0) < 0)
    g_error ("raw reader cannot connect");
  *received = 0;
  while ((n = recv (fd, buffer, RAW_READ, 0)) > 0)
    *received += n;
  close (fd);
  g_free (buffer);
  return onair_bench_cpu_seconds () - cpu;
}

/* curl's CPU time, from its own rusage. */
static gdouble
run_curl (guint16 port)
{
  gchar *url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  gchar *argv[] = { "curl", "-s", "-o", "/dev/null", "-H", "Icy-MetaData: 1",
    url, NULL };
  GPid pid;
  struct rusage ru;
  int status;

  if (!g_spawn_async (NULL, argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
          NULL))
    return -1;
  wait4 (pid, &status, 0, &ru);
  g_spawn_close_pid (pid);
  g_free (url);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
      + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of @n listeners (@element, then @after) over @seconds, after
 * they settle. */
static gdouble
run_listeners (const gchar *element, const gchar *after, guint16 port, guint n,
    guint seconds)
{
  GString *desc = g_string_new (NULL);
  GstElement *pipeline;
  gdouble cpu;
  guint i;

  for (i = 0; i < n; i++) {
    g_string_append_printf (desc,
        "%s location=http://127.0.0.1:%u/ %s ! "
        "fakesink sync=false async=false ",
        element, port, after);
  }
  pipeline = gst_parse_launch (desc->str, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_usleep (2 * G_USEC_PER_SEC);
  cpu = onair_bench_cpu_seconds ();
  g_usleep (seconds * G_USEC_PER_SEC);
  cpu = onair_bench_cpu_seconds () - cpu;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_string_free (desc, TRUE);
  return cpu;
}

int
main (int argc, char **argv)
{
  const gchar *gb_env = g_getenv ("ONAIR_BENCH_GB");
  const gchar *s_env = g_getenv ("ONAIR_BENCH_SECONDS");
  gdouble gb = gb_env != NULL ? g_ascii_strtod (gb_env, NULL) : 3.0;
  guint seconds = s_env != NULL ? (guint) atoi (s_env) : 10;
  guint64 bytes, raw_bytes = 0;
  guint round;
  gchar *mp3, *desc;
  Server server;
  gdouble raw, ours, soup, curl, ours_rt, soup_rt;

  if (argc > 1 && g_str_equal (argv[1], "--serve"))
    return onair_bench_icy_serve (argc - 1, argv + 1);

  gst_init (&argc, &argv);
  if (gst_element_factory_find ("icecastsrc") == NULL)
    g_error ("icecastsrc not found (GST_PLUGIN_PATH)");
  if (gst_element_factory_find ("icydemux") == NULL
      || gst_element_factory_find ("souphttpsrc") == NULL)
    g_error ("souphttpsrc/icydemux missing (gstreamer1.0-plugins-good)");
  mp3 = encode_mp3 ();
  bytes = (guint64) (gb * 1e9 / ROUNDS);
  raw = ours = soup = curl = G_MAXDOUBLE;
  /* The clients take turns, and each keeps its best round: on a shared
   * machine a round can lose time to other work, never gain it. */
  for (round = 0; round < ROUNDS; round++) {
    server = server_start (mp3, "fast", bytes);
    raw = MIN (raw, run_raw_reader (server.port, &raw_bytes));
    if (raw_bytes < bytes)
      g_error ("the raw reader got %" G_GUINT64_FORMAT " bytes", raw_bytes);
    desc = g_strdup_printf ("icecastsrc location=http://127.0.0.1:%u/ "
                            "reconnect=false ! fakesink name=out sync=false",
        server.port);
    ours = MIN (ours, run_pipeline (desc));
    g_free (desc);
    desc = g_strdup_printf ("souphttpsrc location=http://127.0.0.1:%u/ ! "
                            "icydemux ! fakesink name=out sync=false",
        server.port);
    soup = MIN (soup, run_pipeline (desc));
    g_free (desc);
    curl = MIN (curl, run_curl (server.port));
    server_stop (&server);
  }

  onair_bench_report (BENCH, "icecastsrc ! fakesink, CPU per GB", "cpu-s/GB",
      ours / (bytes / 1e9), "raw socket reader", raw / (bytes / 1e9),
      "<= 1.3x the raw reader");
  onair_bench_report (BENCH, "souphttpsrc ! icydemux ! fakesink, CPU per GB",
      "cpu-s/GB", soup / (bytes / 1e9), "raw socket reader",
      raw / (bytes / 1e9), "measured about 1.8x before");
  if (curl > 0 && curl < G_MAXDOUBLE)
    onair_bench_report (BENCH, "curl -o /dev/null, CPU per GB", "cpu-s/GB",
        curl / (bytes / 1e9), "raw socket reader", raw / (bytes / 1e9), NULL);
  onair_bench_report (BENCH, "icecastsrc against souphttpsrc + icydemux",
      "cpu-s/GB", ours / (bytes / 1e9), "souphttpsrc ! icydemux",
      soup / (bytes / 1e9), "< 1");

  /* souphttpsrc alone leaves the metadata in: the anchor is with
   * icydemux. */
  server = server_start (mp3, "paced", 0);
  ours_rt = run_listeners ("icecastsrc", "", server.port, LISTENERS, seconds);
  soup_rt = run_listeners ("souphttpsrc", "! icydemux", server.port, LISTENERS,
      seconds);
  server_stop (&server);
  onair_bench_report (BENCH, "50 real-time listeners, CPU per listener",
      "% of a core", 100.0 * ours_rt / (LISTENERS * seconds),
      "souphttpsrc ! icydemux", 100.0 * soup_rt / (LISTENERS * seconds), "< 1");

  g_unlink (mp3);
  g_free (mp3);
  return 0;
}

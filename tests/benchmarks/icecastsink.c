/* gst-plugins-onair: icecastsink against shout2send, into a real icecast2
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 50 streams of the same 128 kbit/s MP3 file, paced in real time for 30 s:
 * one process with 50 icecastsinks, then one with 50 shout2sends (each a
 * child of this program, so that each has its own CPU and memory figures).
 * Then the time from PLAYING to the mount being on the air, over 20
 * connects of each.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <glib/gstdio.h>

#include "onair-bench.h"
#include "icecast-service.h"

#define STREAMS 50
#define SECONDS 30
#define CONNECTS 20

static gchar *
stream_desc (const gchar *element, const gchar *file, guint16 port,
    const gchar *password, const gchar *mount)
{
  if (g_str_equal (element, "icecastsink"))
    return g_strdup_printf ("filesrc location=%s ! mpegaudioparse ! "
                            "icecastsink "
                            "location=icecast://source:%s@127.0.0.1:%u%s",
        file, password, port, mount);
  return g_strdup_printf ("filesrc location=%s ! mpegaudioparse ! "
                          "shout2send ip=127.0.0.1 port=%u password=%s "
                          "mount=%s",
      file, port, password, mount);
}

/* The child: runs the streams, prints "cpu-seconds peak-rss-bytes". */
static int
run_worker (const gchar *element, const gchar *file, guint16 port,
    const gchar *password)
{
  GstElement *pipelines[STREAMS];
  gdouble cpu;
  guint i;

  for (i = 0; i < STREAMS; i++) {
    gchar *mount = g_strdup_printf ("/bench-%s-%u.mp3", element, i);
    gchar *desc = stream_desc (element, file, port, password, mount);

    pipelines[i] = gst_parse_launch (desc, NULL);
    g_assert (pipelines[i] != NULL);
    gst_element_set_state (pipelines[i], GST_STATE_PLAYING);
    g_free (desc);
    g_free (mount);
  }
  /* The streams run paced by the clock (or by libshout) meanwhile. */
  g_usleep (SECONDS * G_USEC_PER_SEC);
  for (i = 0; i < STREAMS; i++) {
    GstMessage *err = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipelines[i]),
        GST_MESSAGE_ERROR);

    if (err != NULL) {
      g_printerr ("%s stream %u failed\n", element, i);
      return 1;
    }
    gst_element_set_state (pipelines[i], GST_STATE_NULL);
    gst_object_unref (pipelines[i]);
  }
  cpu = onair_bench_cpu_seconds ();
  g_print ("%f %f\n", cpu, onair_bench_peak_rss ());
  return 0;
}

static void
measure_worker (const gchar *self, const gchar *element, const gchar *file,
    OnairIcecast *ice, gdouble *cpu, gdouble *rss)
{
  gchar *port = g_strdup_printf ("%u", onair_icecast_port (ice));
  gchar *argv[] = { (gchar *) self, "--worker", (gchar *) element,
    (gchar *) file, port, (gchar *) onair_icecast_source_password (ice), NULL };
  gchar *out = NULL;
  gint status;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
          &status, NULL)
      || !g_spawn_check_wait_status (status, NULL)
      || sscanf (out, "%lf %lf", cpu, rss) != 2)
    g_error ("the %s worker failed", element);
  g_free (out);
  g_free (port);
}

/* An MP3 file of 128 kbit/s, a little longer than a run. */
static gchar *
make_mp3 (void)
{
  gchar *dir = g_dir_make_tmp ("onair-bench-mp3-XXXXXX", NULL);
  gchar *file = g_build_filename (dir, "tone.mp3", NULL);
  gchar *desc = g_strdup_printf (
      "audiotestsrc num-buffers=%u "
      "samplesperbuffer=1152 ! audio/x-raw,rate=44100,channels=2 ! "
      "audioconvert ! lamemp3enc target=bitrate bitrate=128 cbr=true ! "
      "filesink location=%s",
      (SECONDS + 5) * 44100 / 1152, file);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (dir);
  return file;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* Milliseconds from PLAYING until the server lists the mount, the median
 * of CONNECTS runs. */
static gdouble
median_time_to_air (const gchar *element, const gchar *file, OnairIcecast *ice)
{
  gdouble times[CONNECTS];
  guint i;

  for (i = 0; i < CONNECTS; i++) {
    gchar *mount = g_strdup_printf ("/air-%s-%u.mp3", element, i);
    gchar *desc = stream_desc (element, file, onair_icecast_port (ice),
        onair_icecast_source_password (ice), mount);
    GstElement *pipeline = gst_parse_launch (desc, NULL);
    gint64 start = g_get_monotonic_time ();
    GstStructure *status = NULL;

    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    while ((status = onair_icecast_mount_status (ice, mount)) == NULL) {
      if (g_get_monotonic_time () - start > 20 * G_USEC_PER_SEC)
        g_error ("%s never came on the air", element);
      g_usleep (2000);
    }
    times[i] = (g_get_monotonic_time () - start) / 1000.0;
    gst_structure_free (status);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
    onair_icecast_wait_mount (ice, mount, FALSE, 20000);
    g_free (desc);
    g_free (mount);
  }
  qsort (times, CONNECTS, sizeof (gdouble), compare_double);
  return (times[CONNECTS / 2 - 1] + times[CONNECTS / 2]) / 2;
}

static gchar *self_path;

/* A check test only because the fixture reports through check. */
GST_START_TEST (benchmark)
{
  OnairIcecastConfig config = { NULL, NULL, NULL, STREAMS + 10,
    STREAMS * 2 + 20, 0, NULL };
  OnairIcecast *ice = onair_icecast_start (&config);
  gdouble cpu_ice, rss_ice, cpu_shout, rss_shout;
  gdouble minutes = STREAMS * SECONDS / 60.0;
  gchar *file = make_mp3 ();

  measure_worker (self_path, "icecastsink", file, ice, &cpu_ice, &rss_ice);
  measure_worker (self_path, "shout2send", file, ice, &cpu_shout, &rss_shout);
  onair_bench_report ("icecastsink", "CPU per stream-minute, 50 streams", "s",
      cpu_ice / minutes, "shout2send", cpu_shout / minutes,
      "bar: ratio <= 0.5");
  onair_bench_report ("icecastsink", "peak memory per stream, 50 streams",
      "KiB", rss_ice / STREAMS / 1024, "shout2send", rss_shout / STREAMS / 1024,
      NULL);
  onair_bench_report ("icecastsink", "PLAYING to mount on air, median", "ms",
      median_time_to_air ("icecastsink", file, ice), "shout2send",
      median_time_to_air ("shout2send", file, ice), NULL);

  onair_icecast_free (ice);
  g_unlink (file);
  g_free (file);
}

GST_END_TEST;

static Suite *
bench_suite (void)
{
  Suite *s = suite_create ("icecastsink-benchmark");
  TCase *tc = tcase_create ("benchmark");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 900);
  tcase_add_test (tc, benchmark);
  return s;
}

int
main (int argc, char **argv)
{
  if (argc == 6 && g_str_equal (argv[1], "--worker")) {
    gst_init (&argc, &argv);
    return run_worker (argv[2], argv[3], atoi (argv[4]), argv[5]);
  }
  self_path = argv[0];
  gst_check_init (&argc, &argv);
  return onair_check_run (bench_suite ());
}

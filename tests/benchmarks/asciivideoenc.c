/* gst-plugins-onair: asciivideoenc against the ASCILINE seed's numpy/OpenCV
 * encoder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * At 200x84 (the seed's HIGH preset), 80x24 and 320x180, on 30 frames of
 * videotestsrc's SMPTE pattern (bars and a noise patch) in BGR, the seed's
 * input:
 * 1. mode 3 encode alone, us per frame: the cell kernel (every tier the
 *    CPU has: portable, AVX2, AVX-512 VBMI), against
 *    tests/benchmarks/asciiline_numpy.py run in the same run on the same
 *    frames, and the best tier against a plain memcpy of the output bytes;
 *    the outputs must be byte for byte the same as numpy's (legacy mapping,
 *    as the seed);
 * 2. ANSI truecolor encode alone, us per frame, against the numpy/Python
 *    ANSI encoder, whose bytes must be the same too;
 * 3. frames per second through videotestsrc ! asciivideoenc ! fakesink, for
 *    mode 3 and ANSI;
 * 4. ANSI bytes per frame with colour-change elision against without.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "asciicells.h"
#include "asciiwire.h"
#include "onair-bench.h"

#define FRAMES 30

typedef struct {
  guint cols, rows;
  guint8 *bgr; /* FRAMES frames, rows tightly packed */
} Frames;

static Frames *
frames_new (guint cols, guint rows)
{
  gchar *launch = g_strdup_printf ("videotestsrc pattern=smpte num-buffers=%u "
                                   "! video/x-raw,format=BGR,width=%u,"
                                   "height=%u ! appsink name=sink sync=false",
      FRAMES, cols, rows);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  Frames *f = g_new0 (Frames, 1);
  GstSample *sample;
  guint n = 0, y;

  f->cols = cols;
  f->rows = rows;
  f->bgr = g_malloc ((gsize) FRAMES * cols * rows * 3);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (TRUE) {
    GstVideoInfo info;
    GstVideoFrame frame;

    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (sample == NULL)
      break;
    gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
    gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
        GST_MAP_READ);
    for (y = 0; y < rows; y++)
      memcpy (f->bgr + ((gsize) n * rows + y) * cols * 3,
          (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
              + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
          cols * 3);
    gst_video_frame_unmap (&frame);
    gst_sample_unref (sample);
    n++;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (launch);
  if (n != FRAMES)
    g_error ("videotestsrc gave %u frames", n);
  return f;
}

static void
frames_free (Frames *f)
{
  g_free (f->bgr);
  g_free (f);
}

static const guint8 *
frame_data (const Frames *f, guint i)
{
  return f->bgr + (gsize) i * f->cols * f->rows * 3;
}

/* The smallest of @runs timings of @repeats passes over every frame, in us
 * per frame. */
typedef void (*FrameFunc) (const Frames *f, guint i, gpointer user_data);

static gdouble
time_frames (const Frames *f, FrameFunc func, gpointer user_data, guint repeats,
    guint runs)
{
  gdouble best = G_MAXDOUBLE;
  guint r, k, i;

  for (r = 0; r < runs; r++) {
    gint64 start = g_get_monotonic_time ();

    for (k = 0; k < repeats; k++) {
      for (i = 0; i < FRAMES; i++)
        func (f, i, user_data);
    }
    best = MIN (best,
        (gdouble) (g_get_monotonic_time () - start) / (repeats * FRAMES));
  }
  return best;
}

typedef struct {
  guint8 table[256];
  guint8 *out;
  guint8 *cells;
  guint8 *text;
  gsize text_size;
  AsciiAnsiOptions ansi;
} Encoder;

static void
encode_mode3 (const Frames *f, guint i, gpointer user_data)
{
  Encoder *e = user_data;

  ascii_asciiline_write_index (e->out, i);
  ascii_cells_encode (ASCII_LAYOUT_BGR, frame_data (f, i), f->cols * 3, f->cols,
      f->rows, e->table, ascii_mode_channel_mask (3), e->out + 4, f->cols * 4);
}

static void
encode_ansi (const Frames *f, guint i, gpointer user_data)
{
  Encoder *e = user_data;

  ascii_cells_encode (ASCII_LAYOUT_BGR, frame_data (f, i), f->cols * 3, f->cols,
      f->rows, e->table, ascii_mode_channel_mask (3), e->cells, f->cols * 4);
  e->text_size =
      ascii_ansi_write (e->text, e->cells, f->cols, f->rows, &e->ansi);
}

static void
copy_output (const Frames *f, guint i, gpointer user_data)
{
  Encoder *e = user_data;

  memcpy (e->out, e->cells, 4 + (gsize) f->cols * f->rows * 4);
  /* Keep the copy from being optimised away. */
  __asm__ volatile("" : : "r"(e->out) : "memory");
}

/* Runs the numpy/OpenCV anchor on the frames; returns its figures and the
 * bytes it produced. */
typedef struct {
  gdouble mode3_us, ansi_us, ansi_bytes;
  GBytes *mode3, *ansi;
} Anchor;

static Anchor
run_anchor (const Frames *f)
{
  const gchar *python = g_getenv ("ONAIR_PYTHON");
  gchar *dir = g_dir_make_tmp ("asciivideoenc-bench-XXXXXX", NULL);
  gchar *raw = g_build_filename (dir, "frames.bgr", NULL);
  gchar *mode3 = g_build_filename (dir, "mode3.bin", NULL);
  gchar *ansi = g_build_filename (dir, "ansi.txt", NULL);
  gchar *cols = g_strdup_printf ("%u", f->cols);
  gchar *rows = g_strdup_printf ("%u", f->rows);
  gchar *count = g_strdup_printf ("%u", FRAMES);
  gchar *argv[] = { (gchar *) (python != NULL ? python : "/usr/bin/python3"),
    (gchar *) ASCIILINE_NUMPY_SCRIPT, raw, cols, rows, count, mode3, ansi,
    NULL };
  gchar *out = NULL, *err = NULL, **lines, **l, *data;
  gsize size;
  gint status;
  GError *error = NULL;
  Anchor a = { 0 };

  if (!g_file_set_contents (raw, (const gchar *) f->bgr,
          (gssize) FRAMES * f->cols * f->rows * 3, &error))
    g_error ("%s", error->message);
  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
          &status, &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("the numpy/OpenCV anchor failed (Debian packages python3-numpy "
             "and python3-opencv): %s",
        err);
  lines = g_strsplit (out, "\n", -1);
  for (l = lines; *l != NULL; l++) {
    gchar **kv = g_strsplit (*l, " ", 2);

    if (g_strv_length (kv) == 2) {
      gdouble v = g_ascii_strtod (kv[1], NULL);

      if (strcmp (kv[0], "mode3_us") == 0)
        a.mode3_us = v;
      else if (strcmp (kv[0], "ansi_us") == 0)
        a.ansi_us = v;
      else if (strcmp (kv[0], "ansi_bytes") == 0)
        a.ansi_bytes = v;
    }
    g_strfreev (kv);
  }
  g_strfreev (lines);
  g_file_get_contents (mode3, &data, &size, NULL);
  a.mode3 = g_bytes_new_take (data, size);
  g_file_get_contents (ansi, &data, &size, NULL);
  a.ansi = g_bytes_new_take (data, size);
  g_unlink (raw);
  g_unlink (mode3);
  g_unlink (ansi);
  g_rmdir (dir);
  g_free (out);
  g_free (err);
  g_free (cols);
  g_free (rows);
  g_free (count);
  g_free (raw);
  g_free (mode3);
  g_free (ansi);
  g_free (dir);
  if (a.mode3_us <= 0 || a.ansi_us <= 0)
    g_error ("the anchor printed no figures");
  return a;
}

/* Every frame of ours, byte for byte the same as the anchor's. */
static void
check_same_bytes (const Frames *f, Encoder *e, const Anchor *a)
{
  gsize size, offset = 0;
  const guint8 *data = g_bytes_get_data (a->mode3, &size);
  gsize frame_size = 4 + (gsize) f->cols * f->rows * 4;
  guint i;

  if (size != frame_size * FRAMES)
    g_error ("numpy wrote %" G_GSIZE_FORMAT " bytes of mode 3", size);
  for (i = 0; i < FRAMES; i++) {
    encode_mode3 (f, i, e);
    if (memcmp (e->out, data + i * frame_size, frame_size) != 0)
      g_error ("%ux%u frame %u: mode 3 differs from numpy/OpenCV", f->cols,
          f->rows, i);
  }
  data = g_bytes_get_data (a->ansi, &size);
  for (i = 0; i < FRAMES; i++) {
    encode_ansi (f, i, e);
    if (offset + e->text_size > size
        || memcmp (e->text, data + offset, e->text_size) != 0)
      g_error ("%ux%u frame %u: ANSI differs from numpy/Python", f->cols,
          f->rows, i);
    offset += e->text_size;
  }
  if (offset != size)
    g_error ("ANSI: %" G_GSIZE_FORMAT " bytes, numpy %" G_GSIZE_FORMAT, offset,
        size);
}

/* Frames per second of a whole pipeline, videotestsrc to fakesink. */
static gdouble
pipeline_fps (guint cols, guint rows, const gchar *encoder, guint buffers)
{
  gchar *launch = g_strdup_printf ("videotestsrc pattern=smpte "
                                   "num-buffers=%u ! video/x-raw,format=BGR,"
                                   "width=%u,height=%u,framerate=30/1 ! %s ! "
                                   "fakesink sync=false",
      buffers, cols, rows, encoder);
  gdouble best = 0;
  guint r;

  for (r = 0; r < 2; r++) {
    GstElement *pipeline = gst_parse_launch (launch, NULL);
    GstMessage *msg;
    gint64 start;

    if (pipeline == NULL)
      g_error ("cannot build %s", launch);
    start = g_get_monotonic_time ();
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
        GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      g_error ("%s failed", launch);
    best =
        MAX (best, buffers * 1e6 / (gdouble) (g_get_monotonic_time () - start));
    gst_message_unref (msg);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
  }
  g_free (launch);
  return best;
}

static void
bench_size (guint cols, guint rows)
{
  const AsciiTone identity = ASCII_TONE_IDENTITY;
  Frames *f = frames_new (cols, rows);
  Anchor a = run_anchor (f);
  Encoder e = { { 0 } };
  AsciiAnsiOptions every = { ASCII_ANSI_COLOUR_TRUE, FALSE, FALSE };
  gsize elided = 0, all = 0;
  static const gchar *const tiers[] = { "portable", "avx2", "avx512vbmi" };
  gdouble best_us = 0, memcpy_us, ansi_us, fps;
  guint i, t, repeats = MAX (1, 20000000 / (cols * rows * FRAMES));
  gchar *measure;
  const gchar *best_name;

  /* The seed's mapping, so that the bytes can be compared. */
  ascii_char_table_build (e.table, ASCII_DEFAULT_RAMP, ASCII_MAPPING_LEGACY,
      &identity);
  e.ansi = (AsciiAnsiOptions){ ASCII_ANSI_COLOUR_TRUE, FALSE, TRUE };
  e.out = g_malloc (4 + (gsize) cols * rows * 4);
  e.cells = g_malloc (4 + (gsize) cols * rows * 4);
  memset (e.cells, 0x33, 4 + (gsize) cols * rows * 4);
  e.text = g_malloc (ascii_ansi_max_size (cols, rows, &every));

  /* Every encoder tier this CPU has, each checked against numpy's bytes;
   * the bars are on the best one, which the element uses, and the 13 us
   * bar also on AVX2, which CPUs without AVX-512 VBMI use. */
  ascii_cells_use (NULL);
  best_name = ascii_cells_implementation ();
  for (t = 0; t < G_N_ELEMENTS (tiers); t++) {
    const gchar *bar = NULL;
    gdouble us;

    if (!ascii_cells_use (tiers[t]))
      continue;
    check_same_bytes (f, &e, &a);
    us = time_frames (f, encode_mode3, &e, repeats, 5);
    if (strcmp (tiers[t], best_name) == 0) {
      best_us = us;
      bar = "bar: < 13 us, ratio <= 0.05";
    } else if (strcmp (tiers[t], "avx2") == 0) {
      bar = "bar: < 13 us on CPUs without AVX-512 VBMI";
    }
    measure = g_strdup_printf ("%ux%u mode 3 encode alone (%s)", cols, rows,
        tiers[t]);
    onair_bench_report ("asciivideoenc", measure, "us/frame", us,
        "numpy/OpenCV", a.mode3_us, cols == 200 ? bar : NULL);
    g_free (measure);
  }
  ascii_cells_use (NULL);
  memcpy_us = time_frames (f, copy_output, &e, repeats, 5);

  measure =
      g_strdup_printf ("%ux%u mode 3 encode alone (%s)", cols, rows, best_name);
  onair_bench_report ("asciivideoenc", measure, "us/frame", best_us,
      "memcpy of output", memcpy_us, cols == 200 ? "bar: ratio <= 3" : NULL);
  g_free (measure);
  measure = g_strdup_printf ("%ux%u mode 3 encode alone", cols, rows);
  onair_bench_report ("asciivideoenc", measure, "frames/s", 1e6 / best_us,
      "numpy/OpenCV", 1e6 / a.mode3_us,
      cols == 200 ? "bar: ratio >= 20" : NULL);
  g_free (measure);

  ansi_us = time_frames (f, encode_ansi, &e, MAX (1, repeats / 8), 5);
  measure = g_strdup_printf ("%ux%u ANSI truecolor encode alone", cols, rows);
  onair_bench_report ("asciivideoenc", measure, "frames/s", 1e6 / ansi_us,
      "numpy/Python", 1e6 / a.ansi_us, NULL);
  g_free (measure);

  for (i = 0; i < FRAMES; i++) {
    encode_ansi (f, i, &e);
    elided += e.text_size;
    e.text_size = ascii_ansi_write (e.text, e.cells, cols, rows, &every);
    all += e.text_size;
  }
  measure = g_strdup_printf ("%ux%u ANSI bytes per frame, elided", cols, rows);
  onair_bench_report ("asciivideoenc", measure, "bytes", elided / FRAMES,
      "without elision", all / FRAMES, NULL);
  g_free (measure);

  fps = pipeline_fps (cols, rows, "asciivideoenc mode=3", 3000);
  measure = g_strdup_printf ("%ux%u mode 3 pipeline to fakesink", cols, rows);
  onair_bench_report ("asciivideoenc", measure, "frames/s", fps,
      "numpy/OpenCV encode alone", 1e6 / a.mode3_us, NULL);
  g_free (measure);
  fps = pipeline_fps (cols, rows, "asciivideoenc format=ansi mode=3", 1000);
  measure = g_strdup_printf ("%ux%u ANSI pipeline to fakesink", cols, rows);
  onair_bench_report ("asciivideoenc", measure, "frames/s", fps,
      "numpy/Python encode alone", 1e6 / a.ansi_us, NULL);
  g_free (measure);
  fps = pipeline_fps (cols, rows, "identity", 3000);
  measure = g_strdup_printf ("%ux%u source alone to fakesink", cols, rows);
  onair_bench_report ("asciivideoenc", measure, "frames/s", fps, NULL, 0, NULL);
  g_free (measure);

  g_bytes_unref (a.mode3);
  g_bytes_unref (a.ansi);
  g_free (e.out);
  g_free (e.cells);
  g_free (e.text);
  frames_free (f);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  bench_size (200, 84);
  bench_size (80, 24);
  bench_size (320, 180);
  return 0;
}

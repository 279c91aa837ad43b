/* gst-plugins-onair: asciivideoenc tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "ansi-screen.h"

#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <string.h>

static const gchar ramp92[] =
    " `.-':_,^=;><+!rc*/z?sLTv)J7(|Fi{C}fI31tlu[neoZ5Yxjya]2ESwqkP6h9d4VpOGbU"
    "AKXHm8RD#$Bg0MNWQ%&@";

/* A picture as R, G, B triplets, row after row. */
typedef struct {
  guint width, height;
  guint8 *rgb;
} Picture;

static void
picture_free (Picture *p)
{
  g_free (p->rgb);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Picture, picture_free);

/* How each input format lays out a pixel, written out by hand. */
static const struct {
  const gchar *name;
  guint size, r, g, b;
} formats[] = {
  { "BGR", 3, 2, 1, 0 },
  { "RGB", 3, 0, 1, 2 },
  { "BGRx", 4, 2, 1, 0 },
  { "RGBx", 4, 0, 1, 2 },
  { "xRGB", 4, 1, 2, 3 },
  { "xBGR", 4, 3, 2, 1 },
  { "BGRA", 4, 2, 1, 0 },
  { "RGBA", 4, 0, 1, 2 },
  { "ARGB", 4, 1, 2, 3 },
  { "ABGR", 4, 3, 2, 1 },
};

static guint
format_entry (const gchar *name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    if (strcmp (formats[i].name, name) == 0)
      return i;
  }
  g_assert_not_reached ();
}

/* A video frame of @p in @format, with GStreamer's default row strides;
 * unused bytes (x, alpha, row padding) hold junk the encoder must ignore. */
static GstBuffer *
picture_to_buffer (const Picture *p, const gchar *format)
{
  guint f = format_entry (format);
  GstVideoInfo info;
  GstBuffer *buffer;
  GstMapInfo map;
  guint x, y;

  gst_video_info_set_format (&info, gst_video_format_from_string (format),
      p->width, p->height);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  memset (map.data, 0x5a, map.size);
  for (y = 0; y < p->height; y++) {
    for (x = 0; x < p->width; x++) {
      const guint8 *src = p->rgb + (y * p->width + x) * 3;
      guint8 *dst = map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0)
          + x * formats[f].size;

      dst[formats[f].r] = src[0];
      dst[formats[f].g] = src[1];
      dst[formats[f].b] = src[2];
    }
  }
  gst_buffer_unmap (buffer, &map);
  return buffer;
}

/* The test's own copy of the seed's arithmetic. */
static guint8
expected_char (const gchar *ramp, const guint8 *rgb, gboolean legacy)
{
  guint grey = (1868 * rgb[2] + 9617 * rgb[1] + 4899 * rgb[0] + 8192) >> 14;
  guint n = strlen (ramp);

  if (legacy)
    return ramp[MIN (grey / MAX (1, 256 / n), n - 1)];
  return ramp[grey * (n - 1) / 255];
}

static guint8
expected_channel (guint8 v, guint mode)
{
  static const guint qb[] = { 0, 0, 5, 3, 2, 0 };

  return (guint8) ((v >> qb[mode]) << qb[mode]);
}

/* What asciivideoenc must send for @p as frame @index, computed here. */
static GBytes *
expected_asciiline (const Picture *p, guint mode, gboolean legacy,
    guint32 index)
{
  GByteArray *out = g_byte_array_new ();
  guint x, y;

  if (mode == 1) {
    gchar *head = g_strdup_printf ("%u\n", index);

    g_byte_array_append (out, (guint8 *) head, strlen (head));
    g_free (head);
    for (y = 0; y < p->height; y++) {
      if (y > 0)
        g_byte_array_append (out, (guint8 *) "\n", 1);
      for (x = 0; x < p->width; x++) {
        guint8 c =
            expected_char (ramp92, p->rgb + (y * p->width + x) * 3, legacy);

        g_byte_array_append (out, &c, 1);
      }
    }
  } else {
    guint8 be[4] = { index >> 24, index >> 16, index >> 8, index };

    g_byte_array_append (out, be, 4);
    for (x = 0; x < p->width * p->height; x++) {
      const guint8 *rgb = p->rgb + x * 3;
      guint8 cell[4] = { expected_char (ramp92, rgb, legacy),
        expected_channel (rgb[0], mode), expected_channel (rgb[1], mode),
        expected_channel (rgb[2], mode) };

      g_byte_array_append (out, cell, 4);
    }
  }
  return g_byte_array_free_to_bytes (out);
}

static void
assert_buffer_equals (GstBuffer *buffer, const guint8 *data, gsize size)
{
  GstMapInfo map;
  gsize i;

  fail_unless (buffer != NULL);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  fail_unless_equals_int (map.size, size);
  for (i = 0; i < size; i++) {
    if (map.data[i] != data[i])
      fail ("byte %" G_GSIZE_FORMAT " is 0x%02x, expected 0x%02x", i,
          map.data[i], data[i]);
  }
  gst_buffer_unmap (buffer, &map);
}

static void
assert_buffer_equals_bytes (GstBuffer *buffer, GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  assert_buffer_equals (buffer, data, size);
}

static void
assert_buffer_equals_string (GstBuffer *buffer, const gchar *text)
{
  assert_buffer_equals (buffer, (const guint8 *) text, strlen (text));
}

static gchar *
buffer_to_string (GstBuffer *buffer)
{
  GstMapInfo map;
  gchar *s;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  s = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return s;
}

/* An encoder in a harness, fed @format at @width x @height, @fps_n/@fps_d. */
static GstHarness *
encoder_new (const gchar *properties, const gchar *format, guint width,
    guint height, gint fps_n, gint fps_d)
{
  gchar *launch = g_strdup_printf ("asciivideoenc name=enc %s", properties);
  GstHarness *h = gst_harness_new_parse (launch);
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%u,height=%u,"
                                 "framerate=%d/%d",
      format, width, height, fps_n, fps_d);

  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  g_free (launch);
  return h;
}

static GstElement *
encoder_of (GstHarness *h)
{
  GstElement *enc = gst_harness_find_element (h, "asciivideoenc");

  fail_unless (enc != NULL);
  gst_object_unref (enc);
  return enc;
}

static GstBuffer *
push_and_pull (GstHarness *h, GstBuffer *frame)
{
  fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_OK);
  return gst_harness_pull (h);
}

/* A hand-made 3x2 picture: black, white, an orange; red, green, a dark
 * blue-grey. */
static Picture *
hand_picture (void)
{
  static const guint8 rgb[] = { 0, 0, 0, 255, 255, 255, 200, 100, 50, /* */
    255, 0, 0, 0, 255, 0, 10, 20, 30 };
  Picture *p = g_new0 (Picture, 1);

  p->width = 3;
  p->height = 2;
  p->rgb = g_memdup2 (rgb, sizeof rgb);
  return p;
}

/* Frames of videotestsrc, as pictures. */
static GPtrArray *
test_pattern (const gchar *pattern, guint width, guint height, guint count)
{
  gchar *launch =
      g_strdup_printf ("videotestsrc pattern=%s num-buffers=%u ! "
                       "video/x-raw,format=RGB,width=%u,height=%u ! "
                       "appsink name=sink sync=false",
          pattern, count, width, height);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GPtrArray *pictures =
      g_ptr_array_new_with_free_func ((GDestroyNotify) picture_free);
  GstSample *sample;

  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (TRUE) {
    GstVideoInfo info;
    GstVideoFrame frame;
    Picture *p;
    guint y;

    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (sample == NULL)
      break;
    gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
    gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
        GST_MAP_READ);
    p = g_new0 (Picture, 1);
    p->width = width;
    p->height = height;
    p->rgb = g_malloc (width * height * 3);
    for (y = 0; y < height; y++)
      memcpy (p->rgb + y * width * 3,
          (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
              + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
          width * 3);
    gst_video_frame_unmap (&frame);
    gst_sample_unref (sample);
    g_ptr_array_add (pictures, p);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (launch);
  fail_unless_equals_int (pictures->len, count);
  return pictures;
}

/* Header and caps */

GST_START_TEST (test_header_buffer_and_streamheader)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("", "BGR", 3, 2, 30, 1);
  GstBuffer *header, *frame;
  GstCaps *caps;
  GstStructure *s;
  const GValue *array;
  gint mode, columns, rows, fps_n, fps_d;

  fail_unless_equals_int (gst_harness_push (h, picture_to_buffer (p, "BGR")),
      GST_FLOW_OK);
  header = gst_harness_pull (h);
  assert_buffer_equals_string (header, "INIT:30.0:3:3:2:0");
  fail_unless (GST_BUFFER_FLAG_IS_SET (header, GST_BUFFER_FLAG_HEADER));
  frame = gst_harness_pull (h);
  fail_if (GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_HEADER));
  fail_if (GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_DELTA_UNIT));
  fail_unless_equals_int (gst_buffer_get_size (frame), 4 + 6 * 4);

  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless_equals_string (gst_structure_get_name (s),
      "application/x-asciiline");
  fail_unless (gst_structure_get_int (s, "mode", &mode));
  fail_unless (gst_structure_get_int (s, "columns", &columns));
  fail_unless (gst_structure_get_int (s, "rows", &rows));
  fail_unless (gst_structure_get_fraction (s, "framerate", &fps_n, &fps_d));
  fail_unless_equals_int (mode, 3);
  fail_unless_equals_int (columns, 3);
  fail_unless_equals_int (rows, 2);
  fail_unless (fps_n == 30 && fps_d == 1);
  array = gst_structure_get_value (s, "streamheader");
  fail_unless (array != NULL && GST_VALUE_HOLDS_ARRAY (array));
  fail_unless_equals_int (gst_value_array_get_size (array), 1);
  {
    GstBuffer *in_caps =
        gst_value_get_buffer (gst_value_array_get_value (array, 0));

    assert_buffer_equals_string (in_caps, "INIT:30.0:3:3:2:0");
    fail_unless (GST_BUFFER_FLAG_IS_SET (in_caps, GST_BUFFER_FLAG_HEADER));
  }
  gst_caps_unref (caps);
  gst_buffer_unref (header);
  gst_buffer_unref (frame);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_init_framerates)
{
  static const struct {
    gint n, d;
    const gchar *init;
  } cases[] = {
    { 30000, 1001, "INIT:29.97002997002997:2:3:2:0" },
    { 24000, 1001, "INIT:23.976023976023978:2:3:2:0" },
    { 25, 1, "INIT:25.0:2:3:2:0" },
    { 60, 1, "INIT:60.0:2:3:2:0" },
    { 15, 2, "INIT:7.5:2:3:2:0" },
  };
  g_autoptr (Picture) p = hand_picture ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstHarness *h = encoder_new ("mode=2", "RGB", 3, 2, cases[i].n, cases[i].d);
    GstBuffer *header = push_and_pull (h, picture_to_buffer (p, "RGB"));

    assert_buffer_equals_string (header, cases[i].init);
    gst_buffer_unref (header);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Golden output */

/* The hand-made picture through the seed's own numpy/OpenCV encoder
 * (modes 2-5, legacy) and its formulas (mode 1 and proportional), index 0. */
static const struct {
  guint mode;
  gboolean legacy;
  const gchar *bytes;
  gsize size;
} golden[] = {
#define G(mode, legacy, b)                                                     \
  {                                                                            \
    mode, legacy, b, sizeof (b) - 1                                            \
  }
  G (1, FALSE, "0\n @e\n7]_"),
  G (2, FALSE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xe0\xe0\xe0\x65\xc0\x60\x20"
      "\x37\xe0\x00\x00\x5d\x00\xe0\x00\x5f\x00\x00\x00"),
  G (3, FALSE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xf8\xf8\xf8\x65\xc8\x60\x30"
      "\x37\xf8\x00\x00\x5d\x00\xf8\x00\x5f\x08\x10\x18"),
  G (4, FALSE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xfc\xfc\xfc\x65\xc8\x64\x30"
      "\x37\xfc\x00\x00\x5d\x00\xfc\x00\x5f\x08\x14\x1c"),
  G (5, FALSE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xff\xff\xff\x65\xc8\x64\x32"
      "\x37\xff\x00\x00\x5d\x00\xff\x00\x5f\x0a\x14\x1e"),
  G (1, TRUE, "0\n @h\n1H="),
  G (2, TRUE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xe0\xe0\xe0\x68\xc0\x60\x20"
      "\x31\xe0\x00\x00\x48\x00\xe0\x00\x3d\x00\x00\x00"),
  G (3, TRUE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xf8\xf8\xf8\x68\xc8\x60\x30"
      "\x31\xf8\x00\x00\x48\x00\xf8\x00\x3d\x08\x10\x18"),
  G (4, TRUE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xfc\xfc\xfc\x68\xc8\x64\x30"
      "\x31\xfc\x00\x00\x48\x00\xfc\x00\x3d\x08\x14\x1c"),
  G (5, TRUE,
      "\x00\x00\x00\x00\x20\x00\x00\x00\x40\xff\xff\xff\x68\xc8\x64\x32"
      "\x31\xff\x00\x00\x48\x00\xff\x00\x3d\x0a\x14\x1e"),
#undef G
};

GST_START_TEST (test_golden_hand_made_frame)
{
  g_autoptr (Picture) p = hand_picture ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (golden); i++) {
    gchar *props = g_strdup_printf ("mode=%u mapping=%s", golden[i].mode,
        golden[i].legacy ? "legacy" : "proportional");
    GstHarness *h = encoder_new (props, "BGR", 3, 2, 24, 1);
    GstBuffer *header = push_and_pull (h, picture_to_buffer (p, "BGR"));
    GstBuffer *frame = gst_harness_pull (h);
    GBytes *computed =
        expected_asciiline (p, golden[i].mode, golden[i].legacy, 0);
    gchar *init = g_strdup_printf ("INIT:24.0:%u:3:2:0", golden[i].mode);

    assert_buffer_equals_string (header, init);
    assert_buffer_equals (frame, (const guint8 *) golden[i].bytes,
        golden[i].size);
    /* The literal bytes and the test's formulas agree. */
    assert_buffer_equals_bytes (frame, computed);
    g_bytes_unref (computed);
    g_free (init);
    gst_buffer_unref (header);
    gst_buffer_unref (frame);
    gst_harness_teardown (h);
    g_free (props);
  }
}

GST_END_TEST;

/* videotestsrc's SMPTE bars and a moving ball, at sizes that are not a
 * multiple of any vector width, in every mode and both mappings. */
GST_START_TEST (test_golden_test_patterns)
{
  static const struct {
    const gchar *pattern;
    guint width, height;
  } sources[] = {
    { "smpte", 80, 24 },
    { "smpte", 37, 13 },
    { "ball", 61, 17 },
  };
  guint s, mode, legacy, i;

  for (s = 0; s < G_N_ELEMENTS (sources); s++) {
    GPtrArray *pictures = test_pattern (sources[s].pattern, sources[s].width,
        sources[s].height, 3);

    for (mode = 1; mode <= 5; mode++) {
      for (legacy = 0; legacy < 2; legacy++) {
        gchar *props = g_strdup_printf ("mode=%u mapping=%s", mode,
            legacy ? "legacy" : "proportional");
        GstHarness *h = encoder_new (props, "RGB", sources[s].width,
            sources[s].height, 30, 1);

        for (i = 0; i < pictures->len; i++) {
          Picture *p = g_ptr_array_index (pictures, i);
          GstBuffer *frame;
          GBytes *expected = expected_asciiline (p, mode, legacy, i);

          fail_unless_equals_int (gst_harness_push (h,
                                      picture_to_buffer (p, "RGB")),
              GST_FLOW_OK);
          if (i == 0)
            gst_buffer_unref (gst_harness_pull (h));
          frame = gst_harness_pull (h);
          assert_buffer_equals_bytes (frame, expected);
          gst_buffer_unref (frame);
          g_bytes_unref (expected);
        }
        gst_harness_teardown (h);
        g_free (props);
      }
    }
    g_ptr_array_unref (pictures);
  }
}

GST_END_TEST;

/* Every input format gives the same bytes for the same picture. */
GST_START_TEST (test_every_input_format_same_cells)
{
  GPtrArray *pictures = test_pattern ("smpte", 45, 11, 1);
  Picture *p = g_ptr_array_index (pictures, 0);
  GBytes *expected = expected_asciiline (p, 5, FALSE, 0);
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstHarness *h = encoder_new ("mode=5", formats[f].name, 45, 11, 30, 1);
    GstBuffer *frame;

    gst_buffer_unref (
        push_and_pull (h, picture_to_buffer (p, formats[f].name)));
    frame = gst_harness_pull (h);
    assert_buffer_equals_bytes (frame, expected);
    gst_buffer_unref (frame);
    gst_harness_teardown (h);
  }
  g_bytes_unref (expected);
  g_ptr_array_unref (pictures);
}

GST_END_TEST;

/* Index and header over time */

static guint32
frame_index (GstBuffer *frame)
{
  guint8 be[4];

  fail_unless_equals_int (gst_buffer_extract (frame, 0, be, 4), 4);
  return (guint32) be[0] << 24 | be[1] << 16 | be[2] << 8 | be[3];
}

GST_START_TEST (test_index_counts_and_restarts_on_caps_change)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("", "RGB", 3, 2, 30, 1);
  GstBuffer *b;
  GstCaps *caps;
  guint i;
  gint columns, rows;

  gst_buffer_unref (push_and_pull (h, picture_to_buffer (p, "RGB")));
  b = gst_harness_pull (h);
  fail_unless_equals_int (frame_index (b), 0);
  gst_buffer_unref (b);
  for (i = 1; i < 5; i++) {
    b = push_and_pull (h, picture_to_buffer (p, "RGB"));
    fail_if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER));
    fail_unless_equals_int (frame_index (b), i);
    gst_buffer_unref (b);
  }
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);

  /* New caps: a new INIT, in-band and in the caps, and index 0 again. */
  {
    Picture wide = { 6, 1, p->rgb };

    gst_harness_set_src_caps_str (h,
        "video/x-raw,format=RGB,width=6,height=1,framerate=25/1");
    b = push_and_pull (h, picture_to_buffer (&wide, "RGB"));
    assert_buffer_equals_string (b, "INIT:25.0:3:6:1:0");
    fail_unless (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER));
    gst_buffer_unref (b);
    b = gst_harness_pull (h);
    fail_unless_equals_int (frame_index (b), 0);
    fail_unless_equals_int (gst_buffer_get_size (b), 4 + 6 * 4);
    gst_buffer_unref (b);
    b = push_and_pull (h, picture_to_buffer (&wide, "RGB"));
    fail_unless_equals_int (frame_index (b), 1);
    gst_buffer_unref (b);
  }
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_structure_get_int (gst_caps_get_structure (caps, 0),
      "columns", &columns));
  fail_unless (
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "rows", &rows));
  fail_unless (columns == 6 && rows == 1);
  assert_buffer_equals_string (
      gst_value_get_buffer (gst_value_array_get_value (
          gst_structure_get_value (gst_caps_get_structure (caps, 0),
              "streamheader"),
          0)),
      "INIT:25.0:3:6:1:0");
  gst_caps_unref (caps);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_flush_restarts_stream)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("", "RGB", 3, 2, 30, 1);
  GstBuffer *b;
  GstSegment segment;

  gst_buffer_unref (push_and_pull (h, picture_to_buffer (p, "RGB")));
  gst_buffer_unref (gst_harness_pull (h));
  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  fail_unless_equals_int (frame_index (b), 1);
  gst_buffer_unref (b);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  assert_buffer_equals_string (b, "INIT:30.0:3:3:2:0");
  gst_buffer_unref (b);
  b = gst_harness_pull (h);
  fail_unless_equals_int (frame_index (b), 0);
  gst_buffer_unref (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A mode change while playing: new caps, new INIT, index 0, new colours. */
GST_START_TEST (test_mode_change_while_playing)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("mode=3", "BGR", 3, 2, 30, 1);
  GstBuffer *b;
  GstCaps *caps;
  gint mode;

  gst_buffer_unref (push_and_pull (h, picture_to_buffer (p, "BGR")));
  gst_buffer_unref (gst_harness_pull (h));
  g_object_set (encoder_of (h), "mode", 5, NULL);
  b = push_and_pull (h, picture_to_buffer (p, "BGR"));
  assert_buffer_equals_string (b, "INIT:30.0:5:3:2:0");
  gst_buffer_unref (b);
  b = gst_harness_pull (h);
  assert_buffer_equals (b, (const guint8 *) golden[4].bytes, golden[4].size);
  gst_buffer_unref (b);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "mode", &mode));
  fail_unless_equals_int (mode, 5);
  gst_caps_unref (caps);

  /* The mapping and the tone only change the table: no new INIT. */
  g_object_set (encoder_of (h), "mapping", 1, NULL);
  b = push_and_pull (h, picture_to_buffer (p, "BGR"));
  fail_if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER));
  fail_unless_equals_int (frame_index (b), 1);
  fail_unless (
      gst_buffer_memcmp (b, 4, golden[9].bytes + 4, golden[9].size - 4) == 0);
  gst_buffer_unref (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The tone properties pick other characters and leave colours alone. */
GST_START_TEST (test_tone_properties)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("mode=5", "RGB", 3, 2, 30, 1);
  GstBuffer *b;
  GstMapInfo map;
  guint i;

  gst_buffer_unref (push_and_pull (h, picture_to_buffer (p, "RGB")));
  gst_buffer_unref (gst_harness_pull (h));

  g_object_set (encoder_of (h), "brightness", 1.0, NULL);
  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  gst_buffer_map (b, &map, GST_MAP_READ);
  for (i = 0; i < 6; i++) {
    fail_unless_equals_int (map.data[4 + i * 4], '@');
    fail_unless_equals_int (map.data[4 + i * 4 + 1], p->rgb[i * 3]);
    fail_unless_equals_int (map.data[4 + i * 4 + 3], p->rgb[i * 3 + 2]);
  }
  gst_buffer_unmap (b, &map);
  gst_buffer_unref (b);

  g_object_set (encoder_of (h), "brightness", 0.0, "invert", TRUE, NULL);
  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  gst_buffer_map (b, &map, GST_MAP_READ);
  fail_unless_equals_int (map.data[4], '@'); /* black */
  fail_unless_equals_int (map.data[8], ' '); /* white */
  gst_buffer_unmap (b, &map);
  gst_buffer_unref (b);

  g_object_set (encoder_of (h), "invert", FALSE, "contrast", 0.0, NULL);
  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  gst_buffer_map (b, &map, GST_MAP_READ);
  for (i = 0; i < 6; i++)
    fail_unless_equals_int (map.data[4 + i * 4], ramp92[128 * 91 / 255]);
  gst_buffer_unmap (b, &map);
  gst_buffer_unref (b);

  g_object_set (encoder_of (h), "contrast", 1.0, "gamma", 2.0, NULL);
  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  gst_buffer_map (b, &map, GST_MAP_READ);
  /* The green pixel: grey 150, (150 / 255) ^ 0.5 * 255 = 195.6 -> 196 */
  fail_unless_equals_int (map.data[4 + 4 * 4], ramp92[196 * 91 / 255]);
  gst_buffer_unmap (b, &map);
  gst_buffer_unref (b);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Sizes */

static GPtrArray *
pull_all (GstHarness *h)
{
  GPtrArray *out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GstBuffer *b;

  while ((b = gst_harness_try_pull (h)) != NULL)
    g_ptr_array_add (out, b);
  return out;
}

static void
feed_buffer (Screen *screen, GstBuffer *b)
{
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_READ);
  screen_feed (screen, map.data, map.size);
  gst_buffer_unmap (b, &map);
}


GST_START_TEST (test_odd_sizes)
{
  static const guint sizes[][2] = { { 1, 1 }, { 4096, 1 }, { 1, 4096 },
    { 17, 3 } };
  static const gchar *const setups[] = { "mode=1", "mode=2", "mode=5",
    "format=text", "format=ansi", "format=ansi half-blocks=true",
    "format=ansi color-depth=256 mode=1 half-blocks=true" };
  guint s, k;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    Picture p = { sizes[s][0], sizes[s][1], NULL };

    p.rgb = g_malloc (p.width * p.height * 3);
    for (k = 0; k < p.width * p.height * 3; k++)
      p.rgb[k] = (guint8) (k * 7);
    for (k = 0; k < G_N_ELEMENTS (setups); k++) {
      GstHarness *h = encoder_new (setups[k], "BGRx", p.width, p.height, 30, 1);
      GstBuffer *b;

      GPtrArray *out;

      fail_unless_equals_int (gst_harness_push (h,
                                  picture_to_buffer (&p, "BGRx")),
          GST_FLOW_OK);
      out = pull_all (h);
      /* The frame comes last, after the header if the format has one. */
      fail_unless (out->len >= 1);
      b = g_ptr_array_index (out, out->len - 1);
      fail_if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER));
      if (g_str_has_prefix (setups[k], "mode=")) {
        guint mode = setups[k][5] - '0';
        GBytes *expected = expected_asciiline (&p, mode, FALSE, 0);

        assert_buffer_equals_bytes (b, expected);
        g_bytes_unref (expected);
      } else if (strcmp (setups[k], "format=text") == 0) {
        fail_unless_equals_int (gst_buffer_get_size (b),
            p.height * (p.width + 1) + 1);
      } else {
        Screen *screen = screen_new (p.width, p.height);

        feed_buffer (screen, b);
        fail_if (screen->error);
        fail_unless (screen_cell (screen, 0, 0)->ch[0] != '\0');
        fail_unless (screen_cell (screen, 0, p.width - 1)->ch[0] != '\0');
        screen_free (screen);
      }
      g_ptr_array_unref (out);
      gst_harness_teardown (h);
    }
    g_free (p.rgb);
  }
}

GST_END_TEST;

static GstCaps *
run_to_caps (const gchar *launch, gsize *frame_size)
{
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstSample *sample = NULL;
  GstCaps *caps;
  guint i;

  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* The first sample is the header. */
  for (i = 0; i < 2; i++) {
    if (sample != NULL)
      gst_sample_unref (sample);
    g_signal_emit_by_name (sink, "pull-sample", &sample);
    fail_unless (sample != NULL, "%s gave no output", launch);
  }
  caps = gst_caps_ref (gst_sample_get_caps (sample));
  *frame_size = gst_buffer_get_size (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return caps;
}

static void
assert_grid (GstCaps *caps, const gchar *media, gint columns, gint rows)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint c, r;

  fail_unless_equals_string (gst_structure_get_name (s), media);
  fail_unless (gst_structure_get_int (s, "columns", &c));
  fail_unless (gst_structure_get_int (s, "rows", &r));
  fail_unless_equals_int (c, columns);
  fail_unless_equals_int (r, rows);
}

/* columns and rows make videoscale scale; so does a downstream capsfilter
 * on the output's columns and rows. */
GST_START_TEST (test_columns_rows_drive_videoscale)
{
  GstCaps *caps;
  gsize size;

  caps = run_to_caps ("videotestsrc num-buffers=2 ! videoscale ! "
                      "asciivideoenc columns=20 rows=7 ! appsink name=sink",
      &size);
  assert_grid (caps, "application/x-asciiline", 20, 7);
  fail_unless_equals_int (size, 4 + 20 * 7 * 4);
  gst_caps_unref (caps);

  caps = run_to_caps ("videotestsrc num-buffers=2 ! videoscale ! "
                      "asciivideoenc format=ansi half-blocks=true columns=30 "
                      "rows=5 ! appsink name=sink",
      &size);
  assert_grid (caps, "text/x-ansi", 30, 5);
  gst_caps_unref (caps);

  caps = run_to_caps ("videotestsrc num-buffers=2 ! videoscale ! "
                      "asciivideoenc ! application/x-asciiline,columns=33,"
                      "rows=11 ! appsink name=sink",
      &size);
  assert_grid (caps, "application/x-asciiline", 33, 11);
  fail_unless_equals_int (size, 4 + 33 * 11 * 4);
  gst_caps_unref (caps);

  caps = run_to_caps ("videotestsrc num-buffers=2 ! videoscale ! "
                      "asciivideoenc format=text columns=12 rows=4 ! "
                      "appsink name=sink",
      &size);
  assert_grid (caps, "text/plain", 12, 4);
  fail_unless_equals_int (size, 4 * 13 + 1);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* ANSI and text */

/* The nearest xterm colour, by trying all 240. */
static gint32
nearest_256 (const guint8 *rgb)
{
  static const guint8 levels[6] = { 0, 95, 135, 175, 215, 255 };
  guint best = 16, best_d = G_MAXUINT, i;

  for (i = 16; i < 256; i++) {
    guint8 c[3];
    guint d = 0, k;

    if (i >= 232) {
      c[0] = c[1] = c[2] = 8 + 10 * (i - 232);
    } else {
      c[0] = levels[(i - 16) / 36];
      c[1] = levels[(i - 16) / 6 % 6];
      c[2] = levels[(i - 16) % 6];
    }
    for (k = 0; k < 3; k++)
      d += (c[k] - rgb[k]) * (c[k] - rgb[k]);
    if (d < best_d) {
      best_d = d;
      best = i;
    }
  }
  return SCREEN_INDEX (best);
}

/* format=ansi read back through a screen model: the same characters and
 * colours as the cells, in truecolor, 256 colours and half-blocks; the
 * screen is cleared once, each frame starts at home, and the end restores
 * the cursor, wrapping and colours. */
GST_START_TEST (test_ansi_reads_back)
{
  static const gchar *const setups[] = { "mode=5", "mode=3",
    "mode=5 color-depth=256", "mode=1", "mode=5 half-blocks=true",
    "mode=4 half-blocks=true color-depth=256" };
  GPtrArray *pictures = test_pattern ("smpte", 40, 12, 2);
  guint k, i, x, y;

  for (k = 0; k < G_N_ELEMENTS (setups); k++) {
    gchar *props = g_strdup_printf ("format=ansi %s", setups[k]);
    GstHarness *h = encoder_new (props, "RGB", 40, 12, 30, 1);
    gboolean half = strstr (setups[k], "half") != NULL;
    gboolean x256 = strstr (setups[k], "256") != NULL;
    guint mode = setups[k][5] - '0';
    guint rows = half ? 6 : 12;
    Screen *screen = screen_new (40, rows);
    GPtrArray *out;
    GstCaps *caps;

    for (i = 0; i < pictures->len; i++)
      fail_unless_equals_int (gst_harness_push (h,
                                  picture_to_buffer (g_ptr_array_index (pictures,
                                                         i),
                                      "RGB")),
          GST_FLOW_OK);
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    out = pull_all (h);
    /* header, 2 frames, the end */
    fail_unless_equals_int (out->len, 4);
    assert_buffer_equals_string (g_ptr_array_index (out, 0),
        "\033[?25l\033[?7l\033[2J");
    fail_unless (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (out, 0),
        GST_BUFFER_FLAG_HEADER));
    assert_buffer_equals_string (g_ptr_array_index (out, 3),
        "\033[0m\033[?7h\033[?25h\r\n");
    caps = gst_pad_get_current_caps (h->sinkpad);
    assert_grid (caps, "text/x-ansi", 40, rows);
    gst_caps_unref (caps);

    for (i = 0; i < 3; i++) {
      gchar *text = buffer_to_string (g_ptr_array_index (out, i));

      if (i > 0) {
        fail_unless (g_str_has_prefix (text, "\033[H"));
        fail_unless (strstr (text, "\033[2J") == NULL);
      }
      g_free (text);
      feed_buffer (screen, g_ptr_array_index (out, i));
      if (i == 0)
        continue;
      fail_if (screen->error);
      fail_if (screen->cursor_visible);
      fail_if (screen->autowrap);
      fail_unless_equals_int (screen->clears, 1);
      fail_unless_equals_int (screen->homes, i);
      for (y = 0; y < rows; y++) {
        for (x = 0; x < 40; x++) {
          Picture *p = g_ptr_array_index (pictures, i - 1);
          const guint8 *top = p->rgb + ((half ? y * 2 : y) * 40 + x) * 3;
          ScreenCell *c = screen_cell (screen, y, x);
          guint8 fg[3], bg[3];
          guint ch;

          for (ch = 0; ch < 3; ch++) {
            fg[ch] = expected_channel (top[ch], mode);
            bg[ch] = half ? expected_channel (top[40 * 3 + ch], mode) : 0;
          }
          if (half) {
            fail_unless_equals_string (c->ch, "\xe2\x96\x80");
            fail_unless_equals_int (c->fg,
                x256 ? nearest_256 (fg) : SCREEN_RGB (fg[0], fg[1], fg[2]));
            fail_unless_equals_int (c->bg,
                x256 ? nearest_256 (bg) : SCREEN_RGB (bg[0], bg[1], bg[2]));
            continue;
          }
          fail_unless_equals_int (c->ch[0], expected_char (ramp92, top, FALSE));
          fail_unless_equals_int (c->ch[1], 0);
          if (mode == 1) {
            fail_unless_equals_int (c->fg, SCREEN_DEFAULT);
          } else {
            fail_unless_equals_int (c->fg,
                x256 ? nearest_256 (fg) : SCREEN_RGB (fg[0], fg[1], fg[2]));
          }
          fail_unless_equals_int (c->bg, SCREEN_DEFAULT);
        }
      }
    }
    /* Elision: a colour is sent only where it changes.  The bars are 7
     * flat stripes on top, so far fewer escapes than cells. */
    if (mode > 1 && !half)
      fail_unless (screen->sgr_count < 2 * 12 * 10, "%u colour escapes",
          screen->sgr_count);
    feed_buffer (screen, g_ptr_array_index (out, 3));
    fail_unless (screen->cursor_visible);
    fail_unless (screen->autowrap);
    fail_unless_equals_int (screen->fg, SCREEN_DEFAULT);
    screen_free (screen);
    g_ptr_array_unref (out);
    gst_harness_teardown (h);
    g_free (props);
  }
  g_ptr_array_unref (pictures);
}

GST_END_TEST;

/* Mode 1 with half-blocks draws the grey of each pixel, after the tone
 * curve. */
GST_START_TEST (test_ansi_half_blocks_grey)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("format=ansi mode=1 half-blocks=true "
                               "invert=true",
      "RGB", 3, 2, 30, 1);
  Screen *screen = screen_new (3, 1);
  GstBuffer *b;
  static const guint grey[] = { 0, 255, 124, 76, 150, 18 };
  guint x;

  gst_buffer_unref (push_and_pull (h, picture_to_buffer (p, "RGB")));
  b = gst_harness_pull (h);
  feed_buffer (screen, b);
  fail_if (screen->error);
  for (x = 0; x < 3; x++) {
    guint t = 255 - grey[x], u = 255 - grey[3 + x];

    fail_unless_equals_int (screen_cell (screen, 0, x)->fg,
        SCREEN_RGB (t, t, t));
    fail_unless_equals_int (screen_cell (screen, 0, x)->bg,
        SCREEN_RGB (u, u, u));
  }
  gst_buffer_unref (b);
  screen_free (screen);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_text_format)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("format=text", "RGB", 3, 2, 30, 1);
  GstBuffer *b;
  GstCaps *caps;

  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  /* No header: the first buffer is the frame. */
  fail_if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER));
  assert_buffer_equals_string (b, " @e\n7]_\n\n");
  gst_buffer_unref (b);
  b = push_and_pull (h, picture_to_buffer (p, "RGB"));
  assert_buffer_equals_string (b, " @e\n7]_\n\n");
  gst_buffer_unref (b);
  caps = gst_pad_get_current_caps (h->sinkpad);
  assert_grid (caps, "text/plain", 3, 2);
  fail_if (gst_structure_has_field (gst_caps_get_structure (caps, 0),
      "streamheader"));
  gst_caps_unref (caps);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (gst_harness_try_pull (h) == NULL);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Statistics */

static GstStructure *
encoder_stats (GstElement *enc)
{
  GstStructure *stats = NULL;

  g_object_get (enc, "stats", &stats, NULL);
  fail_unless (stats != NULL);
  fail_unless (gst_structure_has_name (stats, "asciivideoenc-stats"));
  return stats;
}

static guint64
stats_u64 (const GstStructure *stats, const gchar *field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (stats, field, &v),
      "stats have no guint64 %s", field);
  return v;
}

/* Frame @n of a 30/1 stream: PTS n/30 s, so that QoS can judge it. */
static GstBuffer *
timed_frame (const Picture *p, guint n)
{
  GstBuffer *b = picture_to_buffer (p, "RGB");

  GST_BUFFER_PTS (b) = gst_util_uint64_scale (n, GST_SECOND, 30);
  GST_BUFFER_DURATION (b) = gst_util_uint64_scale (1, GST_SECOND, 30);
  return b;
}

/* Every frame pushed is counted once, with its bytes and an encode time;
 * the counters start again when the element starts again. */
GST_START_TEST (test_stats_count_frames_and_times)
{
  static const gchar *const outputs[] = { "", "mode=1", "format=ansi",
    "format=text" };
  g_autoptr (Picture) p = hand_picture ();
  guint i, n;

  for (i = 0; i < G_N_ELEMENTS (outputs); i++) {
    GstHarness *h = encoder_new (outputs[i], "RGB", 3, 2, 30, 1);
    GstStructure *stats = encoder_stats (encoder_of (h));
    guint64 bytes = 0, min, avg, max, last;
    const gchar *kernel;

    GST_INFO ("output \"%s\"", outputs[i]);
    fail_unless_equals_uint64 (stats_u64 (stats, "encoded"), 0);
    fail_unless_equals_uint64 (stats_u64 (stats, "max-encode-time"), 0);
    gst_structure_free (stats);

    for (n = 0; n < 7; n++) {
      GstBuffer *b;

      fail_unless_equals_int (gst_harness_push (h, timed_frame (p, n)),
          GST_FLOW_OK);
      while ((b = gst_harness_try_pull (h)) != NULL) {
        if (!GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER))
          bytes += gst_buffer_get_size (b);
        gst_buffer_unref (b);
      }
    }

    stats = encoder_stats (encoder_of (h));
    GST_INFO ("%" GST_PTR_FORMAT, stats);
    fail_unless_equals_uint64 (stats_u64 (stats, "encoded"), 7);
    fail_unless_equals_uint64 (stats_u64 (stats, "dropped"), 0);
    fail_unless_equals_uint64 (stats_u64 (stats, "encoded-bytes"), bytes);
    last = stats_u64 (stats, "last-encode-time");
    min = stats_u64 (stats, "min-encode-time");
    avg = stats_u64 (stats, "average-encode-time");
    max = stats_u64 (stats, "max-encode-time");
    fail_unless (min <= avg && avg <= max,
        "min %" G_GUINT64_FORMAT " avg %" G_GUINT64_FORMAT
        " max %" G_GUINT64_FORMAT,
        min, avg, max);
    fail_unless (min <= last && last <= max);
    kernel = gst_structure_get_string (stats, "kernel");
    fail_unless (kernel != NULL);
    fail_unless (g_strv_contains ((const gchar *const[]){ "avx512vbmi", "avx2",
                                      "portable", NULL },
                     kernel),
        "kernel \"%s\"", kernel);
    gst_structure_free (stats);

    /* Still readable once stopped; zero again after the next start. */
    gst_element_set_state (encoder_of (h), GST_STATE_READY);
    stats = encoder_stats (encoder_of (h));
    fail_unless_equals_uint64 (stats_u64 (stats, "encoded"), 7);
    gst_structure_free (stats);
    gst_element_set_state (encoder_of (h), GST_STATE_PLAYING);
    stats = encoder_stats (encoder_of (h));
    fail_unless_equals_uint64 (stats_u64 (stats, "encoded"), 0);
    fail_unless_equals_uint64 (stats_u64 (stats, "encoded-bytes"), 0);
    fail_unless_equals_uint64 (stats_u64 (stats, "min-encode-time"), 0);
    fail_unless_equals_uint64 (stats_u64 (stats, "average-encode-time"), 0);
    gst_structure_free (stats);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Tells the encoder, as a sink would, that frames before @earliest are too
 * late: the base class takes timestamp + 2 * diff + one frame as the
 * earliest time a frame can still be shown. */
static void
send_late_qos (GstHarness *h, GstClockTime earliest)
{
  GstClockTimeDiff diff = (GstClockTimeDiff) earliest / 2;

  fail_unless (gst_harness_push_upstream_event (h,
      gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 2.0, diff, 0)));
}

/* With qos on, frames whose deadline has passed are dropped and counted,
 * and the next frame keeps the index it would have had; with qos off (the
 * default) the same QoS event drops nothing. */
GST_START_TEST (test_stats_count_qos_drops)
{
  g_autoptr (Picture) p = hand_picture ();
  GstHarness *h = encoder_new ("qos=true", "RGB", 3, 2, 30, 1);
  GstStructure *stats;
  GstBuffer *b;
  guint n;

  b = push_and_pull (h, timed_frame (p, 0));
  fail_unless (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER));
  gst_buffer_unref (b);
  b = gst_harness_pull (h);
  fail_unless_equals_int (frame_index (b), 0);
  gst_buffer_unref (b);

  /* Frames 1-3 (up to 0.1 s) are late, frame 60 (2 s) is not. */
  send_late_qos (h, GST_SECOND);
  for (n = 1; n <= 3; n++)
    fail_unless_equals_int (gst_harness_push (h, timed_frame (p, n)),
        GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  b = push_and_pull (h, timed_frame (p, 60));
  fail_unless_equals_int (frame_index (b), 4);
  gst_buffer_unref (b);

  stats = encoder_stats (encoder_of (h));
  GST_INFO ("%" GST_PTR_FORMAT, stats);
  fail_unless_equals_uint64 (stats_u64 (stats, "encoded"), 2);
  fail_unless_equals_uint64 (stats_u64 (stats, "dropped"), 3);
  gst_structure_free (stats);
  gst_harness_teardown (h);

  h = encoder_new ("", "RGB", 3, 2, 30, 1);
  gst_buffer_unref (push_and_pull (h, timed_frame (p, 0)));
  gst_buffer_unref (gst_harness_pull (h));
  send_late_qos (h, GST_SECOND);
  for (n = 1; n <= 3; n++) {
    b = push_and_pull (h, timed_frame (p, n));
    fail_unless_equals_int (frame_index (b), n);
    gst_buffer_unref (b);
  }
  stats = encoder_stats (encoder_of (h));
  fail_unless_equals_uint64 (stats_u64 (stats, "encoded"), 4);
  fail_unless_equals_uint64 (stats_u64 (stats, "dropped"), 0);
  gst_structure_free (stats);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Bad input */

static guint ramp_warnings;

static void
count_ramp_warning (const gchar *domain, GLogLevelFlags level,
    const gchar *message, gpointer user_data)
{
  fail_unless (strstr (message, "ramp") != NULL
          && strstr (message, "refused") != NULL,
      "%s", message);
  ramp_warnings++;
}

GST_START_TEST (test_bad_ramp_is_refused)
{
  static const gchar *const bad[] = { "", " .\t#", " .\xc3\xa9#", "\x7f",
    "\x1b[31m" };
  GstElement *enc = gst_element_factory_make ("asciivideoenc", NULL);
  guint handler;
  gchar *ramp;
  guint i;

  handler = g_log_set_handler ("GStreamer-asciivideoenc", G_LOG_LEVEL_WARNING,
      count_ramp_warning, NULL);
  ramp_warnings = 0;
  g_object_set (enc, "ramp", " .:#", NULL);
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_object_set (enc, "ramp", bad[i], NULL);
    fail_unless_equals_int (ramp_warnings, i + 1);
    g_object_get (enc, "ramp", &ramp, NULL);
    fail_unless_equals_string (ramp, " .:#");
    g_free (ramp);
  }
  g_object_set (enc, "ramp", NULL, NULL);
  fail_unless_equals_int (ramp_warnings, G_N_ELEMENTS (bad) + 1);
  gst_object_unref (enc);

  /* The kept ramp is the one in use. */
  {
    g_autoptr (Picture) p = hand_picture ();
    GstHarness *h =
        encoder_new ("format=text ramp=\" .:#\"", "RGB", 3, 2, 30, 1);
    GstBuffer *b;

    g_object_set (encoder_of (h), "ramp", "", NULL);
    fail_unless_equals_int (ramp_warnings, G_N_ELEMENTS (bad) + 2);
    b = push_and_pull (h, picture_to_buffer (p, "RGB"));
    /* greys 0 255 124 / 76 150 18 on 4 characters */
    assert_buffer_equals_string (b, " #.\n . \n\n");
    gst_buffer_unref (b);
    gst_harness_teardown (h);
  }
  g_log_remove_handler ("GStreamer-asciivideoenc", handler);
}

GST_END_TEST;

GST_START_TEST (test_mode_out_of_range)
{
  GstElement *enc = gst_element_factory_make ("asciivideoenc", NULL);
  GError *error = NULL;
  GstElement *pipeline;
  guint mode;

  ASSERT_WARNING (g_object_set (enc, "mode", 0, NULL));
  ASSERT_WARNING (g_object_set (enc, "mode", 6, NULL));
  g_object_get (enc, "mode", &mode, NULL);
  fail_unless_equals_int (mode, 3);
  gst_object_unref (enc);

  /* A launch line gets GLib's range warning, and the default stays. */
  ASSERT_WARNING (
      pipeline =
          gst_parse_launch ("videotestsrc ! asciivideoenc name=enc mode=9 ! "
                            "fakesink",
              &error));
  fail_unless (pipeline != NULL && error == NULL);
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  g_object_get (enc, "mode", &mode, NULL);
  fail_unless_equals_int (mode, 3);
  gst_object_unref (enc);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Input the encoder cannot take is refused at negotiation with the usual
 * not-negotiated error, never a crash. */
GST_START_TEST (test_unsupported_input_is_refused)
{
  GstElement *pipeline = gst_parse_launch ("videotestsrc num-buffers=1 ! "
                                           "video/x-raw,format=I420 ! "
                                           "asciivideoenc ! fakesink",
      NULL);
  GstMessage *msg;
  GError *error = NULL;

  msg = onair_check_run_pipeline (pipeline, GST_MESSAGE_EOS | GST_MESSAGE_ERROR,
      10000);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (error->domain == GST_STREAM_ERROR
          || error->domain == GST_CORE_ERROR,
      "%s", error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A whole pipeline, with the typical stages, to EOS. */
GST_START_TEST (test_pipeline_runs_to_eos)
{
  static const gchar *const outputs[] = { "", "format=ansi", "format=text",
    "format=ansi half-blocks=true color-depth=256", "mode=1" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (outputs); i++) {
    gchar *launch = g_strdup_printf ("videotestsrc num-buffers=10 ! "
                                     "videoconvert ! videoscale ! "
                                     "asciivideoenc columns=64 rows=20 %s ! "
                                     "fakesink",
        outputs[i]);
    GstElement *pipeline = gst_parse_launch (launch, NULL);
    GstMessage *msg = onair_check_run_pipeline (pipeline,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR, 20000);

    fail_unless (msg != NULL);
    onair_check_assert_no_error (msg);
    gst_message_unref (msg);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
    g_free (launch);
  }
}

GST_END_TEST;

static Suite *
asciivideoenc_suite (void)
{
  Suite *s = suite_create ("asciivideoenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_header_buffer_and_streamheader);
  tcase_add_test (tc, test_init_framerates);
  tcase_add_test (tc, test_golden_hand_made_frame);
  tcase_add_test (tc, test_golden_test_patterns);
  tcase_add_test (tc, test_every_input_format_same_cells);
  tcase_add_test (tc, test_index_counts_and_restarts_on_caps_change);
  tcase_add_test (tc, test_flush_restarts_stream);
  tcase_add_test (tc, test_mode_change_while_playing);
  tcase_add_test (tc, test_tone_properties);
  tcase_add_test (tc, test_odd_sizes);
  tcase_add_test (tc, test_columns_rows_drive_videoscale);
  tcase_add_test (tc, test_ansi_reads_back);
  tcase_add_test (tc, test_ansi_half_blocks_grey);
  tcase_add_test (tc, test_text_format);
  tcase_add_test (tc, test_stats_count_frames_and_times);
  tcase_add_test (tc, test_stats_count_qos_drops);
  tcase_add_test (tc, test_bad_ramp_is_refused);
  tcase_add_test (tc, test_mode_out_of_range);
  tcase_add_test (tc, test_unsupported_input_is_refused);
  tcase_add_test (tc, test_pipeline_runs_to_eos);
  return s;
}

ONAIR_CHECK_MAIN (asciivideoenc);

/* gst-plugins-onair: tests of ttsplaysink's WAV writer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "wavwriter.h"

#include <string.h>

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static guint16
le16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

static gchar *
scratch_file (const gchar *name)
{
  gchar *dir = onair_check_make_dir ("wav");
  gchar *path = g_build_filename (dir, name, NULL);

  g_free (dir);
  return path;
}

static GBytes *
read_file (const gchar *path)
{
  gchar *data;
  gsize len;

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "read %s", path);
  return g_bytes_new_take (data, len);
}

/* What any WAV reader checks first: the sizes agree with the file. */
static void
assert_valid (GBytes *file, guint16 tag, guint16 channels, guint32 rate,
    guint16 bits, guint32 data_size)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (file, &len);

  fail_unless (len >= TTS_WAV_HEADER_SIZE);
  fail_unless (memcmp (d, "RIFF", 4) == 0);
  fail_unless (memcmp (d + 8, "WAVEfmt ", 8) == 0);
  fail_unless_equals_int (le32 (d + 16), 16);
  fail_unless_equals_int (le16 (d + 20), tag);
  fail_unless_equals_int (le16 (d + 22), channels);
  fail_unless_equals_int (le32 (d + 24), rate);
  fail_unless_equals_int (le32 (d + 28), rate * channels * bits / 8);
  fail_unless_equals_int (le16 (d + 32), channels * bits / 8);
  fail_unless_equals_int (le16 (d + 34), bits);
  fail_unless (memcmp (d + 36, "data", 4) == 0);
  fail_unless_equals_int (le32 (d + 40), data_size);
  /* RIFF counts everything after its own size field, pad byte included. */
  fail_unless_equals_int (le32 (d + 4), len - 8);
  fail_unless_equals_int (len,
      TTS_WAV_HEADER_SIZE + data_size + (data_size & 1));
}

GST_START_TEST (test_empty_file_is_valid)
{
  gchar *path = scratch_file ("empty.wav");
  TtsWavWriter *w =
      tts_wav_writer_open (path, TTS_WAV_INTEGER, 24000, 1, 16, NULL);
  GBytes *file;

  fail_unless (w != NULL);
  file = read_file (path);
  assert_valid (file, 1, 1, 24000, 16, 0);
  g_bytes_unref (file);
  fail_unless (tts_wav_writer_close (w, NULL));
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_sizes_are_right_after_every_write)
{
  gchar *path = scratch_file ("s16.wav");
  TtsWavWriter *w =
      tts_wav_writer_open (path, TTS_WAV_INTEGER, 48000, 2, 16, NULL);
  guint8 block[400];
  guint i;

  for (i = 0; i < sizeof (block); i++)
    block[i] = i & 0xff;
  for (i = 1; i <= 5; i++) {
    GBytes *file;

    fail_unless (tts_wav_writer_write (w, block, sizeof (block), NULL));
    /* Read while still open: what a crash or a kill would leave. */
    file = read_file (path);
    assert_valid (file, 1, 2, 48000, 16, i * sizeof (block));
    fail_unless (memcmp ((const guint8 *) g_bytes_get_data (file, NULL)
                         + TTS_WAV_HEADER_SIZE + (i - 1) * sizeof (block),
                     block, sizeof (block))
        == 0);
    g_bytes_unref (file);
  }
  fail_unless_equals_uint64 (tts_wav_writer_data_size (w), 5 * sizeof (block));
  fail_unless (tts_wav_writer_close (w, NULL));
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_odd_data_is_padded_at_close)
{
  gchar *path = scratch_file ("u8.wav");
  TtsWavWriter *w =
      tts_wav_writer_open (path, TTS_WAV_INTEGER, 8000, 1, 8, NULL);
  const guint8 three[3] = { 1, 2, 3 };
  GBytes *file;

  fail_unless (tts_wav_writer_write (w, three, 3, NULL));
  fail_unless (tts_wav_writer_close (w, NULL));
  file = read_file (path);
  assert_valid (file, 1, 1, 8000, 8, 3);
  g_bytes_unref (file);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_float_header)
{
  gchar *path = scratch_file ("f32.wav");
  TtsWavWriter *w =
      tts_wav_writer_open (path, TTS_WAV_FLOAT, 44100, 1, 32, NULL);
  const gfloat samples[4] = { 0.0f, 0.5f, -0.5f, 1.0f };
  GBytes *file;

  fail_unless (tts_wav_writer_write (w, (const guint8 *) samples,
      sizeof (samples), NULL));
  fail_unless (tts_wav_writer_close (w, NULL));
  file = read_file (path);
  assert_valid (file, 3, 1, 44100, 32, sizeof (samples));
  g_bytes_unref (file);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_unwritable_path_is_an_error)
{
  GError *err = NULL;
  TtsWavWriter *w = tts_wav_writer_open ("/nonexistent-dir/x.wav",
      TTS_WAV_INTEGER, 8000, 1, 16, &err);

  fail_unless (w == NULL);
  fail_unless (err != NULL);
  fail_unless (g_error_matches (err, G_FILE_ERROR, G_FILE_ERROR_NOENT), "%s",
      err->message);
  fail_unless (strstr (err->message, "/nonexistent-dir/x.wav") != NULL);
  g_error_free (err);
}

GST_END_TEST;

GST_START_TEST (test_header_matches_gstreamer_reader)
{
  gchar *path = scratch_file ("read.wav");
  TtsWavWriter *w =
      tts_wav_writer_open (path, TTS_WAV_INTEGER, 22050, 1, 16, NULL);
  gint16 samples[2205];
  GstElement *pipeline;
  GstMessage *msg;
  gchar *desc;
  GstElement *sink;
  GstPad *pad;
  GstCaps *caps;
  GstStructure *s;
  gint rate = 0, channels = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (samples); i++)
    samples[i] = (gint16) (i * 7);
  fail_unless (tts_wav_writer_write (w, (const guint8 *) samples,
      sizeof (samples), NULL));
  /* Not closed: a stopped pipeline leaves the file like this. */
  desc = g_strdup_printf ("filesrc location=%s ! wavparse ! "
                          "fakesink name=sink",
      path);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  msg = onair_check_run_pipeline (pipeline, GST_MESSAGE_EOS, 10000);
  onair_check_assert_no_error (msg);
  gst_message_unref (msg);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  caps = gst_pad_get_current_caps (pad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get_int (s, "rate", &rate));
  fail_unless (gst_structure_get_int (s, "channels", &channels));
  fail_unless_equals_int (rate, 22050);
  fail_unless_equals_int (channels, 1);
  fail_unless_equals_string (gst_structure_get_string (s, "format"), "S16LE");
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  fail_unless (tts_wav_writer_close (w, NULL));
  g_free (path);
}

GST_END_TEST;

static Suite *
ttsplaysink_wavwriter_suite (void)
{
  Suite *s = suite_create ("ttsplaysink-wavwriter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_empty_file_is_valid);
  tcase_add_test (tc, test_sizes_are_right_after_every_write);
  tcase_add_test (tc, test_odd_data_is_padded_at_close);
  tcase_add_test (tc, test_float_header);
  tcase_add_test (tc, test_unwritable_path_is_an_error);
  tcase_add_test (tc, test_header_matches_gstreamer_reader);
  return s;
}

ONAIR_CHECK_MAIN (ttsplaysink_wavwriter);

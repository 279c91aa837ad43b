/* gst-plugins-onair: the cell kernels and writers behind asciivideoenc, on
 * their own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "asciicells.h"
#include "asciiwire.h"
#include "ansi-screen.h"

#include <string.h>

static const gchar ramp92[] =
    " `.-':_,^=;><+!rc*/z?sLTv)J7(|Fi{C}fI31tlu[neoZ5Yxjya]2ESwqkP6h9d4VpOGbU"
    "AKXHm8RD#$Bg0MNWQ%&@";

/* The seed's arithmetic, written out again: grey by OpenCV's fixed point,
 * the character by the mapping, the colour by dropping qb low bits. */
static guint
reference_grey (guint r, guint g, guint b)
{
  return (1868 * b + 9617 * g + 4899 * r + 8192) >> 14;
}

static guint8
reference_char (const gchar *ramp, guint grey, AsciiMapping mapping)
{
  guint n = strlen (ramp);

  if (mapping == ASCII_MAPPING_LEGACY)
    return ramp[MIN (grey / MAX (1, 256 / n), n - 1)];
  return ramp[grey * (n - 1) / 255];
}

static guint8
reference_channel (guint v, guint mode)
{
  static const guint qb[] = { 0, 0, 5, 3, 2, 0 };

  return (guint8) ((v >> qb[mode]) << qb[mode]);
}

GST_START_TEST (test_default_ramp)
{
  guint i, j;

  fail_unless_equals_string (ASCII_DEFAULT_RAMP, ramp92);
  fail_unless_equals_int (strlen (ASCII_DEFAULT_RAMP), 92);
  for (i = 0; i < 92; i++) {
    fail_unless (ramp92[i] >= 0x20 && ramp92[i] <= 0x7e);
    for (j = i + 1; j < 92; j++)
      fail_unless (ramp92[i] != ramp92[j], "'%c' twice", ramp92[i]);
  }
}

GST_END_TEST;

GST_START_TEST (test_ramp_validation)
{
  fail_unless (ascii_ramp_is_valid (ramp92));
  fail_unless (ascii_ramp_is_valid (" "));
  fail_unless (ascii_ramp_is_valid ("~"));
  fail_if (ascii_ramp_is_valid (NULL));
  fail_if (ascii_ramp_is_valid (""));
  fail_if (ascii_ramp_is_valid (" .\t#"));
  fail_if (ascii_ramp_is_valid (" .#\x7f"));
  fail_if (ascii_ramp_is_valid (" .\xc3\xa9#")); /* é in UTF-8 */
  fail_if (ascii_ramp_is_valid ("\x1b[31m"));
}

GST_END_TEST;

GST_START_TEST (test_char_tables_follow_both_mappings)
{
  const AsciiTone identity = ASCII_TONE_IDENTITY;
  guint8 table[256];
  guint g;

  ascii_char_table_build (table, ramp92, ASCII_MAPPING_PROPORTIONAL, &identity);
  for (g = 0; g < 256; g++)
    fail_unless_equals_int (table[g],
        reference_char (ramp92, g, ASCII_MAPPING_PROPORTIONAL));
  fail_unless_equals_int (table[0], ' ');
  fail_unless_equals_int (table[150], ']');
  fail_unless_equals_int (table[254], '&');
  fail_unless_equals_int (table[255], '@');

  ascii_char_table_build (table, ramp92, ASCII_MAPPING_LEGACY, &identity);
  for (g = 0; g < 256; g++)
    fail_unless_equals_int (table[g],
        reference_char (ramp92, g, ASCII_MAPPING_LEGACY));
  /* The seed's mapping: gray // 2, clipped: 150 is 'H', everything from
   * 182 on is '@'. */
  fail_unless_equals_int (table[150], 'H');
  fail_unless_equals_int (table[181], '&');
  for (g = 182; g < 256; g++)
    fail_unless_equals_int (table[g], '@');

  /* A one-character ramp and one longer than 256. */
  ascii_char_table_build (table, "#", ASCII_MAPPING_PROPORTIONAL, &identity);
  for (g = 0; g < 256; g++)
    fail_unless_equals_int (table[g], '#');
  {
    GString *long_ramp = g_string_new (NULL);

    for (g = 0; g < 300; g++)
      g_string_append_c (long_ramp, (gchar) (0x20 + g % 95));
    ascii_char_table_build (table, long_ramp->str, ASCII_MAPPING_LEGACY,
        &identity);
    for (g = 0; g < 256; g++)
      fail_unless_equals_int (table[g], long_ramp->str[g]);
    g_string_free (long_ramp, TRUE);
  }
}

GST_END_TEST;

GST_START_TEST (test_tone_curve)
{
  AsciiTone tone = ASCII_TONE_IDENTITY;
  guint8 curve[256], table[256];
  guint i;

  ascii_tone_build (&tone, curve);
  for (i = 0; i < 256; i++)
    fail_unless_equals_int (curve[i], i);

  tone.invert = TRUE;
  ascii_tone_build (&tone, curve);
  for (i = 0; i < 256; i++)
    fail_unless_equals_int (curve[i], 255 - i);
  ascii_char_table_build (table, ramp92, ASCII_MAPPING_PROPORTIONAL, &tone);
  fail_unless_equals_int (table[0], '@');
  fail_unless_equals_int (table[255], ' ');

  tone = ASCII_TONE_IDENTITY;
  tone.brightness = 1.0;
  ascii_tone_build (&tone, curve);
  for (i = 0; i < 256; i++)
    fail_unless_equals_int (curve[i], 255);

  tone = ASCII_TONE_IDENTITY;
  tone.brightness = -0.5;
  ascii_tone_build (&tone, curve);
  fail_unless_equals_int (curve[0], 0);
  fail_unless_equals_int (curve[127], 0);
  fail_unless_equals_int (curve[255], 128);

  tone = ASCII_TONE_IDENTITY;
  tone.contrast = 0.0;
  ascii_tone_build (&tone, curve);
  for (i = 0; i < 256; i++)
    fail_unless_equals_int (curve[i], 128);

  tone = ASCII_TONE_IDENTITY;
  tone.contrast = 2.0;
  ascii_tone_build (&tone, curve);
  fail_unless_equals_int (curve[64], 0);
  fail_unless_equals_int (curve[128], 129);
  fail_unless_equals_int (curve[192], 255);

  /* v ^ (1 / gamma): 0.25 ^ (1 / 2) = 0.5 */
  tone = ASCII_TONE_IDENTITY;
  tone.gamma = 2.0;
  ascii_tone_build (&tone, curve);
  fail_unless_equals_int (curve[0], 0);
  fail_unless_equals_int (curve[255], 255);
  fail_unless_equals_int (curve[64], 128);
}

GST_END_TEST;

GST_START_TEST (test_mode_masks)
{
  fail_unless_equals_int (ascii_mode_channel_mask (1), 0xff);
  fail_unless_equals_int (ascii_mode_channel_mask (2), 0xe0);
  fail_unless_equals_int (ascii_mode_channel_mask (3), 0xf8);
  fail_unless_equals_int (ascii_mode_channel_mask (4), 0xfc);
  fail_unless_equals_int (ascii_mode_channel_mask (5), 0xff);
}

GST_END_TEST;

/* Pixel layouts written out byte by byte: R, G, B offsets and size. */
static const struct {
  AsciiLayout layout;
  guint size, r, g, b;
} layouts[] = {
  { ASCII_LAYOUT_RGB, 3, 0, 1, 2 },
  { ASCII_LAYOUT_BGR, 3, 2, 1, 0 },
  { ASCII_LAYOUT_RGBX, 4, 0, 1, 2 },
  { ASCII_LAYOUT_BGRX, 4, 2, 1, 0 },
  { ASCII_LAYOUT_XRGB, 4, 1, 2, 3 },
  { ASCII_LAYOUT_XBGR, 4, 3, 2, 1 },
};

/* Every layout, every width up to 70 and a few long ones, random pixels,
 * one encoder tier: each cell is what the seed's arithmetic says, and not a
 * byte around the row is touched.  Each source row is allocated on its own
 * and ends where the allocation does, so that AddressSanitizer sees a read
 * past it.  Every other width uses a table that gives each grey its own
 * byte, so that a grey off by one cannot hide behind a shared character. */
static void
check_kernel (const gchar *tier)
{
  const AsciiTone identity = ASCII_TONE_IDENTITY;
  static const guint widths[] = { 200, 255, 256, 257, 4096 };
  GRand *rand = g_rand_new_with_seed (5);
  guint8 ramp_table[256], grey_table[256], *src, *dst;
  guint l, w, k, mode;

  ascii_char_table_build (ramp_table, ramp92, ASCII_MAPPING_PROPORTIONAL,
      &identity);
  for (guint g = 0; g < 256; g++)
    grey_table[g] = (guint8) (g ^ 0x5a);
  fail_unless (ascii_cells_use (tier), "this CPU has no %s encoder", tier);
  fail_unless_equals_string (ascii_cells_implementation (), tier);
  dst = g_malloc (4096 * 4 + 8);
  for (l = 0; l < G_N_ELEMENTS (layouts); l++) {
    for (k = 0; k < 70 + G_N_ELEMENTS (widths); k++) {
      const guint8 *table = k % 2 ? grey_table : ramp_table;
      gsize src_size;

      w = k < 70 ? k + 1 : widths[k - 70];
      mode = 2 + k % 4;
      src_size = 1 + (gsize) w * layouts[l].size;
      src = g_malloc (src_size);
      for (gsize i = 0; i < src_size; i++)
        src[i] = g_rand_int (rand);
      memset (dst, 0xa5, 4096 * 4 + 8);
      /* src + 1: rows need no alignment. */
      ascii_cells_encode_row (layouts[l].layout, src + 1, w, table,
          ascii_mode_channel_mask (mode), dst + 4);
      for (guint x = 0; x < w; x++) {
        const guint8 *p = src + 1 + x * layouts[l].size;
        guint r = p[layouts[l].r], g = p[layouts[l].g], b = p[layouts[l].b];
        guint grey = reference_grey (r, g, b);
        const guint8 *c = dst + 4 + x * 4;
        guint8 want[4];

        want[0] = table == grey_table
            ? grey ^ 0x5a
            : reference_char (ramp92, grey, ASCII_MAPPING_PROPORTIONAL);
        want[1] = reference_channel (r, mode);
        want[2] = reference_channel (g, mode);
        want[3] = reference_channel (b, mode);
        fail_unless (memcmp (c, want, 4) == 0,
            "%s, layout %u, width %u, pixel %u: cell %02x %02x %02x %02x, "
            "want %02x %02x %02x %02x",
            tier, l, w, x, c[0], c[1], c[2], c[3], want[0], want[1], want[2],
            want[3]);
      }
      for (guint i = 0; i < 4; i++) {
        fail_unless_equals_int (dst[i], 0xa5);
        fail_unless_equals_int (dst[4 + w * 4 + i], 0xa5);
      }
      g_free (src);
    }
  }
  g_free (dst);
  g_rand_free (rand);
  ascii_cells_use (NULL);
}

/* Whether this CPU has what a tier needs, asked here rather than of the
 * library, so that a tier the library fails to offer is caught. */
static gboolean
cpu_has (const gchar *tier)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init ();
  if (strcmp (tier, "avx2") == 0)
    return __builtin_cpu_supports ("avx2") != 0;
  if (strcmp (tier, "avx512vbmi") == 0)
    return __builtin_cpu_supports ("avx512f")
        && __builtin_cpu_supports ("avx512bw")
        && __builtin_cpu_supports ("avx512vbmi");
#endif
  return strcmp (tier, "portable") == 0;
}

static const gchar *
best_tier (void)
{
  if (cpu_has ("avx512vbmi"))
    return "avx512vbmi";
  if (cpu_has ("avx2"))
    return "avx2";
  return "portable";
}

GST_START_TEST (test_portable_kernel)
{
  check_kernel ("portable");
}

GST_END_TEST;

/* The machines this project tests on are x86-64 with AVX2, and most
 * x86-64 CPUs without AVX-512 VBMI run the AVX2 encoder, so it must be
 * tested: on an x86-64 CPU without AVX2 this test fails rather than
 * passing without having run it.  Elsewhere there is no AVX2 encoder and
 * asking for it must leave the portable one in place. */
GST_START_TEST (test_avx2_kernel)
{
#if defined(__x86_64__)
  fail_unless (cpu_has ("avx2"),
      "this x86-64 CPU has no AVX2, so the AVX2 encoder cannot be tested");
  check_kernel ("avx2");
#else
  fail_if (ascii_cells_use ("avx2"));
  fail_unless_equals_string (ascii_cells_implementation (), "portable");
#endif
}

GST_END_TEST;

/* Where the CPU has AVX-512 VBMI its encoder must agree with the formula;
 * where it has not, asking for it must leave the best other tier in
 * place. */
GST_START_TEST (test_avx512vbmi_kernel)
{
  if (cpu_has ("avx512vbmi")) {
    check_kernel ("avx512vbmi");
  } else {
    fail_if (ascii_cells_use ("avx512vbmi"));
    fail_unless_equals_string (ascii_cells_implementation (), best_tier ());
  }
}

GST_END_TEST;

/* Picking tiers by name, and going back to the best. */
GST_START_TEST (test_tier_selection)
{
  fail_unless (ascii_cells_use (NULL));
  fail_unless_equals_string (ascii_cells_implementation (), best_tier ());

  fail_unless_equals_int (ascii_cells_use ("avx2"), cpu_has ("avx2"));
  fail_unless_equals_string (ascii_cells_implementation (),
      cpu_has ("avx2") ? "avx2" : best_tier ());

  fail_unless (ascii_cells_use ("portable"));
  fail_unless_equals_string (ascii_cells_implementation (), "portable");

  /* An unknown name puts the best back, as a tier the CPU lacks does. */
  fail_if (ascii_cells_use ("sse2"));
  fail_unless_equals_string (ascii_cells_implementation (), best_tier ());
  fail_unless (ascii_cells_use ("portable"));
  fail_if (ascii_cells_use (""));
  fail_unless_equals_string (ascii_cells_implementation (), best_tier ());

  fail_unless (ascii_cells_use (NULL));
  fail_unless_equals_string (ascii_cells_implementation (), best_tier ());
}

GST_END_TEST;

/* Whole frames with padded strides: every tier the CPU has writes the same
 * bytes as the portable one, and leaves the padding of both the source and
 * the destination rows alone. */
GST_START_TEST (test_tiers_agree_on_frames)
{
  static const gchar *const tiers[] = { "avx2", "avx512vbmi" };
  const guint width = 45, height = 5, src_stride = 45 * 4 + 7;
  const gsize dst_stride = 45 * 4 + 12;
  const AsciiTone identity = ASCII_TONE_IDENTITY;
  GRand *rand = g_rand_new_with_seed (11);
  guint8 table[256], *src, *expect, *got;
  guint l, t;

  ascii_char_table_build (table, ramp92, ASCII_MAPPING_LEGACY, &identity);
  src = g_malloc (src_stride * height);
  expect = g_malloc (dst_stride * height);
  got = g_malloc (dst_stride * height);
  for (l = 0; l < G_N_ELEMENTS (layouts); l++) {
    for (gsize i = 0; i < src_stride * height; i++)
      src[i] = g_rand_int (rand);
    memset (expect, 0x3c, dst_stride * height);
    fail_unless (ascii_cells_use ("portable"));
    ascii_cells_encode (layouts[l].layout, src, src_stride, width, height,
        table, 0xf8, expect, dst_stride);
    for (t = 0; t < G_N_ELEMENTS (tiers); t++) {
      if (!cpu_has (tiers[t]))
        continue;
      fail_unless (ascii_cells_use (tiers[t]));
      memset (got, 0x3c, dst_stride * height);
      ascii_cells_encode (layouts[l].layout, src, src_stride, width, height,
          table, 0xf8, got, dst_stride);
      fail_unless (memcmp (got, expect, dst_stride * height) == 0,
          "%s differs from portable on layout %u", tiers[t], l);
    }
  }
  g_free (src);
  g_free (expect);
  g_free (got);
  g_rand_free (rand);
  ascii_cells_use (NULL);
}

GST_END_TEST;

GST_START_TEST (test_frame_strides)
{
  const AsciiTone identity = ASCII_TONE_IDENTITY;
  guint8 table[256], src[3 * 16], dst[2 * 24];
  guint i;

  ascii_char_table_build (table, "ab", ASCII_MAPPING_PROPORTIONAL, &identity);
  /* Two rows of 3 BGR pixels, 16 bytes apart; output rows 24 bytes apart. */
  memset (src, 0, sizeof src);
  for (i = 0; i < 9; i++)
    src[16 + i] = 0xff;
  memset (dst, '-', sizeof dst);
  ascii_cells_encode (ASCII_LAYOUT_BGR, src, 16, 3, 2, table, 0xff, dst, 24);
  for (i = 0; i < 3; i++) {
    fail_unless_equals_int (dst[i * 4], 'a');
    fail_unless_equals_int (dst[24 + i * 4], 'b');
    fail_unless_equals_int (dst[24 + i * 4 + 1], 0xff);
  }
  for (i = 12; i < 24; i++)
    fail_unless_equals_int (dst[i], '-');
}

GST_END_TEST;

/* Python: str(float(n / d)) */
GST_START_TEST (test_fps_like_python)
{
  static const struct {
    gint num, den;
    const gchar *text;
  } cases[] = {
    { 30, 1, "30.0" },
    { 25, 1, "25.0" },
    { 24, 1, "24.0" },
    { 60, 1, "60.0" },
    { 120, 1, "120.0" },
    { 30000, 1001, "29.97002997002997" },
    { 24000, 1001, "23.976023976023978" },
    { 60000, 1001, "59.94005994005994" },
    { 1, 2, "0.5" },
    { 10, 3, "3.3333333333333335" },
    { 1, 3, "0.3333333333333333" },
    { 0, 1, "0.0" },
    { 1, 100000, "1e-05" },
    { 1, 10000, "0.0001" },
    { 2147483647, 1, "2147483647.0" },
    { 1, 2147483647, "4.656612875245797e-10" },
  };
  gchar out[ASCII_FPS_STRING_SIZE];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    ascii_fps_to_string (cases[i].num, cases[i].den, out);
    fail_unless_equals_string (out, cases[i].text);
  }
}

GST_END_TEST;

GST_START_TEST (test_asciiline_messages)
{
  guint8 cells[] = { 'a', 1, 2, 3, 'b', 4, 5, 6, 'c', 7, 8, 9, 'd', 0, 0, 0 };
  guint8 out[64];
  gsize length, n;
  gchar *init;

  init = ascii_asciiline_init (30, 1, 3, 200, 84, &length);
  fail_unless_equals_string (init, "INIT:30.0:3:200:84:0");
  fail_unless_equals_int (length, strlen (init));
  g_free (init);
  init = ascii_asciiline_init (30000, 1001, 1, 80, 24, NULL);
  fail_unless_equals_string (init, "INIT:29.97002997002997:1:80:24:0");
  g_free (init);

  ascii_asciiline_write_index (out, 0x01020304);
  fail_unless (memcmp (out, "\x01\x02\x03\x04", 4) == 0);

  /* Mode 1: "{index}\n" and the rows joined by "\n" */
  fail_unless (ascii_asciiline_text_size (2, 2) >= 10 + 1 + 5);
  n = ascii_asciiline_text_write (out, 4294967295u, cells, 2, 2);
  fail_unless_equals_int (n, 16);
  fail_unless (memcmp (out, "4294967295\nab\ncd", 16) == 0);
  n = ascii_asciiline_text_write (out, 0, cells, 4, 1);
  fail_unless_equals_int (n, 6);
  fail_unless (memcmp (out, "0\nabcd", 6) == 0);

  /* format=text: every row ends in "\n", then an empty line */
  n = ascii_text_write (out, cells, 2, 2);
  fail_unless_equals_int (n, ascii_text_size (2, 2));
  fail_unless (memcmp (out, "ab\ncd\n\n", 7) == 0);
}

GST_END_TEST;

GST_START_TEST (test_xterm256)
{
  guint8 rgb[3];

  fail_unless_equals_int (ascii_xterm256_index (0, 0, 0), 16);
  fail_unless_equals_int (ascii_xterm256_index (255, 255, 255), 231);
  fail_unless_equals_int (ascii_xterm256_index (255, 0, 0), 196);
  fail_unless_equals_int (ascii_xterm256_index (0, 255, 0), 46);
  fail_unless_equals_int (ascii_xterm256_index (0, 0, 255), 21);
  /* Greys between the cube's levels go to the grey ramp. */
  fail_unless_equals_int (ascii_xterm256_index (128, 128, 128), 244);
  fail_unless_equals_int (ascii_xterm256_index (48, 48, 48), 236);
  ascii_xterm256_colour (196, rgb);
  fail_unless (rgb[0] == 255 && rgb[1] == 0 && rgb[2] == 0);
  ascii_xterm256_colour (244, rgb);
  fail_unless (rgb[0] == 128 && rgb[1] == 128 && rgb[2] == 128);
  ascii_xterm256_colour (16 + 36 * 1 + 6 * 2 + 3, rgb);
  fail_unless (rgb[0] == 95 && rgb[1] == 135 && rgb[2] == 175);

  /* Every index is the nearest of the 240 colours (a tie may go either
   * way), on a grid through the whole RGB cube. */
  for (guint key = 0; key < (1 << 24); key += 4099) {
    guint8 c[3] = { key >> 16, key >> 8 & 0xff, key & 0xff };
    guint8 chosen = ascii_xterm256_index (c[0], c[1], c[2]), best = 16;
    guint best_d = G_MAXUINT, chosen_d = 0;

    for (guint i = 16; i < 256; i++) {
      guint d = 0;

      ascii_xterm256_colour (i, rgb);
      for (guint k = 0; k < 3; k++)
        d += (rgb[k] - c[k]) * (rgb[k] - c[k]);
      if (d < best_d) {
        best_d = d;
        best = i;
      }
      if (i == chosen)
        chosen_d = d;
    }
    fail_unless (chosen_d == best_d, "%06x: %u is not nearest (%u is)", key,
        chosen, best);
  }
}

GST_END_TEST;

/* Literal ANSI bytes for a 3x2 picture. */
GST_START_TEST (test_ansi_literal)
{
  const guint8 cells[] = {
    'a', 255, 0, 0, 'b', 255, 0, 0, 'c', 0, 0, 255, /* row 0 */
    'd', 0, 0, 255, 'e', 0, 0, 255, 'f', 9, 10, 11, /* row 1 */
  };
  AsciiAnsiOptions truecolor = { ASCII_ANSI_COLOUR_TRUE, FALSE, TRUE };
  AsciiAnsiOptions plain = { ASCII_ANSI_COLOUR_NONE, FALSE, TRUE };
  AsciiAnsiOptions x256 = { ASCII_ANSI_COLOUR_256, FALSE, TRUE };
  AsciiAnsiOptions half = { ASCII_ANSI_COLOUR_TRUE, TRUE, TRUE };
  AsciiAnsiOptions every = { ASCII_ANSI_COLOUR_TRUE, FALSE, FALSE };
  guint8 out[512];
  gsize n;
  const gchar *expect;

  expect = "\033[H\033[38;2;255;0;0mab\033[38;2;0;0;255mc\r\n"
           "de\033[38;2;9;10;11mf";
  n = ascii_ansi_write (out, cells, 3, 2, &truecolor);
  fail_unless (n <= ascii_ansi_max_size (3, 2, &truecolor));
  fail_unless_equals_int (n, strlen (expect));
  fail_unless (memcmp (out, expect, n) == 0, "%.*s", (int) n, out);

  expect = "\033[Habc\r\ndef";
  n = ascii_ansi_write (out, cells, 3, 2, &plain);
  fail_unless_equals_int (n, strlen (expect));
  fail_unless (memcmp (out, expect, n) == 0);

  expect = "\033[H\033[38;5;196mab\033[38;5;21mc\r\nde\033[38;5;232mf";
  n = ascii_ansi_write (out, cells, 3, 2, &x256);
  fail_unless_equals_int (n, strlen (expect));
  fail_unless (memcmp (out, expect, n) == 0, "%.*s", (int) n, out);

  expect = "\033[H\033[38;2;255;0;0;48;2;0;0;255m\xe2\x96\x80\xe2\x96\x80"
           "\033[38;2;0;0;255;48;2;9;10;11m\xe2\x96\x80";
  n = ascii_ansi_write (out, cells, 3, 2, &half);
  fail_unless (n <= ascii_ansi_max_size (3, 2, &half));
  fail_unless_equals_int (n, strlen (expect));
  fail_unless (memcmp (out, expect, n) == 0, "%.*s", (int) n, out);

  /* One pixel row: the bottom halves take the default background. */
  expect = "\033[H\033[38;2;255;0;0;49m\xe2\x96\x80\xe2\x96\x80"
           "\033[38;2;0;0;255m\xe2\x96\x80";
  n = ascii_ansi_write (out, cells, 3, 1, &half);
  fail_unless_equals_int (n, strlen (expect));
  fail_unless (memcmp (out, expect, n) == 0, "%.*s", (int) n, out);

  /* Without elision every cell carries its colour. */
  expect = "\033[H\033[38;2;255;0;0ma\033[38;2;255;0;0mb\033[38;2;0;0;255mc";
  n = ascii_ansi_write (out, cells, 3, 1, &every);
  fail_unless_equals_int (n, strlen (expect));
  fail_unless (memcmp (out, expect, n) == 0, "%.*s", (int) n, out);
}

GST_END_TEST;

/* Random pictures read back through the screen model: the same characters
 * and colours, in every colour depth, with and without half-blocks; and
 * eliding never costs bytes. */
GST_START_TEST (test_ansi_reads_back)
{
  GRand *rand = g_rand_new_with_seed (7);
  const guint cols = 37, rows = 11;
  guint8 *cells = g_malloc (cols * rows * 4);
  guint8 *out, *out_all;
  guint c, h, x, y;

  for (x = 0; x < cols * rows; x++) {
    /* Runs of equal colours, as in real pictures. */
    guint8 level = (guint8) (((x / 5 + x / cols) % 4) * 80);

    cells[x * 4] = ramp92[g_rand_int_range (rand, 0, 92)];
    cells[x * 4 + 1] = level;
    cells[x * 4 + 2] = (x / 5) % 3 == 0 ? 255 : level;
    cells[x * 4 + 3] = 40;
  }
  for (c = ASCII_ANSI_COLOUR_NONE; c <= ASCII_ANSI_COLOUR_256; c++) {
    for (h = 0; h < 2; h++) {
      AsciiAnsiOptions elide = { c, h, TRUE }, all = { c, h, FALSE };
      gsize max = ascii_ansi_max_size (cols, rows, &elide), n, n_all;
      guint text_rows = ascii_ansi_text_rows (rows, h);
      Screen *screen;

      if (c == ASCII_ANSI_COLOUR_NONE && h)
        continue;
      screen = screen_new (cols, text_rows);
      out = g_malloc (max);
      out_all = g_malloc (max);
      n = ascii_ansi_write (out, cells, cols, rows, &elide);
      n_all = ascii_ansi_write (out_all, cells, cols, rows, &all);
      fail_unless (n <= max && n_all <= max);
      if (c != ASCII_ANSI_COLOUR_NONE)
        fail_unless (n < n_all * 3 / 4, "elision: %u of %u bytes", (guint) n,
            (guint) n_all);

      screen_feed (screen, out, n);
      fail_if (screen->error);
      fail_unless_equals_int (screen->homes, 1);
      for (y = 0; y < text_rows; y++) {
        for (x = 0; x < cols; x++) {
          ScreenCell *sc = screen_cell (screen, y, x);
          const guint8 *top = cells + ((h ? y * 2 : y) * cols + x) * 4;
          gint32 fg, bg = SCREEN_DEFAULT;

          if (c == ASCII_ANSI_COLOUR_256)
            fg = SCREEN_INDEX (ascii_xterm256_index (top[1], top[2], top[3]));
          else
            fg = SCREEN_RGB (top[1], top[2], top[3]);
          if (h) {
            const guint8 *bottom = top + cols * 4;

            fail_unless_equals_string (sc->ch, "\xe2\x96\x80");
            /* An odd last pixel row has no partner. */
            if (y * 2 + 1 >= rows)
              bg = SCREEN_DEFAULT;
            else if (c == ASCII_ANSI_COLOUR_256)
              bg = SCREEN_INDEX (
                  ascii_xterm256_index (bottom[1], bottom[2], bottom[3]));
            else
              bg = SCREEN_RGB (bottom[1], bottom[2], bottom[3]);
          } else {
            fail_unless_equals_int (sc->ch[0], top[0]);
            fail_unless_equals_int (sc->ch[1], 0);
          }
          if (c == ASCII_ANSI_COLOUR_NONE)
            fg = SCREEN_DEFAULT;
          fail_unless_equals_int (sc->fg, fg);
          fail_unless_equals_int (sc->bg, bg);
        }
      }
      screen_free (screen);
      g_free (out);
      g_free (out_all);
    }
  }
  g_free (cells);
  g_rand_free (rand);
}

GST_END_TEST;

static Suite *
asciivideoenc_cells_suite (void)
{
  Suite *s = suite_create ("asciivideoenc-cells");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_default_ramp);
  tcase_add_test (tc, test_ramp_validation);
  tcase_add_test (tc, test_char_tables_follow_both_mappings);
  tcase_add_test (tc, test_tone_curve);
  tcase_add_test (tc, test_mode_masks);
  tcase_add_test (tc, test_portable_kernel);
  tcase_add_test (tc, test_avx2_kernel);
  tcase_add_test (tc, test_avx512vbmi_kernel);
  tcase_add_test (tc, test_tier_selection);
  tcase_add_test (tc, test_tiers_agree_on_frames);
  tcase_add_test (tc, test_frame_strides);
  tcase_add_test (tc, test_fps_like_python);
  tcase_add_test (tc, test_asciiline_messages);
  tcase_add_test (tc, test_xterm256);
  tcase_add_test (tc, test_ansi_literal);
  tcase_add_test (tc, test_ansi_reads_back);
  return s;
}

ONAIR_CHECK_MAIN (asciivideoenc_cells);

/* gst-plugins-onair: cells to bytes: ASCILINE messages, ANSI and plain text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asciiwire.h"

static void
append_zeros (GString *s, gint count)
{
  for (; count > 0; count--)
    g_string_append_c (s, '0');
}

/* Python's repr of a float: the shortest round-tripping digits, placed in
 * fixed notation for decimal exponents -4..15 and in exponent notation
 * otherwise. */
void
ascii_fps_to_string (gint num, gint den, gchar out[ASCII_FPS_STRING_SIZE])
{
  gdouble value = den != 0 ? (gdouble) num / den : 0.0;
  gchar sci[40], format[8], digits[24];
  gint precision, exponent, n_digits = 0, point;
  const gchar *p;
  GString *s;

  if (value == 0.0) {
    g_strlcpy (out, "0.0", ASCII_FPS_STRING_SIZE);
    return;
  }
  for (precision = 1; precision <= 17; precision++) {
    g_snprintf (format, sizeof format, "%%.%de", precision - 1);
    g_ascii_formatd (sci, sizeof sci, format, value);
    if (g_ascii_strtod (sci, NULL) == value)
      break;
  }
  /* sci is "[-]d[.ddd]e[+-]XX" */
  s = g_string_new (NULL);
  p = sci;
  if (*p == '-') {
    g_string_append_c (s, '-');
    p++;
  }
  for (; *p != 'e'; p++) {
    if (g_ascii_isdigit (*p))
      digits[n_digits++] = *p;
  }
  exponent = atoi (p + 1);
  while (n_digits > 1 && digits[n_digits - 1] == '0')
    n_digits--;
  digits[n_digits] = '\0';

  if (exponent >= -4 && exponent < 16) {
    point = exponent + 1; /* digits before the decimal point */
    if (point <= 0) {
      g_string_append (s, "0.");
      append_zeros (s, -point);
      g_string_append (s, digits);
    } else if (point >= n_digits) {
      g_string_append (s, digits);
      append_zeros (s, point - n_digits);
      g_string_append (s, ".0");
    } else {
      g_string_append_len (s, digits, point);
      g_string_append_c (s, '.');
      g_string_append (s, digits + point);
    }
  } else {
    g_string_append_c (s, digits[0]);
    if (n_digits > 1) {
      g_string_append_c (s, '.');
      g_string_append (s, digits + 1);
    }
    g_string_append_printf (s, "e%c%02d", exponent < 0 ? '-' : '+',
        ABS (exponent));
  }
  g_strlcpy (out, s->str, ASCII_FPS_STRING_SIZE);
  g_string_free (s, TRUE);
}

gchar *
ascii_asciiline_init (gint fps_num, gint fps_den, guint mode, guint cols,
    guint rows, gsize *length)
{
  gchar fps[ASCII_FPS_STRING_SIZE];
  gchar *init;

  ascii_fps_to_string (fps_num, fps_den, fps);
  init = g_strdup_printf ("INIT:%s:%u:%u:%u:0", fps, mode, cols, rows);
  if (length != NULL)
    *length = strlen (init);
  return init;
}

/* Writes the characters of @rows rows with a newline after each row, or
 * only between rows when @last_too is FALSE. */
static guint8 *
write_char_rows (guint8 *out, const guint8 *cells, guint cols, guint rows,
    gboolean last_too)
{
  guint x, y;

  for (y = 0; y < rows; y++) {
    for (x = 0; x < cols; x++, cells += 4)
      *out++ = cells[0];
    if (last_too || y + 1 < rows)
      *out++ = '\n';
  }
  return out;
}

gsize
ascii_asciiline_text_size (guint cols, guint rows)
{
  /* 10 digits of a 32-bit index, its newline, the rows and separators. */
  return 11 + (gsize) rows * (cols + 1);
}

gsize
ascii_asciiline_text_write (guint8 *out, guint32 index, const guint8 *cells,
    guint cols, guint rows)
{
  gint n = g_snprintf ((gchar *) out, 12, "%u\n", index);

  return write_char_rows (out + n, cells, cols, rows, FALSE) - out;
}

void
ascii_asciiline_write_index (guint8 *out, guint32 index)
{
  guint32 be = GUINT32_TO_BE (index);

  memcpy (out, &be, 4);
}

gsize
ascii_text_size (guint cols, guint rows)
{
  return (gsize) rows * (cols + 1) + 1;
}

gsize
ascii_text_write (guint8 *out, const guint8 *cells, guint cols, guint rows)
{
  guint8 *end = write_char_rows (out, cells, cols, rows, TRUE);

  *end++ = '\n';
  return end - out;
}

/* xterm's 256 colours */

static const guint8 cube_levels[6] = { 0, 95, 135, 175, 215, 255 };

void
ascii_xterm256_colour (guint8 index, guint8 rgb[3])
{
  if (index >= 232) {
    rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (index - 232);
  } else if (index >= 16) {
    index -= 16;
    rgb[0] = cube_levels[index / 36];
    rgb[1] = cube_levels[index / 6 % 6];
    rgb[2] = cube_levels[index % 6];
  } else {
    rgb[0] = rgb[1] = rgb[2] = 0;
  }
}

/* Per channel value: the nearest cube level (0-5).  Per sum of the three
 * channels: the grey ramp step nearest to their mean (0-23). */
static guint8 cube_level_of[256];
static guint8 grey_step_of[766];

static guint
distance2 (guint r, guint g, guint b, const guint8 rgb[3])
{
  gint dr = (gint) r - rgb[0], dg = (gint) g - rgb[1], db = (gint) b - rgb[2];

  return (guint) (dr * dr + dg * dg + db * db);
}

static void
xterm256_tables_build (void)
{
  guint v, i;

  for (v = 0; v < 256; v++) {
    guint best = 0;

    for (i = 1; i < 6; i++) {
      if (ABS ((gint) cube_levels[i] - (gint) v)
          < ABS ((gint) cube_levels[best] - (gint) v))
        best = i;
    }
    cube_level_of[v] = best;
  }
  /* The distance to a grey g is 3 (g - mean)^2 plus a constant, so the
   * nearest grey is the step nearest to the mean: compare 3g with the sum. */
  for (v = 0; v < G_N_ELEMENTS (grey_step_of); v++) {
    guint best = 0;

    for (i = 1; i < 24; i++) {
      if (ABS (3 * (8 + 10 * (gint) i) - (gint) v)
          < ABS (3 * (8 + 10 * (gint) best) - (gint) v))
        best = i;
    }
    grey_step_of[v] = best;
  }
}

/* The nearest cube colour is the nearest level on each axis, the nearest
 * grey the step nearest to the mean; the closer of the two wins, the cube
 * on a tie. */
guint8
ascii_xterm256_index (guint8 r, guint8 g, guint8 b)
{
  static gsize built;
  guint8 cube_rgb[3], grey_rgb[3];
  guint cube, grey;

  if (g_once_init_enter (&built)) {
    xterm256_tables_build ();
    g_once_init_leave (&built, 1);
  }
  cube = 16 + 36 * cube_level_of[r] + 6 * cube_level_of[g] + cube_level_of[b];
  grey = 232 + grey_step_of[r + g + b];
  ascii_xterm256_colour (cube, cube_rgb);
  ascii_xterm256_colour (grey, grey_rgb);
  return distance2 (r, g, b, grey_rgb) < distance2 (r, g, b, cube_rgb) ? grey
                                                                       : cube;
}

void
ascii_cells_grey_to_colour (guint8 *cells, gsize count)
{
  gsize i;

  for (i = 0; i < count; i++, cells += 4)
    cells[1] = cells[2] = cells[3] = cells[0];
}

/* ANSI */

/* Decimal text of 0-255, "0" to "255", for the escape sequences. */
static gchar decimal_text[256][4];
static guint8 decimal_length[256];

static void
decimal_table_build (void)
{
  guint i;

  for (i = 0; i < 256; i++)
    decimal_length[i] =
        (guint8) g_snprintf (decimal_text[i], sizeof decimal_text[i], "%u", i);
}

static inline guint8 *
put_decimal (guint8 *out, guint v)
{
  memcpy (out, decimal_text[v], 4);
  return out + decimal_length[v];
}

#define COLOUR_UNKNOWN (-1)
#define COLOUR_DEFAULT (-2)

static inline gint32
colour_key (const guint8 *cell, AsciiAnsiColour colour)
{
  if (colour == ASCII_ANSI_COLOUR_256)
    return ascii_xterm256_index (cell[1], cell[2], cell[3]);
  return cell[1] << 16 | cell[2] << 8 | cell[3];
}

/* "38;2;R;G;B", "48;5;N" or "49" */
static inline guint8 *
put_colour (guint8 *out, gint32 key, gboolean background,
    AsciiAnsiColour colour)
{
  if (key == COLOUR_DEFAULT) {
    memcpy (out, "49", 2);
    return out + 2;
  }
  *out++ = background ? '4' : '3';
  *out++ = '8';
  *out++ = ';';
  if (colour == ASCII_ANSI_COLOUR_256) {
    *out++ = '5';
    *out++ = ';';
    return put_decimal (out, key);
  }
  *out++ = '2';
  *out++ = ';';
  out = put_decimal (out, key >> 16 & 0xff);
  *out++ = ';';
  out = put_decimal (out, key >> 8 & 0xff);
  *out++ = ';';
  return put_decimal (out, key & 0xff);
}

guint
ascii_ansi_text_rows (guint pixel_rows, gboolean half_blocks)
{
  return half_blocks ? (pixel_rows + 1) / 2 : pixel_rows;
}

gsize
ascii_ansi_max_size (guint cols, guint pixel_rows,
    const AsciiAnsiOptions *options)
{
  /* Widest cells: ESC[38;2;255;255;255;48;2;255;255;255m plus the 3 bytes
   * of U+2580, or ESC[38;2;255;255;255m plus one character. */
  gsize cell = options->half_blocks ? 39 : 20;
  guint rows = ascii_ansi_text_rows (pixel_rows, options->half_blocks);

  return 3 + rows * (cols * cell + 2);
}

static gsize
write_chars (guint8 *out, const guint8 *cells, guint cols, guint rows,
    const AsciiAnsiOptions *options)
{
  guint8 *p = out;
  gint32 fg = COLOUR_UNKNOWN;
  guint x, y;

  for (y = 0; y < rows; y++) {
    if (y > 0) {
      *p++ = '\r';
      *p++ = '\n';
    }
    if (options->colour == ASCII_ANSI_COLOUR_NONE) {
      for (x = 0; x < cols; x++, cells += 4)
        *p++ = cells[0];
      continue;
    }
    for (x = 0; x < cols; x++, cells += 4) {
      gint32 key = colour_key (cells, options->colour);

      if (key != fg || !options->elide) {
        *p++ = '\033';
        *p++ = '[';
        p = put_colour (p, key, FALSE, options->colour);
        *p++ = 'm';
        fg = key;
      }
      *p++ = cells[0];
    }
  }
  return p - out;
}

static gsize
write_half_blocks (guint8 *out, const guint8 *cells, guint cols,
    guint pixel_rows, const AsciiAnsiOptions *options)
{
  AsciiAnsiColour colour = options->colour == ASCII_ANSI_COLOUR_NONE
      ? ASCII_ANSI_COLOUR_TRUE
      : options->colour;
  guint8 *p = out;
  gint32 fg = COLOUR_UNKNOWN, bg = COLOUR_UNKNOWN;
  guint x, y;

  for (y = 0; y < pixel_rows; y += 2) {
    const guint8 *top = cells + (gsize) y * cols * 4;
    const guint8 *bottom = y + 1 < pixel_rows ? top + (gsize) cols * 4 : NULL;

    if (y > 0) {
      *p++ = '\r';
      *p++ = '\n';
    }
    for (x = 0; x < cols; x++) {
      gint32 top_key = colour_key (top + x * 4, colour);
      gint32 bottom_key =
          bottom != NULL ? colour_key (bottom + x * 4, colour) : COLOUR_DEFAULT;
      gboolean set_fg = top_key != fg || !options->elide;
      gboolean set_bg = bottom_key != bg || !options->elide;

      if (set_fg || set_bg) {
        *p++ = '\033';
        *p++ = '[';
        if (set_fg)
          p = put_colour (p, top_key, FALSE, colour);
        if (set_fg && set_bg)
          *p++ = ';';
        if (set_bg)
          p = put_colour (p, bottom_key, TRUE, colour);
        *p++ = 'm';
        fg = top_key;
        bg = bottom_key;
      }
      /* U+2580 UPPER HALF BLOCK */
      *p++ = 0xe2;
      *p++ = 0x96;
      *p++ = 0x80;
    }
  }
  return p - out;
}

gsize
ascii_ansi_write (guint8 *out, const guint8 *cells, guint cols,
    guint pixel_rows, const AsciiAnsiOptions *options)
{
  static gsize built;

  if (g_once_init_enter (&built)) {
    decimal_table_build ();
    g_once_init_leave (&built, 1);
  }
  memcpy (out, "\033[H", 3);
  if (options->half_blocks)
    return 3 + write_half_blocks (out + 3, cells, cols, pixel_rows, options);
  return 3 + write_chars (out + 3, cells, cols, pixel_rows, options);
}

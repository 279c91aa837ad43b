/* gst-plugins-onair: cells to bytes: ASCILINE messages, ANSI and plain text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain C.  The writers take rows of 4-byte cells [byte, R, G, B] made by
 * ascii_cells_encode() and produce the bytes one frame is sent as.
 */
#ifndef __ASCII_WIRE_H__
#define __ASCII_WIRE_H__

#include <glib.h>

G_BEGIN_DECLS

/* The frame rate as the ASCILINE server's Python prints float (num / den):
 * the shortest decimal that reads back as the same double, with ".0" on
 * whole numbers ("30.0", "29.97002997002997"), and Python's exponent form
 * outside [1e-4, 1e16) ("1e-05", "1e+16").  Writes at most
 * ASCII_FPS_STRING_SIZE bytes including the NUL. */
#define ASCII_FPS_STRING_SIZE 32
void ascii_fps_to_string (gint num, gint den, gchar out[ASCII_FPS_STRING_SIZE]);

/* "INIT:{fps}:{mode}:{cols}:{rows}:0", without a terminating NUL in the
 * count.  Free with g_free. */
gchar *ascii_asciiline_init (gint fps_num, gint fps_den, guint mode, guint cols,
    guint rows, gsize *length);

/* Mode 1: "{index}\n" then the rows of characters joined by "\n".
 * @cells holds @rows rows of @cols cells.  Returns the bytes written;
 * @out needs ascii_asciiline_text_size() bytes. */
gsize ascii_asciiline_text_size (guint cols, guint rows);
gsize ascii_asciiline_text_write (guint8 *out, guint32 index,
    const guint8 *cells, guint cols, guint rows);

/* Modes 2-5 write the cells as they are after a 4-byte big-endian index. */
void ascii_asciiline_write_index (guint8 *out, guint32 index);

/* format=text: every row of characters followed by "\n", then one empty
 * line, so that frames stay apart in a file. */
gsize ascii_text_size (guint cols, guint rows);
gsize
ascii_text_write (guint8 *out, const guint8 *cells, guint cols, guint rows);

typedef enum {
  ASCII_ANSI_COLOUR_NONE, /* characters only */
  ASCII_ANSI_COLOUR_TRUE, /* ESC[38;2;R;G;Bm */
  ASCII_ANSI_COLOUR_256, /* ESC[38;5;Nm, N the nearest xterm colour 16-255 */
} AsciiAnsiColour;

typedef struct {
  AsciiAnsiColour colour;
  /* Two pixel rows per text row: U+2580 (upper half block) with the top
   * pixel as foreground and the bottom one as background.  A last pixel
   * row without a partner gets the terminal's default background. */
  gboolean half_blocks;
  /* Send a colour only when it differs from the one in force. */
  gboolean elide;
} AsciiAnsiOptions;

/* Sent once before the first frame: hide the cursor, no auto-wrap (a
 * picture wider than the terminal is cut instead of scrolling), clear the
 * screen. */
#define ASCII_ANSI_START "\033[?25l\033[?7l\033[2J"
/* Sent at the end: default colours, auto-wrap and cursor back, and a new
 * line below the picture. */
#define ASCII_ANSI_END "\033[0m\033[?7h\033[?25h\r\n"

/* Text rows of a picture of @pixel_rows rows. */
guint ascii_ansi_text_rows (guint pixel_rows, gboolean half_blocks);
/* Upper bound of ascii_ansi_write() for that picture. */
gsize ascii_ansi_max_size (guint cols, guint pixel_rows,
    const AsciiAnsiOptions *options);
/* One frame: cursor home, then the text rows separated by "\r\n" (none
 * after the last, so a picture as tall as the terminal does not scroll).
 * @cells holds @pixel_rows rows of @cols cells; with half-blocks only their
 * colours are used.  Colour state starts unknown in every frame, so each
 * frame draws correctly on its own.  Returns the bytes written. */
gsize ascii_ansi_write (guint8 *out, const guint8 *cells, guint cols,
    guint pixel_rows, const AsciiAnsiOptions *options);

/* The xterm 256-colour index (16-255: the 6x6x6 cube and the grey ramp)
 * nearest to a colour (least squared distance in RGB). */
guint8 ascii_xterm256_index (guint8 r, guint8 g, guint8 b);
/* The colour an xterm shows for index 16-255. */
void ascii_xterm256_colour (guint8 index, guint8 rgb[3]);

/* Sets R, G and B of every cell to its byte 0: with a tone table instead of
 * a character table, this gives the grey picture half-blocks draw in
 * mode 1. */
void ascii_cells_grey_to_colour (guint8 *cells, gsize count);

G_END_DECLS

#endif /* __ASCII_WIRE_H__ */

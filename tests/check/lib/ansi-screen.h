/* gst-plugins-onair: a small ANSI screen model for the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plays bytes onto a grid the way a terminal would, for what asciivideoenc
 * and tmux's capture-pane emit: cursor home and positioning, CR, LF, erase
 * display, SGR colours (truecolor, 256, defaults, reset) and the private
 * modes for the cursor and auto-wrap.  Written apart from the encoder so
 * that the tests read its output back independently.
 */
#ifndef __ONAIR_ANSI_SCREEN_H__
#define __ONAIR_ANSI_SCREEN_H__

#include <glib.h>

G_BEGIN_DECLS

/* A colour as the screen holds it. */
#define SCREEN_DEFAULT (-1)
#define SCREEN_RGB(r, g, b) ((gint32) (0x1000000 | (r) << 16 | (g) << 8 | (b)))
#define SCREEN_INDEX(n) ((gint32) (0x2000000 | (n)))

typedef struct {
  gchar ch[5]; /* one UTF-8 character, NUL-terminated; "" when never drawn */
  gint32 fg;
  gint32 bg;
} ScreenCell;

typedef struct {
  guint width, height;
  ScreenCell *cells;
  guint row, col;
  gint32 fg, bg;
  gboolean cursor_visible;
  gboolean autowrap;
  guint clears; /* ESC[2J seen */
  guint homes; /* ESC[H seen */
  guint sgr_count; /* SGR sequences seen */
  gboolean error; /* a byte sequence the model does not know */
} Screen;

Screen *screen_new (guint width, guint height);
void screen_free (Screen *s);
ScreenCell *screen_cell (Screen *s, guint row, guint col);
/* Plays @size bytes onto the screen; a sequence the model does not know
 * sets s->error. */
void screen_feed (Screen *s, const guint8 *data, gsize size);

G_END_DECLS

#endif /* __ONAIR_ANSI_SCREEN_H__ */

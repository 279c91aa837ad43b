/* gst-plugins-onair: a small ANSI screen model for the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ansi-screen.h"

Screen *
screen_new (guint width, guint height)
{
  Screen *s = g_new0 (Screen, 1);
  guint i;

  s->width = width;
  s->height = height;
  s->cells = g_new0 (ScreenCell, (gsize) width * height);
  for (i = 0; i < width * height; i++)
    s->cells[i].fg = s->cells[i].bg = SCREEN_DEFAULT;
  s->fg = s->bg = SCREEN_DEFAULT;
  s->cursor_visible = TRUE;
  s->autowrap = TRUE;
  return s;
}

void
screen_free (Screen *s)
{
  g_free (s->cells);
  g_free (s);
}

ScreenCell *
screen_cell (Screen *s, guint row, guint col)
{
  return &s->cells[(gsize) row * s->width + col];
}

/* Applies one SGR parameter list ("38;2;1;2;3", "0", ""). */
static void
screen_sgr (Screen *s, const gchar *params)
{
  gchar **p = g_strsplit (params, ";", -1);
  guint n = g_strv_length (p), i;

  s->sgr_count++;
  if (n == 0 || (n == 1 && p[0][0] == '\0')) {
    s->fg = s->bg = SCREEN_DEFAULT;
    g_strfreev (p);
    return;
  }
  for (i = 0; i < n; i++) {
    gint v = atoi (p[i]);

    if (v == 0) {
      s->fg = s->bg = SCREEN_DEFAULT;
    } else if (v == 39) {
      s->fg = SCREEN_DEFAULT;
    } else if (v == 49) {
      s->bg = SCREEN_DEFAULT;
    } else if ((v == 38 || v == 48) && i + 1 < n) {
      gint32 colour;

      if (atoi (p[i + 1]) == 2 && i + 4 < n) {
        colour = SCREEN_RGB (atoi (p[i + 2]), atoi (p[i + 3]), atoi (p[i + 4]));
        i += 4;
      } else if (atoi (p[i + 1]) == 5 && i + 2 < n) {
        colour = SCREEN_INDEX (atoi (p[i + 2]));
        i += 2;
      } else {
        s->error = TRUE;
        break;
      }
      if (v == 38)
        s->fg = colour;
      else
        s->bg = colour;
    } else {
      s->error = TRUE;
    }
  }
  g_strfreev (p);
}

static void
screen_put (Screen *s, const guint8 *ch, guint len)
{
  if (s->col >= s->width) {
    if (!s->autowrap)
      return;
    s->col = 0;
    s->row++;
  }
  if (s->row < s->height) {
    ScreenCell *c = screen_cell (s, s->row, s->col);

    memcpy (c->ch, ch, len);
    c->ch[len] = '\0';
    c->fg = s->fg;
    c->bg = s->bg;
  }
  s->col++;
}

void
screen_feed (Screen *s, const guint8 *data, gsize size)
{
  gsize i = 0;

  while (i < size) {
    guint8 b = data[i];

    if (b == 0x1b && i + 1 < size && data[i + 1] == '[') {
      gsize j = i + 2;
      gboolean private_mode = j < size && data[j] == '?';
      gchar *params;
      guint8 final;

      if (private_mode)
        j++;
      while (j < size && (g_ascii_isdigit (data[j]) || data[j] == ';'))
        j++;
      if (j >= size) {
        s->error = TRUE;
        return;
      }
      final = data[j];
      params = g_strndup ((const gchar *) data + i + 2 + private_mode,
          j - (i + 2 + private_mode));
      if (private_mode && (final == 'l' || final == 'h')) {
        if (strcmp (params, "25") == 0)
          s->cursor_visible = final == 'h';
        else if (strcmp (params, "7") == 0)
          s->autowrap = final == 'h';
        else
          s->error = TRUE;
      } else if (final == 'm') {
        screen_sgr (s, params);
      } else if (final == 'H') {
        guint row = 1, col = 1;

        if (params[0] != '\0')
          sscanf (params, "%u;%u", &row, &col);
        s->row = row - 1;
        s->col = col - 1;
        if (params[0] == '\0')
          s->homes++;
      } else if (final == 'J' && strcmp (params, "2") == 0) {
        guint k;

        for (k = 0; k < s->width * s->height; k++) {
          s->cells[k].ch[0] = '\0';
          s->cells[k].fg = SCREEN_DEFAULT;
          s->cells[k].bg = s->bg;
        }
        s->clears++;
      } else {
        s->error = TRUE;
      }
      g_free (params);
      i = j + 1;
    } else if (b == '\r') {
      s->col = 0;
      i++;
    } else if (b == '\n') {
      s->row++;
      i++;
    } else if (b >= 0x20 && b < 0x7f) {
      screen_put (s, data + i, 1);
      i++;
    } else if (b >= 0xc0) {
      guint len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;

      if (i + len > size) {
        s->error = TRUE;
        return;
      }
      screen_put (s, data + i, len);
      i += len;
    } else {
      s->error = TRUE;
      i++;
    }
  }
}

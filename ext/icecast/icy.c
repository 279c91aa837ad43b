/* gst-plugins-onair: ICY metadata, without GStreamer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "icy.h"

OnairIcyMetaintResult
onair_icy_parse_metaint (const gchar *value, guint *interval)
{
  guint64 n = 0;
  const gchar *p;
  gboolean digits = FALSE;

  *interval = 0;
  if (value == NULL)
    return ONAIR_ICY_METAINT_NONE;
  p = value;
  while (*p == ' ' || *p == '\t')
    p++;
  while (g_ascii_isdigit (*p)) {
    digits = TRUE;
    /* Stop counting early: any longer number is refused anyway. */
    if (n <= ONAIR_ICY_MAX_METAINT)
      n = n * 10 + (guint) (*p - '0');
    p++;
  }
  while (*p == ' ' || *p == '\t')
    p++;
  if (!digits || *p != '\0' || n > ONAIR_ICY_MAX_METAINT)
    return ONAIR_ICY_METAINT_INVALID;
  if (n == 0)
    return ONAIR_ICY_METAINT_NONE;
  *interval = (guint) n;
  return ONAIR_ICY_METAINT_OK;
}

void
onair_icy_reset (OnairIcy *icy, guint metaint)
{
  icy->metaint = metaint;
  icy->audio_left = metaint;
  icy->meta_size = 0;
  icy->meta_have = 0;
  icy->blocks = 0;
}

OnairIcyEventKind
onair_icy_next (OnairIcy *icy, const guint8 *data, gsize size, gsize *pos,
    OnairIcyEvent *event)
{
  gsize n;

  event->kind = ONAIR_ICY_NEED_DATA;
  event->text = NULL;
  event->offset = *pos;
  event->size = 0;

  while (*pos < size) {
    if (icy->metaint == 0 || icy->audio_left > 0) {
      n = size - *pos;
      if (icy->metaint != 0) {
        n = MIN (n, icy->audio_left);
        icy->audio_left -= n;
      }
      event->kind = ONAIR_ICY_AUDIO;
      event->offset = *pos;
      event->size = n;
      *pos += n;
      return ONAIR_ICY_AUDIO;
    }

    if (icy->meta_size == 0) {
      guint length = data[(*pos)++];

      icy->blocks++;
      if (length == 0) {
        icy->audio_left = icy->metaint;
        continue;
      }
      icy->meta_size = length * 16;
      icy->meta_have = 0;
    }

    n = MIN (size - *pos, (gsize) (icy->meta_size - icy->meta_have));
    memcpy (icy->meta + icy->meta_have, data + *pos, n);
    icy->meta_have += n;
    *pos += n;
    if (icy->meta_have == icy->meta_size) {
      event->kind = ONAIR_ICY_METADATA;
      event->text = icy->meta;
      event->size = icy->meta_size;
      icy->meta_size = 0;
      icy->meta_have = 0;
      icy->audio_left = icy->metaint;
      return ONAIR_ICY_METADATA;
    }
  }
  event->offset = *pos;
  return ONAIR_ICY_NEED_DATA;
}

/* Text */

/* Windows-1252 0x80-0x9F; the five bytes 1252 leaves undefined are read as
 * Latin-1 (the C1 code point of the same value). */
static const gunichar cp1252_high[32] = { 0x20AC, 0x0081, 0x201A, 0x0192,
  0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
  0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E,
  0x0178 };

static gboolean
valid_reference (gunichar c)
{
  return c != 0 && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF)
      && (c >= 0x20 || c == '\t');
}

/* Length of a character reference at @p ("&#8364;", "&#x20AC;") and its
 * character, 0 when @p does not start a valid one. */
static gsize
reference_at (const gchar *p, const gchar *end, gunichar *out)
{
  const gchar *q = p + 2;
  gboolean hex;
  guint64 c = 0;
  guint digits = 0;

  if (end - p < 4 || p[0] != '&' || p[1] != '#')
    return 0;
  hex = *q == 'x' || *q == 'X';
  if (hex)
    q++;
  while (q < end && digits < 8
      && (hex ? g_ascii_isxdigit (*q) : g_ascii_isdigit (*q))) {
    c = c * (hex ? 16 : 10)
        + (guint) (hex ? g_ascii_xdigit_value (*q) : g_ascii_digit_value (*q));
    digits++;
    q++;
  }
  if (digits == 0 || q >= end || *q != ';' || !valid_reference ((gunichar) c))
    return 0;
  *out = (gunichar) c;
  return (gsize) (q + 1 - p);
}

gchar *
onair_icy_text_to_utf8 (const gchar *text, gsize size)
{
  GString *out = g_string_sized_new (size + 8);
  const gchar *end = text + size;
  const gchar *p;
  gboolean utf8 = g_utf8_validate (text, (gssize) size, NULL);

  for (p = text; p < end;) {
    guint8 byte = (guint8) *p;
    gunichar c;
    gsize used;

    if (byte == '&' && (used = reference_at (p, end, &c)) > 0) {
      g_string_append_unichar (out, c);
      p += used;
    } else if (utf8 || byte < 0x80) {
      g_string_append_c (out, (gchar) byte);
      p++;
    } else {
      g_string_append_unichar (out,
          byte < 0xA0 ? cp1252_high[byte - 0x80] : (gunichar) byte);
      p++;
    }
  }
  return g_string_free (out, FALSE);
}

/* Length of "Key='" at @p, 0 when there is none. */
static gsize
key_at (const gchar *p, const gchar *end)
{
  const gchar *q = p;

  if (q >= end || !(g_ascii_isalpha (*q) || *q == '_'))
    return 0;
  while (q < end && (g_ascii_isalnum (*q) || *q == '_'))
    q++;
  if (end - q < 2 || q[0] != '=' || q[1] != '\'')
    return 0;
  return (gsize) (q + 2 - p);
}

/* End of the value starting at @v: the first "';" followed by another key,
 * else the last "';", else a closing quote, else the end.  *@next is where
 * the next key starts (@end when there is none). */
static const gchar *
value_end (const gchar *v, const gchar *end, const gchar **next)
{
  const gchar *p;

  for (p = v; p + 1 < end; p++) {
    p = memchr (p, '\'', (gsize) (end - p));
    if (p == NULL || p + 1 >= end)
      break;
    if (p[1] == ';' && key_at (p + 2, end) > 0) {
      *next = p + 2;
      return p;
    }
  }
  *next = end;
  for (p = end - 1; p > v; p--) {
    if (p[-1] == '\'' && p[0] == ';')
      return p - 1;
  }
  if (end > v && end[-1] == '\'')
    return end - 1;
  return end;
}

static gboolean
is_text (const gchar *v, gsize size)
{
  gsize i;

  for (i = 0; i < size; i++) {
    guint8 b = (guint8) v[i];

    if ((b < 0x20 && b != '\t') || b == 0x7F)
      return FALSE;
  }
  return TRUE;
}

gboolean
onair_icy_parse_metadata (const guint8 *text, gsize size, OnairIcyMetadata *out)
{
  const gchar *p = (const gchar *) text;
  const gchar *nul = memchr (p, '\0', size);
  const gchar *end = nul != NULL ? nul : p + size;
  gboolean any = FALSE;

  memset (out, 0, sizeof (*out));
  while (p < end) {
    gsize key_len;
    const gchar *v, *v_end, *next;

    while (p < end && (*p == ' ' || *p == ';' || *p == '\r' || *p == '\n'))
      p++;
    key_len = key_at (p, end);
    if (key_len == 0)
      break;
    v = p + key_len;
    v_end = value_end (v, end, &next);
    any = TRUE;
    if (is_text (v, (gsize) (v_end - v))) {
      gchar **slot = NULL;
      gboolean *has = NULL;

      if (key_len == strlen ("StreamTitle='")
          && strncmp (p, "StreamTitle", key_len - 2) == 0) {
        slot = &out->title;
        has = &out->has_title;
      } else if (key_len == strlen ("StreamUrl='")
          && strncmp (p, "StreamUrl", key_len - 2) == 0) {
        slot = &out->url;
        has = &out->has_url;
      }
      if (slot != NULL && !*has) {
        *has = TRUE;
        *slot = onair_icy_text_to_utf8 (v, (gsize) (v_end - v));
        g_strstrip (*slot);
      }
    }
    p = next;
  }
  return any;
}

void
onair_icy_metadata_clear (OnairIcyMetadata *meta)
{
  g_clear_pointer (&meta->title, g_free);
  g_clear_pointer (&meta->url, g_free);
  meta->has_title = meta->has_url = FALSE;
}

gboolean
onair_icy_split_title (const gchar *stream_title, gchar **artist, gchar **title)
{
  const gchar *dash = strstr (stream_title, " - ");
  gchar *a, *t;

  if (dash == NULL)
    return FALSE;
  a = g_strstrip (g_strndup (stream_title, (gsize) (dash - stream_title)));
  t = g_strstrip (g_strdup (dash + 3));
  if (*a == '\0' || *t == '\0') {
    g_free (a);
    g_free (t);
    return FALSE;
  }
  *artist = a;
  *title = t;
  return TRUE;
}

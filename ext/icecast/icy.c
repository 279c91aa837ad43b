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
  icy->last_length = 0;
  icy->repeated = FALSE;
}

/* A length byte was read: an empty block lets the next interval begin, any
 * other starts collecting text. */
static void
begin_block (OnairIcy *icy, guint length)
{
  icy->blocks++;
  icy->repeated = length == icy->last_length;
  icy->last_length = length;
  icy->meta_size = length * 16;
  icy->meta_have = 0;
  icy->audio_left = length == 0 ? icy->metaint : 0;
}

/* The block's text is complete at @text: reports it; the next interval
 * begins. */
static OnairIcyEventKind
end_block (OnairIcy *icy, const guint8 *text, OnairIcyEvent *event)
{
  event->kind = ONAIR_ICY_METADATA;
  event->text = text;
  event->size = icy->meta_size;
  icy->meta_size = 0;
  icy->meta_have = 0;
  icy->audio_left = icy->metaint;
  return ONAIR_ICY_METADATA;
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
      begin_block (icy, data[(*pos)++]);
      if (icy->meta_size == 0)
        continue;
    }

    n = MIN (size - *pos, (gsize) (icy->meta_size - icy->meta_have));
    memcpy (icy->meta + icy->meta_have, data + *pos, n);
    icy->meta_have += n;
    *pos += n;
    if (icy->meta_have == icy->meta_size)
      return end_block (icy, icy->meta, event);
  }
  event->offset = *pos;
  return ONAIR_ICY_NEED_DATA;
}

/* Vector reads */

enum {
  VECTOR_AUDIO,
  VECTOR_SLOT, /* a length byte and the text expected after it */
  VECTOR_REST, /* the rest of a block begun in an earlier read */
};

static gboolean
plan_add (OnairIcyPlan *plan, guint kind, guint8 *data, gsize size)
{
  if (plan->n_vectors == ONAIR_ICY_MAX_VECTORS)
    return FALSE;
  plan->kinds[plan->n_vectors] = kind;
  plan->vectors[plan->n_vectors].data = data;
  plan->vectors[plan->n_vectors].size = size;
  plan->n_vectors++;
  return TRUE;
}

guint
onair_icy_plan (OnairIcy *icy, OnairIcyPlan *plan, guint8 *buffer,
    gsize audio_size, gsize side_size)
{
  guint8 *side = buffer + audio_size;
  guint guess = icy->repeated ? icy->last_length : 0;
  gsize slot = 1 + (gsize) guess * 16;
  gsize audio_used = 0, side_used = 0, next_audio;

  plan->n_vectors = 0;
  plan->buffer = buffer;
  plan->guess = guess;
  plan->received = 0;
  plan->index = 0;
  plan->used = 0;
  plan->span_size = 0;
  plan->raw = FALSE;
  plan->raw_pos = 0;
  plan->held_size = 0;
  plan->held_meta = 0;
  if (icy->metaint == 0) {
    plan_add (plan, VECTOR_AUDIO, buffer, audio_size);
    return plan->n_vectors;
  }
  next_audio = icy->audio_left;
  if (icy->meta_size != 0) {
    plan_add (plan, VECTOR_REST, icy->meta + icy->meta_have,
        icy->meta_size - icy->meta_have);
    next_audio = icy->metaint;
  }
  for (;;) {
    if (next_audio > 0) {
      gsize n = MIN (next_audio, audio_size - audio_used);

      if (n == 0 || !plan_add (plan, VECTOR_AUDIO, buffer + audio_used, n))
        break;
      audio_used += n;
      if (n < next_audio)
        break;
    }
    if (side_size - side_used < slot
        || !plan_add (plan, VECTOR_SLOT, side + side_used, slot))
      break;
    side_used += slot;
    next_audio = icy->metaint;
  }
  return plan->n_vectors;
}

void
onair_icy_plan_received (OnairIcyPlan *plan, gsize received)
{
  plan->received = received;
}

/* Reports the audio walked so far, if any. */
static gboolean
plan_flush (OnairIcyPlan *plan, OnairIcyEvent *event)
{
  if (plan->span_size == 0)
    return FALSE;
  event->kind = ONAIR_ICY_AUDIO;
  event->offset = plan->span_start;
  event->size = plan->span_size;
  plan->span_size = 0;
  return TRUE;
}

/* Adds audio at @offset to the stretch being gathered; FALSE when it does
 * not touch it. */
static gboolean
plan_extend (OnairIcyPlan *plan, gsize offset, gsize size)
{
  if (plan->span_size == 0)
    plan->span_start = offset;
  else if (offset != plan->span_start + plan->span_size)
    return FALSE;
  plan->span_size += size;
  return TRUE;
}

/* Off plan, with one-byte slots, a slot mostly holds an audio byte, and
 * the real length byte comes a few bytes into the next vector: moving
 * those few bytes up by one, over the length byte, and putting the slot's
 * byte in front keeps the audio in one piece. */
static gboolean
plan_splice (OnairIcy *icy, OnairIcyPlan *plan)
{
  const OnairIcyVector *slot = &plan->vectors[plan->index];
  const OnairIcyVector *next;
  guint8 *data;
  gsize next_got, head;
  guint length;

  if (slot->size != 1 || plan->kinds[plan->index] != VECTOR_SLOT
      || icy->metaint == 0 || icy->meta_size != 0 || icy->audio_left == 0
      || plan->index + 1 >= plan->n_vectors
      || plan->kinds[plan->index + 1] != VECTOR_AUDIO
      || plan->received - plan->used < 2)
    return FALSE;
  next = &plan->vectors[plan->index + 1];
  data = next->data;
  next_got = MIN (next->size, plan->received - plan->used - 1);
  head = icy->audio_left - 1;
  if (head >= next_got
      || (plan->span_size > 0
          && plan->span_start + plan->span_size
              != (gsize) (data - plan->buffer)))
    return FALSE;
  length = data[head];
  memmove (data + 1, data, head);
  data[0] = *(const guint8 *) slot->data;
  plan_extend (plan, (gsize) (data - plan->buffer), head + 1);
  begin_block (icy, length);
  plan->used += 1;
  plan->index++;
  plan->raw_pos = head + 1;
  return TRUE;
}

/* After a length byte the plan did not expect, the rest of the read is
 * parsed where it landed, vector after vector, as reads of their own. */
static OnairIcyEventKind
plan_next_raw (OnairIcy *icy, OnairIcyPlan *plan, OnairIcyEvent *event)
{
  /* What was found while a stretch before it was being reported. */
  if (plan->held_size > 0) {
    plan->span_start = plan->held_start;
    plan->span_size = plan->held_size;
    plan->held_size = 0;
  }
  if (plan->held_meta > 0) {
    event->kind = ONAIR_ICY_METADATA;
    event->text = icy->meta;
    event->size = plan->held_meta;
    plan->held_meta = 0;
    return ONAIR_ICY_METADATA;
  }
  while (plan->index < plan->n_vectors && plan->used < plan->received) {
    const OnairIcyVector *v = &plan->vectors[plan->index];
    gsize got = MIN (v->size, plan->received - plan->used);
    gsize offset, block_size;

    if (plan->raw_pos == 0 && plan_splice (icy, plan))
      continue;
    switch (onair_icy_next (icy, v->data, got, &plan->raw_pos, event)) {
      case ONAIR_ICY_NEED_DATA:
        plan->used += got;
        plan->index++;
        plan->raw_pos = 0;
        break;
      case ONAIR_ICY_AUDIO:
        offset =
            (gsize) ((const guint8 *) v->data - plan->buffer) + event->offset;
        if (plan_extend (plan, offset, event->size))
          break;
        plan->held_start = offset;
        plan->held_size = event->size;
        plan_flush (plan, event);
        return ONAIR_ICY_AUDIO;
      default:
        /* A block: the audio before it goes first. */
        block_size = event->size;
        if (plan_flush (plan, event)) {
          plan->held_meta = block_size;
          return ONAIR_ICY_AUDIO;
        }
        return ONAIR_ICY_METADATA;
    }
  }
  plan->index = plan->n_vectors;
  if (plan_flush (plan, event))
    return ONAIR_ICY_AUDIO;
  return ONAIR_ICY_NEED_DATA;
}

OnairIcyEventKind
onair_icy_plan_next (OnairIcy *icy, OnairIcyPlan *plan, OnairIcyEvent *event)
{
  event->kind = ONAIR_ICY_NEED_DATA;
  event->text = NULL;
  event->offset = 0;
  event->size = 0;

  while (!plan->raw && plan->index < plan->n_vectors
      && plan->used < plan->received) {
    const OnairIcyVector *v = &plan->vectors[plan->index];
    gsize got = MIN (v->size, plan->received - plan->used);
    const guint8 *slot = v->data;
    guint length;

    if (plan->kinds[plan->index] == VECTOR_AUDIO) {
      if (plan->span_size == 0)
        plan->span_start = (gsize) (slot - plan->buffer);
      plan->span_size += got;
      if (icy->metaint != 0)
        icy->audio_left -= (guint) got;
    } else if (plan->kinds[plan->index] == VECTOR_REST) {
      icy->meta_have += (guint) got;
      if (icy->meta_have == icy->meta_size)
        end_block (icy, icy->meta, event);
    } else {
      length = slot[0];
      /* Audio before a block goes first; empty blocks join the audio. */
      if ((length != 0 || plan->guess != 0) && plan_flush (plan, event))
        return ONAIR_ICY_AUDIO;
      if (length != plan->guess) {
        /* Parse on from the byte after it, as a read of its own. */
        plan->raw = TRUE;
        plan->raw_pos = 0;
        onair_icy_next (icy, slot, 1, &plan->raw_pos, event);
        break;
      }
      begin_block (icy, length);
      if (length != 0 && got < v->size) {
        /* The read ended inside the text: the next read completes it. */
        icy->meta_have = (guint) got - 1;
        memcpy (icy->meta, slot + 1, got - 1);
      } else if (length != 0) {
        end_block (icy, slot + 1, event);
      }
    }
    plan->used += got;
    plan->index++;
    if (event->kind == ONAIR_ICY_METADATA)
      return ONAIR_ICY_METADATA;
  }
  if (plan->raw)
    return plan_next_raw (icy, plan, event);
  plan->index = plan->n_vectors;
  if (plan_flush (plan, event))
    return ONAIR_ICY_AUDIO;
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

/* TRUE when decoded @text holds no control character: C0 but tab, DEL and
 * C1 (U+0080 to U+009F), however they were written (raw bytes, UTF-8 or a
 * reference). */
static gboolean
is_text (const gchar *text)
{
  const gchar *p;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if ((c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F))
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
    {
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
        gchar *value = onair_icy_text_to_utf8 (v, (gsize) (v_end - v));

        if (is_text (value)) {
          *has = TRUE;
          *slot = g_strstrip (value);
        } else {
          g_free (value);
        }
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

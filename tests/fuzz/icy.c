/* gst-plugins-onair: fuzz target for what an Icecast or SHOUTcast server
 * sends a listener: the icy-metaint header, the audio with metadata blocks
 * between, and the text of those blocks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "icy.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* What a parse found: the audio, and each complete block after the audio
 * that preceded it. */
typedef struct {
  GByteArray *audio;
  GByteArray *blocks;
} Found;

static void
found_block (Found *found, const guint8 *text, gsize size)
{
  guint64 at = found->audio->len;

  g_assert (size > 0 && size <= ONAIR_ICY_MAX_BLOCK);
  g_byte_array_append (found->blocks, (const guint8 *) &at, sizeof (at));
  g_byte_array_append (found->blocks, text, size);
}

static void
parse_plain (OnairIcy *icy, const guint8 *data, gsize size, Found *found)
{
  gsize pos = 0;
  OnairIcyEvent event;

  while (
      onair_icy_next (icy, data, size, &pos, &event) != ONAIR_ICY_NEED_DATA) {
    if (event.kind == ONAIR_ICY_AUDIO)
      g_byte_array_append (found->audio, data + event.offset, event.size);
    else
      found_block (found, event.text, event.size);
  }
}

/* The same stream in vector reads of at most @chunk bytes. */
static void
parse_vectors (guint metaint, const guint8 *data, gsize size, gsize chunk,
    gsize audio_size, gsize side_size, Found *found)
{
  OnairIcy *icy = g_new (OnairIcy, 1);
  gsize at = 0;

  onair_icy_reset (icy, metaint);
  while (at < size) {
    OnairIcyPlan plan;
    OnairIcyEvent event;
    guint8 *buffer = g_malloc (audio_size + side_size);
    gsize n = 0, max = MIN (chunk, size - at);
    guint i;

    if (onair_icy_plan (icy, &plan, buffer, audio_size, side_size) == 0) {
      parse_plain (icy, data + at, max, found);
      at += max;
    } else {
      for (i = 0; i < plan.n_vectors && n < max; i++) {
        gsize part = MIN (plan.vectors[i].size, max - n);

        memcpy (plan.vectors[i].data, data + at + n, part);
        n += part;
      }
      at += n;
      onair_icy_plan_received (&plan, n);
      while (onair_icy_plan_next (icy, &plan, &event) != ONAIR_ICY_NEED_DATA) {
        g_assert (
            event.kind == ONAIR_ICY_AUDIO || event.kind == ONAIR_ICY_METADATA);
        if (event.kind == ONAIR_ICY_AUDIO) {
          g_assert (event.size > 0
              && event.offset + event.size <= audio_size + side_size);
          g_byte_array_append (found->audio, buffer + event.offset, event.size);
        } else {
          found_block (found, event.text, event.size);
        }
      }
    }
    g_free (buffer);
  }
  g_free (icy);
}

/* Text holds no control character: C0 but tab, DEL, C1. */
static void
assert_no_control (const gchar *text)
{
  const gchar *p;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    g_assert (c >= 0x20 || c == '\t');
    g_assert (c < 0x7F || c > 0x9F);
  }
}

static void
check_metadata (const guint8 *text, gsize size)
{
  OnairIcyMetadata meta;

  if (onair_icy_parse_metadata (text, size, &meta)) {
    if (meta.title != NULL) {
      gchar *artist = NULL, *title = NULL;

      g_assert (g_utf8_validate (meta.title, -1, NULL));
      assert_no_control (meta.title);
      if (onair_icy_split_title (meta.title, &artist, &title)) {
        g_assert (*artist != '\0' && *title != '\0');
        g_free (artist);
        g_free (title);
      }
    }
    g_assert (meta.url == NULL || g_utf8_validate (meta.url, -1, NULL));
    if (meta.url != NULL)
      assert_no_control (meta.url);
  }
  g_assert (meta.has_title || meta.title == NULL);
  onair_icy_metadata_clear (&meta);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  OnairIcy *icy;
  gchar *header;
  guint metaint, chunk;
  gsize done = 0, audio = 0, meta = 0;
  Found plain, vectored;

  /* The first bytes choose the interval and the size of the reads, the
   * rest is the stream. */
  if (size < 3)
    return 0;
  metaint = 1 + data[0] % 64;
  chunk = 1 + data[1];
  data += 2;
  size -= 2;

  plain.audio = g_byte_array_new ();
  plain.blocks = g_byte_array_new ();
  icy = g_new (OnairIcy, 1);
  onair_icy_reset (icy, metaint);
  while (done < size) {
    gsize n = MIN ((gsize) chunk, size - done);
    guint8 *read = g_memdup2 (data + done, n);
    gsize pos = 0;
    OnairIcyEvent event;

    while (onair_icy_next (icy, read, n, &pos, &event) != ONAIR_ICY_NEED_DATA) {
      g_assert (pos <= n);
      if (event.kind == ONAIR_ICY_AUDIO) {
        g_assert (event.size > 0 && event.offset + event.size <= n);
        audio += event.size;
        g_byte_array_append (plain.audio, read + event.offset, event.size);
      } else {
        g_assert (event.size > 0 && event.size <= ONAIR_ICY_MAX_BLOCK);
        meta += event.size;
        check_metadata (event.text, event.size);
        found_block (&plain, event.text, event.size);
      }
    }
    g_assert (pos == n);
    g_free (read);
    done += n;
  }
  /* Every byte is audio, a length byte, or metadata (maybe unfinished). */
  g_assert (audio + meta + icy->blocks + icy->meta_have == size);
  g_free (icy);

  /* Vector reads find the same audio and blocks, in the same order. */
  vectored.audio = g_byte_array_new ();
  vectored.blocks = g_byte_array_new ();
  parse_vectors (metaint, data, size, chunk, 1 + (data[-1] * 7u) % 300,
      1 + (data[-2] * 11u) % 600, &vectored);
  g_assert (vectored.audio->len == plain.audio->len);
  g_assert (plain.audio->len == 0
      || memcmp (vectored.audio->data, plain.audio->data, plain.audio->len)
          == 0);
  g_assert (vectored.blocks->len == plain.blocks->len);
  g_assert (plain.blocks->len == 0
      || memcmp (vectored.blocks->data, plain.blocks->data, plain.blocks->len)
          == 0);
  g_byte_array_unref (vectored.audio);
  g_byte_array_unref (vectored.blocks);
  g_byte_array_unref (plain.audio);
  g_byte_array_unref (plain.blocks);

  check_metadata (data, size);
  header = g_strndup ((const gchar *) data, MIN (size, 64));
  if (onair_icy_parse_metaint (header, &metaint) == ONAIR_ICY_METAINT_OK)
    g_assert (metaint > 0 && metaint <= ONAIR_ICY_MAX_METAINT);
  g_free (header);
  return 0;
}

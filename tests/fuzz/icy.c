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

static void
check_metadata (const guint8 *text, gsize size)
{
  OnairIcyMetadata meta;

  if (onair_icy_parse_metadata (text, size, &meta)) {
    if (meta.title != NULL) {
      gchar *artist = NULL, *title = NULL;

      g_assert (g_utf8_validate (meta.title, -1, NULL));
      if (onair_icy_split_title (meta.title, &artist, &title)) {
        g_assert (*artist != '\0' && *title != '\0');
        g_free (artist);
        g_free (title);
      }
    }
    g_assert (meta.url == NULL || g_utf8_validate (meta.url, -1, NULL));
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

  /* The first bytes choose the interval and the size of the reads, the
   * rest is the stream. */
  if (size < 3)
    return 0;
  metaint = 1 + data[0] % 64;
  chunk = 1 + data[1];
  data += 2;
  size -= 2;

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
      } else {
        g_assert (event.size > 0 && event.size <= ONAIR_ICY_MAX_BLOCK);
        meta += event.size;
        check_metadata (event.text, event.size);
      }
    }
    g_assert (pos == n);
    g_free (read);
    done += n;
  }
  /* Every byte is audio, a length byte, or metadata (maybe unfinished). */
  g_assert (audio + meta + icy->blocks + icy->meta_have == size);
  g_free (icy);

  check_metadata (data, size);
  header = g_strndup ((const gchar *) data, MIN (size, 64));
  if (onair_icy_parse_metaint (header, &metaint) == ONAIR_ICY_METAINT_OK)
    g_assert (metaint > 0 && metaint <= ONAIR_ICY_MAX_METAINT);
  g_free (header);
  return 0;
}

/* gst-plugins-onair: a WAV file that is valid after every write
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "wavwriter.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define RIFF_SIZE_OFFSET 4
#define DATA_SIZE_OFFSET 40
/* RIFF sizes are 32-bit and count the 36 header bytes after the RIFF size. */
#define MAX_DATA_SIZE ((guint64) G_MAXUINT32 - 36)

struct _TtsWavWriter {
  gchar *path;
  gint fd;
  guint64 data_size;
};

static void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

void
tts_wav_header (guint8 header[TTS_WAV_HEADER_SIZE], TtsWavSampleType type,
    guint rate, guint channels, guint bits, guint32 data_size)
{
  guint block_align = channels * (bits / 8);

  memcpy (header, "RIFF", 4);
  put_le32 (header + RIFF_SIZE_OFFSET, 36 + data_size);
  memcpy (header + 8, "WAVEfmt ", 8);
  put_le32 (header + 16, 16);
  put_le16 (header + 20, type);
  put_le16 (header + 22, channels);
  put_le32 (header + 24, rate);
  put_le32 (header + 28, rate * block_align);
  put_le16 (header + 32, block_align);
  put_le16 (header + 34, bits);
  memcpy (header + 36, "data", 4);
  put_le32 (header + DATA_SIZE_OFFSET, data_size);
}

static gboolean
set_io_error (GError **error, const gchar *what, const gchar *path)
{
  int saved = errno;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
      "%s %s: %s", what, path, g_strerror (saved));
  return FALSE;
}

static gboolean
write_all (gint fd, const guint8 *data, gsize size)
{
  while (size > 0) {
    gssize n = write (fd, data, size);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    size -= n;
  }
  return TRUE;
}

static gboolean
pwrite_le32 (gint fd, guint32 value, off_t offset)
{
  guint8 b[4];
  gssize n;

  put_le32 (b, value);
  do {
    n = pwrite (fd, b, 4, offset);
  } while (n < 0 && errno == EINTR);
  return n == 4;
}

TtsWavWriter *
tts_wav_writer_open (const gchar *path, TtsWavSampleType type, guint rate,
    guint channels, guint bits, GError **error)
{
  TtsWavWriter *w;
  guint8 header[TTS_WAV_HEADER_SIZE];
  gint fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (rate > 0 && channels > 0 && channels <= G_MAXUINT16,
      NULL);
  g_return_val_if_fail (bits == 8 || bits == 16 || bits == 24 || bits == 32
          || bits == 64,
      NULL);

  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    set_io_error (error, "opening", path);
    return NULL;
  }
  tts_wav_header (header, type, rate, channels, bits, 0);
  if (!write_all (fd, header, sizeof (header))) {
    set_io_error (error, "writing", path);
    g_close (fd, NULL);
    return NULL;
  }

  w = g_new0 (TtsWavWriter, 1);
  w->path = g_strdup (path);
  w->fd = fd;
  return w;
}

gboolean
tts_wav_writer_write (TtsWavWriter *w, const guint8 *data, gsize size,
    GError **error)
{
  g_return_val_if_fail (w != NULL, FALSE);

  if (size == 0)
    return TRUE;
  if (w->data_size + size > MAX_DATA_SIZE) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "%s: a WAV file holds at most %" G_GUINT64_FORMAT " bytes of samples",
        w->path, MAX_DATA_SIZE);
    return FALSE;
  }
  if (!write_all (w->fd, data, size)) {
    /* Whatever part went out is dropped, so the sizes stay true. */
    if (ftruncate (w->fd, TTS_WAV_HEADER_SIZE + w->data_size) == 0)
      lseek (w->fd, 0, SEEK_END);
    return set_io_error (error, "writing", w->path);
  }
  w->data_size += size;
  if (!pwrite_le32 (w->fd, 36 + w->data_size, RIFF_SIZE_OFFSET)
      || !pwrite_le32 (w->fd, w->data_size, DATA_SIZE_OFFSET))
    return set_io_error (error, "updating the header of", w->path);
  return TRUE;
}

gboolean
tts_wav_writer_close (TtsWavWriter *w, GError **error)
{
  gboolean ok = TRUE;

  if (w == NULL)
    return TRUE;
  if (w->data_size % 2 == 1) {
    static const guint8 pad = 0;

    /* RIFF counts the pad byte in the file size but not in the data chunk
     * size, so readers never take it for a sample. */
    if (!write_all (w->fd, &pad, 1))
      ok = set_io_error (error, "writing", w->path);
    else if (!pwrite_le32 (w->fd, 36 + w->data_size + 1, RIFF_SIZE_OFFSET))
      ok = set_io_error (error, "updating the header of", w->path);
  }
  if (!g_close (w->fd, ok ? error : NULL))
    ok = FALSE;
  g_free (w->path);
  g_free (w);
  return ok;
}

guint64
tts_wav_writer_data_size (const TtsWavWriter *w)
{
  return w->data_size;
}

const gchar *
tts_wav_writer_path (const TtsWavWriter *w)
{
  return w->path;
}

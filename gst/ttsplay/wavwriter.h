/* gst-plugins-onair: a WAV file that is valid after every write
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The header goes first, and its two size fields are brought up to date
 * after every block of samples, so the file is a complete WAV file whenever
 * the writer is stopped: by an error, by a stop, or by a crash between two
 * writes.  Plain C on POSIX file descriptors.
 */
#ifndef __TTS_WAV_WRITER_H__
#define __TTS_WAV_WRITER_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  TTS_WAV_INTEGER = 1, /* WAVE_FORMAT_PCM: U8, S16LE, S24LE, S32LE */
  TTS_WAV_FLOAT = 3, /* WAVE_FORMAT_IEEE_FLOAT: F32LE, F64LE */
} TtsWavSampleType;

#define TTS_WAV_HEADER_SIZE 44

typedef struct _TtsWavWriter TtsWavWriter;

/* Creates (or truncates) @path and writes the header of an empty file.
 * @bits: 8, 16, 24, 32 or 64 (64 for float only). */
TtsWavWriter *tts_wav_writer_open (const gchar *path, TtsWavSampleType type,
    guint rate, guint channels, guint bits, GError **error);
/* Appends @size bytes of interleaved little-endian samples and updates the
 * header.  The data chunk cannot grow past 4 GiB; what would go beyond is
 * refused with G_FILE_ERROR_FAILED and the file stays valid. */
gboolean tts_wav_writer_write (TtsWavWriter *w, const guint8 *data, gsize size,
    GError **error);
/* Pads the data chunk to an even size as RIFF wants, and closes the file.
 * Frees @w whatever happens. */
gboolean tts_wav_writer_close (TtsWavWriter *w, GError **error);

guint64 tts_wav_writer_data_size (const TtsWavWriter *w);
const gchar *tts_wav_writer_path (const TtsWavWriter *w);

/* Fills @header with the 44-byte header of a file holding @data_size bytes
 * of samples. */
void tts_wav_header (guint8 header[TTS_WAV_HEADER_SIZE], TtsWavSampleType type,
    guint rate, guint channels, guint bits, guint32 data_size);

G_END_DECLS

#endif /* __TTS_WAV_WRITER_H__ */

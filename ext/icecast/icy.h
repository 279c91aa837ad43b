/* gst-plugins-onair: ICY metadata, without GStreamer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A listener that sends "Icy-MetaData: 1" gets, after every icy-metaint
 * audio bytes, one length byte L and L * 16 bytes of text such as
 * "StreamTitle='Artist - Title';StreamUrl='...';", NUL-padded.  This file
 * separates the two in network reads of any size, without copying the
 * audio, and turns the text into UTF-8 titles.  Plain C on GLib, so that it
 * can be tested and fuzzed alone.
 */
#ifndef __ONAIR_ICY_H__
#define __ONAIR_ICY_H__

#include <glib.h>

G_BEGIN_DECLS

/* The longest block: the length byte counts 16-byte units. */
#define ONAIR_ICY_MAX_BLOCK (255 * 16)
/* Larger intervals are refused: no server uses them, and a bogus header
 * must not make the listener treat megabytes as audio. */
#define ONAIR_ICY_MAX_METAINT (1024 * 1024)

typedef enum {
  ONAIR_ICY_METAINT_NONE, /* no header, or 0: the body is all audio */
  ONAIR_ICY_METAINT_OK,
  ONAIR_ICY_METAINT_INVALID, /* negative, not a number, or too large */
} OnairIcyMetaintResult;

/* Reads an icy-metaint header value (NULL when the header is absent).
 * Surrounding blanks are allowed, nothing else. */
OnairIcyMetaintResult
onair_icy_parse_metaint (const gchar *value, guint *interval);

typedef struct {
  guint metaint; /* 0: no metadata, every byte is audio */
  guint audio_left; /* audio bytes before the next length byte */
  guint meta_size; /* size of the block being collected, 0 when none */
  guint meta_have;
  guint64 blocks; /* length bytes since the reset, empty blocks included */
  guint last_length; /* the last length byte */
  guint repeated; /* the last two length bytes were the same */
  guint8 meta[ONAIR_ICY_MAX_BLOCK];
} OnairIcy;

typedef enum {
  ONAIR_ICY_NEED_DATA, /* everything up to the end of the input is used */
  ONAIR_ICY_AUDIO, /* audio: offset and size into the input */
  ONAIR_ICY_METADATA, /* a complete, non-empty block: text and size */
} OnairIcyEventKind;

typedef struct {
  OnairIcyEventKind kind;
  gsize offset; /* AUDIO: into the input */
  gsize size; /* AUDIO, METADATA */
  const guint8 *text; /* METADATA: valid until the next call */
} OnairIcyEvent;

/* Starts a new stream (a new connection): the first @metaint bytes are
 * audio. */
void onair_icy_reset (OnairIcy *icy, guint metaint);

/* The next event in @data[*pos, size), advancing *pos past it.  Audio is
 * reported as one span per stretch between metadata blocks; a block split
 * across reads is collected and reported once complete.  Costs no work per
 * audio byte. */
OnairIcyEventKind onair_icy_next (OnairIcy *icy, const guint8 *data, gsize size,
    gsize *pos, OnairIcyEvent *event);

/* Vector reads.  A plan lays out the vectors of one read so that the audio
 * of several intervals lands back to back at the start of a buffer and
 * each length byte, with the text the plan expects after it, in a slot
 * after the audio.  The plan expects empty blocks, as Icecast sends between
 * title changes, unless the last two blocks had the same length: then it
 * expects that length, as from a station that sends its title every time.
 * When a length byte says otherwise, the rest of the read is parsed where
 * it landed, as onair_icy_next() would, in more stretches; with one-byte
 * slots a few bytes per interval are moved to keep the audio whole. */
#define ONAIR_ICY_MAX_VECTORS 64

typedef struct {
  gpointer data;
  gsize size;
} OnairIcyVector; /* laid out as GInputVector and struct iovec */

typedef struct {
  OnairIcyVector vectors[ONAIR_ICY_MAX_VECTORS];
  guint n_vectors;
  /* Private. */
  guint8 kinds[ONAIR_ICY_MAX_VECTORS];
  const guint8 *buffer;
  guint guess; /* the length byte expected in every slot */
  gsize received;
  guint index; /* the vector being walked */
  gsize used; /* bytes of the read before that vector */
  gsize span_start; /* audio walked and not reported yet */
  gsize span_size;
  gboolean raw; /* parsing where the bytes landed */
  gsize raw_pos;
  gsize held_start; /* audio found while the stretch before it went out */
  gsize held_size;
  gsize held_meta; /* the size of a block found then, in icy->meta */
} OnairIcyPlan;

/* Plans the next read into @buffer: audio in its first @audio_size bytes,
 * slots in the @side_size bytes after them.  Returns the number of
 * vectors, 0 when the slot that must come first does not fit. */
guint onair_icy_plan (OnairIcy *icy, OnairIcyPlan *plan, guint8 *buffer,
    gsize audio_size, gsize side_size);

/* The read brought @received bytes (> 0) into the vectors. */
void onair_icy_plan_received (OnairIcyPlan *plan, gsize received);

/* The next event of the read, as onair_icy_next() would report it, with
 * AUDIO offsets into the buffer; stretches separated only by empty blocks
 * come as one.  NEED_DATA when the read is used up. */
OnairIcyEventKind
onair_icy_plan_next (OnairIcy *icy, OnairIcyPlan *plan, OnairIcyEvent *event);

/* What a metadata block says.  Strings are UTF-8, NULL when absent. */
typedef struct {
  gboolean has_title; /* StreamTitle was there, maybe empty */
  gchar *title;
  gboolean has_url;
  gchar *url;
} OnairIcyMetadata;

/* Parses a block: the text ends at the first NUL; each field's value runs
 * to the "';" that is followed by the next "Key='" or, failing that, the
 * last "';" (titles may hold "';"); bytes are read as UTF-8 when valid,
 * otherwise as Windows-1252 (Latin-1 where 1252 has no character); &#NNNN;
 * and &#xHHHH; references are decoded.  Values holding a control character
 * once decoded (C0 but tab, DEL, C1), whether as a byte or a reference, are
 * not text and are dropped.  FALSE when the block holds no field. */
gboolean onair_icy_parse_metadata (const guint8 *text, gsize size,
    OnairIcyMetadata *out);
void onair_icy_metadata_clear (OnairIcyMetadata *meta);

/* Text in an unknown 8-bit encoding to UTF-8: as is when valid UTF-8,
 * otherwise from Windows-1252.  References are decoded. */
gchar *onair_icy_text_to_utf8 (const gchar *text, gsize size);

/* "Artist - Title" into its parts, at the first " - " with text on both
 * sides.  FALSE (and nothing set) when it does not read that way. */
gboolean onair_icy_split_title (const gchar *stream_title, gchar **artist,
    gchar **title);

G_END_DECLS

#endif /* __ONAIR_ICY_H__ */

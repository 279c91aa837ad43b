/* gst-plugins-onair: the ICY de-interleaver and title parser of icecastsrc,
 * in plain C
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "icy.h"

#include <string.h>

#define METAINT 64

/* Metadata blocks as Icecast 2.4.4 sent them (see docs/icecastsrc.md), in
 * stream order; NULL is an empty block (length byte 0). */
static const gchar *const recorded_blocks[] = {
  "StreamTitle='';",
  NULL,
  NULL,
  "StreamTitle='Artist - It's a 'quoted'; title';",
  NULL,
  "StreamTitle='Bj\xf6rk - J\xf3ga &#8364;';",
  "StreamTitle='Bj\xc3\xb6rk raw utf8';",
  NULL,
  "StreamTitle='Next';StreamUrl='http://example.org/next';",
  NULL,
};

static const gchar *const expected_titles[] = { "",
  "Artist - It's a 'quoted'; title", "Bj\xc3\xb6rk - J\xc3\xb3ga \xe2\x82\xac",
  "Bj\xc3\xb6rk raw utf8", "Next", NULL };

typedef struct {
  GByteArray *wire;
  GByteArray *audio;
} Recording;

/* Audio that is never the same twice, so that a misplaced byte shows. */
static void
recording_build (Recording *r)
{
  guint32 seed = 12345;
  guint i, j;

  r->wire = g_byte_array_new ();
  r->audio = g_byte_array_new ();
  for (i = 0; i < G_N_ELEMENTS (recorded_blocks); i++) {
    const gchar *block = recorded_blocks[i];
    guint8 length = block != NULL ? (strlen (block) + 15) / 16 : 0;
    guint8 pad[16] = { 0 };

    for (j = 0; j < METAINT; j++) {
      guint8 b;

      seed = seed * 1103515245 + 12345;
      b = seed >> 16;
      g_byte_array_append (r->wire, &b, 1);
      g_byte_array_append (r->audio, &b, 1);
    }
    g_byte_array_append (r->wire, &length, 1);
    if (block != NULL) {
      g_byte_array_append (r->wire, (const guint8 *) block, strlen (block));
      g_byte_array_append (r->wire, pad, length * 16 - strlen (block));
    }
  }
  /* Audio after the last block, cut short by the end of the recording. */
  for (j = 0; j < METAINT / 2; j++) {
    guint8 b = j;

    g_byte_array_append (r->wire, &b, 1);
    g_byte_array_append (r->audio, &b, 1);
  }
}

static void
recording_clear (Recording *r)
{
  g_byte_array_unref (r->wire);
  g_byte_array_unref (r->audio);
}

typedef struct {
  GByteArray *audio;
  GPtrArray *titles;
  GArray *title_at; /* audio bytes before each title */
  GPtrArray *urls;
  /* Blocks unparsed, when set: each as its audio position and text. */
  GByteArray *blocks;
} Parsed;

static void
parsed_init (Parsed *p)
{
  p->audio = g_byte_array_new ();
  p->titles = g_ptr_array_new_with_free_func (g_free);
  p->title_at = g_array_new (FALSE, FALSE, sizeof (guint));
  p->urls = g_ptr_array_new_with_free_func (g_free);
  p->blocks = NULL;
}

static void
parsed_clear (Parsed *p)
{
  g_byte_array_unref (p->audio);
  g_ptr_array_unref (p->titles);
  g_array_unref (p->title_at);
  g_ptr_array_unref (p->urls);
  if (p->blocks != NULL)
    g_byte_array_unref (p->blocks);
}

static void
parse_into (const guint8 *text, gsize size, Parsed *out)
{
  OnairIcyMetadata meta;

  if (out->blocks != NULL) {
    guint32 at = out->audio->len, length = size;

    g_byte_array_append (out->blocks, (const guint8 *) &at, sizeof (at));
    g_byte_array_append (out->blocks, (const guint8 *) &length,
        sizeof (length));
    g_byte_array_append (out->blocks, text, size);
    return;
  }
  fail_unless (onair_icy_parse_metadata (text, size, &meta));
  if (meta.has_title) {
    g_ptr_array_add (out->titles, g_strdup (meta.title));
    g_array_append_val (out->title_at, out->audio->len);
  }
  if (meta.has_url)
    g_ptr_array_add (out->urls, g_strdup (meta.url));
  onair_icy_metadata_clear (&meta);
}

/* One network read: audio spans must point into this read. */
static void
feed (OnairIcy *icy, const guint8 *data, gsize size, Parsed *out)
{
  gsize pos = 0;
  OnairIcyEvent event;

  while (
      onair_icy_next (icy, data, size, &pos, &event) != ONAIR_ICY_NEED_DATA) {
    if (event.kind == ONAIR_ICY_AUDIO) {
      fail_unless (event.offset + event.size <= size);
      fail_unless (event.size > 0);
      g_byte_array_append (out->audio, data + event.offset, event.size);
    } else {
      fail_unless_equals_int (event.kind, ONAIR_ICY_METADATA);
      parse_into (event.text, event.size, out);
    }
  }
  fail_unless_equals_uint64 (pos, size);
}

static void
assert_parsed (const Parsed *p, const Recording *r, const gchar *how)
{
  guint i;

  fail_unless_equals_int (p->audio->len, r->audio->len);
  fail_unless (memcmp (p->audio->data, r->audio->data, r->audio->len) == 0,
      "audio differs when %s", how);
  fail_unless_equals_int (p->titles->len,
      g_strv_length ((gchar **) expected_titles));
  /* Each title between the audio of its neighbouring intervals. */
  for (i = 0; i < p->titles->len; i++) {
    guint block = 0, seen = 0;

    fail_unless_equals_string (g_ptr_array_index (p->titles, i),
        expected_titles[i]);
    while (recorded_blocks[block] == NULL || seen++ < i)
      block++;
    fail_unless_equals_int (g_array_index (p->title_at, guint, i),
        (block + 1) * METAINT);
  }
  fail_unless_equals_int (p->urls->len, 1);
  fail_unless_equals_string (g_ptr_array_index (p->urls, 0),
      "http://example.org/next");
}

GST_START_TEST (test_every_split_into_two_reads)
{
  Recording r;
  gsize k;

  recording_build (&r);
  for (k = 0; k <= r.wire->len; k++) {
    OnairIcy icy;
    Parsed p;
    gchar *how = g_strdup_printf ("split at %" G_GSIZE_FORMAT, k);
    /* Each read in its own allocation, as the network delivers it, so that
     * a span pointing into the wrong read is caught under ASan. */
    guint8 *head = g_memdup2 (r.wire->data, k);
    guint8 *tail = g_memdup2 (r.wire->data + k, r.wire->len - k);

    parsed_init (&p);
    onair_icy_reset (&icy, METAINT);
    feed (&icy, head, k, &p);
    feed (&icy, tail, r.wire->len - k, &p);
    assert_parsed (&p, &r, how);
    fail_unless_equals_uint64 (icy.blocks, G_N_ELEMENTS (recorded_blocks));
    parsed_clear (&p);
    g_free (head);
    g_free (tail);
    g_free (how);
  }
  recording_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_byte_by_byte_and_whole)
{
  Recording r;
  OnairIcy icy;
  Parsed p;
  gsize k;

  recording_build (&r);
  parsed_init (&p);
  onair_icy_reset (&icy, METAINT);
  for (k = 0; k < r.wire->len; k++)
    feed (&icy, r.wire->data + k, 1, &p);
  assert_parsed (&p, &r, "fed a byte at a time");
  parsed_clear (&p);

  parsed_init (&p);
  onair_icy_reset (&icy, METAINT);
  feed (&icy, r.wire->data, r.wire->len, &p);
  assert_parsed (&p, &r, "fed at once");
  parsed_clear (&p);
  recording_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_audio_is_spans_of_the_input)
{
  Recording r;
  OnairIcy icy;
  OnairIcyEvent event;
  gsize pos = 0;
  guint spans = 0;

  recording_build (&r);
  onair_icy_reset (&icy, METAINT);
  while (onair_icy_next (&icy, r.wire->data, r.wire->len, &pos, &event)
      != ONAIR_ICY_NEED_DATA) {
    if (event.kind == ONAIR_ICY_AUDIO) {
      /* One span per interval: whole stretches, never a byte at a time. */
      fail_unless (event.size == METAINT || event.size == METAINT / 2);
      spans++;
    }
  }
  fail_unless_equals_int (spans, G_N_ELEMENTS (recorded_blocks) + 1);
  recording_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_reset_starts_a_new_stream)
{
  /* A connection dropped inside a metadata block: the next one starts with
   * audio, whatever the old counter said. */
  static const guint8 cut[] = { 'a', 'b', 'c', 'd', 3, 'S', 't', 'r' };
  static const guint8 fresh[] = { 'w', 'x', 'y', 'z', 0, 'e' };
  OnairIcy icy;
  Parsed p;

  parsed_init (&p);
  onair_icy_reset (&icy, 4);
  feed (&icy, cut, sizeof (cut), &p);
  onair_icy_reset (&icy, 4);
  feed (&icy, fresh, sizeof (fresh), &p);
  fail_unless_equals_int (p.audio->len, 9);
  fail_unless (memcmp (p.audio->data, "abcdwxyze", 9) == 0);
  fail_unless_equals_int (p.titles->len, 0);
  parsed_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_no_metadata_passes_everything)
{
  static const guint8 data[] = { 1, 2, 3, 0, 255, 16 };
  OnairIcy icy;
  OnairIcyEvent event;
  gsize pos = 0;

  onair_icy_reset (&icy, 0);
  fail_unless_equals_int (onair_icy_next (&icy, data, sizeof (data), &pos,
                              &event),
      ONAIR_ICY_AUDIO);
  fail_unless_equals_int (event.offset, 0);
  fail_unless_equals_int (event.size, sizeof (data));
  fail_unless_equals_int (onair_icy_next (&icy, data, sizeof (data), &pos,
                              &event),
      ONAIR_ICY_NEED_DATA);
}

GST_END_TEST;

GST_START_TEST (test_longest_block_and_truncation)
{
  /* L = 255: 4080 bytes of metadata, announced and then cut off. */
  guint8 data[2 + 100];
  OnairIcy icy;
  Parsed p;

  memset (data, 'x', sizeof (data));
  data[1] = 255;
  parsed_init (&p);
  onair_icy_reset (&icy, 1);
  feed (&icy, data, sizeof (data), &p);
  fail_unless_equals_int (p.audio->len, 1);
  fail_unless_equals_int (icy.meta_have, 100);
  fail_unless_equals_int (p.titles->len, 0);
  parsed_clear (&p);
}

GST_END_TEST;

/* Vector reads */

/* What the kernel does with a vector read of @wire from *at: fills the
 * vectors in order, at most @max bytes.  (Checks are counted, not asserted
 * one by one: each assertion costs the runner a write.) */
static gsize
vector_read (const OnairIcyPlan *plan, const GByteArray *wire, gsize *at,
    gsize max, guint *bad)
{
  gsize done = 0;
  guint i;

  max = MIN (max, wire->len - *at);
  for (i = 0; i < plan->n_vectors && done < max; i++) {
    gsize n = MIN (plan->vectors[i].size, max - done);

    *bad += plan->vectors[i].size == 0;
    memcpy (plan->vectors[i].data, wire->data + *at + done, n);
    done += n;
  }
  *at += done;
  return done;
}


typedef struct {
  guint reads;
  guint audio_events;
} VectorCounts;

/* Parses @wire with vector reads of at most @chunk bytes into a buffer of
 * @audio_size bytes of audio and @side_size of slots, scribbled over before
 * each read so that a span into an earlier read shows. */
static void
feed_vectors (OnairIcy *icy, const GByteArray *wire, gsize chunk,
    gsize audio_size, gsize side_size, Parsed *out, VectorCounts *counts)
{
  guint8 *buffer = g_malloc (audio_size + side_size);
  gsize at = 0;
  guint bad = 0;

  while (at < wire->len) {
    OnairIcyPlan plan;
    OnairIcyEvent event;
    gsize n;

    memset (buffer, 0xa5, audio_size + side_size);

    if (onair_icy_plan (icy, &plan, buffer, audio_size, side_size) == 0) {
      /* No room for the next slot: one plain read. */
      n = MIN (chunk, wire->len - at);
      feed (icy, wire->data + at, n, out);
      at += n;
    } else {
      n = vector_read (&plan, wire, &at, chunk, &bad);
      onair_icy_plan_received (&plan, n);
      counts->reads++;
      while (onair_icy_plan_next (icy, &plan, &event) != ONAIR_ICY_NEED_DATA) {
        if (event.kind == ONAIR_ICY_AUDIO) {
          if (event.size == 0
              || event.offset + event.size > audio_size + side_size)
            bad++;
          else
            g_byte_array_append (out->audio, buffer + event.offset, event.size);
          counts->audio_events++;
        } else {
          bad += event.kind != ONAIR_ICY_METADATA;
          parse_into (event.text, event.size, out);
        }
      }
    }
  }
  g_free (buffer);
  fail_unless_equals_int (bad, 0);
}

GST_START_TEST (test_vector_reads_of_every_size)
{
  static const gsize audio_sizes[] = { 1, METAINT / 2, METAINT, 3 * METAINT + 5,
    4096 };
  static const gsize side_sizes[] = { 1, 40, 4096 };
  Recording r;
  OnairIcy icy;
  Parsed want;
  gsize chunk;
  guint a, s;

  recording_build (&r);
  /* The plain parse, checked against the recording elsewhere, is the
   * reference; blocks are compared unparsed, with their positions. */
  parsed_init (&want);
  want.blocks = g_byte_array_new ();
  onair_icy_reset (&icy, METAINT);
  feed (&icy, r.wire->data, r.wire->len, &want);
  fail_unless_equals_int (want.audio->len, r.audio->len);
  for (chunk = 1; chunk <= r.wire->len; chunk++) {
    for (a = 0; a < G_N_ELEMENTS (audio_sizes); a++) {
      for (s = 0; s < G_N_ELEMENTS (side_sizes); s++) {
        Parsed p;
        VectorCounts counts = { 0 };

        parsed_init (&p);
        p.blocks = g_byte_array_new ();
        onair_icy_reset (&icy, METAINT);
        feed_vectors (&icy, r.wire, chunk, audio_sizes[a], side_sizes[s], &p,
            &counts);
        fail_unless (p.audio->len == want.audio->len
                && memcmp (p.audio->data, want.audio->data, p.audio->len) == 0
                && p.blocks->len == want.blocks->len
                && memcmp (p.blocks->data, want.blocks->data, p.blocks->len)
                    == 0,
            "reads of %" G_GSIZE_FORMAT " bytes into %" G_GSIZE_FORMAT
            " + %" G_GSIZE_FORMAT " found other audio or blocks",
            chunk, audio_sizes[a], side_sizes[s]);
        fail_unless_equals_uint64 (icy.blocks, G_N_ELEMENTS (recorded_blocks));
        parsed_clear (&p);
      }
    }
  }
  parsed_clear (&want);
  recording_clear (&r);
}

GST_END_TEST;

/* A stream of @intervals intervals whose blocks all hold @block (NULL:
 * empty), as Icecast (empty blocks between changes) and SHOUTcast (the
 * title every time) send them. */
static GByteArray *
repeated_stream (const gchar *block, guint intervals, GByteArray *audio)
{
  GByteArray *wire = g_byte_array_new ();
  guint8 length = block != NULL ? (strlen (block) + 15) / 16 : 0;
  guint8 pad[16] = { 0 };
  guint i, j;

  for (i = 0; i < intervals; i++) {
    for (j = 0; j < METAINT; j++) {
      guint8 b = i * 7 + j;

      g_byte_array_append (wire, &b, 1);
      g_byte_array_append (audio, &b, 1);
    }
    g_byte_array_append (wire, &length, 1);
    if (block != NULL) {
      g_byte_array_append (wire, (const guint8 *) block, strlen (block));
      g_byte_array_append (wire, pad, length * 16 - strlen (block));
    }
  }
  return wire;
}

GST_START_TEST (test_vector_reads_land_audio_in_one_piece)
{
  static const gchar *const blocks[] = { NULL, "StreamTitle='Same';" };
  guint b;

  for (b = 0; b < G_N_ELEMENTS (blocks); b++) {
    GByteArray *audio = g_byte_array_new ();
    GByteArray *wire = repeated_stream (blocks[b], 40, audio);
    OnairIcy icy;
    Parsed p;
    VectorCounts counts = { 0 };

    gsize interval = wire->len / 40; /* audio and block */
    gsize opening = 2 * interval;
    GByteArray rest = { wire->data + opening, wire->len - opening };

    parsed_init (&p);
    onair_icy_reset (&icy, METAINT);
    /* Two blocks teach the length; the reads after them are whole
     * intervals of audio with the blocks where expected. */
    feed (&icy, wire->data, opening, &p);
    feed_vectors (&icy, &rest, 10 * interval, 4096, 4096, &p, &counts);
    fail_unless_equals_int (p.audio->len, audio->len);
    fail_unless (memcmp (p.audio->data, audio->data, audio->len) == 0);
    /* Empty blocks: one stretch per read.  Repeated titles: a stretch per
     * interval, each reported before its block. */
    if (b == 0) {
      fail_unless_equals_int (counts.audio_events, counts.reads);
    } else {
      fail_unless_equals_int (counts.audio_events, 38);
      guint k;

      fail_unless_equals_int (p.titles->len, 40);
      for (k = 0; k < 40; k++)
        fail_unless_equals_int (g_array_index (p.title_at, guint, k),
            (k + 1) * METAINT);
    }
    fail_unless_equals_int (counts.reads, 4);
    parsed_clear (&p);
    g_byte_array_unref (wire);
    g_byte_array_unref (audio);
  }
}

GST_END_TEST;

GST_START_TEST (test_vector_reads_without_metadata)
{
  GByteArray *wire = g_byte_array_new ();
  OnairIcy icy;
  Parsed p;
  VectorCounts counts = { 0 };
  guint8 b;
  guint i;

  for (i = 0; i < 1000; i++) {
    b = i * 13;
    g_byte_array_append (wire, &b, 1);
  }
  parsed_init (&p);
  onair_icy_reset (&icy, 0);
  feed_vectors (&icy, wire, 300, 256, 1, &p, &counts);
  fail_unless_equals_int (p.audio->len, wire->len);
  fail_unless (memcmp (p.audio->data, wire->data, wire->len) == 0);
  fail_unless_equals_int (counts.reads, 4);
  fail_unless_equals_int (counts.audio_events, 4);
  parsed_clear (&p);
  g_byte_array_unref (wire);
}

GST_END_TEST;

static gchar *
title_of (const gchar *block, gsize size)
{
  OnairIcyMetadata meta;
  gchar *title = NULL;

  if (onair_icy_parse_metadata ((const guint8 *) block, size, &meta))
    title = g_steal_pointer (&meta.title);
  onair_icy_metadata_clear (&meta);
  return title;
}

static void
assert_title (const gchar *block, const gchar *expected)
{
  gchar *title = title_of (block, strlen (block));

  fail_unless_equals_string (title, expected);
  g_free (title);
}

GST_START_TEST (test_titles)
{
  static const gchar padded[] = "StreamTitle='Padded';\0\0\0\0\0\0\0\0\0\0\0";
  gchar *title;

  assert_title ("StreamTitle='Artist - It's a 'quoted'; title';",
      "Artist - It's a 'quoted'; title");
  assert_title ("StreamTitle='a';b';StreamUrl='u';", "a';b");
  assert_title ("StreamTitle='Caf\xe9';", "Caf\xc3\xa9");
  /* Windows-1252 */
  assert_title ("StreamTitle='\x80 \x93q\x94 \xe9';",
      "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d \xc3\xa9");
  assert_title ("StreamTitle='J\xc3\xb3ga';", "J\xc3\xb3ga");
  assert_title ("StreamTitle='&#8364; &#x20AC; &#X20ac;';",
      "\xe2\x82\xac \xe2\x82\xac \xe2\x82\xac");
  /* Not characters: left as they are */
  assert_title ("StreamTitle='&#0; &#xD800; &#99999999; &#12 &#;';",
      "&#0; &#xD800; &#99999999; &#12 &#;");
  assert_title ("StreamTitle='  spaced  ';", "spaced");
  assert_title ("StreamTitle='';", "");
  /* Cut short: what there is */
  assert_title ("StreamTitle='No end", "No end");
  assert_title ("StreamTitle='No semicolon'", "No semicolon");
  title = title_of (padded, sizeof (padded) - 1);
  fail_unless_equals_string (title, "Padded");
  g_free (title);
  /* Text after the first NUL does not count. */
  title = title_of ("StreamTitle='A';\0StreamTitle='B';", 33);
  fail_unless_equals_string (title, "A");
  g_free (title);
}

GST_END_TEST;

GST_START_TEST (test_url_and_other_fields)
{
  OnairIcyMetadata meta;
  static const gchar block[] =
      "StreamTitle='T';StreamUrl='http://x/?a=1';adw_ad='true';";

  fail_unless (
      onair_icy_parse_metadata ((const guint8 *) block, strlen (block), &meta));
  fail_unless_equals_string (meta.title, "T");
  fail_unless_equals_string (meta.url, "http://x/?a=1");
  onair_icy_metadata_clear (&meta);

  fail_unless (
      onair_icy_parse_metadata ((const guint8 *) "StreamUrl='u';", 14, &meta));
  fail_unless (!meta.has_title);
  fail_unless_equals_string (meta.url, "u");
  onair_icy_metadata_clear (&meta);
}

GST_END_TEST;

GST_START_TEST (test_non_text_metadata)
{
  static const guint8 binary[] = { 0xff, 0x00, 0x13, 0x37, 'S', '=', '\'' };
  OnairIcyMetadata meta;

  fail_if (onair_icy_parse_metadata (binary, sizeof (binary), &meta));
  fail_unless (meta.title == NULL && meta.url == NULL);
  fail_if (onair_icy_parse_metadata ((const guint8 *) "", 0, &meta));
  fail_if (onair_icy_parse_metadata ((const guint8 *) "garbage", 7, &meta));
  /* A key, but control characters in the value: not a title. */
  fail_unless (
      onair_icy_parse_metadata ((const guint8 *) "StreamTitle='a\x01\x02';", 18,
          &meta));
  fail_unless (meta.title == NULL);
  onair_icy_metadata_clear (&meta);
}

GST_END_TEST;

/* A control character is one once decoded: C0, DEL and C1, whether a raw
 * byte, UTF-8 or a reference, and whatever the 8-bit table maps a byte to
 * (1252's five holes are C1 controls). */
GST_START_TEST (test_control_characters_after_decoding)
{
  static const gchar *const blocks[] = {
    "StreamTitle='a&#155;b';", /* U+009B, the C1 CSI */
    "StreamTitle='a&#x9b;b';",
    "StreamTitle='a&#127;b';", /* DEL */
    "StreamTitle='a\x81"
    "b';", /* a 1252 hole: U+0081 */
    "StreamTitle='Caf\xe9 \x9d';", /* another hole, in 8-bit text */
    "StreamTitle='a\xc2\x9b"
    "b';", /* U+009B as UTF-8 */
    "StreamTitle='a\x7f';",
  };
  OnairIcyMetadata meta;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (blocks); i++) {
    fail_unless (onair_icy_parse_metadata ((const guint8 *) blocks[i],
        strlen (blocks[i]), &meta));
    fail_unless (meta.title == NULL && !meta.has_title,
        "%s gave the title \"%s\"", blocks[i], GST_STR_NULL (meta.title));
    onair_icy_metadata_clear (&meta);
  }
  /* A reference to a C0 control is no character: it stays as written. */
  assert_title ("StreamTitle='a&#27;[2J';", "a&#27;[2J");
  /* The characters next to them are text. */
  assert_title ("StreamTitle='a&#160;b\tc&#x7E;';",
      "a\xc2\xa0"
      "b\tc~");
  assert_title ("StreamTitle='\xc2\xa0\xe2\x82\xac';", "\xc2\xa0\xe2\x82\xac");
}

GST_END_TEST;

GST_START_TEST (test_split_title)
{
  gchar *artist = NULL, *title = NULL;

  fail_unless (
      onair_icy_split_title ("Miles Davis - Blue in Green", &artist, &title));
  fail_unless_equals_string (artist, "Miles Davis");
  fail_unless_equals_string (title, "Blue in Green");
  g_free (artist);
  g_free (title);
  fail_unless (onair_icy_split_title ("A - B - C", &artist, &title));
  fail_unless_equals_string (artist, "A");
  fail_unless_equals_string (title, "B - C");
  g_free (artist);
  g_free (title);
  artist = title = NULL;
  fail_if (onair_icy_split_title ("Just a title", &artist, &title));
  fail_if (onair_icy_split_title (" - Title", &artist, &title));
  fail_if (onair_icy_split_title ("Artist - ", &artist, &title));
  fail_if (onair_icy_split_title ("Hyphen-ated", &artist, &title));
  fail_unless (artist == NULL && title == NULL);
}

GST_END_TEST;

GST_START_TEST (test_metaint_header)
{
  guint n = 1;

  fail_unless_equals_int (onair_icy_parse_metaint ("16000", &n),
      ONAIR_ICY_METAINT_OK);
  fail_unless_equals_int (n, 16000);
  fail_unless_equals_int (onair_icy_parse_metaint (" 8192 ", &n),
      ONAIR_ICY_METAINT_OK);
  fail_unless_equals_int (n, 8192);
  fail_unless_equals_int (onair_icy_parse_metaint ("1048576", &n),
      ONAIR_ICY_METAINT_OK);
  fail_unless_equals_int (onair_icy_parse_metaint (NULL, &n),
      ONAIR_ICY_METAINT_NONE);
  fail_unless_equals_int (n, 0);
  fail_unless_equals_int (onair_icy_parse_metaint ("0", &n),
      ONAIR_ICY_METAINT_NONE);
  fail_unless_equals_int (onair_icy_parse_metaint ("-16000", &n),
      ONAIR_ICY_METAINT_INVALID);
  fail_unless_equals_int (onair_icy_parse_metaint ("abc", &n),
      ONAIR_ICY_METAINT_INVALID);
  fail_unless_equals_int (onair_icy_parse_metaint ("", &n),
      ONAIR_ICY_METAINT_INVALID);
  fail_unless_equals_int (onair_icy_parse_metaint ("16000x", &n),
      ONAIR_ICY_METAINT_INVALID);
  fail_unless_equals_int (onair_icy_parse_metaint ("1048577", &n),
      ONAIR_ICY_METAINT_INVALID);
  fail_unless_equals_int (onair_icy_parse_metaint ("99999999999999999999999",
                              &n),
      ONAIR_ICY_METAINT_INVALID);
  fail_unless_equals_int (n, 0);
}

GST_END_TEST;

static Suite *
icecastsrc_icy_suite (void)
{
  Suite *s = suite_create ("icecastsrc-icy");
  TCase *tc = tcase_create ("icy");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_split_into_two_reads);
  tcase_add_test (tc, test_byte_by_byte_and_whole);
  tcase_add_test (tc, test_audio_is_spans_of_the_input);
  tcase_add_test (tc, test_reset_starts_a_new_stream);
  tcase_add_test (tc, test_no_metadata_passes_everything);
  tcase_add_test (tc, test_longest_block_and_truncation);
  tcase_add_test (tc, test_vector_reads_of_every_size);
  tcase_add_test (tc, test_vector_reads_land_audio_in_one_piece);
  tcase_add_test (tc, test_vector_reads_without_metadata);
  tcase_add_test (tc, test_titles);
  tcase_add_test (tc, test_url_and_other_fields);
  tcase_add_test (tc, test_non_text_metadata);
  tcase_add_test (tc, test_control_characters_after_decoding);
  tcase_add_test (tc, test_split_title);
  tcase_add_test (tc, test_metaint_header);
  return s;
}

ONAIR_CHECK_MAIN (icecastsrc_icy);

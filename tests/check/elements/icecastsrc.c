/* gst-plugins-onair: icecastsrc against real icecast2 servers (fed by
 * icecastsink) and a scripted server for what a real one will not do on
 * demand
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "icecast-service.h"
#include "scripted-server.h"

#include <string.h>

#define MP3_SOURCE                                                             \
  "audiotestsrc is-live=true ! audioconvert ! "                                \
  "lamemp3enc target=bitrate bitrate=128 cbr=true ! mpegaudioparse ! "

/* Bytes that reached a pad, in order. */
typedef struct {
  GMutex lock;
  GByteArray *bytes;
} Sent;

/* What icecastsrc pushed: the audio, each tag event with the audio offset
 * (since the last DISCONT) it came at, the DISCONT positions, the caps. */
typedef struct {
  GMutex lock;
  GByteArray *audio;
  GPtrArray *tags; /* GstTagList */
  GArray *tag_offsets; /* guint64 */
  GArray *disconts; /* guint64: audio offset of each DISCONT buffer */
  guint64 since_discont;
  GstCaps *caps;
  gboolean pts_monotonic;
  GstClockTime last_pts;
  guint buffers;
} Recorder;

static GstPadProbeReturn
record_sent (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Sent *sent = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_mutex_lock (&sent->lock);
  g_byte_array_append (sent->bytes, map.data, map.size);
  g_mutex_unlock (&sent->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
record_output (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Recorder *r = data;

  g_mutex_lock (&r->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime pts = GST_BUFFER_PTS (buffer);
    gsize size = gst_buffer_get_size (buffer);
    guint8 *copy = g_malloc (size);

    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT)) {
      guint64 at = r->audio->len;

      g_array_append_val (r->disconts, at);
      r->since_discont = 0;
    }
    if (!GST_CLOCK_TIME_IS_VALID (pts)
        || (GST_CLOCK_TIME_IS_VALID (r->last_pts) && pts < r->last_pts))
      r->pts_monotonic = FALSE;
    r->last_pts = pts;
    gst_buffer_extract (buffer, 0, copy, size);
    g_byte_array_append (r->audio, copy, size);
    g_free (copy);
    r->since_discont += size;
    r->buffers++;
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (event) == GST_EVENT_TAG) {
      GstTagList *tags;

      gst_event_parse_tag (event, &tags);
      g_ptr_array_add (r->tags, gst_tag_list_copy (tags));
      g_array_append_val (r->tag_offsets, r->since_discont);
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      gst_caps_replace (&r->caps, caps);
    }
  }
  g_mutex_unlock (&r->lock);
  return GST_PAD_PROBE_OK;
}

static void
recorder_attach (Recorder *r, GstElement *pipeline, const gchar *name)
{
  GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = gst_element_get_static_pad (element, "sink");

  g_mutex_init (&r->lock);
  r->audio = g_byte_array_new ();
  r->tags =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_tag_list_unref);
  r->tag_offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
  r->disconts = g_array_new (FALSE, FALSE, sizeof (guint64));
  r->since_discont = 0;
  r->caps = NULL;
  r->pts_monotonic = TRUE;
  r->last_pts = GST_CLOCK_TIME_NONE;
  r->buffers = 0;
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      record_output, r, NULL);
  gst_object_unref (pad);
  gst_object_unref (element);
}

static void
recorder_clear (Recorder *r)
{
  g_byte_array_unref (r->audio);
  g_ptr_array_unref (r->tags);
  g_array_unref (r->tag_offsets);
  g_array_unref (r->disconts);
  gst_caps_replace (&r->caps, NULL);
  g_mutex_clear (&r->lock);
}

/* "artist - title", or the title alone, of tag list @i; NULL without
 * title. */
static gchar *
recorded_title (Recorder *r, guint i)
{
  GstTagList *tags = g_ptr_array_index (r->tags, i);
  gchar *artist = NULL, *title = NULL, *text;

  if (!gst_tag_list_get_string (tags, GST_TAG_TITLE, &title))
    return NULL;
  if (gst_tag_list_get_string (tags, GST_TAG_ARTIST, &artist))
    text = g_strdup_printf ("%s - %s", artist, title);
  else
    text = g_strdup (title);
  g_free (artist);
  g_free (title);
  return text;
}

/* The titles of the tag events, in order, each change once. */
static GPtrArray *
recorded_titles (Recorder *r)
{
  GPtrArray *titles = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_mutex_lock (&r->lock);
  for (i = 0; i < r->tags->len; i++) {
    gchar *t = recorded_title (r, i);

    if (t != NULL
        && (titles->len == 0
            || g_strcmp0 (g_ptr_array_index (titles, titles->len - 1), t) != 0))
      g_ptr_array_add (titles, t);
    else
      g_free (t);
  }
  g_mutex_unlock (&r->lock);
  return titles;
}

typedef struct {
  Recorder *r;
  guint64 bytes;
  const gchar *title;
} Until;

static gboolean
has_bytes (gpointer data)
{
  Until *u = data;
  gboolean ok;

  g_mutex_lock (&u->r->lock);
  ok = u->r->audio->len >= u->bytes;
  g_mutex_unlock (&u->r->lock);
  return ok;
}

static gboolean
has_title (gpointer data)
{
  Until *u = data;
  GPtrArray *titles = recorded_titles (u->r);
  gboolean ok = titles->len > 0
      && g_str_equal (g_ptr_array_index (titles, titles->len - 1), u->title);

  g_ptr_array_unref (titles);
  return ok;
}

static void
wait_bytes (Recorder *r, guint64 bytes, guint timeout_ms)
{
  Until u = { r, bytes, NULL };

  onair_check_wait_until (has_bytes, &u, timeout_ms, "icecastsrc output");
}

static void
wait_title (Recorder *r, const gchar *title, guint timeout_ms)
{
  Until u = { r, 0, title };

  onair_check_wait_until (has_title, &u, timeout_ms, title);
}

static void
pipeline_free (GstElement *pipeline)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

static GstElement *
launch (const gchar *desc)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL, "%s: %s", desc, error ? error->message : "");
  return pipeline;
}

/* A listener on @location with the output recorded at fakesink "out". */
static GstElement *
listener (const gchar *location, const gchar *extra, Recorder *r)
{
  gchar *desc = g_strdup_printf ("icecastsrc name=src location=%s %s ! "
                                 "fakesink name=out sync=false async=false",
      location, extra != NULL ? extra : "");
  GstElement *pipeline = launch (desc);

  recorder_attach (r, pipeline, "out");
  g_free (desc);
  return pipeline;
}

static GstElement *
source (OnairIcecast *ice, const gchar *mount, const gchar *extra, Sent *sent)
{
  gchar *desc =
      g_strdup_printf ("%s icecastsink name=sink "
                       "location=icecast://source:%s@127.0.0.1:%u%s %s",
          MP3_SOURCE, onair_icecast_source_password (ice),
          onair_icecast_port (ice), mount, extra != NULL ? extra : "");
  GstElement *pipeline = launch (desc);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");

  g_mutex_init (&sent->lock);
  sent->bytes = g_byte_array_new ();
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_sent, sent, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  g_free (desc);
  return pipeline;
}

static void
sent_clear (Sent *sent)
{
  g_byte_array_unref (sent->bytes);
  g_mutex_clear (&sent->lock);
}

/* TRUE when @bytes[from, to) appears, whole and in order, in what was
 * sent. */
static gboolean
sent_contains (Sent *sent, const GByteArray *bytes, guint from, guint to)
{
  gboolean found;

  g_mutex_lock (&sent->lock);
  found = memmem (sent->bytes->data, sent->bytes->len, bytes->data + from,
              to - from)
      != NULL;
  g_mutex_unlock (&sent->lock);
  return found;
}

static GstStructure *
wait_element_message (GstElement *pipeline, const gchar *element,
    const gchar *name, guint timeout_ms)
{
  gint64 deadline;

  timeout_ms = onair_check_scaled_ms (timeout_ms);
  deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  for (;;) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg;

    fail_unless (left > 0, "no %s message within %u ms", name, timeout_ms);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
        left * GST_USECOND, GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL, "no %s message within %u ms", name, timeout_ms);
    onair_check_assert_no_error (msg);
    /* NULL: any of the element's icecast-* messages */
    if ((name != NULL ? gst_message_has_name (msg, name)
                      : g_str_has_prefix (gst_structure_get_name (
                                              gst_message_get_structure (msg)),
                          "icecast-"))
        && g_str_equal (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), element)) {
      GstStructure *s = gst_structure_copy (gst_message_get_structure (msg));

      gst_message_unref (msg);
      return s;
    }
    gst_message_unref (msg);
  }
}

static void
start (GstElement *pipeline)
{
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
}

static GstStructure *
src_stats (GstElement *pipeline)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstStructure *stats;

  g_object_get (src, "stats", &stats, NULL);
  gst_object_unref (src);
  return stats;
}

static guint
stats_uint (GstElement *pipeline, const gchar *field)
{
  GstStructure *stats = src_stats (pipeline);
  guint value = G_MAXUINT;

  fail_unless (gst_structure_get_uint (stats, field, &value), "%s", field);
  gst_structure_free (stats);
  return value;
}

static gboolean
bitrate_measured (gpointer pipeline)
{
  return stats_uint (pipeline, "bitrate") > 0;
}

/* Runs until an error or EOS message; returns the error (NULL for EOS). */
static GError *
run_to_end (GstElement *pipeline, guint timeout_ms)
{
  GstMessage *msg = onair_check_run_pipeline (pipeline,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR, timeout_ms);
  GError *error = NULL;

  fail_unless (msg != NULL);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &error, NULL);
  gst_message_unref (msg);
  return error;
}

static void
assert_error (GError *error, GQuark domain, gint code, const gchar *words)
{
  fail_unless (error != NULL, "no error (EOS instead)");
  fail_unless (error->domain == domain && error->code == code,
      "wrong error: %s", error->message);
  fail_unless (strstr (error->message, words) != NULL, "\"%s\" not in \"%s\"",
      words, error->message);
}

static gchar *
icecast_location (OnairIcecast *ice, const gchar *mount)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", onair_icecast_port (ice),
      mount);
}

static void
set_title (OnairIcecast *ice, const gchar *mount, const gchar *song)
{
  gchar *cred = g_strdup_printf ("%s:%s", onair_icecast_admin_user (ice),
      onair_icecast_admin_password (ice));
  gchar *b64 = g_base64_encode ((const guchar *) cred, strlen (cred));
  gchar *auth = g_strdup_printf ("Authorization: Basic %s\r\n", b64);
  gchar *m = g_uri_escape_string (mount, NULL, FALSE);
  gchar *s = g_uri_escape_string (song, NULL, FALSE);
  gchar *path = g_strdup_printf ("/admin/metadata?mount=%s&mode=updinfo&"
                                 "song=%s&charset=UTF-8",
      m, s);
  OnairHttpReply *reply =
      onair_http_get (onair_icecast_port (ice), path, auth, 0, 10000);

  fail_unless (reply != NULL && reply->status == 200);
  fail_unless (g_strstr_len ((const gchar *) reply->body->data,
                   reply->body->len, "successful")
      != NULL);
  onair_http_reply_free (reply);
  g_free (path);
  g_free (s);
  g_free (m);
  g_free (auth);
  g_free (b64);
  g_free (cred);
}

static const gchar *
tag_string (GstTagList *tags, const gchar *tag)
{
  const gchar *value = NULL;

  gst_tag_list_peek_string_index (tags, tag, 0, &value);
  return value;
}

/* Against icecast2 */

GST_START_TEST (test_listener_gets_the_source_bytes_and_station_tags)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  Recorder r;
  GstElement *src_pipe = source (ice, "/m.mp3",
      "stream-name=\"Onair Test\" description=\"A description\" genre=Jazz "
      "url=http://example.org/station",
      &sent);
  gchar *location = icecast_location (ice, "/m.mp3");
  GstElement *pipeline = listener (location, NULL, &r);
  GstStructure *s;
  GstTagList *station;
  guint bitrate = 0, i;
  gint version = 0;

  start (src_pipe);
  onair_icecast_wait_mount (ice, "/m.mp3", TRUE, 15000);
  start (pipeline);
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  fail_unless_equals_string (gst_structure_get_string (s, "mount"), "/m.mp3");
  gst_structure_free (s);
  /* Several metadata intervals (16000 bytes each) */
  wait_bytes (&r, 80000, 30000);
  g_mutex_lock (&r.lock);
  /* Compared, not counted: every byte is the sink's, in its order. */
  fail_unless (sent_contains (&sent, r.audio, 0, r.audio->len),
      "the listener got bytes the source never sent");
  fail_unless (onair_check_is_mpeg_audio (r.audio->data, r.audio->len, 100));
  fail_unless (r.caps != NULL);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (r.caps, 0),
      "audio/mpeg"));
  gst_structure_get_int (gst_caps_get_structure (r.caps, 0), "mpegversion",
      &version);
  fail_unless_equals_int (version, 1);
  fail_unless (r.pts_monotonic, "PTS missing or going back");
  fail_unless (r.tags->len >= 1);
  station = g_ptr_array_index (r.tags, 0);
  fail_unless_equals_string (tag_string (station, GST_TAG_ORGANIZATION),
      "Onair Test");
  fail_unless_equals_string (tag_string (station, GST_TAG_DESCRIPTION),
      "A description");
  fail_unless_equals_string (tag_string (station, GST_TAG_GENRE), "Jazz");
  fail_unless_equals_string (tag_string (station, GST_TAG_HOMEPAGE),
      "http://example.org/station");
  fail_unless (
      gst_tag_list_get_uint (station, GST_TAG_NOMINAL_BITRATE, &bitrate));
  fail_unless_equals_int (bitrate, 128000);
  /* Tags only when they change: the server repeats nothing new. */
  for (i = 1; i < r.tags->len; i++)
    fail_if (gst_tag_list_is_equal (g_ptr_array_index (r.tags, i - 1),
        g_ptr_array_index (r.tags, i)));
  g_mutex_unlock (&r.lock);
  /* Measured over at least a second of the connection: the bytes above may
   * all have come in the server's burst, sooner than that. */
  onair_check_wait_until (bitrate_measured, pipeline, 15000,
      "a bitrate in the stats");

  pipeline_free (pipeline);
  pipeline_free (src_pipe);
  recorder_clear (&r);
  sent_clear (&sent);
  g_free (location);
}

GST_END_TEST;

/* Holds the streaming thread in a push, once, until released. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean holding;
  gboolean released;
  guint buffers;
} Hold;

static GstPadProbeReturn
hold_third_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Hold *h = data;

  g_mutex_lock (&h->lock);
  if (++h->buffers == 3) {
    h->holding = TRUE;
    g_cond_broadcast (&h->cond);
    while (!h->released)
      g_cond_wait (&h->cond, &h->lock);
  }
  g_mutex_unlock (&h->lock);
  return GST_PAD_PROBE_OK;
}

static gboolean
is_holding (gpointer data)
{
  Hold *h = data;
  gboolean holding;

  g_mutex_lock (&h->lock);
  holding = h->holding;
  g_mutex_unlock (&h->lock);
  return holding;
}

GST_START_TEST (test_flush_while_pushing_starts_a_new_stream)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  Recorder r;
  Hold h = { 0 };
  GstElement *src_pipe = source (ice, "/p.mp3", NULL, &sent);
  gchar *location = icecast_location (ice, "/p.mp3");
  /* Without reconnecting: only the pause may end the first connection. */
  GstElement *pipeline = listener (location, "reconnect=false", &r);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstPad *pad = gst_element_get_static_pad (src, "src");
  GstStructure *s;
  guint attempt = 0;
  guint64 before;

  g_mutex_init (&h.lock);
  g_cond_init (&h.cond);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, hold_third_buffer, &h,
      NULL);
  start (src_pipe);
  onair_icecast_wait_mount (ice, "/p.mp3", TRUE, 15000);
  start (pipeline);
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  gst_structure_free (s);
  onair_check_wait_until (is_holding, &h, 30000, "the third buffer");
  /* A flush while the thread was not reading: the element was told to
   * stop reading, and must start a new stream, not end or misread the old
   * one.  The flush stop waits for the stream lock: after the release. */
  fail_unless (gst_element_send_event (src, gst_event_new_flush_start ()));
  g_mutex_lock (&h.lock);
  h.released = TRUE;
  g_cond_broadcast (&h.cond);
  g_mutex_unlock (&h.lock);
  fail_unless (gst_element_send_event (src, gst_event_new_flush_stop (TRUE)));
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  gst_structure_get_uint (s, "attempt", &attempt);
  fail_unless_equals_int (attempt, 1);
  gst_structure_free (s);
  g_mutex_lock (&r.lock);
  before = r.audio->len;
  g_mutex_unlock (&r.lock);
  wait_bytes (&r, before + 32000, 30000);

  g_mutex_lock (&r.lock);
  fail_unless_equals_int (r.disconts->len, 2);
  fail_unless (sent_contains (&sent, r.audio, 0,
      g_array_index (r.disconts, guint64, 1)));
  fail_unless (sent_contains (&sent, r.audio,
      g_array_index (r.disconts, guint64, 1), r.audio->len));
  g_mutex_unlock (&r.lock);

  pipeline_free (pipeline);
  pipeline_free (src_pipe);
  gst_object_unref (pad);
  gst_object_unref (src);
  g_cond_clear (&h.cond);
  g_mutex_clear (&h.lock);
  recorder_clear (&r);
  sent_clear (&sent);
  g_free (location);
}

GST_END_TEST;

GST_START_TEST (test_admin_titles_arrive_in_order)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  Recorder r;
  GstElement *src_pipe = source (ice, "/t.mp3", NULL, &sent);
  gchar *location = icecast_location (ice, "/t.mp3");
  GstElement *pipeline = listener (location, NULL, &r);
  /* The server converts UTF-8 titles to Latin-1, and what Latin-1 cannot
   * hold to a character reference. */
  static const gchar *const songs[] = { "First Artist - First Song",
    "Artist - It's a 'quoted'; title",
    "Bj\xc3\xb6rk - J\xc3\xb3ga \xe2\x82\xac", "No artist here" };
  GPtrArray *titles;
  GstStructure *s;
  guint i;

  start (src_pipe);
  onair_icecast_wait_mount (ice, "/t.mp3", TRUE, 15000);
  start (pipeline);
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  gst_structure_free (s);
  wait_bytes (&r, 1000, 15000);
  for (i = 0; i < G_N_ELEMENTS (songs); i++) {
    set_title (ice, "/t.mp3", songs[i]);
    wait_title (&r, songs[i], 30000);
  }
  titles = recorded_titles (&r);
  fail_unless_equals_int (titles->len, G_N_ELEMENTS (songs));
  for (i = 0; i < G_N_ELEMENTS (songs); i++)
    fail_unless_equals_string (g_ptr_array_index (titles, i), songs[i]);
  g_ptr_array_unref (titles);

  g_mutex_lock (&r.lock);
  for (i = 0; i < r.tags->len; i++) {
    GstTagList *tags = g_ptr_array_index (r.tags, i);
    guint64 at = g_array_index (r.tag_offsets, guint64, i);
    gchar *artist = NULL;

    /* Each title comes exactly where its block was: between two audio
     * stretches of the interval, never late. */
    if (gst_tag_list_get_tag_size (tags, GST_TAG_TITLE) > 0)
      fail_unless (at % 16000 == 0, "title at audio byte %" G_GUINT64_FORMAT,
          at);
    if (gst_tag_list_get_string (tags, GST_TAG_TITLE, &artist)
        && g_str_equal (artist, "Artist - It's a 'quoted'; title"))
      fail ("not split");
    g_free (artist);
  }
  {
    GstTagList *last = g_ptr_array_index (r.tags, r.tags->len - 1);

    /* No " - ": no artist, not even the previous one. */
    fail_unless (gst_tag_list_get_tag_size (last, GST_TAG_ARTIST) == 0);
  }
  g_mutex_unlock (&r.lock);
  fail_unless_equals_int (stats_uint (pipeline, "title-changes"),
      G_N_ELEMENTS (songs));

  pipeline_free (pipeline);
  pipeline_free (src_pipe);
  recorder_clear (&r);
  sent_clear (&sent);
  g_free (location);
}

GST_END_TEST;

GST_START_TEST (test_server_restart_is_recovered)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  Recorder r;
  GstElement *src_pipe = source (ice, "/r.mp3",
      "reconnect-delay=200000000 max-reconnect-delay=500000000", &sent);
  gchar *location = icecast_location (ice, "/r.mp3");
  GstElement *pipeline = listener (location,
      "reconnect-delay=200000000 max-reconnect-delay=500000000", &r);
  GstStructure *s;
  guint64 before, resumed;
  guint disconnects = 0, attempt = 0;

  start (src_pipe);
  onair_icecast_wait_mount (ice, "/r.mp3", TRUE, 15000);
  start (pipeline);
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  gst_structure_free (s);
  wait_bytes (&r, 20000, 30000);

  onair_icecast_stop (ice);
  s = wait_element_message (pipeline, "src", "icecast-disconnected", 30000);
  fail_unless (gst_structure_get_string (s, "reason") != NULL);
  gst_structure_free (s);
  g_mutex_lock (&r.lock);
  before = r.audio->len;
  g_mutex_unlock (&r.lock);
  onair_icecast_restart (ice);

  /* Refused while the server is down, 404 until the source is back: each
   * failed attempt is announced, then the recovery. */
  for (;;) {
    s = wait_element_message (pipeline, "src", NULL, 60000);
    if (gst_structure_has_name (s, "icecast-connected")) {
      gst_structure_get_uint (s, "attempt", &attempt);
      gst_structure_free (s);
      break;
    }
    if (gst_structure_has_name (s, "icecast-disconnected"))
      disconnects++;
    gst_structure_free (s);
  }
  fail_unless (disconnects >= 1);
  fail_unless_equals_int (attempt, disconnects + 1);
  wait_bytes (&r, before + 20000, 30000);

  g_mutex_lock (&r.lock);
  fail_unless (r.disconts->len >= 2, "no DISCONT after the reconnection");
  resumed = g_array_index (r.disconts, guint64, r.disconts->len - 1);
  fail_unless_equals_uint64 (resumed, before);
  fail_unless (sent_contains (&sent, r.audio, resumed, r.audio->len),
      "after the restart the listener got bytes the source never sent");
  fail_unless (sent_contains (&sent, r.audio, 0, resumed));
  g_mutex_unlock (&r.lock);
  fail_unless_equals_int (stats_uint (pipeline, "reconnections"), 1);

  pipeline_free (pipeline);
  pipeline_free (src_pipe);
  recorder_clear (&r);
  sent_clear (&sent);
  g_free (location);
}

GST_END_TEST;

GST_START_TEST (test_missing_mount_and_authorization)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  gchar *location = icecast_location (ice, "/nope.mp3");
  Recorder r;
  GstElement *pipeline = listener (location, NULL, &r);
  GError *error = run_to_end (pipeline, 20000);

  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "/nope.mp3");
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);

  /* The server's admin pages want credentials: 401 without them. */
  location = icecast_location (ice, "/admin/stats");
  pipeline = listener (location, "user-id=admin user-pw=wrong-pw", &r);
  error = run_to_end (pipeline, 20000);
  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
      "/admin/stats");
  fail_if (strstr (error->message, "wrong-pw") != NULL);
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);

  /* With them, the request goes through: the credentials are sent. */
  {
    gchar *extra = g_strdup_printf ("user-id=%s user-pw=%s reconnect=false",
        onair_icecast_admin_user (ice), onair_icecast_admin_password (ice));

    pipeline = listener (location, extra, &r);
    error = run_to_end (pipeline, 20000);
    fail_unless (error == NULL, "%s", error ? error->message : "");
    fail_unless (
        g_strstr_len ((const gchar *) r.audio->data, r.audio->len, "<icestats>")
        != NULL);
    pipeline_free (pipeline);
    recorder_clear (&r);
    g_free (extra);
  }
  g_free (location);
}

GST_END_TEST;

static gboolean
mount_title_is (gpointer data)
{
  gpointer *args = data;
  GstStructure *s = onair_icecast_mount_status (args[0], args[1]);
  gboolean same = s != NULL
      && g_strcmp0 (gst_structure_get_string (s, "title"), args[2]) == 0;

  if (s != NULL)
    gst_structure_free (s);
  return same;
}

GST_START_TEST (test_relay_from_a_to_b)
{
  g_autoptr (OnairIcecast) a = onair_icecast_start (NULL);
  g_autoptr (OnairIcecast) b = onair_icecast_start (NULL);
  Sent sent, relayed;
  Recorder r;
  GstElement *src_pipe = source (a, "/a.mp3",
      "stream-name=\"Station A\" description=\"Relayed\" genre=Jazz "
      "url=http://example.org/a",
      &sent);
  gchar *desc =
      g_strdup_printf ("icecastsrc name=src "
                       "location=http://127.0.0.1:%u/a.mp3 ! "
                       "icecastsink name=relay "
                       "location=icecast://source:%s@127.0.0.1:%u/b.mp3",
          onair_icecast_port (a), onair_icecast_source_password (b),
          onair_icecast_port (b));
  GstElement *relay = launch (desc);
  gchar *location = icecast_location (b, "/b.mp3");
  GstElement *pipeline;
  GstStructure *status;
  static const gchar *const songs[] = { "Relay Artist - Song One",
    "Relay Artist - Song Two", "Caf\xc3\xa9 - Cr\xc3\xa8me" };
  GPtrArray *titles;
  guint i;

  {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (relay), "relay");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");

    g_mutex_init (&relayed.lock);
    relayed.bytes = g_byte_array_new ();
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_sent, &relayed,
        NULL);
    gst_object_unref (pad);
    gst_object_unref (sink);
  }
  start (src_pipe);
  onair_icecast_wait_mount (a, "/a.mp3", TRUE, 15000);
  start (relay);
  onair_icecast_wait_mount (b, "/b.mp3", TRUE, 20000);
  pipeline = listener (location, NULL, &r);
  start (pipeline);
  wait_bytes (&r, 40000, 30000);

  /* Bytes unchanged through both servers and the relay. */
  g_mutex_lock (&r.lock);
  fail_unless (sent_contains (&sent, r.audio, 0, r.audio->len),
      "B's listener got bytes A's source never sent");
  g_mutex_unlock (&r.lock);
  g_mutex_lock (&relayed.lock);
  fail_unless (relayed.bytes->len > 0);
  fail_unless (sent_contains (&sent, relayed.bytes, 0, relayed.bytes->len));
  g_mutex_unlock (&relayed.lock);

  /* Stream info from A's icy-* headers, through tags, on B. */
  status = onair_icecast_mount_status (b, "/b.mp3");
  fail_unless (status != NULL);
  fail_unless_equals_string (gst_structure_get_string (status, "server_name"),
      "Station A");
  fail_unless_equals_string (gst_structure_get_string (status, "genre"),
      "Jazz");
  fail_unless_equals_string (gst_structure_get_string (status,
                                 "server_description"),
      "Relayed");
  fail_unless_equals_string (gst_structure_get_string (status, "server_url"),
      "http://example.org/a");
  gst_structure_free (status);

  /* Titles set on A reach B's mount and B's listeners, in order. */
  for (i = 0; i < G_N_ELEMENTS (songs); i++) {
    gpointer args[] = { b, "/b.mp3", (gpointer) songs[i] };

    set_title (a, "/a.mp3", songs[i]);
    onair_check_wait_until (mount_title_is, args, 30000, songs[i]);
    wait_title (&r, songs[i], 30000);
  }
  titles = recorded_titles (&r);
  fail_unless_equals_int (titles->len, G_N_ELEMENTS (songs));
  for (i = 0; i < G_N_ELEMENTS (songs); i++)
    fail_unless_equals_string (g_ptr_array_index (titles, i), songs[i]);
  g_ptr_array_unref (titles);

  pipeline_free (pipeline);
  pipeline_free (relay);
  pipeline_free (src_pipe);
  recorder_clear (&r);
  sent_clear (&sent);
  sent_clear (&relayed);
  g_free (location);
  g_free (desc);
}

GST_END_TEST;

/* A scripted server */

typedef struct _FakeServer FakeServer;

/* What to answer connection @index (from 1). */
typedef struct {
  GByteArray *head; /* status line and headers, any bytes */
  GByteArray *body;
  gboolean stall; /* then send nothing and keep the connection open */
} Answer;

typedef void (*Script) (FakeServer *fake, guint index, const gchar *request,
    Answer *answer);

struct _FakeServer {
  Script script;
  gpointer data;
  OnairScripted *server;
};

static void
answer_head (Answer *a, const gchar *head)
{
  g_byte_array_append (a->head, (const guint8 *) head, strlen (head));
}

static void
serve (OnairScripted *server, GIOStream *io, guint index, const gchar *request,
    gpointer data)
{
  FakeServer *fake = data;
  Answer a = { g_byte_array_new (), g_byte_array_new (), FALSE };
  GOutputStream *out = g_io_stream_get_output_stream (io);
  gchar c;

  fake->script (fake, index, request, &a);
  if (g_output_stream_write_all (out, a.head->data, a.head->len, NULL, NULL,
          NULL)
      && a.body->len > 0)
    g_output_stream_write_all (out, a.body->data, a.body->len, NULL, NULL,
        NULL);
  /* Stalling: hold the connection until the client goes or the server
   * stops; the socket's timeout only paces the look at the latter. */
  while (a.stall && !onair_scripted_quitting (server)) {
    GError *error = NULL;
    gssize n = g_input_stream_read (g_io_stream_get_input_stream (io), &c, 1,
        NULL, &error);
    gboolean idle =
        n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

    g_clear_error (&error);
    if (n <= 0 && !idle)
      break;
  }
  g_byte_array_unref (a.head);
  g_byte_array_unref (a.body);
}

static FakeServer *
fake_server_start (Script script, gpointer data, gboolean tls)
{
  FakeServer *fake = g_new0 (FakeServer, 1);

  fake->script = script;
  fake->data = data;
  fake->server =
      onair_scripted_start (tls ? ONAIR_SCRIPTED_TLS : ONAIR_SCRIPTED_PLAIN,
          serve, fake);
  return fake;
}

static void
fake_server_free (FakeServer *fake)
{
  onair_scripted_free (fake->server);
  g_free (fake);
}

static gchar *
fake_location (FakeServer *fake, const gchar *scheme, const gchar *path)
{
  return onair_scripted_location (fake->server, scheme, path);
}

/* TRUE when request @i holds @text. */
static gboolean
fake_request_has (FakeServer *fake, guint i, const gchar *text)
{
  gchar *request = onair_scripted_request (fake->server, i);
  gboolean found;

  fail_unless (request != NULL, "no request %u", i);
  found = strstr (request, text) != NULL;
  g_free (request);
  return found;
}

/* Audio that never repeats, and the wire form with blocks after every
 * @metaint bytes: @blocks[i] after interval i (NULL: an empty block). */
static guint32 audio_seed = 1;

static void
build_stream (guint metaint, const gchar *const *blocks, guint n,
    GByteArray *wire, GByteArray *audio)
{
  guint i, j;

  for (i = 0; i < n; i++) {
    const gchar *block = blocks[i];
    guint8 length = block != NULL ? (strlen (block) + 15) / 16 : 0;
    guint8 pad[16] = { 0 };

    for (j = 0; j < metaint; j++) {
      guint8 b;

      audio_seed = audio_seed * 1103515245 + 12345;
      b = audio_seed >> 16;
      g_byte_array_append (wire, &b, 1);
      if (audio != NULL)
        g_byte_array_append (audio, &b, 1);
    }
    g_byte_array_append (wire, &length, 1);
    if (block != NULL) {
      g_byte_array_append (wire, (const guint8 *) block, strlen (block));
      g_byte_array_append (wire, pad, length * 16 - strlen (block));
    }
  }
}

/* SHOUTcast v1: "ICY 200 OK", Latin-1 titles, a title with "';" */

#define SHOUTCAST_HEAD                                                         \
  "ICY 200 OK\r\n"                                                             \
  "icy-notice1:<BR>This stream requires Winamp<BR>\r\n"                        \
  "icy-notice2:SHOUTcast Distributed Network Audio Server/posix "              \
  "v1.9.8<BR>\r\n"                                                             \
  "icy-name:Onair FM\r\n"                                                      \
  "icy-genre:Jazz\r\n"                                                         \
  "icy-url:http://example.org/fm\r\n"                                          \
  "content-type:audio/mpeg\r\n"                                                \
  "icy-pub:1\r\n"                                                              \
  "icy-metaint:1000\r\n"                                                       \
  "icy-br:128\r\n\r\n"

static const gchar *const shoutcast_blocks[] = {
  "StreamTitle='Caf\xe9 del Mar - Cr\xe8me';StreamUrl='http://example.org/1';",
  NULL,
  "StreamTitle='Caf\xe9 del Mar - Cr\xe8me';StreamUrl='http://example.org/1';",
  NULL,
  "StreamTitle='Artist - It's a 'quoted'; title';",
  NULL,
};

static GByteArray *expected_audio;

static void
shoutcast_script (FakeServer *fake, guint index, const gchar *request,
    Answer *a)
{
  answer_head (a, SHOUTCAST_HEAD);
  build_stream (1000, shoutcast_blocks, G_N_ELEMENTS (shoutcast_blocks),
      a->body, expected_audio);
}

GST_START_TEST (test_shoutcast_v1)
{
  FakeServer *fake = fake_server_start (shoutcast_script, NULL, FALSE);
  gchar *location = fake_location (fake, "icy", "/stream");
  Recorder r;
  GstElement *pipeline = listener (location, "reconnect=false", &r);
  GError *error;
  GstTagList *tags;
  gchar *request;
  GPtrArray *titles;
  gint version = 0;
  guint bitrate = 0, i;

  expected_audio = g_byte_array_new ();
  error = run_to_end (pipeline, 20000);
  fail_unless (error == NULL, "%s", error ? error->message : "");

  request = onair_scripted_request (fake->server, 0);
  fail_unless (request != NULL);
  fail_unless (g_str_has_prefix (request, "GET /stream HTTP/1.1\r\n"));
  fail_unless (strstr (request, "\r\nIcy-MetaData: 1\r\n") != NULL);
  fail_unless (strstr (request, "Range:") == NULL);
  g_free (request);

  /* Exactly the audio, every metadata byte gone. */
  fail_unless_equals_int (r.audio->len, expected_audio->len);
  fail_unless (
      memcmp (r.audio->data, expected_audio->data, expected_audio->len) == 0);
  fail_unless (r.pts_monotonic);
  fail_unless (r.caps != NULL);
  gst_structure_get_int (gst_caps_get_structure (r.caps, 0), "mpegversion",
      &version);
  fail_unless_equals_int (version, 1);

  /* Station tags first, then one event per change of title. */
  fail_unless_equals_int (r.tags->len, 3);
  tags = g_ptr_array_index (r.tags, 0);
  fail_unless_equals_string (tag_string (tags, GST_TAG_ORGANIZATION),
      "Onair FM");
  fail_unless_equals_string (tag_string (tags, GST_TAG_GENRE), "Jazz");
  fail_unless_equals_string (tag_string (tags, GST_TAG_HOMEPAGE),
      "http://example.org/fm");
  fail_unless_equals_string (tag_string (tags, GST_TAG_LOCATION),
      "http://example.org/fm");
  fail_unless (gst_tag_list_get_uint (tags, GST_TAG_NOMINAL_BITRATE, &bitrate));
  fail_unless_equals_int (bitrate, 128000);
  fail_unless_equals_uint64 (g_array_index (r.tag_offsets, guint64, 0), 0);

  tags = g_ptr_array_index (r.tags, 1);
  fail_unless_equals_string (tag_string (tags, GST_TAG_ARTIST),
      "Caf\xc3\xa9 del Mar");
  fail_unless_equals_string (tag_string (tags, GST_TAG_TITLE), "Cr\xc3\xa8me");
  /* StreamUrl wins over icy-url as the homepage */
  fail_unless_equals_string (tag_string (tags, GST_TAG_HOMEPAGE),
      "http://example.org/1");
  fail_unless_equals_string (tag_string (tags, GST_TAG_ORGANIZATION),
      "Onair FM");
  fail_unless_equals_uint64 (g_array_index (r.tag_offsets, guint64, 1), 1000);

  tags = g_ptr_array_index (r.tags, 2);
  fail_unless_equals_string (tag_string (tags, GST_TAG_ARTIST), "Artist");
  fail_unless_equals_string (tag_string (tags, GST_TAG_TITLE),
      "It's a 'quoted'; title");
  fail_unless_equals_uint64 (g_array_index (r.tag_offsets, guint64, 2), 5000);
  titles = recorded_titles (&r);
  fail_unless_equals_int (titles->len, 2);
  g_ptr_array_unref (titles);

  fail_unless_equals_int (stats_uint (pipeline, "title-changes"), 2);
  {
    GstStructure *stats = src_stats (pipeline);
    guint64 blocks = 0, received = 0;

    gst_structure_get_uint64 (stats, "metadata-blocks", &blocks);
    gst_structure_get_uint64 (stats, "bytes-received", &received);
    fail_unless_equals_uint64 (blocks, 3);
    fail_unless (received > expected_audio->len);
    gst_structure_free (stats);
  }
  for (i = 0; i < r.tags->len; i++)
    fail_if (
        gst_tag_list_get_tag_size (g_ptr_array_index (r.tags, i), GST_TAG_TITLE)
        > 1);

  g_byte_array_unref (expected_audio);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* The split-title property: the whole StreamTitle as the title. */
GST_START_TEST (test_split_title_off)
{
  FakeServer *fake = fake_server_start (shoutcast_script, NULL, FALSE);
  gchar *location = fake_location (fake, "http", "/stream");
  Recorder r;
  GstElement *pipeline =
      listener (location, "reconnect=false split-title=false", &r);
  GError *error;
  GstTagList *tags;

  expected_audio = g_byte_array_new ();
  error = run_to_end (pipeline, 20000);
  fail_unless (error == NULL);
  fail_unless_equals_int (r.tags->len, 3);
  tags = g_ptr_array_index (r.tags, 1);
  fail_unless_equals_string (tag_string (tags, GST_TAG_TITLE),
      "Caf\xc3\xa9 del Mar - Cr\xc3\xa8me");
  fail_unless (tag_string (tags, GST_TAG_ARTIST) == NULL);
  g_byte_array_unref (expected_audio);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* icy-metaint values */

static const gchar *metaint_value;

static void
metaint_script (FakeServer *fake, guint index, const gchar *request, Answer *a)
{
  gchar *head = g_strdup_printf ("HTTP/1.0 200 OK\r\n"
                                 "Content-Type: audio/mpeg\r\n"
                                 "icy-metaint:%s\r\n\r\n",
      metaint_value);
  guint i;

  answer_head (a, head);
  for (i = 0; i < 3000; i++) {
    guint8 b = (i * 7) & 0xff;

    g_byte_array_append (a->body, &b, 1);
  }
  g_free (head);
}

GST_START_TEST (test_bad_metadata_intervals_are_refused)
{
  static const gchar *const bad[] = { "-16000", "abc", "2000000", "16k" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    FakeServer *fake = fake_server_start (metaint_script, NULL, FALSE);
    gchar *location = fake_location (fake, "http", "/m");
    Recorder r;
    GstElement *pipeline = listener (location, NULL, &r);
    GError *error;

    metaint_value = bad[i];
    error = run_to_end (pipeline, 20000);
    assert_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DEMUX,
        "metadata interval");
    /* Refused: not a byte of it passes as audio. */
    fail_unless_equals_int (r.audio->len, 0);
    g_clear_error (&error);
    pipeline_free (pipeline);
    recorder_clear (&r);
    g_free (location);
    fake_server_free (fake);
  }
}

GST_END_TEST;

GST_START_TEST (test_zero_interval_is_all_audio)
{
  FakeServer *fake = fake_server_start (metaint_script, NULL, FALSE);
  gchar *location = fake_location (fake, "http", "/m");
  Recorder r;
  GstElement *pipeline = listener (location, "reconnect=false", &r);
  GError *error;
  guint i;

  metaint_value = "0";
  error = run_to_end (pipeline, 20000);
  fail_unless (error == NULL);
  fail_unless_equals_int (r.audio->len, 3000);
  for (i = 0; i < 3000; i++)
    fail_unless_equals_int (r.audio->data[i], (i * 7) & 0xff);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* Malformed metadata */

static void
malformed_script (FakeServer *fake, guint index, const gchar *request,
    Answer *a)
{
  static const guint8 binary[32] = { 0xff, 0xfe, 0x00, 0x01, 0x02, 0x80, 'S',
    '=', '\'', 0x1b };
  static const gchar *const blocks[] = { NULL };

  answer_head (a,
      "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n"
      "icy-metaint:500\r\n\r\n");
  build_stream (500, blocks, 1, a->body, expected_audio);
  /* A block of binary bytes */
  a->body->data[a->body->len - 1] = 2;
  g_byte_array_append (a->body, binary, sizeof (binary));
  build_stream (500, blocks, 1, a->body, expected_audio);
  /* 255 * 16 bytes announced; the stream ends after 100 of them. */
  a->body->data[a->body->len - 1] = 255;
  g_byte_array_append (a->body, (const guint8 *) "StreamTitle='Never';", 20);
  g_byte_array_set_size (a->body, a->body->len + 80);
}

GST_START_TEST (test_malformed_metadata_never_reaches_audio_or_tags)
{
  FakeServer *fake = fake_server_start (malformed_script, NULL, FALSE);
  gchar *location = fake_location (fake, "http", "/m");
  Recorder r;
  GstElement *pipeline = listener (location, "reconnect=false", &r);
  GError *error;

  expected_audio = g_byte_array_new ();
  error = run_to_end (pipeline, 20000);
  fail_unless (error == NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (r.audio->len, expected_audio->len);
  fail_unless (
      memcmp (r.audio->data, expected_audio->data, expected_audio->len) == 0);
  fail_unless_equals_int (r.tags->len, 0);
  g_byte_array_unref (expected_audio);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* A dropped connection */

static GByteArray *second_audio;

static void
drop_script (FakeServer *fake, guint index, const gchar *request, Answer *a)
{
  static const gchar *const one[] = { "StreamTitle='One';" };
  static const gchar *const two[] = { "StreamTitle='Two';", NULL, NULL };

  answer_head (a,
      "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n"
      "icy-metaint:1000\r\n\r\n");
  if (index == 1) {
    static const gchar *const none[] = { NULL };

    build_stream (1000, one, 1, a->body, expected_audio);
    build_stream (1000, none, 1, a->body, expected_audio);
    /* Dropped inside the next block's text. */
    a->body->data[a->body->len - 1] = 2;
    g_byte_array_append (a->body, (const guint8 *) "StreamTitl", 10);
  } else {
    build_stream (1000, two, G_N_ELEMENTS (two), a->body, second_audio);
    a->stall = TRUE;
  }
}

GST_START_TEST (test_dropped_connection_is_reopened)
{
  FakeServer *fake;
  gchar *location;
  Recorder r;
  GstElement *pipeline;
  GstStructure *s;
  guint attempt = 0;
  guint64 at;
  GPtrArray *titles;

  expected_audio = g_byte_array_new ();
  second_audio = g_byte_array_new ();
  fake = fake_server_start (drop_script, NULL, FALSE);
  location = fake_location (fake, "http", "/live");
  /* The second connection stalls once its data is out: a timeout longer
   * than the test keeps it the last, however long the checks below take. */
  pipeline =
      listener (location, "reconnect-delay=100000000 timeout=600000", &r);
  start (pipeline);
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  gst_structure_free (s);
  s = wait_element_message (pipeline, "src", "icecast-disconnected", 15000);
  fail_unless_equals_string (gst_structure_get_string (s, "reason"),
      "end of stream");
  gst_structure_free (s);
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  gst_structure_get_uint (s, "attempt", &attempt);
  fail_unless_equals_int (attempt, 1);
  gst_structure_free (s);
  wait_bytes (&r, expected_audio->len + second_audio->len, 15000);

  g_mutex_lock (&r.lock);
  /* The first connection's audio, then the second's from its start: the
   * counter started again, so nothing of the new stream is misread. */
  g_byte_array_append (expected_audio, second_audio->data, second_audio->len);
  fail_unless_equals_int (r.audio->len, expected_audio->len);
  fail_unless (
      memcmp (r.audio->data, expected_audio->data, expected_audio->len) == 0);
  fail_unless_equals_int (r.disconts->len, 2);
  at = g_array_index (r.disconts, guint64, 1);
  fail_unless_equals_uint64 (at, expected_audio->len - second_audio->len);
  g_mutex_unlock (&r.lock);
  titles = recorded_titles (&r);
  fail_unless_equals_int (titles->len, 2);
  fail_unless_equals_string (g_ptr_array_index (titles, 1), "Two");
  g_ptr_array_unref (titles);
  fail_unless (!fake_request_has (fake, 1, "Range:"));
  fail_unless_equals_int (stats_uint (pipeline, "reconnections"), 1);

  pipeline_free (pipeline);
  recorder_clear (&r);
  g_byte_array_unref (expected_audio);
  g_byte_array_unref (second_audio);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* Stalls, timeouts, stopping */

static void
stall_script (FakeServer *fake, guint index, const gchar *request, Answer *a)
{
  answer_head (a,
      "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n"
      "icy-metaint:16000\r\n\r\n");
  g_byte_array_set_size (a->body, 100);
  a->stall = TRUE;
}

static gpointer
stop_pipeline (gpointer data)
{
  gst_element_set_state (data, GST_STATE_NULL);
  return NULL;
}

static gboolean
thread_done (gpointer data)
{
  return g_atomic_int_get ((gint *) data);
}

static gpointer
stop_and_flag (gpointer data)
{
  gpointer *args = data;

  stop_pipeline (args[0]);
  g_atomic_int_set ((gint *) args[1], 1);
  return NULL;
}

GST_START_TEST (test_stop_interrupts_a_blocked_read)
{
  FakeServer *fake = fake_server_start (stall_script, NULL, FALSE);
  gchar *location = fake_location (fake, "http", "/quiet");
  Recorder r;
  /* Only cancellation can end the read before this timeout. */
  GstElement *pipeline = listener (location, "timeout=600000", &r);
  GstStructure *s;
  gint done = 0;
  gpointer args[] = { pipeline, &done };
  GThread *thread;

  start (pipeline);
  s = wait_element_message (pipeline, "src", "icecast-connected", 15000);
  gst_structure_free (s);
  wait_bytes (&r, 100, 15000);
  thread = g_thread_new ("stop", stop_and_flag, args);
  onair_check_wait_until (thread_done, &done, 60000,
      "the pipeline to stop while the read blocks");
  g_thread_join (thread);
  gst_object_unref (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

GST_START_TEST (test_stalled_server_times_out)
{
  FakeServer *fake = fake_server_start (stall_script, NULL, FALSE);
  gchar *location = fake_location (fake, "http", "/quiet");
  Recorder r;
  GstElement *pipeline =
      listener (location, "timeout=1000 reconnect=false", &r);
  GError *error = run_to_end (pipeline, 30000);

  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, "in time");
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* A header block of megabytes */

static void
huge_header_script (FakeServer *fake, guint index, const gchar *request,
    Answer *a)
{
  guint i;

  answer_head (a, "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n");
  for (i = 0; i < 4 * 1024; i++) {
    gchar line[1100];

    memset (line, 'a', sizeof (line));
    memcpy (line, "X-Filler: ", 10);
    memcpy (line + sizeof (line) - 2, "\r\n", 2);
    g_byte_array_append (a->head, (const guint8 *) line, sizeof (line));
  }
  answer_head (a, "icy-metaint:1000\r\n\r\n");
  g_byte_array_set_size (a->body, 5000);
}

GST_START_TEST (test_huge_header_block_is_survived)
{
  FakeServer *fake = fake_server_start (huge_header_script, NULL, FALSE);
  gchar *location = fake_location (fake, "http", "/big");
  Recorder r;
  GstElement *pipeline = listener (location, NULL, &r);
  GError *error = run_to_end (pipeline, 60000);

  /* 4.5 MB of headers: libsoup stops reading at its limit; a clear error,
   * no retry, nothing passed on as audio. */
  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "not valid HTTP");
  fail_unless_equals_int (onair_scripted_connections (fake->server), 1);
  fail_unless_equals_int (r.audio->len, 0);
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* Errors */

static void
status_script (FakeServer *fake, guint index, const gchar *request, Answer *a)
{
  answer_head (a, fake->data);
}

static void
assert_status_error (const gchar *head, GQuark domain, gint code,
    const gchar *words)
{
  FakeServer *fake = fake_server_start (status_script, (gpointer) head, FALSE);
  gchar *location = fake_location (fake, "http", "/the-mount");
  Recorder r;
  GstElement *pipeline = listener (location, NULL, &r);
  GError *error = run_to_end (pipeline, 20000);

  assert_error (error, domain, code, words);
  /* Nothing that fails at once is retried. */
  fail_unless_equals_int (onair_scripted_connections (fake->server), 1);
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_START_TEST (test_http_errors)
{
  assert_status_error ("HTTP/1.0 404 File Not Found\r\n\r\n",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, "/the-mount");
  assert_status_error ("HTTP/1.0 401 Authentication Required\r\n"
                       "WWW-Authenticate: Basic realm=\"Icecast2 Server\"\r\n"
                       "\r\n",
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "/the-mount");
  assert_status_error ("HTTP/1.0 403 Forbidden\r\n\r\n", GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "/the-mount");
  assert_status_error ("ICY 404 Resource Not Found\r\n\r\n", GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_FOUND, "/the-mount");
}

GST_END_TEST;

GST_START_TEST (test_unreachable_servers)
{
  Recorder r;
  gchar *location =
      g_strdup_printf ("http://127.0.0.1:%u/m", onair_check_free_port ());
  GstElement *pipeline = listener (location, NULL, &r);
  GError *error = run_to_end (pipeline, 20000);

  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "refused");
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);

  pipeline = listener ("http://no-such-host.invalid/m", NULL, &r);
  error = run_to_end (pipeline, 30000);
  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "no-such-host.invalid");
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);
}

GST_END_TEST;

static void
tls_script (FakeServer *fake, guint index, const gchar *request, Answer *a)
{
  answer_head (a, "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n");
  g_byte_array_set_size (a->body, 4096);
  memset (a->body->data, 0x55, 4096);
}

GST_START_TEST (test_tls)
{
  FakeServer *fake = fake_server_start (tls_script, NULL, TRUE);
  gchar *location = fake_location (fake, "https", "/s");
  Recorder r;
  GstElement *pipeline = listener (location, NULL, &r);
  GError *error = run_to_end (pipeline, 20000);

  /* Self-signed: refused by default, not retried. */
  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "not trusted");
  fail_unless_equals_int (onair_scripted_n_requests (fake->server), 0);
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);

  pipeline = listener (location, "ssl-strict=false reconnect=false", &r);
  error = run_to_end (pipeline, 20000);
  fail_unless (error == NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (r.audio->len, 4096);
  fail_unless_equals_int (r.audio->data[4095], 0x55);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);

  /* TLS asked, plain HTTP answers. */
  fake = fake_server_start (tls_script, NULL, FALSE);
  location = fake_location (fake, "https", "/s");
  pipeline = listener (location, NULL, &r);
  error = run_to_end (pipeline, 20000);
  assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, "TLS");
  g_clear_error (&error);
  pipeline_free (pipeline);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* Caps */

static void
content_type_script (FakeServer *fake, guint index, const gchar *request,
    Answer *a)
{
  /* GET /<type> */
  const gchar *path = request + 4;
  gchar *type = g_strndup (path + 1, strchr (path, ' ') - path - 1);
  gchar *head =
      g_strdup_printf ("HTTP/1.0 200 OK\r\nContent-Type: %s\r\n\r\n", type);

  answer_head (a, head);
  g_byte_array_set_size (a->body, 1000);
  g_free (head);
  g_free (type);
}

GST_START_TEST (test_caps_from_content_type)
{
  static const gchar *const types[][2] = {
    { "audio/mpeg", "audio/mpeg, mpegversion=(int)1" },
    { "audio/aac", "audio/mpeg, mpegversion=(int)4, stream-format=adts" },
    { "audio/aacp", "audio/mpeg, mpegversion=(int)4, stream-format=adts" },
    { "application/ogg", "application/ogg" },
    { "audio/ogg", "application/ogg" },
    { "audio/webm", "audio/webm" },
    { "video/webm", "video/webm" },
    { "application/octet-stream", NULL },
    { "text/html", NULL },
  };
  FakeServer *fake = fake_server_start (content_type_script, NULL, FALSE);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    gchar *path = g_strdup_printf ("/%s", types[i][0]);
    gchar *location = fake_location (fake, "http", path);
    Recorder r;
    GstElement *pipeline = listener (location, "reconnect=false", &r);
    GError *error = run_to_end (pipeline, 20000);

    fail_unless (error == NULL, "%s", error ? error->message : "");
    fail_unless_equals_int (r.audio->len, 1000);
    if (types[i][1] == NULL) {
      /* No caps of its own: typefind decides. */
      fail_unless (r.caps == NULL, "%s got caps", types[i][0]);
    } else {
      GstCaps *expected = gst_caps_from_string (types[i][1]);

      fail_unless (r.caps != NULL, "%s: no caps", types[i][0]);
      fail_unless (gst_caps_is_equal (r.caps, expected), "%s: %" GST_PTR_FORMAT,
          types[i][0], r.caps);
      gst_caps_unref (expected);
    }
    pipeline_free (pipeline);
    recorder_clear (&r);
    g_free (location);
    g_free (path);
  }
  fake_server_free (fake);
}

GST_END_TEST;

GST_START_TEST (test_typefind_decides_unknown_types)
{
  /* An MP3 stream served as application/octet-stream still decodes. */
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  GstElement *src_pipe =
      source (ice, "/u.mp3", "content-type=audio/x-unknown", &sent);
  gchar *desc = g_strdup_printf ("icecastsrc location=http://127.0.0.1:%u/u.mp3"
                                 " ! decodebin ! fakesink num-buffers=20 "
                                 "sync=false",
      onair_icecast_port (ice));
  GstElement *pipeline = launch (desc);
  GError *error;

  start (src_pipe);
  onair_icecast_wait_mount (ice, "/u.mp3", TRUE, 15000);
  error = run_to_end (pipeline, 30000);
  fail_unless (error == NULL, "%s", error ? error->message : "");
  pipeline_free (pipeline);
  pipeline_free (src_pipe);
  sent_clear (&sent);
  g_free (desc);
}

GST_END_TEST;

/* General */

GST_START_TEST (test_uri_handler_and_rank)
{
  GstElement *src = gst_element_factory_make ("icecastsrc", NULL);
  GstElementFactory *factory = gst_element_factory_find ("icecastsrc");
  GstElementFactory *soup = gst_element_factory_find ("souphttpsrc");
  GstElement *chosen;
  const gchar *const *protocols;
  gchar *location, *user;

  fail_unless (src != NULL);
  fail_unless (soup != NULL, "souphttpsrc missing (gstreamer1.0-plugins-good)");
  fail_unless (gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (factory))
      < gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (soup)));
  fail_unless (gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE (factory))
      <= GST_RANK_MARGINAL);
  protocols = gst_element_factory_get_uri_protocols (factory);
  fail_unless (g_strv_contains (protocols, "http"));
  fail_unless (g_strv_contains (protocols, "https"));
  fail_unless (g_strv_contains (protocols, "icy"));
  fail_unless (g_strv_contains (protocols, "icyx"));
  /* What playbin would take for these locations */
  chosen = gst_element_make_from_uri (GST_URI_SRC,
      "http://radio.example/live.mp3", NULL, NULL);
  fail_unless_equals_string (GST_OBJECT_NAME (gst_element_get_factory (chosen)),
      "souphttpsrc");
  gst_object_unref (chosen);
  chosen = gst_element_make_from_uri (GST_URI_SRC, "icy://radio.example/l",
      NULL, NULL);
  fail_unless_equals_string (GST_OBJECT_NAME (gst_element_get_factory (chosen)),
      "souphttpsrc");
  gst_object_unref (chosen);

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
      "icyx://dj:secret@radio.example:8000/live", NULL));
  g_object_get (src, "location", &location, "user-id", &user, NULL);
  fail_unless_equals_string (location, "http://radio.example:8000/live");
  fail_unless_equals_string (user, "dj");
  g_free (location);
  g_free (user);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
      "icecast://radio.example/x", NULL));
  fail_if (
      g_object_class_find_property (G_OBJECT_GET_CLASS (src), "user-pw")->flags
      & G_PARAM_READABLE);
  gst_object_unref (src);
  gst_object_unref (factory);
  gst_object_unref (soup);
}

GST_END_TEST;

static void
collect_log (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
    gpointer user_data)
{
  GString *log = user_data;
  const gchar *text = gst_debug_message_get (message);

  g_string_append (log, text != NULL ? text : "");
  g_string_append_c (log, '\n');
}

GST_START_TEST (test_password_is_sent_never_shown)
{
  FakeServer *fake = fake_server_start (shoutcast_script, NULL, FALSE);
  gchar *location = g_strdup_printf ("http://listener:pw-4711@127.0.0.1:%u/p",
      onair_scripted_port (fake->server));
  GString *log = g_string_new (NULL);
  Recorder r;
  GstElement *pipeline, *src;
  gchar *read_back, *expected, *b64;
  GError *error;

  expected_audio = g_byte_array_new ();
  gst_debug_set_threshold_for_name ("icecastsrc", GST_LEVEL_LOG);
  gst_debug_add_log_function (collect_log, log, NULL);
  pipeline = listener (location, "reconnect=false", &r);
  error = run_to_end (pipeline, 20000);
  fail_unless (error == NULL);
  b64 = g_base64_encode ((const guchar *) "listener:pw-4711", 16);
  expected = g_strdup_printf ("\r\nAuthorization: Basic %s\r\n", b64);
  fail_unless (fake_request_has (fake, 0, expected));
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_get (src, "location", &read_back, NULL);
  fail_if (strstr (read_back, "pw-4711") != NULL);
  gst_object_unref (src);
  pipeline_free (pipeline);
  gst_debug_remove_log_function (collect_log);
  fail_unless (log->len > 0);
  fail_if (strstr (log->str, "pw-4711") != NULL, "the password is in a log");
  fail_if (strstr (log->str, b64) != NULL, "the credentials are in a log");
  g_string_free (log, TRUE);
  g_free (read_back);
  g_free (expected);
  g_free (b64);
  g_byte_array_unref (expected_audio);
  recorder_clear (&r);
  g_free (location);
  fake_server_free (fake);
}

GST_END_TEST;

/* The TLS test runs as a variant of its own (elements/icecastsrc-tls, which
 * sets ONAIR_ICECASTSRC_TLS): LeakSanitizer's thread scan crashes at exit in
 * a process that made GnuTLS handshakes, so that run has no leak check. */
static Suite *
tls_suite (void)
{
  Suite *s = suite_create ("icecastsrc-tls");
  TCase *tls = tcase_create ("tls");

  suite_add_tcase (s, tls);
  tcase_set_timeout (tls, 60);
  tcase_add_test (tls, test_tls);
  return s;
}

static Suite *
icecastsrc_suite (void)
{
  Suite *s;
  TCase *real, *fake, *general;

  if (g_getenv ("ONAIR_ICECASTSRC_TLS") != NULL)
    return tls_suite ();
  s = suite_create ("icecastsrc");
  real = tcase_create ("icecast2");
  fake = tcase_create ("scripted");
  general = tcase_create ("general");

  suite_add_tcase (s, real);
  tcase_set_timeout (real, 180);
  tcase_add_test (real, test_listener_gets_the_source_bytes_and_station_tags);
  tcase_add_test (real, test_admin_titles_arrive_in_order);
  tcase_add_test (real, test_flush_while_pushing_starts_a_new_stream);
  tcase_add_test (real, test_server_restart_is_recovered);
  tcase_add_test (real, test_missing_mount_and_authorization);
  tcase_add_test (real, test_relay_from_a_to_b);
  tcase_add_test (real, test_typefind_decides_unknown_types);

  suite_add_tcase (s, fake);
  tcase_set_timeout (fake, 90);
  tcase_add_test (fake, test_shoutcast_v1);
  tcase_add_test (fake, test_split_title_off);
  tcase_add_test (fake, test_bad_metadata_intervals_are_refused);
  tcase_add_test (fake, test_zero_interval_is_all_audio);
  tcase_add_test (fake, test_malformed_metadata_never_reaches_audio_or_tags);
  tcase_add_test (fake, test_dropped_connection_is_reopened);
  tcase_add_test (fake, test_stop_interrupts_a_blocked_read);
  tcase_add_test (fake, test_stalled_server_times_out);
  tcase_add_test (fake, test_huge_header_block_is_survived);
  tcase_add_test (fake, test_http_errors);
  tcase_add_test (fake, test_unreachable_servers);
  tcase_add_test (fake, test_caps_from_content_type);
  tcase_add_test (fake, test_password_is_sent_never_shown);

  suite_add_tcase (s, general);
  tcase_add_test (general, test_uri_handler_and_rank);
  return s;
}

ONAIR_CHECK_MAIN (icecastsrc);

/* gst-plugins-onair: icecastsink against a real icecast2 and a scripted
 * server for the faults a real one will not produce on demand
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

/* Everything that reached the sink's render, in order. */
typedef struct {
  GMutex lock;
  GByteArray *bytes;
} Sent;

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

static GstElement *
sink_pipeline (const gchar *source, OnairIcecast *ice, const gchar *mount,
    const gchar *extra, Sent *sent)
{
  gchar *desc =
      g_strdup_printf ("%s icecastsink name=sink "
                       "location=icecast://source:%s@127.0.0.1:%u%s %s",
          source, onair_icecast_source_password (ice), onair_icecast_port (ice),
          mount, extra != NULL ? extra : "");
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL, "%s: %s", desc, error ? error->message : "");
  g_free (desc);
  if (sent != NULL) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");

    g_mutex_init (&sent->lock);
    sent->bytes = g_byte_array_new ();
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_sent, sent, NULL);
    gst_object_unref (pad);
    gst_object_unref (sink);
  }
  return pipeline;
}

static void
pipeline_free (GstElement *pipeline)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* Waits for an element message named @name from the sink, failing on an
 * error first. */
static GstStructure *
wait_sink_message (GstElement *pipeline, const gchar *name, guint timeout_ms)
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
    if (gst_message_has_name (msg, name)) {
      GstStructure *s = gst_structure_copy (gst_message_get_structure (msg));

      gst_message_unref (msg);
      return s;
    }
    gst_message_unref (msg);
  }
}

static GstStructure *
sink_stats (GstElement *pipeline)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstStructure *stats;

  g_object_get (sink, "stats", &stats, NULL);
  gst_object_unref (sink);
  return stats;
}

/* TRUE when @listened appears, whole, in what the sink sent. */
static gboolean
sent_contains (Sent *sent, const GByteArray *listened)
{
  gboolean found;

  g_mutex_lock (&sent->lock);
  found = memmem (sent->bytes->data, sent->bytes->len, listened->data,
              listened->len)
      != NULL;
  g_mutex_unlock (&sent->lock);
  return found;
}

static void
sent_clear (Sent *sent)
{
  g_byte_array_unref (sent->bytes);
  g_mutex_clear (&sent->lock);
}

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

GST_START_TEST (test_mp3_listener_gets_exactly_what_was_sent)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  GstElement *pipeline = sink_pipeline (MP3_SOURCE, ice, "/m.mp3",
      "stream-name=\"Onair Test\" description=\"A description\" genre=Jazz "
      "url=http://example.org/station public=false",
      &sent);
  OnairHttpReply *reply;
  GstStructure *s, *status;
  gchar *type;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  fail_unless_equals_string (gst_structure_get_string (s, "mount"), "/m.mp3");
  fail_unless_equals_string (gst_structure_get_string (s, "protocol"), "put");
  gst_structure_free (s);
  onair_icecast_wait_mount (ice, "/m.mp3", TRUE, 10000);

  reply = onair_http_get (onair_icecast_port (ice), "/m.mp3", NULL, 32768,
      onair_check_scaled_ms (15000));
  fail_unless (reply != NULL);
  fail_unless_equals_int (reply->status, 200);
  type = onair_http_reply_header (reply, "Content-Type");
  fail_unless_equals_string (type, "audio/mpeg");
  g_free (type);
  fail_unless_equals_int (reply->body->len, 32768);
  fail_unless (
      onair_check_is_mpeg_audio (reply->body->data, reply->body->len, 8));
  /* Compared, not counted: the bytes are the sink's, in its order. */
  fail_unless (sent_contains (&sent, reply->body),
      "the listener got bytes the sink never sent");
  onair_http_reply_free (reply);

  status = onair_icecast_mount_status (ice, "/m.mp3");
  fail_unless (status != NULL);
  fail_unless_equals_string (gst_structure_get_string (status, "server_name"),
      "Onair Test");
  fail_unless_equals_string (gst_structure_get_string (status,
                                 "server_description"),
      "A description");
  fail_unless_equals_string (gst_structure_get_string (status, "genre"),
      "Jazz");
  fail_unless_equals_string (gst_structure_get_string (status, "server_url"),
      "http://example.org/station");
  fail_unless_equals_string (gst_structure_get_string (status, "server_type"),
      "audio/mpeg");
  /* samplerate and channels from the caps, bitrate from the parser's tags */
  fail_unless (g_str_has_prefix (gst_structure_get_string (status,
                                     "audio_info"),
                   "bitrate=128;samplerate=44100;channels="),
      "audio_info %s", gst_structure_get_string (status, "audio_info"));
  gst_structure_free (status);

  pipeline_free (pipeline);
  sent_clear (&sent);
}

GST_END_TEST;

GST_START_TEST (test_title_tag_becomes_mount_title)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  GstElement *pipeline =
      sink_pipeline (MP3_SOURCE "taginject tags=\"title=\\\"Blue in Green\\\","
                                "artist=\\\"Miles Davis\\\"\" ! ",
          ice, "/t.mp3", NULL, NULL);
  gpointer args[] = { ice, "/t.mp3", "Miles Davis - Blue in Green" };
  GstStructure *s, *stats;
  guint updates = 0;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-metadata", 15000);
  fail_unless_equals_string (gst_structure_get_string (s, "title"),
      "Miles Davis - Blue in Green");
  gst_structure_free (s);
  onair_check_wait_until (mount_title_is, args, 10000, "the mount's title");
  stats = sink_stats (pipeline);
  gst_structure_get_uint (stats, "metadata-updates", &updates);
  /* taginject sends the same tags again on every stream start: only a
   * change is sent. */
  fail_unless_equals_int (updates, 1);
  gst_structure_free (stats);
  pipeline_free (pipeline);
}

GST_END_TEST;

/* A file is sent in real time, not in a burst, and whole: what is still
 * queued at EOS goes out before EOS is posted. */
GST_START_TEST (test_file_is_paced_and_sent_whole)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  /* 115 frames of 1152 samples at 44.1 kHz: 3.0 s of MP3, not live. */
  GstElement *pipeline = sink_pipeline (
      "audiotestsrc num-buffers=115 "
      "samplesperbuffer=1152 ! audio/x-raw,rate=44100 ! audioconvert ! "
      "lamemp3enc target=bitrate bitrate=128 cbr=true ! mpegaudioparse ! ",
      ice, "/file.mp3", NULL, &sent);
  gint64 start = g_get_monotonic_time ();
  GstMessage *msg = onair_check_run_pipeline (pipeline, GST_MESSAGE_EOS, 30000);
  gdouble elapsed = (g_get_monotonic_time () - start) / 1e6;
  GstStructure *stats = sink_stats (pipeline);
  guint64 bytes_sent = 0;

  onair_check_assert_no_error (msg);
  gst_message_unref (msg);
  /* Paced against the clock: 3 s of stream cannot be gone in less than
   * 2.8 s (the pacing step is 100 ms). */
  fail_unless (elapsed >= 2.8, "3 s of MP3 sent in %.3f s", elapsed);
  gst_structure_get_uint64 (stats, "bytes-sent", &bytes_sent);
  fail_unless_equals_uint64 (bytes_sent, sent.bytes->len);
  gst_structure_free (stats);
  pipeline_free (pipeline);
  sent_clear (&sent);
}

GST_END_TEST;

/* A new source on a mount has no title: the sink sends it again after a
 * reconnection. */
GST_START_TEST (test_title_is_restored_after_reconnect)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  /* Retries stay 0.5 s apart however long the restart takes. */
  GstElement *pipeline =
      sink_pipeline (MP3_SOURCE "taginject tags=\"title=Again,artist=Same\" ! ",
          ice, "/again.mp3",
          "reconnect-delay=200000000 max-reconnect-delay=500000000", NULL);
  gpointer args[] = { ice, "/again.mp3", "Same - Again" };
  GstStructure *s;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  onair_check_wait_until (mount_title_is, args, 15000, "the title");
  onair_icecast_stop (ice);
  s = wait_sink_message (pipeline, "icecast-disconnected", 30000);
  gst_structure_free (s);
  onair_icecast_restart (ice);
  s = wait_sink_message (pipeline, "icecast-connected", 30000);
  gst_structure_free (s);
  onair_check_wait_until (mount_title_is, args, 15000,
      "the title after the restart");
  pipeline_free (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_invalid_location_is_reported)
{
  GstElement *pipeline =
      gst_parse_launch (MP3_SOURCE "icecastsink "
                                   "location=http://user:topsecret@host/m",
          NULL);
  GstMessage *msg;
  GError *error = NULL;
  gchar *debug = NULL;

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  msg = onair_check_wait_message (pipeline, GST_MESSAGE_ERROR, 5000);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &error, &debug);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_SETTINGS),
      "%s", error->message);
  fail_unless (strstr (error->message, "icecast://") != NULL);
  fail_if (strstr (error->message, "topsecret") != NULL);
  fail_if (debug != NULL && strstr (debug, "topsecret") != NULL);
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (msg);
  pipeline_free (pipeline);
}

GST_END_TEST;

/* A relayed station's info arrives as tags: it is used where the
 * properties say nothing. */
GST_START_TEST (test_stream_info_from_tags)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  GstElement *pipeline = sink_pipeline (MP3_SOURCE
      "taginject tags=\"organization=Relayed,genre=Folk,"
      "description=Far,homepage=http://example.org/far\" ! ",
      ice, "/i.mp3", "genre=Own", NULL);
  GstStructure *s, *status;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  gst_structure_free (s);
  onair_icecast_wait_mount (ice, "/i.mp3", TRUE, 10000);
  status = onair_icecast_mount_status (ice, "/i.mp3");
  fail_unless_equals_string (gst_structure_get_string (status, "server_name"),
      "Relayed");
  fail_unless_equals_string (gst_structure_get_string (status,
                                 "server_description"),
      "Far");
  fail_unless_equals_string (gst_structure_get_string (status, "server_url"),
      "http://example.org/far");
  /* The property wins over the tag. */
  fail_unless_equals_string (gst_structure_get_string (status, "genre"), "Own");
  gst_structure_free (status);
  pipeline_free (pipeline);
}

GST_END_TEST;

/* Listens with GStreamer itself and checks that the stream decodes. */
static void
assert_listener_decodes (OnairIcecast *ice, const gchar *mount,
    const gchar *decoder)
{
  /* No ICY metadata: the decoder gets the stream as the sink sent it. */
  gchar *desc = g_strdup_printf ("souphttpsrc iradio-mode=false "
                                 "location=http://127.0.0.1:%u%s "
                                 "! %s ! fakesink name=out num-buffers=20 "
                                 "sync=false async=false",
      onair_icecast_port (ice), mount, decoder);
  GstElement *listener = gst_parse_launch (desc, NULL);
  GstMessage *msg;

  fail_unless (listener != NULL, "%s", desc);
  msg = onair_check_run_pipeline (listener, GST_MESSAGE_EOS, 20000);
  onair_check_assert_no_error (msg);
  gst_message_unref (msg);
  pipeline_free (listener);
  g_free (desc);
}

static void
stream_and_decode (const gchar *source, const gchar *mount,
    const gchar *content_type, const gchar *decoder)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Sent sent;
  GstElement *pipeline = sink_pipeline (source, ice, mount, NULL, &sent);
  GstStructure *status, *s;
  OnairHttpReply *reply;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  gst_structure_free (s);
  onair_icecast_wait_mount (ice, mount, TRUE, 10000);
  status = onair_icecast_mount_status (ice, mount);
  fail_unless_equals_string (gst_structure_get_string (status, "server_type"),
      content_type);
  gst_structure_free (status);

  reply = onair_http_get (onair_icecast_port (ice), mount, NULL, 8192,
      onair_check_scaled_ms (15000));
  fail_unless (reply != NULL && reply->status == 200);
  fail_unless_equals_int (reply->body->len, 8192);
  if (g_str_equal (content_type, "audio/aac")) {
    /* ADTS frames, exactly the bytes the sink sent */
    fail_unless (sent_contains (&sent, reply->body));
  } else {
    /* Icecast sends a new Ogg listener the stream headers first: the ones
     * the sink sent when it connected. */
    fail_unless (memcmp (reply->body->data, "OggS", 4) == 0);
  }
  onair_http_reply_free (reply);
  assert_listener_decodes (ice, mount, decoder);
  pipeline_free (pipeline);
  sent_clear (&sent);
}

GST_START_TEST (test_aac)
{
  const gchar *encoder =
      gst_element_factory_find ("avenc_aac") != NULL ? "avenc_aac" : "voaacenc";

  fail_unless (gst_element_factory_find (encoder) != NULL,
      "no AAC encoder: apt-get install gstreamer1.0-libav");
  {
    gchar *source = g_strdup_printf ("audiotestsrc is-live=true ! "
                                     "audioconvert ! %s ! aacparse ! "
                                     "audio/mpeg,stream-format=adts ! ",
        encoder);

    stream_and_decode (source, "/a.aac", "audio/aac", "aacparse ! avdec_aac");
    g_free (source);
  }
}

GST_END_TEST;

GST_START_TEST (test_ogg_vorbis)
{
  stream_and_decode ("audiotestsrc is-live=true ! audioconvert ! vorbisenc ! "
                     "oggmux ! ",
      "/v.ogg", "application/ogg", "oggdemux ! vorbisdec");
}

GST_END_TEST;

GST_START_TEST (test_ogg_opus)
{
  /* GStreamer 1.22's oggdemux sets an invalid seqnum on events in push mode:
   * not what is tested here. */
  gst_check_add_log_filter ("GStreamer", G_LOG_LEVEL_CRITICAL,
      g_regex_new ("gst_event_set_seqnum", 0, 0, NULL), NULL, NULL, NULL);
  stream_and_decode ("audiotestsrc is-live=true ! audioconvert ! opusenc ! "
                     "oggmux ! ",
      "/o.opus", "application/ogg", "oggdemux ! opusdec");
}

GST_END_TEST;

/* Errors */

static GError *
run_until_error (GstElement *pipeline, guint *disconnects)
{
  GError *error = NULL;

  *disconnects = 0;
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  for (;;) {
    GstMessage *msg = onair_check_wait_message (pipeline,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS, 30000);

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &error, NULL);
      gst_message_unref (msg);
      return error;
    }
    if (gst_message_has_name (msg, "icecast-disconnected"))
      (*disconnects)++;
    gst_message_unref (msg);
  }
}

GST_START_TEST (test_wrong_password_is_fatal_at_once)
{
  OnairIcecastConfig config = { "right-pw-3", NULL, NULL, 0, 0, 0, NULL };
  g_autoptr (OnairIcecast) ice = onair_icecast_start (&config);
  gchar *desc = g_strdup_printf (MP3_SOURCE
      "icecastsink name=sink "
      "location=icecast://source:wrong-pw-3@127.0.0.1:%u/p.mp3 "
      "reconnect-delay=10000000",
      onair_icecast_port (ice));
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  guint disconnects;
  GError *error = run_until_error (pipeline, &disconnects);
  gchar *log, **logins;

  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_NOT_AUTHORIZED),
      "%s", error->message);
  fail_unless (strstr (error->message, "/p.mp3") != NULL);
  fail_if (strstr (error->message, "wrong-pw-3") != NULL);
  /* No retry: one attempt, one report. */
  fail_unless_equals_int (disconnects, 1);
  log = onair_icecast_read_log (ice);
  logins = g_strsplit (log, "attempted to login", -1);
  fail_unless_equals_int (g_strv_length (logins) - 1, 1);
  g_strfreev (logins);
  g_free (log);
  g_clear_error (&error);
  pipeline_free (pipeline);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_mount_in_use_is_retried_then_fails)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  GstElement *holder = sink_pipeline (MP3_SOURCE, ice, "/busy.mp3", NULL, NULL);
  GstElement *contender = sink_pipeline (MP3_SOURCE, ice, "/busy.mp3",
      "max-reconnect-attempts=2 reconnect-delay=100000000", NULL);
  GstStructure *s;
  guint disconnects;
  GError *error;

  fail_unless (gst_element_set_state (holder, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (holder, "icecast-connected", 15000);
  gst_structure_free (s);
  error = run_until_error (contender, &disconnects);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_BUSY),
      "%s", error->message);
  fail_unless (strstr (error->message, "in use") != NULL, "%s", error->message);
  /* The holder try and two more. */
  fail_unless_equals_int (disconnects, 3);
  g_clear_error (&error);
  pipeline_free (contender);
  pipeline_free (holder);
}

GST_END_TEST;

static void
assert_error_without_retry (const gchar *location, const gchar *extra,
    GQuark domain, gint code, const gchar *words)
{
  gchar *desc = g_strdup_printf (MP3_SOURCE
      "icecastsink name=sink "
      "location=%s max-reconnect-attempts=0 timeout=3000 %s",
      location, extra != NULL ? extra : "");
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  guint disconnects;
  GError *error = run_until_error (pipeline, &disconnects);

  fail_unless (error->domain == domain && error->code == code, "%s: got %s",
      location, error->message);
  fail_unless (strstr (error->message, words) != NULL, "%s", error->message);
  g_clear_error (&error);
  pipeline_free (pipeline);
  g_free (desc);
}

GST_START_TEST (test_each_failure_has_its_own_error)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  gchar *location;

  location = g_strdup_printf ("icecast://source:x@127.0.0.1:%u/r.mp3",
      onair_check_free_port ());
  assert_error_without_retry (location, NULL, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_WRITE, "refused the connection");
  g_free (location);

  assert_error_without_retry ("icecast://source:x@no-such-host.invalid/r.mp3",
      NULL, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "no-such-host.invalid");

  /* TLS required, the server speaks plain HTTP. */
  location = g_strdup_printf ("icecasts://source:%s@127.0.0.1:%u/r.mp3",
      onair_icecast_source_password (ice), onair_icecast_port (ice));
  assert_error_without_retry (location, NULL, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_WRITE, "TLS");
  g_free (location);
}

GST_END_TEST;

GST_START_TEST (test_caps_without_content_type_are_refused_clearly)
{
  GstElement *pipeline =
      gst_parse_launch ("audiotestsrc num-buffers=3 ! "
                        "icecastsink location=icecast://127.0.0.1:9/x.raw",
          NULL);
  GstMessage *msg = onair_check_run_pipeline (pipeline, GST_MESSAGE_EOS, 10000);
  GError *error = NULL;

  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (g_error_matches (error, GST_STREAM_ERROR,
                   GST_STREAM_ERROR_FORMAT),
      "%s", error->message);
  fail_unless (strstr (error->message, "content-type") != NULL);
  g_clear_error (&error);
  gst_message_unref (msg);
  pipeline_free (pipeline);
}

GST_END_TEST;

/* Reconnection */

static gboolean
listener_gets_mp3 (gpointer data)
{
  OnairIcecast *ice = data;
  OnairHttpReply *reply =
      onair_http_get (onair_icecast_port (ice), "/r.mp3", NULL, 4096, 5000);
  gboolean ok = reply != NULL && reply->status == 200
      && reply->body->len == 4096
      && onair_check_is_mpeg_audio (reply->body->data, reply->body->len, 4);

  onair_http_reply_free (reply);
  return ok;
}

/* A backlog longer than the test may run: no outage, however slow the
 * restart, outlasts it. */
#define BACKLOG_BEYOND_ANY_OUTAGE (600 * GST_SECOND)

static guint64
restart_during_stream (guint64 backlog)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  gchar *extra = g_strdup_printf ("backlog=%" G_GUINT64_FORMAT
                                  " reconnect-delay=200000000 "
                                  "max-reconnect-delay=500000000",
      backlog);
  GstElement *pipeline = sink_pipeline (MP3_SOURCE, ice, "/r.mp3", extra, NULL);
  GstStructure *s, *stats;
  guint64 dropped = 0;
  guint reconnections = 0;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  gst_structure_free (s);
  onair_check_wait_until (listener_gets_mp3, ice, 15000, "audio");

  onair_icecast_stop (ice);
  s = wait_sink_message (pipeline, "icecast-disconnected", 30000);
  gst_structure_free (s);
  onair_icecast_restart (ice);
  s = wait_sink_message (pipeline, "icecast-connected", 30000);
  gst_structure_free (s);
  onair_check_wait_until (listener_gets_mp3, ice, 15000,
      "audio after the restart");

  stats = sink_stats (pipeline);
  gst_structure_get_uint (stats, "reconnections", &reconnections);
  gst_structure_get_uint64 (stats, "dropped-bytes", &dropped);
  fail_unless_equals_int (reconnections, 1);
  gst_structure_free (stats);
  pipeline_free (pipeline);
  g_free (extra);
  return dropped;
}

GST_START_TEST (test_server_restart_reconnects_and_backlog_covers_gap)
{
  /* Without a backlog the outage's audio is gone; with one, none is. */
  fail_unless (restart_during_stream (0) > 0);
  fail_unless_equals_uint64 (restart_during_stream (BACKLOG_BEYOND_ANY_OUTAGE),
      0);
}

GST_END_TEST;

GST_START_TEST (test_ffmpeg_decodes_the_stream)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  GstElement *pipeline = sink_pipeline (MP3_SOURCE, ice, "/f.mp3", NULL, NULL);
  GstStructure *s;
  gchar *url, *err_out = NULL;
  gint status = -1;
  GError *error = NULL;
  gchar *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", NULL, "-t", "3",
    "-f", "null", "-", NULL };

  gchar *ffmpeg = g_find_program_in_path ("ffmpeg");

  fail_unless (ffmpeg != NULL,
      "ffmpeg is not installed (apt-get install ffmpeg)");
  g_free (ffmpeg);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  gst_structure_free (s);
  onair_icecast_wait_mount (ice, "/f.mp3", TRUE, 10000);
  url = g_strdup_printf ("http://127.0.0.1:%u/f.mp3", onair_icecast_port (ice));
  argv[5] = url;
  fail_unless (g_spawn_sync (NULL, argv, NULL,
                   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                   NULL, &err_out, &status, &error),
      "%s", error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "ffmpeg: %s", err_out);
  fail_unless_equals_string (g_strstrip (err_out), "");
  g_free (err_out);
  g_free (url);
  pipeline_free (pipeline);
}

GST_END_TEST;

/* A scripted server for what a real one will not do on demand. */

typedef enum {
  SCRIPT_SILENT, /* reads the request, says nothing, reads */
  SCRIPT_DROP, /* OK, takes some data, hangs up */
  SCRIPT_STALL, /* OK, then never reads again */
  SCRIPT_MALFORMED, /* a reply that is not HTTP */
  SCRIPT_TLS, /* TLS with a self-signed certificate, then OK, reads */
  SCRIPT_LATE_REFUSAL, /* silent, then 401 once the stream flows, reads */
} Script;

#define LATE_REFUSAL_AFTER (48 * 1024)

typedef struct {
  Script script;
  OnairScripted *server;
  GMutex lock;
  guint64 received;
} FakeServer;

static void
serve (OnairScripted *server, GIOStream *io, guint index, const gchar *request,
    gpointer data)
{
  FakeServer *fake = data;
  GOutputStream *out = g_io_stream_get_output_stream (io);
  gboolean tls = G_IS_TLS_CONNECTION (io);
  gchar buf[4096];
  guint64 taken = 0;

  /* Short waits, so that the reads below see the server quit. */
  g_socket_set_timeout (onair_scripted_socket (io), tls ? 5 : 1);
  if (fake->script == SCRIPT_MALFORMED) {
    g_output_stream_write_all (out, "HELLO THERE\r\n\r\n", 15, NULL, NULL,
        NULL);
    return;
  }
  if (fake->script != SCRIPT_SILENT && fake->script != SCRIPT_LATE_REFUSAL)
    g_output_stream_write_all (out, "HTTP/1.0 200 OK\r\n\r\n", 19, NULL, NULL,
        NULL);
  if (fake->script == SCRIPT_STALL) {
    /* Never reads again: the sink's writes fill the buffers and block. */
    onair_scripted_wait_quit (server);
    return;
  }
  while (!onair_scripted_quitting (server)) {
    GError *error = NULL;
    gssize n = g_input_stream_read (g_io_stream_get_input_stream (io), buf,
        sizeof (buf), NULL, &error);

    if (n < 0 && !tls
        && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
      g_clear_error (&error);
      continue;
    }
    g_clear_error (&error);
    if (n <= 0)
      break;
    taken += n;
    g_mutex_lock (&fake->lock);
    fake->received += n;
    g_mutex_unlock (&fake->lock);
    /* The first connection is cut off mid-stream. */
    if (fake->script == SCRIPT_DROP && index == 1 && taken >= 16384)
      break;
    /* The sink streams after 2 s of silence, first the 32 KB it queued
     * meanwhile; the refusal comes once the stream runs live. */
    if (fake->script == SCRIPT_LATE_REFUSAL && taken >= LATE_REFUSAL_AFTER
        && taken - n < LATE_REFUSAL_AFTER)
      g_output_stream_write_all (out,
          "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", 48, NULL,
          NULL, NULL);
  }
}

static FakeServer *
fake_server_start (Script script)
{
  FakeServer *fake = g_new0 (FakeServer, 1);

  fake->script = script;
  g_mutex_init (&fake->lock);
  fake->server = onair_scripted_start (ONAIR_SCRIPTED_SMALL_WINDOW
          | (script == SCRIPT_TLS ? ONAIR_SCRIPTED_TLS : ONAIR_SCRIPTED_PLAIN),
      serve, fake);
  return fake;
}

static void
fake_server_free (FakeServer *fake)
{
  onair_scripted_free (fake->server);
  g_mutex_clear (&fake->lock);
  g_free (fake);
}

/* TRUE when the first request starts with @start and holds each of the
 * other lines. */
static gboolean
first_request_is (FakeServer *fake, const gchar *start, ...)
{
  gchar *request = onair_scripted_request (fake->server, 0);
  gboolean ok = request != NULL && g_str_has_prefix (request, start);
  const gchar *line;
  va_list args;

  va_start (args, start);
  while (ok && (line = va_arg (args, const gchar *)) != NULL)
    ok = strstr (request, line) != NULL;
  va_end (args);
  g_free (request);
  return ok;
}

static gboolean
fake_received_at_least (gpointer data)
{
  gpointer *args = data;
  FakeServer *fake = args[0];
  gboolean ok;

  g_mutex_lock (&fake->lock);
  ok = fake->received >= GPOINTER_TO_UINT (args[1]);
  g_mutex_unlock (&fake->lock);
  return ok;
}

static GstElement *
fake_pipeline (FakeServer *fake, const gchar *extra)
{
  gchar *desc = g_strdup_printf (MP3_SOURCE
      "icecastsink name=sink "
      "location=icecast://source:pw@127.0.0.1:%u/fake.mp3 %s",
      onair_scripted_port (fake->server), extra != NULL ? extra : "");
  GstElement *pipeline = gst_parse_launch (desc, NULL);

  g_free (desc);
  return pipeline;
}

GST_START_TEST (test_silent_server_gets_the_stream)
{
  FakeServer *fake = fake_server_start (SCRIPT_SILENT);
  GstElement *pipeline = fake_pipeline (fake, NULL);
  gpointer args[] = { fake, GUINT_TO_POINTER (16000) };
  GstStructure *s;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  fail_unless_equals_string (gst_structure_get_string (s, "protocol"), "put");
  gst_structure_free (s);
  onair_check_wait_until (fake_received_at_least, args, 15000, "MP3 bytes");
  fail_unless (first_request_is (fake, "PUT /fake.mp3 HTTP/1.1\r\n",
      "\r\nExpect: 100-continue\r\n", "\r\nContent-Type: audio/mpeg\r\n",
      NULL));
  pipeline_free (pipeline);
  fake_server_free (fake);
}

GST_END_TEST;

/* A server that lets the stream start without a word and refuses the
 * password later: the refusal is an error, not a connection that drops and
 * is retried for ever. */
GST_START_TEST (test_late_refusal_is_an_error)
{
  FakeServer *fake = fake_server_start (SCRIPT_LATE_REFUSAL);
  /* A late reply is read for one timeout after the stream starts: a long
   * one, so that the refusal counts however slowly the server gets to it. */
  GstElement *pipeline = fake_pipeline (fake, "timeout=60000");
  guint disconnects;
  GError *error = run_until_error (pipeline, &disconnects);

  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_NOT_AUTHORIZED),
      "%s", error->message);
  fail_unless (strstr (error->message, "/fake.mp3") != NULL, "%s",
      error->message);
  fail_unless_equals_int (disconnects, 1);
  fail_unless_equals_int (onair_scripted_connections (fake->server), 1);
  g_mutex_lock (&fake->lock);
  fail_unless (fake->received >= LATE_REFUSAL_AFTER);
  g_mutex_unlock (&fake->lock);
  g_clear_error (&error);
  pipeline_free (pipeline);
  fake_server_free (fake);
}

GST_END_TEST;

GST_START_TEST (test_dropped_connection_is_reconnected)
{
  FakeServer *fake = fake_server_start (SCRIPT_DROP);
  GstElement *pipeline = fake_pipeline (fake, "reconnect-delay=100000000");
  gpointer args[] = { fake, GUINT_TO_POINTER (16384 + 8192) };
  GstStructure *s, *stats;
  guint reconnections = 0;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  gst_structure_free (s);
  s = wait_sink_message (pipeline, "icecast-disconnected", 30000);
  gst_structure_free (s);
  s = wait_sink_message (pipeline, "icecast-connected", 30000);
  gst_structure_free (s);
  /* The second connection carries on. */
  onair_check_wait_until (fake_received_at_least, args, 15000,
      "data on the new connection");
  stats = sink_stats (pipeline);
  gst_structure_get_uint (stats, "reconnections", &reconnections);
  fail_unless_equals_int (reconnections, 1);
  gst_structure_free (stats);
  pipeline_free (pipeline);
  fake_server_free (fake);
}

GST_END_TEST;

GST_START_TEST (test_stalled_server_does_not_grow_memory)
{
  FakeServer *fake = fake_server_start (SCRIPT_STALL);
  GstElement *pipeline =
      fake_pipeline (fake, "timeout=2000 reconnect-delay=100000000");
  GstStructure *s, *stats, *gone = NULL;
  guint64 queued = 0, peak = 0;
  gint64 until;
  GstBus *bus = gst_element_get_bus (pipeline);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  gst_structure_free (s);
  /* While the server does not read, the sink holds at most the timeout's
   * worth (2 s of 128 kbit/s = 32 kB), then gives the connection up for
   * that reason.  When depends on the kernel's buffers and the machine:
   * the bound only catches a sink that never gives up. */
  until = g_get_monotonic_time ()
      + onair_check_scaled_ms (60000) * G_TIME_SPAN_MILLISECOND;
  while (gone == NULL) {
    GstMessage *msg;

    fail_unless (g_get_monotonic_time () < until,
        "the stalled connection was never given up");
    msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    stats = sink_stats (pipeline);
    gst_structure_get_uint64 (stats, "queued-bytes", &queued);
    peak = MAX (peak, queued);
    gst_structure_free (stats);
    if (msg == NULL)
      continue;
    onair_check_assert_no_error (msg);
    if (gst_message_has_name (msg, "icecast-disconnected"))
      gone = gst_structure_copy (gst_message_get_structure (msg));
    gst_message_unref (msg);
  }
  fail_unless (peak <= 40000, "held %" G_GUINT64_FORMAT " bytes", peak);
  fail_unless_equals_string (gst_structure_get_string (gone, "reason"),
      "timeout");
  gst_structure_free (gone);
  gst_object_unref (bus);
  pipeline_free (pipeline);
  fake_server_free (fake);
}

GST_END_TEST;

GST_START_TEST (test_malformed_reply_is_an_error)
{
  FakeServer *fake = fake_server_start (SCRIPT_MALFORMED);
  GstElement *pipeline = fake_pipeline (fake, NULL);
  guint disconnects;
  GError *error = run_until_error (pipeline, &disconnects);

  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_OPEN_WRITE),
      "%s", error->message);
  fail_unless (strstr (error->message, "not HTTP") != NULL, "%s",
      error->message);
  fail_unless_equals_int (disconnects, 1);
  g_clear_error (&error);
  pipeline_free (pipeline);
  fake_server_free (fake);
}

GST_END_TEST;

static GstElement *
tls_pipeline (FakeServer *fake, const gchar *extra)
{
  gchar *desc = g_strdup_printf (MP3_SOURCE
      "icecastsink name=sink "
      "location=icecasts://source:pw@127.0.0.1:%u/tls.mp3 "
      "max-reconnect-attempts=0 %s",
      onair_scripted_port (fake->server), extra);
  GstElement *pipeline = gst_parse_launch (desc, NULL);

  g_free (desc);
  return pipeline;
}

GST_START_TEST (test_tls_validates_certificates_by_default)
{
  FakeServer *fake = fake_server_start (SCRIPT_TLS);
  GstElement *pipeline = tls_pipeline (fake, "");
  guint disconnects;
  GError *error = run_until_error (pipeline, &disconnects);

  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_OPEN_WRITE),
      "%s", error->message);
  fail_unless (strstr (error->message, "not trusted") != NULL, "%s",
      error->message);
  /* A bad certificate is not retried. */
  fail_unless_equals_int (disconnects, 1);
  fail_unless_equals_int (onair_scripted_n_requests (fake->server), 0);
  g_clear_error (&error);
  pipeline_free (pipeline);
  fake_server_free (fake);
}

GST_END_TEST;

GST_START_TEST (test_tls_streams_when_validation_is_relaxed)
{
  FakeServer *fake = fake_server_start (SCRIPT_TLS);
  /* Only expiry and revocation still count: the certificate is
   * self-signed and names no address. */
  GstElement *pipeline =
      tls_pipeline (fake, "tls-validation-flags=expired+revoked");
  gpointer args[] = { fake, GUINT_TO_POINTER (8192) };
  GstStructure *s;
  gboolean tls = FALSE;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  fail_unless (gst_structure_get_boolean (s, "tls", &tls) && tls);
  gst_structure_free (s);
  onair_check_wait_until (fake_received_at_least, args, 15000, "MP3 over TLS");
  fail_unless (first_request_is (fake, "PUT /tls.mp3 HTTP/1.1\r\n", NULL));
  pipeline_free (pipeline);
  fake_server_free (fake);
}

GST_END_TEST;

/* The password */

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

GST_START_TEST (test_password_never_shows)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  GString *log = g_string_new (NULL);
  GstElement *pipeline, *sink;
  GstStructure *s;
  gchar *location, *uri, *out = NULL, *err = NULL, *cmd, *expected;
  const gchar *password = onair_icecast_source_password (ice);
  gint status;

  gst_debug_set_threshold_for_name ("icecastsink", GST_LEVEL_LOG);
  gst_debug_add_log_function (collect_log, log, NULL);
  pipeline = sink_pipeline (MP3_SOURCE, ice, "/s.mp3", NULL, NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  s = wait_sink_message (pipeline, "icecast-connected", 15000);
  gst_structure_free (s);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_get (sink, "location", &location, NULL);
  expected = g_strdup_printf ("icecast://source@127.0.0.1:%u/s.mp3",
      onair_icecast_port (ice));
  fail_unless_equals_string (location, expected);
  g_free (expected);
  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (sink));
  fail_if (strstr (uri, password) != NULL);
  fail_if (
      g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "password")->flags
      & G_PARAM_READABLE);
  pipeline_free (pipeline);
  gst_debug_remove_log_function (collect_log);
  fail_unless (log->len > 0);
  fail_if (strstr (log->str, password) != NULL, "the password is in a log");

  /* gst-launch-1.0 -v prints every property it can read. */
  cmd = g_strdup_printf ("gst-launch-1.0 -v audiotestsrc num-buffers=40 ! "
                         "lamemp3enc ! icecastsink "
                         "location=icecast://source:%s@127.0.0.1:%u/v.mp3",
      password, onair_icecast_port (ice));
  {
    gchar **argv = NULL, **env = onair_check_child_environ ();

    fail_unless (g_shell_parse_argv (cmd, NULL, &argv, NULL));
    fail_unless (g_spawn_sync (NULL, argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL,
        &out, &err, &status, NULL));
    g_strfreev (argv);
    g_strfreev (env);
  }
  fail_unless (strstr (out, "icecastsink") != NULL, "%s", out);
  fail_if (strstr (out, password) != NULL, "gst-launch -v shows it");
  fail_if (strstr (err, password) != NULL, "gst-launch -v shows it");
  g_free (cmd);
  g_free (out);
  g_free (err);
  g_free (uri);
  g_free (location);
  gst_object_unref (sink);
  g_string_free (log, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_uri_handler)
{
  GstElement *sink = gst_element_make_from_uri (GST_URI_SINK,
      "icecasts://dj:secret@radio.example:8443/live.ogg", NULL, NULL);
  gchar *host, *mount, *user;
  guint port;
  gint tls;

  fail_unless (sink != NULL);
  fail_unless_equals_string (G_OBJECT_TYPE_NAME (sink), "GstIcecastSink");
  g_object_get (sink, "host", &host, "port", &port, "mount", &mount, "username",
      &user, "tls", &tls, NULL);
  fail_unless_equals_string (host, "radio.example");
  fail_unless_equals_int (port, 8443);
  fail_unless_equals_string (mount, "/live.ogg");
  fail_unless_equals_string (user, "dj");
  fail_unless_equals_int (tls, 2);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (sink),
      "http://radio.example/x", NULL));
  g_free (host);
  g_free (mount);
  g_free (user);
  gst_object_unref (sink);
}

GST_END_TEST;

/* The TLS tests run as a program of their own (elements/icecastsink-tls,
 * which sets ONAIR_ICECASTSINK_TLS):
 * LeakSanitizer's thread scan crashes at exit in a process that made GnuTLS
 * handshakes, so that program runs without the leak check. */
static Suite *
tls_suite (void)
{
  Suite *s = suite_create ("icecastsink-tls");
  TCase *tls = tcase_create ("tls");

  suite_add_tcase (s, tls);
  tcase_set_timeout (tls, 60);
  tcase_add_test (tls, test_tls_validates_certificates_by_default);
  tcase_add_test (tls, test_tls_streams_when_validation_is_relaxed);
  return s;
}
static Suite *
icecastsink_suite (void)
{
  if (g_getenv ("ONAIR_ICECASTSINK_TLS") != NULL)
    return tls_suite ();

  Suite *s = suite_create ("icecastsink");
  TCase *real = tcase_create ("icecast2");
  TCase *fake = tcase_create ("scripted");
  TCase *general = tcase_create ("general");

  suite_add_tcase (s, real);
  tcase_set_timeout (real, 120);
  tcase_add_test (real, test_mp3_listener_gets_exactly_what_was_sent);
  tcase_add_test (real, test_title_tag_becomes_mount_title);
  tcase_add_test (real, test_stream_info_from_tags);
  tcase_add_test (real, test_file_is_paced_and_sent_whole);
  tcase_add_test (real, test_title_is_restored_after_reconnect);
  tcase_add_test (real, test_aac);
  tcase_add_test (real, test_ogg_vorbis);
  tcase_add_test (real, test_ogg_opus);
  tcase_add_test (real, test_wrong_password_is_fatal_at_once);
  tcase_add_test (real, test_mount_in_use_is_retried_then_fails);
  tcase_add_test (real, test_each_failure_has_its_own_error);
  tcase_add_test (real, test_server_restart_reconnects_and_backlog_covers_gap);
  tcase_add_test (real, test_ffmpeg_decodes_the_stream);
  tcase_add_test (real, test_password_never_shows);

  suite_add_tcase (s, fake);
  tcase_set_timeout (fake, 120);
  tcase_add_test (fake, test_silent_server_gets_the_stream);
  tcase_add_test (fake, test_late_refusal_is_an_error);
  tcase_add_test (fake, test_dropped_connection_is_reconnected);
  tcase_add_test (fake, test_stalled_server_does_not_grow_memory);
  tcase_add_test (fake, test_malformed_reply_is_an_error);

  suite_add_tcase (s, general);
  tcase_add_test (general, test_caps_without_content_type_are_refused_clearly);
  tcase_add_test (general, test_uri_handler);
  tcase_add_test (general, test_invalid_location_is_reported);
  return s;
}

ONAIR_CHECK_MAIN (icecastsink);

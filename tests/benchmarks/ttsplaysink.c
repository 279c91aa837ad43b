/* gst-plugins-onair: ttsplaysink against plain playback of streamed speech
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Speech is real espeak-ng speech from the local stand-in of a speech API
 * (tests/check/tts-server.c), sent as it is "generated", in real time.
 *
 * 1. Added latency: time to first audio minus what it cannot be less than
 *    (the time until the server really sent the prebuffer's last chunk, and
 *    the sink's latency), median and p95 over 50
 *    utterances, each in a fresh pipeline set to PLAYING before the request
 *    as an application does.  Into `fakesink sync=true` and into a
 *    PulseAudio null sink.  Anchor: `decodebin ! fakesink sync=true`, whose
 *    first sample is rendered (fakesink's handoff, after its clock wait) as
 *    soon as the first 10 ms chunk arrived, measured the same way.
 * 2. Audio dropped on a stalled stream (500 ms stall after 1 s), counted as
 *    speech samples missing from the null sink's monitor: ttsplaysink
 *    against `decodebin ! audioconvert ! audioresample ! pulsesink`.
 * 3. voice-mode's rule for MP3 (start once more than 32 KB arrived) on a
 *    128 kbps stream: the time to first audio it gives, against
 *    ttsplaysink's on the same stream.
 * 4. CPU per second of speech, MP3 and PCM, a minute of speech per stream,
 *    ttsplaysink against `decodebin ! audioconvert ! audioresample !
 *    fakesink` (both without clock sync, so only the work is measured).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <gst/gst.h>

#include "onair-bench.h"
#include "tts-server.h"

#define SENTENCE                                                               \
  "The quick brown fox jumps over the lazy dog, then it runs back home and "   \
  "sleeps until the next morning."
#define UTTERANCES 50
#define MS (G_GUINT64_CONSTANT (1000000))
#define PREBUFFER (150 * MS)
#define LOUD 64

static OnairTtsServer *server;

/* A private PulseAudio daemon with a null sink */

typedef struct {
  gchar *dir;
  GPid pid;
  gchar *sink;
  gchar *monitor;
} Pulse;

static gboolean
pulse_ready (const gchar *socket_path)
{
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_DEFAULT, NULL);
  GSocketAddress *addr = g_unix_socket_address_new (socket_path);
  gboolean ok = g_socket_connect (sock, addr, NULL, NULL);

  g_object_unref (addr);
  g_object_unref (sock);
  return ok;
}

static Pulse *
pulse_start (void)
{
  Pulse *p = g_new0 (Pulse, 1);
  gchar *socket_path, *conf, *conf_text, *load_proto, *server_addr;
  const gchar *argv[16];
  gchar **envp;
  GError *err = NULL;
  gint i = 0, tries;

  p->dir = g_dir_make_tmp ("ttsplay-bench-XXXXXX", &err);
  if (p->dir == NULL)
    g_error ("%s", err->message);
  socket_path = g_build_filename (p->dir, "native", NULL);
  conf = g_build_filename (p->dir, "client.conf", NULL);
  conf_text = g_strdup_printf ("autospawn = no\nenable-shm = no\n"
                               "cookie-file = %s/cookie\n",
      p->dir);
  g_file_set_contents (conf, conf_text, -1, NULL);
  p->sink = g_strdup ("bench_null");
  p->monitor = g_strdup ("bench_null.monitor");
  load_proto = g_strdup_printf ("module-native-protocol-unix "
                                "auth-anonymous=1 socket=%s",
      socket_path);

  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "HOME", p->dir, TRUE);
  envp = g_environ_setenv (envp, "XDG_RUNTIME_DIR", p->dir, TRUE);
  envp = g_environ_setenv (envp, "PULSE_RUNTIME_PATH", p->dir, TRUE);
  envp = g_environ_setenv (envp, "PULSE_STATE_PATH", p->dir, TRUE);
  envp = g_environ_setenv (envp, "PULSE_CLIENTCONFIG", conf, TRUE);
  envp = g_environ_unsetenv (envp, "PULSE_SERVER");
  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_setenv (envp, "DBUS_SESSION_BUS_ADDRESS",
      "unix:path=/nonexistent", TRUE);

  argv[i++] = "pulseaudio";
  argv[i++] = "--daemonize=no";
  argv[i++] = "--use-pid-file=no";
  argv[i++] = "--exit-idle-time=-1";
  argv[i++] = "--disable-shm=yes";
  argv[i++] = "--realtime=no";
  argv[i++] = "--high-priority=no";
  argv[i++] = "--log-target=stderr";
  argv[i++] = "-n";
  argv[i++] = "--load=module-null-sink sink_name=bench_null format=s16le "
              "rate=48000 channels=2";
  argv[i++] = "--load";
  argv[i++] = load_proto;
  argv[i] = NULL;
  if (!g_spawn_async_with_pipes_and_fds (p->dir, argv,
          (const gchar *const *) envp,
          G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL
              | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_DO_NOT_REAP_CHILD,
          NULL, NULL, -1, -1, -1, NULL, NULL, 0, &p->pid, NULL, NULL, NULL,
          &err))
    g_error ("pulseaudio: %s (apt-get install pulseaudio)", err->message);
  g_strfreev (envp);

  for (tries = 0; tries < 300 && !pulse_ready (socket_path); tries++)
    g_usleep (50000);
  if (tries == 300)
    g_error ("pulseaudio did not come up");

  server_addr = g_strconcat ("unix:", socket_path, NULL);
  g_setenv ("PULSE_SERVER", server_addr, TRUE);
  g_setenv ("PULSE_CLIENTCONFIG", conf, TRUE);
  g_free (server_addr);
  g_free (load_proto);
  g_free (conf_text);
  g_free (conf);
  g_free (socket_path);
  return p;
}

static void
pulse_stop (Pulse *p)
{
  gchar *argv[] = { (gchar *) "rm", (gchar *) "-rf", p->dir, NULL };

  kill (p->pid, SIGTERM);
  waitpid (p->pid, NULL, 0);
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
      NULL, NULL);
  g_unsetenv ("PULSE_SERVER");
  g_free (p->dir);
  g_free (p->sink);
  g_free (p->monitor);
  g_free (p);
}

/* A recorder on the monitor: counts the frames of sound.  It also keeps the
 * null sink at a low latency, as a real device is. */

typedef struct {
  GstElement *pipeline;
  GMutex lock;
  guint64 frames;
  guint64 loud;
} Recorder;

static GstPadProbeReturn
record_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Recorder *r = user_data;
  GstMapInfo map;
  const gint16 *s;
  gsize n, f;

  gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ);
  s = (const gint16 *) map.data;
  n = map.size / 4;
  g_mutex_lock (&r->lock);
  for (f = 0; f < n; f++)
    r->loud += ABS (s[2 * f]) > LOUD || ABS (s[2 * f + 1]) > LOUD;
  r->frames += n;
  g_mutex_unlock (&r->lock);
  gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
  return GST_PAD_PROBE_OK;
}

static guint64 recorder_frames (Recorder *r);

static Recorder *
recorder_start (Pulse *pulse)
{
  Recorder *r = g_new0 (Recorder, 1);
  gchar *desc = g_strdup_printf ("pulsesrc device=%s ! "
                                 "audio/x-raw,format=S16LE,rate=48000,"
                                 "channels=2 ! fakesink name=rec sync=false",
      pulse->monitor);
  GstElement *sink;
  GstPad *pad;

  g_mutex_init (&r->lock);
  r->pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (r->pipeline), "rec");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_probe, r, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_element_set_state (r->pipeline, GST_STATE_PLAYING);
  while (recorder_frames (r) < 4800)
    g_usleep (10000);
  return r;
}

static guint64
recorder_frames (Recorder *r)
{
  guint64 frames;

  g_mutex_lock (&r->lock);
  frames = r->frames;
  g_mutex_unlock (&r->lock);
  return frames;
}

static guint64
recorder_loud (Recorder *r)
{
  guint64 loud;

  g_mutex_lock (&r->lock);
  loud = r->loud;
  g_mutex_unlock (&r->lock);
  return loud;
}

static void
recorder_stop (Recorder *r)
{
  gst_element_set_state (r->pipeline, GST_STATE_NULL);
  gst_object_unref (r->pipeline);
  g_mutex_clear (&r->lock);
  g_free (r);
}

/* Feeding appsrc from the server */

typedef struct {
  GstElement *src;
  GstElement *tts; /* NULL: no mark-request */
  const gchar *format;
  guint64 marked; /* monotonic ns */
  guint64 bytes;
  guint64 at_32k; /* when more than 32 KB had arrived */
  GByteArray *received;
  GThread *thread;
} Feed;

static gboolean
feed_push (const guint8 *data, gsize size, gpointer user_data)
{
  Feed *f = user_data;
  GstBuffer *buf = gst_buffer_new_memdup (data, size);
  GstFlowReturn flow;

  f->bytes += size;
  if (f->at_32k == 0 && f->bytes > 32768)
    f->at_32k = gst_util_get_timestamp ();
  if (f->received != NULL)
    g_byte_array_append (f->received, data, size);
  g_signal_emit_by_name (f->src, "push-buffer", buf, &flow);
  gst_buffer_unref (buf);
  return flow == GST_FLOW_OK;
}

static gpointer
feed_run (gpointer user_data)
{
  Feed *f = user_data;
  GError *err = NULL;
  GstFlowReturn flow;

  if (f->tts != NULL)
    g_signal_emit_by_name (f->tts, "mark-request");
  f->marked = gst_util_get_timestamp ();
  if (onair_tts_request (onair_tts_server_port (server), SENTENCE, f->format,
          feed_push, f, &err)
      != 200)
    g_error ("request failed: %s", err ? err->message : "bad status");
  g_signal_emit_by_name (f->src, "end-of-stream", &flow);
  return NULL;
}

static void
feed_start (Feed *f)
{
  f->thread = g_thread_new ("feed", feed_run, f);
}

static void
set_pacing (guint delay, gdouble pace, guint chunk, guint stall_at, guint stall)
{
  OnairTtsPacing pacing = { delay, pace, chunk, stall_at, stall };

  onair_tts_server_set_pacing (server, &pacing);
}

static GstMessage *
wait_for (GstElement *pipeline, GstMessageType types, const gchar *element)
{
  GstBus *bus = gst_element_get_bus (pipeline);

  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        types | GST_MESSAGE_ERROR);
    const GstStructure *s;

    if (msg == NULL)
      g_error ("no message within 60 s");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err;

      gst_message_parse_error (msg, &err, NULL);
      g_error ("%s: %s", GST_MESSAGE_SRC_NAME (msg), err->message);
    }
    s = gst_message_get_structure (msg);
    if (element == NULL || (s != NULL && gst_structure_has_name (s, element))) {
      gst_object_unref (bus);
      return msg;
    }
    gst_message_unref (msg);
  }
}

static GstElement *
tts_pipeline (const gchar *format, const gchar *sink, GstElement **src,
    GstElement **tts)
{
  gchar *desc = g_strdup_printf ("appsrc name=src format=bytes caps=\"%s\" ! "
                                 "ttsplaysink name=tts audio-sink=\"%s\"",
      onair_tts_caps (format), sink);
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);

  if (pipeline == NULL)
    g_error ("%s: %s", desc, err->message);
  g_free (desc);
  *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");
  return pipeline;
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
percentile (GArray *values, guint pct)
{
  guint i;

  g_array_sort (values, compare_doubles);
  i = MIN (values->len - 1, (values->len * pct + 99) / 100 - 1);
  return g_array_index (values, gdouble, i);
}

/* 1. Added latency */

/* Bytes of the server's "pcm" (S16LE mono, 24 kHz) that hold @duration. */
static gsize
pcm_bytes (guint64 duration)
{
  return 2 * gst_util_uint64_scale (duration, 24000, GST_SECOND);
}

/* ttsplaysink's time to first audio minus the server's share (until it
 * sent the prebuffer) and the sink latency, in ms. */
static gdouble
tts_added_latency (const gchar *sink)
{
  GstElement *src, *tts, *pipeline = tts_pipeline ("pcm", sink, &src, &tts);
  Feed f = { src, tts, "pcm" };
  GstMessage *msg;
  guint64 ttfa = 0, latency = 0, prebuffer_sent;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  feed_start (&f);
  msg = wait_for (pipeline, GST_MESSAGE_ELEMENT, "ttsplaysink-first-audio");
  gst_structure_get_uint64 (gst_message_get_structure (msg), "ttfa", &ttfa);
  gst_structure_get_uint64 (gst_message_get_structure (msg), "sink-latency",
      &latency);
  gst_message_unref (msg);
  prebuffer_sent =
      onair_tts_server_sent_by (server, pcm_bytes (PREBUFFER)) - f.marked;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_thread_join (f.thread);
  gst_object_unref (src);
  gst_object_unref (tts);
  gst_object_unref (pipeline);
  return ((gdouble) ttfa - prebuffer_sent - latency) / MS;
}

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer user_data)
{
  guint64 *rendered = user_data;

  if (*rendered != 0)
    return;
  *rendered = gst_util_get_timestamp ();
  gst_element_post_message (sink,
      gst_message_new_application (GST_OBJECT (sink),
          gst_structure_new_empty ("first-render")));
}

/* The same for decodebin ! fakesink sync=true: its first sample is rendered
 * once the first chunk (10 ms) arrived; the sink is not live, so it has no
 * latency. */
static gdouble
plain_added_latency (void)
{
  gchar *desc = g_strdup_printf ("appsrc name=src format=bytes caps=\"%s\" ! "
                                 "decodebin ! audioconvert ! audioresample ! "
                                 "fakesink name=sink sync=true "
                                 "signal-handoffs=true",
      onair_tts_caps ("pcm"));
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  Feed f = { src, NULL, "pcm" };
  guint64 rendered = 0, first_sent;
  GstMessage *msg;

  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &rendered);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  feed_start (&f);
  msg = wait_for (pipeline, GST_MESSAGE_APPLICATION, "first-render");
  gst_message_unref (msg);
  first_sent = onair_tts_server_sent_by (server, 1);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_thread_join (f.thread);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  return ((gdouble) rendered - first_sent) / MS;
}

static void
bench_added_latency (Pulse *pulse)
{
  GArray *fake = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *pa = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *plain = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gchar *pulsesink = g_strdup_printf ("pulsesink device=%s", pulse->sink);
  Recorder *rec = recorder_start (pulse);
  guint i;

  set_pacing (0, 1.0, 10, 0, 0);
  for (i = 0; i < UTTERANCES; i++) {
    gdouble v = tts_added_latency ("fakesink sync=true");

    g_array_append_val (fake, v);
    v = tts_added_latency (pulsesink);
    g_array_append_val (pa, v);
  }
  for (i = 0; i < UTTERANCES; i++) {
    gdouble v = plain_added_latency ();

    g_array_append_val (plain, v);
  }
  recorder_stop (rec);

  onair_bench_report ("ttsplaysink", "added latency, median (fakesink)", "ms",
      percentile (fake, 50), "decodebin ! fakesink sync=true",
      percentile (plain, 50), "bar: < 5 ms");
  onair_bench_report ("ttsplaysink", "added latency, p95 (fakesink)", "ms",
      percentile (fake, 95), "decodebin ! fakesink sync=true",
      percentile (plain, 95), "bar: < 5 ms");
  onair_bench_report ("ttsplaysink", "added latency, median (pulse null)", "ms",
      percentile (pa, 50), NULL, 0, "bar: < 5 ms");
  onair_bench_report ("ttsplaysink", "added latency, p95 (pulse null)", "ms",
      percentile (pa, 95), NULL, 0, "bar: < 5 ms");
  g_array_unref (fake);
  g_array_unref (pa);
  g_array_unref (plain);
  g_free (pulsesink);
}

/* 2. Audio dropped on a stalled stream */

static guint64
loud_frames_of (const GByteArray *pcm)
{
  const gint16 *s = (const gint16 *) pcm->data;
  gsize n = pcm->len / 2, i;
  guint64 loud = 0;

  for (i = 0; i < n; i++)
    loud += ABS (s[i]) > LOUD;
  return loud;
}

/* Plays the stalled stream with @desc ("appsrc name=src ... ! <sink>") and
 * returns the speech missing from the monitor, in ms. */
static gdouble
dropped_ms (Pulse *pulse, const gchar *desc)
{
  Recorder *rec = recorder_start (pulse);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");
  Feed f = { src, tts, "pcm" };
  guint64 before, recorded, sent;
  GstMessage *msg;

  f.received = g_byte_array_new ();
  before = recorder_loud (rec);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  feed_start (&f);
  msg = wait_for (pipeline, GST_MESSAGE_EOS, NULL);
  gst_message_unref (msg);
  g_thread_join (f.thread);
  /* The sink has played everything at EOS; the monitor delivers it within
   * its fragment time.  Keep recording for 300 ms more of its audio. */
  {
    guint64 until = recorder_frames (rec) + 48000 * 3 / 10;

    while (recorder_frames (rec) < until)
      g_usleep (10000);
  }
  recorded = recorder_loud (rec) - before;
  sent = loud_frames_of (f.received) * 2;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  g_clear_object (&tts);
  gst_object_unref (pipeline);
  recorder_stop (rec);
  g_byte_array_unref (f.received);
  return recorded >= sent ? 0 : (sent - recorded) * 1000.0 / 48000;
}

static void
bench_stall (Pulse *pulse)
{
  gchar *tts = g_strdup_printf ("appsrc name=src format=bytes caps=\"%s\" ! "
                                "ttsplaysink name=tts audio-sink=\"pulsesink "
                                "device=%s\"",
      onair_tts_caps ("pcm"), pulse->sink);
  gchar *plain = g_strdup_printf ("appsrc name=src format=bytes caps=\"%s\" ! "
                                  "decodebin ! audioconvert ! audioresample "
                                  "! pulsesink device=%s",
      onair_tts_caps ("pcm"), pulse->sink);
  gdouble tts_drop, plain_drop;

  set_pacing (0, 1.0, 20, 1000, 500);
  tts_drop = dropped_ms (pulse, tts);
  plain_drop = dropped_ms (pulse, plain);
  onair_bench_report ("ttsplaysink", "speech dropped by a 500 ms stall", "ms",
      tts_drop, "decodebin ! audioconvert ! audioresample ! pulsesink",
      plain_drop, "bar: 0 ms");
  g_free (tts);
  g_free (plain);
}

/* 3. voice-mode's 32 KB rule for MP3 at 128 kbps */

static void
bench_mp3_rule (void)
{
  GstElement *src, *tts;
  GstElement *pipeline = tts_pipeline ("mp3", "fakesink sync=true", &src, &tts);
  Feed f = { src, tts, "mp3" };
  guint64 ttfa = 0, latency = 0;
  GstMessage *msg;

  set_pacing (0, 1.0, 20, 0, 0);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  feed_start (&f);
  msg = wait_for (pipeline, GST_MESSAGE_ELEMENT, "ttsplaysink-first-audio");
  gst_structure_get_uint64 (gst_message_get_structure (msg), "ttfa", &ttfa);
  gst_structure_get_uint64 (gst_message_get_structure (msg), "sink-latency",
      &latency);
  gst_message_unref (msg);
  /* The rule plays once the bytes are there, into the same sink. */
  g_thread_join (f.thread);
  if (f.at_32k == 0)
    g_error ("the MP3 stream is shorter than 32 KB");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  onair_bench_report ("ttsplaysink", "TTFA of the 32 KB rule, MP3 128 kbps",
      "ms", ((gdouble) (f.at_32k - f.marked) + latency) / MS,
      "ttsplaysink on the same stream", (gdouble) ttfa / MS, NULL);
  gst_object_unref (src);
  gst_object_unref (tts);
  gst_object_unref (pipeline);
}

/* 4. CPU per second of speech */

/* CPU seconds to play @data @repeats times over in one stream. */
static gdouble
cpu_run (const gchar *desc, GBytes *data, gsize piece, guint repeats)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *src;
  GstMessage *msg;
  gsize size, off;
  const guint8 *d = g_bytes_get_data (data, &size);
  GstFlowReturn flow;
  gdouble before;
  guint r;

  if (pipeline == NULL)
    g_error ("%s: %s", desc, err->message);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  before = onair_bench_cpu_seconds ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (r = 0; r < repeats; r++) {
    for (off = 0; off < size; off += piece) {
      GstBuffer *buf = gst_buffer_new_memdup (d + off, MIN (piece, size - off));

      g_signal_emit_by_name (src, "push-buffer", buf, &flow);
      gst_buffer_unref (buf);
    }
  }
  g_signal_emit_by_name (src, "end-of-stream", &flow);
  msg = wait_for (pipeline, GST_MESSAGE_EOS, NULL);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  return onair_bench_cpu_seconds () - before;
}

static void
bench_cpu (const gchar *format, GBytes *wav, guint64 speech)
{
  GError *err = NULL;
  GBytes *data = onair_tts_encode (wav, format, 128, &err);
  gchar *tts, *plain, *measure;
  gdouble cpu_tts = G_MAXDOUBLE, cpu_plain = G_MAXDOUBLE;
  /* Ten copies in a row make a minute of speech per stream: the work per
   * second, not the setting up of a pipeline, is what is measured. */
  guint i, rounds = 3, repeats = 10;

  if (data == NULL)
    g_error ("%s", err->message);
  tts = g_strdup_printf ("appsrc name=src format=bytes caps=\"%s\" ! "
                         "ttsplaysink audio-sink=\"fakesink sync=false\"",
      onair_tts_caps (format));
  plain = g_strdup_printf ("appsrc name=src format=bytes caps=\"%s\" ! "
                           "decodebin ! audioconvert ! audioresample ! "
                           "fakesink sync=false",
      onair_tts_caps (format));
  /* The smaller of two passes: the less disturbed by the rest of the
   * machine. */
  for (i = 0; i < 2; i++) {
    gdouble a = 0, b = 0;
    guint r;

    for (r = 0; r < rounds; r++) {
      a += cpu_run (tts, data, 4096, repeats);
      b += cpu_run (plain, data, 4096, repeats);
    }
    cpu_tts = MIN (cpu_tts, a);
    cpu_plain = MIN (cpu_plain, b);
  }
  measure = g_strdup_printf ("CPU per second of speech (%s)", format);
  onair_bench_report ("ttsplaysink", measure, "ms",
      cpu_tts * 1000 / (rounds * repeats * (gdouble) speech / GST_SECOND),
      "decodebin ! audioconvert ! audioresample ! fakesink",
      cpu_plain * 1000 / (rounds * repeats * (gdouble) speech / GST_SECOND),
      NULL);
  g_free (measure);
  g_free (tts);
  g_free (plain);
  g_bytes_unref (data);
}

int
main (int argc, char **argv)
{
  GError *err = NULL;
  Pulse *pulse;
  GBytes *wav;
  guint64 speech;

  gst_init (&argc, &argv);
  server = onair_tts_server_new (0, &err);
  if (server == NULL)
    g_error ("%s", err->message);
  wav = onair_tts_speak (SENTENCE, NULL, 1.0, &err);
  if (wav == NULL)
    g_error ("%s", err->message);
  speech = onair_tts_wav_duration (wav);

  pulse = pulse_start ();
  bench_added_latency (pulse);
  bench_stall (pulse);
  pulse_stop (pulse);
  bench_mp3_rule ();
  bench_cpu ("mp3", wav, speech);
  bench_cpu ("pcm", wav, speech);

  g_bytes_unref (wav);
  onair_tts_server_free (server);
  return 0;
}

/* gst-plugins-onair: support shared by every gst-check test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"

#include <json-glib/json-glib.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <glib/gstdio.h>

static gchar *scratch_dir;

/* Children are tracked in a fixed array so that the signal handler can kill
 * them without allocating. */
#define MAX_TRACKED_CHILDREN 64
static volatile sig_atomic_t tracked_children[MAX_TRACKED_CHILDREN];
static GMutex tracked_lock;

static void
remove_tree (const gchar *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR)
          && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
      g_free (child);
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

static void
kill_tracked_children (void)
{
  guint i;

  for (i = 0; i < MAX_TRACKED_CHILDREN; i++) {
    pid_t pid = tracked_children[i];

    if (pid > 0) {
      kill (pid, SIGKILL);
      tracked_children[i] = 0;
    }
  }
}

/* Set up before any signal can arrive, so that the handler only makes
 * async-signal-safe calls: kill, fork, execv, waitpid. */
static pid_t runner_pid;
static char *remove_argv[5];

static void
on_fatal_signal (int sig)
{
  kill_tracked_children ();
  /* Only the runner owns the scratch directory; a forked test leaves it. */
  if (getpid () == runner_pid && remove_argv[0] != NULL) {
    pid_t rm = fork ();

    if (rm == 0) {
      execv (remove_argv[0], remove_argv);
      _exit (127);
    }
    if (rm > 0)
      waitpid (rm, NULL, 0);
  }
  signal (sig, SIG_DFL);
  raise (sig);
}

/* The last lines of a log are where a failure shows; whole logs of long
 * runs drown it. */
#define LOG_TAIL_LINES 200

static void
print_logs (const gchar *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL) {
    gchar *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)) {
      print_logs (child);
    } else if (g_str_has_suffix (name, ".log")) {
      gchar *contents = NULL;

      if (g_file_get_contents (child, &contents, NULL, NULL)) {
        const gchar *tail = contents + strlen (contents);
        guint lines = 0;

        while (tail > contents && lines <= LOG_TAIL_LINES)
          if (*--tail == '\n')
            lines++;
        g_printerr ("\n==== %s%s ====\n%s\n==== end of %s ====\n", child,
            tail > contents ? " (last lines)" : "", tail, name);
      }
      g_free (contents);
    }
    g_free (child);
  }
  g_dir_close (dir);
}

int
onair_check_run (Suite *suite)
{
  GError *error = NULL;
  SRunner *runner;
  int failed;

  scratch_dir = g_dir_make_tmp ("onair-check-XXXXXX", &error);
  if (scratch_dir == NULL) {
    g_printerr ("cannot create a scratch directory: %s\n", error->message);
    g_clear_error (&error);
    return 1;
  }
  /* Services may drop privileges (icecast2 runs as nobody under root). */
  g_chmod (scratch_dir, 0755);
  runner_pid = getpid ();
  remove_argv[0] = (char *) "/bin/rm";
  remove_argv[1] = (char *) "-rf";
  remove_argv[2] = (char *) "--";
  remove_argv[3] = scratch_dir;
  /* A reader that went away (| head) must not kill the run uncleaned; a
   * service that closed its socket is reported by the write that failed. */
  signal (SIGPIPE, SIG_IGN);
  signal (SIGTERM, on_fatal_signal);
  signal (SIGINT, on_fatal_signal);
  signal (SIGHUP, on_fatal_signal);

  runner = srunner_create (suite);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);

  if (failed > 0) {
    TestResult **results = srunner_failures (runner);

    print_logs (scratch_dir);
    /* CI keeps the end of a log: say again, after the service logs, what
     * failed. */
    g_printerr ("\n%d test(s) failed:\n", failed);
    for (int i = 0; i < failed; i++)
      g_printerr ("  %s:%d: %s: %s\n", tr_lfile (results[i]),
          tr_lno (results[i]), tr_tcname (results[i]), tr_msg (results[i]));
    free (results);
  }
  srunner_free (runner);
  g_thread_pool_stop_unused_threads ();
  kill_tracked_children ();
  remove_argv[0] = NULL;
  remove_tree (scratch_dir);
  g_clear_pointer (&scratch_dir, g_free);
  return failed == 0 ? 0 : 1;
}

const gchar *
onair_check_scratch_dir (void)
{
  fail_unless (scratch_dir != NULL,
      "tests using fixtures must run through onair_check_run()");
  return scratch_dir;
}

gchar *
onair_check_make_dir (const gchar *prefix)
{
  static gint counter;
  gchar *name, *path;

  /* A test whose runner died must not live on holding services. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);

  name = g_strdup_printf ("%s-%d-%d", prefix, (int) getpid (),
      g_atomic_int_add (&counter, 1));
  path = g_build_filename (onair_check_scratch_dir (), name, NULL);
  g_free (name);
  fail_unless (g_mkdir_with_parents (path, 0755) == 0, "cannot create %s: %s",
      path, g_strerror (errno));
  g_chmod (path, 0777);
  return path;
}

static void
kill_tracked_at_exit (void)
{
  kill_tracked_children ();
}

void
onair_check_track_child (GPid pid)
{
  static gsize atexit_installed;
  guint i;

  if (g_once_init_enter (&atexit_installed)) {
    atexit (kill_tracked_at_exit);
    g_once_init_leave (&atexit_installed, 1);
  }
  g_mutex_lock (&tracked_lock);
  for (i = 0; i < MAX_TRACKED_CHILDREN; i++) {
    if (tracked_children[i] == 0) {
      tracked_children[i] = pid;
      break;
    }
  }
  g_mutex_unlock (&tracked_lock);
  fail_unless (i < MAX_TRACKED_CHILDREN, "too many service processes");
}

void
onair_check_untrack_child (GPid pid)
{
  guint i;

  g_mutex_lock (&tracked_lock);
  for (i = 0; i < MAX_TRACKED_CHILDREN; i++) {
    if (tracked_children[i] == pid)
      tracked_children[i] = 0;
  }
  g_mutex_unlock (&tracked_lock);
}

void
onair_check_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* The path of the library mapped into this process whose file name starts
 * with @name, or NULL. */
static gchar *
mapped_library (const gchar *maps, const gchar *name)
{
  gchar **lines = g_strsplit (maps, "\n", -1), **l;
  gchar *found = NULL;

  for (l = lines; *l != NULL && found == NULL; l++) {
    const gchar *path = strchr (*l, '/');
    const gchar *base = path != NULL ? strrchr (path, '/') + 1 : NULL;

    if (base != NULL && g_str_has_prefix (base, name))
      found = g_strdup (path);
  }
  g_strfreev (lines);
  return found;
}

/* "path-of-libasan path-of-libubsan", or NULL in a plain build. */
static gchar *
sanitizer_runtimes (void)
{
  gchar *maps = NULL, *asan, *ubsan, *both = NULL;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    return NULL;
  asan = mapped_library (maps, "libasan.so");
  ubsan = mapped_library (maps, "libubsan.so");
  if (asan != NULL || ubsan != NULL)
    both = g_strdup_printf ("%s %s", asan != NULL ? asan : "",
        ubsan != NULL ? ubsan : "");
  g_free (asan);
  g_free (ubsan);
  g_free (maps);
  return both;
}

gchar **
onair_check_child_environ (void)
{
  gchar **env = g_get_environ ();
  gchar *runtimes = sanitizer_runtimes ();

  if (runtimes != NULL) {
    env = g_environ_setenv (env, "LD_PRELOAD", g_strstrip (runtimes), TRUE);
    env = g_environ_setenv (env, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  }
  g_free (runtimes);
  return env;
}

gchar *
onair_check_child_env_prefix (void)
{
  gchar *runtimes = sanitizer_runtimes ();
  gchar *prefix = runtimes != NULL
      ? g_strdup_printf ("LD_PRELOAD='%s' ASAN_OPTIONS=detect_leaks=0",
          g_strstrip (runtimes))
      : g_strdup ("");

  g_free (runtimes);
  return prefix;
}

guint16
onair_check_free_port (void)
{
  static GHashTable *handed_out;
  static GMutex lock;
  guint16 port = 0;
  guint attempt;

  g_mutex_lock (&lock);
  if (handed_out == NULL)
    handed_out = g_hash_table_new (NULL, NULL);
  /* The kernel may offer the same ephemeral port again soon after it was
   * closed; never give one out twice in a process. */
  for (attempt = 0; attempt < 100 && port == 0; attempt++) {
    struct sockaddr_in addr = { 0 };
    socklen_t len = sizeof (addr);
    int fd = socket (AF_INET, SOCK_STREAM, 0);

    fail_unless (fd >= 0, "socket: %s", g_strerror (errno));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    if (bind (fd, (struct sockaddr *) &addr, sizeof (addr)) == 0
        && getsockname (fd, (struct sockaddr *) &addr, &len) == 0) {
      guint16 candidate = ntohs (addr.sin_port);

      if (!g_hash_table_contains (handed_out, GUINT_TO_POINTER (candidate))) {
        g_hash_table_add (handed_out, GUINT_TO_POINTER (candidate));
        port = candidate;
      }
    }
    close (fd);
  }
  g_mutex_unlock (&lock);
  fail_unless (port != 0, "no free port on 127.0.0.1");
  return port;
}

static gboolean
quit_loop (gpointer user_data)
{
  gboolean *fired = user_data;

  *fired = TRUE;
  return G_SOURCE_REMOVE;
}

guint
onair_check_scaled_ms (guint timeout_ms)
{
  const gchar *env = g_getenv ("CK_TIMEOUT_MULTIPLIER");
  gdouble factor = env != NULL ? g_ascii_strtod (env, NULL) : 1.0;

  if (!(factor > 1.0))
    return timeout_ms;
  return (guint) MIN (timeout_ms * factor, (gdouble) G_MAXUINT);
}

gboolean
onair_check_wait_until (OnairCheckCondition fn, gpointer user_data,
    guint timeout_ms, const gchar *what)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  gint64 deadline;

  timeout_ms = onair_check_scaled_ms (timeout_ms);
  deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean met;

  while (!(met = fn (user_data)) && g_get_monotonic_time () < deadline) {
    /* Poll external state at 20 ms, dispatching whatever else is due. */
    gboolean fired = FALSE;
    GSource *tick = g_timeout_source_new (20);

    g_source_set_callback (tick, quit_loop, &fired, NULL);
    g_source_attach (tick, context);
    while (!fired)
      g_main_context_iteration (context, TRUE);
    g_source_destroy (tick);
    g_source_unref (tick);
  }
  g_main_context_unref (context);
  fail_unless (met, "timed out after %u ms waiting for %s", timeout_ms, what);
  return met;
}

typedef struct {
  GMainLoop *loop;
  gboolean timed_out;
} LoopGuard;

static gboolean
loop_timed_out (gpointer user_data)
{
  LoopGuard *guard = user_data;

  guard->timed_out = TRUE;
  g_main_loop_quit (guard->loop);
  return G_SOURCE_REMOVE;
}

void
onair_check_loop_run (GMainLoop *loop, guint timeout_ms)
{
  LoopGuard guard = { loop, FALSE };
  GSource *timeout;

  timeout_ms = onair_check_scaled_ms (timeout_ms);
  timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, loop_timed_out, &guard, NULL);
  g_source_attach (timeout, g_main_loop_get_context (loop));
  g_main_loop_run (loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  fail_if (guard.timed_out, "main loop still running after %u ms", timeout_ms);
}

GstMessage *
onair_check_wait_message (GstElement *pipeline, GstMessageType types,
    guint timeout_ms)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  timeout_ms = onair_check_scaled_ms (timeout_ms);
  msg = gst_bus_timed_pop_filtered (bus, timeout_ms * GST_MSECOND,
      types | GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  fail_unless (msg != NULL, "no %s message from %s within %u ms",
      types == GST_MESSAGE_EOS ? "EOS" : "expected",
      GST_ELEMENT_NAME (pipeline), timeout_ms);
  return msg;
}

GstMessage *
onair_check_run_pipeline (GstElement *pipeline, GstMessageType types,
    guint timeout_ms)
{
  GstStateChangeReturn ret =
      gst_element_set_state (pipeline, GST_STATE_PLAYING);

  if (ret == GST_STATE_CHANGE_FAILURE) {
    /* The reason is on the bus: report it rather than a bare failure. */
    GstMessage *msg =
        onair_check_wait_message (pipeline, GST_MESSAGE_ERROR, 1000);

    onair_check_assert_no_error (msg);
    gst_message_unref (msg);
    fail ("%s could not go to PLAYING", GST_ELEMENT_NAME (pipeline));
  }
  return onair_check_wait_message (pipeline, types, timeout_ms);
}

void
onair_check_assert_no_error (GstMessage *msg)
{
  GError *error = NULL;
  gchar *debug = NULL;

  if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return;
  gst_message_parse_error (msg, &error, &debug);
  fail ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (msg), error->message,
      GST_STR_NULL (debug));
}

/* HTTP/1.0 client */

static gboolean
http_parse_head (OnairHttpReply *reply, const gchar *head)
{
  const gchar *eol = strstr (head, "\r\n");
  gchar *status_line;
  gchar **parts;
  gboolean ok = FALSE;

  if (eol == NULL)
    return FALSE;
  status_line = g_strndup (head, eol - head);
  parts = g_strsplit (status_line, " ", 3);
  if (parts[0] != NULL && parts[1] != NULL
      && (g_str_has_prefix (parts[0], "HTTP/")
          || g_str_equal (parts[0], "ICY"))) {
    reply->status = (guint) g_ascii_strtoull (parts[1], NULL, 10);
    reply->reason = g_strdup (parts[2] != NULL ? parts[2] : "");
    ok = TRUE;
  }
  reply->headers = g_strdup (eol + 2);
  g_strfreev (parts);
  g_free (status_line);
  return ok;
}

OnairHttpReply *
onair_http_get (guint16 port, const gchar *path, const gchar *extra_headers,
    gsize max_body, guint timeout_ms)
{
  gint64 deadline =
      g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  GSocket *sock;
  GInetAddress *loopback;
  GSocketAddress *addr;
  OnairHttpReply *reply;
  GByteArray *raw = g_byte_array_new ();
  gchar *request;
  gboolean head_done = FALSE;
  guint8 chunk[16384];

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  fail_unless (sock != NULL);
  g_socket_set_blocking (sock, TRUE);
  g_socket_set_timeout (sock, MAX (1, (timeout_ms + 999) / 1000));
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  addr = g_inet_socket_address_new (loopback, port);
  g_object_unref (loopback);
  if (!g_socket_connect (sock, addr, NULL, NULL)) {
    g_object_unref (addr);
    g_object_unref (sock);
    g_byte_array_unref (raw);
    return NULL;
  }
  g_object_unref (addr);

  request = g_strdup_printf ("GET %s HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n"
                             "User-Agent: onair-check\r\n%s\r\n",
      path, port, extra_headers != NULL ? extra_headers : "");
  if (g_socket_send (sock, request, strlen (request), NULL, NULL) < 0) {
    g_free (request);
    g_object_unref (sock);
    g_byte_array_unref (raw);
    return NULL;
  }
  g_free (request);

  reply = g_new0 (OnairHttpReply, 1);
  reply->body = g_byte_array_new ();
  for (;;) {
    gint64 remaining = deadline - g_get_monotonic_time ();
    gssize n;

    if (remaining <= 0)
      break;
    if (!g_socket_condition_timed_wait (sock, G_IO_IN, remaining, NULL, NULL))
      break;
    n = g_socket_receive (sock, (gchar *) chunk, sizeof (chunk), NULL, NULL);
    if (n <= 0)
      break;
    if (!head_done) {
      guint8 *end;

      g_byte_array_append (raw, chunk, n);
      end = memmem (raw->data, raw->len, "\r\n\r\n", 4);
      if (end != NULL) {
        gsize head_len = end - raw->data;
        gchar *head = g_strndup ((const gchar *) raw->data, head_len + 2);

        http_parse_head (reply, head);
        g_free (head);
        g_byte_array_append (reply->body, end + 4, raw->len - head_len - 4);
        head_done = TRUE;
      }
    } else {
      g_byte_array_append (reply->body, chunk, n);
    }
    if (head_done && max_body > 0 && reply->body->len >= max_body) {
      g_byte_array_set_size (reply->body, max_body);
      break;
    }
  }
  g_socket_close (sock, NULL);
  g_object_unref (sock);
  g_byte_array_unref (raw);
  if (reply->headers == NULL)
    reply->headers = g_strdup ("");
  return reply;
}

gchar *
onair_http_reply_header (const OnairHttpReply *reply, const gchar *name)
{
  gchar **lines = g_strsplit (reply->headers, "\r\n", -1);
  gchar *value = NULL;
  gsize name_len = strlen (name);
  guint i;

  for (i = 0; lines[i] != NULL && value == NULL; i++) {
    if (g_ascii_strncasecmp (lines[i], name, name_len) == 0
        && lines[i][name_len] == ':')
      value = g_strstrip (g_strdup (lines[i] + name_len + 1));
  }
  g_strfreev (lines);
  return value;
}

void
onair_http_reply_free (OnairHttpReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->reason);
  g_free (reply->headers);
  g_byte_array_unref (reply->body);
  g_free (reply);
}

/* MPEG audio frame headers */

static guint
mpeg_audio_frame_length (const guint8 *h)
{
  static const guint16 bitrates[2][3][16] = {
    { /* MPEG-1: layer I, II, III */
        { 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
            0 },
        { 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
            0 },
        { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
            0 } },
    { /* MPEG-2 and 2.5: layer I, II, III */
        { 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
            0 },
        { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 },
        { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 } }
  };
  static const guint rates[3] = { 44100, 48000, 32000 };
  guint version, layer, bitrate, rate, padding;

  if (h[0] != 0xff || (h[1] & 0xe0) != 0xe0)
    return 0;
  version = (h[1] >> 3) & 3; /* 0: 2.5, 1: reserved, 2: 2, 3: 1 */
  layer = (h[1] >> 1) & 3; /* 1: III, 2: II, 3: I */
  if (version == 1 || layer == 0 || (h[2] >> 2 & 3) == 3)
    return 0;
  bitrate = bitrates[version == 3 ? 0 : 1][3 - layer][h[2] >> 4] * 1000;
  rate = rates[h[2] >> 2 & 3] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
  padding = (h[2] >> 1) & 1;
  if (bitrate == 0)
    return 0;
  if (layer == 3)
    return (12 * bitrate / rate + padding) * 4;
  if (layer == 1 && version != 3)
    return 72 * bitrate / rate + padding;
  return 144 * bitrate / rate + padding;
}

gboolean
onair_check_is_mpeg_audio (const guint8 *data, gsize size, guint min_frames)
{
  gsize start;

  for (start = 0; start + 4 <= size; start++) {
    gsize pos = start;
    guint frames = 0;
    guint len;

    while (
        pos + 4 <= size && (len = mpeg_audio_frame_length (data + pos)) > 0) {
      frames++;
      if (frames >= min_frames)
        return TRUE;
      pos += len;
    }
  }
  return FALSE;
}

GVariant *
onair_check_json (const gchar *text, gssize length, GError **error)
{
  GVariant *v = json_gvariant_deserialize_data (text, length, NULL, error);

  return v != NULL ? g_variant_ref_sink (v) : NULL;
}

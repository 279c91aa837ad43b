/* gst-plugins-onair: a real icecast2 server on a loopback port, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "icecast-service.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#define ICECAST_BINARY "/usr/bin/icecast2"
#define STARTUP_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 5000
#define START_ATTEMPTS 3
#define RESTART_BIND_MS 5000
#define STATUS_POLL_MS 100
#define LOG_TAIL_LINES 40

typedef struct {
  gboolean drop_privileges;
  uid_t uid;
  gid_t gid;
} ChildCredentials;

struct _OnairIcecast {
  gchar *dir;
  gchar *config_path;
  gchar *log_path;

  gchar *source_password;
  gchar *admin_user;
  gchar *admin_password;
  gint max_sources;
  gint max_clients;
  gint source_timeout;
  gchar *extra_xml;

  ChildCredentials creds;
  guint16 port;
  GPid pid; /* 0 while stopped */
};

/* icecast2 refuses to run as root.  Its own <changeowner> would switch to
 * nobody only after start-up, and a credential change clears the
 * parent-death signal: such a server outlives a test process that is killed
 * outright (its runner SIGKILLed, say).  Switching before exec and arming
 * the signal afterwards keeps the server tied to the test process. */
static void
icecast_child_setup (gpointer user_data)
{
  const ChildCredentials *creds = user_data;

  if (creds->drop_privileges) {
    if (setgroups (0, NULL) != 0 || setgid (creds->gid) != 0
        || setuid (creds->uid) != 0) {
      static const char msg[] = "onair-check: cannot switch to nobody\n";

      /* stderr is the log file by now, and only async-signal-safe calls are
       * allowed between fork and exec. */
      if (write (STDERR_FILENO, msg, sizeof (msg) - 1) < 0)
        _exit (126);
      _exit (126);
    }
  }
  onair_check_child_setup (NULL);
}

static void
resolve_credentials (ChildCredentials *creds)
{
  struct passwd *pw;
  struct group *gr;

  creds->drop_privileges = geteuid () == 0;
  if (!creds->drop_privileges)
    return;
  pw = getpwnam ("nobody");
  fail_unless (pw != NULL,
      "running as root, icecast2 needs the user nobody, which is missing");
  creds->uid = pw->pw_uid;
  gr = getgrnam ("nogroup");
  creds->gid = gr != NULL ? gr->gr_gid : pw->pw_gid;
}

gchar *
onair_icecast_read_log (const OnairIcecast *ice)
{
  gchar *contents = NULL;

  g_return_val_if_fail (ice != NULL, NULL);
  if (!g_file_get_contents (ice->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

/* The end of the log, for failure messages; the runner prints it in full. */
static gchar *
read_log_tail (const OnairIcecast *ice)
{
  gchar *log = onair_icecast_read_log (ice);
  gchar *start = log + strlen (log);
  gchar *tail;
  guint lines = 0;

  while (start > log && lines <= LOG_TAIL_LINES) {
    start--;
    if (*start == '\n')
      lines++;
  }
  tail = g_strdup (start);
  g_free (log);
  return tail;
}

/* Passwords and paths are escaped into it; <source-timeout> is always
 * written, 10 s being the server's own default. */
#define CONFIG_TEMPLATE                                                        \
  "<icecast>\n"                                                                \
  "  <location>onair-check</location>\n"                                       \
  "  <admin>onair-check@localhost</admin>\n"                                   \
  "  <hostname>127.0.0.1</hostname>\n"                                         \
  "  <limits>\n"                                                               \
  "    <clients>%d</clients>\n"                                                \
  "    <sources>%d</sources>\n"                                                \
  "    <source-timeout>%d</source-timeout>\n"                                  \
  "  </limits>\n"                                                              \
  "  <authentication>\n"                                                       \
  "    <source-password>%s</source-password>\n"                                \
  "    <admin-user>%s</admin-user>\n"                                          \
  "    <admin-password>%s</admin-password>\n"                                  \
  "  </authentication>\n"                                                      \
  "  <listen-socket>\n"                                                        \
  "    <port>%u</port>\n"                                                      \
  "    <bind-address>127.0.0.1</bind-address>\n"                               \
  "  </listen-socket>\n"                                                       \
  "  <paths>\n"                                                                \
  "    <logdir>%s</logdir>\n"                                                  \
  "    <webroot>/usr/share/icecast2/web</webroot>\n"                           \
  "    <adminroot>/usr/share/icecast2/admin</adminroot>\n"                     \
  "  </paths>\n"                                                               \
  "  <logging>\n"                                                              \
  "    <accesslog>-</accesslog>\n"                                             \
  "    <errorlog>-</errorlog>\n"                                               \
  "    <loglevel>4</loglevel>\n"                                               \
  "  </logging>\n"

static void
write_config (OnairIcecast *ice)
{
  GString *xml = g_string_new (NULL);
  GError *error = NULL;
  gchar *part;
  gboolean written;

  part = g_markup_printf_escaped (CONFIG_TEMPLATE, ice->max_clients,
      ice->max_sources, ice->source_timeout > 0 ? ice->source_timeout : 10,
      ice->source_password, ice->admin_user, ice->admin_password, ice->port,
      ice->dir);
  g_string_append (xml, part);
  g_free (part);
  if (ice->extra_xml != NULL) {
    g_string_append (xml, ice->extra_xml);
    g_string_append_c (xml, '\n');
  }
  g_string_append (xml, "</icecast>\n");

  written = g_file_set_contents (ice->config_path, xml->str, xml->len, &error);
  fail_unless (written, "cannot write %s: %s", ice->config_path,
      error != NULL ? error->message : "?");
  /* The server reads it again as nobody when it reloads. */
  g_chmod (ice->config_path, 0644);
  g_string_free (xml, TRUE);
}

static void
spawn_server (OnairIcecast *ice)
{
  const gchar *argv[] = { ICECAST_BINARY, "-c", ice->config_path, NULL };
  GError *error = NULL;
  gboolean spawned;
  int log_fd;

  /* Appending keeps what earlier runs of this server logged. */
  log_fd =
      g_open (ice->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  fail_unless (log_fd >= 0, "cannot open %s: %s", ice->log_path,
      g_strerror (errno));
  fchmod (log_fd, 0666);

  spawned = g_spawn_async_with_fds (ice->dir, (gchar **) argv, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
      icecast_child_setup, &ice->creds, &ice->pid, -1, log_fd, log_fd, &error);
  close (log_fd);
  fail_unless (spawned, "cannot start " ICECAST_BINARY ": %s",
      error != NULL ? error->message : "?");
  onair_check_track_child (ice->pid);
}

/* Peeks without reaping: a tracked pid must stay ours until it is
 * untracked. */
static gboolean
server_exited (const OnairIcecast *ice)
{
  siginfo_t info;

  memset (&info, 0, sizeof (info));
  if (waitid (P_PID, ice->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;
  return info.si_pid == ice->pid;
}

/* Returns a description of how the server ended, for messages. */
static gchar *
reap_server (OnairIcecast *ice)
{
  int status = 0;
  gchar *how;

  onair_check_untrack_child (ice->pid);
  if (waitpid (ice->pid, &status, 0) != ice->pid)
    how = g_strdup_printf ("gone (%s)", g_strerror (errno));
  else if (WIFEXITED (status))
    how = g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    how = g_strdup_printf ("killed by signal %d", WTERMSIG (status));
  else
    how = g_strdup ("ended");
  g_spawn_close_pid (ice->pid);
  ice->pid = 0;
  return how;
}

typedef enum {
  STARTUP_WAITING,
  STARTUP_READY,
  STARTUP_EXITED,
  STARTUP_TIMED_OUT
} StartupState;

typedef struct {
  OnairIcecast *ice;
  gint64 deadline;
  StartupState state;
} StartupWait;

/* Right after start-up the server's statistics are still being filled in,
 * and /status-json.xsl answers with broken JSON (xml2json.xslt mishandles
 * the half-empty tree): the server is ready once the page is a document
 * that names the server. */
static gboolean
status_page_complete (const OnairHttpReply *reply)
{
  GVariant *root, *icestats = NULL;
  gboolean complete = FALSE;

  if (reply == NULL || reply->status != 200)
    return FALSE;
  root = onair_check_json ((const gchar *) reply->body->data, reply->body->len,
      NULL);
  if (root != NULL && g_variant_is_of_type (root, G_VARIANT_TYPE_VARDICT))
    icestats =
        g_variant_lookup_value (root, "icestats", G_VARIANT_TYPE_VARDICT);
  if (icestats != NULL) {
    complete = g_variant_lookup (icestats, "server_id", "&s", NULL);
    g_variant_unref (icestats);
  }
  if (root != NULL)
    g_variant_unref (root);
  return complete;
}

static gboolean
startup_finished (gpointer user_data)
{
  StartupWait *wait = user_data;
  OnairHttpReply *reply;
  gboolean answered;

  if (server_exited (wait->ice)) {
    wait->state = STARTUP_EXITED;
    return TRUE;
  }
  reply = onair_http_get (wait->ice->port, "/status-json.xsl", NULL, 0, 2000);
  answered = status_page_complete (reply);
  onair_http_reply_free (reply);
  /* Something else could answer on the port while our server fails to bind
   * it: only a server still alive after the answer counts. */
  if (answered && !server_exited (wait->ice)) {
    wait->state = STARTUP_READY;
    return TRUE;
  }
  if (g_get_monotonic_time () >= wait->deadline) {
    wait->state = STARTUP_TIMED_OUT;
    return TRUE;
  }
  return FALSE;
}

/* Spawns the server on ice->port and waits for it.  Returns FALSE when it
 * exited during start-up (typically: the port is taken), with @how set;
 * fails the test when it hangs. */
static gboolean
try_start (OnairIcecast *ice, gchar **how)
{
  StartupWait wait = { ice, 0, STARTUP_WAITING };

  spawn_server (ice);
  wait.deadline = g_get_monotonic_time ()
      + onair_check_scaled_ms (STARTUP_TIMEOUT_MS) * G_TIME_SPAN_MILLISECOND;
  /* startup_finished() gives up by itself at the deadline, so that the
   * failure can carry the server's log. */
  onair_check_wait_until (startup_finished, &wait, STARTUP_TIMEOUT_MS + 10000,
      "icecast2 to start");

  if (wait.state == STARTUP_EXITED) {
    *how = reap_server (ice);
    return FALSE;
  }
  if (wait.state == STARTUP_TIMED_OUT) {
    gchar *tail;

    onair_icecast_stop (ice);
    tail = read_log_tail (ice);
    fail ("icecast2 did not answer /status-json.xsl on port %u within %d ms;"
          " end of %s:\n%s",
        ice->port, STARTUP_TIMEOUT_MS, ice->log_path, tail);
    g_free (tail);
  }
  return TRUE;
}

OnairIcecast *
onair_icecast_start (const OnairIcecastConfig *config)
{
  static const OnairIcecastConfig defaults;
  OnairIcecast *ice;
  gchar *how = NULL;
  gint attempt;

  if (config == NULL)
    config = &defaults;
  fail_unless (g_file_test (ICECAST_BINARY, G_FILE_TEST_IS_EXECUTABLE),
      "icecast2 is not installed (apt-get install icecast2)");

  ice = g_new0 (OnairIcecast, 1);
  ice->source_password =
      g_strdup (config->source_password != NULL ? config->source_password
                                                : "onair-source");
  ice->admin_user =
      g_strdup (config->admin_user != NULL ? config->admin_user : "admin");
  ice->admin_password = g_strdup (
      config->admin_password != NULL ? config->admin_password : "onair-admin");
  ice->max_sources = config->max_sources > 0 ? config->max_sources : 8;
  ice->max_clients = config->max_clients > 0 ? config->max_clients : 100;
  ice->source_timeout = config->source_timeout;
  ice->extra_xml = g_strdup (config->extra_xml);
  resolve_credentials (&ice->creds);

  /* onair_check_make_dir() makes it writable for everyone, so the server
   * can use it after dropping to nobody. */
  ice->dir = onair_check_make_dir ("icecast");
  ice->config_path = g_build_filename (ice->dir, "icecast.xml", NULL);
  ice->log_path = g_build_filename (ice->dir, "icecast.log", NULL);

  /* A free port can be taken between the probe and the server's bind. */
  for (attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    ice->port = onair_check_free_port ();
    write_config (ice);
    g_clear_pointer (&how, g_free);
    if (try_start (ice, &how))
      return ice;
  }

  {
    gchar *tail = read_log_tail (ice);

    fail ("icecast2 failed to start %d times, last on port %u: %s; end of "
          "%s:\n%s",
        START_ATTEMPTS, ice->port, how, ice->log_path, tail);
    g_free (tail);
  }
  g_free (how);
  return ice;
}

void
onair_icecast_stop (OnairIcecast *ice)
{
  gint64 deadline;
  gchar *how;

  g_return_if_fail (ice != NULL);
  if (ice->pid == 0)
    return;

  /* A source client writing to the connection being cut would otherwise
   * kill the test with SIGPIPE (libshout does not ask for MSG_NOSIGNAL). */
  signal (SIGPIPE, SIG_IGN);

  kill (ice->pid, SIGTERM);
  deadline =
      g_get_monotonic_time () + STOP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  while (!server_exited (ice) && g_get_monotonic_time () < deadline)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  if (!server_exited (ice))
    kill (ice->pid, SIGKILL);
  how = reap_server (ice);
  g_free (how);
}

void
onair_icecast_restart (OnairIcecast *ice)
{
  gint64 deadline;
  gchar *how = NULL;

  g_return_if_fail (ice != NULL);
  onair_icecast_stop (ice);

  /* Same port: the old socket may linger for a moment after the stop. */
  deadline = g_get_monotonic_time ()
      + onair_check_scaled_ms (RESTART_BIND_MS) * G_TIME_SPAN_MILLISECOND;
  for (;;) {
    g_clear_pointer (&how, g_free);
    if (try_start (ice, &how))
      break;
    if (g_get_monotonic_time () >= deadline) {
      gchar *tail = read_log_tail (ice);

      fail ("icecast2 did not come back on port %u within %d ms: %s; end of "
            "%s:\n%s",
          ice->port, RESTART_BIND_MS, how, ice->log_path, tail);
      g_free (tail);
      break;
    }
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);
  }
  g_free (how);
}

void
onair_icecast_free (OnairIcecast *ice)
{
  if (ice == NULL)
    return;
  onair_icecast_stop (ice);
  g_free (ice->dir);
  g_free (ice->config_path);
  g_free (ice->log_path);
  g_free (ice->source_password);
  g_free (ice->admin_user);
  g_free (ice->admin_password);
  g_free (ice->extra_xml);
  g_free (ice);
}

guint16
onair_icecast_port (const OnairIcecast *ice)
{
  g_return_val_if_fail (ice != NULL, 0);
  return ice->port;
}

const gchar *
onair_icecast_source_password (const OnairIcecast *ice)
{
  g_return_val_if_fail (ice != NULL, NULL);
  return ice->source_password;
}

const gchar *
onair_icecast_admin_user (const OnairIcecast *ice)
{
  g_return_val_if_fail (ice != NULL, NULL);
  return ice->admin_user;
}

const gchar *
onair_icecast_admin_password (const OnairIcecast *ice)
{
  g_return_val_if_fail (ice != NULL, NULL);
  return ice->admin_password;
}

/* Status page */

/* The "icestats" object of /status-json.xsl.  A server that does not answer
 * fails the test: callers ask about mounts, not about a dead server. */
static GVariant *
fetch_icestats (OnairIcecast *ice)
{
  OnairHttpReply *reply;
  GVariant *root, *icestats = NULL;
  GError *error = NULL;

  fail_unless (ice->pid != 0, "asking a stopped icecast2 for its status");
  reply = onair_http_get (ice->port, "/status-json.xsl", NULL, 0,
      onair_check_scaled_ms (20000));
  fail_unless (reply != NULL,
      "icecast2 on port %u refused the connection for /status-json.xsl",
      ice->port);
  fail_unless (reply->status == 200, "/status-json.xsl answered %u %s",
      reply->status, GST_STR_NULL (reply->reason));
  root = onair_check_json ((const gchar *) reply->body->data, reply->body->len,
      &error);
  fail_unless (root != NULL, "/status-json.xsl is not JSON (%s): %.*s",
      error != NULL ? error->message : "?", (int) reply->body->len,
      (const gchar *) reply->body->data);
  if (g_variant_is_of_type (root, G_VARIANT_TYPE_VARDICT))
    icestats =
        g_variant_lookup_value (root, "icestats", G_VARIANT_TYPE_VARDICT);
  fail_unless (icestats != NULL, "/status-json.xsl has no icestats: %.*s",
      (int) reply->body->len, (const gchar *) reply->body->data);
  g_variant_unref (root);
  onair_http_reply_free (reply);
  return icestats;
}

/* The mounts' objects: "source" is one object for a single mount and an
 * array for several (xml2json.xslt), and absent when there is none. */
static GPtrArray *
collect_mounts (GVariant *icestats)
{
  GPtrArray *mounts =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariant *source = g_variant_lookup_value (icestats, "source", NULL);
  gsize i;

  if (source == NULL)
    return mounts;
  if (g_variant_is_of_type (source, G_VARIANT_TYPE_VARDICT)) {
    g_ptr_array_add (mounts, g_variant_ref (source));
  } else if (g_variant_is_of_type (source, G_VARIANT_TYPE ("av"))) {
    for (i = 0; i < g_variant_n_children (source); i++) {
      GVariant *boxed = g_variant_get_child_value (source, i);
      GVariant *mount = g_variant_get_variant (boxed);

      if (g_variant_is_of_type (mount, G_VARIANT_TYPE_VARDICT))
        g_ptr_array_add (mounts, mount);
      else
        g_variant_unref (mount);
      g_variant_unref (boxed);
    }
  } else {
    fail ("\"source\" in /status-json.xsl is neither an object nor an array "
          "but %s",
        g_variant_get_type_string (source));
  }
  g_variant_unref (source);
  return mounts;
}

/* The mount name is the path of "listenurl", e.g. "/a.mp3". */
static gchar *
mount_name (GVariant *mount)
{
  const gchar *url = NULL;
  const gchar *path;

  if (!g_variant_lookup (mount, "listenurl", "&s", &url))
    return NULL;
  path = strstr (url, "://");
  if (path == NULL)
    return url[0] == '/' ? g_strdup (url) : NULL;
  path = strchr (path + 3, '/');
  return path != NULL ? g_strdup (path) : NULL;
}

static GstStructure *
mount_to_structure (GVariant *mount)
{
  GstStructure *s = gst_structure_new_empty ("mount");
  GVariantIter iter;
  const gchar *key;
  GVariant *value;

  g_variant_iter_init (&iter, mount);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
      gst_structure_set (s, key, G_TYPE_INT64, g_variant_get_int64 (value),
          NULL);
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
      gst_structure_set (s, key, G_TYPE_DOUBLE, g_variant_get_double (value),
          NULL);
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
      gst_structure_set (s, key, G_TYPE_STRING,
          g_variant_get_string (value, NULL), NULL);
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
      gst_structure_set (s, key, G_TYPE_BOOLEAN, g_variant_get_boolean (value),
          NULL);
    /* null and nested values have no place in a flat structure. */
  }
  return s;
}

GstStructure *
onair_icecast_mount_status (OnairIcecast *ice, const gchar *mount)
{
  GVariant *icestats;
  GPtrArray *mounts;
  GstStructure *result = NULL;
  guint i;

  g_return_val_if_fail (ice != NULL, NULL);
  g_return_val_if_fail (mount != NULL, NULL);

  icestats = fetch_icestats (ice);
  mounts = collect_mounts (icestats);
  for (i = 0; i < mounts->len && result == NULL; i++) {
    gchar *name = mount_name (g_ptr_array_index (mounts, i));

    if (g_strcmp0 (name, mount) == 0)
      result = mount_to_structure (g_ptr_array_index (mounts, i));
    g_free (name);
  }
  g_ptr_array_unref (mounts);
  g_variant_unref (icestats);
  return result;
}

GStrv
onair_icecast_list_mounts (OnairIcecast *ice)
{
  GVariant *icestats;
  GPtrArray *mounts;
  GPtrArray *names = g_ptr_array_new ();
  guint i;

  g_return_val_if_fail (ice != NULL, NULL);

  icestats = fetch_icestats (ice);
  mounts = collect_mounts (icestats);
  for (i = 0; i < mounts->len; i++) {
    gchar *name = mount_name (g_ptr_array_index (mounts, i));

    if (name != NULL)
      g_ptr_array_add (names, name);
  }
  g_ptr_array_add (names, NULL);
  g_ptr_array_unref (mounts);
  g_variant_unref (icestats);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

typedef struct {
  OnairIcecast *ice;
  const gchar *mount;
  gboolean present;
  gint64 deadline;
  gint64 last_poll;
  gboolean met;
} MountWait;

static gboolean
mount_settled (gpointer user_data)
{
  MountWait *wait = user_data;
  gint64 now = g_get_monotonic_time ();
  GstStructure *status;

  /* Every request lands in the server's log: poll at a modest rate. */
  if (wait->last_poll != 0
      && now - wait->last_poll < STATUS_POLL_MS * G_TIME_SPAN_MILLISECOND)
    return FALSE;
  wait->last_poll = now;

  status = onair_icecast_mount_status (wait->ice, wait->mount);
  wait->met = (status != NULL) == wait->present;
  if (status != NULL)
    gst_structure_free (status);
  return wait->met || now >= wait->deadline;
}

void
onair_icecast_wait_mount (OnairIcecast *ice, const gchar *mount,
    gboolean present, guint timeout_ms)
{
  MountWait wait = { ice, mount, present, 0, 0, FALSE };
  gchar **mounts, *listed, *tail;

  g_return_if_fail (ice != NULL);
  g_return_if_fail (mount != NULL);

  timeout_ms = onair_check_scaled_ms (timeout_ms);
  wait.deadline =
      g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  /* mount_settled() gives up by itself, so that the failure can say what
   * the server does list. */
  onair_check_wait_until (mount_settled, &wait, timeout_ms + 10000,
      present ? "an icecast2 mount to appear"
              : "an icecast2 mount to disappear");
  if (wait.met)
    return;

  mounts = onair_icecast_list_mounts (ice);
  listed = g_strjoinv (", ", mounts);
  tail = read_log_tail (ice);
  fail ("mount %s still %s after %u ms; the server lists [%s]; end of %s:\n%s",
      mount, present ? "absent" : "present", timeout_ms, listed, ice->log_path,
      tail);
  g_free (tail);
  g_free (listed);
  g_strfreev (mounts);
}

/* gst-plugins-onair: a private PulseAudio daemon with a null sink, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pulse-service.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#define PULSE_BINARY "/usr/bin/pulseaudio"
#define PACTL_BINARY "/usr/bin/pactl"
#define PULSE_MISSING                                                          \
  "pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils "  \
  "gstreamer1.0-pulseaudio)"
#define SINK_NAME "onair_null"
#define START_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 5000

typedef enum {
  PULSE_STARTING,
  PULSE_READY,
  PULSE_NO_SINK,
  PULSE_DIED,
  PULSE_TIMED_OUT,
} PulseStartState;

struct _OnairPulse {
  gchar *dir;
  gchar *socket_path;
  gchar *server;
  gchar *sink;
  gchar *monitor;
  gchar *log_path;
  gchar *client_conf;
  gchar **envp;

  GPid pid;
  gboolean reaped;
  gint status;

  /* What this process had before we pointed libpulse at our daemon. */
  gchar *saved_server;
  gchar *saved_client_conf;
  gboolean env_set;

  /* Readiness probing, driven from onair_check_wait_until(). */
  PulseStartState state;
  gint64 deadline;
  GSubprocess *probe;
  GCancellable *probe_cancel;
  gboolean probe_ok;
  gboolean probe_saw_sink;
  gchar *probe_output;
};

static gboolean
pulse_has_exited (OnairPulse *pulse)
{
  siginfo_t info = { 0 };

  /* WNOWAIT leaves the zombie in place, so the pid stays tracked and owned
   * by us until onair_pulse_free() reaps it. */
  if (waitid (P_PID, pulse->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;
  return info.si_pid == pulse->pid;
}

static gboolean
socket_accepts (const gchar *path)
{
  GSocket *sock;
  GSocketAddress *addr;
  gboolean ok;

  sock = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_DEFAULT, NULL);
  if (sock == NULL)
    return FALSE;
  addr = g_unix_socket_address_new (path);
  ok = g_socket_connect (sock, addr, NULL, NULL);
  g_object_unref (addr);
  g_socket_close (sock, NULL);
  g_object_unref (sock);
  return ok;
}

static void
probe_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GSubprocess *proc = G_SUBPROCESS (source);
  OnairPulse *pulse;
  GError *err = NULL;
  gchar *out = NULL;
  gboolean finished;

  finished = g_subprocess_communicate_utf8_finish (proc, res, &out, NULL, &err);
  /* A cancelled probe belongs to a fixture that may be freed already. */
  if (!finished && g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free (err);
    g_free (out);
    return;
  }

  pulse = user_data;
  g_free (pulse->probe_output);
  if (finished) {
    gchar *line = g_strdup_printf ("\nDefault Sink: %s\n", pulse->sink);

    pulse->probe_ok = g_subprocess_get_if_exited (proc)
        && g_subprocess_get_exit_status (proc) == 0;
    /* A module that fails to load leaves the daemon running without it. */
    pulse->probe_saw_sink = out != NULL && strstr (out, line) != NULL;
    pulse->probe_output = out;
    g_free (line);
  } else {
    pulse->probe_ok = FALSE;
    pulse->probe_output = g_strdup (err->message);
    g_error_free (err);
  }
  g_clear_object (&pulse->probe);
}

static void
probe_start (OnairPulse *pulse)
{
  GSubprocessLauncher *launcher;
  GError *err = NULL;

  launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_environ (launcher, pulse->envp);
  pulse->probe = g_subprocess_launcher_spawn (launcher, &err, PACTL_BINARY,
      "--server", pulse->server, "info", NULL);
  g_object_unref (launcher);
  if (pulse->probe == NULL) {
    g_free (pulse->probe_output);
    pulse->probe_output = g_strdup (err->message);
    g_error_free (err);
    return;
  }
  g_subprocess_communicate_utf8_async (pulse->probe, NULL, pulse->probe_cancel,
      probe_done, pulse);
}

static void
probe_stop (OnairPulse *pulse)
{
  g_cancellable_cancel (pulse->probe_cancel);
  if (pulse->probe != NULL) {
    g_subprocess_force_exit (pulse->probe);
    g_clear_object (&pulse->probe);
  }
}

/* Ends the wait on every outcome, so that the failure message can carry the
 * daemon's log instead of only the generic timeout of the wait helper. */
static gboolean
pulse_start_settled (gpointer user_data)
{
  OnairPulse *pulse = user_data;

  if (pulse_has_exited (pulse)) {
    pulse->state = PULSE_DIED;
    return TRUE;
  }
  if (pulse->probe_ok) {
    pulse->state = pulse->probe_saw_sink ? PULSE_READY : PULSE_NO_SINK;
    return TRUE;
  }
  if (g_get_monotonic_time () >= pulse->deadline) {
    pulse->state = PULSE_TIMED_OUT;
    return TRUE;
  }
  /* Connecting is cheap; pactl only runs once the socket is listening, and
   * never more than one at a time. */
  if (pulse->probe == NULL && socket_accepts (pulse->socket_path))
    probe_start (pulse);
  return FALSE;
}

static gboolean
write_client_conf (OnairPulse *pulse, GError **error)
{
  gchar *cookie, *text;
  gboolean ok;

  /* Clients must never spawn a daemon of their own, and must keep their
   * cookie out of the real $HOME. */
  cookie = g_build_filename (pulse->dir, "client-cookie", NULL);
  text = g_strdup_printf ("autospawn = no\n"
                          "enable-shm = no\n"
                          "cookie-file = %s\n",
      cookie);
  ok = g_file_set_contents (pulse->client_conf, text, -1, error);
  g_free (text);
  g_free (cookie);
  return ok;
}

static gchar **
build_environ (OnairPulse *pulse)
{
  gchar **envp = g_get_environ ();
  gchar *no_bus;

  envp = g_environ_setenv (envp, "HOME", pulse->dir, TRUE);
  envp = g_environ_setenv (envp, "XDG_RUNTIME_DIR", pulse->dir, TRUE);
  envp = g_environ_setenv (envp, "XDG_CONFIG_HOME", pulse->dir, TRUE);
  envp = g_environ_setenv (envp, "PULSE_RUNTIME_PATH", pulse->dir, TRUE);
  envp = g_environ_setenv (envp, "PULSE_STATE_PATH", pulse->dir, TRUE);
  envp =
      g_environ_setenv (envp, "PULSE_CLIENTCONFIG", pulse->client_conf, TRUE);
  envp = g_environ_unsetenv (envp, "PULSE_SERVER");
  envp = g_environ_unsetenv (envp, "PULSE_SINK");
  envp = g_environ_unsetenv (envp, "PULSE_SOURCE");
  /* Without a display, D-Bus cannot autolaunch a bus; pointing the session
   * bus at a socket that does not exist keeps the daemon off any real session
   * bus this process may know about. */
  envp = g_environ_unsetenv (envp, "DISPLAY");
  no_bus = g_strdup_printf ("unix:path=%s/no-bus", pulse->dir);
  envp = g_environ_setenv (envp, "DBUS_SESSION_BUS_ADDRESS", no_bus, TRUE);
  g_free (no_bus);
  return envp;
}

static void
set_client_env (OnairPulse *pulse)
{
  pulse->saved_server = g_strdup (g_getenv ("PULSE_SERVER"));
  pulse->saved_client_conf = g_strdup (g_getenv ("PULSE_CLIENTCONFIG"));
  g_setenv ("PULSE_SERVER", pulse->server, TRUE);
  g_setenv ("PULSE_CLIENTCONFIG", pulse->client_conf, TRUE);
  pulse->env_set = TRUE;
}

static void
restore_one (const gchar *name, const gchar *ours, const gchar *saved)
{
  /* Someone else changed it meanwhile: theirs to keep. */
  if (g_strcmp0 (g_getenv (name), ours) != 0)
    return;
  if (saved != NULL)
    g_setenv (name, saved, TRUE);
  else
    g_unsetenv (name);
}

static void
restore_client_env (OnairPulse *pulse)
{
  if (!pulse->env_set)
    return;
  restore_one ("PULSE_SERVER", pulse->server, pulse->saved_server);
  restore_one ("PULSE_CLIENTCONFIG", pulse->client_conf,
      pulse->saved_client_conf);
  pulse->env_set = FALSE;
}

static void
pulse_reap (OnairPulse *pulse)
{
  gint64 give_up;
  pid_t ret;
  int status;

  if (pulse->pid <= 0 || pulse->reaped)
    return;

  /* Once reaped the pid may be reused: the tracker must forget it first. */
  onair_check_untrack_child (pulse->pid);
  kill (pulse->pid, SIGTERM);

  give_up = g_get_monotonic_time () + STOP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  do {
    ret = waitpid (pulse->pid, &status, WNOHANG);
    if (ret != 0)
      break;
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  } while (g_get_monotonic_time () < give_up);

  if (ret == 0) {
    g_warning ("pulseaudio (pid %d) ignored SIGTERM for %d ms, killing it",
        (int) pulse->pid, STOP_TIMEOUT_MS);
    kill (pulse->pid, SIGKILL);
    do {
      ret = waitpid (pulse->pid, &status, 0);
    } while (ret < 0 && errno == EINTR);
  }
  pulse->reaped = TRUE;
  pulse->status = ret == pulse->pid ? status : -1;
}

static gchar *
describe_status (gint status)
{
  if (status == -1)
    return g_strdup ("vanished (reaped elsewhere)");
  if (WIFSIGNALED (status))
    return g_strdup_printf ("was killed by signal %d", WTERMSIG (status));
  return g_strdup_printf ("exited with status %d", WEXITSTATUS (status));
}

static void
pulse_fail_start (OnairPulse *pulse, const gchar *why)
{
  gchar *log = onair_pulse_read_log (pulse);
  gchar *msg = g_strdup_printf ("%s\nlast pactl probe: %s\n"
                                "--- %s ---\n%s",
      why, pulse->probe_output ? pulse->probe_output : "(none ran)",
      pulse->log_path, log);

  g_free (log);
  probe_stop (pulse);
  pulse_reap (pulse);
  /* The failure does not return; leave the process environment as found. */
  restore_client_env (pulse);
  fail ("%s", msg);
}

OnairPulse *
onair_pulse_start (void)
{
  OnairPulse *pulse;
  GError *err = NULL;
  struct sockaddr_un addr_un;
  gchar *load_sink, *load_proto;
  const gchar *argv[24];
  gint log_fd, i = 0;
  gboolean ok;

  fail_unless (g_file_test (PULSE_BINARY, G_FILE_TEST_IS_EXECUTABLE)
          && g_file_test (PACTL_BINARY, G_FILE_TEST_IS_EXECUTABLE),
      PULSE_MISSING);

  pulse = g_new0 (OnairPulse, 1);
  pulse->dir = onair_check_make_dir ("pulse");
  fail_unless (pulse->dir != NULL, "could not create a scratch directory");
  /* The daemon keeps its runtime and state here: private to this user, as
   * pulseaudio expects of XDG_RUNTIME_DIR. */
  fail_unless (g_chmod (pulse->dir, 0700) == 0, "chmod %s: %s", pulse->dir,
      g_strerror (errno));
  pulse->socket_path = g_build_filename (pulse->dir, "native", NULL);
  fail_unless (strlen (pulse->socket_path) < sizeof (addr_un.sun_path),
      "socket path %s is too long for a unix socket (shorten TMPDIR)",
      pulse->socket_path);
  pulse->server = g_strconcat ("unix:", pulse->socket_path, NULL);
  pulse->sink = g_strdup (SINK_NAME);
  pulse->monitor = g_strconcat (SINK_NAME, ".monitor", NULL);
  pulse->log_path = g_build_filename (pulse->dir, "pulse.log", NULL);
  pulse->client_conf = g_build_filename (pulse->dir, "client.conf", NULL);
  pulse->probe_cancel = g_cancellable_new ();

  ok = write_client_conf (pulse, &err);
  fail_unless (ok, "writing %s: %s", pulse->client_conf,
      ok ? "" : err->message);
  pulse->envp = build_environ (pulse);

  /* 48 kHz S16LE stereo is what the tests play and record, so no resampler
   * sits between what was played and what the monitor returns. */
  load_sink = g_strdup_printf ("module-null-sink sink_name=%s "
                               "format=s16le rate=48000 channels=2",
      pulse->sink);
  load_proto = g_strdup_printf ("module-native-protocol-unix "
                                "auth-anonymous=1 socket=%s",
      pulse->socket_path);

  argv[i++] = PULSE_BINARY;
  argv[i++] = "--daemonize=no";
  argv[i++] = "--system=no";
  argv[i++] = "--use-pid-file=no";
  argv[i++] = "--exit-idle-time=-1";
  argv[i++] = "--disallow-exit";
  argv[i++] = "--disable-shm=yes";
  /* As root it would otherwise take realtime priority on a shared box. */
  argv[i++] = "--realtime=no";
  argv[i++] = "--high-priority=no";
  argv[i++] = "--log-target=stderr";
  argv[i++] = "--log-time=yes";
  argv[i++] = "-n";
  argv[i++] = "--load";
  argv[i++] = load_sink;
  argv[i++] = "--load";
  argv[i++] = load_proto;
  g_assert (i < (gint) G_N_ELEMENTS (argv));
  argv[i] = NULL;

  log_fd =
      g_open (pulse->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  fail_unless (log_fd >= 0, "opening %s: %s", pulse->log_path,
      g_strerror (errno));

  ok = g_spawn_async_with_pipes_and_fds (pulse->dir, argv,
      (const gchar *const *) pulse->envp,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
      onair_check_child_setup, NULL, -1, log_fd, log_fd, NULL, NULL, 0,
      &pulse->pid, NULL, NULL, NULL, &err);
  g_close (log_fd, NULL);
  g_free (load_sink);
  g_free (load_proto);
  fail_unless (ok, "spawning %s: %s", PULSE_BINARY, ok ? "" : err->message);
  onair_check_track_child (pulse->pid);

  pulse->state = PULSE_STARTING;
  pulse->deadline =
      g_get_monotonic_time () + START_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  /* The wait helper's own limit is only a backstop; pulse_start_settled()
   * gives up first, at START_TIMEOUT_MS. */
  onair_check_wait_until (pulse_start_settled, pulse, START_TIMEOUT_MS + 5000,
      "pulseaudio to accept clients");

  switch (pulse->state) {
    case PULSE_READY:
      break;
    case PULSE_NO_SINK: {
      gchar *why = g_strdup_printf ("pulseaudio on %s has no sink named %s",
          pulse->server, pulse->sink);
      pulse_fail_start (pulse, why);
      g_free (why);
      break;
    }
    case PULSE_DIED: {
      gchar *how, *why;

      pulse_reap (pulse);
      how = describe_status (pulse->status);
      why = g_strdup_printf ("pulseaudio %s before accepting clients on %s",
          how, pulse->server);
      g_free (how);
      pulse_fail_start (pulse, why);
      g_free (why);
      break;
    }
    default: {
      gchar *why = g_strdup_printf ("pulseaudio did not accept clients on %s "
                                    "within %d ms",
          pulse->server, START_TIMEOUT_MS);
      pulse_fail_start (pulse, why);
      g_free (why);
      break;
    }
  }

  set_client_env (pulse);
  return pulse;
}

void
onair_pulse_free (OnairPulse *pulse)
{
  if (pulse == NULL)
    return;

  probe_stop (pulse);
  pulse_reap (pulse);
  restore_client_env (pulse);

  g_clear_object (&pulse->probe_cancel);
  g_free (pulse->probe_output);
  g_free (pulse->saved_server);
  g_free (pulse->saved_client_conf);
  g_strfreev (pulse->envp);
  g_free (pulse->client_conf);
  g_free (pulse->log_path);
  g_free (pulse->monitor);
  g_free (pulse->sink);
  g_free (pulse->server);
  g_free (pulse->socket_path);
  g_free (pulse->dir);
  g_free (pulse);
}

const gchar *
onair_pulse_server (const OnairPulse *pulse)
{
  g_return_val_if_fail (pulse != NULL, NULL);
  return pulse->server;
}

const gchar *
onair_pulse_sink (const OnairPulse *pulse)
{
  g_return_val_if_fail (pulse != NULL, NULL);
  return pulse->sink;
}

const gchar *
onair_pulse_monitor (const OnairPulse *pulse)
{
  g_return_val_if_fail (pulse != NULL, NULL);
  return pulse->monitor;
}

gchar *
onair_pulse_read_log (const OnairPulse *pulse)
{
  gchar *text = NULL;

  g_return_val_if_fail (pulse != NULL, NULL);
  if (!g_file_get_contents (pulse->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

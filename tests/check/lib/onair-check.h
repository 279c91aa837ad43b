/* gst-plugins-onair: support shared by every gst-check test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __ONAIR_CHECK_H__
#define __ONAIR_CHECK_H__

#include <gst/check/gstcheck.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs @suite like GST_CHECK_MAIN does, inside a private scratch directory
 * (see onair_check_scratch_dir()).  Every test runs in its own forked process;
 * when any test fails, the logs the fixtures left in the scratch directory are
 * printed, then the directory is removed whatever happened.  SIGTERM and SIGINT
 * (a meson timeout, a ^C) also remove it and stop every service a fixture
 * started.  Returns the process exit status. */
int onair_check_run (Suite *suite);

#define ONAIR_CHECK_MAIN(name)                                                 \
  int main (int argc, char **argv)                                             \
  {                                                                            \
    gst_check_init (&argc, &argv);                                             \
    return onair_check_run (name##_suite ());                                  \
  }

/* The directory of this test run (created by onair_check_run()).  Fixtures
 * create their own subdirectories below it with onair_check_make_dir(); files
 * ending in ".log" are printed (their last lines) when a test fails.
 * onair_check_make_dir() also ties the calling test process to the runner
 * (PR_SET_PDEATHSIG), since a fixture's services must not outlive a test
 * whose runner was killed. */
const gchar *onair_check_scratch_dir (void);
gchar *onair_check_make_dir (const gchar *prefix);

/* Remembers a child process so that it is killed even when the test process
 * dies without running its teardown (failed assertion, timeout, signal). */
void onair_check_track_child (GPid pid);
void onair_check_untrack_child (GPid pid);
/* GSpawnChildSetupFunc for services: dies with its parent (PR_SET_PDEATHSIG). */
void onair_check_child_setup (gpointer user_data);

/* The environment for a child process that loads this build's plugins
 * (gst-launch-1.0, a helper): in a sanitizer build they need the sanitizer
 * runtimes this process has loaded first (ASan before UBSan), and the
 * child's own leak report is off.  Free with g_strfreev. */
gchar **onair_check_child_environ (void);
/* The same as a shell prefix ("LD_PRELOAD='...' ASAN_OPTIONS=..." or ""),
 * for commands run through a shell. */
gchar *onair_check_child_env_prefix (void);

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
guint16 onair_check_free_port (void);

/* A bound on how long a test waits for something that must happen, scaled
 * by CK_TIMEOUT_MULTIPLIER (as check scales its test timeouts) for slow
 * settings such as a sanitizer build on a loaded machine.  Every wait below
 * applies it; a test with a deadline of its own applies it too.  Never for
 * a duration that is part of what a test does (how long to record, say). */
guint onair_check_scaled_ms (guint timeout_ms);

/* Waits until @fn returns TRUE, iterating the thread-default main context
 * between calls, or fails the test after @timeout_ms with @what in the
 * message.  Returns TRUE when the condition was met. */
typedef gboolean (*OnairCheckCondition) (gpointer user_data);
gboolean onair_check_wait_until (OnairCheckCondition fn, gpointer user_data,
    guint timeout_ms, const gchar *what);

/* Sets @pipeline to PLAYING and runs a main loop on its bus until a message
 * whose type is in @types arrives (ERROR always stops it), or fails the test
 * after @timeout_ms.  Returns that message (unref it), NULL on timeout.  The
 * pipeline is left in its state: the caller sets it to NULL. */
GstMessage *onair_check_run_pipeline (GstElement *pipeline,
    GstMessageType types, guint timeout_ms);

/* Same loop, for a pipeline already running: waits for the next message of
 * @types (ERROR always counts). */
GstMessage *onair_check_wait_message (GstElement *pipeline,
    GstMessageType types, guint timeout_ms);

/* Runs @loop (on the thread-default context) until something quits it, or
 * fails the test after @timeout_ms: the main loop of a test can never hang. */
void onair_check_loop_run (GMainLoop *loop, guint timeout_ms);

/* Fails the test with the error text when @msg is an ERROR message. */
void onair_check_assert_no_error (GstMessage *msg);

/* A plain HTTP/1.0 client over GIO, for tests that act as a listener or read
 * a status page.  No libsoup, so fixtures work in every build. */
typedef struct {
  guint status; /* 0 when no status line came */
  gchar *reason;
  gchar *headers; /* raw header block, CRLF-separated */
  GByteArray *body;
} OnairHttpReply;

/* GET http://127.0.0.1:@port@path.  Reads the body until the server closes,
 * until @max_body bytes arrived (0 = no limit), or until @timeout_ms passed.
 * @extra_headers (may be NULL) is inserted as is, CRLF-terminated lines.
 * Returns NULL when the connection failed. */
OnairHttpReply *onair_http_get (guint16 port, const gchar *path,
    const gchar *extra_headers, gsize max_body, guint timeout_ms);
/* Value of header @name (case-insensitive), or NULL. Free with g_free. */
gchar *onair_http_reply_header (const OnairHttpReply *reply, const gchar *name);
void onair_http_reply_free (OnairHttpReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnairHttpReply, onair_http_reply_free);

/* Reads one JSON document (a status page, a request body) with json-glib
 * into a GVariant: object -> a{sv}, array -> av, integer -> x, other
 * number -> d, string -> s, true/false -> b, null -> "mv".  Returns NULL and
 * sets @error when @text is not JSON. */
GVariant *onair_check_json (const gchar *text, gssize length, GError **error);

/* TRUE when @data holds at least @min_frames consecutive MPEG audio frame
 * headers, each where the previous frame's length says it should be. */
gboolean
onair_check_is_mpeg_audio (const guint8 *data, gsize size, guint min_frames);

G_END_DECLS

#endif /* __ONAIR_CHECK_H__ */

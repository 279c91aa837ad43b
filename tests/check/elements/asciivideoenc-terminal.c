/* gst-plugins-onair: asciivideoenc format=ansi played in a real terminal
 * (tmux), read back with capture-pane
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "ansi-screen.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COLS 80
#define ROWS 24

/* The source of every run: live SMPTE bars (the 75% variant, whose frames
 * are all the same, unlike smpte's noise patch), scaled by videoscale to
 * what asciivideoenc asks for.  They play until the test has seen the
 * picture and ends them: the stream never ends before it was seen, however
 * slowly the player starts or the test looks. */
#define SOURCE                                                                 \
  "videotestsrc pattern=smpte75 is-live=true ! "                               \
  "video/x-raw,format=BGRx,width=320,height=240,framerate=30/1 ! "             \
  "videoscale ! "

typedef struct {
  gchar *dir;
  gchar *socket;
  gchar *config;
  gchar *status; /* the player's exit status, once it has ended */
  gchar *pid_file; /* the player's process id, once it runs */
} Tmux;

static gchar *
tmux_run (Tmux *t, const gchar *const *args)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar *out = NULL, *err = NULL;
  gint status;
  GError *error = NULL;

  g_ptr_array_add (argv, (gpointer) "tmux");
  g_ptr_array_add (argv, (gpointer) "-u");
  g_ptr_array_add (argv, (gpointer) "-S");
  g_ptr_array_add (argv, t->socket);
  g_ptr_array_add (argv, (gpointer) "-f");
  g_ptr_array_add (argv, t->config);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (gpointer) *args);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
          NULL, NULL, &out, &err, &status, &error))
    fail ("tmux could not run (is the Debian package tmux installed?): %s",
        error->message);
  fail_unless (g_spawn_check_wait_status (status, NULL), "tmux %s: %s",
      ((gchar **) argv->pdata)[6], err);
  g_ptr_array_unref (argv);
  g_free (err);
  return out;
}

static gchar *
tmux_format (Tmux *t, const gchar *format)
{
  const gchar *args[] = { "display-message", "-p", "-t", "player", format,
    NULL };
  gchar *out = tmux_run (t, args);

  return g_strstrip (out);
}

/* Starts a tmux server of its own with one 100x30 window running @launch
 * (gst-launch-1.0 arguments; --no-position, or gst-launch-1.0 prints its
 * position on the same terminal; -e, so that an interrupt ends the stream
 * with EOS, as ^C would).  When the player ends, its exit status goes to a
 * file and the pane stays, untouched, for reading, for as long as this test
 * process lives: the tmux server cannot outlive the test. */
static Tmux *
tmux_start (const gchar *launch)
{
  Tmux *t = g_new0 (Tmux, 1);
  gchar *preload = onair_check_child_env_prefix ();
  gchar *command, *pid;
  const gchar *plugin_path = g_getenv ("GST_PLUGIN_PATH_1_0");

  t->dir = onair_check_make_dir ("tmux");
  t->socket = g_build_filename (t->dir, "socket", NULL);
  t->config = g_build_filename (t->dir, "tmux.conf", NULL);
  t->status = g_build_filename (t->dir, "status", NULL);
  t->pid_file = g_build_filename (t->dir, "player.pid", NULL);
  fail_unless (
      g_file_set_contents (t->config, "set -g status off\n", -1, NULL));
  /* The inner shell writes its process id, then becomes the player. */
  command = g_strdup_printf ("env LC_ALL=C.UTF-8 GST_PLUGIN_PATH_1_0='%s' "
                             "GST_REGISTRY_1_0='%s/registry.bin' %s "
                             "sh -c 'echo $$ > \"$0\"; exec \"$@\"' '%s' "
                             "gst-launch-1.0 -e -q --no-position %s "
                             "2> '%s/gst-launch.log'; echo $? > '%s'; "
                             "exec tail --pid=%d -f /dev/null",
      plugin_path != NULL ? plugin_path : "", t->dir, preload, t->pid_file,
      launch, t->dir, t->status, (gint) getpid ());
  {
    const gchar *args[] = { "new-session", "-d", "-s", "player", "-x", "100",
      "-y", "30", command, NULL };

    g_free (tmux_run (t, args));
  }
  /* The server daemonizes: make sure it goes when the test goes. */
  pid = tmux_format (t, "#{pid}");
  onair_check_track_child ((GPid) atoi (pid));
  g_free (pid);
  g_free (command);
  g_free (preload);
  return t;
}

static void
tmux_stop (Tmux *t)
{
  const gchar *args[] = { "kill-server", NULL };

  g_free (tmux_run (t, args));
  g_free (t->dir);
  g_free (t->socket);
  g_free (t->config);
  g_free (t->status);
  g_free (t->pid_file);
  g_free (t);
}

/* Ends the player's stream as ^C would: gst-launch-1.0 -e sends EOS. */
static void
tmux_interrupt_player (Tmux *t)
{
  gchar *text = NULL;
  gint pid;

  fail_unless (g_file_get_contents (t->pid_file, &text, NULL, NULL)
          && g_str_has_suffix (text, "\n"),
      "the player wrote no process id");
  pid = atoi (text);
  fail_unless (pid > 0, "player process id \"%s\"", text);
  fail_unless (kill (pid, SIGINT) == 0, "cannot interrupt the player: %s",
      g_strerror (errno));
  g_free (text);
}

static gboolean
format_is (Tmux *t, const gchar *format, const gchar *value)
{
  gchar *v = tmux_format (t, format);
  gboolean same = strcmp (v, value) == 0;

  g_free (v);
  return same;
}

typedef struct {
  Tmux *tmux;
  const gchar *first_row;
  gboolean saw_hidden_cursor;
} Playing;

/* While the picture is on screen and the player runs (it runs until
 * tmux_interrupt_player()), the cursor is hidden. */
static gboolean
picture_shown (gpointer user_data)
{
  Playing *p = user_data;
  const gchar *args[] = { "capture-pane", "-p", "-t", "player", "-S", "0", "-E",
    "0", NULL };
  gchar *row = tmux_run (p->tmux, args);
  gboolean shown = g_str_has_prefix (row, p->first_row);

  if (shown && !g_file_test (p->tmux->status, G_FILE_TEST_EXISTS)
      && format_is (p->tmux, "#{cursor_flag}", "0"))
    p->saw_hidden_cursor = TRUE;
  g_free (row);
  return p->saw_hidden_cursor;
}

static gboolean
player_ended (gpointer user_data)
{
  Tmux *t = user_data;
  gchar *status = NULL;
  gboolean ended;

  /* The shell writes the file, then the newline: wait for the whole. */
  ended = g_file_get_contents (t->status, &status, NULL, NULL)
      && g_str_has_suffix (status, "\n");
  g_free (status);
  return ended;
}

/* The last frame of @encoder_props on the same source, from this process:
 * what the terminal must show. */
static GstBuffer *
reference_frame (const gchar *encoder_props)
{
  gchar *launch = g_strdup_printf ("videotestsrc pattern=smpte75 num-buffers=1 "
                                   "! video/x-raw,format=BGRx,width=320,"
                                   "height=240,framerate=30/1 ! videoscale ! "
                                   "asciivideoenc %s ! appsink name=sink",
      encoder_props);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstSample *sample = NULL;
  GstBuffer *frame = NULL;

  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (TRUE) {
    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (sample == NULL)
      break;
    if (!GST_BUFFER_FLAG_IS_SET (gst_sample_get_buffer (sample),
            GST_BUFFER_FLAG_HEADER))
      gst_buffer_replace (&frame, gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (launch);
  fail_unless (frame != NULL);
  return frame;
}

/* capture-pane -e: the screen's rows with SGR escapes, one per line. */
static Screen *
capture_screen (Tmux *t, guint width, guint height)
{
  const gchar *args[] = { "capture-pane", "-p", "-e", "-t", "player", "-S", "0",
    "-E", "29", NULL };
  gchar *text = tmux_run (t, args);
  gchar **lines = g_strsplit (text, "\n", -1);
  Screen *screen = screen_new (width, height);
  guint i;

  for (i = 0; lines[i] != NULL && i < height; i++) {
    screen->row = i;
    screen->col = 0;
    screen_feed (screen, (const guint8 *) lines[i], strlen (lines[i]));
  }
  fail_if (screen->error, "capture-pane gave what the model cannot read:\n%s",
      text);
  g_strfreev (lines);
  g_free (text);
  return screen;
}

static void
play_and_end (Tmux *t, const gchar *first_row)
{
  Playing playing = { t, first_row, FALSE };
  gchar *status;

  /* The player's start-up includes a plugin scan of its own. */
  onair_check_wait_until (picture_shown, &playing, 60000,
      "the picture on screen with the cursor hidden");
  tmux_interrupt_player (t);
  onair_check_wait_until (player_ended, t, 30000, "gst-launch-1.0 to end");
  fail_unless (g_file_get_contents (t->status, &status, NULL, NULL));
  fail_unless_equals_string (status, "0\n");
  g_free (status);
  /* EOS gave the terminal back: cursor shown, auto-wrap on. */
  fail_unless (format_is (t, "#{cursor_flag}", "1"));
  fail_unless (format_is (t, "#{wrap_flag}", "1"));
}

GST_START_TEST (test_terminal_shows_characters_and_colours)
{
  GstBuffer *cells = reference_frame ("mode=3 columns=80 rows=24");
  Tmux *t = tmux_start (SOURCE "asciivideoenc format=ansi columns=80 "
                               "rows=24 ! fdsink");
  gchar first_row[COLS + 1];
  GstMapInfo map;
  Screen *screen;
  guint x, y;

  gst_buffer_map (cells, &map, GST_MAP_READ);
  fail_unless_equals_int (map.size, 4 + COLS * ROWS * 4);
  for (x = 0; x < COLS; x++)
    first_row[x] = map.data[4 + x * 4];
  first_row[COLS] = '\0';

  play_and_end (t, g_strchomp (first_row));
  screen = capture_screen (t, 100, 30);
  for (y = 0; y < ROWS; y++) {
    for (x = 0; x < COLS; x++) {
      const guint8 *cell = map.data + 4 + (y * COLS + x) * 4;
      ScreenCell *c = screen_cell (screen, y, x);

      /* tmux leaves trailing spaces out of a captured line. */
      if (c->ch[0] == '\0') {
        fail_unless_equals_int (cell[0], ' ');
      } else {
        fail_unless_equals_int (c->ch[0], cell[0]);
      }
      if (cell[0] != ' ') {
        fail_unless_equals_int (c->fg, SCREEN_RGB (cell[1], cell[2], cell[3]));
      }
    }
  }
  /* Nothing drawn right of the picture, and the prompt line below it is
   * where the end left the cursor. */
  for (y = 0; y < ROWS; y++)
    fail_unless_equals_int (screen_cell (screen, y, COLS)->ch[0], '\0');
  fail_unless (format_is (t, "#{cursor_y}", "24"));
  fail_unless (format_is (t, "#{cursor_x}", "0"));
  screen_free (screen);
  gst_buffer_unmap (cells, &map);
  gst_buffer_unref (cells);
  tmux_stop (t);
}

GST_END_TEST;

GST_START_TEST (test_terminal_half_blocks)
{
  GstBuffer *cells = reference_frame ("mode=5 columns=80 rows=48");
  Tmux *t = tmux_start (SOURCE "asciivideoenc format=ansi mode=5 "
                               "half-blocks=true columns=80 rows=24 ! fdsink");
  GstMapInfo map;
  Screen *screen;
  guint x, y;

  gst_buffer_map (cells, &map, GST_MAP_READ);
  play_and_end (t, "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80");
  screen = capture_screen (t, 100, 30);
  for (y = 0; y < ROWS; y++) {
    for (x = 0; x < COLS; x++) {
      const guint8 *top = map.data + 4 + (y * 2 * COLS + x) * 4;
      const guint8 *bottom = top + COLS * 4;
      ScreenCell *c = screen_cell (screen, y, x);

      fail_unless_equals_string (c->ch, "\xe2\x96\x80");
      fail_unless_equals_int (c->fg, SCREEN_RGB (top[1], top[2], top[3]));
      fail_unless_equals_int (c->bg,
          SCREEN_RGB (bottom[1], bottom[2], bottom[3]));
    }
  }
  screen_free (screen);
  gst_buffer_unmap (cells, &map);
  gst_buffer_unref (cells);
  tmux_stop (t);
}

GST_END_TEST;

static Suite *
asciivideoenc_terminal_suite (void)
{
  Suite *s = suite_create ("asciivideoenc-terminal");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_terminal_shows_characters_and_colours);
  tcase_add_test (tc, test_terminal_half_blocks);
  return s;
}

ONAIR_CHECK_MAIN (asciivideoenc_terminal);

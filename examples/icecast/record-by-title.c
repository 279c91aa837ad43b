/* gst-plugins-onair example: records a station, one file per song
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   record-by-title http://localhost:8000/live.mp3 [directory] [seconds]
 *
 * Writes the station's bytes as they come (nothing is decoded or
 * re-encoded) and starts a new file at every title change, named
 * "NNN - Artist - Title.mp3" (.aac, .ogg, .webm from the caps).  icecastsrc
 * sends each title exactly where its metadata block was, so the cut falls
 * on the block, not a network read later.  Stops after @seconds (default:
 * never) or at Ctrl-C.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>

typedef struct {
  gchar *dir;
  const gchar *extension;
  FILE *file;
  guint count;
  gchar *title;
} Recorder;

/* A title as a file name: no path separators, no control characters. */
static gchar *
file_name_for (Recorder *r, const gchar *title)
{
  gchar *clean = g_strdup (title);
  gchar *name, *path;
  gchar *p;

  for (p = clean; *p != '\0'; p++) {
    if (*p == '/' || *p == '\\' || (guchar) *p < 0x20)
      *p = '_';
  }
  name = g_strdup_printf ("%03u - %s.%s", ++r->count, clean, r->extension);
  path = g_build_filename (r->dir, name, NULL);
  g_free (name);
  g_free (clean);
  return path;
}

static void
start_file (Recorder *r, const gchar *title)
{
  gchar *path = file_name_for (r, title);

  if (r->file != NULL)
    fclose (r->file);
  r->file = fopen (path, "wb");
  if (r->file == NULL)
    g_printerr ("cannot write %s\n", path);
  else
    g_print ("recording %s\n", path);
  g_free (path);
}

static const gchar *
extension_for (GstCaps *caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gint version = 0;

  if (gst_structure_has_name (s, "audio/mpeg")) {
    gst_structure_get_int (s, "mpegversion", &version);
    return version == 1 ? "mp3" : "aac";
  }
  if (gst_structure_has_name (s, "application/ogg"))
    return "ogg";
  if (g_str_has_suffix (gst_structure_get_name (s), "/webm"))
    return "webm";
  return "bin";
}

/* Runs in the streaming thread, in stream order: a title event comes
 * before the first byte of its song. */
static GstPadProbeReturn
on_data (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Recorder *r = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    GstMapInfo map;

    if (r->file == NULL)
      start_file (r, "before the first title");
    if (r->file != NULL && gst_buffer_map (buffer, &map, GST_MAP_READ)) {
      fwrite (map.data, 1, map.size, r->file);
      gst_buffer_unmap (buffer, &map);
    }
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      r->extension = extension_for (caps);
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_TAG) {
      GstTagList *tags;
      gchar *artist = NULL, *title = NULL, *now;

      gst_event_parse_tag (event, &tags);
      if (gst_tag_list_get_string (tags, GST_TAG_TITLE, &title)) {
        gst_tag_list_get_string (tags, GST_TAG_ARTIST, &artist);
        now = artist != NULL ? g_strdup_printf ("%s - %s", artist, title)
                             : g_strdup (title);
        if (g_strcmp0 (now, r->title) != 0) {
          start_file (r, now);
          g_free (r->title);
          r->title = now;
        } else {
          g_free (now);
        }
      }
      g_free (artist);
      g_free (title);
    }
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
on_message (GstBus *bus, GstMessage *msg, gpointer data)
{
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    g_printerr ("error: %s\n", error->message);
    g_clear_error (&error);
    g_main_loop_quit (data);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    g_main_loop_quit (data);
  }
  return TRUE;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  Recorder r = { NULL, "bin", NULL, 0, NULL };
  GstElement *pipeline, *src, *sink;
  GstPad *pad;
  GMainLoop *loop;
  GstBus *bus;

  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s LOCATION [directory] [seconds]\n", argv[0]);
    return 2;
  }
  r.dir = g_strdup (argc > 2 ? argv[2] : ".");
  pipeline = gst_parse_launch ("icecastsrc name=src ! fakesink name=sink "
                               "sync=false",
      NULL);
  if (pipeline == NULL) {
    g_printerr ("icecastsrc not found: set GST_PLUGIN_PATH or install it\n");
    return 1;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "location", argv[1], NULL);
  gst_object_unref (src);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_data,
      &r, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);

  loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_message, loop);
  if (argc > 3)
    g_timeout_add_seconds (atoi (argv[3]), quit, loop);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (r.file != NULL)
    fclose (r.file);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_main_loop_unref (loop);
  g_free (r.title);
  g_free (r.dir);
  return 0;
}

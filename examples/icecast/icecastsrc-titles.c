/* gst-plugins-onair example: prints what a station plays, as it changes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   icecastsrc-titles http://localhost:8000/live.mp3 [seconds]
 *
 * Listens with icecastsrc (without decoding: fakesink takes the bytes) and
 * prints the station once, every new title, and every drop and recovery of
 * the connection.  Stops after @seconds (default: never) or at Ctrl-C.
 */
#include <stdlib.h>

#include <gst/gst.h>

static void
print_station (const GstTagList *tags)
{
  const gchar *name = NULL, *genre = NULL;
  guint bitrate = 0;

  if (gst_tag_list_peek_string_index (tags, GST_TAG_ORGANIZATION, 0, &name))
    g_print ("station: %s\n", name);
  if (gst_tag_list_peek_string_index (tags, GST_TAG_GENRE, 0, &genre))
    g_print ("genre:   %s\n", genre);
  if (gst_tag_list_get_uint (tags, GST_TAG_NOMINAL_BITRATE, &bitrate))
    g_print ("bitrate: %u kbit/s\n", bitrate / 1000);
}

static gboolean
on_message (GstBus *bus, GstMessage *msg, gpointer data)
{
  static gboolean station_shown;
  static gchar *last;
  GMainLoop *loop = data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_TAG: {
      GstTagList *tags;
      gchar *artist = NULL, *title = NULL, *now;

      gst_message_parse_tag (msg, &tags);
      if (!station_shown) {
        print_station (tags);
        station_shown = TRUE;
      }
      if (gst_tag_list_get_string (tags, GST_TAG_TITLE, &title)) {
        gst_tag_list_get_string (tags, GST_TAG_ARTIST, &artist);
        now = artist != NULL ? g_strdup_printf ("%s - %s", artist, title)
                             : g_strdup (title);
        /* The tags repeat the station with each title: print changes. */
        if (g_strcmp0 (now, last) != 0) {
          g_print ("now playing: %s\n", now);
          g_free (last);
          last = now;
        } else {
          g_free (now);
        }
      }
      g_free (artist);
      g_free (title);
      gst_tag_list_unref (tags);
      break;
    }
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure (msg);

      if (gst_structure_has_name (s, "icecast-disconnected"))
        g_print ("(connection: %s)\n", gst_structure_get_string (s, "reason"));
      else if (gst_structure_has_name (s, "icecast-connected"))
        g_print ("(connected to %s)\n", gst_structure_get_string (s, "mount"));
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError *error = NULL;

      gst_message_parse_error (msg, &error, NULL);
      g_printerr ("error: %s\n", error->message);
      g_clear_error (&error);
      g_main_loop_quit (loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_main_loop_quit (loop);
      break;
    default:
      break;
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
  GstElement *pipeline, *src;
  GMainLoop *loop;
  GstBus *bus;

  gst_init (&argc, &argv);
  if (argc < 2) {
    g_printerr ("usage: %s LOCATION [seconds]\n", argv[0]);
    return 2;
  }
  pipeline =
      gst_parse_launch ("icecastsrc name=src ! fakesink sync=false", NULL);
  if (pipeline == NULL) {
    g_printerr ("icecastsrc not found: set GST_PLUGIN_PATH or install it\n");
    return 1;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "location", argv[1], NULL);
  gst_object_unref (src);

  loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_message, loop);
  if (argc > 2)
    g_timeout_add_seconds (atoi (argv[2]), quit, loop);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_main_loop_unref (loop);
  return 0;
}

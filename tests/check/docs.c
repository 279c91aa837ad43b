/* gst-plugins-onair: every element's docs page names everything that
 * gst-inspect-1.0 shows of it, so the docs cannot drift from the code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"

#include <string.h>

/* Types whose properties and signals belong to GStreamer itself: a page
 * documents what the element adds on top of them. */
static const gchar *const gstreamer_base_types[] = { "GObject",
  "GInitiallyUnowned", "GstObject", "GstElement", "GstBin", "GstPipeline",
  "GstPad", "GstBaseSink", "GstBaseSrc", "GstPushSrc", "GstBaseTransform",
  "GstBaseParse", "GstAggregator", "GstAggregatorPad", "GstVideoEncoder",
  "GstVideoDecoder", "GstVideoFilter", "GstAudioEncoder", "GstAudioDecoder",
  "GstAudioFilter", "GstAudioBaseSink", "GstAudioSink", "GstAudioBaseSrc",
  "GstAudioSrc", NULL };

static gboolean
is_gstreamer_base_type (GType type)
{
  return g_strv_contains (gstreamer_base_types, g_type_name (type));
}

/* TRUE when @word stands in @text on its own, not inside a longer name. */
static gboolean
text_mentions (const gchar *text, const gchar *word)
{
  gsize len = strlen (word);
  const gchar *p = text;

  while ((p = strstr (p, word)) != NULL) {
    gboolean starts =
        p == text || !(g_ascii_isalnum (p[-1]) || p[-1] == '-' || p[-1] == '_');
    gboolean ends =
        !(g_ascii_isalnum (p[len]) || p[len] == '-' || p[len] == '_');

    if (starts && ends)
      return TRUE;
    p += len;
  }
  return FALSE;
}

static void
check_type_names (GType type, const gchar *text, const gchar *what,
    GPtrArray *missing)
{
  GType t;

  for (t = type; t != 0 && !is_gstreamer_base_type (t); t = g_type_parent (t)) {
    GObjectClass *klass = g_type_class_ref (t);
    GParamSpec **props;
    guint n, i, *ids;

    props = g_object_class_list_properties (klass, &n);
    for (i = 0; i < n; i++) {
      if (props[i]->owner_type == t && !text_mentions (text, props[i]->name))
        g_ptr_array_add (missing,
            g_strdup_printf ("%s property \"%s\"", what, props[i]->name));
    }
    g_free (props);

    ids = g_signal_list_ids (t, &n);
    for (i = 0; i < n; i++) {
      const gchar *name = g_signal_name (ids[i]);

      if (!text_mentions (text, name))
        g_ptr_array_add (missing,
            g_strdup_printf ("%s signal \"%s\"", what, name));
    }
    g_free (ids);
    g_type_class_unref (klass);
  }
}

/* Lists what @factory registers that @text does not mention. */
static GPtrArray *
docs_missing (GstElementFactory *factory, const gchar *text)
{
  GPtrArray *missing = g_ptr_array_new_with_free_func (g_free);
  GstElementClass *klass;
  GList *l;

  factory = GST_ELEMENT_FACTORY (
      gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory)));
  fail_unless (factory != NULL);
  check_type_names (gst_element_factory_get_element_type (factory), text,
      "element", missing);

  klass = g_type_class_ref (gst_element_factory_get_element_type (factory));
  for (l = gst_element_class_get_pad_template_list (klass); l; l = l->next) {
    GstPadTemplate *templ = l->data;
    GType pad_type = GST_PAD_TEMPLATE_GTYPE (templ);

    if (!text_mentions (text, GST_PAD_TEMPLATE_NAME_TEMPLATE (templ)))
      g_ptr_array_add (missing,
          g_strdup_printf ("pad template \"%s\"",
              GST_PAD_TEMPLATE_NAME_TEMPLATE (templ)));
    if (pad_type != G_TYPE_NONE && pad_type != GST_TYPE_PAD)
      check_type_names (pad_type, text, "pad", missing);
  }
  g_type_class_unref (klass);
  gst_object_unref (factory);
  return missing;
}

static gchar *
join_missing (GPtrArray *missing)
{
  g_ptr_array_add (missing, NULL);
  return g_strjoinv (", ", (gchar **) missing->pdata);
}

/* The check itself must be able to fail: a page about tee that leaves out one
 * of its properties is caught, and the complete page is not. */
GST_START_TEST (test_checker_catches_a_missing_property)
{
  GstElementFactory *tee = gst_element_factory_find ("tee");
  const gchar *complete =
      "tee: src_%u and sink pads; properties num-src-pads,"
      " has-chain, silent, last-message, pull-mode, alloc-pad,"
      " allow-not-linked.";
  const gchar *incomplete =
      "tee: src_%u and sink pads; properties"
      " num-src-pads, has-chain, silent, last-message, pull-mode, alloc-pad.";
  GPtrArray *missing;

  fail_unless (tee != NULL);

  missing = docs_missing (tee, complete);
  fail_unless_equals_int (missing->len, 0);
  g_ptr_array_unref (missing);

  missing = docs_missing (tee, incomplete);
  fail_unless_equals_int (missing->len, 1);
  fail_unless_equals_string (g_ptr_array_index (missing, 0),
      "element property \"allow-not-linked\"");
  g_ptr_array_unref (missing);

  /* A longer name does not count as a mention of a shorter one. */
  missing = docs_missing (tee,
      "src_%u sink num-src-pads has-chain-x silent"
      " last-message pull-mode alloc-pad allow-not-linked");
  fail_unless_equals_int (missing->len, 1);
  g_ptr_array_unref (missing);

  gst_object_unref (tee);
}

GST_END_TEST;

static gchar *
read_doc (const gchar *name)
{
  gchar *path =
      g_build_filename (g_getenv ("ONAIR_SOURCE_ROOT"), "docs", name, NULL);
  gchar *text = NULL;

  g_file_get_contents (path, &text, NULL, NULL);
  g_free (path);
  return text;
}

GST_START_TEST (test_every_element_is_documented)
{
  const gchar *list = g_getenv ("ONAIR_PLUGINS");
  gchar **paths = g_strsplit (list != NULL ? list : "", ":", -1);
  gchar *index = read_doc ("index.md");
  guint i, elements = 0;

  fail_unless (index != NULL, "docs/index.md is missing");

  for (i = 0; paths[i] != NULL; i++) {
    GstPlugin *plugin;
    GList *features, *l;
    GError *error = NULL;

    if (*paths[i] == '\0')
      continue;
    plugin = gst_plugin_load_file (paths[i], &error);
    fail_unless (plugin != NULL, "cannot load %s: %s", paths[i],
        error != NULL ? error->message : "?");

    features = gst_registry_get_feature_list_by_plugin (gst_registry_get (),
        gst_plugin_get_name (plugin));
    for (l = features; l != NULL; l = l->next) {
      const gchar *name = GST_OBJECT_NAME (l->data);
      gchar *page, *text, *problems;
      GPtrArray *missing;

      if (!GST_IS_ELEMENT_FACTORY (l->data))
        continue;
      page = g_strdup_printf ("%s.md", name);
      text = read_doc (page);
      fail_unless (text != NULL, "element %s has no page docs/%s", name, page);
      fail_unless (text_mentions (index, page),
          "docs/index.md does not link docs/%s", page);

      missing = docs_missing (GST_ELEMENT_FACTORY (l->data), text);
      if (missing->len > 0) {
        problems = join_missing (missing);
        fail ("docs/%s does not mention: %s", page, problems);
        g_free (problems);
      }
      g_ptr_array_unref (missing);
      g_free (text);
      g_free (page);
      elements++;
    }
    gst_plugin_feature_list_free (features);
    gst_object_unref (plugin);
  }
  GST_INFO ("%u elements checked against their docs pages", elements);
  g_free (index);
  g_strfreev (paths);
}

GST_END_TEST;

static Suite *
docs_suite (void)
{
  Suite *s = suite_create ("docs");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_checker_catches_a_missing_property);
  tcase_add_test (tc, test_every_element_is_documented);
  return s;
}

ONAIR_CHECK_MAIN (docs);

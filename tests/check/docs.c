/* gst-plugins-onair: every element's docs page names everything that
 * gst-inspect-1.0 shows of it, and lists the fields and types of every
 * structure the element hands the application, so the docs cannot drift
 * from the code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two checks.  The names: each property, signal and pad template the element
 * registers must be mentioned on its page.  The structures: each element runs
 * in short real pipelines that make it produce everything it can hand an
 * application (its `stats`, every element message it posts, the details of
 * its warnings and errors), and each structure it produced is compared, field
 * by field and type by type, with the fields table of the same name on the
 * page, both ways: a field the element has and the page lacks, a field the
 * page lists and the element lacks, a type that differs, a structure with no
 * table, and a table of a structure the runs never produced all fail.
 *
 * A fields table is a Markdown table whose header is
 * `| field | type | meaning |`; it belongs to the nearest heading above it,
 * which starts with the structure's name in backticks.  Each row holds one
 * field name in backticks and its type as GLib names it (`guint`, `gint`,
 * `guint64`, `gboolean`, `gdouble`), `string`, `GstStructure`, or
 * `GstValueArray` of `<structure name>`.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "icecast-service.h"

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
join_problems (GPtrArray *problems)
{
  GString *text = g_string_new (NULL);
  guint i;

  for (i = 0; i < problems->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "; " : "",
        (const gchar *) g_ptr_array_index (problems, i));
  return g_string_free (text, FALSE);
}

static void
add_problem (GPtrArray *problems, gchar *problem)
{
  if (g_ptr_array_find_with_equal_func (problems, problem, g_str_equal, NULL))
    g_free (problem);
  else
    g_ptr_array_add (problems, problem);
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

/* Calls @fn for every element factory of the plugins this build made. */
static guint
foreach_built_element (void (*fn) (GstElementFactory *factory, gpointer data),
    gpointer data)
{
  const gchar *list = g_getenv ("ONAIR_PLUGINS");
  gchar **paths = g_strsplit (list != NULL ? list : "", ":", -1);
  guint i, elements = 0;

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
      if (!GST_IS_ELEMENT_FACTORY (l->data))
        continue;
      fn (GST_ELEMENT_FACTORY (l->data), data);
      elements++;
    }
    gst_plugin_feature_list_free (features);
    gst_object_unref (plugin);
  }
  g_strfreev (paths);
  return elements;
}

static void
check_element_names (GstElementFactory *factory, gpointer data)
{
  const gchar *index = data;
  const gchar *name = GST_OBJECT_NAME (factory);
  gchar *page = g_strdup_printf ("%s.md", name);
  gchar *text = read_doc (page);
  GPtrArray *missing;

  fail_unless (text != NULL, "element %s has no page docs/%s", name, page);
  fail_unless (text_mentions (index, page),
      "docs/index.md does not link docs/%s", page);

  missing = docs_missing (factory, text);
  if (missing->len > 0) {
    gchar *problems = join_problems (missing);

    fail ("docs/%s does not mention: %s", page, problems);
    g_free (problems);
  }
  g_ptr_array_unref (missing);
  g_free (text);
  g_free (page);
}

GST_START_TEST (test_every_element_is_documented)
{
  gchar *index = read_doc ("index.md");
  guint elements;

  fail_unless (index != NULL, "docs/index.md is missing");
  elements = foreach_built_element (check_element_names, index);
  GST_INFO ("%u elements checked against their docs pages", elements);
  g_free (index);
}

GST_END_TEST;

/* The fields tables of a page */

typedef struct {
  gchar *name;
  gchar *type;
} PageField;

typedef struct {
  gchar *name;
  guint line;
  GPtrArray *fields; /* PageField, in page order */
} PageStructure;

static void
page_field_free (PageField *f)
{
  g_free (f->name);
  g_free (f->type);
  g_free (f);
}

static void
page_structure_free (PageStructure *s)
{
  g_free (s->name);
  g_ptr_array_unref (s->fields);
  g_free (s);
}

static const PageField *
page_structure_field (const PageStructure *s, const gchar *name)
{
  guint i;

  for (i = 0; i < s->fields->len; i++) {
    const PageField *f = g_ptr_array_index (s->fields, i);

    if (g_str_equal (f->name, name))
      return f;
  }
  return NULL;
}

/* The name in backticks that @text starts with, or NULL. */
static gchar *
leading_code_name (const gchar *text)
{
  const gchar *end;

  while (*text == ' ')
    text++;
  if (*text != '`' || (end = strchr (text + 1, '`')) == NULL || end == text + 1)
    return NULL;
  return g_strndup (text + 1, end - text - 1);
}

/* A table cell without its backticks, spaces run together: "`GstValueArray`
 * of `x`" reads "GstValueArray of x". */
static gchar *
plain_cell (const gchar *cell)
{
  gchar **words = g_strsplit_set (cell, " `", -1);
  GPtrArray *kept = g_ptr_array_new ();
  gchar *plain;
  guint i;

  for (i = 0; words[i] != NULL; i++) {
    if (*words[i] != '\0')
      g_ptr_array_add (kept, words[i]);
  }
  g_ptr_array_add (kept, NULL);
  plain = g_strjoinv (" ", (gchar **) kept->pdata);
  g_ptr_array_unref (kept);
  g_strfreev (words);
  return plain;
}

static gboolean
is_fields_header (const gchar *line)
{
  gchar *plain = plain_cell (line);
  gboolean is = g_str_has_prefix (plain, "| field | type |");

  g_free (plain);
  return is;
}

/* Reads the row of a fields table on @line (numbered @line_no) into @s. */
static void
read_field_row (PageStructure *s, const gchar *page, guint line_no,
    const gchar *line, GPtrArray *problems)
{
  gchar **cells = g_strsplit (line, "|", -1);
  gchar *name = NULL, *stripped;
  PageField *f;

  /* "| `name` | type | meaning |" splits into "", name, type, ... */
  if (g_strv_length (cells) < 4) {
    add_problem (problems,
        g_strdup_printf ("docs/%s:%u: a row of `%s` without a type", page,
            line_no, s->name));
    goto out;
  }
  stripped = g_strstrip (cells[1]);
  name = leading_code_name (stripped);
  if (name == NULL || strlen (name) + 2 != strlen (stripped)) {
    add_problem (problems,
        g_strdup_printf ("docs/%s:%u: a row of `%s` must hold one field name "
                         "in backticks, not \"%s\"",
            page, line_no, s->name, stripped));
    goto out;
  }
  if (page_structure_field (s, name) != NULL) {
    add_problem (problems,
        g_strdup_printf ("docs/%s:%u: `%s` lists `%s` twice", page, line_no,
            s->name, name));
    goto out;
  }
  f = g_new0 (PageField, 1);
  f->name = g_steal_pointer (&name);
  f->type = plain_cell (cells[2]);
  g_ptr_array_add (s->fields, f);
out:
  g_free (name);
  g_strfreev (cells);
}

/* Every fields table of @text (the page @page), by structure name.  A table
 * under a heading that names no structure, or a second table of the same
 * structure, is a problem. */
static GHashTable *
page_structures (const gchar *page, const gchar *text, GPtrArray *problems)
{
  GHashTable *all = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) page_structure_free);
  gchar **lines = g_strsplit (text, "\n", -1);
  gchar *heading_name = NULL;
  gboolean in_code = FALSE;
  guint i;

  for (i = 0; lines[i] != NULL; i++) {
    const gchar *line = lines[i];
    PageStructure *s;

    if (g_str_has_prefix (line + strspn (line, " "), "```"))
      in_code = !in_code;
    if (in_code)
      continue;
    if (*line == '#') {
      g_free (heading_name);
      heading_name = leading_code_name (line + strspn (line, "#"));
      continue;
    }
    if (!is_fields_header (line))
      continue;

    if (heading_name == NULL) {
      add_problem (problems,
          g_strdup_printf ("docs/%s:%u: a fields table under a heading that "
                           "does not start with a structure name in backticks",
              page, i + 1));
      continue;
    }
    if (g_hash_table_contains (all, heading_name)) {
      add_problem (problems,
          g_strdup_printf ("docs/%s:%u: a second fields table of `%s`", page,
              i + 1, heading_name));
      continue;
    }
    s = g_new0 (PageStructure, 1);
    s->name = g_strdup (heading_name);
    s->line = i + 1;
    s->fields =
        g_ptr_array_new_with_free_func ((GDestroyNotify) page_field_free);
    g_hash_table_insert (all, s->name, s);
    /* The header, the |---| line, then one row per field. */
    if (lines[++i] == NULL)
      break;
    while (lines[i + 1] != NULL && g_str_has_prefix (lines[i + 1], "|")) {
      i++;
      read_field_row (s, page, i + 1, lines[i], problems);
    }
  }
  g_free (heading_name);
  g_strfreev (lines);
  return all;
}

/* Comparing the structures an element produced with its page */

/* The type of @value as a page writes it. */
static gchar *
page_type_name (const GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_STRING)
    return g_strdup ("string");
  if (type == GST_TYPE_ARRAY) {
    const GValue *first;

    if (gst_value_array_get_size (value) == 0)
      return g_strdup ("GstValueArray of nothing (the run left it empty)");
    first = gst_value_array_get_value (value, 0);
    if (G_VALUE_TYPE (first) == GST_TYPE_STRUCTURE)
      return g_strdup_printf ("GstValueArray of %s",
          gst_structure_get_name (gst_value_get_structure (first)));
    return g_strdup_printf ("GstValueArray of %s",
        g_type_name (G_VALUE_TYPE (first)));
  }
  return g_strdup (g_type_name (type));
}

static void compare_structure (const gchar *page, GHashTable *documented,
    const GstStructure *s, GHashTable *produced, GPtrArray *problems);

/* Structures inside @value (a structure, or an array of them) are compared
 * too: their names must have tables of their own. */
static void
compare_nested (const gchar *page, GHashTable *documented, const GValue *value,
    GHashTable *produced, GPtrArray *problems)
{
  guint i;

  if (G_VALUE_TYPE (value) == GST_TYPE_STRUCTURE) {
    compare_structure (page, documented, gst_value_get_structure (value),
        produced, problems);
  } else if (G_VALUE_TYPE (value) == GST_TYPE_ARRAY) {
    for (i = 0; i < gst_value_array_get_size (value); i++)
      compare_nested (page, documented, gst_value_array_get_value (value, i),
          produced, problems);
  }
}

/* Compares @s with its table in @documented; its name goes into @produced. */
static void
compare_structure (const gchar *page, GHashTable *documented,
    const GstStructure *s, GHashTable *produced, GPtrArray *problems)
{
  const gchar *name = gst_structure_get_name (s);
  const PageStructure *doc = g_hash_table_lookup (documented, name);
  guint i, n = gst_structure_n_fields (s);

  g_hash_table_add (produced, g_strdup (name));
  if (doc == NULL) {
    GString *fields = g_string_new (NULL);

    for (i = 0; i < n; i++) {
      const gchar *field = gst_structure_nth_field_name (s, i);
      gchar *type = page_type_name (gst_structure_get_value (s, field));

      g_string_append_printf (fields, "%s`%s` (%s)", i > 0 ? ", " : "", field,
          type);
      g_free (type);
    }
    add_problem (problems,
        g_strdup_printf ("docs/%s has no fields table of `%s`, which the "
                         "element produced with %s",
            page, name, fields->len > 0 ? fields->str : "no fields"));
    g_string_free (fields, TRUE);
    return;
  }

  for (i = 0; i < n; i++) {
    const gchar *field = gst_structure_nth_field_name (s, i);
    const GValue *value = gst_structure_get_value (s, field);
    const PageField *f = page_structure_field (doc, field);
    gchar *type = page_type_name (value);

    if (f == NULL)
      add_problem (problems,
          g_strdup_printf ("docs/%s:%u: `%s` lacks the field `%s` (%s) that "
                           "the element sets",
              page, doc->line, name, field, type));
    else if (!g_str_equal (f->type, type))
      add_problem (problems,
          g_strdup_printf ("docs/%s:%u: `%s` field `%s` is %s on the page, "
                           "%s in the element",
              page, doc->line, name, field, f->type, type));
    g_free (type);
    compare_nested (page, documented, value, produced, problems);
  }
  for (i = 0; i < doc->fields->len; i++) {
    const PageField *f = g_ptr_array_index (doc->fields, i);

    if (!gst_structure_has_field (s, f->name))
      add_problem (problems,
          g_strdup_printf ("docs/%s:%u: `%s` lists the field `%s`, which the "
                           "element does not set",
              page, doc->line, name, f->name));
  }
}

/* Compares every structure of @produced_list with the fields tables of
 * @text, and the other way round; returns the problems found. */
static GPtrArray *
structures_mismatch (const gchar *page, const gchar *text,
    GPtrArray *produced_list)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func (g_free);
  GHashTable *documented = page_structures (page, text, problems);
  GHashTable *produced =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  PageStructure *doc;
  guint i;

  for (i = 0; i < produced_list->len; i++)
    compare_structure (page, documented, g_ptr_array_index (produced_list, i),
        produced, problems);

  g_hash_table_iter_init (&iter, documented);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &doc)) {
    if (!g_hash_table_contains (produced, doc->name))
      add_problem (problems,
          g_strdup_printf ("docs/%s:%u: a fields table of `%s`, which the "
                           "element never produced",
              page, doc->line, doc->name));
  }
  g_hash_table_unref (produced);
  g_hash_table_unref (documented);
  return problems;
}

static GstStructure *
structure_from_string (const gchar *text)
{
  GstStructure *s = gst_structure_from_string (text, NULL);

  fail_unless (s != NULL, "%s", text);
  return s;
}

/* The comparison must fail in each direction, and only there. */
GST_START_TEST (test_field_checker_catches_each_direction)
{
  const gchar *page =
      "# demo\n\n"
      "### `demo-stats`\n\n"
      "| field | type | meaning |\n"
      "|---|---|---|\n"
      "| `count` | guint64 | frames |\n"
      "| `state` | string | a state |\n"
      "| `pads` | `GstValueArray` of `demo-pad` | one per pad |\n\n"
      "#### `demo-pad` inside it\n\n"
      "| field | type | meaning |\n"
      "|---|---|---|\n"
      "| `pad` | string | its name |\n\n"
      "```\n| field | type | meaning |\n```\n";
  const gchar *stats = "demo-stats, count=(guint64)3, state=(string)on, "
                       "pads=(structure)< \"demo-pad\\,\\ pad\\=src_0\\;\" >";
  GPtrArray *produced =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  GPtrArray *problems;
  gchar *text;

  /* In step. */
  g_ptr_array_add (produced, structure_from_string (stats));
  problems = structures_mismatch ("demo.md", page, produced);
  fail_unless_equals_int (problems->len, 0);
  g_ptr_array_unref (problems);

  /* A field the element sets and the page lacks, and a type that differs. */
  gst_structure_set (g_ptr_array_index (produced, 0), "extra", G_TYPE_UINT, 1,
      "count", G_TYPE_INT, 3, NULL);
  problems = structures_mismatch ("demo.md", page, produced);
  fail_unless_equals_int (problems->len, 2);
  fail_unless_equals_string (g_ptr_array_index (problems, 0),
      "docs/demo.md:5: `demo-stats` field `count` is guint64 on the page, "
      "gint in the element");
  fail_unless_equals_string (g_ptr_array_index (problems, 1),
      "docs/demo.md:5: `demo-stats` lacks the field `extra` (guint) that the "
      "element sets");
  g_ptr_array_unref (problems);

  /* A field the page lists and the element does not set; a nested
   * structure's field counts the same. */
  g_ptr_array_set_size (produced, 0);
  g_ptr_array_add (produced,
      structure_from_string ("demo-stats, count=(guint64)3, "
                             "pads=(structure)< \"demo-pad\\,\\ "
                             "pad\\=src_0\\,\\ lag\\=(guint64)0\\;\" >"));
  problems = structures_mismatch ("demo.md", page, produced);
  fail_unless_equals_int (problems->len, 2);
  fail_unless_equals_string (g_ptr_array_index (problems, 0),
      "docs/demo.md:13: `demo-pad` lacks the field `lag` (guint64) that the "
      "element sets");
  fail_unless_equals_string (g_ptr_array_index (problems, 1),
      "docs/demo.md:5: `demo-stats` lists the field `state`, which the "
      "element does not set");
  g_ptr_array_unref (problems);

  /* A structure without a table, and a table of a structure never seen
   * (the empty array leaves `demo-pad` unseen). */
  g_ptr_array_set_size (produced, 0);
  g_ptr_array_add (produced,
      structure_from_string ("demo-stats, count=(guint64)3, state=(string)on, "
                             "pads=(structure)< >"));
  g_ptr_array_add (produced, structure_from_string ("demo-joined, pad=src_0"));
  problems = structures_mismatch ("demo.md", page, produced);
  text = join_problems (problems);
  GST_INFO ("%s", text);
  fail_unless (strstr (text,
                   "`pads` is GstValueArray of demo-pad on the page, "
                   "GstValueArray of nothing")
      != NULL);
  fail_unless (strstr (text,
                   "docs/demo.md has no fields table of "
                   "`demo-joined`, which the element produced")
      != NULL);
  fail_unless (strstr (text,
                   "docs/demo.md:13: a fields table of `demo-pad`, "
                   "which the element never produced")
      != NULL);
  g_free (text);
  g_ptr_array_unref (problems);

  /* A table no heading names is refused rather than skipped. */
  g_ptr_array_set_size (produced, 0);
  g_ptr_array_add (produced, structure_from_string (stats));
  text = g_strconcat (page,
      "\n## Notes\n\n| field | type | meaning |\n"
      "|---|---|---|\n| `x` | guint | y |\n",
      NULL);
  problems = structures_mismatch ("demo.md", text, produced);
  fail_unless_equals_int (problems->len, 1);
  fail_unless_equals_string (g_ptr_array_index (problems, 0),
      "docs/demo.md:23: a fields table under a heading that does not start "
      "with a structure name in backticks");
  g_ptr_array_unref (problems);
  g_free (text);

  g_ptr_array_unref (produced);
}

GST_END_TEST;

/* What an element produced in real pipelines */

typedef struct {
  GMutex lock;
  GCond cond;
  GType type; /* the element under test */
  GPtrArray *structures; /* what instances of it produced */
  GPtrArray *errors; /* ERROR messages of any element, as text */
  guint stats_read;
  gboolean eos;
} Produced;

static void
produced_init (Produced *p, GType type)
{
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->type = type;
  p->structures =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  p->errors = g_ptr_array_new_with_free_func (g_free);
}

static void
produced_clear (Produced *p)
{
  g_ptr_array_unref (p->structures);
  g_ptr_array_unref (p->errors);
  g_cond_clear (&p->cond);
  g_mutex_clear (&p->lock);
}

static void
produced_add (Produced *p, const GstStructure *s)
{
  g_mutex_lock (&p->lock);
  g_ptr_array_add (p->structures, gst_structure_copy (s));
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

/* Sees every message where it is posted, whoever waits on the bus: the
 * element messages, and the details of warnings, errors and infos, of the
 * element under test; errors of any element; EOS. */
static GstBusSyncReply
produced_watch (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Produced *p = user_data;
  gboolean ours = G_TYPE_CHECK_INSTANCE_TYPE (GST_MESSAGE_SRC (msg), p->type);
  const GstStructure *details = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      if (ours && gst_message_get_structure (msg) != NULL)
        produced_add (p, gst_message_get_structure (msg));
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning_details (msg, &details);
      break;
    case GST_MESSAGE_INFO:
      gst_message_parse_info_details (msg, &details);
      break;
    case GST_MESSAGE_ERROR: {
      GError *error = NULL;

      gst_message_parse_error (msg, &error, NULL);
      gst_message_parse_error_details (msg, &details);
      g_mutex_lock (&p->lock);
      g_ptr_array_add (p->errors,
          g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (msg),
              error->message));
      g_cond_broadcast (&p->cond);
      g_mutex_unlock (&p->lock);
      g_error_free (error);
      break;
    }
    case GST_MESSAGE_EOS:
      g_mutex_lock (&p->lock);
      p->eos = TRUE;
      g_cond_broadcast (&p->cond);
      g_mutex_unlock (&p->lock);
      break;
    default:
      break;
  }
  if (ours && details != NULL)
    produced_add (p, details);
  return GST_BUS_PASS;
}

static GstElement *
produced_launch (Produced *p, const gchar *description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstBus *bus;

  fail_unless (pipeline != NULL, "%s: %s", description,
      error != NULL ? error->message : "?");
  g_clear_error (&error);
  bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, produced_watch, p, NULL);
  gst_object_unref (bus);
  return pipeline;
}

static void
produced_play (GstElement *pipeline)
{
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE);
}

static void
produced_stop (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

static gboolean
produced_has_locked (Produced *p, const gchar *name)
{
  guint i;

  if (name == NULL)
    return p->eos;
  for (i = 0; i < p->structures->len; i++) {
    if (gst_structure_has_name (g_ptr_array_index (p->structures, i), name))
      return TRUE;
  }
  return FALSE;
}

/* Waits until a structure named @name was produced (EOS when NULL); an
 * error from any element fails the test. */
static void
produced_wait (Produced *p, const gchar *name, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time ()
      + onair_check_scaled_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  gchar *error = NULL;
  gboolean met;

  g_mutex_lock (&p->lock);
  while (!(met = produced_has_locked (p, name)) && p->errors->len == 0
      && g_cond_wait_until (&p->cond, &p->lock, deadline))
    ;
  met = produced_has_locked (p, name);
  if (!met && p->errors->len > 0)
    error = g_strdup (g_ptr_array_index (p->errors, 0));
  g_mutex_unlock (&p->lock);
  /* An error that comes after what was awaited (a listener's next attempt
   * failing once the station is gone) does not matter. */
  fail_unless (error == NULL, "error before %s: %s",
      name != NULL ? name : "EOS", error);
  fail_unless (met, "no %s within %u ms", name != NULL ? name : "EOS",
      onair_check_scaled_ms (timeout_ms));
}

static void
read_stats (const GValue *item, gpointer user_data)
{
  Produced *p = user_data;
  GObject *element = g_value_get_object (item);
  GstStructure *stats = NULL;

  if (!G_TYPE_CHECK_INSTANCE_TYPE (element, p->type)
      || g_object_class_find_property (G_OBJECT_GET_CLASS (element), "stats")
          == NULL)
    return;
  g_object_get (element, "stats", &stats, NULL);
  fail_unless (stats != NULL, "%s has no stats", GST_OBJECT_NAME (element));
  produced_add (p, stats);
  gst_structure_free (stats);
  p->stats_read++;
}

/* Reads the stats of every element under test in @pipeline. */
static void
produced_read_stats (Produced *p, GstElement *pipeline)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));

  gst_iterator_foreach (it, read_stats, p);
  gst_iterator_free (it);
}

/* The runs: short real pipelines, one-sided generous waits, no timing
 * asserted.  Each makes its element produce every structure its page
 * documents. */

#define WAIT_MS 30000

static void
run_timedtee (Produced *p)
{
  GstElement *pipeline = produced_launch (p,
      "audiotestsrc num-buffers=10 samplesperbuffer=4800 ! "
      "audio/x-raw,rate=48000 ! "
      "timedtee retention=100000000 "
      "max-retention=200000000 overrun-policy=drop ! "
      "fakesink name=out sync=false");
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GstPad *pad = gst_element_get_static_pad (out, "sink");
  gulong hold;

  /* The branch holds its first buffer while upstream runs past
   * max-retention: an overrun, with its warning. */
  hold = gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BLOCK, NULL, NULL, NULL);
  produced_play (pipeline);
  produced_wait (p, "timedtee-joined", WAIT_MS);
  produced_wait (p, "details", WAIT_MS);
  gst_pad_remove_probe (pad, hold);
  produced_wait (p, NULL, WAIT_MS);
  produced_read_stats (p, pipeline);
  gst_object_unref (pad);
  gst_object_unref (out);
  produced_stop (pipeline);
}

static void
run_asciivideoenc (Produced *p)
{
  GstElement *pipeline = produced_launch (p,
      "videotestsrc num-buffers=3 ! "
      "video/x-raw,format=RGB,width=16,height=8 ! "
      "asciivideoenc ! fakesink sync=false");

  produced_play (pipeline);
  produced_wait (p, NULL, WAIT_MS);
  produced_read_stats (p, pipeline);
  produced_stop (pipeline);
}

#define MP3_SOURCE                                                             \
  "audiotestsrc is-live=true ! audioconvert ! lamemp3enc ! mpegaudioparse ! "

static GstElement *
launch_source_client (Produced *p, OnairIcecast *ice, guint16 port,
    const gchar *extra)
{
  gchar *description =
      g_strdup_printf (MP3_SOURCE "%s icecastsink "
                                  "location=icecast://source:%s@127.0.0.1:%u"
                                  "/docs.mp3 reconnect-delay=100000000",
          extra, onair_icecast_source_password (ice), port);
  GstElement *pipeline = produced_launch (p, description);

  g_free (description);
  return pipeline;
}

static void
run_icecastsink (Produced *p)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  GstElement *pipeline = launch_source_client (p, ice, onair_icecast_port (ice),
      "taginject tags=\"title=Docs\" !");

  produced_play (pipeline);
  produced_wait (p, "icecast-connected", WAIT_MS);
  produced_wait (p, "icecast-metadata", WAIT_MS);
  produced_read_stats (p, pipeline);
  produced_stop (pipeline);

  /* Nothing listens on that port: the attempt fails and is retried. */
  pipeline = launch_source_client (p, ice, onair_check_free_port (), "");
  produced_play (pipeline);
  produced_wait (p, "icecast-disconnected", WAIT_MS);
  produced_stop (pipeline);
}

static void
run_icecastsrc (Produced *p)
{
  g_autoptr (OnairIcecast) ice = onair_icecast_start (NULL);
  Produced station;
  GstElement *source, *listener;
  gchar *description;

  /* The station comes from icecastsink; only icecastsrc is looked at. */
  produced_init (&station, GST_TYPE_ELEMENT);
  source = launch_source_client (&station, ice, onair_icecast_port (ice), "");
  produced_play (source);
  onair_icecast_wait_mount (ice, "/docs.mp3", TRUE, WAIT_MS);

  description =
      g_strdup_printf ("icecastsrc location=http://127.0.0.1:%u/docs.mp3 ! "
                       "fakesink sync=false",
          onair_icecast_port (ice));
  listener = produced_launch (p, description);
  g_free (description);
  produced_play (listener);
  produced_wait (p, "icecast-connected", WAIT_MS);
  produced_read_stats (p, listener);

  /* The station stops: the stream ends under the listener. */
  produced_stop (source);
  produced_wait (p, "icecast-disconnected", WAIT_MS);
  produced_stop (listener);
  produced_clear (&station);
}

/* 0.4 s of 24 kHz mono S16LE silence. */
static void
push_speech (GstElement *src)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, 24000 * 2 * 4 / 10, NULL);
  GstFlowReturn flow;

  gst_buffer_memset (buffer, 0, 0, gst_buffer_get_size (buffer));
  g_signal_emit_by_name (src, "push-buffer", buffer, &flow);
  gst_buffer_unref (buffer);
  fail_unless_equals_int (flow, GST_FLOW_OK);
}

static gboolean
tts_is_stalled (gpointer user_data)
{
  GstStructure *stats = NULL;
  gboolean stalled;

  g_object_get (user_data, "stats", &stats, NULL);
  stalled =
      g_strcmp0 (gst_structure_get_string (stats, "state"), "stalled") == 0;
  gst_structure_free (stats);
  return stalled;
}

static void
run_ttsplaysink (Produced *p)
{
  GstElement *pipeline = produced_launch (p,
      "appsrc name=src format=bytes caps=\"audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=24000,channels=1\" ! ttsplaysink name=tts");
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");
  GstElement *out = gst_element_factory_make ("fakesink", NULL);
  GstFlowReturn flow;

  g_object_set (out, "sync", TRUE, NULL);
  g_object_set (tts, "audio-sink", out, NULL);
  produced_play (pipeline);
  push_speech (src);
  produced_wait (p, "ttsplaysink-first-audio", WAIT_MS);
  /* It runs dry in mid-utterance, then resumes: an underrun. */
  onair_check_wait_until (tts_is_stalled, tts, WAIT_MS, "a stall");
  push_speech (src);
  produced_wait (p, "ttsplaysink-underrun", WAIT_MS);
  g_signal_emit_by_name (src, "end-of-stream", &flow);
  produced_wait (p, "ttsplaysink-finished", WAIT_MS);
  produced_wait (p, NULL, WAIT_MS);
  produced_read_stats (p, pipeline);
  gst_object_unref (tts);
  gst_object_unref (src);
  produced_stop (pipeline);
}

static const struct {
  const gchar *element;
  void (*run) (Produced *p);
} runs[] = {
  { "timedtee", run_timedtee },
  { "icecastsink", run_icecastsink },
  { "icecastsrc", run_icecastsrc },
  { "ttsplaysink", run_ttsplaysink },
  { "asciivideoenc", run_asciivideoenc },
};

static void
check_element_has_run (GstElementFactory *factory, gpointer data)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (runs); i++) {
    if (g_str_equal (runs[i].element, GST_OBJECT_NAME (factory)))
      return;
  }
  fail ("docs.c has no run of %s: the structures it produces would go "
        "unchecked",
      GST_OBJECT_NAME (factory));
}

/* A new element cannot leave its structures unchecked. */
GST_START_TEST (test_every_element_has_a_run)
{
  fail_unless (foreach_built_element (check_element_has_run, NULL) > 0);
}

GST_END_TEST;

GST_START_TEST (test_structures_match_the_page)
{
  const gchar *element = runs[__i__].element;
  GstElementFactory *found = gst_element_factory_find (element);
  GstElementFactory *factory;
  GObjectClass *klass;
  gchar *page, *text, *problem_text;
  GPtrArray *problems;
  Produced p;
  GType type;

  if (found == NULL) {
    GST_INFO ("%s is not built", element);
    return;
  }
  factory = GST_ELEMENT_FACTORY (
      gst_plugin_feature_load (GST_PLUGIN_FEATURE (found)));
  gst_object_unref (found);
  fail_unless (factory != NULL);
  type = gst_element_factory_get_element_type (factory);
  page = g_strdup_printf ("%s.md", element);
  text = read_doc (page);
  fail_unless (text != NULL, "no docs/%s", page);

  produced_init (&p, type);
  runs[__i__].run (&p);
  klass = g_type_class_ref (type);
  if (g_object_class_find_property (klass, "stats") != NULL)
    fail_unless (p.stats_read > 0, "the run of %s read no stats", element);
  g_type_class_unref (klass);
  GST_INFO ("%s produced %u structures", element, p.structures->len);

  problems = structures_mismatch (page, text, p.structures);
  problem_text = join_problems (problems);
  fail_unless (problems->len == 0, "%s", problem_text);
  g_free (problem_text);
  g_ptr_array_unref (problems);
  produced_clear (&p);
  g_free (text);
  g_free (page);
  gst_object_unref (factory);
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
  tcase_add_test (tc, test_field_checker_catches_each_direction);
  tcase_add_test (tc, test_every_element_has_a_run);
  tcase_add_loop_test (tc, test_structures_match_the_page, 0,
      G_N_ELEMENTS (runs));
  return s;
}

ONAIR_CHECK_MAIN (docs);

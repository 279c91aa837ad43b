/* gst-plugins-onair: a small JSON reader for the tests' status pages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-json.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <gio/gio.h>

#define MAX_DEPTH 64

typedef struct {
  const gchar *start;
  const gchar *p;
  const gchar *end;
  GError **error;
} Parser;

static GVariant *parse_value (Parser *ps, guint depth);
static void set_error (Parser *ps, const gchar *at, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
set_error (Parser *ps, const gchar *at, const gchar *format, ...)
{
  va_list args;
  gchar *what;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (ps->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
      "invalid JSON at byte %" G_GSIZE_FORMAT ": %s", (gsize) (at - ps->start),
      what);
  g_free (what);
}

/* Names the byte the parser stopped at, so that messages stay readable even
 * when it is a control character or the input simply ended. */
static gchar *
describe_here (Parser *ps)
{
  guchar c;

  if (ps->p >= ps->end)
    return g_strdup ("end of input");
  c = (guchar) *ps->p;
  if (c >= 0x20 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02x", c);
}

static void
unexpected (Parser *ps, const gchar *expected)
{
  gchar *here = describe_here (ps);

  set_error (ps, ps->p, "expected %s, found %s", expected, here);
  g_free (here);
}

static void
skip_whitespace (Parser *ps)
{
  while (ps->p < ps->end
      && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static gboolean
consume (Parser *ps, gchar c)
{
  if (ps->p < ps->end && *ps->p == c) {
    ps->p++;
    return TRUE;
  }
  return FALSE;
}

static gint
hex_value (gchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the four hex digits after "\u"; @ps->p points at the backslash. */
static gboolean
parse_u_escape (Parser *ps, guint *unit)
{
  const gchar *at = ps->p;
  guint value = 0;
  gint i;

  for (i = 2; i < 6; i++) {
    gint digit;

    if (ps->p + i >= ps->end) {
      set_error (ps, at, "truncated \\u escape");
      return FALSE;
    }
    digit = hex_value (ps->p[i]);
    if (digit < 0) {
      set_error (ps, at, "\\u must be followed by four hex digits");
      return FALSE;
    }
    value = value * 16 + digit;
  }
  ps->p += 6;
  *unit = value;
  return TRUE;
}

static gboolean
parse_escape (Parser *ps, GString *out)
{
  const gchar *at = ps->p;
  guint unit, low;

  if (ps->p + 1 >= ps->end) {
    set_error (ps, at, "unterminated string");
    return FALSE;
  }
  switch (ps->p[1]) {
    case '"':
      g_string_append_c (out, '"');
      break;
    case '\\':
      g_string_append_c (out, '\\');
      break;
    case '/':
      g_string_append_c (out, '/');
      break;
    case 'b':
      g_string_append_c (out, '\b');
      break;
    case 'f':
      g_string_append_c (out, '\f');
      break;
    case 'n':
      g_string_append_c (out, '\n');
      break;
    case 'r':
      g_string_append_c (out, '\r');
      break;
    case 't':
      g_string_append_c (out, '\t');
      break;
    case 'u':
      if (!parse_u_escape (ps, &unit))
        return FALSE;
      if (unit >= 0xdc00 && unit <= 0xdfff) {
        set_error (ps, at, "low surrogate \\u%04x without a high one", unit);
        return FALSE;
      }
      if (unit >= 0xd800 && unit <= 0xdbff) {
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
          set_error (ps, at, "lone high surrogate \\u%04x", unit);
          return FALSE;
        }
        if (!parse_u_escape (ps, &low))
          return FALSE;
        if (low < 0xdc00 || low > 0xdfff) {
          set_error (ps, at, "high surrogate followed by \\u%04x", low);
          return FALSE;
        }
        unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
      }
      /* A GVariant string cannot hold NUL: refuse rather than truncate. */
      if (unit == 0) {
        set_error (ps, at, "\\u0000 cannot be represented");
        return FALSE;
      }
      g_string_append_unichar (out, unit);
      return TRUE;
    default:
      set_error (ps, at, "invalid escape sequence");
      return FALSE;
  }
  ps->p += 2;
  return TRUE;
}

/* @ps->p points at the opening quote.  The whole input was validated as
 * UTF-8 beforehand, so raw bytes can be copied through. */
static gchar *
parse_string_raw (Parser *ps)
{
  const gchar *open = ps->p;
  GString *out = g_string_new (NULL);

  ps->p++;
  for (;;) {
    const gchar *run = ps->p;

    while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\'
        && (guchar) *ps->p >= 0x20)
      ps->p++;
    g_string_append_len (out, run, ps->p - run);

    if (ps->p >= ps->end) {
      set_error (ps, open, "unterminated string");
      break;
    }
    if (*ps->p == '"') {
      ps->p++;
      return g_string_free (out, FALSE);
    }
    if (*ps->p == '\\') {
      if (!parse_escape (ps, out))
        break;
      continue;
    }
    set_error (ps, ps->p, "control character 0x%02x in a string",
        (guchar) *ps->p);
    break;
  }
  g_string_free (out, TRUE);
  return NULL;
}

static gboolean
skip_digits (Parser *ps)
{
  const gchar *first = ps->p;

  while (ps->p < ps->end && g_ascii_isdigit (*ps->p))
    ps->p++;
  return ps->p > first;
}

static GVariant *
parse_number (Parser *ps)
{
  const gchar *first = ps->p;
  gboolean integral = TRUE;
  GVariant *result = NULL;
  gchar *text;

  consume (ps, '-');
  if (consume (ps, '0')) {
    /* Leading zeros are not JSON; the caller reports the next digit. */
  } else if (!skip_digits (ps)) {
    unexpected (ps, "a digit");
    return NULL;
  }
  if (consume (ps, '.')) {
    integral = FALSE;
    if (!skip_digits (ps)) {
      unexpected (ps, "a digit after the decimal point");
      return NULL;
    }
  }
  if (consume (ps, 'e') || consume (ps, 'E')) {
    integral = FALSE;
    if (!consume (ps, '+'))
      consume (ps, '-');
    if (!skip_digits (ps)) {
      unexpected (ps, "a digit in the exponent");
      return NULL;
    }
  }

  /* The input need not be NUL-terminated, and the C converters want that. */
  text = g_strndup (first, ps->p - first);
  if (integral) {
    gint64 value;

    errno = 0;
    value = g_ascii_strtoll (text, NULL, 10);
    if (errno == 0)
      result = g_variant_new_int64 (value);
  }
  if (result == NULL) {
    gdouble value = g_ascii_strtod (text, NULL);

    if (isinf (value))
      set_error (ps, first, "number %s is out of range", text);
    else
      result = g_variant_new_double (value);
  }
  g_free (text);
  return result;
}

static gboolean
parse_literal (Parser *ps, const gchar *word)
{
  gsize len = strlen (word);

  if ((gsize) (ps->end - ps->p) >= len && memcmp (ps->p, word, len) == 0) {
    ps->p += len;
    return TRUE;
  }
  unexpected (ps, "a value");
  return FALSE;
}

static GVariant *
parse_array (Parser *ps, guint depth)
{
  GVariantBuilder builder;

  ps->p++;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  skip_whitespace (ps);
  if (consume (ps, ']'))
    return g_variant_builder_end (&builder);
  for (;;) {
    GVariant *element = parse_value (ps, depth);

    if (element == NULL)
      goto failed;
    g_variant_builder_add (&builder, "v", element);
    skip_whitespace (ps);
    if (consume (ps, ']'))
      return g_variant_builder_end (&builder);
    if (!consume (ps, ',')) {
      unexpected (ps, "',' or ']'");
      goto failed;
    }
  }

failed:
  g_variant_builder_clear (&builder);
  return NULL;
}

static GVariant *
parse_object (Parser *ps, guint depth)
{
  GVariantBuilder builder;

  ps->p++;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  skip_whitespace (ps);
  if (consume (ps, '}'))
    return g_variant_builder_end (&builder);
  for (;;) {
    gchar *name;
    GVariant *member;

    if (ps->p >= ps->end || *ps->p != '"') {
      unexpected (ps, "a member name");
      goto failed;
    }
    name = parse_string_raw (ps);
    if (name == NULL)
      goto failed;
    skip_whitespace (ps);
    if (!consume (ps, ':')) {
      unexpected (ps, "':'");
      g_free (name);
      goto failed;
    }
    member = parse_value (ps, depth);
    if (member == NULL) {
      g_free (name);
      goto failed;
    }
    g_variant_builder_add (&builder, "{sv}", name, member);
    g_free (name);
    skip_whitespace (ps);
    if (consume (ps, '}'))
      return g_variant_builder_end (&builder);
    if (!consume (ps, ',')) {
      unexpected (ps, "',' or '}'");
      goto failed;
    }
    skip_whitespace (ps);
  }

failed:
  g_variant_builder_clear (&builder);
  return NULL;
}

/* Returns a floating reference, or NULL with the error set. */
static GVariant *
parse_value (Parser *ps, guint depth)
{
  gchar *text;

  skip_whitespace (ps);
  if (ps->p >= ps->end) {
    unexpected (ps, "a value");
    return NULL;
  }
  switch (*ps->p) {
    case '{':
    case '[':
      if (depth >= MAX_DEPTH) {
        set_error (ps, ps->p, "nesting deeper than %d levels", MAX_DEPTH);
        return NULL;
      }
      return *ps->p == '{' ? parse_object (ps, depth + 1)
                           : parse_array (ps, depth + 1);
    case '"':
      text = parse_string_raw (ps);
      return text != NULL ? g_variant_new_take_string (text) : NULL;
    case 't':
      return parse_literal (ps, "true") ? g_variant_new_boolean (TRUE) : NULL;
    case 'f':
      return parse_literal (ps, "false") ? g_variant_new_boolean (FALSE) : NULL;
    case 'n':
      return parse_literal (ps, "null") ? g_variant_new_tuple (NULL, 0) : NULL;
    default:
      if (*ps->p == '-' || g_ascii_isdigit (*ps->p))
        return parse_number (ps);
      unexpected (ps, "a value");
      return NULL;
  }
}

GVariant *
onair_json_parse (const gchar *text, gssize length, GError **error)
{
  Parser ps;
  const gchar *invalid;
  GVariant *value;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (text);
  ps.start = ps.p = text;
  ps.end = text + length;
  ps.error = error;

  /* Checking the whole text up front lets the string scanner copy bytes
   * blindly.  NUL is rejected here too: JSON has no place for it. */
  if (!g_utf8_validate_len (text, length, &invalid)) {
    set_error (&ps, invalid, "invalid UTF-8");
    return NULL;
  }

  value = parse_value (&ps, 0);
  if (value == NULL)
    return NULL;
  g_variant_ref_sink (value);
  skip_whitespace (&ps);
  if (ps.p < ps.end) {
    unexpected (&ps, "end of input after the value");
    g_variant_unref (value);
    return NULL;
  }
  return value;
}

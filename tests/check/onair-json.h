/* gst-plugins-onair: a small JSON reader for the tests' status pages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __ONAIR_JSON_H__
#define __ONAIR_JSON_H__

#include <glib.h>

G_BEGIN_DECLS

/* Parses one JSON document (RFC 8259) into a floating-free GVariant:
 * object -> a{sv} (member order kept), array -> av, string -> s (escapes and
 * surrogate pairs decoded; invalid UTF-8 is an error), number -> x when it is
 * an integer that fits, else d, true/false -> b, null -> the unit tuple "()".
 * Returns NULL and sets @error on any syntax error, trailing garbage or
 * nesting deeper than 64 levels. */
GVariant *onair_json_parse (const gchar *text, gssize length, GError **error);

G_END_DECLS

#endif /* __ONAIR_JSON_H__ */

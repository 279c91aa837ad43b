/* gst-plugins-onair: fuzz target for the locations a listener is given
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A property: what icecastsrc requests is exactly the resource that was
 * named.  Whenever a location is taken, the URL it becomes parses again to
 * the same host, port, path and query, encoded as they were; it holds no
 * user information, no byte a request line cannot carry, and the decoded
 * credentials hold no control character.  A location shown in an error has
 * its user information redacted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "icecast-protocol.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
assert_printable (const gchar *text)
{
  const gchar *p;

  for (p = text; p != NULL && *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7F);
}

static guint
count (const gchar *text, const gchar *what)
{
  guint n = 0;

  while ((text = strstr (text, what)) != NULL) {
    n++;
    text++;
  }
  return n;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  gchar *text = g_strndup ((const gchar *) data, size);
  gchar *user = NULL, *password = NULL, *url;
  GError *error = NULL;
  GUri *named, *requested;

  url = onair_icecast_listener_location (text, &user, &password, &error);
  if (url == NULL) {
    g_assert (error != NULL && user == NULL && password == NULL);
    /* The text shown never carries the user information of a location
     * that has a password. */
    named = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
        NULL);
    if (named != NULL && g_uri_get_password (named) != NULL) {
      gchar *userinfo = g_strconcat (g_uri_get_userinfo (named), "@", NULL);

      /* At most where the rest of the location repeats it. */
      g_assert (count (error->message, userinfo) == 0
          || count (error->message, userinfo) < count (text, userinfo));
      g_free (userinfo);
    }
    g_clear_pointer (&named, g_uri_unref);
    g_error_free (error);
    g_free (text);
    return 0;
  }
  g_assert (error == NULL);
  g_assert (
      g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://"));
  g_assert (strpbrk (url, " \r\n\t") == NULL);
  assert_printable (user);
  assert_printable (password);

  named =
      g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  requested =
      g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  g_assert (named != NULL && requested != NULL);
  g_assert (g_uri_get_user (requested) == NULL);
  g_assert (g_uri_get_password (requested) == NULL);
  g_assert_cmpstr (g_uri_get_host (requested), ==, g_uri_get_host (named));
  g_assert_cmpint (g_uri_get_port (requested), ==, g_uri_get_port (named));
  g_assert_cmpstr (g_uri_get_path (requested), ==,
      *g_uri_get_path (named) != '\0' ? g_uri_get_path (named) : "/");
  g_assert_cmpstr (g_uri_get_query (requested), ==, g_uri_get_query (named));
  g_uri_unref (named);
  g_uri_unref (requested);
  g_free (url);
  g_free (user);
  g_free (password);
  g_free (text);
  return 0;
}

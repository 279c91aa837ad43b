/* gst-plugins-onair: fuzz target for what an Icecast server may send back
 * to the source client, and for the locations users type
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "icecast-protocol.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  OnairIcecastReply reply;
  OnairIcecastUri uri;
  gchar *text;
  gsize i;

  /* Every prefix, as the network may deliver it, open and closed. */
  for (i = 0; i <= size; i += 1 + size / 16) {
    onair_icecast_reply_parse (data, i, FALSE, &reply);
    g_assert (reply.consumed <= i);
    onair_icecast_reply_clear (&reply);
    onair_icecast_reply_parse (data, i, TRUE, &reply);
    g_assert (reply.kind != ONAIR_ICECAST_REPLY_INCOMPLETE || i == 0
        || reply.consumed <= i);
    onair_icecast_reply_clear (&reply);
  }

  text = g_strndup ((const gchar *) data, size);
  if (onair_icecast_uri_parse (text, &uri, NULL)) {
    gchar *back = onair_icecast_uri_to_string (uri.tls, uri.user, uri.host,
        uri.port, uri.mount);

    g_assert (uri.mount[0] == '/');
    /* Read back, the user part never carries a password. */
    if (back != NULL) {
      const gchar *auth = strstr (back, "//") + 2;
      const gchar *at = strchr (auth, '@');
      const gchar *slash = strchr (auth, '/');

      g_assert (at == NULL || (slash != NULL && at > slash)
          || memchr (auth, ':', at - auth) == NULL);
    }
    g_free (back);
    onair_icecast_uri_clear (&uri);
  }
  g_free (text);
  return 0;
}

/* gst-plugins-onair: the Icecast source protocol layer, on its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "icecast-protocol.h"

#include <string.h>

GST_START_TEST (test_uri_parse)
{
  OnairIcecastUri uri;
  GError *error = NULL;
  gchar *back;

  fail_unless (onair_icecast_uri_parse ("icecast://source:p%40ss@radio.example"
                                        ":8443/live.mp3",
      &uri, &error));
  fail_if (uri.tls);
  fail_unless_equals_string (uri.user, "source");
  fail_unless_equals_string (uri.password, "p@ss");
  fail_unless_equals_string (uri.host, "radio.example");
  fail_unless_equals_int (uri.port, 8443);
  fail_unless_equals_string (uri.mount, "/live.mp3");
  back = onair_icecast_uri_to_string (uri.tls, uri.user, uri.host, uri.port,
      uri.mount);
  fail_unless_equals_string (back,
      "icecast://source@radio.example:8443/live.mp3");
  fail_if (strstr (back, "p@ss") != NULL || strstr (back, "p%40ss") != NULL);
  g_free (back);
  onair_icecast_uri_clear (&uri);

  fail_unless (onair_icecast_uri_parse ("icecasts://host/m", &uri, NULL));
  fail_unless (uri.tls);
  fail_unless_equals_int (uri.port, ONAIR_ICECAST_DEFAULT_PORT);
  fail_unless (uri.user == NULL && uri.password == NULL);
  onair_icecast_uri_clear (&uri);

  fail_if (onair_icecast_uri_parse ("http://host/m", &uri, &error));
  fail_unless (error != NULL);
  g_clear_error (&error);
  fail_if (onair_icecast_uri_parse ("icecast://host/", &uri, &error));
  g_clear_error (&error);
  fail_if (onair_icecast_uri_parse ("icecast:///m", &uri, &error));
  g_clear_error (&error);
  fail_if (onair_icecast_uri_parse ("not a uri", &uri, &error));
  g_clear_error (&error);
}

GST_END_TEST;

GST_START_TEST (test_request_has_every_field_and_no_injection)
{
  OnairIcecastRequest r = { ONAIR_ICECAST_METHOD_PUT, "127.0.0.1", 8000,
    "/a b.mp3", "source", "secret", "audio/mpeg", "ua", "Name\r\nX-Evil: 1",
    "Desc", "Rock", "http://example.org", 1, "bitrate=128", 128 };
  gchar *head = onair_icecast_request_build (&r);
  gchar *auth = g_base64_encode ((const guchar *) "source:secret", 13);
  gchar *line = g_strdup_printf ("Authorization: Basic %s\r\n", auth);

  fail_unless (g_str_has_prefix (head, "PUT /a%20b.mp3 HTTP/1.1\r\n"));
  fail_unless (strstr (head, "\r\nHost: 127.0.0.1:8000\r\n") != NULL);
  fail_unless (strstr (head, line) != NULL);
  fail_unless (strstr (head, "\r\nContent-Type: audio/mpeg\r\n") != NULL);
  fail_unless (strstr (head, "\r\nExpect: 100-continue\r\n") != NULL);
  fail_unless (strstr (head, "\r\nice-public: 1\r\n") != NULL);
  fail_unless (strstr (head, "\r\nice-name: NameX-Evil: 1\r\n") != NULL);
  fail_unless (strstr (head, "\r\nX-Evil") == NULL);
  fail_unless (strstr (head, "\r\nice-description: Desc\r\n") != NULL);
  fail_unless (strstr (head, "\r\nice-genre: Rock\r\n") != NULL);
  fail_unless (strstr (head, "\r\nice-url: http://example.org\r\n") != NULL);
  fail_unless (strstr (head, "\r\nice-bitrate: 128\r\n") != NULL);
  fail_unless (strstr (head, "\r\nice-audio-info: bitrate=128\r\n") != NULL);
  fail_unless (g_str_has_suffix (head, "\r\n\r\n"));
  g_free (head);

  r.method = ONAIR_ICECAST_METHOD_SOURCE;
  r.name = NULL;
  r.is_public = -1;
  head = onair_icecast_request_build (&r);
  fail_unless (g_str_has_prefix (head, "SOURCE /a%20b.mp3 HTTP/1.0\r\n"));
  fail_unless (strstr (head, "Expect:") == NULL);
  fail_unless (strstr (head, "ice-name") == NULL);
  fail_unless (strstr (head, "ice-public") == NULL);
  g_free (head);
  g_free (line);
  g_free (auth);
}

GST_END_TEST;

static OnairIcecastReplyKind
kind_of (const gchar *text, gboolean closed)
{
  OnairIcecastReply reply;
  OnairIcecastReplyKind kind;

  onair_icecast_reply_parse ((const guint8 *) text, strlen (text), closed,
      &reply);
  kind = reply.kind;
  onair_icecast_reply_clear (&reply);
  return kind;
}

GST_START_TEST (test_reply_kinds)
{
  fail_unless_equals_int (kind_of ("HTTP/1.0 200 OK\r\n\r\n", FALSE),
      ONAIR_ICECAST_REPLY_OK);
  fail_unless_equals_int (kind_of ("HTTP/1.1 100 Continue\r\n"
                                   "Content-Length: 0\r\n\r\nHTTP/1.0 200 "
                                   "OK\r\n\r\n",
                              FALSE),
      ONAIR_ICECAST_REPLY_CONTINUE);
  fail_unless_equals_int (kind_of ("ICY 200 OK\r\n\r\n", FALSE),
      ONAIR_ICECAST_REPLY_OK);
  fail_unless_equals_int (
      kind_of ("HTTP/1.0 401 Authentication Required\r\n"
               "WWW-Authenticate: Basic realm=\"Icecast2 Server\"\r\n"
               "Content-Length: 26\r\n\r\nYou need to authenticate\r\n",
          FALSE),
      ONAIR_ICECAST_REPLY_AUTH);
  fail_unless_equals_int (kind_of ("HTTP/1.0 403 Forbidden\r\n"
                                   "Content-Length: 17\r\n\r\nMountpoint in "
                                   "use",
                              FALSE),
      ONAIR_ICECAST_REPLY_MOUNT_IN_USE);
  fail_unless_equals_int (kind_of ("HTTP/1.0 403 Forbidden\r\n\r\n"
                                   "too many sources connected",
                              TRUE),
      ONAIR_ICECAST_REPLY_TOO_MANY_SOURCES);
  fail_unless_equals_int (kind_of ("HTTP/1.0 403 Forbidden\r\n\r\n"
                                   "No Content-type given",
                              TRUE),
      ONAIR_ICECAST_REPLY_CONTENT_TYPE);
  fail_unless_equals_int (kind_of ("HTTP/1.0 403 Forbidden\r\n\r\n"
                                   "Icecast connection limit reached",
                              TRUE),
      ONAIR_ICECAST_REPLY_SERVER_BUSY);
  fail_unless_equals_int (kind_of ("HTTP/1.1 405 Method Not Allowed\r\n"
                                   "Content-Length: 0\r\n\r\n",
                              FALSE),
      ONAIR_ICECAST_REPLY_METHOD);
  fail_unless_equals_int (kind_of ("HTTP/1.1 503 Unavailable\r\n"
                                   "Content-Length: 0\r\n\r\n",
                              FALSE),
      ONAIR_ICECAST_REPLY_SERVER_BUSY);
  fail_unless_equals_int (kind_of ("HTTP/1.0 404 Not Found\r\n\r\nno", TRUE),
      ONAIR_ICECAST_REPLY_REFUSED);
  fail_unless_equals_int (kind_of ("", TRUE), ONAIR_ICECAST_REPLY_CLOSED);
  fail_unless_equals_int (kind_of ("", FALSE), ONAIR_ICECAST_REPLY_INCOMPLETE);
  fail_unless_equals_int (kind_of ("HELLO THERE\r\n\r\n", FALSE),
      ONAIR_ICECAST_REPLY_MALFORMED);
  fail_unless_equals_int (kind_of ("HTTP/1.0 2000 OK\r\n\r\n", FALSE),
      ONAIR_ICECAST_REPLY_MALFORMED);
  fail_unless_equals_int (kind_of ("HTTP/1.0 20", TRUE),
      ONAIR_ICECAST_REPLY_MALFORMED);
  /* An error without a length is complete only when the server closed. */
  fail_unless_equals_int (kind_of ("HTTP/1.0 403 Forbidden\r\n\r\nMount",
                              FALSE),
      ONAIR_ICECAST_REPLY_INCOMPLETE);
}

GST_END_TEST;

/* However the reply is cut into reads, the answer is the same once whole,
 * and never a wrong answer before. */
GST_START_TEST (test_reply_at_every_split)
{
  static const gchar *replies[] = {
    "HTTP/1.0 403 Forbidden\r\nContent-Length: 17\r\n\r\nMountpoint in use",
    "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 401 Authentication Required\r\nContent-Length: 3\r\n\r\nno!",
  };
  static const OnairIcecastReplyKind expected[] = {
    ONAIR_ICECAST_REPLY_MOUNT_IN_USE, ONAIR_ICECAST_REPLY_CONTINUE,
    ONAIR_ICECAST_REPLY_AUTH
  };
  guint r;
  gsize cut;

  for (r = 0; r < G_N_ELEMENTS (replies); r++) {
    gsize len = strlen (replies[r]);

    for (cut = 0; cut < len; cut++) {
      OnairIcecastReply reply;

      onair_icecast_reply_parse ((const guint8 *) replies[r], cut, FALSE,
          &reply);
      fail_unless_equals_int (reply.kind, ONAIR_ICECAST_REPLY_INCOMPLETE);
      onair_icecast_reply_clear (&reply);
    }
    fail_unless_equals_int (kind_of (replies[r], FALSE), expected[r]);
  }
}

GST_END_TEST;

GST_START_TEST (test_reply_text_is_sanitised_and_bounded)
{
  OnairIcecastReply reply;
  GString *big = g_string_new ("HTTP/1.0 403 Forbidden\r\n\r\n");
  const gchar evil[] = "HTTP/1.0 403 Forb\x1b[31midden\r\n\r\nMount\x07 in use";

  onair_icecast_reply_parse ((const guint8 *) evil, sizeof (evil) - 1, TRUE,
      &reply);
  fail_if (strchr (reply.reason, 0x1b) != NULL);
  fail_if (strchr (reply.body, 0x07) != NULL);
  onair_icecast_reply_clear (&reply);

  while (big->len < 2 * ONAIR_ICECAST_MAX_REPLY)
    g_string_append (big, "blah ");
  onair_icecast_reply_parse ((const guint8 *) big->str, big->len, FALSE,
      &reply);
  fail_unless_equals_int (reply.kind, ONAIR_ICECAST_REPLY_REFUSED);
  fail_unless (strlen (reply.body) <= 200);
  onair_icecast_reply_clear (&reply);
  g_string_free (big, TRUE);

  /* A head that never ends is not waited for forever. */
  big = g_string_new ("HTTP/1.0 200 OK\r\n");
  while (big->len < ONAIR_ICECAST_MAX_REPLY + 10)
    g_string_append (big, "X-Header: y\r\n");
  onair_icecast_reply_parse ((const guint8 *) big->str, big->len, FALSE,
      &reply);
  fail_unless_equals_int (reply.kind, ONAIR_ICECAST_REPLY_MALFORMED);
  onair_icecast_reply_clear (&reply);
  g_string_free (big, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_audio_info_title_backoff)
{
  gchar *s;

  s = onair_icecast_audio_info (128, 44100, 2);
  fail_unless_equals_string (s, "bitrate=128;samplerate=44100;channels=2");
  g_free (s);
  s = onair_icecast_audio_info (0, 48000, 0);
  fail_unless_equals_string (s, "samplerate=48000");
  g_free (s);
  fail_unless (onair_icecast_audio_info (0, 0, 0) == NULL);

  s = onair_icecast_format_title ("%a - %t", "Band", "Song");
  fail_unless_equals_string (s, "Band - Song");
  g_free (s);
  s = onair_icecast_format_title ("%a - %t", NULL, "Song");
  fail_unless_equals_string (s, "Song");
  g_free (s);
  s = onair_icecast_format_title ("%t (%a) 100%%", "B", "S");
  fail_unless_equals_string (s, "S (B) 100%");
  g_free (s);
  fail_unless (onair_icecast_format_title ("%a - %t", "B", NULL) == NULL);

  fail_unless_equals_uint64 (onair_icecast_backoff (1, GST_SECOND,
                                 30 * GST_SECOND),
      GST_SECOND);
  fail_unless_equals_uint64 (onair_icecast_backoff (2, GST_SECOND,
                                 30 * GST_SECOND),
      2 * GST_SECOND);
  fail_unless_equals_uint64 (onair_icecast_backoff (5, GST_SECOND,
                                 30 * GST_SECOND),
      16 * GST_SECOND);
  fail_unless_equals_uint64 (onair_icecast_backoff (6, GST_SECOND,
                                 30 * GST_SECOND),
      30 * GST_SECOND);
  fail_unless_equals_uint64 (onair_icecast_backoff (1000, GST_SECOND,
                                 30 * GST_SECOND),
      30 * GST_SECOND);
}

GST_END_TEST;

static Suite *
protocol_suite (void)
{
  Suite *s = suite_create ("icecast-protocol");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_uri_parse);
  tcase_add_test (tc, test_request_has_every_field_and_no_injection);
  tcase_add_test (tc, test_reply_kinds);
  tcase_add_test (tc, test_reply_at_every_split);
  tcase_add_test (tc, test_reply_text_is_sanitised_and_bounded);
  tcase_add_test (tc, test_audio_info_title_backoff);
  return s;
}

ONAIR_CHECK_MAIN (protocol);

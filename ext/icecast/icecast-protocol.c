/* gst-plugins-onair: the Icecast source protocol, without GStreamer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "icecast-protocol.h"

#include <string.h>

gboolean
onair_icecast_uri_parse (const gchar *uri, OnairIcecastUri *out, GError **error)
{
  GUri *parsed;
  const gchar *scheme;

  memset (out, 0, sizeof (*out));
  parsed = g_uri_parse (uri, G_URI_FLAGS_HAS_PASSWORD, error);
  if (parsed == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "icecast") != 0
      && g_ascii_strcasecmp (scheme, "icecasts") != 0) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
        "the scheme must be icecast:// or icecasts://, not %s://", scheme);
    g_uri_unref (parsed);
    return FALSE;
  }
  if (g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0') {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
        "the location names no server");
    g_uri_unref (parsed);
    return FALSE;
  }
  if (strlen (g_uri_get_path (parsed)) < 2) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "the location names no mount (icecast://host:port/mount)");
    g_uri_unref (parsed);
    return FALSE;
  }
  out->tls = g_ascii_strcasecmp (scheme, "icecasts") == 0;
  out->user = g_strdup (g_uri_get_user (parsed));
  out->password = g_strdup (g_uri_get_password (parsed));
  out->host = g_strdup (g_uri_get_host (parsed));
  out->port = g_uri_get_port (parsed) > 0 ? (guint) g_uri_get_port (parsed)
                                          : ONAIR_ICECAST_DEFAULT_PORT;
  out->mount = g_strdup (g_uri_get_path (parsed));
  g_uri_unref (parsed);
  return TRUE;
}

void
onair_icecast_uri_clear (OnairIcecastUri *uri)
{
  g_clear_pointer (&uri->user, g_free);
  if (uri->password != NULL)
    memset (uri->password, 0, strlen (uri->password));
  g_clear_pointer (&uri->password, g_free);
  g_clear_pointer (&uri->host, g_free);
  g_clear_pointer (&uri->mount, g_free);
}

gchar *
onair_icecast_uri_to_string (gboolean tls, const gchar *user, const gchar *host,
    guint port, const gchar *mount)
{
  if (host == NULL || mount == NULL)
    return NULL;
  return g_uri_join (G_URI_FLAGS_NONE, tls ? "icecasts" : "icecast", user, host,
      port, mount, NULL, NULL);
}

gchar *
onair_icecast_basic_auth (const gchar *user, const gchar *password)
{
  gchar *cred =
      g_strdup_printf ("%s:%s", user, password != NULL ? password : "");
  gchar *b64 = g_base64_encode ((const guchar *) cred, strlen (cred));
  gchar *auth = g_strdup_printf ("Basic %s", b64);

  memset (cred, 0, strlen (cred));
  memset (b64, 0, strlen (b64));
  g_free (cred);
  g_free (b64);
  return auth;
}

/* A header value with everything that could end the header line removed. */
static void
append_header (GString *out, const gchar *name, const gchar *value)
{
  const gchar *p;

  if (value == NULL)
    return;
  g_string_append_printf (out, "%s: ", name);
  for (p = value; *p != '\0'; p++) {
    if (*p != '\r' && *p != '\n')
      g_string_append_c (out, *p);
  }
  g_string_append (out, "\r\n");
}

gchar *
onair_icecast_request_build (const OnairIcecastRequest *request)
{
  GString *out = g_string_new (NULL);
  gchar *mount, *auth, *host;

  mount = g_uri_escape_string (request->mount, "/", FALSE);
  if (request->method == ONAIR_ICECAST_METHOD_PUT)
    g_string_append_printf (out, "PUT %s HTTP/1.1\r\n", mount);
  else
    g_string_append_printf (out, "SOURCE %s HTTP/1.0\r\n", mount);
  g_free (mount);

  host = g_strdup_printf ("%s:%u", request->host, request->port);
  append_header (out, "Host", host);
  g_free (host);
  auth = onair_icecast_basic_auth (request->user, request->password);
  g_string_append_printf (out, "Authorization: %s\r\n", auth);
  memset (auth, 0, strlen (auth));
  g_free (auth);
  append_header (out, "User-Agent", request->user_agent);
  append_header (out, "Content-Type", request->content_type);
  if (request->method == ONAIR_ICECAST_METHOD_PUT)
    g_string_append (out, "Expect: 100-continue\r\n");
  if (request->is_public >= 0)
    g_string_append_printf (out, "ice-public: %d\r\n", request->is_public);
  append_header (out, "ice-name", request->name);
  append_header (out, "ice-description", request->description);
  append_header (out, "ice-url", request->url);
  append_header (out, "ice-genre", request->genre);
  if (request->bitrate > 0)
    g_string_append_printf (out, "ice-bitrate: %d\r\n", request->bitrate);
  append_header (out, "ice-audio-info", request->audio_info);
  g_string_append (out, "\r\n");
  return g_string_free (out, FALSE);
}

gchar *
onair_icecast_audio_info (gint bitrate_kbps, gint samplerate, gint channels)
{
  GString *out = g_string_new (NULL);

  if (bitrate_kbps > 0)
    g_string_append_printf (out, "bitrate=%d", bitrate_kbps);
  if (samplerate > 0)
    g_string_append_printf (out, "%ssamplerate=%d", out->len ? ";" : "",
        samplerate);
  if (channels > 0)
    g_string_append_printf (out, "%schannels=%d", out->len ? ";" : "",
        channels);
  if (out->len == 0) {
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

/* Printable ASCII only, trimmed, at most 200 characters: reply text goes
 * into error messages. */
static gchar *
sanitise (const guint8 *data, gsize size)
{
  GString *out = g_string_new (NULL);
  gsize i;

  for (i = 0; i < size && out->len < 200; i++)
    g_string_append_c (out, data[i] >= 0x20 && data[i] < 0x7f ? data[i] : ' ');
  return g_strstrip (g_string_free (out, FALSE));
}

static gboolean
parse_status_line (const gchar *line, gsize len, guint *status,
    const gchar **reason)
{
  const gchar *p;
  guint code = 0, i;

  if (len >= 9 && g_str_has_prefix (line, "HTTP/1.")
      && g_ascii_isdigit (line[7]) && line[8] == ' ')
    p = line + 9;
  else if (len >= 4 && g_str_has_prefix (line, "ICY "))
    p = line + 4;
  else
    return FALSE;
  for (i = 0; i < 3; i++) {
    if (p + i >= line + len || !g_ascii_isdigit (p[i]))
      return FALSE;
    code = code * 10 + (p[i] - '0');
  }
  if (p + 3 < line + len && p[3] != ' ')
    return FALSE;
  *status = code;
  *reason = p + 3 < line + len ? p + 4 : line + len;
  return code >= 100;
}

/* Content-Length of the header block, -1 when absent or unreadable. */
static gssize
content_length (const gchar *head, gsize len)
{
  const gchar *p = head, *end = head + len;

  while (p < end) {
    const gchar *eol = memchr (p, '\n', end - p);
    gsize line_len = (eol != NULL ? eol : end) - p;

    if (line_len > 15 && g_ascii_strncasecmp (p, "content-length:", 15) == 0) {
      gchar *value = g_strndup (p + 15, line_len - 15);
      gchar *stop;
      guint64 n = g_ascii_strtoull (g_strstrip (value), &stop, 10);
      gboolean ok =
          *value != '\0' && *stop == '\0' && n <= ONAIR_ICECAST_MAX_REPLY;

      g_free (value);
      return ok ? (gssize) n : -1;
    }
    p = eol != NULL ? eol + 1 : end;
  }
  return -1;
}

static OnairIcecastReplyKind
classify_error (guint status, const gchar *body)
{
  gchar *lower = g_ascii_strdown (body, -1);
  OnairIcecastReplyKind kind;

  if (status == 401)
    kind = ONAIR_ICECAST_REPLY_AUTH;
  else if (status == 405 || status == 501)
    kind = ONAIR_ICECAST_REPLY_METHOD;
  else if (strstr (lower, "mountpoint in use") != NULL)
    kind = ONAIR_ICECAST_REPLY_MOUNT_IN_USE;
  else if (strstr (lower, "too many sources") != NULL)
    kind = ONAIR_ICECAST_REPLY_TOO_MANY_SOURCES;
  else if (strstr (lower, "content-type") != NULL
      || strstr (lower, "content type") != NULL)
    kind = ONAIR_ICECAST_REPLY_CONTENT_TYPE;
  else if (status >= 500 || strstr (lower, "connection limit") != NULL)
    kind = ONAIR_ICECAST_REPLY_SERVER_BUSY;
  else
    kind = ONAIR_ICECAST_REPLY_REFUSED;
  g_free (lower);
  return kind;
}

void
onair_icecast_reply_parse (const guint8 *data, gsize size, gboolean closed,
    OnairIcecastReply *reply)
{
  const gchar *text = (const gchar *) data;
  const gchar *eol, *reason;
  gsize head_len = 0, line_len, i;
  gssize body_len;
  guint status;

  memset (reply, 0, sizeof (*reply));
  reply->kind = ONAIR_ICECAST_REPLY_INCOMPLETE;
  /* Icecast before 2.4 closes on a method it does not know. */
  if (size == 0) {
    if (closed)
      reply->kind = ONAIR_ICECAST_REPLY_CLOSED;
    return;
  }

  /* The head ends at the first empty line (CRLF CRLF, or LF LF). */
  for (i = 0; i + 1 < size && i < ONAIR_ICECAST_MAX_REPLY; i++) {
    if (data[i] == '\n' && data[i + 1] == '\n') {
      head_len = i + 2;
      break;
    }
    if (i + 3 < size && data[i] == '\r'
        && memcmp (data + i, "\r\n\r\n", 4) == 0) {
      head_len = i + 4;
      break;
    }
  }
  if (head_len == 0) {
    if (size >= ONAIR_ICECAST_MAX_REPLY || closed)
      reply->kind = ONAIR_ICECAST_REPLY_MALFORMED;
    return;
  }

  eol = memchr (text, '\n', head_len);
  line_len = eol - text;
  if (line_len > 0 && text[line_len - 1] == '\r')
    line_len--;
  if (!parse_status_line (text, line_len, &status, &reason)) {
    reply->kind = ONAIR_ICECAST_REPLY_MALFORMED;
    reply->reason = sanitise (data, line_len);
    return;
  }
  reply->status = status;
  reply->reason = sanitise ((const guint8 *) reason, text + line_len - reason);

  if (status < 200) {
    reply->kind = status == 100 ? ONAIR_ICECAST_REPLY_CONTINUE
                                : ONAIR_ICECAST_REPLY_MALFORMED;
    reply->consumed = head_len;
    return;
  }
  if (status < 300) {
    reply->kind = ONAIR_ICECAST_REPLY_OK;
    reply->consumed = head_len;
    return;
  }

  /* An error: its body says which one (Icecast answers 403 for several). */
  body_len = content_length (text, head_len);
  if (body_len >= 0 && size - head_len >= (gsize) body_len) {
    reply->consumed = head_len + body_len;
  } else if (closed || size - head_len >= ONAIR_ICECAST_MAX_REPLY) {
    body_len = MIN (size - head_len, ONAIR_ICECAST_MAX_REPLY);
    reply->consumed = head_len + body_len;
  } else {
    g_clear_pointer (&reply->reason, g_free);
    reply->status = 0;
    return;
  }
  reply->body = sanitise (data + head_len, body_len);
  reply->kind = classify_error (status, reply->body);
}

void
onair_icecast_reply_clear (OnairIcecastReply *reply)
{
  g_clear_pointer (&reply->reason, g_free);
  g_clear_pointer (&reply->body, g_free);
}

gchar *
onair_icecast_format_title (const gchar *format, const gchar *artist,
    const gchar *title)
{
  GString *out;
  const gchar *p;

  if (title == NULL || *title == '\0')
    return NULL;
  if (artist == NULL || *artist == '\0' || format == NULL)
    return g_strdup (title);
  out = g_string_new (NULL);
  for (p = format; *p != '\0'; p++) {
    if (p[0] == '%' && p[1] == 'a') {
      g_string_append (out, artist);
      p++;
    } else if (p[0] == '%' && p[1] == 't') {
      g_string_append (out, title);
      p++;
    } else if (p[0] == '%' && p[1] == '%') {
      g_string_append_c (out, '%');
      p++;
    } else {
      g_string_append_c (out, *p);
    }
  }
  return g_string_free (out, FALSE);
}

guint64
onair_icecast_backoff (guint attempt, guint64 initial, guint64 max)
{
  guint64 delay = initial;
  guint i;

  for (i = 1; i < attempt && delay < max; i++)
    delay = delay > G_MAXUINT64 / 2 ? G_MAXUINT64 : delay * 2;
  return MIN (delay, max);
}

void
onair_icecast_failure_set (OnairIcecastFailure *f, gboolean fatal,
    GQuark domain, gint code, const gchar *reason, gchar *message, gchar *debug)
{
  f->fatal = fatal;
  f->domain = domain;
  f->code = code;
  f->reason = g_strdup (reason);
  f->message = message;
  f->debug = debug;
}

void
onair_icecast_failure_clear (OnairIcecastFailure *f)
{
  g_clear_pointer (&f->message, g_free);
  g_clear_pointer (&f->debug, g_free);
  g_clear_pointer (&f->reason, g_free);
}

void
onair_icecast_replace_string (gchar **field, gchar *value)
{
  if (*field != NULL)
    memset (*field, 0, strlen (*field));
  g_free (*field);
  *field = value;
}

gchar *
onair_icecast_redact_location (const gchar *location)
{
  const gchar *authority, *end, *at = NULL, *p;

  if (location == NULL)
    return NULL;
  authority = strstr (location, "://");
  authority = authority != NULL ? authority + 3 : location;
  end = authority + strcspn (authority, "/?#");
  for (p = authority; p < end; p++) {
    if (*p == '@')
      at = p;
  }
  if (at == NULL)
    return g_strdup (location);
  return g_strdup_printf ("%.*s***%s", (int) (authority - location), location,
      at);
}

static gboolean
userinfo_part_decode (const gchar *part, gchar **out)
{
  const gchar *p;

  *out = NULL;
  if (part == NULL)
    return TRUE;
  *out = g_uri_unescape_string (part, NULL);
  if (*out == NULL)
    return FALSE;
  for (p = *out; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7F) {
      onair_icecast_replace_string (out, NULL);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
onair_icecast_userinfo_decode (const gchar *user, const gchar *password,
    gchar **user_out, gchar **password_out)
{
  if (userinfo_part_decode (user, user_out)
      && userinfo_part_decode (password, password_out))
    return TRUE;
  g_clear_pointer (user_out, g_free);
  onair_icecast_replace_string (password_out, NULL);
  return FALSE;
}

/* No space, control or byte that a URL's authority gives a meaning. */
static gboolean
host_is_plain (const gchar *host)
{
  const gchar *p;

  for (p = host; *p != '\0'; p++) {
    if ((guchar) *p <= 0x20 || *p == 0x7F || strchr ("@/?#%\\", *p) != NULL)
      return FALSE;
  }
  return TRUE;
}

gchar *
onair_icecast_listener_location (const gchar *location, gchar **user,
    gchar **password, GError **error)
{
  GUri *uri = g_uri_parse (location,
      G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, error);
  GUri *again;
  const gchar *scheme, *path;
  gchar *result;

  *user = *password = NULL;
  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || !(g_ascii_strcasecmp (scheme, "http") == 0
          || g_ascii_strcasecmp (scheme, "https") == 0
          || g_ascii_strcasecmp (scheme, "icy") == 0
          || g_ascii_strcasecmp (scheme, "icyx") == 0)) {
    gchar *shown = onair_icecast_redact_location (location);

    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
        "not an http, https, icy or icyx location: %s", shown);
    g_free (shown);
    g_uri_unref (uri);
    return NULL;
  }
  if (!onair_icecast_userinfo_decode (g_uri_get_user (uri),
          g_uri_get_password (uri), user, password)) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_USER,
        "the user name or password of the location is not valid");
    g_uri_unref (uri);
    return NULL;
  }
  path = *g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/";
  result = g_uri_join (G_URI_FLAGS_ENCODED,
      g_ascii_strcasecmp (scheme, "https") == 0 ? "https" : "http", NULL,
      g_uri_get_host (uri), g_uri_get_port (uri), path, g_uri_get_query (uri),
      NULL);
  /* A host is read decoded: one that decodes to characters a URL gives
   * another meaning ("u%40h" to "u@h", "%25" to "%") would make a URL that
   * names another server, or none. */
  again = g_uri_parse (result, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
      NULL);
  if (again == NULL || !host_is_plain (g_uri_get_host (uri))
      || g_uri_get_userinfo (again) != NULL
      || g_strcmp0 (g_uri_get_host (again), g_uri_get_host (uri)) != 0
      || g_uri_get_port (again) != g_uri_get_port (uri)
      || g_strcmp0 (g_uri_get_path (again), path) != 0
      || g_strcmp0 (g_uri_get_query (again), g_uri_get_query (uri)) != 0) {
    gchar *shown = onair_icecast_redact_location (location);

    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
        "the server of the location is not valid: %s", shown);
    g_free (shown);
    g_clear_pointer (&result, g_free);
    g_clear_pointer (user, g_free);
    onair_icecast_replace_string (password, NULL);
  }
  g_clear_pointer (&again, g_uri_unref);
  g_uri_unref (uri);
  return result;
}

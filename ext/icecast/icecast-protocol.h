/* gst-plugins-onair: the Icecast source protocol, without GStreamer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a source client says to an Icecast server and what the server's
 * reply means.  Plain C on GLib so that it can be tested and fuzzed alone.
 */
#ifndef __ONAIR_ICECAST_PROTOCOL_H__
#define __ONAIR_ICECAST_PROTOCOL_H__

#include <glib.h>

G_BEGIN_DECLS

#define ONAIR_ICECAST_DEFAULT_PORT 8000

/* icecast://[user[:password]@]host[:port]/mount, icecasts:// for TLS. */
typedef struct {
  gboolean tls;
  gchar *user; /* NULL when the URI has none */
  gchar *password; /* NULL when the URI has none */
  gchar *host;
  guint port;
  gchar *mount; /* starts with '/' */
} OnairIcecastUri;

gboolean onair_icecast_uri_parse (const gchar *uri, OnairIcecastUri *out,
    GError **error);
void onair_icecast_uri_clear (OnairIcecastUri *uri);
/* The URI without its password (the user stays), as read back by
 * applications. */
gchar *onair_icecast_uri_to_string (gboolean tls, const gchar *user,
    const gchar *host, guint port, const gchar *mount);

typedef enum {
  ONAIR_ICECAST_METHOD_PUT,
  ONAIR_ICECAST_METHOD_SOURCE,
} OnairIcecastMethod;

typedef struct {
  OnairIcecastMethod method;
  const gchar *host;
  guint port;
  const gchar *mount;
  const gchar *user;
  const gchar *password;
  const gchar *content_type;
  const gchar *user_agent;
  const gchar *name; /* ice-name, NULL to leave out */
  const gchar *description;
  const gchar *genre;
  const gchar *url;
  gint is_public; /* -1 to leave out */
  const gchar *audio_info; /* already formatted, NULL to leave out */
  gint bitrate; /* kbit/s, <= 0 to leave out */
} OnairIcecastRequest;

/* "Basic base64(user:password)", the value of an Authorization header; the
 * intermediate copies of the password are wiped.  Wipe and free the result
 * when done. */
gchar *onair_icecast_basic_auth (const gchar *user, const gchar *password);

/* The request head, CRLF-terminated, ending with the empty line.  Header
 * values have CR and LF removed so that no field can inject another. */
gchar *onair_icecast_request_build (const OnairIcecastRequest *request);

/* "bitrate=128;samplerate=44100;channels=2": values <= 0 are left out;
 * NULL when all are. */
gchar *
onair_icecast_audio_info (gint bitrate_kbps, gint samplerate, gint channels);

typedef enum {
  ONAIR_ICECAST_REPLY_INCOMPLETE, /* need more bytes */
  ONAIR_ICECAST_REPLY_CONTINUE, /* 100 Continue: start sending */
  ONAIR_ICECAST_REPLY_OK, /* 2xx: start sending */
  ONAIR_ICECAST_REPLY_AUTH, /* 401: fatal */
  ONAIR_ICECAST_REPLY_MOUNT_IN_USE, /* 403 Mountpoint in use: retry */
  ONAIR_ICECAST_REPLY_TOO_MANY_SOURCES, /* 403 too many sources: retry */
  ONAIR_ICECAST_REPLY_CONTENT_TYPE, /* 403 about the content type: fatal */
  ONAIR_ICECAST_REPLY_METHOD, /* the server does not know PUT */
  ONAIR_ICECAST_REPLY_SERVER_BUSY, /* 5xx, connection limit: retry */
  ONAIR_ICECAST_REPLY_REFUSED, /* any other 4xx: fatal */
  ONAIR_ICECAST_REPLY_MALFORMED, /* not an HTTP reply: fatal */
  ONAIR_ICECAST_REPLY_CLOSED, /* closed without a word */
} OnairIcecastReplyKind;

typedef struct {
  OnairIcecastReplyKind kind;
  guint status;
  gchar *reason; /* status line's text, sanitised */
  gchar *body; /* the server's explanation, sanitised */
  gsize consumed; /* bytes of the input this reply used */
} OnairIcecastReply;

/* The longest reply head or body taken into account; more is malformed. */
#define ONAIR_ICECAST_MAX_REPLY 16384

/* Parses the first reply in @data.  @closed says the server closed the
 * connection after these bytes, so a body without Content-Length is
 * complete. */
void onair_icecast_reply_parse (const guint8 *data, gsize size, gboolean closed,
    OnairIcecastReply *reply);
void onair_icecast_reply_clear (OnairIcecastReply *reply);

/* Expands %a (artist), %t (title) and %% in @format; with no artist the
 * result is the title alone.  NULL when there is no title. */
gchar *onair_icecast_format_title (const gchar *format, const gchar *artist,
    const gchar *title);

/* Delay before reconnection attempt @attempt (1-based): @initial doubled
 * each time, at most @max. */
guint64 onair_icecast_backoff (guint attempt, guint64 initial, guint64 max);

/* What one connection attempt, or a lost connection, came to. */
typedef struct {
  gboolean fatal; /* retrying cannot help */
  GQuark domain; /* a GStreamer error domain and code */
  gint code;
  gchar *message; /* translated, for the user */
  gchar *debug; /* detail; never holds a secret */
  gchar *reason; /* short, for bus messages */
} OnairIcecastFailure;

/* Fills @f, taking @message and @debug and copying @reason. */
void onair_icecast_failure_set (OnairIcecastFailure *f, gboolean fatal,
    GQuark domain, gint code, const gchar *reason, gchar *message,
    gchar *debug);
void onair_icecast_failure_clear (OnairIcecastFailure *f);

/* Replaces *@field with @value (taken), wiping the old text first: it may
 * be a password. */
void onair_icecast_replace_string (gchar **field, gchar *value);

/* A listener's location: http, https, icy and icyx (read as http), as the
 * http(s) URL to request.  User information moves, decoded, to *@user and
 * *@password (NULL when absent), so that the URL holds no secret; the path
 * and the query stay exactly as encoded, since "%2F" or "%25" name another
 * resource than "/" or "%".  NULL with @error set (G_URI_ERROR; its text
 * never holds a password) when @location is not one. */
gchar *onair_icecast_listener_location (const gchar *location, gchar **user,
    gchar **password, GError **error);

/* @location as it may be shown (a log line, an error): any user information
 * replaced by "***", whether or not the rest parses.  Every location that
 * is printed goes through here. */
gchar *onair_icecast_redact_location (const gchar *location);

/* The user information of a parsed URI decoded: "%40" is "@".  FALSE when
 * it decodes to something no header can carry (a NUL, a control). */
gboolean onair_icecast_userinfo_decode (const gchar *user,
    const gchar *password, gchar **user_out, gchar **password_out);

G_END_DECLS

#endif /* __ONAIR_ICECAST_PROTOCOL_H__ */

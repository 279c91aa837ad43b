/* gst-plugins-onair: icecastsink, an Icecast source client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-icecastsink
 * @title: icecastsink
 *
 * Sends an encoded stream (MP3, AAC in ADTS, Ogg, WebM) to a mount of an
 * Icecast server, the way a station's source client does, and keeps it on
 * the air: it reconnects with backoff when the connection drops, the server
 * restarts or the mount is taken, optionally keeping a backlog so that a
 * short outage loses nothing.  Stream information goes out as `ice-*`
 * headers, title tags become metadata updates, and every failure gets its
 * own error.
 *
 * The sink renders in real time against the clock, so a file source does not
 * burst the server; put a parser first (`mpegaudioparse`, `aacparse`) or a
 * muxer (`oggmux`, `webmmux`).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! audioconvert ! lamemp3enc ! \
 *     mpegaudioparse ! icecastsink location=icecast://source:hackme@localhost:8000/live.mp3 \
 *     stream-name="Test station" genre=Test
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/socket.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <libsoup/soup.h>

#include "gsticecastsink.h"
#include "icecast-protocol.h"

GST_DEBUG_CATEGORY_STATIC (gst_icecast_sink_debug);
#define GST_CAT_DEFAULT gst_icecast_sink_debug

#define DEFAULT_PORT ONAIR_ICECAST_DEFAULT_PORT
#define DEFAULT_USERNAME "source"
#define DEFAULT_PROTOCOL GST_ICECAST_PROTOCOL_AUTO
#define DEFAULT_TLS GST_ICECAST_TLS_NONE
#define DEFAULT_TLS_VALIDATION_FLAGS G_TLS_CERTIFICATE_VALIDATE_ALL
#define DEFAULT_PUBLIC FALSE
#define DEFAULT_SEND_METADATA TRUE
#define DEFAULT_METADATA_FORMAT "%a - %t"
#define DEFAULT_RECONNECT_DELAY GST_SECOND
#define DEFAULT_MAX_RECONNECT_DELAY (30 * GST_SECOND)
#define DEFAULT_MAX_RECONNECT_ATTEMPTS -1
#define DEFAULT_BACKLOG 0
#define DEFAULT_TIMEOUT 10000
#define DEFAULT_USER_AGENT "GStreamer icecastsink " VERSION

/* Icecast 2.5 answers a PUT with Expect with nothing at all: after this long
 * without a word the stream starts. */
#define SILENT_SERVER_WAIT (2 * G_TIME_SPAN_SECOND)

typedef enum {
  STATE_IDLE,
  STATE_CONNECTING,
  STATE_STREAMING,
  STATE_WAITING,
  STATE_FAILED,
} SinkState;

static const gchar *const state_names[] = { "idle", "connecting", "streaming",
  "waiting", "failed" };

struct _GstIcecastSink {
  GstBaseSink parent;

  /* Settings, under the object lock. */
  gchar *host;
  guint port;
  gchar *mount;
  gchar *username;
  gchar *password;
  /* What the location brought: they replace username, password and tls
   * while it lasts, and end with it (see set_location) */
  gchar *location_user;
  gchar *location_password;
  gboolean location_tls;
  GstIcecastProtocol protocol;
  GstIcecastTls tls;
  GTlsCertificateFlags tls_validation_flags;
  gchar *content_type;
  gchar *stream_name;
  gchar *description;
  gchar *genre;
  gchar *url;
  gboolean is_public;
  gchar *audio_info;
  gint bitrate;
  gboolean send_metadata;
  gchar *metadata_format;
  gchar *admin_user;
  gchar *admin_password;
  guint64 reconnect_delay;
  guint64 max_reconnect_delay;
  gint max_reconnect_attempts;
  guint64 backlog;
  guint timeout;
  gchar *user_agent;
  gboolean location_invalid;

  /* The sender: its thread, and everything below, under lock. */
  GMutex lock;
  GCond cond;
  GThread *sender;
  GCancellable *cancellable;
  gboolean running;
  gboolean failed;
  gboolean ever_connected;
  SinkState state;
  GQueue queue; /* GstBuffer, oldest first */
  GIOStream *stream; /* set while streaming, for render's writes */
  gboolean sender_busy; /* the sender is writing outside the lock */
  /* The server may still answer the request: only the sender writes, and it
   * reads what came back before each write. */
  gboolean reply_pending;
  gboolean flushing; /* basesink's unlock: waits in the streaming thread end */
  guint64 queued_bytes;
  GPtrArray *headers; /* sent first on every connection */
  gboolean caps_headers; /* headers came from the caps */
  gboolean header_set_open;
  gchar *caps_content_type; /* NULL until caps */
  gboolean in_stream_metadata; /* Ogg, WebM: titles travel in the stream */
  gint caps_rate;
  gint caps_channels;
  gint tag_bitrate; /* kbit/s */
  /* Stream info from tags (a relayed station's icy-* headers), used where
   * the matching property is unset: name, description, genre, url. */
  gchar *tag_info[4];
  gchar *wanted_title; /* what the mount's title should be */
  gchar *sent_title; /* what this connection's mount has */
  gint64 title_retry_at;
  gboolean stream_tls;
  /* Statistics */
  guint64 bytes_sent;
  guint64 dropped_bytes;
  guint reconnections;
  guint metadata_updates;
  gint64 connected_since;
  const gchar *protocol_used;

  /* Title updates, sent on their own thread with libsoup. */
  GThread *metadata_thread;
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_HOST,
  PROP_PORT,
  PROP_MOUNT,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_PROTOCOL,
  PROP_TLS,
  PROP_TLS_VALIDATION_FLAGS,
  PROP_CONTENT_TYPE,
  PROP_STREAM_NAME,
  PROP_DESCRIPTION,
  PROP_GENRE,
  PROP_URL,
  PROP_PUBLIC,
  PROP_AUDIO_INFO,
  PROP_BITRATE,
  PROP_SEND_METADATA,
  PROP_METADATA_FORMAT,
  PROP_ADMIN_USER,
  PROP_ADMIN_PASSWORD,
  PROP_RECONNECT_DELAY,
  PROP_MAX_RECONNECT_DELAY,
  PROP_MAX_RECONNECT_ATTEMPTS,
  PROP_BACKLOG,
  PROP_TIMEOUT,
  PROP_USER_AGENT,
  PROP_STATS,
};

enum { SIGNAL_CONNECTION_PROBLEM, LAST_SIGNAL };

static guint gst_icecast_sink_signals[LAST_SIGNAL];

#define SENDER_LOCK(sink) g_mutex_lock (&(sink)->lock)
#define SENDER_UNLOCK(sink) g_mutex_unlock (&(sink)->lock)

/* ANY, so that caps Icecast cannot take reach set_caps and get a message
 * that says what to do, instead of a bare "could not link".  What is
 * accepted: MP3 (audio/mpeg, mpegversion=1), AAC in ADTS, Ogg, WebM, or
 * anything with the content-type property set. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define GST_TYPE_ICECAST_PROTOCOL (gst_icecast_protocol_get_type ())
static GType
gst_icecast_protocol_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_ICECAST_PROTOCOL_AUTO,
        "PUT with Expect: 100-continue, SOURCE when "
        "the server does not take PUT",
        "auto" },
    { GST_ICECAST_PROTOCOL_PUT, "HTTP PUT (Icecast 2.4 and later)", "put" },
    { GST_ICECAST_PROTOCOL_SOURCE, "The SOURCE method of older servers",
        "source" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstIcecastProtocol", values));
  return type;
}

#define GST_TYPE_ICECAST_TLS (gst_icecast_tls_get_type ())
static GType
gst_icecast_tls_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_ICECAST_TLS_NONE, "Plain TCP", "none" },
    { GST_ICECAST_TLS_AUTO,
        "TLS when the server speaks it, plain TCP with a warning when "
        "it does not (a certificate that fails validation is an error)",
        "auto" },
    { GST_ICECAST_TLS_REQUIRED, "TLS or nothing", "required" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstIcecastTls", values));
  return type;
}

static void
gst_icecast_sink_uri_handler_init (gpointer g_iface, gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE (GstIcecastSink, gst_icecast_sink, GST_TYPE_BASE_SINK,
                         G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
                             gst_icecast_sink_uri_handler_init);
                         GST_DEBUG_CATEGORY_INIT (gst_icecast_sink_debug,
                             "icecastsink", 0, "Icecast source client"));
GST_ELEMENT_REGISTER_DEFINE (icecastsink, "icecastsink", GST_RANK_NONE,
    GST_TYPE_ICECAST_SINK);

/* Location */

/* What a connection uses: the location's credentials and TLS mode where
 * it brought them, else the application's.  Object lock held. */
static const gchar *
locked_user (GstIcecastSink *sink)
{
  return sink->location_user != NULL ? sink->location_user : sink->username;
}

static const gchar *
locked_password (GstIcecastSink *sink)
{
  return sink->location_password != NULL ? sink->location_password
                                         : sink->password;
}

static GstIcecastTls
locked_tls (GstIcecastSink *sink)
{
  return sink->location_tls ? GST_ICECAST_TLS_REQUIRED : sink->tls;
}

static gchar *
location_string (GstIcecastSink *sink)
{
  return onair_icecast_uri_to_string (locked_tls (sink)
          == GST_ICECAST_TLS_REQUIRED,
      locked_user (sink), sink->host, sink->port, sink->mount);
}

static gboolean
set_location (GstIcecastSink *sink, const gchar *location, GError **error)
{
  OnairIcecastUri uri;

  if (!onair_icecast_uri_parse (location, &uri, error))
    return FALSE;
  GST_OBJECT_LOCK (sink);
  g_free (sink->host);
  sink->host = g_strdup (uri.host);
  sink->port = uri.port;
  g_free (sink->mount);
  sink->mount = g_strdup (uri.mount);
  /* Credentials and the TLS mode belong to the location they came with: a
   * new location replaces the last one's, with its own or with none, and
   * the application's settings apply again. */
  g_free (sink->location_user);
  sink->location_user = g_strdup (uri.user);
  onair_icecast_replace_string (&sink->location_password,
      g_strdup (uri.password));
  sink->location_tls = uri.tls;
  GST_OBJECT_UNLOCK (sink);
  onair_icecast_uri_clear (&uri);
  return TRUE;
}

static GstURIType
gst_icecast_sink_uri_get_type (GType type)
{
  return GST_URI_SINK;
}

static const gchar *const *
gst_icecast_sink_uri_get_protocols (GType type)
{
  static const gchar *const protocols[] = { "icecast", "icecasts", NULL };

  return protocols;
}

static gchar *
gst_icecast_sink_uri_get_uri (GstURIHandler *handler)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (handler);
  gchar *uri;

  GST_OBJECT_LOCK (sink);
  uri = location_string (sink);
  GST_OBJECT_UNLOCK (sink);
  return uri;
}

static gboolean
gst_icecast_sink_uri_set_uri (GstURIHandler *handler, const gchar *uri,
    GError **error)
{
  GError *parse_error = NULL;

  if (!set_location (GST_ICECAST_SINK (handler), uri, &parse_error)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s",
        parse_error->message);
    g_clear_error (&parse_error);
    return FALSE;
  }
  return TRUE;
}

static void
gst_icecast_sink_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = gst_icecast_sink_uri_get_type;
  iface->get_protocols = gst_icecast_sink_uri_get_protocols;
  iface->get_uri = gst_icecast_sink_uri_get_uri;
  iface->set_uri = gst_icecast_sink_uri_set_uri;
}

/* Messages */

static void
post_connected (GstIcecastSink *sink, const gchar *mount, const gchar *method,
    gboolean tls, guint attempt)
{
  gst_element_post_message (GST_ELEMENT_CAST (sink),
      gst_message_new_element (GST_OBJECT_CAST (sink),
          gst_structure_new ("icecast-connected", "mount", G_TYPE_STRING, mount,
              "protocol", G_TYPE_STRING, method, "tls", G_TYPE_BOOLEAN, tls,
              "attempt", G_TYPE_UINT, attempt, NULL)));
}

static void
post_disconnected (GstIcecastSink *sink, const gchar *reason, guint attempt,
    GstClockTime next_retry)
{
  gst_element_post_message (GST_ELEMENT_CAST (sink),
      gst_message_new_element (GST_OBJECT_CAST (sink),
          gst_structure_new ("icecast-disconnected", "reason", G_TYPE_STRING,
              reason, "attempt", G_TYPE_UINT, attempt, "next-retry",
              G_TYPE_UINT64, next_retry, NULL)));
  g_signal_emit (sink, gst_icecast_sink_signals[SIGNAL_CONNECTION_PROBLEM], 0,
      reason, attempt, next_retry);
}

/* Connecting */

typedef OnairIcecastFailure Failure;

/* A copy of the settings one connection needs, taken under the lock. */
typedef struct {
  OnairIcecastRequest request;
  GstIcecastProtocol protocol;
  GstIcecastTls tls;
  GTlsCertificateFlags tls_flags;
  guint timeout_s;
  gint max_attempts;
  guint64 delay;
  guint64 max_delay;
  gboolean keep_backlog;
  gchar *strings[12];
} Connection;

static void
connection_snapshot (GstIcecastSink *sink, Connection *c)
{
  gint bitrate;

  memset (c, 0, sizeof (*c));
  GST_OBJECT_LOCK (sink);
  c->request.host = c->strings[0] = g_strdup (sink->host);
  c->request.port = sink->port;
  c->request.mount = c->strings[1] = g_strdup (sink->mount);
  c->request.user = c->strings[2] = g_strdup (locked_user (sink));
  c->request.password = c->strings[3] = g_strdup (locked_password (sink));
  c->request.user_agent = c->strings[4] = g_strdup (sink->user_agent);
  c->request.name = c->strings[5] = g_strdup (sink->stream_name);
  c->request.description = c->strings[6] = g_strdup (sink->description);
  c->request.genre = c->strings[7] = g_strdup (sink->genre);
  c->request.url = c->strings[8] = g_strdup (sink->url);
  c->request.is_public = sink->is_public ? 1 : 0;
  c->protocol = sink->protocol;
  c->tls = locked_tls (sink);
  c->tls_flags = sink->tls_validation_flags;
  c->timeout_s = MAX (1, (sink->timeout + 999) / 1000);
  c->max_attempts = sink->max_reconnect_attempts;
  c->delay = sink->reconnect_delay;
  c->max_delay = sink->max_reconnect_delay;
  c->keep_backlog = sink->backlog > 0;
  bitrate = sink->bitrate;
  c->request.content_type = c->strings[9] = g_strdup (sink->content_type);
  c->request.audio_info = c->strings[10] = g_strdup (sink->audio_info);
  GST_OBJECT_UNLOCK (sink);

  SENDER_LOCK (sink);
  {
    const gchar **fields[4] = { &c->request.name, &c->request.description,
      &c->request.genre, &c->request.url };
    guint i;

    for (i = 0; i < 4; i++) {
      if (*fields[i] == NULL && sink->tag_info[i] != NULL)
        *fields[i] = c->strings[5 + i] = g_strdup (sink->tag_info[i]);
    }
  }
  if (c->request.content_type == NULL)
    c->request.content_type = c->strings[9] =
        g_strdup (sink->caps_content_type);
  if (bitrate <= 0)
    bitrate = sink->tag_bitrate;
  if (c->request.audio_info == NULL)
    c->request.audio_info = c->strings[10] = onair_icecast_audio_info (bitrate,
        sink->caps_rate, sink->caps_channels);
  SENDER_UNLOCK (sink);
  c->request.bitrate = bitrate;
}

static void
connection_clear (Connection *c)
{
  guint i;

  if (c->strings[3] != NULL)
    memset (c->strings[3], 0, strlen (c->strings[3]));
  for (i = 0; i < G_N_ELEMENTS (c->strings); i++)
    g_clear_pointer (&c->strings[i], g_free);
}

static gboolean
accept_certificate (GTlsConnection *conn, GTlsCertificate *cert,
    GTlsCertificateFlags errors, gpointer user_data)
{
  GTlsCertificateFlags checked = GPOINTER_TO_UINT (user_data);

  /* Only the problems the user asked to check count. */
  return (errors & checked) == 0;
}

static void
failure_from_io (Failure *f, const Connection *c, GError *error,
    const gchar *doing)
{
  gchar *server = g_strdup_printf ("%s:%u", c->request.host, c->request.port);

  if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND)
      || g_error_matches (error, G_RESOLVER_ERROR,
          G_RESOLVER_ERROR_TEMPORARY_FAILURE)) {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_FOUND, "name resolution failed",
        g_strdup_printf (_ ("Could not find the server \"%s\"."),
            c->request.host),
        g_strdup_printf ("%s: %s", doing, error->message));
  } else if (g_error_matches (error, G_IO_ERROR,
                 G_IO_ERROR_CONNECTION_REFUSED)) {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_WRITE, "connection refused",
        g_strdup_printf (_ ("The server %s refused the connection."), server),
        g_strdup_printf ("%s: %s", doing, error->message));
  } else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_WRITE, "timeout",
        g_strdup_printf (_ ("The server %s did not answer in time."), server),
        g_strdup_printf ("%s: %s (timeout %u s)", doing, error->message,
            c->timeout_s));
  } else if (error->domain == G_TLS_ERROR) {
    gboolean bad_cert =
        g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);

    onair_icecast_failure_set (f, bad_cert, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_WRITE, "TLS failure",
        bad_cert
            ? g_strdup_printf (_ ("The TLS certificate of %s is not "
                                  "trusted."),
                server)
            : g_strdup_printf (_ ("Could not set up TLS with %s."), server),
        g_strdup_printf ("%s: %s", doing, error->message));
  } else {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_WRITE, "connection lost",
        g_strdup_printf (_ ("The connection to %s failed."), server),
        g_strdup_printf ("%s: %s", doing, error->message));
  }
  g_free (server);
}

/* Opens TCP, and TLS when @use_tls. */
static GIOStream *
open_stream (const Connection *c, gboolean use_tls, GCancellable *cancellable,
    GSocket **socket_out, Failure *f)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnectable *address =
      g_network_address_new (c->request.host, c->request.port);
  GSocketConnection *tcp;
  GIOStream *stream;
  GError *error = NULL;

  g_socket_client_set_timeout (client, c->timeout_s);
  /* A source client talks to its server directly: no desktop proxy
   * lookup (which also loads modules for every connection). */
  g_socket_client_set_enable_proxy (client, FALSE);
  tcp = g_socket_client_connect (client, address, cancellable, &error);
  g_object_unref (client);
  if (tcp == NULL) {
    failure_from_io (f, c, error, "connecting");
    g_object_unref (address);
    g_clear_error (&error);
    return NULL;
  }
  *socket_out = g_socket_connection_get_socket (tcp);
  stream = G_IO_STREAM (tcp);

  if (use_tls) {
    GIOStream *tls;

    if (!g_tls_backend_supports_tls (g_tls_backend_get_default ())) {
      onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS, "TLS failure",
          g_strdup (_ ("TLS is not available on this system.")),
          g_strdup ("no GIO TLS backend: install glib-networking"));
      g_object_unref (tcp);
      g_object_unref (address);
      return NULL;
    }
    /* In auto mode a plain server would leave the handshake hanging until
     * it gives up on the request: try TLS only briefly. */
    if (c->tls == GST_ICECAST_TLS_AUTO)
      g_socket_set_timeout (*socket_out, MIN (c->timeout_s, 2));
    tls = g_tls_client_connection_new (stream, address, &error);
    if (tls != NULL) {
      g_signal_connect (tls, "accept-certificate",
          G_CALLBACK (accept_certificate), GUINT_TO_POINTER (c->tls_flags));
      if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable,
              &error))
        g_clear_object (&tls);
    }
    g_object_unref (tcp);
    if (tls == NULL) {
      gboolean bad_cert =
          g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
      gchar *server =
          g_strdup_printf ("%s:%u", c->request.host, c->request.port);

      /* Whatever broke the handshake, it is TLS the user has to look at. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        failure_from_io (f, c, error, "TLS handshake");
      else
        onair_icecast_failure_set (f, bad_cert, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_OPEN_WRITE, "TLS failure",
            bad_cert
                ? g_strdup_printf (_ ("The TLS certificate of %s is not "
                                      "trusted."),
                    server)
                : g_strdup_printf (_ ("Could not set up TLS with %s."), server),
            g_strdup_printf ("TLS handshake: %s", error->message));
      g_free (server);
      g_clear_error (&error);
      g_object_unref (address);
      return NULL;
    }
    stream = tls;
  }
  g_object_unref (address);
  return stream;
}

typedef enum {
  ANSWER_STREAM,
  ANSWER_FAILED,
  ANSWER_TRY_SOURCE,
} Answer;

/* What a complete reply means: streaming, SOURCE next (when @may_fall_back),
 * or a failure, described in @f. */
static Answer
answer_for_reply (const Connection *c, OnairIcecastMethod method,
    gboolean may_fall_back, const OnairIcecastReply *reply, Failure *f)
{
  const gchar *mount = c->request.mount;
  Answer answer = ANSWER_FAILED;
  gchar *server;

  server = g_strdup_printf ("%s:%u", c->request.host, c->request.port);
  switch (reply->kind) {
    case ONAIR_ICECAST_REPLY_CONTINUE:
    case ONAIR_ICECAST_REPLY_OK:
      answer = ANSWER_STREAM;
      break;
    case ONAIR_ICECAST_REPLY_AUTH:
      onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED, "wrong password",
          g_strdup_printf (_ ("The server %s refused the user name or "
                              "password for mount %s."),
              server, mount),
          g_strdup_printf ("HTTP %u %s", reply->status, reply->reason));
      break;
    case ONAIR_ICECAST_REPLY_MOUNT_IN_USE:
      onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_BUSY, "mount in use",
          g_strdup_printf (_ ("Mount %s on %s is in use by another source."),
              mount, server),
          g_strdup_printf ("HTTP %u: %s", reply->status, reply->body));
      break;
    case ONAIR_ICECAST_REPLY_TOO_MANY_SOURCES:
      onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_BUSY, "too many sources",
          g_strdup_printf (_ ("The server %s takes no more sources."), server),
          g_strdup_printf ("HTTP %u: %s", reply->status, reply->body));
      break;
    case ONAIR_ICECAST_REPLY_CONTENT_TYPE:
      onair_icecast_failure_set (f, TRUE, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FORMAT, "content type refused",
          g_strdup_printf (_ ("The server %s does not accept the content type "
                              "\"%s\"."),
              server, GST_STR_NULL (c->request.content_type)),
          g_strdup_printf ("HTTP %u: %s", reply->status, reply->body));
      break;
    case ONAIR_ICECAST_REPLY_SERVER_BUSY:
      onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_BUSY, "server busy",
          g_strdup_printf (_ ("The server %s is busy."), server),
          g_strdup_printf ("HTTP %u %s: %s", reply->status, reply->reason,
              GST_STR_NULL (reply->body)));
      break;
    case ONAIR_ICECAST_REPLY_METHOD:
    case ONAIR_ICECAST_REPLY_CLOSED:
      if (method == ONAIR_ICECAST_METHOD_PUT && may_fall_back) {
        answer = ANSWER_TRY_SOURCE;
        break;
      }
      onair_icecast_failure_set (f, reply->kind == ONAIR_ICECAST_REPLY_METHOD,
          GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
          reply->kind == ONAIR_ICECAST_REPLY_METHOD ? "method refused"
                                                    : "connection closed",
          g_strdup_printf (_ ("The server %s closed the connection without "
                              "taking the stream."),
              server),
          g_strdup_printf ("%s: HTTP %u %s",
              method == ONAIR_ICECAST_METHOD_PUT ? "PUT" : "SOURCE",
              reply->status, GST_STR_NULL (reply->reason)));
      break;
    case ONAIR_ICECAST_REPLY_MALFORMED:
      onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_WRITE, "malformed reply",
          g_strdup_printf (_ ("The server %s sent a reply that is not HTTP."),
              server),
          g_strdup_printf ("reply begins \"%s\"",
              GST_STR_NULL (reply->reason)));
      break;
    case ONAIR_ICECAST_REPLY_REFUSED:
    default:
      onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_WRITE, "refused",
          g_strdup_printf (_ ("The server %s refused mount %s."), server,
              mount),
          g_strdup_printf ("HTTP %u %s: %s", reply->status,
              GST_STR_NULL (reply->reason), GST_STR_NULL (reply->body)));
      break;
  }
  g_free (server);
  return answer;
}

/* TRUE when @in has bytes of its own to give (TLS that has decrypted more
 * than was read), which no wait on the socket would show. */
static gboolean
holds_data (GInputStream *in)
{
  return G_IS_POLLABLE_INPUT_STREAM (in)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in))
      && g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (in));
}

/* Reads what @in has without blocking when it can tell (a TLS stream may
 * have nothing for the application although its socket was readable);
 * G_IO_ERROR_WOULD_BLOCK then. */
static gssize
read_available (GInputStream *in, guint8 *buffer, gsize size,
    GCancellable *cancellable, GError **error)
{
  if (G_IS_POLLABLE_INPUT_STREAM (in)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)))
    return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (
                                                         in),
        buffer, size, cancellable, error);
  return g_input_stream_read (in, buffer, size, cancellable, error);
}

/* Sends the request and reads what the server makes of it; @unanswered
 * tells that the server said nothing yet and streaming starts anyway. */
static Answer
negotiate (GstIcecastSink *sink, const Connection *c, OnairIcecastMethod method,
    GIOStream *stream, GSocket *socket, GCancellable *cancellable, Failure *f,
    gboolean *unanswered)
{
  OnairIcecastRequest request = c->request;
  GByteArray *reply_bytes = g_byte_array_new ();
  const gchar *mount = c->request.mount;
  GError *error = NULL;
  gboolean closed = FALSE, extended = FALSE;
  gint64 deadline, started = g_get_monotonic_time ();
  OnairIcecastReply reply = { 0 };
  Answer answer;
  gchar *head;

  request.method = method;
  head = onair_icecast_request_build (&request);
  GST_DEBUG_OBJECT (sink, "%s %s (content type %s)",
      method == ONAIR_ICECAST_METHOD_PUT ? "PUT" : "SOURCE", mount,
      request.content_type);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), head,
          strlen (head), NULL, cancellable, &error)) {
    memset (head, 0, strlen (head));
    g_free (head);
    failure_from_io (f, c, error, "sending the request");
    g_clear_error (&error);
    g_byte_array_unref (reply_bytes);
    return ANSWER_FAILED;
  }
  memset (head, 0, strlen (head));
  g_free (head);

  deadline = started
      + (method == ONAIR_ICECAST_METHOD_PUT
              ? SILENT_SERVER_WAIT
              : (gint64) c->timeout_s * G_TIME_SPAN_SECOND);
  for (;;) {
    guint8 chunk[2048];
    gssize n;
    gint64 remaining = deadline - g_get_monotonic_time ();

    onair_icecast_reply_parse (reply_bytes->data, reply_bytes->len, closed,
        &reply);
    if (reply.kind != ONAIR_ICECAST_REPLY_INCOMPLETE)
      break;
    if (remaining <= 0
        || (!holds_data (g_io_stream_get_input_stream (stream))
            && !g_socket_condition_timed_wait (socket, G_IO_IN, remaining,
                cancellable, NULL))) {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (method == ONAIR_ICECAST_METHOD_PUT && reply_bytes->len == 0) {
        /* Icecast 2.5: silence means go. */
        GST_INFO_OBJECT (sink, "no answer to PUT, streaming");
        reply.kind = ONAIR_ICECAST_REPLY_OK;
        *unanswered = TRUE;
        break;
      }
      if (!extended && reply_bytes->len > 0) {
        /* A reply has begun: it gets the whole timeout to finish. */
        extended = TRUE;
        deadline = started + (gint64) c->timeout_s * G_TIME_SPAN_SECOND;
        continue;
      }
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
          "no reply to the request");
      failure_from_io (f, c, error, "waiting for the reply");
      g_clear_error (&error);
      g_byte_array_unref (reply_bytes);
      return ANSWER_FAILED;
    }
    n = read_available (g_io_stream_get_input_stream (stream), chunk,
        sizeof (chunk), cancellable, &error);
    if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      /* The socket was readable for TLS's own records (TLS 1.3 session
       * tickets), not for a reply: wait again, within the deadline. */
      g_clear_error (&error);
      continue;
    }
    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
          || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
          || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED)) {
        g_clear_error (&error);
        closed = TRUE;
        continue;
      }
      failure_from_io (f, c, error, "reading the reply");
      g_clear_error (&error);
      g_byte_array_unref (reply_bytes);
      return ANSWER_FAILED;
    }
    if (n == 0)
      closed = TRUE;
    else
      g_byte_array_append (reply_bytes, chunk, n);
  }
  g_byte_array_unref (reply_bytes);

  answer = answer_for_reply (c, method,
      c->protocol == GST_ICECAST_PROTOCOL_AUTO, &reply, f);
  onair_icecast_reply_clear (&reply);
  return answer;
}

/* The current header set, with references of its own. */
static GPtrArray *
locked_copy_headers (GstIcecastSink *sink)
{
  GPtrArray *copy =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  guint i;

  for (i = 0; i < sink->headers->len; i++)
    g_ptr_array_add (copy,
        gst_buffer_ref (g_ptr_array_index (sink->headers, i)));
  return copy;
}

/* One attempt: TCP (and TLS), the request, the answer. */
static GIOStream *
connect_once (GstIcecastSink *sink, const Connection *c, GSocket **socket,
    const gchar **method_used, gboolean *tls_used, gboolean *unanswered,
    Failure *f)
{
  gboolean use_tls = c->tls != GST_ICECAST_TLS_NONE;
  OnairIcecastMethod method = c->protocol == GST_ICECAST_PROTOCOL_SOURCE
      ? ONAIR_ICECAST_METHOD_SOURCE
      : ONAIR_ICECAST_METHOD_PUT;

  for (;;) {
    GIOStream *stream = open_stream (c, use_tls, sink->cancellable, socket, f);
    Answer answer;

    if (stream == NULL) {
      /* In auto mode a server without TLS gets plain TCP, but a certificate
       * that fails validation stays an error. */
      if (use_tls && c->tls == GST_ICECAST_TLS_AUTO && !f->fatal
          && g_strcmp0 (f->reason, "TLS failure") == 0) {
        /* Never silent: the password now goes in clear.  tls=required is
         * the mode without this fallback. */
        GST_ELEMENT_WARNING (sink, RESOURCE, OPEN_WRITE,
            (_ ("The server does not speak TLS: streaming over plain TCP, "
                "where the password can be read on the way.")),
            ("TLS handshake with %s:%u failed (%s); tls=auto falls back to "
             "plain TCP, tls=required would not",
                c->request.host, c->request.port, GST_STR_NULL (f->debug)));
        onair_icecast_failure_clear (f);
        use_tls = FALSE;
        continue;
      }
      return NULL;
    }
    *unanswered = FALSE;
    answer = negotiate (sink, c, method, stream, *socket, sink->cancellable, f,
        unanswered);
    if (answer == ANSWER_STREAM) {
      *method_used = method == ONAIR_ICECAST_METHOD_PUT ? "put" : "source";
      *tls_used = use_tls;
      return stream;
    }
    g_io_stream_close (stream, NULL, NULL);
    g_object_unref (stream);
    if (answer != ANSWER_TRY_SOURCE)
      return NULL;
    GST_INFO_OBJECT (sink, "the server does not take PUT, trying SOURCE");
    method = ONAIR_ICECAST_METHOD_SOURCE;
  }
}

/* Sending */

static guint64
queue_span (GstIcecastSink *sink)
{
  GstBuffer *first = g_queue_peek_head (&sink->queue);
  GstBuffer *last = g_queue_peek_tail (&sink->queue);
  GstClockTime start, end;

  if (first == NULL)
    return 0;
  start = GST_BUFFER_PTS (first);
  end = GST_BUFFER_PTS (last);
  if (!GST_CLOCK_TIME_IS_VALID (start) || !GST_CLOCK_TIME_IS_VALID (end))
    return sink->queue.length * 20 * GST_MSECOND;
  if (GST_BUFFER_DURATION_IS_VALID (last))
    end += GST_BUFFER_DURATION (last);
  return end > start ? end - start : 0;
}

/* Drops the oldest queued data beyond what may be kept now: the backlog
 * while disconnected after a connection; while connected or before the first
 * one, also what one timeout may pile up, so that a stalled server never
 * makes memory grow without bound. */
static void
queue_trim (GstIcecastSink *sink)
{
  guint64 limit = sink->backlog;

  if (sink->state == STATE_STREAMING || !sink->ever_connected)
    limit = MAX (limit, (guint64) sink->timeout * GST_MSECOND);
  while (!g_queue_is_empty (&sink->queue)
      && (queue_span (sink) > limit
          || (limit == 0 && sink->state != STATE_STREAMING))) {
    GstBuffer *old = g_queue_pop_head (&sink->queue);

    sink->queued_bytes -= gst_buffer_get_size (old);
    sink->dropped_bytes += gst_buffer_get_size (old);
    gst_buffer_unref (old);
  }
}

static gboolean
write_buffer (GIOStream *stream, GstBuffer *buffer, GCancellable *cancellable,
    GError **error)
{
  GstMapInfo map;
  gboolean ok;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return TRUE;
  ok = g_output_stream_write_all (g_io_stream_get_output_stream (stream),
      map.data, map.size, NULL, cancellable, error);
  gst_buffer_unmap (buffer, &map);
  return ok;
}

/* Waits @delay or until stopped; FALSE when stopped. */
static gboolean
wait_or_stop (GstIcecastSink *sink, guint64 delay)
{
  gint64 end = g_get_monotonic_time () + delay / GST_USECOND;

  SENDER_LOCK (sink);
  while (sink->running && g_get_monotonic_time () < end)
    g_cond_wait_until (&sink->cond, &sink->lock, end);
  SENDER_UNLOCK (sink);
  return sink->running;
}

static void
sender_fail (GstIcecastSink *sink, Failure *f, guint attempts)
{
  gchar *debug = attempts > 1
      ? g_strdup_printf ("%s (after %u attempts)", f->debug, attempts)
      : g_strdup (f->debug);

  SENDER_LOCK (sink);
  sink->failed = TRUE;
  sink->state = STATE_FAILED;
  g_cond_broadcast (&sink->cond);
  SENDER_UNLOCK (sink);
  gst_element_message_full (GST_ELEMENT_CAST (sink), GST_MESSAGE_ERROR,
      f->domain, f->code, g_strdup (f->message), debug, __FILE__, GST_FUNCTION,
      __LINE__);
}

/* Kernel send buffers grow to megabytes: a server that stops reading would
 * go unnoticed for minutes.  About two seconds of the stream is enough to
 * ride out a hiccup and lets a stall show within the timeout. */
static void
bound_send_buffer (GstIcecastSink *sink, GSocket *socket)
{
  gint bitrate;
  gint bytes;

  GST_OBJECT_LOCK (sink);
  bitrate = sink->bitrate;
  GST_OBJECT_UNLOCK (sink);
  SENDER_LOCK (sink);
  if (bitrate <= 0)
    bitrate = sink->tag_bitrate;
  SENDER_UNLOCK (sink);
  /* Two seconds of the stream; the bitrate may come from a relayed
   * station's tags, so any value is computed without overflow. */
  bytes = bitrate > 0
      ? (gint) CLAMP ((gint64) bitrate * 125 * 2, 64 * 1024, 4 * 1024 * 1024)
      : 256 * 1024;
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, bytes, NULL);
}

typedef enum {
  LATE_NOTHING,
  LATE_GO,
  LATE_REFUSED,
} LateReply;

/* A server that said nothing within SILENT_SERVER_WAIT may still answer
 * while the stream goes out: what it sent so far is read without waiting,
 * up to the longest reply that counts (more is malformed, whatever follows).
 * A refusal is described in @f; a connection that closed without a word is
 * left to the next write to find. */
static LateReply
read_late_reply (GstIcecastSink *sink, GIOStream *stream, GByteArray *bytes,
    Failure *f)
{
  GInputStream *in = g_io_stream_get_input_stream (stream);
  OnairIcecastReply reply = { 0 };
  gboolean closed = FALSE;
  Connection c;
  Answer answer;

  if (!G_IS_POLLABLE_INPUT_STREAM (in)
      || !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)))
    return LATE_NOTHING;
  while (bytes->len < ONAIR_ICECAST_MAX_REPLY) {
    guint8 chunk[2048];
    GError *error = NULL;
    gssize n =
        g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (in),
            chunk, MIN (sizeof (chunk), ONAIR_ICECAST_MAX_REPLY - bytes->len),
            NULL, &error);

    if (n > 0) {
      g_byte_array_append (bytes, chunk, n);
      continue;
    }
    closed =
        n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    g_clear_error (&error);
    break;
  }
  if (bytes->len == 0)
    return LATE_NOTHING;
  onair_icecast_reply_parse (bytes->data, bytes->len, closed, &reply);
  if (reply.kind == ONAIR_ICECAST_REPLY_INCOMPLETE) {
    onair_icecast_reply_clear (&reply);
    return LATE_NOTHING;
  }
  connection_snapshot (sink, &c);
  answer = answer_for_reply (&c, ONAIR_ICECAST_METHOD_PUT, FALSE, &reply, f);
  GST_INFO_OBJECT (sink, "late reply: HTTP %u %s", reply.status,
      GST_STR_NULL (reply.reason));
  connection_clear (&c);
  onair_icecast_reply_clear (&reply);
  return answer == ANSWER_STREAM ? LATE_GO : LATE_REFUSED;
}

/* After an attempt that failed as @f says: FALSE when the sender stops (a
 * fatal failure, the attempts used up, or the element stopped while it
 * waited to try again). */
static gboolean
retry_after (GstIcecastSink *sink, const Connection *c, const Failure *f,
    guint *attempt)
{
  guint64 delay;

  (*attempt)++;
  if (f->fatal
      || (c->max_attempts >= 0 && *attempt > (guint) c->max_attempts)) {
    post_disconnected (sink, f->reason, *attempt, GST_CLOCK_TIME_NONE);
    sender_fail (sink, (Failure *) f, *attempt);
    return FALSE;
  }
  /* Never a busy loop against a refusing server, even with 0. */
  delay = MAX (onair_icecast_backoff (*attempt, c->delay, c->max_delay),
      100 * GST_MSECOND);
  GST_ELEMENT_WARNING (sink, RESOURCE, OPEN_WRITE, ("%s", f->message),
      ("%s; retry %u in %" GST_TIME_FORMAT, f->debug, *attempt,
          GST_TIME_ARGS (delay)));
  post_disconnected (sink, f->reason, *attempt, delay);
  SENDER_LOCK (sink);
  sink->state = STATE_WAITING;
  queue_trim (sink);
  SENDER_UNLOCK (sink);
  return wait_or_stop (sink, delay);
}

/* Closes the sender's connection, and what the render thread sees of it. */
static void
drop_connection (GstIcecastSink *sink, GIOStream **stream, GByteArray **late)
{
  g_clear_pointer (late, g_byte_array_unref);
  if (*stream != NULL) {
    g_io_stream_close (*stream, NULL, NULL);
    g_clear_object (stream);
  }
  SENDER_LOCK (sink);
  g_clear_object (&sink->stream);
  sink->reply_pending = FALSE;
  sink->sender_busy = FALSE;
  SENDER_UNLOCK (sink);
}

static gpointer
sender_thread (gpointer data)
{
  GstIcecastSink *sink = data;
  GIOStream *stream = NULL;
  GSocket *socket = NULL;
  guint attempt = 0;
  /* What a server that let the stream start without a reply has said since,
   * while a reply may still come (for one timeout). */
  GByteArray *late = NULL;
  gint64 late_until = 0;

  for (;;) {
    GstBuffer *buffer = NULL;
    GError *error = NULL;
    Failure refusal = { 0 };
    LateReply said = LATE_NOTHING;

    SENDER_LOCK (sink);
    /* Nothing to do before the first data: its caps and tags are what the
     * request says about the stream. */
    while (sink->running
        && (stream == NULL ? sink->caps_content_type == NULL
                    || (g_queue_is_empty (&sink->queue) && !sink->ever_connected)
                           : g_queue_is_empty (&sink->queue)))
      g_cond_wait (&sink->cond, &sink->lock);
    if (!sink->running) {
      SENDER_UNLOCK (sink);
      break;
    }
    if (stream != NULL)
      buffer = g_queue_pop_head (&sink->queue);
    if (buffer != NULL) {
      sink->queued_bytes -= gst_buffer_get_size (buffer);
      sink->sender_busy = TRUE;
    }
    if (stream == NULL)
      sink->state = STATE_CONNECTING;
    SENDER_UNLOCK (sink);

    if (stream == NULL) {
      Connection c;
      Failure f = { 0 };
      const gchar *method = NULL;
      gboolean tls = FALSE, unanswered = FALSE;
      GPtrArray *headers;
      guint i;

      connection_snapshot (sink, &c);
      stream = connect_once (sink, &c, &socket, &method, &tls, &unanswered, &f);
      if (stream != NULL && unanswered) {
        late = g_byte_array_new ();
        late_until =
            g_get_monotonic_time () + (gint64) c.timeout_s * G_TIME_SPAN_SECOND;
      }
      if (stream != NULL) {
        g_socket_set_timeout (socket, c.timeout_s);
        bound_send_buffer (sink, socket);
        SENDER_LOCK (sink);
        sink->state = STATE_STREAMING;
        sink->stream_tls = tls;
        /* A new source on the mount has no title yet. */
        g_clear_pointer (&sink->sent_title, g_free);
        g_cond_broadcast (&sink->cond);
        sink->connected_since = g_get_monotonic_time ();
        sink->protocol_used = method;
        if (sink->ever_connected)
          sink->reconnections++;
        sink->ever_connected = TRUE;
        SENDER_UNLOCK (sink);
        post_connected (sink, c.request.mount, method, tls, attempt + 1);
        attempt = 0;
        /* Listeners joining from now on can always decode.  The streaming
         * thread replaces the header set at will: the sender writes its own
         * references, taken under the lock. */
        SENDER_LOCK (sink);
        headers = locked_copy_headers (sink);
        SENDER_UNLOCK (sink);
        for (i = 0; i < headers->len && stream != NULL; i++) {
          if (!write_buffer (stream, g_ptr_array_index (headers, i),
                  sink->cancellable, &error))
            drop_connection (sink, &stream, &late);
        }
        g_ptr_array_unref (headers);
        if (stream != NULL) {
          SENDER_LOCK (sink);
          sink->stream = g_object_ref (stream);
          sink->reply_pending = late != NULL;
          SENDER_UNLOCK (sink);
        }
      }
      if (stream == NULL && f.message == NULL && error != NULL)
        failure_from_io (&f, &c, error, "sending the stream headers");
      g_clear_error (&error);
      if (stream == NULL && !g_cancellable_is_cancelled (sink->cancellable)) {
        gboolean go_on = retry_after (sink, &c, &f, &attempt);

        connection_clear (&c);
        onair_icecast_failure_clear (&f);
        if (!go_on)
          break;
      } else {
        connection_clear (&c);
        onair_icecast_failure_clear (&f);
      }
      continue;
    }

    if (late != NULL)
      said = read_late_reply (sink, stream, late, &refusal);
    if (said != LATE_REFUSED
        && !write_buffer (stream, buffer, sink->cancellable, &error)) {
      /* A refusal the server sent may be why the write failed. */
      if (late != NULL && !g_cancellable_is_cancelled (sink->cancellable))
        said = read_late_reply (sink, stream, late, &refusal);
      if (said == LATE_REFUSED)
        g_clear_error (&error);
    }
    if (said == LATE_REFUSED) {
      Connection c;
      gboolean go_on;

      GST_WARNING_OBJECT (sink, "the server refused the stream: %s",
          refusal.debug);
      drop_connection (sink, &stream, &late);
      SENDER_LOCK (sink);
      sink->connected_since = 0;
      /* The server took none of the stream: this buffer goes again. */
      g_queue_push_head (&sink->queue, buffer);
      sink->queued_bytes += gst_buffer_get_size (buffer);
      SENDER_UNLOCK (sink);
      connection_snapshot (sink, &c);
      go_on = retry_after (sink, &c, &refusal, &attempt);
      connection_clear (&c);
      onair_icecast_failure_clear (&refusal);
      if (!go_on)
        break;
      continue;
    }
    if (late != NULL
        && (said == LATE_GO || g_get_monotonic_time () >= late_until)) {
      g_clear_pointer (&late, g_byte_array_unref);
      SENDER_LOCK (sink);
      sink->reply_pending = FALSE;
      SENDER_UNLOCK (sink);
    }
    if (error != NULL) {
      Connection c;
      Failure f = { 0 };

      drop_connection (sink, &stream, &late);
      if (g_cancellable_is_cancelled (sink->cancellable)) {
        g_clear_error (&error);
        break;
      }
      connection_snapshot (sink, &c);
      failure_from_io (&f, &c, error, "sending");
      GST_WARNING_OBJECT (sink, "connection lost: %s", error->message);
      g_clear_error (&error);
      SENDER_LOCK (sink);
      sink->state = STATE_WAITING;
      sink->connected_since = 0;
      /* What the dead connection may not have delivered goes again. */
      if (c.keep_backlog) {
        g_queue_push_head (&sink->queue, buffer);
        sink->queued_bytes += gst_buffer_get_size (buffer);
      } else {
        sink->dropped_bytes += gst_buffer_get_size (buffer);
        gst_buffer_unref (buffer);
      }
      queue_trim (sink);
      SENDER_UNLOCK (sink);
      connection_clear (&c);
      post_disconnected (sink, f.reason, 0, 0);
      onair_icecast_failure_clear (&f);
      continue;
    }
    SENDER_LOCK (sink);
    sink->bytes_sent += gst_buffer_get_size (buffer);
    sink->sender_busy = FALSE;
    /* A drain at EOS may be waiting for the queue to empty. */
    g_cond_broadcast (&sink->cond);
    SENDER_UNLOCK (sink);
    gst_buffer_unref (buffer);
  }

  drop_connection (sink, &stream, &late);
  return NULL;
}

/* Title updates */

static gboolean
accept_title_certificate (SoupMessage *msg, GTlsCertificate *cert,
    GTlsCertificateFlags errors, gpointer user_data)
{
  return (errors & GPOINTER_TO_UINT (user_data)) == 0;
}

/* One title update: the admin request of Icecast, on the connection's own
 * scheme, with the same certificate checks as the stream. */
static gboolean
send_title (GstIcecastSink *sink, SoupSession *session, const gchar *title,
    gboolean tls, gchar **problem)
{
  gchar *user, *password, *host, *mount, *url, *query, *auth;
  gchar *enc_mount, *enc_title;
  GTlsCertificateFlags flags;
  guint port, timeout;
  SoupMessage *msg;
  GInputStream *body;
  GError *error = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (sink);
  user = g_strdup (
      sink->admin_user != NULL ? sink->admin_user : locked_user (sink));
  password = g_strdup (sink->admin_password != NULL ? sink->admin_password
                                                    : locked_password (sink));
  host = g_strdup (sink->host);
  mount = g_strdup (sink->mount);
  port = sink->port;
  flags = sink->tls_validation_flags;
  timeout = MAX (1, (sink->timeout + 999) / 1000);
  GST_OBJECT_UNLOCK (sink);

  enc_mount = g_uri_escape_string (mount, NULL, FALSE);
  enc_title = g_uri_escape_string (title, NULL, FALSE);
  query = g_strdup_printf ("mount=%s&mode=updinfo&song=%s&charset=UTF-8",
      enc_mount, enc_title);
  url = g_uri_join (G_URI_FLAGS_ENCODED_QUERY, tls ? "https" : "http", NULL,
      host, port, "/admin/metadata", query, NULL);
  g_object_set (session, "timeout", timeout, NULL);
  msg = soup_message_new ("GET", url);
  g_signal_connect (msg, "accept-certificate",
      G_CALLBACK (accept_title_certificate), GUINT_TO_POINTER (flags));
  auth = onair_icecast_basic_auth (user, password);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", auth);
  /* Cancelled by stop(), like the sender's I/O.  Only the status counts:
   * of the body, at most the longest reply that counts is read, as it came
   * (the session decodes no content), and the rest is left unread. */
  body = soup_session_send (session, msg, sink->cancellable, &error);
  if (body != NULL) {
    gchar *ignored = g_malloc (ONAIR_ICECAST_MAX_REPLY);
    gsize got = 0;

    GCancellable *drop = g_cancellable_new ();

    g_input_stream_read_all (body, ignored, ONAIR_ICECAST_MAX_REPLY, &got,
        sink->cancellable, NULL);
    /* Closed at once, without reading the rest to keep the connection. */
    g_cancellable_cancel (drop);
    g_input_stream_close (body, drop, NULL);
    g_object_unref (drop);
    g_free (ignored);
  }
  ok = body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK;
  if (!ok)
    *problem = error != NULL
        ? g_strdup (error->message)
        : g_strdup_printf ("HTTP %u %s", soup_message_get_status (msg),
            soup_message_get_reason_phrase (msg));

  memset (auth, 0, strlen (auth));
  if (password != NULL)
    memset (password, 0, strlen (password));
  g_free (auth);
  g_clear_error (&error);
  g_clear_object (&body);
  g_object_unref (msg);
  g_free (url);
  g_free (query);
  g_free (enc_mount);
  g_free (enc_title);
  g_free (user);
  g_free (password);
  g_free (host);
  g_free (mount);
  return ok;
}

/* Keeps the mount's title what the tags say: sent while connected, again
 * after every new connection (a new source has no title), retried every
 * 2 s when the server refuses (a mount that does not exist yet). */
static gpointer
metadata_thread (gpointer data)
{
  GstIcecastSink *sink = data;
  SoupSession *session =
      soup_session_new_with_options ("proxy-resolver", NULL, NULL);

  /* A reply is never expanded: a small compressed body could fill the
   * memory (and no Accept-Encoding invites one). */
  soup_session_remove_feature_by_type (session, SOUP_TYPE_CONTENT_DECODER);
  gchar *warned = NULL;

  SENDER_LOCK (sink);
  while (sink->running) {
    gchar *title, *problem = NULL;
    gboolean tls, ok;

    if (sink->state != STATE_STREAMING || sink->wanted_title == NULL
        || g_strcmp0 (sink->wanted_title, sink->sent_title) == 0) {
      g_cond_wait (&sink->cond, &sink->lock);
      continue;
    }
    if (g_get_monotonic_time () < sink->title_retry_at) {
      g_cond_wait_until (&sink->cond, &sink->lock, sink->title_retry_at);
      continue;
    }
    title = g_strdup (sink->wanted_title);
    tls = sink->stream_tls;
    SENDER_UNLOCK (sink);

    ok = send_title (sink, session, title, tls, &problem);

    SENDER_LOCK (sink);
    if (ok) {
      g_free (sink->sent_title);
      sink->sent_title = g_strdup (title);
      sink->metadata_updates++;
      SENDER_UNLOCK (sink);
      GST_INFO_OBJECT (sink, "title now \"%s\"", title);
      gst_element_post_message (GST_ELEMENT_CAST (sink),
          gst_message_new_element (GST_OBJECT_CAST (sink),
              gst_structure_new ("icecast-metadata", "title", G_TYPE_STRING,
                  title, NULL)));
      SENDER_LOCK (sink);
    } else {
      sink->title_retry_at = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;
      if (g_strcmp0 (warned, title) != 0 && sink->running) {
        g_free (warned);
        warned = g_strdup (title);
        SENDER_UNLOCK (sink);
        GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
            (_ ("Could not update the title on mount %s."),
                GST_STR_NULL (sink->mount)),
            ("%s", problem));
        SENDER_LOCK (sink);
      }
    }
    g_free (problem);
    g_free (title);
  }
  SENDER_UNLOCK (sink);
  g_free (warned);
  g_object_unref (session);
  return NULL;
}

/* Caps, tags, data */

static const gchar *
content_type_for_caps (const GstStructure *s, gboolean *in_stream)
{
  const gchar *name = gst_structure_get_name (s);
  gint version = 0, layer = 0;
  const gchar *format;

  *in_stream = FALSE;
  if (g_str_equal (name, "audio/mpeg")) {
    gst_structure_get_int (s, "mpegversion", &version);
    if (version == 1) {
      if (gst_structure_get_int (s, "layer", &layer)
          && (layer < 1 || layer > 3))
        return NULL;
      return "audio/mpeg";
    }
    format = gst_structure_get_string (s, "stream-format");
    if ((version == 2 || version == 4) && g_strcmp0 (format, "adts") == 0)
      return "audio/aac";
    return NULL;
  }
  *in_stream = TRUE;
  if (g_str_equal (name, "application/ogg") || g_str_equal (name, "audio/ogg")
      || g_str_equal (name, "video/ogg"))
    return "application/ogg";
  if (g_str_equal (name, "audio/webm"))
    return "audio/webm";
  if (g_str_equal (name, "video/webm"))
    return "video/webm";
  *in_stream = FALSE;
  return NULL;
}

static gboolean
gst_icecast_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (bsink);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const GValue *streamheader;
  const gchar *type;
  gboolean in_stream;
  gchar *override;
  guint i;

  type = content_type_for_caps (s, &in_stream);
  GST_OBJECT_LOCK (sink);
  override = g_strdup (sink->content_type);
  GST_OBJECT_UNLOCK (sink);
  if (type == NULL && override == NULL) {
    gchar *str = gst_caps_to_string (caps);

    SENDER_LOCK (sink);
    if (sink->failed) {
      SENDER_UNLOCK (sink);
      g_free (str);
      g_free (override);
      return FALSE;
    }
    sink->failed = TRUE;
    SENDER_UNLOCK (sink);
    GST_ELEMENT_ERROR (sink, STREAM, FORMAT,
        (_ ("Icecast streams MP3, AAC (ADTS), Ogg or WebM: set the "
            "content-type property to send anything else.")),
        ("no content type for caps %s", str));
    g_free (str);
    return FALSE;
  }

  SENDER_LOCK (sink);
  g_free (sink->caps_content_type);
  sink->caps_content_type = g_strdup (override != NULL ? override : type);
  sink->in_stream_metadata = in_stream;
  gst_structure_get_int (s, "rate", &sink->caps_rate);
  gst_structure_get_int (s, "channels", &sink->caps_channels);
  streamheader = gst_structure_get_value (s, "streamheader");
  sink->caps_headers =
      streamheader != NULL && GST_VALUE_HOLDS_ARRAY (streamheader);
  if (sink->caps_headers) {
    g_ptr_array_set_size (sink->headers, 0);
    for (i = 0; i < gst_value_array_get_size (streamheader); i++) {
      const GValue *v = gst_value_array_get_value (streamheader, i);

      if (G_VALUE_HOLDS (v, GST_TYPE_BUFFER))
        g_ptr_array_add (sink->headers,
            gst_buffer_ref (gst_value_get_buffer (v)));
    }
  }
  g_cond_broadcast (&sink->cond);
  SENDER_UNLOCK (sink);
  g_free (override);
  return TRUE;
}

static void
handle_tags (GstIcecastSink *sink, GstTagList *tags)
{
  gchar *artist = NULL, *title = NULL, *text, *format;
  guint bitrate = 0;
  gboolean send;

  static const gchar *const info_tags[4] = { GST_TAG_ORGANIZATION,
    GST_TAG_DESCRIPTION, GST_TAG_GENRE, GST_TAG_HOMEPAGE };
  guint i;

  if (gst_tag_list_get_uint (tags, GST_TAG_BITRATE, &bitrate)
      || gst_tag_list_get_uint (tags, GST_TAG_NOMINAL_BITRATE, &bitrate)) {
    SENDER_LOCK (sink);
    sink->tag_bitrate = bitrate / 1000;
    SENDER_UNLOCK (sink);
  }
  for (i = 0; i < G_N_ELEMENTS (info_tags); i++) {
    gchar *value = NULL;

    if (gst_tag_list_get_string (tags, info_tags[i], &value)) {
      SENDER_LOCK (sink);
      g_free (sink->tag_info[i]);
      sink->tag_info[i] = value;
      SENDER_UNLOCK (sink);
    }
  }
  if (!gst_tag_list_get_string (tags, GST_TAG_TITLE, &title))
    return;
  gst_tag_list_get_string (tags, GST_TAG_ARTIST, &artist);

  GST_OBJECT_LOCK (sink);
  format = g_strdup (sink->metadata_format);
  send = sink->send_metadata;
  GST_OBJECT_UNLOCK (sink);
  text = onair_icecast_format_title (format, artist, title);

  SENDER_LOCK (sink);
  /* Ogg and WebM carry titles in their own comments; and only a change is
   * news.  The HTTP client and its thread exist once there is a title. */
  if (send && text != NULL && !sink->in_stream_metadata
      && g_strcmp0 (text, sink->wanted_title) != 0 && sink->running) {
    g_free (sink->wanted_title);
    sink->wanted_title = g_strdup (text);
    sink->title_retry_at = 0;
    if (sink->metadata_thread == NULL)
      sink->metadata_thread =
          g_thread_new ("icecast-metadata", metadata_thread, sink);
    g_cond_broadcast (&sink->cond);
  }
  SENDER_UNLOCK (sink);
  g_free (text);
  g_free (format);
  g_free (title);
  g_free (artist);
}

/* At EOS what is queued still goes out (a file ends complete), for at most
 * the timeout, and never past a flush or a stop. */
static void
drain (GstIcecastSink *sink)
{
  gint64 deadline;

  GST_OBJECT_LOCK (sink);
  deadline = g_get_monotonic_time () + sink->timeout * G_TIME_SPAN_MILLISECOND;
  GST_OBJECT_UNLOCK (sink);
  SENDER_LOCK (sink);
  while (sink->running && !sink->failed && !sink->flushing
      && (!g_queue_is_empty (&sink->queue) || sink->sender_busy)
      && g_cond_wait_until (&sink->cond, &sink->lock, deadline))
    ;
  SENDER_UNLOCK (sink);
}

static gboolean
gst_icecast_sink_unlock (GstBaseSink *bsink)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (bsink);

  SENDER_LOCK (sink);
  sink->flushing = TRUE;
  g_cond_broadcast (&sink->cond);
  SENDER_UNLOCK (sink);
  return TRUE;
}

static gboolean
gst_icecast_sink_unlock_stop (GstBaseSink *bsink)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (bsink);

  SENDER_LOCK (sink);
  sink->flushing = FALSE;
  SENDER_UNLOCK (sink);
  return TRUE;
}

static gboolean
gst_icecast_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (bsink);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    drain (sink);
  if (GST_EVENT_TYPE (event) == GST_EVENT_TAG) {
    GstTagList *tags;

    gst_event_parse_tag (event, &tags);
    handle_tags (sink, tags);
  }
  return GST_BASE_SINK_CLASS (gst_icecast_sink_parent_class)
      ->event (bsink, event);
}

/* Header buffers go out first on every connection, never twice: the ones
 * the caps list are already held; in-band ones (without a caps streamheader)
 * are kept as the current header set. */
static gboolean
take_header (GstIcecastSink *sink, GstBuffer *buffer)
{
  GstMapInfo map;
  guint i;

  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_HEADER)) {
    sink->header_set_open = FALSE;
    return FALSE;
  }
  for (i = 0; i < sink->headers->len; i++) {
    GstBuffer *h = g_ptr_array_index (sink->headers, i);
    gboolean same = h == buffer;

    if (!same && gst_buffer_get_size (h) == gst_buffer_get_size (buffer)
        && gst_buffer_map (h, &map, GST_MAP_READ)) {
      same = gst_buffer_memcmp (buffer, 0, map.data, map.size) == 0;
      gst_buffer_unmap (h, &map);
    }
    if (same)
      return TRUE;
  }
  if (!sink->header_set_open && !sink->caps_headers)
    g_ptr_array_set_size (sink->headers, 0);
  sink->header_set_open = TRUE;
  g_ptr_array_add (sink->headers, gst_buffer_ref (buffer));
  /* Already on the air: the listeners need the new headers now. */
  return sink->state != STATE_STREAMING;
}

/* A non-blocking write of @buffer on the streaming connection, with the
 * lock held; returns the bytes written.  Anything short of all of it (the
 * socket is full, or broken) is left to the sender. */
static gsize
write_now (GstIcecastSink *sink, GstBuffer *buffer)
{
  GOutputStream *out = g_io_stream_get_output_stream (sink->stream);
  GstMapInfo map;
  gssize n;

  if (!G_IS_POLLABLE_OUTPUT_STREAM (out)
      || !g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (out))
      || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return 0;
  n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (
                                                      out),
      map.data, map.size, NULL, NULL);
  gst_buffer_unmap (buffer, &map);
  if (n <= 0)
    return 0;
  sink->bytes_sent += n;
  return n;
}

static GstFlowReturn
gst_icecast_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (bsink);

  SENDER_LOCK (sink);
  if (sink->failed) {
    SENDER_UNLOCK (sink);
    return GST_FLOW_ERROR;
  }
  if (take_header (sink, buffer)) {
    SENDER_UNLOCK (sink);
    return GST_FLOW_OK;
  }
  /* On an idle connection the buffer goes out from here, without waking
   * the sender: one thread switch less per buffer. */
  if (sink->stream != NULL && !sink->sender_busy && !sink->reply_pending
      && g_queue_is_empty (&sink->queue)) {
    gsize written = write_now (sink, buffer);

    if (written == gst_buffer_get_size (buffer)) {
      SENDER_UNLOCK (sink);
      return GST_FLOW_OK;
    }
    if (written > 0)
      buffer = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_ALL, written,
          gst_buffer_get_size (buffer) - written);
    else
      gst_buffer_ref (buffer);
  } else {
    gst_buffer_ref (buffer);
  }
  g_queue_push_tail (&sink->queue, buffer);
  sink->queued_bytes += gst_buffer_get_size (buffer);
  queue_trim (sink);
  g_cond_broadcast (&sink->cond);
  SENDER_UNLOCK (sink);
  return GST_FLOW_OK;
}

/* Pacing against the clock on every MP3 frame costs a thread wake-up
 * each; waiting for one buffer per PACE_STEP of stream keeps the stream in
 * real time (at most PACE_STEP early) for a fraction of that. */
#define PACE_STEP (100 * GST_MSECOND)

/* Stateless (basesink asks twice per buffer): only a buffer that starts a
 * new PACE_STEP of stream, or crosses into one, is synced. */
static void
gst_icecast_sink_get_times (GstBaseSink *bsink, GstBuffer *buffer,
    GstClockTime *start, GstClockTime *end)
{
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buffer) ? GST_BUFFER_PTS (buffer)
                                                     : GST_BUFFER_DTS (buffer);
  GstClockTime duration = GST_BUFFER_DURATION (buffer);

  *start = *end = GST_CLOCK_TIME_NONE;
  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;
  if (GST_CLOCK_TIME_IS_VALID (duration) && duration > 0 && ts % PACE_STEP != 0
      && ts / PACE_STEP == (ts + duration) / PACE_STEP)
    return;
  *start = ts;
  if (GST_CLOCK_TIME_IS_VALID (duration))
    *end = ts + duration;
}

/* States */

static void
clear_tag_info (GstIcecastSink *sink)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sink->tag_info); i++)
    g_clear_pointer (&sink->tag_info[i], g_free);
}

static gboolean
gst_icecast_sink_start (GstBaseSink *bsink)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (bsink);
  gboolean ready;

  GST_OBJECT_LOCK (sink);
  ready = sink->host != NULL && sink->mount != NULL && *sink->mount == '/';
  GST_OBJECT_UNLOCK (sink);
  if (sink->location_invalid) {
    GST_ELEMENT_ERROR (sink, RESOURCE, SETTINGS,
        (_ ("The location must read "
            "icecast://[user[:password]@]host[:port]/mount.")),
        ("location could not be parsed"));
    return FALSE;
  }
  if (!ready) {
    GST_ELEMENT_ERROR (sink, RESOURCE, NOT_FOUND,
        (_ ("No Icecast server and mount given.")),
        ("set location=icecast://host:port/mount, or host and mount"));
    return FALSE;
  }

  SENDER_LOCK (sink);
  sink->running = TRUE;
  sink->failed = FALSE;
  sink->ever_connected = FALSE;
  sink->state = STATE_IDLE;
  sink->bytes_sent = sink->dropped_bytes = 0;
  sink->reconnections = sink->metadata_updates = 0;
  sink->connected_since = 0;
  sink->protocol_used = NULL;
  g_clear_pointer (&sink->wanted_title, g_free);
  g_clear_pointer (&sink->sent_title, g_free);
  sink->title_retry_at = 0;
  clear_tag_info (sink);
  sink->cancellable = g_cancellable_new ();
  SENDER_UNLOCK (sink);

  sink->sender = g_thread_new ("icecast-sender", sender_thread, sink);
  return TRUE;
}

static gboolean
gst_icecast_sink_stop (GstBaseSink *bsink)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (bsink);
  GstBuffer *buffer;

  SENDER_LOCK (sink);
  sink->running = FALSE;
  g_cond_broadcast (&sink->cond);
  SENDER_UNLOCK (sink);
  /* Unblocks a connect, a handshake or a write at once. */
  if (sink->cancellable != NULL)
    g_cancellable_cancel (sink->cancellable);
  g_clear_pointer (&sink->sender, g_thread_join);
  g_clear_pointer (&sink->metadata_thread, g_thread_join);
  g_clear_object (&sink->cancellable);

  SENDER_LOCK (sink);
  while ((buffer = g_queue_pop_head (&sink->queue)) != NULL)
    gst_buffer_unref (buffer);
  sink->queued_bytes = 0;
  g_ptr_array_set_size (sink->headers, 0);
  g_clear_pointer (&sink->caps_content_type, g_free);
  sink->state = STATE_IDLE;
  SENDER_UNLOCK (sink);
  return TRUE;
}

/* Properties */

static GstStructure *
gst_icecast_sink_stats (GstIcecastSink *sink)
{
  GstStructure *s;

  SENDER_LOCK (sink);
  s = gst_structure_new ("icecastsink-stats", "state", G_TYPE_STRING,
      state_names[sink->state], "bytes-sent", G_TYPE_UINT64, sink->bytes_sent,
      "dropped-bytes", G_TYPE_UINT64, sink->dropped_bytes, "queued-bytes",
      G_TYPE_UINT64, sink->queued_bytes, "connected-time", G_TYPE_UINT64,
      sink->state == STATE_STREAMING && sink->connected_since > 0
          ? (guint64) (g_get_monotonic_time () - sink->connected_since)
              * GST_USECOND
          : (guint64) 0,
      "reconnections", G_TYPE_UINT, sink->reconnections, "metadata-updates",
      G_TYPE_UINT, sink->metadata_updates, "protocol", G_TYPE_STRING,
      sink->protocol_used, NULL);
  SENDER_UNLOCK (sink);
  return s;
}

static void
gst_icecast_sink_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (object);
  GError *error = NULL;

  if (prop_id == PROP_LOCATION) {
    /* Reported at start, where the application sees it on the bus; the
     * text never repeats the location, which may hold a password. */
    sink->location_invalid = g_value_get_string (value) != NULL
        && !set_location (sink, g_value_get_string (value), &error);
    g_clear_error (&error);
    return;
  }

  GST_OBJECT_LOCK (sink);
  switch (prop_id) {
    case PROP_HOST:
      onair_icecast_replace_string (&sink->host, g_value_dup_string (value));
      break;
    case PROP_PORT:
      sink->port = g_value_get_uint (value);
      break;
    case PROP_MOUNT:
      g_free (sink->mount);
      sink->mount = g_value_get_string (value) == NULL ? NULL
          : *g_value_get_string (value) == '/'
          ? g_value_dup_string (value)
          : g_strconcat ("/", g_value_get_string (value), NULL);
      break;
    case PROP_USERNAME:
      /* The application's choice, newer than the location's. */
      g_clear_pointer (&sink->location_user, g_free);
      onair_icecast_replace_string (&sink->username,
          g_value_dup_string (value));
      break;
    case PROP_PASSWORD:
      onair_icecast_replace_string (&sink->location_password, NULL);
      onair_icecast_replace_string (&sink->password,
          g_value_dup_string (value));
      break;
    case PROP_PROTOCOL:
      sink->protocol = g_value_get_enum (value);
      break;
    case PROP_TLS:
      sink->tls = g_value_get_enum (value);
      sink->location_tls = FALSE;
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      sink->tls_validation_flags = g_value_get_flags (value);
      break;
    case PROP_CONTENT_TYPE:
      onair_icecast_replace_string (&sink->content_type,
          g_value_dup_string (value));
      break;
    case PROP_STREAM_NAME:
      onair_icecast_replace_string (&sink->stream_name,
          g_value_dup_string (value));
      break;
    case PROP_DESCRIPTION:
      onair_icecast_replace_string (&sink->description,
          g_value_dup_string (value));
      break;
    case PROP_GENRE:
      onair_icecast_replace_string (&sink->genre, g_value_dup_string (value));
      break;
    case PROP_URL:
      onair_icecast_replace_string (&sink->url, g_value_dup_string (value));
      break;
    case PROP_PUBLIC:
      sink->is_public = g_value_get_boolean (value);
      break;
    case PROP_AUDIO_INFO:
      onair_icecast_replace_string (&sink->audio_info,
          g_value_dup_string (value));
      break;
    case PROP_BITRATE:
      sink->bitrate = g_value_get_int (value);
      break;
    case PROP_SEND_METADATA:
      sink->send_metadata = g_value_get_boolean (value);
      break;
    case PROP_METADATA_FORMAT:
      onair_icecast_replace_string (&sink->metadata_format,
          g_value_dup_string (value));
      break;
    case PROP_ADMIN_USER:
      onair_icecast_replace_string (&sink->admin_user,
          g_value_dup_string (value));
      break;
    case PROP_ADMIN_PASSWORD:
      onair_icecast_replace_string (&sink->admin_password,
          g_value_dup_string (value));
      break;
    case PROP_RECONNECT_DELAY:
      sink->reconnect_delay = g_value_get_uint64 (value);
      break;
    case PROP_MAX_RECONNECT_DELAY:
      sink->max_reconnect_delay = g_value_get_uint64 (value);
      break;
    case PROP_MAX_RECONNECT_ATTEMPTS:
      sink->max_reconnect_attempts = g_value_get_int (value);
      break;
    case PROP_BACKLOG:
      sink->backlog = g_value_get_uint64 (value);
      break;
    case PROP_TIMEOUT:
      sink->timeout = g_value_get_uint (value);
      break;
    case PROP_USER_AGENT:
      onair_icecast_replace_string (&sink->user_agent,
          g_value_dup_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_icecast_sink_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_icecast_sink_stats (sink));
    return;
  }

  GST_OBJECT_LOCK (sink);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_take_string (value, location_string (sink));
      break;
    case PROP_HOST:
      g_value_set_string (value, sink->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, sink->port);
      break;
    case PROP_MOUNT:
      g_value_set_string (value, sink->mount);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, locked_user (sink));
      break;
    case PROP_PROTOCOL:
      g_value_set_enum (value, sink->protocol);
      break;
    case PROP_TLS:
      g_value_set_enum (value, locked_tls (sink));
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      g_value_set_flags (value, sink->tls_validation_flags);
      break;
    case PROP_CONTENT_TYPE:
      g_value_set_string (value, sink->content_type);
      break;
    case PROP_STREAM_NAME:
      g_value_set_string (value, sink->stream_name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, sink->description);
      break;
    case PROP_GENRE:
      g_value_set_string (value, sink->genre);
      break;
    case PROP_URL:
      g_value_set_string (value, sink->url);
      break;
    case PROP_PUBLIC:
      g_value_set_boolean (value, sink->is_public);
      break;
    case PROP_AUDIO_INFO:
      g_value_set_string (value, sink->audio_info);
      break;
    case PROP_BITRATE:
      g_value_set_int (value, sink->bitrate);
      break;
    case PROP_SEND_METADATA:
      g_value_set_boolean (value, sink->send_metadata);
      break;
    case PROP_METADATA_FORMAT:
      g_value_set_string (value, sink->metadata_format);
      break;
    case PROP_ADMIN_USER:
      g_value_set_string (value, sink->admin_user);
      break;
    case PROP_RECONNECT_DELAY:
      g_value_set_uint64 (value, sink->reconnect_delay);
      break;
    case PROP_MAX_RECONNECT_DELAY:
      g_value_set_uint64 (value, sink->max_reconnect_delay);
      break;
    case PROP_MAX_RECONNECT_ATTEMPTS:
      g_value_set_int (value, sink->max_reconnect_attempts);
      break;
    case PROP_BACKLOG:
      g_value_set_uint64 (value, sink->backlog);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, sink->timeout);
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, sink->user_agent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (sink);
}

static void
gst_icecast_sink_finalize (GObject *object)
{
  GstIcecastSink *sink = GST_ICECAST_SINK (object);
  gchar **secrets[] = { &sink->password, &sink->admin_password,
    &sink->location_password };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (secrets); i++) {
    if (*secrets[i] != NULL)
      memset (*secrets[i], 0, strlen (*secrets[i]));
    g_clear_pointer (secrets[i], g_free);
  }
  g_free (sink->host);
  g_free (sink->mount);
  g_free (sink->username);
  g_free (sink->location_user);
  g_free (sink->content_type);
  g_free (sink->stream_name);
  g_free (sink->description);
  g_free (sink->genre);
  g_free (sink->url);
  g_free (sink->audio_info);
  g_free (sink->metadata_format);
  g_free (sink->admin_user);
  g_free (sink->user_agent);
  g_free (sink->caps_content_type);
  g_free (sink->wanted_title);
  g_free (sink->sent_title);
  clear_tag_info (sink);
  g_ptr_array_unref (sink->headers);
  g_mutex_clear (&sink->lock);
  g_cond_clear (&sink->cond);
  G_OBJECT_CLASS (gst_icecast_sink_parent_class)->finalize (object);
}

static void
gst_icecast_sink_class_init (GstIcecastSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags rw =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  /* Secrets can be set, never read: not by applications, not by
   * gst-launch-1.0 -v. */
  const GParamFlags wo =
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_icecast_sink_set_property;
  gobject_class->get_property = gst_icecast_sink_get_property;
  gobject_class->finalize = gst_icecast_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "icecast://[user[:password]@]host[:port]/mount, icecasts:// for "
          "TLS; read back without the password",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_HOST,
      g_param_spec_string ("host", "Host", "Icecast server name or address",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_uint ("port", "Port", "Icecast server port (default 8000)",
          1, 65535, DEFAULT_PORT, rw));
  g_object_class_install_property (gobject_class, PROP_MOUNT,
      g_param_spec_string ("mount", "Mount", "Mount point, e.g. /live.mp3",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_USERNAME,
      g_param_spec_string ("username", "User name",
          "Source user name (default \"source\")", DEFAULT_USERNAME, rw));
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password",
          "Source password (write-only)", NULL, wo));
  g_object_class_install_property (gobject_class, PROP_PROTOCOL,
      g_param_spec_enum ("protocol", "Protocol",
          "How to ask for the mount (default auto)", GST_TYPE_ICECAST_PROTOCOL,
          DEFAULT_PROTOCOL, rw));
  g_object_class_install_property (gobject_class, PROP_TLS,
      g_param_spec_enum ("tls", "TLS",
          "Whether to use TLS (default none; icecasts:// sets required)",
          GST_TYPE_ICECAST_TLS, DEFAULT_TLS, rw));
  g_object_class_install_property (gobject_class, PROP_TLS_VALIDATION_FLAGS,
      g_param_spec_flags ("tls-validation-flags", "TLS validation flags",
          "Certificate problems that make the connection fail (default all)",
          G_TYPE_TLS_CERTIFICATE_FLAGS, DEFAULT_TLS_VALIDATION_FLAGS, rw));
  g_object_class_install_property (gobject_class, PROP_CONTENT_TYPE,
      g_param_spec_string ("content-type", "Content type",
          "Content-Type sent to the server (default: from the caps)", NULL,
          rw));
  g_object_class_install_property (gobject_class, PROP_STREAM_NAME,
      g_param_spec_string ("stream-name", "Stream name",
          "Name of the station (ice-name)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_DESCRIPTION,
      g_param_spec_string ("description", "Description",
          "Description of the station (ice-description)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_GENRE,
      g_param_spec_string ("genre", "Genre", "Genre (ice-genre)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_URL,
      g_param_spec_string ("url", "URL", "Web site of the station (ice-url)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_PUBLIC,
      g_param_spec_boolean ("public", "Public",
          "List the station in directories (ice-public, default false)",
          DEFAULT_PUBLIC, rw));
  g_object_class_install_property (gobject_class, PROP_AUDIO_INFO,
      g_param_spec_string ("audio-info", "Audio info",
          "ice-audio-info as bitrate=..;samplerate=..;channels=.. "
          "(default: from caps and tags)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_BITRATE,
      g_param_spec_int ("bitrate", "Bitrate",
          "ice-bitrate in kbit/s (0 = from tags, default 0)", 0, G_MAXINT, 0,
          rw));
  g_object_class_install_property (gobject_class, PROP_SEND_METADATA,
      g_param_spec_boolean ("send-metadata", "Send metadata",
          "Send title and artist tags as title updates (MP3 and AAC mounts; "
          "Ogg and WebM carry them in the stream) (default true)",
          DEFAULT_SEND_METADATA, rw));
  g_object_class_install_property (gobject_class, PROP_METADATA_FORMAT,
      g_param_spec_string ("metadata-format", "Metadata format",
          "Title sent: %a artist, %t title, %% a percent sign; the title "
          "alone when there is no artist (default \"%a - %t\")",
          DEFAULT_METADATA_FORMAT, rw));
  g_object_class_install_property (gobject_class, PROP_ADMIN_USER,
      g_param_spec_string ("admin-user", "Admin user",
          "User for title updates (default: the source user)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_ADMIN_PASSWORD,
      g_param_spec_string ("admin-password", "Admin password",
          "Password for title updates (write-only; default: the source "
          "password)",
          NULL, wo));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_DELAY,
      g_param_spec_uint64 ("reconnect-delay", "Reconnect delay",
          "Wait (ns) before the first reconnection, doubled after each "
          "failure (default 1 s)",
          0, G_MAXUINT64, DEFAULT_RECONNECT_DELAY, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_RECONNECT_DELAY,
      g_param_spec_uint64 ("max-reconnect-delay", "Maximum reconnect delay",
          "Longest wait (ns) between reconnections (default 30 s)", 0,
          G_MAXUINT64, DEFAULT_MAX_RECONNECT_DELAY, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_RECONNECT_ATTEMPTS,
      g_param_spec_int ("max-reconnect-attempts", "Maximum reconnect attempts",
          "Failed connections in a row before giving up with an error "
          "(-1 = never give up, default -1)",
          -1, G_MAXINT, DEFAULT_MAX_RECONNECT_ATTEMPTS, rw));
  g_object_class_install_property (gobject_class, PROP_BACKLOG,
      g_param_spec_uint64 ("backlog", "Backlog",
          "Stream time (ns) kept while disconnected and sent after "
          "reconnecting, oldest first (0 = drop live data, default 0)",
          0, G_MAXUINT64, DEFAULT_BACKLOG, rw));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Longest wait (ms, rounded up to whole seconds for socket I/O) for "
          "the server to connect, answer or take data (default 10000)",
          1, G_MAXUINT, DEFAULT_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_USER_AGENT,
      g_param_spec_string ("user-agent", "User agent",
          "User-Agent sent to the server", DEFAULT_USER_AGENT, rw));
  /**
   * GstIcecastSink:stats:
   *
   * `state` (idle, connecting, streaming, waiting, failed), `bytes-sent`,
   * `dropped-bytes`, `queued-bytes`, `connected-time` (ns),
   * `reconnections`, `metadata-updates`, `protocol` (put or source).
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Connection counters as a GstStructure", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstIcecastSink::connection-problem:
   * @sink: the element
   * @reason: what went wrong, e.g. "connection refused"
   * @attempt: failed attempts in a row
   * @next_retry: wait (ns) before the next attempt, GST_CLOCK_TIME_NONE when
   *   there is none
   *
   * Emitted from the sending thread when a connection fails or is lost.
   */
  gst_icecast_sink_signals[SIGNAL_CONNECTION_PROBLEM] =
      g_signal_new ("connection-problem", G_TYPE_FROM_CLASS (klass),
          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
          G_TYPE_UINT, G_TYPE_UINT64);

  gst_element_class_set_static_metadata (element_class, "Icecast sink",
      "Sink/Network",
      "Sends a stream to a mount of an Icecast server and "
      "keeps it on the air",
      "gst-plugins-onair <gst-plugins-onair@lists.invalid>");
  gst_element_class_add_static_pad_template (element_class, &sink_template);

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_icecast_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_icecast_sink_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_icecast_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_icecast_sink_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_icecast_sink_render);
  basesink_class->get_times = GST_DEBUG_FUNCPTR (gst_icecast_sink_get_times);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_icecast_sink_unlock);
  basesink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_icecast_sink_unlock_stop);

  gst_type_mark_as_plugin_api (GST_TYPE_ICECAST_PROTOCOL, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ICECAST_TLS, 0);
}

static void
gst_icecast_sink_init (GstIcecastSink *sink)
{
  g_mutex_init (&sink->lock);
  g_cond_init (&sink->cond);
  g_queue_init (&sink->queue);
  sink->headers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_mini_object_unref);
  sink->port = DEFAULT_PORT;
  sink->username = g_strdup (DEFAULT_USERNAME);
  sink->protocol = DEFAULT_PROTOCOL;
  sink->tls = DEFAULT_TLS;
  sink->tls_validation_flags = DEFAULT_TLS_VALIDATION_FLAGS;
  sink->is_public = DEFAULT_PUBLIC;
  sink->send_metadata = DEFAULT_SEND_METADATA;
  sink->metadata_format = g_strdup (DEFAULT_METADATA_FORMAT);
  sink->reconnect_delay = DEFAULT_RECONNECT_DELAY;
  sink->max_reconnect_delay = DEFAULT_MAX_RECONNECT_DELAY;
  sink->max_reconnect_attempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
  sink->backlog = DEFAULT_BACKLOG;
  sink->timeout = DEFAULT_TIMEOUT;
  sink->user_agent = g_strdup (DEFAULT_USER_AGENT);
  /* Real time against the clock: a file must not burst the server. */
  gst_base_sink_set_sync (GST_BASE_SINK (sink), TRUE);
}

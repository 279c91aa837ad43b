/* gst-plugins-onair: icecastsrc, an Icecast/SHOUTcast listener
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-icecastsrc
 * @title: icecastsrc
 *
 * Listens to a mount of an Icecast or SHOUTcast server over HTTP(S), takes
 * the ICY metadata out of the stream and turns it into tags (title, artist,
 * homepage, and the station's name, genre, description and bitrate from the
 * `icy-*` headers), and keeps listening: a stream that ends or breaks is
 * reopened with backoff, the first buffer after it marked DISCONT, and each
 * drop and recovery announced on the bus.
 *
 * It is a live source: buffers are timestamped with the running time at
 * which they arrived.  Caps come from the Content-Type (MP3, AAC in ADTS,
 * Ogg, WebM); for any other type no caps are set and a downstream
 * `typefind` (as in `decodebin`) decides.
 *
 * Its URI handler takes http, https, icy and icyx at rank none, so that
 * `playbin` keeps using `souphttpsrc` unless told otherwise.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -t icecastsrc location=http://localhost:8000/live.mp3 ! \
 *     decodebin ! audioconvert ! autoaudiosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <libsoup/soup.h>

#include "gsticecastsrc.h"
#include "icecast-protocol.h"
#include "icy.h"

GST_DEBUG_CATEGORY_STATIC (gst_icecast_src_debug);
#define GST_CAT_DEFAULT gst_icecast_src_debug

#define DEFAULT_USER_AGENT "GStreamer icecastsrc " VERSION
#define DEFAULT_TIMEOUT 10000
#define DEFAULT_SSL_STRICT TRUE
#define DEFAULT_RECONNECT TRUE
#define DEFAULT_MAX_RECONNECT_ATTEMPTS -1
#define DEFAULT_RECONNECT_DELAY GST_SECOND
#define DEFAULT_MAX_RECONNECT_DELAY (30 * GST_SECOND)
#define DEFAULT_SPLIT_TITLE TRUE

/* One network read.  Large reads keep the per-byte cost at the floor; the
 * blocks are recycled, so that no read pays for fresh pages. */
#define READ_SIZE (256 * 1024)
#define POOL_KEEP 32

/* After the audio of a block, room for the metadata slots of a vector
 * read: 32 blocks of up to 496 bytes, fewer when the blocks are longer. */
#define SIDE_SIZE (16 * 1024)

/* Vector reads need intervals long enough to fill a read. */
#define VECTOR_MIN_METAINT 2048

/* A buffer holds at most this many memories before GstBuffer merges them
 * (a copy): a read with more audio stretches becomes several buffers. */
#define MAX_SPANS 16

/* Recycled read blocks.  Buffers downstream may outlive the element, so the
 * pool is reference counted and each block knows its pool. */
typedef struct {
  gatomicrefcount refs;
  GMutex lock;
  GSList *free;
  guint n_free;
} BlockPool;

/* A block is referenced by each memory made of it: one per audio stretch,
 * each wrapping its part of the block directly, so that no memory has a
 * parent to lock. */
typedef struct {
  BlockPool *pool;
  gatomicrefcount refs;
  /* The data follows, aligned for any use. */
  guint64 align[];
} Block;

static BlockPool *
block_pool_new (void)
{
  BlockPool *pool = g_new0 (BlockPool, 1);

  g_atomic_ref_count_init (&pool->refs);
  g_mutex_init (&pool->lock);
  return pool;
}

static void
block_pool_unref (BlockPool *pool)
{
  if (!g_atomic_ref_count_dec (&pool->refs))
    return;
  g_slist_free_full (pool->free, g_free);
  g_mutex_clear (&pool->lock);
  g_free (pool);
}

static void
block_unref (gpointer data)
{
  Block *block = data;
  BlockPool *pool = block->pool;

  if (!g_atomic_ref_count_dec (&block->refs))
    return;
  g_mutex_lock (&pool->lock);
  if (pool->n_free < POOL_KEEP) {
    pool->free = g_slist_prepend (pool->free, block);
    pool->n_free++;
    block = NULL;
  }
  g_mutex_unlock (&pool->lock);
  g_free (block);
  block_pool_unref (pool);
}

static Block *
block_acquire (BlockPool *pool)
{
  Block *block = NULL;

  g_mutex_lock (&pool->lock);
  if (pool->free != NULL) {
    block = pool->free->data;
    pool->free = g_slist_delete_link (pool->free, pool->free);
    pool->n_free--;
  }
  g_mutex_unlock (&pool->lock);
  if (block == NULL) {
    block = g_malloc (sizeof (Block) + READ_SIZE + SIDE_SIZE);
    block->pool = pool;
  }
  g_atomic_ref_count_init (&block->refs);
  g_atomic_ref_count_inc (&pool->refs);
  return block;
}

static GstMemory *
block_memory (Block *block, gsize offset, gsize size)
{
  g_atomic_ref_count_inc (&block->refs);
  return gst_memory_new_wrapped (0, (guint8 *) block->align + offset, size, 0,
      size, block, block_unref);
}

typedef enum {
  READ_LIBRARY, /* through libsoup's body stream */
  READ_DRAIN, /* the same, without blocking, until its buffer is empty */
  READ_SOCKET, /* from the socket */
} ReadMode;

typedef OnairIcecastFailure Failure;

struct _GstIcecastSrc {
  GstPushSrc parent;

  /* Settings, under the object lock. */
  gchar *location; /* http(s)://, without user information */
  gchar *user_agent;
  gchar *user_id;
  gchar *user_pw;
  /* What the location brought: it replaces user_id and user_pw while it
   * lasts, and ends with it (see set_location) */
  gchar *location_user;
  gchar *location_password;
  gchar *proxy;
  guint timeout;
  gboolean ssl_strict;
  gboolean reconnect;
  gint max_reconnect_attempts;
  guint64 reconnect_delay;
  guint64 max_reconnect_delay;
  gboolean split_title;

  /* Streaming thread only. */
  SoupSession *session;
  SoupMessage *msg;
  GInputStream *stream;
  /* Once the library's buffer is empty, a plain http body is read from
   * the socket: vector reads land the audio of many intervals in one
   * memory. */
  GSocket *socket;
  gboolean tls;
  ReadMode mode;
  OnairIcyPlan plan;
  gboolean plan_active; /* the block was filled by a vector read */
  gchar *server; /* host[:port] of the location, for messages */
  gchar *mount; /* its path */
  BlockPool *pool;
  Block *block;
  guint8 *block_data;
  gsize block_fill;
  gsize block_pos;
  OnairIcy icy;
  gboolean discont;
  gboolean ever_streamed;
  guint attempt; /* failed connections in a row */
  gchar *caps_type;
  GstTagList *header_tags;
  gchar *stream_title;
  gchar *stream_url;
  guint8 last_meta[ONAIR_ICY_MAX_BLOCK]; /* the last block, as received */
  gsize last_meta_size;
  gboolean tags_split; /* split-title when the tags were last made */
  GstTagList *sent_tags;
  GstTagList *pending_tags;
  guint64 audio_offset; /* audio bytes since the connection opened */

  /* Under lock. */
  GMutex lock;
  gint fd; /* the socket while it is read directly, -1 otherwise */
  gboolean fd_shut; /* unlock() shut it down */
  GCond cond;
  GCancellable *cancellable;
  gboolean flushing;
  gboolean connected;
  guint metaint;
  guint64 bytes_received;
  guint64 metadata_blocks;
  guint title_changes;
  guint reconnections;
  guint bitrate;
  gint64 window_start;
  guint64 window_bytes;
};

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_USER_AGENT,
  PROP_USER_ID,
  PROP_USER_PW,
  PROP_PROXY,
  PROP_TIMEOUT,
  PROP_SSL_STRICT,
  PROP_RECONNECT,
  PROP_MAX_RECONNECT_ATTEMPTS,
  PROP_RECONNECT_DELAY,
  PROP_MAX_RECONNECT_DELAY,
  PROP_SPLIT_TITLE,
  PROP_STATS,
};

#define STATE_LOCK(src) g_mutex_lock (&(src)->lock)
#define STATE_UNLOCK(src) g_mutex_unlock (&(src)->lock)

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void
gst_icecast_src_uri_handler_init (gpointer g_iface, gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE (GstIcecastSrc, gst_icecast_src, GST_TYPE_PUSH_SRC,
                         G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
                             gst_icecast_src_uri_handler_init);
                         GST_DEBUG_CATEGORY_INIT (gst_icecast_src_debug,
                             "icecastsrc", 0, "Icecast listener"));
GST_ELEMENT_REGISTER_DEFINE (icecastsrc, "icecastsrc", GST_RANK_NONE,
    GST_TYPE_ICECAST_SRC);

/* Location */

/* The location's credentials where it brought them, else the
 * application's.  Object lock held. */
static const gchar *
locked_user (GstIcecastSrc *src)
{
  return src->location_user != NULL ? src->location_user : src->user_id;
}

static const gchar *
locked_password (GstIcecastSrc *src)
{
  return src->location_password != NULL ? src->location_password : src->user_pw;
}

static gboolean
set_location (GstIcecastSrc *src, const gchar *location, GError **error)
{
  gchar *user = NULL, *password = NULL, *normal = NULL;

  if (location != NULL) {
    GError *parse_error = NULL;

    normal = onair_icecast_listener_location (location, &user, &password,
        &parse_error);
    if (normal == NULL) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s",
          parse_error->message);
      g_clear_error (&parse_error);
      return FALSE;
    }
  }
  /* Credentials belong to the location they came with: a new location
   * replaces the last one's, with its own or with none, and what the
   * application set as user-id and user-pw applies again. */
  GST_OBJECT_LOCK (src);
  g_free (src->location);
  src->location = normal;
  onair_icecast_replace_string (&src->location_user, user);
  onair_icecast_replace_string (&src->location_password, password);
  GST_OBJECT_UNLOCK (src);
  return TRUE;
}

static GstURIType
gst_icecast_src_uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const gchar *const *
gst_icecast_src_uri_get_protocols (GType type)
{
  static const gchar *const protocols[] = { "http", "https", "icy", "icyx",
    NULL };

  return protocols;
}

static gchar *
gst_icecast_src_uri_get_uri (GstURIHandler *handler)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (handler);
  gchar *uri;

  GST_OBJECT_LOCK (src);
  uri = g_strdup (src->location);
  GST_OBJECT_UNLOCK (src);
  return uri;
}

static gboolean
gst_icecast_src_uri_set_uri (GstURIHandler *handler, const gchar *uri,
    GError **error)
{
  GError *parse_error = NULL;

  if (!set_location (GST_ICECAST_SRC (handler), uri, &parse_error)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s",
        parse_error->message);
    g_clear_error (&parse_error);
    return FALSE;
  }
  return TRUE;
}

static void
gst_icecast_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = gst_icecast_src_uri_get_type;
  iface->get_protocols = gst_icecast_src_uri_get_protocols;
  iface->get_uri = gst_icecast_src_uri_get_uri;
  iface->set_uri = gst_icecast_src_uri_set_uri;
}

/* Messages */

static void
post_connected (GstIcecastSrc *src, guint attempt, guint status, guint metaint)
{
  gst_element_post_message (GST_ELEMENT_CAST (src),
      gst_message_new_element (GST_OBJECT_CAST (src),
          gst_structure_new ("icecast-connected", "location", G_TYPE_STRING,
              src->location, "mount", G_TYPE_STRING, src->mount, "status",
              G_TYPE_UINT, status, "metaint", G_TYPE_UINT, metaint, "attempt",
              G_TYPE_UINT, attempt, NULL)));
}

static void
post_disconnected (GstIcecastSrc *src, const gchar *reason, guint attempt,
    GstClockTime next_retry)
{
  gst_element_post_message (GST_ELEMENT_CAST (src),
      gst_message_new_element (GST_OBJECT_CAST (src),
          gst_structure_new ("icecast-disconnected", "mount", G_TYPE_STRING,
              src->mount, "reason", G_TYPE_STRING, reason, "attempt",
              G_TYPE_UINT, attempt, "next-retry", G_TYPE_UINT64, next_retry,
              NULL)));
}

/* Failures */

static void
failure_from_error (GstIcecastSrc *src, Failure *f, const GError *error,
    gboolean reading)
{
  gchar *debug = g_strdup_printf ("%s: %s", src->location, error->message);

  GST_DEBUG_OBJECT (src, "%s %d: %s", g_quark_to_string (error->domain),
      error->code, error->message);

  if (error->domain == G_RESOLVER_ERROR) {
    onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_FOUND, "unknown host",
        g_strdup_printf (_ ("Could not resolve server name %s."), src->server),
        debug);
  } else if (error->domain == G_TLS_ERROR
      && error->code == G_TLS_ERROR_BAD_CERTIFICATE) {
    onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_READ, "certificate not trusted",
        g_strdup_printf (_ ("The TLS certificate of %s is not trusted."),
            src->server),
        debug);
  } else if (error->domain == G_TLS_ERROR) {
    onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_READ, "TLS failure",
        g_strdup_printf (_ ("Could not establish a TLS connection to %s."),
            src->server),
        debug);
  } else if (error->domain == SOUP_SESSION_ERROR
      || (!reading
          && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))) {
    /* Garbage, or a header block over libsoup's limit ("Header too big",
     * partial input): asking again would get the same. */
    onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_READ, "not HTTP",
        g_strdup_printf (_ ("Server %s sent a reply that is not valid HTTP."),
            src->server),
        debug);
  } else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        reading ? GST_RESOURCE_ERROR_READ : GST_RESOURCE_ERROR_OPEN_READ,
        "timeout",
        g_strdup_printf (_ ("Server %s did not send anything in time."),
            src->server),
        debug);
  } else if (g_error_matches (error, G_IO_ERROR,
                 G_IO_ERROR_CONNECTION_REFUSED)) {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_READ, "connection refused",
        g_strdup_printf (_ ("Server %s refused the connection."), src->server),
        debug);
  } else if (reading) {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_READ, "connection lost",
        g_strdup_printf (_ ("The connection to %s was lost."), src->server),
        debug);
  } else {
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_READ, "connection failed",
        g_strdup_printf (_ ("Could not connect to server %s."), src->server),
        debug);
  }
}

static void
failure_from_status (GstIcecastSrc *src, Failure *f, guint status,
    const gchar *phrase)
{
  gchar *debug = g_strdup_printf ("%s: HTTP %u %s", src->location, status,
      GST_STR_NULL (phrase));

  if (status == SOUP_STATUS_NOT_FOUND) {
    /* Not fatal in itself: after a drop the mount is gone until its source
     * comes back. */
    onair_icecast_failure_set (f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_FOUND, "mount not found",
        g_strdup_printf (_ ("Mount %s was not found on %s."), src->mount,
            src->server),
        debug);
  } else if (status == SOUP_STATUS_UNAUTHORIZED
      || status == SOUP_STATUS_FORBIDDEN) {
    onair_icecast_failure_set (f, TRUE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_NOT_AUTHORIZED, "not authorized",
        g_strdup_printf (_ ("Not authorized to listen to mount %s on %s."),
            src->mount, src->server),
        debug);
  } else {
    onair_icecast_failure_set (f, status < 500, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_OPEN_READ, "refused",
        g_strdup_printf (_ ("Server %s refused mount %s (HTTP %u)."),
            src->server, src->mount, status),
        debug);
  }
}

/* Caps and tags */

static GstCaps *
caps_for_content_type (const gchar *type)
{
  if (type == NULL)
    return NULL;
  if (g_ascii_strcasecmp (type, "audio/mpeg") == 0
      || g_ascii_strcasecmp (type, "audio/mp3") == 0
      || g_ascii_strcasecmp (type, "audio/x-mpeg") == 0)
    return gst_caps_new_simple ("audio/mpeg", "mpegversion", G_TYPE_INT, 1,
        NULL);
  if (g_ascii_strcasecmp (type, "audio/aac") == 0
      || g_ascii_strcasecmp (type, "audio/aacp") == 0)
    return gst_caps_new_simple ("audio/mpeg", "mpegversion", G_TYPE_INT, 4,
        "stream-format", G_TYPE_STRING, "adts", NULL);
  if (g_ascii_strcasecmp (type, "application/ogg") == 0
      || g_ascii_strcasecmp (type, "audio/ogg") == 0)
    return gst_caps_new_empty_simple ("application/ogg");
  if (g_ascii_strcasecmp (type, "audio/webm") == 0)
    return gst_caps_new_empty_simple ("audio/webm");
  if (g_ascii_strcasecmp (type, "video/webm") == 0)
    return gst_caps_new_empty_simple ("video/webm");
  return NULL;
}

static void
add_header_tag (GstTagList *tags, SoupMessageHeaders *headers,
    const gchar *name, const gchar *tag)
{
  const gchar *value = soup_message_headers_get_one (headers, name);
  gchar *text;

  if (value == NULL)
    return;
  text = g_strstrip (g_strdup (value));
  if (*text != '\0' && g_utf8_validate (text, -1, NULL))
    gst_tag_list_add (tags, GST_TAG_MERGE_APPEND, tag, text, NULL);
  g_free (text);
}

static GstTagList *
tags_from_headers (SoupMessageHeaders *headers)
{
  GstTagList *tags = gst_tag_list_new_empty ();
  const gchar *br = soup_message_headers_get_one (headers, "icy-br");

  add_header_tag (tags, headers, "icy-name", GST_TAG_ORGANIZATION);
  add_header_tag (tags, headers, "icy-genre", GST_TAG_GENRE);
  add_header_tag (tags, headers, "icy-description", GST_TAG_DESCRIPTION);
  add_header_tag (tags, headers, "icy-url", GST_TAG_HOMEPAGE);
  add_header_tag (tags, headers, "icy-url", GST_TAG_LOCATION);
  if (br != NULL) {
    /* "128", or "128,128" from some SHOUTcast versions */
    guint64 kbps = g_ascii_strtoull (br, NULL, 10);

    if (kbps > 0 && kbps < 100000)
      gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_NOMINAL_BITRATE,
          (guint) kbps * 1000, NULL);
  }
  return tags;
}

/* The whole current picture: the station's headers, then the title and
 * homepage of the metadata, which win over the headers'. */
static GstTagList *
current_tags (GstIcecastSrc *src, gboolean split)
{
  GstTagList *tags = src->header_tags != NULL
      ? gst_tag_list_copy (src->header_tags)
      : gst_tag_list_new_empty ();
  gchar *artist = NULL, *title = NULL;

  if (src->stream_title != NULL) {
    if (split && onair_icy_split_title (src->stream_title, &artist, &title)) {
      gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ARTIST, artist,
          GST_TAG_TITLE, title, NULL);
    } else {
      gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_TITLE,
          src->stream_title, NULL);
    }
  }
  if (src->stream_url != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_HOMEPAGE,
        src->stream_url, NULL);
  g_free (artist);
  g_free (title);
  return tags;
}

static gboolean
split_title_now (GstIcecastSrc *src)
{
  gboolean split;

  GST_OBJECT_LOCK (src);
  split = src->split_title;
  GST_OBJECT_UNLOCK (src);
  return split;
}

/* Queues the tags, made with @split for split-title, when they differ from
 * the last ones sent. */
static void
update_tags (GstIcecastSrc *src, gboolean split)
{
  GstTagList *tags;

  src->tags_split = split;
  tags = current_tags (src, split);
  if (gst_tag_list_is_empty (tags)
      || (src->sent_tags != NULL
          && gst_tag_list_is_equal (tags, src->sent_tags))) {
    gst_tag_list_unref (tags);
    return;
  }
  GST_DEBUG_OBJECT (src, "new tags %" GST_PTR_FORMAT, tags);
  gst_tag_list_replace (&src->sent_tags, tags);
  gst_tag_list_replace (&src->pending_tags, tags);
  gst_tag_list_unref (tags);
}

/* Hands the tags to GstBaseSrc, which sends them in order after the
 * segment and before the next buffer.  The class method, not
 * gst_element_send_event(): that would take the state lock from the
 * streaming thread. */
static void
send_pending_tags (GstIcecastSrc *src)
{
  GstTagList *tags = g_steal_pointer (&src->pending_tags);

  if (tags == NULL)
    return;
  GST_ELEMENT_CLASS (gst_icecast_src_parent_class)
      ->send_event (GST_ELEMENT_CAST (src), gst_event_new_tag (tags));
}

/* Stations repeat the same block for as long as a song plays: a block equal
 * to the last one is counted and nothing else. */
static void
handle_metadata (GstIcecastSrc *src, const guint8 *text, gsize size)
{
  OnairIcyMetadata meta;
  gboolean changed = FALSE, split;

  STATE_LOCK (src);
  src->metadata_blocks++;
  STATE_UNLOCK (src);
  split = split_title_now (src);
  if (size == 0
      || (size == src->last_meta_size && split == src->tags_split
          && memcmp (text, src->last_meta, size) == 0))
    return;
  memcpy (src->last_meta, text, size);
  src->last_meta_size = size;
  if (!onair_icy_parse_metadata (text, size, &meta)) {
    GST_DEBUG_OBJECT (src,
        "metadata block of %" G_GSIZE_FORMAT " bytes "
        "without a field",
        size);
    return;
  }
  /* An empty title says nothing: the last one stays. */
  if (meta.has_title && meta.title[0] != '\0'
      && g_strcmp0 (meta.title, src->stream_title) != 0) {
    g_free (src->stream_title);
    src->stream_title = g_steal_pointer (&meta.title);
    GST_INFO_OBJECT (src, "title \"%s\"", src->stream_title);
    STATE_LOCK (src);
    src->title_changes++;
    STATE_UNLOCK (src);
    changed = TRUE;
  }
  if (meta.has_url) {
    gchar *url = meta.url[0] != '\0' ? g_steal_pointer (&meta.url) : NULL;

    if (g_strcmp0 (url, src->stream_url) != 0) {
      g_free (src->stream_url);
      src->stream_url = g_steal_pointer (&url);
      changed = TRUE;
    }
    g_free (url);
  }
  onair_icy_metadata_clear (&meta);
  if (changed || split != src->tags_split)
    update_tags (src, split);
}

/* Connection */

static gboolean
accept_any_certificate (SoupMessage *msg, GTlsCertificate *certificate,
    GTlsCertificateFlags errors, gpointer user_data)
{
  return TRUE;
}

static void
close_connection (GstIcecastSrc *src)
{
  /* unlock() must not shut down a descriptor libsoup closed. */
  STATE_LOCK (src);
  src->fd = -1;
  src->fd_shut = FALSE;
  STATE_UNLOCK (src);
  if (src->session != NULL && src->stream != NULL)
    soup_session_abort (src->session);
  g_clear_object (&src->stream);
  g_clear_object (&src->msg);
  g_clear_object (&src->socket);
  src->tls = FALSE;
  src->mode = READ_LIBRARY;
  src->plan_active = FALSE;
  g_clear_pointer (&src->block, block_unref);
  src->block_fill = src->block_pos = 0;
  STATE_LOCK (src);
  src->connected = FALSE;
  STATE_UNLOCK (src);
}

/* Notes the connection's socket, and whether TLS runs over it. */
static void
on_network_event (SoupMessage *msg, GSocketClientEvent event,
    GIOStream *connection, gpointer user_data)
{
  GstIcecastSrc *src = user_data;

  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    g_set_object (&src->socket,
        g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)));
  else if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    src->tls = TRUE;
}

/* TRUE when @socket leads where the reply came from: a redirect may end
 * on a connection that was open before, with no event to say so. */
static gboolean
same_peer (GSocket *socket, SoupMessage *msg)
{
  GSocketAddress *theirs = soup_message_get_remote_address (msg);
  GSocketAddress *ours = g_socket_get_remote_address (socket, NULL);
  gboolean same = G_IS_INET_SOCKET_ADDRESS (theirs)
      && G_IS_INET_SOCKET_ADDRESS (ours)
      && g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (theirs))
          == g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (ours))
      && g_inet_address_equal (g_inet_socket_address_get_address (
                                   G_INET_SOCKET_ADDRESS (theirs)),
          g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (ours)));

  g_clear_object (&ours);
  return same;
}

/* The body may be read from the socket when it is the plain bytes up to
 * the end of the connection, and the library's stream can say when its
 * buffer is empty. */
static ReadMode
choose_read_mode (GstIcecastSrc *src, SoupMessageHeaders *reply)
{
  if (src->socket == NULL || src->tls || !same_peer (src->socket, src->msg)
      || soup_message_headers_get_encoding (reply) != SOUP_ENCODING_EOF
      || !G_IS_POLLABLE_INPUT_STREAM (src->stream)
      || !g_pollable_input_stream_can_poll (
          G_POLLABLE_INPUT_STREAM (src->stream)))
    return READ_LIBRARY;
  return READ_DRAIN;
}

/* One request.  TRUE with the body open; FALSE with @f filled. */
static gboolean
connect_once (GstIcecastSrc *src, GCancellable *cancellable, Failure *f,
    guint *metaint_out)
{
  gchar *location, *user_agent, *user, *password, *proxy, *auth = NULL;
  const gchar *type, *metaint_text;
  gboolean ssl_strict;
  guint timeout_s, status, metaint = 0;
  SoupMessageHeaders *request, *reply;
  GError *error = NULL;
  GstCaps *caps;

  GST_OBJECT_LOCK (src);
  location = g_strdup (src->location);
  user_agent = g_strdup (src->user_agent);
  user = g_strdup (locked_user (src));
  password = g_strdup (locked_password (src));
  proxy = g_strdup (src->proxy);
  ssl_strict = src->ssl_strict;
  timeout_s = MAX (1, (src->timeout + 999) / 1000);
  GST_OBJECT_UNLOCK (src);

  if (src->session == NULL) {
    src->session = soup_session_new ();
    /* The body is the stream as sent: no content decoding. */
    soup_session_remove_feature_by_type (src->session,
        SOUP_TYPE_CONTENT_DECODER);
    if (proxy != NULL) {
      gchar *uri = strstr (proxy, "://") != NULL
          ? g_strdup (proxy)
          : g_strdup_printf ("http://%s", proxy);
      GProxyResolver *resolver = g_simple_proxy_resolver_new (uri, NULL);

      soup_session_set_proxy_resolver (src->session, resolver);
      g_object_unref (resolver);
      g_free (uri);
    }
  }
  soup_session_set_user_agent (src->session, user_agent);
  soup_session_set_timeout (src->session, timeout_s);

  src->msg = soup_message_new ("GET", location);
  request = soup_message_get_request_headers (src->msg);
  soup_message_headers_replace (request, "Icy-MetaData", "1");
  soup_message_headers_replace (request, "Accept-Encoding", "identity");
  if (user != NULL) {
    auth = onair_icecast_basic_auth (user, password);
    soup_message_headers_replace (request, "Authorization", auth);
  }
  if (!ssl_strict)
    g_signal_connect (src->msg, "accept-certificate",
        G_CALLBACK (accept_any_certificate), NULL);
  g_signal_connect (src->msg, "network-event", G_CALLBACK (on_network_event),
      src);

  GST_INFO_OBJECT (src, "requesting %s", location);
  src->stream = soup_session_send (src->session, src->msg, cancellable, &error);
  if (auth != NULL)
    memset (auth, 0, strlen (auth));
  if (password != NULL)
    memset (password, 0, strlen (password));
  g_free (auth);
  g_free (password);
  g_free (user);
  g_free (proxy);
  g_free (user_agent);
  g_free (location);

  if (src->stream == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      failure_from_error (src, f, error, FALSE);
    g_clear_error (&error);
    close_connection (src);
    return FALSE;
  }
  status = soup_message_get_status (src->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status)) {
    failure_from_status (src, f, status,
        soup_message_get_reason_phrase (src->msg));
    close_connection (src);
    return FALSE;
  }

  reply = soup_message_get_response_headers (src->msg);
  metaint_text = soup_message_headers_get_one (reply, "icy-metaint");
  if (onair_icy_parse_metaint (metaint_text, &metaint)
      == ONAIR_ICY_METAINT_INVALID) {
    onair_icecast_failure_set (f, TRUE, GST_STREAM_ERROR,
        GST_STREAM_ERROR_DEMUX, "invalid metadata interval",
        g_strdup_printf (_ ("Server %s announced an invalid metadata "
                            "interval."),
            src->server),
        g_strdup_printf ("%s: icy-metaint: %s (at most %u allowed)",
            src->location, metaint_text, ONAIR_ICY_MAX_METAINT));
    close_connection (src);
    return FALSE;
  }
  onair_icy_reset (&src->icy, metaint);
  src->audio_offset = 0;
  src->mode = choose_read_mode (src, reply);
  GST_DEBUG_OBJECT (src, "body read %s",
      src->mode == READ_LIBRARY ? "through libsoup" : "from the socket");

  type = soup_message_headers_get_content_type (reply, NULL);
  GST_INFO_OBJECT (src, "HTTP %u, %s, icy-metaint %u", status,
      GST_STR_NULL (type), metaint);
  if (g_strcmp0 (type, src->caps_type) != 0) {
    g_free (src->caps_type);
    src->caps_type = g_strdup (type);
    caps = caps_for_content_type (type);
    if (caps != NULL) {
      gst_base_src_set_caps (GST_BASE_SRC_CAST (src), caps);
      gst_caps_unref (caps);
    } else {
      GST_INFO_OBJECT (src, "content type %s: no caps, typefind decides",
          GST_STR_NULL (type));
    }
  }
  g_clear_pointer (&src->header_tags, gst_tag_list_unref);
  src->header_tags = tags_from_headers (reply);
  update_tags (src, split_title_now (src));

  STATE_LOCK (src);
  src->connected = TRUE;
  src->metaint = metaint;
  src->window_start = g_get_monotonic_time ();
  src->window_bytes = 0;
  STATE_UNLOCK (src);
  *metaint_out = metaint;
  return TRUE;
}

/* Waits @delay unless the element is flushing; FALSE when it is. */
static gboolean
wait_unless_flushing (GstIcecastSrc *src, GstClockTime delay)
{
  gint64 until = g_get_monotonic_time () + delay / 1000;
  gboolean flushing;

  STATE_LOCK (src);
  while (!src->flushing && g_cond_wait_until (&src->cond, &src->lock, until))
    ;
  flushing = src->flushing;
  STATE_UNLOCK (src);
  return !flushing;
}

/* Opens the stream, retrying with backoff when the element has already
 * streamed: a failure before that is a mistake to report at once. */
static GstFlowReturn
ensure_connected (GstIcecastSrc *src, GCancellable *cancellable)
{
  while (src->stream == NULL) {
    Failure f = { 0 };
    guint metaint = 0, max_attempts;
    gint max;
    gboolean reconnect;
    guint64 delay, max_delay;

    if (connect_once (src, cancellable, &f, &metaint)) {
      post_connected (src, src->attempt + 1, soup_message_get_status (src->msg),
          metaint);
      if (src->ever_streamed) {
        STATE_LOCK (src);
        src->reconnections++;
        STATE_UNLOCK (src);
      }
      src->discont = TRUE;
      return GST_FLOW_OK;
    }
    if (g_cancellable_is_cancelled (cancellable)) {
      onair_icecast_failure_clear (&f);
      return GST_FLOW_FLUSHING;
    }

    GST_OBJECT_LOCK (src);
    reconnect = src->reconnect;
    max = src->max_reconnect_attempts;
    delay = src->reconnect_delay;
    max_delay = src->max_reconnect_delay;
    GST_OBJECT_UNLOCK (src);
    max_attempts = max < 0 ? G_MAXUINT : (guint) max;

    src->attempt++;
    if (f.fatal || !reconnect || !src->ever_streamed
        || src->attempt > max_attempts) {
      if (src->ever_streamed)
        post_disconnected (src, f.reason, src->attempt, GST_CLOCK_TIME_NONE);
      gst_element_message_full (GST_ELEMENT_CAST (src), GST_MESSAGE_ERROR,
          f.domain, f.code, g_steal_pointer (&f.message),
          src->attempt > 1 ? g_strdup_printf ("%s (gave up after %u attempts)",
              f.debug, src->attempt)
                           : g_steal_pointer (&f.debug),
          __FILE__, GST_FUNCTION, __LINE__);
      onair_icecast_failure_clear (&f);
      return GST_FLOW_ERROR;
    }
    delay = onair_icecast_backoff (src->attempt, delay, max_delay);
    GST_WARNING_OBJECT (src, "%s; retry %u in %" GST_TIME_FORMAT, f.debug,
        src->attempt, GST_TIME_ARGS (delay));
    post_disconnected (src, f.reason, src->attempt, delay);
    onair_icecast_failure_clear (&f);
    if (!wait_unless_flushing (src, delay))
      return GST_FLOW_FLUSHING;
  }
  return GST_FLOW_OK;
}

/* The connection ended or broke: reopen it, or end. */
static GstFlowReturn
handle_drop (GstIcecastSrc *src, GError *error)
{
  Failure f = { 0 };
  gboolean reconnect;

  GST_OBJECT_LOCK (src);
  reconnect = src->reconnect;
  GST_OBJECT_UNLOCK (src);

  if (error != NULL)
    failure_from_error (src, &f, error, TRUE);
  else
    onair_icecast_failure_set (&f, FALSE, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_READ, "end of stream", NULL, NULL);
  GST_INFO_OBJECT (src, "connection ended: %s", f.reason);
  close_connection (src);
  if (reconnect) {
    post_disconnected (src, f.reason, 0, 0);
    onair_icecast_failure_clear (&f);
    return GST_FLOW_OK;
  }
  post_disconnected (src, f.reason, 0, GST_CLOCK_TIME_NONE);
  if (error == NULL) {
    onair_icecast_failure_clear (&f);
    return GST_FLOW_EOS;
  }
  gst_element_message_full (GST_ELEMENT_CAST (src), GST_MESSAGE_ERROR, f.domain,
      f.code, g_steal_pointer (&f.message), g_steal_pointer (&f.debug),
      __FILE__, GST_FUNCTION, __LINE__);
  onair_icecast_failure_clear (&f);
  return GST_FLOW_ERROR;
}

static void
count_received (GstIcecastSrc *src, gsize n)
{
  gint64 now = g_get_monotonic_time ();

  STATE_LOCK (src);
  src->bytes_received += n;
  src->window_bytes += n;
  if (now - src->window_start >= G_TIME_SPAN_SECOND) {
    src->bitrate = (guint) (src->window_bytes * 8 * G_TIME_SPAN_SECOND
        / (guint64) (now - src->window_start));
    src->window_start = now;
    src->window_bytes = 0;
  }
  STATE_UNLOCK (src);
}

/* From here on the socket is read with blocking calls, one system call per
 * read; the timeout becomes the socket's, and unlock() shuts the socket
 * down to interrupt a read.  FALSE leaves the body to libsoup. */
static gboolean
take_socket (GstIcecastSrc *src)
{
  gint fd = g_socket_get_fd (src->socket);
  guint timeout;
  struct timeval tv;

  GST_OBJECT_LOCK (src);
  timeout = src->timeout;
  GST_OBJECT_UNLOCK (src);
  tv.tv_sec = timeout / 1000;
  tv.tv_usec = (timeout % 1000) * 1000;
  if (!g_unix_set_fd_nonblocking (fd, FALSE, NULL)
      || setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv)) < 0) {
    g_unix_set_fd_nonblocking (fd, TRUE, NULL);
    return FALSE;
  }
  STATE_LOCK (src);
  src->fd = fd;
  src->fd_shut = src->flushing;
  if (src->fd_shut)
    shutdown (fd, SHUT_RDWR);
  STATE_UNLOCK (src);
  return TRUE;
}

static gssize
socket_read (GstIcecastSrc *src, struct iovec *iov, guint n_iov, GError **error)
{
  struct msghdr msg = { 0 };

  msg.msg_iov = iov;
  msg.msg_iovlen = n_iov;
  for (;;) {
    gssize n = recvmsg (src->fd, &msg, 0);
    gint errsv = errno;

    if (n >= 0)
      return n;
    if (errsv == EINTR)
      continue;
    if (errsv == EAGAIN || errsv == EWOULDBLOCK)
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
          "Socket I/O timed out");
    else
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
          "Error receiving data: %s", g_strerror (errsv));
    return -1;
  }
}

/* The plan's vectors go to the kernel as they are. */
G_STATIC_ASSERT (sizeof (OnairIcyVector) == sizeof (struct iovec));
G_STATIC_ASSERT (G_STRUCT_OFFSET (OnairIcyVector, data)
    == G_STRUCT_OFFSET (struct iovec, iov_base));
G_STATIC_ASSERT (G_STRUCT_OFFSET (OnairIcyVector, size)
    == G_STRUCT_OFFSET (struct iovec, iov_len));

/* Fills the block from the socket: with a vector read when the intervals
 * allow it, otherwise plainly. */
static gssize
read_socket_block (GstIcecastSrc *src, GError **error)
{
  guint metaint = src->icy.metaint, n_vectors = 0;
  gssize n;

  if (metaint == 0 || metaint >= VECTOR_MIN_METAINT)
    n_vectors = onair_icy_plan (&src->icy, &src->plan, src->block_data,
        READ_SIZE, SIDE_SIZE);
  if (n_vectors == 0) {
    struct iovec whole = { src->block_data, READ_SIZE };

    return socket_read (src, &whole, 1, error);
  }
  n = socket_read (src, (struct iovec *) src->plan.vectors, n_vectors, error);
  if (n > 0) {
    onair_icy_plan_received (&src->plan, (gsize) n);
    src->plan_active = TRUE;
  }
  return n;
}

/* Reads the next block; GST_FLOW_OK with src->block NULL when the
 * connection dropped and will be reopened. */
static GstFlowReturn
read_block (GstIcecastSrc *src, GCancellable *cancellable)
{
  GError *error = NULL;
  gboolean shut;
  gssize n;

  g_clear_pointer (&src->block, block_unref);
  src->block = block_acquire (src->pool);
  src->block_data = (guint8 *) src->block->align;
  src->block_fill = src->block_pos = 0;
  src->plan_active = FALSE;
  switch (src->mode) {
    case READ_DRAIN:
      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (
                                                        src->stream),
          src->block_data, READ_SIZE, cancellable, &error);
      if (n < 0
          && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        g_clear_error (&error);
        if (take_socket (src)) {
          GST_DEBUG_OBJECT (src,
              "libsoup's buffer is empty: reading the socket");
          src->mode = READ_SOCKET;
          n = read_socket_block (src, &error);
        } else {
          src->mode = READ_LIBRARY;
          n = g_input_stream_read (src->stream, src->block_data, READ_SIZE,
              cancellable, &error);
        }
      }
      break;
    case READ_SOCKET:
      n = read_socket_block (src, &error);
      break;
    default:
      n = g_input_stream_read (src->stream, src->block_data, READ_SIZE,
          cancellable, &error);
      break;
  }
  if (n > 0) {
    if (!src->plan_active)
      src->block_fill = (gsize) n;
    src->ever_streamed = TRUE;
    src->attempt = 0;
    count_received (src, (gsize) n);
    return GST_FLOW_OK;
  }
  if (g_cancellable_is_cancelled (cancellable)) {
    /* A pause or a flush: the next connection starts a new stream. */
    g_clear_error (&error);
    close_connection (src);
    return GST_FLOW_FLUSHING;
  }
  STATE_LOCK (src);
  shut = src->fd_shut;
  STATE_UNLOCK (src);
  if (shut) {
    /* The same, when the flush came and went while the element was not
     * reading. */
    g_clear_error (&error);
    close_connection (src);
    return GST_FLOW_OK;
  }
  {
    GstFlowReturn ret = handle_drop (src, error);

    g_clear_error (&error);
    return ret;
  }
}

static gboolean
block_used_up (GstIcecastSrc *src)
{
  return src->block == NULL
      || (!src->plan_active && src->block_pos >= src->block_fill);
}

static void
add_span (GstBuffer **buffer, Block *block, gsize start, gsize size)
{
  if (*buffer == NULL)
    *buffer = gst_buffer_new ();
  gst_buffer_append_memory (*buffer, block_memory (block, start, size));
}

/* Audio of the current block up to the next change of tags (or MAX_SPANS
 * stretches), as memories shared with the block; stretches that touch
 * become one.  NULL when the block held no audio before its end or the
 * change. */
static GstBuffer *
take_audio (GstIcecastSrc *src)
{
  GstBuffer *buffer = NULL;
  gsize start = 0, size = 0; /* audio not in a memory yet */
  guint spans = 0;
  OnairIcyEvent event;
  OnairIcyEventKind kind;

  while (src->pending_tags == NULL && spans < MAX_SPANS) {
    if (src->plan_active) {
      kind = onair_icy_plan_next (&src->icy, &src->plan, &event);
      if (kind == ONAIR_ICY_NEED_DATA)
        src->plan_active = FALSE;
    } else {
      kind = onair_icy_next (&src->icy, src->block_data, src->block_fill,
          &src->block_pos, &event);
    }
    if (kind == ONAIR_ICY_NEED_DATA)
      break;
    if (kind == ONAIR_ICY_AUDIO) {
      src->audio_offset += event.size;
      if (size > 0 && event.offset == start + size) {
        size += event.size;
        continue;
      }
      if (size > 0)
        add_span (&buffer, src->block, start, size);
      start = event.offset;
      size = event.size;
      spans++;
      continue;
    }
    /* New tags end the buffer; the same title again does not. */
    handle_metadata (src, event.text, event.size);
  }
  if (size > 0)
    add_span (&buffer, src->block, start, size);
  return buffer;
}

static GstFlowReturn
gst_icecast_src_create (GstPushSrc *psrc, GstBuffer **outbuf)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (psrc);
  GCancellable *cancellable;
  GstFlowReturn ret = GST_FLOW_OK;

  STATE_LOCK (src);
  cancellable = g_object_ref (src->cancellable);
  if (src->flushing)
    ret = GST_FLOW_FLUSHING;
  STATE_UNLOCK (src);

  while (ret == GST_FLOW_OK) {
    GstBuffer *buffer;

    /* Tags found at the end of the last buffer go before this one. */
    send_pending_tags (src);
    if (block_used_up (src)) {
      ret = ensure_connected (src, cancellable);
      if (ret != GST_FLOW_OK)
        break;
      send_pending_tags (src);
      ret = read_block (src, cancellable);
      continue;
    }
    buffer = take_audio (src);
    if (buffer == NULL)
      continue;
    if (src->discont) {
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
      src->discont = FALSE;
    }
    *outbuf = buffer;
    break;
  }
  g_object_unref (cancellable);
  return ret;
}

/* Cancellables */

/* Holds the cancellable's file descriptor for its whole life: every
 * blocking read polls it, and without a holder each poll would create and
 * close an eventfd. */
static GCancellable *
cancellable_new (void)
{
  GCancellable *cancellable = g_cancellable_new ();
  GPollFD fd;

  g_cancellable_make_pollfd (cancellable, &fd);
  return cancellable;
}

static void
cancellable_drop (GCancellable **cancellable)
{
  if (*cancellable == NULL)
    return;
  g_cancellable_release_fd (*cancellable);
  g_clear_object (cancellable);
}

/* Base class */

static gboolean
gst_icecast_src_start (GstBaseSrc *bsrc)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (bsrc);
  gchar *location;
  GUri *uri;

  GST_OBJECT_LOCK (src);
  location = g_strdup (src->location);
  GST_OBJECT_UNLOCK (src);
  if (location == NULL) {
    GST_ELEMENT_ERROR (src, RESOURCE, NOT_FOUND,
        (_ ("No location set to listen to.")),
        ("the location property is "
         "empty"));
    return FALSE;
  }
  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED, NULL);
  g_free (src->server);
  g_free (src->mount);
  src->server = g_uri_get_port (uri) > 0
      ? g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri))
      : g_strdup (g_uri_get_host (uri));
  src->mount = g_strdup (g_uri_get_path (uri));
  g_uri_unref (uri);
  g_free (location);

  src->pool = block_pool_new ();
  src->ever_streamed = FALSE;
  src->attempt = 0;
  src->discont = TRUE;
  STATE_LOCK (src);
  src->flushing = FALSE;
  cancellable_drop (&src->cancellable);
  src->cancellable = cancellable_new ();
  src->bytes_received = src->metadata_blocks = 0;
  src->title_changes = src->reconnections = src->bitrate = 0;
  src->metaint = 0;
  STATE_UNLOCK (src);
  return TRUE;
}

static gboolean
gst_icecast_src_stop (GstBaseSrc *bsrc)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (bsrc);

  close_connection (src);
  g_clear_object (&src->session);
  g_clear_pointer (&src->pool, block_pool_unref);
  g_clear_pointer (&src->caps_type, g_free);
  g_clear_pointer (&src->header_tags, gst_tag_list_unref);
  g_clear_pointer (&src->sent_tags, gst_tag_list_unref);
  g_clear_pointer (&src->pending_tags, gst_tag_list_unref);
  g_clear_pointer (&src->stream_title, g_free);
  g_clear_pointer (&src->stream_url, g_free);
  src->last_meta_size = 0;
  return TRUE;
}

/* Interrupts a blocking connect, read or retry wait at once. */
static gboolean
gst_icecast_src_unlock (GstBaseSrc *bsrc)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (bsrc);

  STATE_LOCK (src);
  src->flushing = TRUE;
  if (src->cancellable != NULL)
    g_cancellable_cancel (src->cancellable);
  if (src->fd >= 0 && !src->fd_shut) {
    shutdown (src->fd, SHUT_RDWR);
    src->fd_shut = TRUE;
  }
  g_cond_broadcast (&src->cond);
  STATE_UNLOCK (src);
  return TRUE;
}

static gboolean
gst_icecast_src_unlock_stop (GstBaseSrc *bsrc)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (bsrc);

  STATE_LOCK (src);
  src->flushing = FALSE;
  if (src->cancellable == NULL
      || g_cancellable_is_cancelled (src->cancellable)) {
    cancellable_drop (&src->cancellable);
    src->cancellable = cancellable_new ();
  }
  STATE_UNLOCK (src);
  return TRUE;
}

static gboolean
gst_icecast_src_is_seekable (GstBaseSrc *bsrc)
{
  return FALSE;
}

/* Properties */

static GstStructure *
gst_icecast_src_stats (GstIcecastSrc *src)
{
  GstStructure *s;

  STATE_LOCK (src);
  s = gst_structure_new ("icecastsrc-stats", "connected", G_TYPE_BOOLEAN,
      src->connected, "bytes-received", G_TYPE_UINT64, src->bytes_received,
      "metadata-blocks", G_TYPE_UINT64, src->metadata_blocks, "title-changes",
      G_TYPE_UINT, src->title_changes, "reconnections", G_TYPE_UINT,
      src->reconnections, "bitrate", G_TYPE_UINT, src->bitrate, "metaint",
      G_TYPE_UINT, src->metaint, NULL);
  STATE_UNLOCK (src);
  return s;
}

static void
gst_icecast_src_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (object);

  if (prop_id == PROP_LOCATION) {
    GError *error = NULL;

    if (!set_location (src, g_value_get_string (value), &error)) {
      GST_WARNING_OBJECT (src, "%s", error->message);
      g_clear_error (&error);
    }
    return;
  }
  GST_OBJECT_LOCK (src);
  switch (prop_id) {
    case PROP_USER_AGENT:
      onair_icecast_replace_string (&src->user_agent,
          g_value_dup_string (value));
      break;
    case PROP_USER_ID:
      /* The application's choice, newer than the location's. */
      onair_icecast_replace_string (&src->location_user, NULL);
      onair_icecast_replace_string (&src->user_id, g_value_dup_string (value));
      break;
    case PROP_USER_PW:
      onair_icecast_replace_string (&src->location_password, NULL);
      onair_icecast_replace_string (&src->user_pw, g_value_dup_string (value));
      break;
    case PROP_PROXY:
      onair_icecast_replace_string (&src->proxy, g_value_dup_string (value));
      break;
    case PROP_TIMEOUT:
      src->timeout = g_value_get_uint (value);
      break;
    case PROP_SSL_STRICT:
      src->ssl_strict = g_value_get_boolean (value);
      break;
    case PROP_RECONNECT:
      src->reconnect = g_value_get_boolean (value);
      break;
    case PROP_MAX_RECONNECT_ATTEMPTS:
      src->max_reconnect_attempts = g_value_get_int (value);
      break;
    case PROP_RECONNECT_DELAY:
      src->reconnect_delay = g_value_get_uint64 (value);
      break;
    case PROP_MAX_RECONNECT_DELAY:
      src->max_reconnect_delay = g_value_get_uint64 (value);
      break;
    case PROP_SPLIT_TITLE:
      src->split_title = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (src);
}

static void
gst_icecast_src_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_icecast_src_stats (src));
    return;
  }
  GST_OBJECT_LOCK (src);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, src->location);
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, src->user_agent);
      break;
    case PROP_USER_ID:
      g_value_set_string (value, locked_user (src));
      break;
    case PROP_PROXY:
      g_value_set_string (value, src->proxy);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, src->timeout);
      break;
    case PROP_SSL_STRICT:
      g_value_set_boolean (value, src->ssl_strict);
      break;
    case PROP_RECONNECT:
      g_value_set_boolean (value, src->reconnect);
      break;
    case PROP_MAX_RECONNECT_ATTEMPTS:
      g_value_set_int (value, src->max_reconnect_attempts);
      break;
    case PROP_RECONNECT_DELAY:
      g_value_set_uint64 (value, src->reconnect_delay);
      break;
    case PROP_MAX_RECONNECT_DELAY:
      g_value_set_uint64 (value, src->max_reconnect_delay);
      break;
    case PROP_SPLIT_TITLE:
      g_value_set_boolean (value, src->split_title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (src);
}

static void
gst_icecast_src_finalize (GObject *object)
{
  GstIcecastSrc *src = GST_ICECAST_SRC (object);

  g_free (src->location);
  g_free (src->user_agent);
  g_free (src->user_id);
  onair_icecast_replace_string (&src->user_pw, NULL);
  onair_icecast_replace_string (&src->location_user, NULL);
  onair_icecast_replace_string (&src->location_password, NULL);
  g_free (src->proxy);
  g_free (src->server);
  g_free (src->mount);
  cancellable_drop (&src->cancellable);
  g_mutex_clear (&src->lock);
  g_cond_clear (&src->cond);
  G_OBJECT_CLASS (gst_icecast_src_parent_class)->finalize (object);
}

static void
gst_icecast_src_class_init (GstIcecastSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);
  const GParamFlags rw =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  /* The password can be set, never read: not by applications, not by
   * gst-launch-1.0 -v. */
  const GParamFlags wo =
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_icecast_src_set_property;
  gobject_class->get_property = gst_icecast_src_get_property;
  gobject_class->finalize = gst_icecast_src_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "http://, https://, icy:// or icyx:// (read as http://) location "
          "of the mount; user information moves to user-id and user-pw",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_USER_AGENT,
      g_param_spec_string ("user-agent", "User agent",
          "User-Agent sent to the server (default \"" DEFAULT_USER_AGENT "\")",
          DEFAULT_USER_AGENT, rw));
  g_object_class_install_property (gobject_class, PROP_USER_ID,
      g_param_spec_string ("user-id", "User ID",
          "User name for a protected mount (HTTP basic authentication, "
          "default none)",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_USER_PW,
      g_param_spec_string ("user-pw", "User password",
          "Password for a protected mount (write-only, default none)", NULL,
          wo));
  g_object_class_install_property (gobject_class, PROP_PROXY,
      g_param_spec_string ("proxy", "Proxy",
          "HTTP proxy as http://host:port (default: the system's)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Longest wait (ms) for the server to connect, answer or send data; "
          "whole seconds where libsoup waits (default 10000)",
          1, G_MAXUINT, DEFAULT_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_SSL_STRICT,
      g_param_spec_boolean ("ssl-strict", "SSL strict",
          "Refuse servers whose TLS certificate does not validate "
          "(default true)",
          DEFAULT_SSL_STRICT, rw));
  g_object_class_install_property (gobject_class, PROP_RECONNECT,
      g_param_spec_boolean ("reconnect", "Reconnect",
          "Reopen a stream that ends or breaks, with backoff (default true)",
          DEFAULT_RECONNECT, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_RECONNECT_ATTEMPTS,
      g_param_spec_int ("max-reconnect-attempts", "Maximum reconnect attempts",
          "Failed reconnections in a row before giving up with an error "
          "(-1 = never give up, default -1)",
          -1, G_MAXINT, DEFAULT_MAX_RECONNECT_ATTEMPTS, rw));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_DELAY,
      g_param_spec_uint64 ("reconnect-delay", "Reconnect delay",
          "Wait (ns) after the first failed reconnection, doubled after each "
          "further one (default 1 s)",
          0, G_MAXUINT64, DEFAULT_RECONNECT_DELAY, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_RECONNECT_DELAY,
      g_param_spec_uint64 ("max-reconnect-delay", "Maximum reconnect delay",
          "Longest wait (ns) between reconnections (default 30 s)", 0,
          G_MAXUINT64, DEFAULT_MAX_RECONNECT_DELAY, rw));
  g_object_class_install_property (gobject_class, PROP_SPLIT_TITLE,
      g_param_spec_boolean ("split-title", "Split title",
          "Read a StreamTitle of the form \"Artist - Title\" as the artist "
          "and title tags (default true)",
          DEFAULT_SPLIT_TITLE, rw));
  /**
   * GstIcecastSrc:stats:
   *
   * `connected`, `bytes-received` (body bytes, metadata included),
   * `metadata-blocks` (non-empty blocks), `title-changes`,
   * `reconnections`, `bitrate` (bit/s over the last second or more),
   * `metaint`.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Listener counters as a GstStructure", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Icecast source",
      "Source/Network",
      "Listens to an Icecast or SHOUTcast mount, turns ICY metadata into "
      "tags and reconnects when the stream drops",
      "gst-plugins-onair");
  gst_element_class_add_static_pad_template (element_class, &src_template);

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_icecast_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_icecast_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_icecast_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_icecast_src_unlock_stop);
  basesrc_class->is_seekable = GST_DEBUG_FUNCPTR (gst_icecast_src_is_seekable);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_icecast_src_create);
}

static void
gst_icecast_src_init (GstIcecastSrc *src)
{
  src->user_agent = g_strdup (DEFAULT_USER_AGENT);
  src->timeout = DEFAULT_TIMEOUT;
  src->ssl_strict = DEFAULT_SSL_STRICT;
  src->reconnect = DEFAULT_RECONNECT;
  src->max_reconnect_attempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
  src->reconnect_delay = DEFAULT_RECONNECT_DELAY;
  src->max_reconnect_delay = DEFAULT_MAX_RECONNECT_DELAY;
  src->split_title = DEFAULT_SPLIT_TITLE;
  g_mutex_init (&src->lock);
  src->fd = -1;
  g_cond_init (&src->cond);
  src->cancellable = cancellable_new ();
  gst_base_src_set_live (GST_BASE_SRC (src), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (src), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (src), TRUE);
}

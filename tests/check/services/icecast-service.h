/* gst-plugins-onair: a real icecast2 server on a loopback port, for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __ONAIR_ICECAST_SERVICE_H__
#define __ONAIR_ICECAST_SERVICE_H__

#include "onair-check.h"

G_BEGIN_DECLS

typedef struct _OnairIcecast OnairIcecast;

typedef struct {
  const gchar *source_password; /* NULL: "onair-source" */
  const gchar *admin_user; /* NULL: "admin" */
  const gchar *admin_password; /* NULL: "onair-admin" */
  gint max_sources; /* 0: 8 */
  gint max_clients; /* 0: 100 */
  gint source_timeout; /* seconds, 0: server default (10) */
  const gchar *extra_xml; /* inserted inside <icecast>, e.g. <mount> blocks */
} OnairIcecastConfig;

/* Starts /usr/bin/icecast2 on a free 127.0.0.1 port, with a config written to
 * a scratch directory, and waits until /status-json.xsl answers.  icecast2
 * refuses to run as root: under root the server process becomes
 * nobody/nogroup before it starts, which does what <changeowner> would while
 * keeping PR_SET_PDEATHSIG (icecast2's own change of owner clears it, and the
 * server would outlive a killed test).  Fails the test (never skips)
 * when the server is missing or does not come up within 15 s.  @config may be
 * NULL for the defaults. */
OnairIcecast *onair_icecast_start (const OnairIcecastConfig *config);
/* Stops the server and removes nothing: onair_icecast_restart() brings it back
 * on the same port with the same configuration. */
void onair_icecast_stop (OnairIcecast *ice);
void onair_icecast_restart (OnairIcecast *ice);
/* Stops the server (if running) and frees.  Its log stays in the scratch
 * directory, so that a failing test prints it. */
void onair_icecast_free (OnairIcecast *ice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnairIcecast, onair_icecast_free);

guint16 onair_icecast_port (const OnairIcecast *ice);
const gchar *onair_icecast_source_password (const OnairIcecast *ice);
const gchar *onair_icecast_admin_user (const OnairIcecast *ice);
const gchar *onair_icecast_admin_password (const OnairIcecast *ice);
/* Everything the server has logged so far (error and access log). */
gchar *onair_icecast_read_log (const OnairIcecast *ice);

/* The mount's entry of /status-json.xsl as a GstStructure named "mount",
 * fields as the server names them ("listeners", "title", "server_type",
 * "server_name", "genre", "server_url", "server_description", "audio_info",
 * "bitrate", "listenurl", ...): numbers as G_TYPE_INT64 when integral,
 * otherwise G_TYPE_DOUBLE, strings as G_TYPE_STRING, booleans as
 * G_TYPE_BOOLEAN; null fields are left out.  Handles "source" being an
 * object (one mount), an array (several) or absent (none).  NULL when the
 * mount is not there. */
GstStructure *
onair_icecast_mount_status (OnairIcecast *ice, const gchar *mount);
/* Mount names currently listed, e.g. "/a.mp3". */
GStrv onair_icecast_list_mounts (OnairIcecast *ice);
/* Polls the status until the mount is present (@present TRUE) or gone;
 * fails the test after @timeout_ms. */
void onair_icecast_wait_mount (OnairIcecast *ice, const gchar *mount,
    gboolean present, guint timeout_ms);

G_END_DECLS

#endif /* __ONAIR_ICECAST_SERVICE_H__ */

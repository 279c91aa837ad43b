/* gst-plugins-onair: icecastsink, an Icecast source client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ICECAST_SINK_H__
#define __GST_ICECAST_SINK_H__

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_ICECAST_SINK (gst_icecast_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstIcecastSink, gst_icecast_sink, GST, ICECAST_SINK,
    GstBaseSink);

typedef enum {
  GST_ICECAST_PROTOCOL_AUTO,
  GST_ICECAST_PROTOCOL_PUT,
  GST_ICECAST_PROTOCOL_SOURCE,
} GstIcecastProtocol;

typedef enum {
  GST_ICECAST_TLS_NONE,
  GST_ICECAST_TLS_AUTO,
  GST_ICECAST_TLS_REQUIRED,
} GstIcecastTls;

GST_ELEMENT_REGISTER_DECLARE (icecastsink);

G_END_DECLS

#endif /* __GST_ICECAST_SINK_H__ */

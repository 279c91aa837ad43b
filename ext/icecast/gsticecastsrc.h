/* gst-plugins-onair: icecastsrc, an Icecast/SHOUTcast listener
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ICECAST_SRC_H__
#define __GST_ICECAST_SRC_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_ICECAST_SRC (gst_icecast_src_get_type ())
G_DECLARE_FINAL_TYPE (GstIcecastSrc, gst_icecast_src, GST, ICECAST_SRC,
    GstPushSrc);

GST_ELEMENT_REGISTER_DECLARE (icecastsrc);

G_END_DECLS

#endif /* __GST_ICECAST_SRC_H__ */

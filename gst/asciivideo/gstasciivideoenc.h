/* gst-plugins-onair: asciivideoenc, raw video to ASCILINE cells and ANSI text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ASCII_VIDEO_ENC_H__
#define __GST_ASCII_VIDEO_ENC_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_ASCII_VIDEO_ENC (gst_ascii_video_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstAsciiVideoEnc, gst_ascii_video_enc, GST,
    ASCII_VIDEO_ENC, GstVideoEncoder);

typedef enum {
  GST_ASCII_VIDEO_ENC_FORMAT_ASCIILINE,
  GST_ASCII_VIDEO_ENC_FORMAT_ANSI,
  GST_ASCII_VIDEO_ENC_FORMAT_TEXT,
} GstAsciiVideoEncFormat;

typedef enum {
  GST_ASCII_VIDEO_ENC_MAPPING_PROPORTIONAL,
  GST_ASCII_VIDEO_ENC_MAPPING_LEGACY,
} GstAsciiVideoEncMapping;

typedef enum {
  GST_ASCII_VIDEO_ENC_COLOR_DEPTH_TRUECOLOR,
  GST_ASCII_VIDEO_ENC_COLOR_DEPTH_256,
} GstAsciiVideoEncColorDepth;

GST_ELEMENT_REGISTER_DECLARE (asciivideoenc);

G_END_DECLS

#endif /* __GST_ASCII_VIDEO_ENC_H__ */

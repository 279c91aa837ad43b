/* gst-plugins-onair: timedtee, a tee that remembers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_TIMED_TEE_H__
#define __GST_TIMED_TEE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_TIMED_TEE (gst_timed_tee_get_type ())
G_DECLARE_FINAL_TYPE (GstTimedTee, gst_timed_tee, GST, TIMED_TEE, GstElement);

#define GST_TYPE_TIMED_TEE_PAD (gst_timed_tee_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstTimedTeePad, gst_timed_tee_pad, GST, TIMED_TEE_PAD,
    GstPad);

typedef enum {
  GST_TIMED_TEE_JOIN_BURST,
  GST_TIMED_TEE_JOIN_LIVE,
  GST_TIMED_TEE_JOIN_KEYFRAME,
  GST_TIMED_TEE_JOIN_BURST_KEYFRAME,
} GstTimedTeeJoinMode;

typedef enum {
  GST_TIMED_TEE_TIMING_ORIGINAL,
  GST_TIMED_TEE_TIMING_SHIFTED,
} GstTimedTeeJoinTiming;

typedef enum {
  GST_TIMED_TEE_OVERRUN_DROP,
  GST_TIMED_TEE_OVERRUN_RESYNC,
  GST_TIMED_TEE_OVERRUN_BLOCK,
  GST_TIMED_TEE_OVERRUN_ERROR,
} GstTimedTeeOverrunPolicy;

GST_ELEMENT_REGISTER_DECLARE (timedtee);

G_END_DECLS

#endif /* __GST_TIMED_TEE_H__ */

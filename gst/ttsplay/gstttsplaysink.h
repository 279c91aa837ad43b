/* gst-plugins-onair: ttsplaysink, playback of streamed speech
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_TTS_PLAY_SINK_H__
#define __GST_TTS_PLAY_SINK_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_TTS_PLAY_SINK (gst_tts_play_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstTtsPlaySink, gst_tts_play_sink, GST, TTS_PLAY_SINK,
    GstBin);

typedef enum {
  GST_TTS_PLAY_SINK_STATE_IDLE,
  GST_TTS_PLAY_SINK_STATE_PREBUFFERING,
  GST_TTS_PLAY_SINK_STATE_PLAYING,
  GST_TTS_PLAY_SINK_STATE_STALLED,
  GST_TTS_PLAY_SINK_STATE_DRAINING,
} GstTtsPlaySinkState;

GST_ELEMENT_REGISTER_DECLARE (ttsplaysink);

G_END_DECLS

#endif /* __GST_TTS_PLAY_SINK_H__ */

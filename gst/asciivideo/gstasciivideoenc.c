/* gst-plugins-onair: asciivideoenc, raw video to ASCILINE cells and ANSI text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-asciivideoenc
 * @title: asciivideoenc
 *
 * Turns raw RGB video into text cells, one cell per pixel: the pixel's grey
 * picks a character from #GstAsciiVideoEnc:ramp and its colour goes with
 * it.  The output is the ASCILINE wire format for browser players
 * (`format=asciiline`), ANSI escape sequences for a terminal
 * (`format=ansi`), or plain text (`format=text`).  #GstAsciiVideoEnc:columns
 * and #GstAsciiVideoEnc:rows restrict the size it accepts, so that an
 * upstream `videoscale` does the scaling.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e --no-position videotestsrc ! videoscale ! \
 *     asciivideoenc format=ansi columns=80 rows=24 ! fdsink
 * ]|
 * Plays the test pattern in the terminal; Ctrl-C ends it with EOS, which
 * brings the cursor back.
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=30 ! videoscale ! \
 *     asciivideoenc mode=3 columns=200 rows=84 ! filesink location=cells.bin
 * ]|
 * Writes the INIT header and 30 ASCILINE frames of 200x84 colour cells.
 *
 * A frame is dropped only when the base class's `qos` property is on and
 * the frame's deadline downstream has passed when it arrives.
 * #GstAsciiVideoEnc:stats counts the frames encoded and dropped and times
 * each encoding.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gi18n-lib.h>

#include "gstasciivideoenc.h"
#include "asciicells.h"
#include "asciiwire.h"

GST_DEBUG_CATEGORY_STATIC (gst_ascii_video_enc_debug);
#define GST_CAT_DEFAULT gst_ascii_video_enc_debug

#define DEFAULT_FORMAT GST_ASCII_VIDEO_ENC_FORMAT_ASCIILINE
#define DEFAULT_MODE 3
#define DEFAULT_COLUMNS 0
#define DEFAULT_ROWS 0
#define DEFAULT_MAPPING GST_ASCII_VIDEO_ENC_MAPPING_PROPORTIONAL
#define DEFAULT_COLOR_DEPTH GST_ASCII_VIDEO_ENC_COLOR_DEPTH_TRUECOLOR
#define DEFAULT_HALF_BLOCKS FALSE
#define DEFAULT_BRIGHTNESS 0.0
#define DEFAULT_CONTRAST 1.0
#define DEFAULT_GAMMA 1.0
#define DEFAULT_INVERT FALSE

#define MAX_DIMENSION 32767
/* Larger frames are refused rather than allocated: 512 MiB. */
#define MAX_FRAME_BYTES ((gsize) 512 * 1024 * 1024)

#define MEDIA_ASCIILINE "application/x-asciiline"
#define MEDIA_ANSI "text/x-ansi"
#define MEDIA_TEXT "text/plain"

typedef struct {
  GstAsciiVideoEncFormat format;
  guint mode;
  GstAsciiVideoEncColorDepth color_depth;
  gboolean half_blocks;
} OutputSettings;

/* Counters since the element last started.  The encode time of a frame is
 * the time encode_frame() takes: the output buffer, the cell kernel and,
 * for text output, writing the text. */
typedef struct {
  guint64 encoded;
  guint64 dropped;
  guint64 encoded_bytes;
  GstClockTime last_time;
  GstClockTime min_time;
  GstClockTime max_time;
  GstClockTime total_time;
} EncodeStats;

struct _GstAsciiVideoEnc {
  GstVideoEncoder parent;

  /* Properties, under the object lock. */
  OutputSettings settings;
  guint columns;
  guint rows;
  gchar *ramp;
  GstAsciiVideoEncMapping mapping;
  AsciiTone tone;
  /* Set by a property change, taken by the streaming thread. */
  gboolean tables_changed;
  gboolean output_changed;
  /* Written by the streaming thread, read by the stats property. */
  EncodeStats stats;

  /* Streaming thread only. */
  GstVideoCodecState *input_state;
  AsciiLayout layout;
  OutputSettings out;
  guint cols;
  guint pixel_rows;
  guint8 cell_table[256];
  guint8 channel_mask;
  guint32 index;
  GstBuffer *header;
  guint8 *cells; /* pixel_rows x cols cells when the output is not cells */
  guint8 *text; /* ANSI frame before it is copied out at its real size */
  gsize text_size;
  gboolean sent_frame;
  GstClockTime last_end;
};

enum {
  PROP_0,
  PROP_FORMAT,
  PROP_MODE,
  PROP_COLUMNS,
  PROP_ROWS,
  PROP_RAMP,
  PROP_MAPPING,
  PROP_COLOR_DEPTH,
  PROP_HALF_BLOCKS,
  PROP_BRIGHTNESS,
  PROP_CONTRAST,
  PROP_GAMMA,
  PROP_INVERT,
  PROP_STATS,
};

#define SINK_FORMATS                                                           \
  "{ BGR, RGB, BGRx, RGBx, xRGB, xBGR, BGRA, RGBA, ARGB, ABGR }"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (SINK_FORMATS)));

#define TEXT_GRID_FIELDS                                                       \
  "columns = (int) [ 1, 32767 ], rows = (int) [ 1, 32767 ], "                  \
  "framerate = (fraction) [ 0/1, MAX ]"

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (MEDIA_ASCIILINE
            ", mode = (int) [ 1, 5 ], " TEXT_GRID_FIELDS "; " MEDIA_ANSI
            ", " TEXT_GRID_FIELDS "; " MEDIA_TEXT ", " TEXT_GRID_FIELDS));

#define GST_TYPE_ASCII_VIDEO_ENC_FORMAT (gst_ascii_video_enc_format_get_type ())
static GType
gst_ascii_video_enc_format_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_ASCII_VIDEO_ENC_FORMAT_ASCIILINE,
        "ASCILINE messages: INIT header, then [index][char R G B]... frames "
        "(mode 1: text frames)",
        "asciiline" },
    { GST_ASCII_VIDEO_ENC_FORMAT_ANSI,
        "ANSI terminal text: cursor home and coloured characters per frame",
        "ansi" },
    { GST_ASCII_VIDEO_ENC_FORMAT_TEXT,
        "Plain text: the rows of characters, an empty line after each frame",
        "text" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstAsciiVideoEncFormat", values));
  return type;
}

#define GST_TYPE_ASCII_VIDEO_ENC_MAPPING                                       \
  (gst_ascii_video_enc_mapping_get_type ())
static GType
gst_ascii_video_enc_mapping_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_ASCII_VIDEO_ENC_MAPPING_PROPORTIONAL,
        "grey * (n - 1) / 255: the whole ramp is used", "proportional" },
    { GST_ASCII_VIDEO_ENC_MAPPING_LEGACY,
        "min (grey / (256 / n), n - 1): the ASCILINE seed server's mapping",
        "legacy" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstAsciiVideoEncMapping", values));
  return type;
}

#define GST_TYPE_ASCII_VIDEO_ENC_COLOR_DEPTH                                   \
  (gst_ascii_video_enc_color_depth_get_type ())
static GType
gst_ascii_video_enc_color_depth_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_ASCII_VIDEO_ENC_COLOR_DEPTH_TRUECOLOR,
        "24-bit colour: ESC[38;2;R;G;Bm", "truecolor" },
    { GST_ASCII_VIDEO_ENC_COLOR_DEPTH_256, "xterm's 256 colours: ESC[38;5;Nm",
        "256" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstAsciiVideoEncColorDepth", values));
  return type;
}

G_DEFINE_TYPE_WITH_CODE (GstAsciiVideoEnc, gst_ascii_video_enc,
    GST_TYPE_VIDEO_ENCODER,
    GST_DEBUG_CATEGORY_INIT (gst_ascii_video_enc_debug, "asciivideoenc", 0,
        "raw video to ASCILINE cells and ANSI text"));
GST_ELEMENT_REGISTER_DEFINE (asciivideoenc, "asciivideoenc", GST_RANK_NONE,
    GST_TYPE_ASCII_VIDEO_ENC);

static const gchar *
media_type (GstAsciiVideoEncFormat format)
{
  switch (format) {
    case GST_ASCII_VIDEO_ENC_FORMAT_ANSI:
      return MEDIA_ANSI;
    case GST_ASCII_VIDEO_ENC_FORMAT_TEXT:
      return MEDIA_TEXT;
    default:
      return MEDIA_ASCIILINE;
  }
}

static gboolean
layout_from_format (GstVideoFormat format, AsciiLayout *layout)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      *layout = ASCII_LAYOUT_RGB;
      return TRUE;
    case GST_VIDEO_FORMAT_BGR:
      *layout = ASCII_LAYOUT_BGR;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBx:
    case GST_VIDEO_FORMAT_RGBA:
      *layout = ASCII_LAYOUT_RGBX;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRx:
    case GST_VIDEO_FORMAT_BGRA:
      *layout = ASCII_LAYOUT_BGRX;
      return TRUE;
    case GST_VIDEO_FORMAT_xRGB:
    case GST_VIDEO_FORMAT_ARGB:
      *layout = ASCII_LAYOUT_XRGB;
      return TRUE;
    case GST_VIDEO_FORMAT_xBGR:
    case GST_VIDEO_FORMAT_ABGR:
      *layout = ASCII_LAYOUT_XBGR;
      return TRUE;
    default:
      return FALSE;
  }
}

static AsciiAnsiOptions
ansi_options (const OutputSettings *out)
{
  AsciiAnsiOptions options = { ASCII_ANSI_COLOUR_NONE, out->half_blocks, TRUE };

  /* Mode 1 is black and white, except that half-blocks have no characters
   * and show the grey as colour. */
  if (out->mode > 1 || out->half_blocks)
    options.colour = out->color_depth == GST_ASCII_VIDEO_ENC_COLOR_DEPTH_256
        ? ASCII_ANSI_COLOUR_256
        : ASCII_ANSI_COLOUR_TRUE;
  return options;
}

/* Takes the property values the tables depend on and rebuilds them. */
static void
build_tables (GstAsciiVideoEnc *self)
{
  gchar *ramp;
  AsciiMapping mapping;
  AsciiTone tone;

  GST_OBJECT_LOCK (self);
  ramp = g_strdup (self->ramp);
  mapping = self->mapping == GST_ASCII_VIDEO_ENC_MAPPING_LEGACY
      ? ASCII_MAPPING_LEGACY
      : ASCII_MAPPING_PROPORTIONAL;
  tone = self->tone;
  self->tables_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (self->out.format == GST_ASCII_VIDEO_ENC_FORMAT_ANSI
      && self->out.half_blocks && self->out.mode == 1)
    ascii_tone_build (&tone, self->cell_table);
  else
    ascii_char_table_build (self->cell_table, ramp, mapping, &tone);
  g_free (ramp);
}

static GstBuffer *
make_header (GstAsciiVideoEnc *self, guint text_rows)
{
  GstVideoInfo *info = &self->input_state->info;
  GstBuffer *header;

  if (self->out.format == GST_ASCII_VIDEO_ENC_FORMAT_ASCIILINE) {
    gsize length;
    gchar *init = ascii_asciiline_init (GST_VIDEO_INFO_FPS_N (info),
        GST_VIDEO_INFO_FPS_D (info), self->out.mode, self->cols, text_rows,
        &length);

    header = gst_buffer_new_wrapped (init, length);
  } else if (self->out.format == GST_ASCII_VIDEO_ENC_FORMAT_ANSI) {
    header =
        gst_buffer_new_memdup (ASCII_ANSI_START, strlen (ASCII_ANSI_START));
  } else {
    return NULL;
  }
  GST_BUFFER_FLAG_SET (header, GST_BUFFER_FLAG_HEADER);
  return header;
}

/* (Re)configures the output from the input state and the properties: caps,
 * header, tables and buffers.  The frame index starts again at 0. */
static gboolean
configure_output (GstAsciiVideoEnc *self)
{
  GstVideoEncoder *encoder = GST_VIDEO_ENCODER (self);
  GstVideoInfo *info = &self->input_state->info;
  GstVideoCodecState *state;
  GstCaps *caps;
  guint text_rows;
  gsize frame_bytes;

  GST_OBJECT_LOCK (self);
  self->out = self->settings;
  self->output_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  self->cols = GST_VIDEO_INFO_WIDTH (info);
  self->pixel_rows = GST_VIDEO_INFO_HEIGHT (info);
  text_rows = self->out.format == GST_ASCII_VIDEO_ENC_FORMAT_ANSI
      ? ascii_ansi_text_rows (self->pixel_rows, self->out.half_blocks)
      : self->pixel_rows;

  if (self->out.format == GST_ASCII_VIDEO_ENC_FORMAT_ANSI) {
    AsciiAnsiOptions options = ansi_options (&self->out);

    frame_bytes = ascii_ansi_max_size (self->cols, self->pixel_rows, &options);
  } else {
    frame_bytes = 4 + (gsize) self->cols * self->pixel_rows * 4;
  }
  if (frame_bytes > MAX_FRAME_BYTES) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        (_ ("The picture is too large to encode as text.")),
        ("%ux%u pixels would need up to %" G_GSIZE_FORMAT
         " bytes per frame, more than %" G_GSIZE_FORMAT,
            self->cols, self->pixel_rows, frame_bytes, MAX_FRAME_BYTES));
    return FALSE;
  }

  self->channel_mask =
      self->out.mode == 1 ? 0xff : ascii_mode_channel_mask (self->out.mode);
  build_tables (self);

  g_clear_pointer (&self->cells, g_free);
  g_clear_pointer (&self->text, g_free);
  if (self->out.format != GST_ASCII_VIDEO_ENC_FORMAT_ASCIILINE
      || self->out.mode == 1)
    self->cells = g_malloc ((gsize) self->cols * self->pixel_rows * 4);
  if (self->out.format == GST_ASCII_VIDEO_ENC_FORMAT_ANSI) {
    self->text_size = frame_bytes;
    self->text = g_malloc (frame_bytes);
  }

  caps = gst_caps_new_simple (media_type (self->out.format), "columns",
      G_TYPE_INT, (gint) self->cols, "rows", G_TYPE_INT, (gint) text_rows,
      "framerate", GST_TYPE_FRACTION, GST_VIDEO_INFO_FPS_N (info),
      GST_VIDEO_INFO_FPS_D (info), NULL);
  if (self->out.format == GST_ASCII_VIDEO_ENC_FORMAT_ASCIILINE)
    gst_caps_set_simple (caps, "mode", G_TYPE_INT, (gint) self->out.mode, NULL);

  gst_clear_buffer (&self->header);
  self->header = make_header (self, text_rows);
  if (self->header != NULL) {
    GValue array = G_VALUE_INIT, value = G_VALUE_INIT;

    g_value_init (&array, GST_TYPE_ARRAY);
    g_value_init (&value, GST_TYPE_BUFFER);
    gst_value_set_buffer (&value, self->header);
    gst_value_array_append_and_take_value (&array, &value);
    gst_structure_take_value (gst_caps_get_structure (caps, 0), "streamheader",
        &array);
    gst_video_encoder_set_headers (encoder,
        g_list_append (NULL, gst_buffer_ref (self->header)));
  } else {
    gst_video_encoder_set_headers (encoder, NULL);
  }

  GST_DEBUG_OBJECT (self, "output %" GST_PTR_FORMAT, caps);
  state = gst_video_encoder_set_output_state (encoder, caps, self->input_state);
  gst_video_codec_state_unref (state);
  self->index = 0;
  return TRUE;
}

static gboolean
gst_ascii_video_enc_set_format (GstVideoEncoder *encoder,
    GstVideoCodecState *state)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (encoder);

  if (!layout_from_format (GST_VIDEO_INFO_FORMAT (&state->info), &self->layout))
    return FALSE;
  if (self->input_state != NULL)
    gst_video_codec_state_unref (self->input_state);
  self->input_state = gst_video_codec_state_ref (state);
  gst_video_encoder_set_latency (encoder, 0, 0);
  return configure_output (self);
}

/* The sink caps: the template, with width and height fixed by columns and
 * rows when set, and narrowed by what downstream says of its columns, rows
 * and framerate. */
static GstCaps *
gst_ascii_video_enc_getcaps (GstVideoEncoder *encoder, GstCaps *filter)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (encoder);
  GstCaps *caps, *allowed, *result;
  guint columns, rows, i;
  gboolean half_blocks;
  const gchar *media;

  GST_OBJECT_LOCK (self);
  columns = self->columns;
  rows = self->rows;
  half_blocks = self->settings.format == GST_ASCII_VIDEO_ENC_FORMAT_ANSI
      && self->settings.half_blocks;
  media = media_type (self->settings.format);
  GST_OBJECT_UNLOCK (self);

  caps = gst_pad_get_pad_template_caps (GST_VIDEO_ENCODER_SINK_PAD (encoder));
  caps = gst_caps_make_writable (caps);
  if (columns > 0)
    gst_caps_set_simple (caps, "width", G_TYPE_INT, (gint) columns, NULL);
  if (rows > 0)
    gst_caps_set_simple (caps, "height", G_TYPE_INT,
        (gint) (half_blocks ? rows * 2 : rows), NULL);

  allowed = gst_pad_get_allowed_caps (GST_VIDEO_ENCODER_SRC_PAD (encoder));
  if (allowed != NULL && !gst_caps_is_any (allowed)) {
    GstCaps *mapped = gst_caps_new_empty ();

    for (i = 0; i < gst_caps_get_size (allowed); i++) {
      GstStructure *s = gst_caps_get_structure (allowed, i);
      GstStructure *video;
      const GValue *v;

      if (!gst_structure_has_name (s, media))
        continue;
      video = gst_structure_new_empty ("video/x-raw");
      if ((v = gst_structure_get_value (s, "framerate")) != NULL)
        gst_structure_set_value (video, "framerate", v);
      if ((v = gst_structure_get_value (s, "columns")) != NULL)
        gst_structure_set_value (video, "width", v);
      v = gst_structure_get_value (s, "rows");
      if (v != NULL && !half_blocks)
        gst_structure_set_value (video, "height", v);
      else if (v != NULL && G_VALUE_HOLDS_INT (v))
        gst_structure_set (video, "height", G_TYPE_INT, g_value_get_int (v) * 2,
            NULL);
      gst_caps_append_structure (mapped, video);
    }
    result = gst_caps_intersect (caps, mapped);
    gst_caps_unref (mapped);
    gst_caps_unref (caps);
    caps = result;
  }
  if (allowed != NULL)
    gst_caps_unref (allowed);

  if (filter != NULL) {
    result = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = result;
  }
  GST_LOG_OBJECT (self, "sink caps %" GST_PTR_FORMAT, caps);
  return caps;
}

static GstFlowReturn
encode_frame (GstAsciiVideoEnc *self, GstVideoCodecFrame *frame,
    const guint8 *src, gsize stride)
{
  GstVideoEncoder *encoder = GST_VIDEO_ENCODER (self);
  const OutputSettings *out = &self->out;
  guint cols = self->cols, rows = self->pixel_rows;
  GstMapInfo map;
  GstFlowReturn ret;
  gsize size;

  if (out->format == GST_ASCII_VIDEO_ENC_FORMAT_ASCIILINE && out->mode > 1) {
    /* Cells go straight into the output buffer, after the index. */
    ret = gst_video_encoder_allocate_output_frame (encoder, frame,
        4 + (gsize) cols * rows * 4);
    if (ret != GST_FLOW_OK)
      return ret;
    gst_buffer_map (frame->output_buffer, &map, GST_MAP_WRITE);
    ascii_asciiline_write_index (map.data, self->index);
    ascii_cells_encode (self->layout, src, stride, cols, rows, self->cell_table,
        self->channel_mask, map.data + 4, (gsize) cols * 4);
    gst_buffer_unmap (frame->output_buffer, &map);
    return GST_FLOW_OK;
  }

  ascii_cells_encode (self->layout, src, stride, cols, rows, self->cell_table,
      self->channel_mask, self->cells, (gsize) cols * 4);

  if (out->format == GST_ASCII_VIDEO_ENC_FORMAT_ANSI) {
    AsciiAnsiOptions options = ansi_options (out);

    if (out->half_blocks && out->mode == 1)
      ascii_cells_grey_to_colour (self->cells, (gsize) cols * rows);
    size = ascii_ansi_write (self->text, self->cells, cols, rows, &options);
    frame->output_buffer =
        gst_video_encoder_allocate_output_buffer (encoder, size);
    gst_buffer_fill (frame->output_buffer, 0, self->text, size);
    return GST_FLOW_OK;
  }

  size = out->format == GST_ASCII_VIDEO_ENC_FORMAT_TEXT
      ? ascii_text_size (cols, rows)
      : ascii_asciiline_text_size (cols, rows);
  ret = gst_video_encoder_allocate_output_frame (encoder, frame, size);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_buffer_map (frame->output_buffer, &map, GST_MAP_WRITE);
  if (out->format == GST_ASCII_VIDEO_ENC_FORMAT_TEXT)
    size = ascii_text_write (map.data, self->cells, cols, rows);
  else
    size = ascii_asciiline_text_write (map.data, self->index, self->cells, cols,
        rows);
  gst_buffer_unmap (frame->output_buffer, &map);
  gst_buffer_set_size (frame->output_buffer, size);
  return GST_FLOW_OK;
}

static void
count_encoded (GstAsciiVideoEnc *self, GstClockTime elapsed, gsize bytes)
{
  EncodeStats *stats = &self->stats;

  GST_OBJECT_LOCK (self);
  stats->encoded++;
  stats->encoded_bytes += bytes;
  stats->last_time = elapsed;
  stats->total_time += elapsed;
  if (stats->encoded == 1 || elapsed < stats->min_time)
    stats->min_time = elapsed;
  if (elapsed > stats->max_time)
    stats->max_time = elapsed;
  GST_OBJECT_UNLOCK (self);
}

/* With the base class's qos property on, a frame whose deadline downstream
 * has already passed is not encoded.  Its index stays used, so that a
 * client still times the next frames right. */
static GstFlowReturn
drop_late_frame (GstAsciiVideoEnc *self, GstVideoCodecFrame *frame,
    GstClockTimeDiff time_left)
{
  GST_DEBUG_OBJECT (self,
      "dropping frame %u, %" GST_STIME_FORMAT " past its deadline", self->index,
      GST_STIME_ARGS (-time_left));
  GST_OBJECT_LOCK (self);
  self->stats.dropped++;
  GST_OBJECT_UNLOCK (self);
  self->index++;
  /* Without an output buffer the base class drops the frame and posts a
   * QoS message. */
  return gst_video_encoder_finish_frame (GST_VIDEO_ENCODER (self), frame);
}

static GstFlowReturn
gst_ascii_video_enc_handle_frame (GstVideoEncoder *encoder,
    GstVideoCodecFrame *frame)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (encoder);
  GstVideoFrame vframe;
  gboolean output_changed, tables_changed;
  GstClockTimeDiff time_left;
  GstClockTime start;
  GstFlowReturn ret;

  GST_OBJECT_LOCK (self);
  output_changed = self->output_changed;
  tables_changed = self->tables_changed;
  GST_OBJECT_UNLOCK (self);
  if (output_changed) {
    if (!configure_output (self)) {
      gst_video_codec_frame_unref (frame);
      return GST_FLOW_ERROR;
    }
  } else if (tables_changed) {
    build_tables (self);
  }

  time_left = gst_video_encoder_get_max_encode_time (encoder, frame);
  if (time_left < 0)
    return drop_late_frame (self, frame, time_left);

  if (!gst_video_frame_map (&vframe, &self->input_state->info,
          frame->input_buffer, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, ENCODE,
        (_ ("Could not read the input video frame.")),
        ("gst_video_frame_map failed on %" GST_PTR_FORMAT,
            frame->input_buffer));
    gst_video_codec_frame_unref (frame);
    return GST_FLOW_ERROR;
  }
  start = gst_util_get_timestamp ();
  ret = encode_frame (self, frame, GST_VIDEO_FRAME_PLANE_DATA (&vframe, 0),
      GST_VIDEO_FRAME_PLANE_STRIDE (&vframe, 0));
  if (ret == GST_FLOW_OK)
    count_encoded (self, gst_util_get_timestamp () - start,
        gst_buffer_get_size (frame->output_buffer));
  gst_video_frame_unmap (&vframe);
  if (ret != GST_FLOW_OK) {
    gst_video_codec_frame_unref (frame);
    return ret;
  }

  /* Every frame stands on its own. */
  GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT (frame);
  self->index++;
  self->sent_frame = TRUE;
  if (GST_CLOCK_TIME_IS_VALID (frame->pts))
    self->last_end = frame->pts
        + (GST_CLOCK_TIME_IS_VALID (frame->duration) ? frame->duration : 0);
  return gst_video_encoder_finish_frame (encoder, frame);
}

/* After a flush the stream starts again: a new header, index 0. */
static gboolean
gst_ascii_video_enc_flush (GstVideoEncoder *encoder)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (encoder);

  self->index = 0;
  if (self->header != NULL)
    gst_video_encoder_set_headers (encoder,
        g_list_append (NULL, gst_buffer_ref (self->header)));
  return TRUE;
}

/* A terminal gets its cursor and colours back at the end. */
static GstFlowReturn
gst_ascii_video_enc_finish (GstVideoEncoder *encoder)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (encoder);
  GstBuffer *end;

  if (self->out.format != GST_ASCII_VIDEO_ENC_FORMAT_ANSI || !self->sent_frame)
    return GST_FLOW_OK;
  self->sent_frame = FALSE;
  end = gst_buffer_new_memdup (ASCII_ANSI_END, strlen (ASCII_ANSI_END));
  GST_BUFFER_PTS (end) = self->last_end;
  GST_BUFFER_DURATION (end) = 0;
  return gst_pad_push (GST_VIDEO_ENCODER_SRC_PAD (encoder), end);
}

static gboolean
gst_ascii_video_enc_start (GstVideoEncoder *encoder)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (encoder);

  self->index = 0;
  self->sent_frame = FALSE;
  self->last_end = GST_CLOCK_TIME_NONE;
  GST_OBJECT_LOCK (self);
  memset (&self->stats, 0, sizeof self->stats);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_ascii_video_enc_stop (GstVideoEncoder *encoder)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (encoder);

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  gst_clear_buffer (&self->header);
  g_clear_pointer (&self->cells, g_free);
  g_clear_pointer (&self->text, g_free);
  return TRUE;
}

/* Properties */

static void
ask_upstream_to_renegotiate (GstAsciiVideoEnc *self)
{
  gst_pad_push_event (GST_VIDEO_ENCODER_SINK_PAD (self),
      gst_event_new_reconfigure ());
}

static void
set_ramp (GstAsciiVideoEnc *self, const gchar *ramp)
{
  if (!ascii_ramp_is_valid (ramp)) {
    gchar *shown = ramp != NULL ? g_strescape (ramp, NULL) : g_strdup ("NULL");

    g_warning ("%s: ramp \"%s\" refused: it needs at least one character "
               "and only printable ASCII (0x20 to 0x7e); keeping \"%s\"",
        GST_OBJECT_NAME (self), shown, self->ramp);
    g_free (shown);
    return;
  }
  g_free (self->ramp);
  self->ramp = g_strdup (ramp);
  self->tables_changed = TRUE;
}

static void
gst_ascii_video_enc_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (object);
  gboolean renegotiate = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FORMAT:
      self->settings.format = g_value_get_enum (value);
      self->output_changed = TRUE;
      renegotiate = TRUE;
      break;
    case PROP_MODE:
      self->settings.mode = g_value_get_uint (value);
      self->output_changed = TRUE;
      break;
    case PROP_COLUMNS:
      self->columns = g_value_get_uint (value);
      renegotiate = TRUE;
      break;
    case PROP_ROWS:
      self->rows = g_value_get_uint (value);
      renegotiate = TRUE;
      break;
    case PROP_RAMP:
      set_ramp (self, g_value_get_string (value));
      break;
    case PROP_MAPPING:
      self->mapping = g_value_get_enum (value);
      self->tables_changed = TRUE;
      break;
    case PROP_COLOR_DEPTH:
      self->settings.color_depth = g_value_get_enum (value);
      self->output_changed = TRUE;
      break;
    case PROP_HALF_BLOCKS:
      self->settings.half_blocks = g_value_get_boolean (value);
      self->output_changed = TRUE;
      renegotiate = TRUE;
      break;
    case PROP_BRIGHTNESS:
      self->tone.brightness = g_value_get_double (value);
      self->tables_changed = TRUE;
      break;
    case PROP_CONTRAST:
      self->tone.contrast = g_value_get_double (value);
      self->tables_changed = TRUE;
      break;
    case PROP_GAMMA:
      self->tone.gamma = g_value_get_double (value);
      self->tables_changed = TRUE;
      break;
    case PROP_INVERT:
      self->tone.invert = g_value_get_boolean (value);
      self->tables_changed = TRUE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

  /* The accepted size depends on these: upstream must ask again. */
  if (renegotiate)
    ask_upstream_to_renegotiate (self);
}

static GstStructure *
gst_ascii_video_enc_locked_stats (GstAsciiVideoEnc *self)
{
  const EncodeStats *stats = &self->stats;

  return gst_structure_new ("asciivideoenc-stats", "encoded", G_TYPE_UINT64,
      stats->encoded, "dropped", G_TYPE_UINT64, stats->dropped, "encoded-bytes",
      G_TYPE_UINT64, stats->encoded_bytes, "last-encode-time", G_TYPE_UINT64,
      stats->last_time, "min-encode-time", G_TYPE_UINT64, stats->min_time,
      "average-encode-time", G_TYPE_UINT64,
      stats->encoded > 0 ? stats->total_time / stats->encoded : 0,
      "max-encode-time", G_TYPE_UINT64, stats->max_time, "kernel",
      G_TYPE_STRING, ascii_cells_implementation (), NULL);
}

static void
gst_ascii_video_enc_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FORMAT:
      g_value_set_enum (value, self->settings.format);
      break;
    case PROP_MODE:
      g_value_set_uint (value, self->settings.mode);
      break;
    case PROP_COLUMNS:
      g_value_set_uint (value, self->columns);
      break;
    case PROP_ROWS:
      g_value_set_uint (value, self->rows);
      break;
    case PROP_RAMP:
      g_value_set_string (value, self->ramp);
      break;
    case PROP_MAPPING:
      g_value_set_enum (value, self->mapping);
      break;
    case PROP_COLOR_DEPTH:
      g_value_set_enum (value, self->settings.color_depth);
      break;
    case PROP_HALF_BLOCKS:
      g_value_set_boolean (value, self->settings.half_blocks);
      break;
    case PROP_BRIGHTNESS:
      g_value_set_double (value, self->tone.brightness);
      break;
    case PROP_CONTRAST:
      g_value_set_double (value, self->tone.contrast);
      break;
    case PROP_GAMMA:
      g_value_set_double (value, self->tone.gamma);
      break;
    case PROP_INVERT:
      g_value_set_boolean (value, self->tone.invert);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_ascii_video_enc_locked_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ascii_video_enc_finalize (GObject *object)
{
  GstAsciiVideoEnc *self = GST_ASCII_VIDEO_ENC (object);

  g_free (self->ramp);
  g_free (self->cells);
  g_free (self->text);
  gst_clear_buffer (&self->header);
  if (self->input_state != NULL)
    gst_video_codec_state_unref (self->input_state);
  G_OBJECT_CLASS (gst_ascii_video_enc_parent_class)->finalize (object);
}

static void
gst_ascii_video_enc_class_init (GstAsciiVideoEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoEncoderClass *encoder_class = GST_VIDEO_ENCODER_CLASS (klass);
  const GParamFlags rw =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_ascii_video_enc_set_property;
  gobject_class->get_property = gst_ascii_video_enc_get_property;
  gobject_class->finalize = gst_ascii_video_enc_finalize;

  /**
   * GstAsciiVideoEnc:format:
   *
   * What the output is.  A change while playing takes effect at the next
   * frame, with new caps and a new header.
   */
  g_object_class_install_property (gobject_class, PROP_FORMAT,
      g_param_spec_enum ("format", "Format",
          "Output: asciiline (browser wire format), ansi (terminal) or text "
          "(default asciiline)",
          GST_TYPE_ASCII_VIDEO_ENC_FORMAT, DEFAULT_FORMAT, rw));
  /**
   * GstAsciiVideoEnc:mode:
   *
   * The ASCILINE render mode: 1 black and white (text frames), 2-5 colour
   * cells with 3, 5, 6 or 8 bits per channel.  In ANSI output it sets the
   * colour precision the same way, and 1 means no colour.
   */
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_uint ("mode", "Render mode",
          "1 = black and white, 2 = 512 colours, 3 = 32K, 4 = 262K, "
          "5 = 16M (default 3)",
          1, 5, DEFAULT_MODE, rw));
  g_object_class_install_property (gobject_class, PROP_COLUMNS,
      g_param_spec_uint ("columns", "Columns",
          "Characters per row, the video width accepted (0 = any, "
          "default 0)",
          0, MAX_DIMENSION, DEFAULT_COLUMNS, rw));
  g_object_class_install_property (gobject_class, PROP_ROWS,
      g_param_spec_uint ("rows", "Rows",
          "Rows of characters: the video height accepted, twice that with "
          "half-blocks (0 = any, default 0)",
          0, MAX_DIMENSION, DEFAULT_ROWS, rw));
  /**
   * GstAsciiVideoEnc:ramp:
   *
   * Characters from dark to bright.  A value that is empty or has a byte
   * outside printable ASCII (0x20-0x7e) is refused with a warning and the
   * previous ramp stays.
   */
  g_object_class_install_property (gobject_class, PROP_RAMP,
      g_param_spec_string ("ramp", "Ramp",
          "Characters from dark to bright, printable ASCII only (default "
          "the 92-character ASCILINE ramp)",
          ASCII_DEFAULT_RAMP, rw));
  g_object_class_install_property (gobject_class, PROP_MAPPING,
      g_param_spec_enum ("mapping", "Mapping",
          "How a grey value picks a ramp character (default proportional)",
          GST_TYPE_ASCII_VIDEO_ENC_MAPPING, DEFAULT_MAPPING, rw));
  g_object_class_install_property (gobject_class, PROP_COLOR_DEPTH,
      g_param_spec_enum ("color-depth", "Colour depth",
          "Colour escapes of format=ansi: truecolor or 256 (default "
          "truecolor)",
          GST_TYPE_ASCII_VIDEO_ENC_COLOR_DEPTH, DEFAULT_COLOR_DEPTH, rw));
  g_object_class_install_property (gobject_class, PROP_HALF_BLOCKS,
      g_param_spec_boolean ("half-blocks", "Half blocks",
          "format=ansi: two pixels per character, the upper half block in "
          "the top pixel's colour on the bottom pixel's (default false)",
          DEFAULT_HALF_BLOCKS, rw));
  /**
   * GstAsciiVideoEnc:brightness:
   *
   * Added to the grey (on a 0-1 scale) before it picks a character.  With
   * #GstAsciiVideoEnc:contrast, #GstAsciiVideoEnc:gamma and
   * #GstAsciiVideoEnc:invert it makes one 256-entry table, built when one
   * of them changes.  Colours of colour cells are never changed.
   */
  g_object_class_install_property (gobject_class, PROP_BRIGHTNESS,
      g_param_spec_double ("brightness", "Brightness",
          "Added to the grey on a 0-1 scale before it picks a character "
          "(default 0)",
          -1.0, 1.0, DEFAULT_BRIGHTNESS, rw));
  g_object_class_install_property (gobject_class, PROP_CONTRAST,
      g_param_spec_double ("contrast", "Contrast",
          "Factor on the grey's distance from mid-grey (default 1)", 0.0, 10.0,
          DEFAULT_CONTRAST, rw));
  g_object_class_install_property (gobject_class, PROP_GAMMA,
      g_param_spec_double ("gamma", "Gamma",
          "Grey raised to 1/gamma: above 1 brightens the mid-tones "
          "(default 1)",
          0.01, 10.0, DEFAULT_GAMMA, rw));
  g_object_class_install_property (gobject_class, PROP_INVERT,
      g_param_spec_boolean ("invert", "Invert",
          "Dark pixels get the dense characters, for dark text on a light "
          "background (default false)",
          DEFAULT_INVERT, rw));
  /**
   * GstAsciiVideoEnc:stats:
   *
   * `encoded` and `dropped` (frames), `encoded-bytes`, the encode time of a
   * frame in ns (`last-encode-time`, `min-encode-time`,
   * `average-encode-time`, `max-encode-time`) and `kernel`, the cell kernel
   * in use.  The counters start from zero each time the element starts.
   * A frame is dropped only with the base class's `qos` property on, when
   * its deadline downstream has passed before it is encoded.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames encoded and dropped, and encode times (ns), as a "
          "GstStructure",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "ASCII video encoder",
      "Codec/Encoder/Video",
      "Raw video to ASCILINE colour cells, ANSI terminal text or plain text",
      "gst-plugins-onair <gst-plugins-onair@lists.invalid>");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  encoder_class->start = GST_DEBUG_FUNCPTR (gst_ascii_video_enc_start);
  encoder_class->stop = GST_DEBUG_FUNCPTR (gst_ascii_video_enc_stop);
  encoder_class->set_format =
      GST_DEBUG_FUNCPTR (gst_ascii_video_enc_set_format);
  encoder_class->handle_frame =
      GST_DEBUG_FUNCPTR (gst_ascii_video_enc_handle_frame);
  encoder_class->getcaps = GST_DEBUG_FUNCPTR (gst_ascii_video_enc_getcaps);
  encoder_class->flush = GST_DEBUG_FUNCPTR (gst_ascii_video_enc_flush);
  encoder_class->finish = GST_DEBUG_FUNCPTR (gst_ascii_video_enc_finish);

  gst_type_mark_as_plugin_api (GST_TYPE_ASCII_VIDEO_ENC_FORMAT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ASCII_VIDEO_ENC_MAPPING, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ASCII_VIDEO_ENC_COLOR_DEPTH, 0);
}

static void
gst_ascii_video_enc_init (GstAsciiVideoEnc *self)
{
  self->settings.format = DEFAULT_FORMAT;
  self->settings.mode = DEFAULT_MODE;
  self->settings.color_depth = DEFAULT_COLOR_DEPTH;
  self->settings.half_blocks = DEFAULT_HALF_BLOCKS;
  self->columns = DEFAULT_COLUMNS;
  self->rows = DEFAULT_ROWS;
  self->ramp = g_strdup (ASCII_DEFAULT_RAMP);
  self->mapping = DEFAULT_MAPPING;
  self->tone = ASCII_TONE_IDENTITY;
  self->last_end = GST_CLOCK_TIME_NONE;
}

/* gst-plugins-onair: pixels to text cells, the kernels behind asciivideoenc
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain C.  A row of packed RGB pixels becomes a row of 4-byte cells
 * [byte, R, G, B]: the byte comes from a 256-entry table indexed by the
 * pixel's grey (OpenCV's fixed-point BT.601 weights), the colour is masked
 * per channel.  Everything that depends on settings (ramp, mapping, tone
 * curve, colour precision) lives in the tables, built when a setting
 * changes, so the per-pixel work is the grey sum, one lookup and a mask.
 * The ASCILINE, ANSI and text writers in asciiwire.h start from these cells.
 */
#ifndef __ASCII_CELLS_H__
#define __ASCII_CELLS_H__

#include <glib.h>

G_BEGIN_DECLS

/* Where the channels sit in a pixel.  A fourth byte (x or alpha) is
 * ignored. */
typedef enum {
  ASCII_LAYOUT_RGB, /* 3 bytes: R G B */
  ASCII_LAYOUT_BGR, /* 3 bytes: B G R */
  ASCII_LAYOUT_RGBX, /* 4 bytes: R G B x (RGBx, RGBA) */
  ASCII_LAYOUT_BGRX, /* 4 bytes: B G R x (BGRx, BGRA) */
  ASCII_LAYOUT_XRGB, /* 4 bytes: x R G B (xRGB, ARGB) */
  ASCII_LAYOUT_XBGR, /* 4 bytes: x B G R (xBGR, ABGR) */
} AsciiLayout;

typedef enum {
  /* grey * (n - 1) / 255: the whole ramp is used. */
  ASCII_MAPPING_PROPORTIONAL,
  /* min (grey / max (1, 256 / n), n - 1): the ASCILINE seed server's
   * mapping, where the top of the grey range shares the last character. */
  ASCII_MAPPING_LEGACY,
} AsciiMapping;

/* The 92-character ASCILINE ramp, darkest first. */
#define ASCII_DEFAULT_RAMP                                                     \
  " `.-':_,^=;><+!rc*/z?sLTv)J7(|Fi{C}fI31tlu[neoZ5Yxjya]2ESwqkP6h9d4VpOGbUAK" \
  "XHm8RD#$Bg0MNWQ%&@"

guint ascii_layout_pixel_size (AsciiLayout layout);

/* TRUE when @ramp has at least one character and every byte is printable
 * ASCII (0x20 to 0x7e): ASCILINE clients index a 128-entry table with it
 * and terminals must not see control bytes. */
gboolean ascii_ramp_is_valid (const gchar *ramp);

/* The tone curve, applied to the grey before it picks a character:
 * v = grey / 255; v = (v - 0.5) * contrast + 0.5 + brightness, clamped to
 * [0, 1]; v = v ^ (1 / gamma); v = 1 - v when @invert.  The defaults
 * (0, 1, 1, FALSE) give the identity. */
typedef struct {
  gdouble brightness;
  gdouble contrast;
  gdouble gamma;
  gboolean invert;
} AsciiTone;

#define ASCII_TONE_IDENTITY ((AsciiTone){ 0.0, 1.0, 1.0, FALSE })

void ascii_tone_build (const AsciiTone *tone, guint8 table[256]);

/* @table[grey] = the ramp character for the grey after the tone curve.
 * @ramp must be valid. */
void ascii_char_table_build (guint8 table[256], const gchar *ramp,
    AsciiMapping mapping, const AsciiTone *tone);

/* Bits kept per colour channel by the ASCILINE render modes 1-5: mode 2
 * keeps 3 bits, 3 keeps 5, 4 keeps 6, 5 (and 1, which sends no colour)
 * all 8.  Returns the channel mask, e.g. 0xf8 for mode 3. */
guint8 ascii_mode_channel_mask (guint mode);

/* Encodes @width pixels of @src into @width cells of @dst: dst[4i] =
 * @table[grey], dst[4i+1..3] = R, G, B, each ANDed with @channel_mask.
 * @dst needs 4 * @width bytes, and may not overlap @src. */
void ascii_cells_encode_row (AsciiLayout layout, const guint8 *src, guint width,
    const guint8 table[256], guint8 channel_mask, guint8 *dst);

/* The same for @height rows, @src_stride and @dst_stride bytes apart. */
void ascii_cells_encode (AsciiLayout layout, const guint8 *src,
    gsize src_stride, guint width, guint height, const guint8 table[256],
    guint8 channel_mask, guint8 *dst, gsize dst_stride);

/* The grey of one pixel, exactly as the row kernel computes it. */
static inline guint8
ascii_grey (guint r, guint g, guint b)
{
  return (guint8) ((1868 * b + 9617 * g + 4899 * r + 8192) >> 14);
}

/* The encoders come in tiers, all giving the same bytes: "avx512vbmi"
 * (x86-64 with AVX-512 VBMI, 16 pixels per step), "avx2" (x86-64 with
 * AVX2, 8 pixels per step) and "portable" (plain C, everywhere).  The best
 * the CPU has is picked at run time.  Tests and benchmarks pick one by
 * @name to compare them, and NULL to go back to the best.  Returns FALSE,
 * with the best in place, when the CPU lacks the tier or there is no tier
 * of that name.  ascii_cells_implementation() names the tier in use. */
gboolean ascii_cells_use (const gchar *name);
const gchar *ascii_cells_implementation (void);

G_END_DECLS

#endif /* __ASCII_CELLS_H__ */

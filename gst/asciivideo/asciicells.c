/* gst-plugins-onair: pixels to text cells, the kernels behind asciivideoenc
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "asciicells.h"

guint
ascii_layout_pixel_size (AsciiLayout layout)
{
  return layout == ASCII_LAYOUT_RGB || layout == ASCII_LAYOUT_BGR ? 3 : 4;
}

gboolean
ascii_ramp_is_valid (const gchar *ramp)
{
  const gchar *p;

  if (ramp == NULL || ramp[0] == '\0')
    return FALSE;
  for (p = ramp; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
      return FALSE;
  }
  return TRUE;
}

void
ascii_tone_build (const AsciiTone *tone, guint8 table[256])
{
  guint i;

  for (i = 0; i < 256; i++) {
    gdouble v = i / 255.0;

    v = (v - 0.5) * tone->contrast + 0.5 + tone->brightness;
    v = CLAMP (v, 0.0, 1.0);
    if (tone->gamma != 1.0)
      v = pow (v, 1.0 / tone->gamma);
    if (tone->invert)
      v = 1.0 - v;
    table[i] = (guint8) floor (v * 255.0 + 0.5);
  }
}

void
ascii_char_table_build (guint8 table[256], const gchar *ramp,
    AsciiMapping mapping, const AsciiTone *tone)
{
  guint8 curve[256];
  gsize n = strlen (ramp);
  guint i;

  g_return_if_fail (ascii_ramp_is_valid (ramp));

  ascii_tone_build (tone, curve);
  for (i = 0; i < 256; i++) {
    gsize v = curve[i], index;

    if (mapping == ASCII_MAPPING_LEGACY)
      index = MIN (v / MAX (1, 256 / n), n - 1);
    else
      index = v * (n - 1) / 255;
    table[i] = (guint8) ramp[index];
  }
}

guint8
ascii_mode_channel_mask (guint mode)
{
  switch (mode) {
    case 2:
      return 0xe0;
    case 3:
      return 0xf8;
    case 4:
      return 0xfc;
    default:
      return 0xff;
  }
}

/* Portable kernel.  Each layout gets its own loop with the offsets as
 * constants, so there is no per-pixel branch on the format. */

G_ALWAYS_INLINE static inline void
encode_row_portable (const guint8 *src, guint width, const guint8 *table,
    guint8 channel_mask, guint8 *dst, guint size, guint ro, guint go, guint bo)
{
  guint32 mask = channel_mask;
  guint i;

  for (i = 0; i < width; i++, src += size, dst += 4) {
    guint32 r = src[ro], g = src[go], b = src[bo];
    guint32 cell = table[ascii_grey (r, g, b)] | (r & mask) << 8
        | (g & mask) << 16 | (b & mask) << 24;

    cell = GUINT32_TO_LE (cell);
    memcpy (dst, &cell, 4);
  }
}

#define DEFINE_PORTABLE_ROW(name, size, ro, go, bo)                            \
  static void name (const guint8 *src, guint width, const guint8 *table,       \
      guint8 channel_mask, guint8 *dst)                                        \
  {                                                                            \
    encode_row_portable (src, width, table, channel_mask, dst, size, ro, go,   \
        bo);                                                                   \
  }

DEFINE_PORTABLE_ROW (encode_rgb, 3, 0, 1, 2);
DEFINE_PORTABLE_ROW (encode_bgr, 3, 2, 1, 0);
DEFINE_PORTABLE_ROW (encode_rgbx, 4, 0, 1, 2);
DEFINE_PORTABLE_ROW (encode_bgrx, 4, 2, 1, 0);
DEFINE_PORTABLE_ROW (encode_xrgb, 4, 1, 2, 3);
DEFINE_PORTABLE_ROW (encode_xbgr, 4, 3, 2, 1);

typedef void (*RowFunc) (const guint8 *src, guint width, const guint8 *table,
    guint8 channel_mask, guint8 *dst);

static void
encode_portable (AsciiLayout layout, const guint8 *src, gsize src_stride,
    guint width, guint height, const guint8 table[256], guint8 channel_mask,
    guint8 *dst, gsize dst_stride)
{
  static const RowFunc rows[] = {
    [ASCII_LAYOUT_RGB] = encode_rgb,
    [ASCII_LAYOUT_BGR] = encode_bgr,
    [ASCII_LAYOUT_RGBX] = encode_rgbx,
    [ASCII_LAYOUT_BGRX] = encode_bgrx,
    [ASCII_LAYOUT_XRGB] = encode_xrgb,
    [ASCII_LAYOUT_XBGR] = encode_xbgr,
  };

  guint y;

  for (y = 0; y < height; y++, src += src_stride, dst += dst_stride)
    rows[layout](src, width, table, channel_mask, dst);
}

typedef void (*EncodeFunc) (AsciiLayout layout, const guint8 *src,
    gsize src_stride, guint width, guint height, const guint8 table[256],
    guint8 channel_mask, guint8 *dst, gsize dst_stride);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_VECTOR_KERNEL 1
#include <immintrin.h>

/* AVX-512 with VBMI: 16 pixels per step.  Each pixel is first moved into a
 * 32-bit lane as [0, R, G, B], which is already the cell's colour layout;
 * two multiply-adds on its 16-bit halves give the grey sum, and two
 * two-table byte permutes look the 256-entry character table up for all 16
 * greys at once.  Masked loads and stores take the end of the row, so no
 * byte past it is read or written. */

/* Byte offsets of R, G and B in a pixel of @layout. */
static void
layout_offsets (AsciiLayout layout, guint *r, guint *g, guint *b)
{
  static const guint8 offsets[][3] = {
    [ASCII_LAYOUT_RGB] = { 0, 1, 2 },
    [ASCII_LAYOUT_BGR] = { 2, 1, 0 },
    [ASCII_LAYOUT_RGBX] = { 0, 1, 2 },
    [ASCII_LAYOUT_BGRX] = { 2, 1, 0 },
    [ASCII_LAYOUT_XRGB] = { 1, 2, 3 },
    [ASCII_LAYOUT_XBGR] = { 3, 2, 1 },
  };

  *r = offsets[layout][0];
  *g = offsets[layout][1];
  *b = offsets[layout][2];
}

/* Per layout: byte indices that gather a pixel's R, G, B into bytes 1-3 of
 * its lane (bytes 0 are zeroed by the permute's mask). */
static guint8 vector_gather[ASCII_LAYOUT_XBGR + 1][64];

static void
vector_gather_build (void)
{
  AsciiLayout layout;
  guint lane;

  for (layout = ASCII_LAYOUT_RGB; layout <= ASCII_LAYOUT_XBGR; layout++) {
    guint size = ascii_layout_pixel_size (layout), ro, go, bo;

    layout_offsets (layout, &ro, &go, &bo);
    for (lane = 0; lane < 16; lane++) {
      /* 4-byte pixels use an in-lane shuffle, whose indices count from the
       * start of each 128-bit lane; 3-byte pixels a full-width permute. */
      guint base = size == 3 ? lane * 3 : (lane % 4) * 4;

      vector_gather[layout][lane * 4] = 0x80;
      vector_gather[layout][lane * 4 + 1] = base + ro;
      vector_gather[layout][lane * 4 + 2] = base + go;
      vector_gather[layout][lane * 4 + 3] = base + bo;
    }
  }
}

__attribute__ ((target ("avx512f,avx512bw,avx512vbmi"))) static void
encode_vector (AsciiLayout layout, const guint8 *src, gsize src_stride,
    guint width, guint height, const guint8 table[256], guint8 channel_mask,
    guint8 *dst, gsize dst_stride)
{
  const __m512i table0 = _mm512_loadu_si512 (table);
  const __m512i table1 = _mm512_loadu_si512 (table + 64);
  const __m512i table2 = _mm512_loadu_si512 (table + 128);
  const __m512i table3 = _mm512_loadu_si512 (table + 192);
  const __m512i gather = _mm512_loadu_si512 (vector_gather[layout]);
  const __m512i green = _mm512_set1_epi32 (0x00ff0000);
  const __m512i one = _mm512_set1_epi32 (1);
  /* 16-bit weights for the lane's halves [1, G] and [R, B]: the 1 carries
   * the rounding term into the first multiply-add. */
  const __m512i weights_even = _mm512_set1_epi32 (9617 << 16 | 8192);
  const __m512i weights_odd = _mm512_set1_epi32 (1868 << 16 | 4899);
  const __m512i colour =
      _mm512_set1_epi32 ((gint32) ((guint32) channel_mask * 0x01010100u));
  const __mmask64 low_bytes = 0x1111111111111111ull;
  const gboolean packed = ascii_layout_pixel_size (layout) == 3;
  guint i, y;

  for (y = 0; y < height; y++, src += src_stride, dst += dst_stride) {
    for (i = 0; i < width; i += 16) {
      guint n = MIN (16, width - i);
      __mmask16 lanes = (__mmask16) ((1u << n) - 1);
      __m512i px, even, odd, grey, low, high, chars, cell;
      __mmask64 top;

      if (packed) {
        __mmask64 bytes = (1ull << (n * 3)) - 1;

        px = _mm512_maskz_loadu_epi8 (bytes, src + i * 3);
        px = _mm512_maskz_permutexvar_epi8 (~low_bytes, gather, px);
      } else {
        px = _mm512_maskz_loadu_epi32 (lanes, src + i * 4);
        /* xRGB is already in the cell's order; its byte 0 is masked below. */
        if (layout != ASCII_LAYOUT_XRGB)
          px = _mm512_shuffle_epi8 (px, gather);
      }
      /* (px & green) | one, and the two odd bytes as 16-bit values. */
      even = _mm512_ternarylogic_epi32 (px, green, one, 0xea);
      odd = _mm512_srli_epi16 (px, 8);
      grey = _mm512_add_epi32 (_mm512_madd_epi16 (even, weights_even),
          _mm512_madd_epi16 (odd, weights_odd));
      grey = _mm512_srli_epi32 (grey, 14);
      /* Only byte 0 of each lane is looked up; the others come out zero. */
      low = _mm512_maskz_permutex2var_epi8 (low_bytes, table0, grey, table1);
      high = _mm512_maskz_permutex2var_epi8 (low_bytes, table2, grey, table3);
      top = _mm512_movepi8_mask (grey);
      chars = _mm512_mask_blend_epi8 (top, low, high);
      /* (px & colour) | chars */
      cell = _mm512_ternarylogic_epi32 (px, colour, chars, 0xea);
      _mm512_mask_storeu_epi32 (dst + i * 4, lanes, cell);
    }
  }
}

static gboolean
vector_supported (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f")
      && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512vbmi");
}
#endif

static EncodeFunc encode_func;

static EncodeFunc
choose_encode_func (gboolean vector)
{
#ifdef HAVE_VECTOR_KERNEL
  static gsize built;

  if (vector && vector_supported ()) {
    if (g_once_init_enter (&built)) {
      vector_gather_build ();
      g_once_init_leave (&built, 1);
    }
    return encode_vector;
  }
#endif
  return encode_portable;
}

static EncodeFunc
current_encode_func (void)
{
  EncodeFunc func = g_atomic_pointer_get (&encode_func);

  if (G_UNLIKELY (func == NULL)) {
    func = choose_encode_func (TRUE);
    g_atomic_pointer_set (&encode_func, func);
  }
  return func;
}

gboolean
ascii_cells_set_vector (gboolean enabled)
{
  EncodeFunc func = choose_encode_func (enabled);

  g_atomic_pointer_set (&encode_func, func);
  return func != encode_portable;
}

const gchar *
ascii_cells_implementation (void)
{
  return current_encode_func () == encode_portable ? "portable" : "avx512vbmi";
}

void
ascii_cells_encode (AsciiLayout layout, const guint8 *src, gsize src_stride,
    guint width, guint height, const guint8 table[256], guint8 channel_mask,
    guint8 *dst, gsize dst_stride)
{
  current_encode_func () (layout, src, src_stride, width, height, table,
      channel_mask, dst, dst_stride);
}

void
ascii_cells_encode_row (AsciiLayout layout, const guint8 *src, guint width,
    const guint8 table[256], guint8 channel_mask, guint8 *dst)
{
  ascii_cells_encode (layout, src, 0, width, 1, table, channel_mask, dst, 0);
}

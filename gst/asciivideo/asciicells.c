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

/* The vector kernels hand the end of a row to these too. */
static const RowFunc portable_rows[] = {
  [ASCII_LAYOUT_RGB] = encode_rgb,
  [ASCII_LAYOUT_BGR] = encode_bgr,
  [ASCII_LAYOUT_RGBX] = encode_rgbx,
  [ASCII_LAYOUT_BGRX] = encode_bgrx,
  [ASCII_LAYOUT_XRGB] = encode_xrgb,
  [ASCII_LAYOUT_XBGR] = encode_xbgr,
};

static void
encode_portable (AsciiLayout layout, const guint8 *src, gsize src_stride,
    guint width, guint height, const guint8 table[256], guint8 channel_mask,
    guint8 *dst, gsize dst_stride)
{
  guint y;

  for (y = 0; y < height; y++, src += src_stride, dst += dst_stride)
    portable_rows[layout](src, width, table, channel_mask, dst);
}

typedef void (*EncodeFunc) (AsciiLayout layout, const guint8 *src,
    gsize src_stride, guint width, guint height, const guint8 table[256],
    guint8 channel_mask, guint8 *dst, gsize dst_stride);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_VECTOR_KERNELS 1
#include <immintrin.h>

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

/* Both vector kernels first move each pixel into a 32-bit lane as
 * [0, R, G, B], which is already the cell's colour layout, with a byte
 * shuffle or permute whose indices depend on the layout only.  These are
 * the indices, per layout; an index of 0x80 zeroes its byte. */
static guint8 avx512vbmi_gather[ASCII_LAYOUT_XBGR + 1][64];
static guint8 avx2_gather[ASCII_LAYOUT_XBGR + 1][32];

/* The indices of one 32-bit lane: a zero, then R, G and B of the pixel
 * whose bytes start at @base. */
static void
gather_lane (guint8 *indices, guint lane, guint base, const guint offsets[3])
{
  indices[lane * 4] = 0x80;
  indices[lane * 4 + 1] = base + offsets[0];
  indices[lane * 4 + 2] = base + offsets[1];
  indices[lane * 4 + 3] = base + offsets[2];
}

static void
vector_gather_build (void)
{
  AsciiLayout layout;
  guint lane;

  for (layout = ASCII_LAYOUT_RGB; layout <= ASCII_LAYOUT_XBGR; layout++) {
    guint size = ascii_layout_pixel_size (layout), rgb[3];

    layout_offsets (layout, &rgb[0], &rgb[1], &rgb[2]);
    for (lane = 0; lane < 16; lane++) {
      /* 4-byte pixels use an in-lane shuffle, whose indices count from the
       * start of each 128-bit lane; 3-byte pixels a full-width permute. */
      guint base = size == 3 ? lane * 3 : (lane % 4) * 4;

      gather_lane (avx512vbmi_gather[layout], lane, base, rgb);
    }
    for (lane = 0; lane < 8; lane++) {
      /* AVX2 only shuffles within 128-bit lanes.  8 3-byte pixels are 24
       * bytes: the low lane holds bytes 0-15, pixels 0-3 at 0, 3, 6 and 9;
       * the high lane bytes 8-23, pixels 4-7 at 4, 7, 10 and 13. */
      guint base;

      if (size == 3)
        base = lane < 4 ? lane * 3 : lane * 3 - 8;
      else
        base = (lane % 4) * 4;
      gather_lane (avx2_gather[layout], lane, base, rgb);
    }
  }
}

/* AVX-512 with VBMI: 16 pixels per step.  Two multiply-adds on the 16-bit
 * halves of each [0, R, G, B] lane give the grey sum, and two two-table
 * byte permutes look the 256-entry character table up for all 16 greys at
 * once.  Masked loads and stores take the end of the row, so no byte past
 * it is read or written. */
__attribute__ ((target ("avx512f,avx512bw,avx512vbmi"))) static void
encode_avx512vbmi (AsciiLayout layout, const guint8 *src, gsize src_stride,
    guint width, guint height, const guint8 table[256], guint8 channel_mask,
    guint8 *dst, gsize dst_stride)
{
  const __m512i table0 = _mm512_loadu_si512 (table);
  const __m512i table1 = _mm512_loadu_si512 (table + 64);
  const __m512i table2 = _mm512_loadu_si512 (table + 128);
  const __m512i table3 = _mm512_loadu_si512 (table + 192);
  const __m512i gather = _mm512_loadu_si512 (avx512vbmi_gather[layout]);
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
avx512vbmi_supported (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f")
      && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512vbmi");
}

/* AVX2: 8 pixels per step, for the many x86-64 CPUs that have AVX2 but not
 * AVX-512 VBMI (AMD before Zen 4, Intel before Ice Lake, Intel desktop
 * CPUs with AVX-512 switched off).  The grey sum is the same pair of
 * multiply-adds.  AVX2 has no byte permute that reaches 256 entries, so
 * the characters come from one 32-bit gather per step, with the greys as
 * byte offsets into the table, and the low byte of each lane is kept.  The
 * gather at grey 255 reads bytes 255-258, so it runs on a copy of the
 * table padded to 260 bytes.  AVX2 has no masked byte loads or stores
 * either: only whole groups of 8 pixels are loaded and stored, and the
 * last width % 8 pixels of a row go through the portable row code, so no
 * byte past the row is read or written. */
__attribute__ ((target ("avx2"))) static void
encode_avx2 (AsciiLayout layout, const guint8 *src, gsize src_stride,
    guint width, guint height, const guint8 table[256], guint8 channel_mask,
    guint8 *dst, gsize dst_stride)
{
  const __m256i gather =
      _mm256_loadu_si256 ((const __m256i *) avx2_gather[layout]);
  const __m256i green = _mm256_set1_epi32 (0x00ff0000);
  const __m256i one = _mm256_set1_epi32 (1);
  /* As in the AVX-512 kernel: weights for the halves [1, G] and [R, B]. */
  const __m256i weights_even = _mm256_set1_epi32 (9617 << 16 | 8192);
  const __m256i weights_odd = _mm256_set1_epi32 (1868 << 16 | 4899);
  const __m256i colour =
      _mm256_set1_epi32 ((gint32) ((guint32) channel_mask * 0x01010100u));
  const __m256i low_byte = _mm256_set1_epi32 (0xff);
  const guint size = ascii_layout_pixel_size (layout);
  const guint whole = width & ~7u;
  const RowFunc tail = portable_rows[layout];
  guint8 padded[260];
  guint i, y;

  memcpy (padded, table, 256);
  memset (padded + 256, 0, 4);

  for (y = 0; y < height; y++, src += src_stride, dst += dst_stride) {
    for (i = 0; i < whole; i += 8) {
      __m256i px, even, odd, grey, chars, cell;

      if (size == 3) {
        /* Bytes 0-15 and 8-23 of the group's 24: two loads that stay
         * inside it. */
        const guint8 *p = src + i * 3;
        __m128i low = _mm_loadu_si128 ((const __m128i *) p);
        __m128i high = _mm_loadu_si128 ((const __m128i *) (p + 8));

        px = _mm256_inserti128_si256 (_mm256_castsi128_si256 (low), high, 1);
      } else {
        px = _mm256_loadu_si256 ((const __m256i *) (src + i * 4));
      }
      px = _mm256_shuffle_epi8 (px, gather);
      even = _mm256_or_si256 (_mm256_and_si256 (px, green), one);
      odd = _mm256_srli_epi16 (px, 8);
      grey = _mm256_add_epi32 (_mm256_madd_epi16 (even, weights_even),
          _mm256_madd_epi16 (odd, weights_odd));
      grey = _mm256_srli_epi32 (grey, 14);
      chars = _mm256_i32gather_epi32 ((const int *) padded, grey, 1);
      chars = _mm256_and_si256 (chars, low_byte);
      cell = _mm256_or_si256 (_mm256_and_si256 (px, colour), chars);
      _mm256_storeu_si256 ((__m256i *) (dst + i * 4), cell);
    }
    if (whole < width)
      tail (src + whole * size, width - whole, table, channel_mask,
          dst + whole * 4);
  }
}

static gboolean
avx2_supported (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2");
}
#endif

static gboolean
always_supported (void)
{
  return TRUE;
}

typedef struct {
  const gchar *name;
  EncodeFunc func;
  gboolean (*supported) (void);
} Kernel;

/* Best first. */
static const Kernel kernels[] = {
#ifdef HAVE_VECTOR_KERNELS
  { "avx512vbmi", encode_avx512vbmi, avx512vbmi_supported },
  { "avx2", encode_avx2, avx2_supported },
#endif
  { "portable", encode_portable, always_supported },
};

static const Kernel *current_kernel;

static const Kernel *
best_kernel (void)
{
  guint i = 0;

  /* The portable kernel comes last and runs everywhere, so this ends. */
  while (!kernels[i].supported ())
    i++;
  return &kernels[i];
}

gboolean
ascii_cells_use (const gchar *name)
{
  const Kernel *kernel = NULL;
  guint i;

#ifdef HAVE_VECTOR_KERNELS
  static gsize built;

  if (g_once_init_enter (&built)) {
    vector_gather_build ();
    g_once_init_leave (&built, 1);
  }
#endif
  for (i = 0; name != NULL && i < G_N_ELEMENTS (kernels); i++) {
    if (strcmp (name, kernels[i].name) == 0) {
      if (kernels[i].supported ())
        kernel = &kernels[i];
      break;
    }
  }
  g_atomic_pointer_set (&current_kernel,
      kernel != NULL ? kernel : best_kernel ());
  return name == NULL || kernel != NULL;
}

static const Kernel *
get_current_kernel (void)
{
  const Kernel *kernel = g_atomic_pointer_get (&current_kernel);

  if (G_UNLIKELY (kernel == NULL)) {
    ascii_cells_use (NULL);
    kernel = g_atomic_pointer_get (&current_kernel);
  }
  return kernel;
}

const gchar *
ascii_cells_implementation (void)
{
  return get_current_kernel ()->name;
}

void
ascii_cells_encode (AsciiLayout layout, const guint8 *src, gsize src_stride,
    guint width, guint height, const guint8 table[256], guint8 channel_mask,
    guint8 *dst, gsize dst_stride)
{
  get_current_kernel ()->func (layout, src, src_stride, width, height, table,
      channel_mask, dst, dst_stride);
}

void
ascii_cells_encode_row (AsciiLayout layout, const guint8 *src, guint width,
    const guint8 table[256], guint8 channel_mask, guint8 *dst)
{
  ascii_cells_encode (layout, src, 0, width, 1, table, channel_mask, dst, 0);
}

#ifndef TRAINVIZ_PNGSHIM_H
#define TRAINVIZ_PNGSHIM_H

/*
 * A few lines of C between Swift and libpng.
 *
 * libpng reports errors by longjmp, which Swift frames cannot survive. Every
 * function here owns its setjmp, turns a libpng error into a status code plus a
 * message, and frees everything it allocated on every path. Swift never sees a
 * png_struct.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes, shared by reading and writing. */
typedef enum {
    TV_PNG_OK = 0,
    TV_PNG_ERR_OPEN = 1,      /* fopen failed; `sys_errno` says why */
    TV_PNG_ERR_SIGNATURE = 2, /* the first 8 bytes are not the PNG signature */
    TV_PNG_ERR_TRUNCATED = 3, /* the file ended before the PNG stream did */
    TV_PNG_ERR_CRC = 4,       /* a critical chunk failed its CRC check */
    TV_PNG_ERR_TOO_LARGE = 5, /* width x height exceeds the caller's pixel limit */
    TV_PNG_ERR_CORRUPT = 6,   /* any other libpng error; `message` has libpng's text */
    TV_PNG_ERR_NOMEM = 7,     /* an allocation failed */
    TV_PNG_ERR_IO = 8,        /* writing or closing the file failed; `sys_errno` says why */
    TV_PNG_ERR_ARGUMENT = 9   /* the caller passed parameters libpng cannot encode */
} tv_png_status;

/*
 * A decoded image after these transforms: palette expanded to RGB, gray
 * depths 1/2/4 expanded to 8, tRNS turned into an alpha channel, interlacing
 * undone. Samples are 8-bit, or 16-bit in host byte order when the file is
 * 16-bit. Rows are packed (no padding): row stride = width * channels * bytes.
 */
typedef struct {
    uint32_t width;
    uint32_t height;
    int channels;          /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    int bit_depth;         /* 8 or 16 after the transforms */
    int source_bit_depth;  /* as stored in the file: 1, 2, 4, 8 or 16 */
    int source_color_type; /* PNG_COLOR_TYPE_* as stored in the file */
    int interlaced;        /* 1 when the file uses Adam7 */
    void *pixels;          /* malloc'd; release with tv_png_free */
} tv_png_image;

/* What went wrong, when a call does not return TV_PNG_OK. */
typedef struct {
    int sys_errno;         /* errno for TV_PNG_ERR_OPEN / TV_PNG_ERR_IO, else 0 */
    uint32_t width;        /* header values, for TV_PNG_ERR_TOO_LARGE */
    uint32_t height;
    int channels;
    char message[256];     /* libpng's message or a short explanation */
    char last_warning[160];/* libpng's last warning before the error (often the precise cause) */
} tv_png_error;

/*
 * Reads the PNG at `path`. Refuses (TV_PNG_ERR_TOO_LARGE) before allocating
 * any pixel memory when width * height > max_pixels. On success `out->pixels`
 * must be released with tv_png_free; on failure nothing is left allocated.
 */
tv_png_status tv_png_read(const char *path, uint64_t max_pixels,
                          tv_png_image *out, tv_png_error *err);

/* Frees the pixels of an image returned by tv_png_read (safe to call twice). */
void tv_png_free(tv_png_image *image);

/*
 * Writes a PNG with any legal colour type / bit depth combination.
 *
 * `samples` holds height * width * samples_per_pixel values, one per sample
 * (no sub-byte packing), row-major: uint8_t when bit_depth <= 8, uint16_t in
 * host byte order when bit_depth == 16. samples_per_pixel follows from
 * color_type: gray 1, gray+alpha 2, RGB 3, RGBA 4, palette 1 (indices).
 * `palette` (num_palette RGB triples) is required for PNG_COLOR_TYPE_PALETTE.
 * `trans_alpha` (num_trans values) is the palette's tRNS; `trans_color`
 * (gray in [0], or r, g, b) is the tRNS colour for gray / RGB images; pass NULL
 * to write no tRNS chunk. `interlace` 1 writes Adam7. `compression` is the zlib
 * level 0-9, or -1 for libpng's default.
 */
tv_png_status tv_png_write(const char *path, uint32_t width, uint32_t height,
                           int bit_depth, int color_type, int interlace,
                           const void *samples,
                           const uint8_t *palette, int num_palette,
                           const uint8_t *trans_alpha, int num_trans,
                           const uint16_t *trans_color,
                           int compression,
                           tv_png_error *err);

#ifdef __cplusplus
}
#endif

#endif

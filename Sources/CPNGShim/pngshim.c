/*
 * libpng behind a setjmp wall: see include/pngshim.h.
 *
 * Each public function allocates a small context on the heap, hands it to a
 * worker that owns the setjmp, and frees everything in the context afterwards,
 * whether the worker returned normally or libpng jumped out of it. Keeping all
 * state in the heap context (and not in locals changed after setjmp) keeps its
 * values well defined after a longjmp.
 */
#include <png.h>
#include "pngshim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int host_is_little_endian(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static void set_message(tv_png_error *err, const char *text) {
    snprintf(err->message, sizeof err->message, "%s", text);
}

/* Shared by reading and writing: the context's first member is the error record. */
typedef struct {
    tv_png_error *err;
} error_sink;

static void on_error(png_structp png, png_const_charp message) {
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    tv_png_error *err = sink->err;
    if (err->last_warning[0])
        snprintf(err->message, sizeof err->message, "%s; earlier warning: %s", message ? message : "libpng error", err->last_warning);
    else
        set_message(err, message ? message : "unknown libpng error");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    /* Warnings (an unusual sRGB profile, a bad ancillary CRC) do not stop a read;
       libpng would print them to stderr, which is not ours to clutter. The last
       one is kept because it often names the cause of an error that follows. */
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    snprintf(sink->err->last_warning, sizeof sink->err->last_warning, "%s", message ? message : "");
}

/* MARK: - Reading */

typedef struct {
    tv_png_error *err; /* first: see error_sink */
    FILE *file;
    png_structp png;
    png_infop info;
    unsigned char *pixels;
    png_bytep *rows;
    int hit_eof;
    int read_errno;
} read_context;

static void read_bytes(png_structp png, png_bytep data, size_t length) {
    read_context *ctx = (read_context *)png_get_io_ptr(png);
    size_t got = fread(data, 1, length, ctx->file);
    if (got == length) return;
    if (ferror(ctx->file)) {
        ctx->read_errno = errno;
        png_error(png, "read error");
    }
    ctx->hit_eof = 1;
    png_error(png, "unexpected end of file");
}

/* Channels after palette expansion and tRNS-to-alpha, known from the header alone. */
static int channels_after_expansion(int color_type, int has_trns) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return has_trns ? 2 : 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return has_trns ? 4 : 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return has_trns ? 4 : 3;
    default: return 4;
    }
}

static tv_png_status classify_read_error(const read_context *ctx) {
    if (ctx->hit_eof) return TV_PNG_ERR_TRUNCATED;
    if (ctx->read_errno) {
        ctx->err->sys_errno = ctx->read_errno;
        return TV_PNG_ERR_IO;
    }
    if (strstr(ctx->err->message, "CRC")) return TV_PNG_ERR_CRC;
    if (strstr(ctx->err->message, "Out of memory") || strstr(ctx->err->message, "out of memory"))
        return TV_PNG_ERR_NOMEM;
    return TV_PNG_ERR_CORRUPT;
}

static tv_png_status read_worker(read_context *ctx, const char *path, uint64_t max_pixels,
                                 tv_png_image *out) {
    tv_png_error *err = ctx->err;
    ctx->file = fopen(path, "rb");
    if (!ctx->file) {
        err->sys_errno = errno;
        set_message(err, strerror(errno));
        return TV_PNG_ERR_OPEN;
    }

    unsigned char signature[8];
    size_t got = fread(signature, 1, sizeof signature, ctx->file);
    if (got < sizeof signature) {
        /* A prefix of the signature (or nothing at all) is a cut-off PNG; anything else is not a PNG. */
        if (got > 0 && png_sig_cmp(signature, 0, got) == 0) {
            set_message(err, "the file ends inside the PNG signature");
            return TV_PNG_ERR_TRUNCATED;
        }
        set_message(err, got == 0 ? "the file is empty" : "the file is too short to be a PNG");
        return got == 0 ? TV_PNG_ERR_TRUNCATED : TV_PNG_ERR_SIGNATURE;
    }
    if (png_sig_cmp(signature, 0, sizeof signature) != 0) {
        set_message(err, "the PNG signature is missing");
        return TV_PNG_ERR_SIGNATURE;
    }

    ctx->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
    if (!ctx->png) return TV_PNG_ERR_NOMEM;
    ctx->info = png_create_info_struct(ctx->png);
    if (!ctx->info) return TV_PNG_ERR_NOMEM;

    if (setjmp(png_jmpbuf(ctx->png))) {
        return classify_read_error(ctx);
    }

    png_set_read_fn(ctx->png, ctx, read_bytes);
    png_set_sig_bytes(ctx->png, (int)sizeof signature);
    /* Our own pixel limit below replaces libpng's default 1,000,000 px per side. */
    png_set_user_limits(ctx->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_read_info(ctx->png, ctx->info);

    png_uint_32 width = png_get_image_width(ctx->png, ctx->info);
    png_uint_32 height = png_get_image_height(ctx->png, ctx->info);
    int color_type = png_get_color_type(ctx->png, ctx->info);
    int bit_depth = png_get_bit_depth(ctx->png, ctx->info);
    int has_trns = png_get_valid(ctx->png, ctx->info, PNG_INFO_tRNS) != 0;

    out->width = width;
    out->height = height;
    out->source_bit_depth = bit_depth;
    out->source_color_type = color_type;
    out->interlaced = png_get_interlace_type(ctx->png, ctx->info) != PNG_INTERLACE_NONE;

    /* Refuse before any row or pixel memory exists. */
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        err->width = width;
        err->height = height;
        err->channels = channels_after_expansion(color_type, has_trns);
        set_message(err, "the image has more pixels than the limit");
        return TV_PNG_ERR_TOO_LARGE;
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(ctx->png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(ctx->png);
    if (has_trns) png_set_tRNS_to_alpha(ctx->png);
    if (bit_depth == 16 && host_is_little_endian()) png_set_swap(ctx->png);
    (void)png_set_interlace_handling(ctx->png);
    png_read_update_info(ctx->png, ctx->info);

    int channels = png_get_channels(ctx->png, ctx->info);
    int depth = png_get_bit_depth(ctx->png, ctx->info);
    size_t rowbytes = png_get_rowbytes(ctx->png, ctx->info);
    if ((depth != 8 && depth != 16) || rowbytes != (size_t)width * (size_t)channels * (size_t)(depth / 8)) {
        png_error(ctx->png, "unexpected row layout after the transforms");
    }
    if (height > 0 && rowbytes > SIZE_MAX / height) return TV_PNG_ERR_TOO_LARGE;

    ctx->pixels = (unsigned char *)malloc(rowbytes * height);
    ctx->rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!ctx->pixels || !ctx->rows) {
        set_message(err, "out of memory for the pixels");
        return TV_PNG_ERR_NOMEM;
    }
    for (png_uint_32 y = 0; y < height; y++) ctx->rows[y] = ctx->pixels + (size_t)y * rowbytes;

    png_read_image(ctx->png, ctx->rows);
    png_read_end(ctx->png, NULL);

    out->channels = channels;
    out->bit_depth = depth;
    out->pixels = ctx->pixels;
    ctx->pixels = NULL; /* ownership moves to the caller */
    return TV_PNG_OK;
}

tv_png_status tv_png_read(const char *path, uint64_t max_pixels, tv_png_image *out, tv_png_error *err) {
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    read_context *ctx = (read_context *)calloc(1, sizeof *ctx);
    if (!ctx) return TV_PNG_ERR_NOMEM;
    ctx->err = err;

    tv_png_status status = read_worker(ctx, path, max_pixels, out);

    if (ctx->png) png_destroy_read_struct(&ctx->png, ctx->info ? &ctx->info : NULL, NULL);
    free(ctx->rows);
    free(ctx->pixels);
    if (ctx->file) fclose(ctx->file);
    free(ctx);
    if (status != TV_PNG_OK) tv_png_free(out);
    return status;
}

void tv_png_free(tv_png_image *image) {
    if (!image) return;
    free(image->pixels);
    image->pixels = NULL;
}

/* MARK: - Writing */

typedef struct {
    tv_png_error *err; /* first: see error_sink */
    FILE *file;
    png_structp png;
    png_infop info;
    png_bytep *rows;
    int write_errno;
} write_context;

static void write_bytes(png_structp png, png_bytep data, size_t length) {
    write_context *ctx = (write_context *)png_get_io_ptr(png);
    if (fwrite(data, 1, length, ctx->file) != length) {
        ctx->write_errno = errno ? errno : EIO;
        png_error(png, "write error");
    }
}

static void flush_bytes(png_structp png) {
    write_context *ctx = (write_context *)png_get_io_ptr(png);
    if (fflush(ctx->file) != 0) {
        ctx->write_errno = errno ? errno : EIO;
        png_error(png, "write error");
    }
}

static int samples_per_pixel(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    default: return 0;
    }
}

/* The PNG specification's table of allowed colour type / bit depth pairs. */
static int is_legal_format(int color_type, int bit_depth) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
        return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8 || bit_depth == 16;
    case PNG_COLOR_TYPE_PALETTE:
        return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
    case PNG_COLOR_TYPE_RGB:
    case PNG_COLOR_TYPE_RGB_ALPHA:
        return bit_depth == 8 || bit_depth == 16;
    default:
        return 0;
    }
}

static tv_png_status write_worker(write_context *ctx, const char *path, uint32_t width, uint32_t height,
                                  int bit_depth, int color_type, int interlace, const void *samples,
                                  const uint8_t *palette, int num_palette, const uint8_t *trans_alpha,
                                  int num_trans, const uint16_t *trans_color, int compression) {
    tv_png_error *err = ctx->err;
    if (!is_legal_format(color_type, bit_depth)) {
        set_message(err, "PNG has no such colour type and bit depth pair");
        return TV_PNG_ERR_ARGUMENT;
    }
    if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX || !samples) {
        set_message(err, "a PNG needs a positive width and height and some pixels");
        return TV_PNG_ERR_ARGUMENT;
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE && (!palette || num_palette < 1 || num_palette > 256)) {
        set_message(err, "a palette image needs 1 to 256 palette entries");
        return TV_PNG_ERR_ARGUMENT;
    }

    size_t sample_bytes = bit_depth == 16 ? 2 : 1;
    size_t row_stride = (size_t)width * (size_t)samples_per_pixel(color_type) * sample_bytes;
    ctx->rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!ctx->rows) return TV_PNG_ERR_NOMEM;
    for (uint32_t y = 0; y < height; y++) {
        /* libpng copies each row before transforming it, so the caller's buffer stays untouched. */
        ctx->rows[y] = (png_bytep)((const unsigned char *)samples + (size_t)y * row_stride);
    }

    ctx->file = fopen(path, "wb");
    if (!ctx->file) {
        err->sys_errno = errno;
        set_message(err, strerror(errno));
        return TV_PNG_ERR_OPEN;
    }
    ctx->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
    if (!ctx->png) return TV_PNG_ERR_NOMEM;
    ctx->info = png_create_info_struct(ctx->png);
    if (!ctx->info) return TV_PNG_ERR_NOMEM;

    if (setjmp(png_jmpbuf(ctx->png))) {
        if (ctx->write_errno) {
            err->sys_errno = ctx->write_errno;
            set_message(err, strerror(ctx->write_errno));
            return TV_PNG_ERR_IO;
        }
        return TV_PNG_ERR_ARGUMENT;
    }

    png_set_write_fn(ctx->png, ctx, write_bytes, flush_bytes);
    if (compression >= 0 && compression <= 9) png_set_compression_level(ctx->png, compression);
    png_set_IHDR(ctx->png, ctx->info, width, height, bit_depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color entries[256];
        for (int i = 0; i < num_palette; i++) {
            entries[i].red = palette[3 * i];
            entries[i].green = palette[3 * i + 1];
            entries[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(ctx->png, ctx->info, entries, num_palette);
        if (trans_alpha && num_trans > 0) png_set_tRNS(ctx->png, ctx->info, trans_alpha, num_trans, NULL);
    } else if (trans_color) {
        png_color_16 colour;
        memset(&colour, 0, sizeof colour);
        colour.gray = trans_color[0];
        colour.red = trans_color[0];
        colour.green = trans_color[1];
        colour.blue = trans_color[2];
        png_set_tRNS(ctx->png, ctx->info, NULL, 0, &colour);
    }
    png_write_info(ctx->png, ctx->info);
    if (bit_depth < 8) png_set_packing(ctx->png);
    if (bit_depth == 16 && host_is_little_endian()) png_set_swap(ctx->png);
    png_write_image(ctx->png, ctx->rows);
    png_write_end(ctx->png, ctx->info);
    return TV_PNG_OK;
}

tv_png_status tv_png_write(const char *path, uint32_t width, uint32_t height, int bit_depth, int color_type,
                           int interlace, const void *samples, const uint8_t *palette, int num_palette,
                           const uint8_t *trans_alpha, int num_trans, const uint16_t *trans_color,
                           int compression, tv_png_error *err) {
    memset(err, 0, sizeof *err);
    write_context *ctx = (write_context *)calloc(1, sizeof *ctx);
    if (!ctx) return TV_PNG_ERR_NOMEM;
    ctx->err = err;

    tv_png_status status = write_worker(ctx, path, width, height, bit_depth, color_type, interlace, samples,
                                        palette, num_palette, trans_alpha, num_trans, trans_color,
                                        compression);

    if (ctx->png) png_destroy_write_struct(&ctx->png, ctx->info ? &ctx->info : NULL);
    free(ctx->rows);
    if (ctx->file && fclose(ctx->file) != 0 && status == TV_PNG_OK) {
        err->sys_errno = errno;
        set_message(err, strerror(errno));
        status = TV_PNG_ERR_IO;
    }
    free(ctx);
    return status;
}

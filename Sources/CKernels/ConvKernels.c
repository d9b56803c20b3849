// AVX-512 kernels for stride-1 convolutions: see include/CKernels.h.
//
// Why: OpenBLAS runs the Haswell (AVX2) kernels on this machine's CPUs
// (OPENBLAS_CORETYPE=Haswell is the user's setting), about half of what the
// cores' 512-bit FMA units can do, and CNN-A's per-image products are small or
// skinny (conv1: M = 16, K = 21 per kernel row) and pay for packing on every call.
// These kernels read the padded image directly (no planes, no packing) and keep
// the output tile or the weight-gradient tile in registers: about 200 GFLOP/s on
// one core for CNN-A's layers, against 80–110 for OpenBLAS's products.
//
// Compiled for any x86-64: only the functions marked `target("avx512f")` use
// AVX-512, and Autograd calls them only when `ck_has_avx512()` says the CPU has it.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define CK_X86 1
#endif

int ck_has_avx512(void) {
#ifdef CK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    return 0;
#endif
}

#ifdef CK_X86
#define CK_AVX512 __attribute__((target("avx512f,fma,avx2")))

static CK_AVX512 inline __mmask16 ck_tail_mask(int count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1u);
}

// One block of NB output channels [o0, o0 + NB) times NV runs of 16 output pixels
// (consecutive runs in row-major order, each row cut into ceil(OW/16) runs, the last
// one masked): NB·NV accumulators over all C·KH·KW taps, then one (masked) store
// each. A partial group at the end of the plane repeats its last run (the same
// values stored twice).
#define CK_DEFINE_FORWARD(NB, NV)                                                                          \
    static CK_AVX512 void ck_forward_##NB##x##NV(const float *xp, int C, long ps, long rs, const float *wt, \
                                                 const float *bias, int OC, int o0, int KH, int KW, int OH, \
                                                 int OW, float *y) {                                       \
        const long outPlane = (long)OH * OW;                                                               \
        const int runsPerRow = (OW + 15) / 16, runs = OH * runsPerRow;                                     \
        for (int v0 = 0; v0 < runs; v0 += NV) {                                                            \
            long xBase[NV], yBase[NV];                                                                     \
            __mmask16 m[NV];                                                                               \
            _Pragma("clang loop unroll(full)")                                                             \
            for (int v = 0; v < NV; v++) {                                                                 \
                const int run = v0 + v < runs ? v0 + v : runs - 1;                                         \
                const int oh = run / runsPerRow, ow = (run % runsPerRow) * 16;                             \
                xBase[v] = oh * rs + ow;                                                                   \
                yBase[v] = (long)oh * OW + ow;                                                             \
                m[v] = ck_tail_mask(OW - ow);                                                              \
            }                                                                                              \
            __m512 acc[NB][NV];                                                                            \
            _Pragma("clang loop unroll(full)")                                                             \
            for (int q = 0; q < NB; q++) {                                                                 \
                const __m512 b = _mm512_set1_ps(bias ? bias[o0 + q] : 0.0f);                               \
                _Pragma("clang loop unroll(full)")                                                         \
                for (int v = 0; v < NV; v++) acc[q][v] = b;                                                \
            }                                                                                              \
            for (int c = 0; c < C; c++) {                                                                  \
                for (int i = 0; i < KH; i++) {                                                             \
                    const float *xr = xp + c * ps + i * rs;                                                \
                    const float *wr = wt + (long)((c * KH + i) * KW) * OC + o0;                            \
                    for (int j = 0; j < KW; j++) {                                                         \
                        __m512 xv[NV];                                                                     \
                        _Pragma("clang loop unroll(full)")                                                 \
                        for (int v = 0; v < NV; v++) xv[v] = _mm512_maskz_loadu_ps(m[v], xr + xBase[v] + j); \
                        const float *wj = wr + (long)j * OC;                                               \
                        _Pragma("clang loop unroll(full)")                                                 \
                        for (int q = 0; q < NB; q++) {                                                     \
                            const __m512 wq = _mm512_set1_ps(wj[q]);                                       \
                            _Pragma("clang loop unroll(full)")                                             \
                            for (int v = 0; v < NV; v++) acc[q][v] = _mm512_fmadd_ps(xv[v], wq, acc[q][v]); \
                        }                                                                                  \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
            _Pragma("clang loop unroll(full)")                                                             \
            for (int q = 0; q < NB; q++) {                                                                 \
                _Pragma("clang loop unroll(full)")                                                         \
                for (int v = 0; v < NV; v++)                                                               \
                    _mm512_mask_storeu_ps(y + (o0 + q) * outPlane + yBase[v], m[v], acc[q][v]);            \
            }                                                                                              \
        }                                                                                                  \
    }

// Tiles measured on CNN-A's shapes (one core, GFLOP/s for conv1 / conv2 / conv2's input
// gradient): 16×1 180/180/185, 12×2 219/214/216, 8×3 204/189/165, 6×4 211/193/206,
// 14×2 and 16×2 slower (too few registers left).
CK_DEFINE_FORWARD(12, 2)
CK_DEFINE_FORWARD(8, 3)
CK_DEFINE_FORWARD(4, 4)
CK_DEFINE_FORWARD(1, 4)

static CK_AVX512 void ck_conv_forward_avx512(const float *xp, int C, long ps, long rs, const float *wt,
                                             const float *bias, int OC, int KH, int KW, int OH, int OW,
                                             float *y) {
    int o = 0;
    for (; o + 12 <= OC; o += 12) ck_forward_12x2(xp, C, ps, rs, wt, bias, OC, o, KH, KW, OH, OW, y);
    for (; o + 8 <= OC; o += 8) ck_forward_8x3(xp, C, ps, rs, wt, bias, OC, o, KH, KW, OH, OW, y);
    for (; o + 4 <= OC; o += 4) ck_forward_4x4(xp, C, ps, rs, wt, bias, OC, o, KH, KW, OH, OW, y);
    for (; o < OC; o++) ck_forward_1x4(xp, C, ps, rs, wt, bias, OC, o, KH, KW, OH, OW, y);
}

// Weight gradient, general kernel widths: tiles of WO output channels × WT taps (WO·WT
// accumulators of 16 lanes, one lane per pixel of a 16-pixel run), summed over all
// images and pixels, then reduced across lanes. A partial tile at the end repeats
// its last channel or tap and throws the repeats away.
enum { WO = 4, WT = 6 };

static CK_AVX512 void ck_weight_grad_lanes(const float *xp, long is, int C, long ps, long rs,
                                           const float *dy, int OC, int KH, int KW, int OH, int OW,
                                           int N, float *dW) {
    const int T = C * KH * KW;
    const long outPlane = (long)OH * OW, dyImage = (long)OC * outPlane;
    for (int o0 = 0; o0 < OC; o0 += WO) {
        long dyOff[WO];
        for (int q = 0; q < WO; q++) dyOff[q] = (long)(o0 + q < OC ? o0 + q : OC - 1) * outPlane;
        for (int t0 = 0; t0 < T; t0 += WT) {
            long xOff[WT];
            for (int r = 0; r < WT; r++) {
                const int t = t0 + r < T ? t0 + r : T - 1;
                const int c = t / (KH * KW), i = (t / KW) % KH, j = t % KW;
                xOff[r] = c * ps + i * rs + j;
            }
            __m512 acc[WO][WT];
            _Pragma("clang loop unroll(full)")
            for (int q = 0; q < WO; q++) {
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < WT; r++) acc[q][r] = _mm512_setzero_ps();
            }
            for (int n = 0; n < N; n++) {
                const float *dyn = dy + n * dyImage;
                const float *xn = xp + n * is;
                for (int oh = 0; oh < OH; oh++) {
                    for (int ow = 0; ow < OW; ow += 16) {
                        const __mmask16 m = ck_tail_mask(OW - ow);
                        const long p = (long)oh * OW + ow;
                        const float *xr = xn + oh * rs + ow;
                        __m512 d[WO];
                        _Pragma("clang loop unroll(full)")
                        for (int q = 0; q < WO; q++) d[q] = _mm512_maskz_loadu_ps(m, dyn + dyOff[q] + p);
                        _Pragma("clang loop unroll(full)")
                        for (int r = 0; r < WT; r++) {
                            const __m512 xv = _mm512_maskz_loadu_ps(m, xr + xOff[r]);
                            _Pragma("clang loop unroll(full)")
                            for (int q = 0; q < WO; q++) acc[q][r] = _mm512_fmadd_ps(d[q], xv, acc[q][r]);
                        }
                    }
                }
            }
            for (int q = 0; q < WO && o0 + q < OC; q++) {
                for (int r = 0; r < WT && t0 + r < T; r++)
                    dW[(long)(o0 + q) * T + t0 + r] += _mm512_reduce_add_ps(acc[q][r]);
            }
        }
    }
}

// Weight gradient, kernel widths 3, 5 and 7: output channels in the lanes. Each image's
// output gradient is transposed to dyT [OH·OW, OCP] (OCP: OC rounded up to 16, zeros
// beyond OC); then tiles of R kernel rows (c, i) × KW taps × OV runs of 16 channels
// add x[tap at pixel p] (broadcast) · dyT[p] over every pixel onto gT [C·KH·KW, OCP].
// No reductions across lanes, and each broadcast feeds OV products.
#define CK_DEFINE_WEIGHT_GRAD_TILE(KWC, R, OV)                                                              \
    static CK_AVX512 void ck_wg_tile_##KWC##_##R##_##OV(const float *xn, long ps, long rs, int KH,         \
                                                        const float *dyT, int OCP, int v0, int OH, int OW, \
                                                        int row0, int rows, float *gT) {                   \
        long rowOff[R];                                                                                    \
        _Pragma("clang loop unroll(full)")                                                                 \
        for (int r = 0; r < R; r++) {                                                                      \
            const int row = row0 + (r < rows ? r : rows - 1);                                              \
            rowOff[r] = (row / KH) * ps + (row % KH) * rs;                                                 \
        }                                                                                                  \
        __m512 acc[R][KWC][OV];                                                                            \
        _Pragma("clang loop unroll(full)")                                                                 \
        for (int r = 0; r < R; r++) {                                                                      \
            const int row = row0 + (r < rows ? r : rows - 1);                                              \
            _Pragma("clang loop unroll(full)")                                                             \
            for (int j = 0; j < KWC; j++) {                                                                \
                _Pragma("clang loop unroll(full)")                                                         \
                for (int v = 0; v < OV; v++)                                                               \
                    acc[r][j][v] = _mm512_loadu_ps(gT + (long)(row * KWC + j) * OCP + (v0 + v) * 16);      \
            }                                                                                              \
        }                                                                                                  \
        for (int oh = 0; oh < OH; oh++) {                                                                  \
            const float *xr = xn + oh * rs;                                                                \
            const float *dr = dyT + (long)oh * OW * OCP + v0 * 16;                                         \
            for (int ow = 0; ow < OW; ow++) {                                                              \
                __m512 d[OV];                                                                              \
                _Pragma("clang loop unroll(full)")                                                         \
                for (int v = 0; v < OV; v++) d[v] = _mm512_loadu_ps(dr + (long)ow * OCP + v * 16);         \
                _Pragma("clang loop unroll(full)")                                                         \
                for (int r = 0; r < R; r++) {                                                              \
                    _Pragma("clang loop unroll(full)")                                                     \
                    for (int j = 0; j < KWC; j++) {                                                        \
                        const __m512 xb = _mm512_set1_ps(xr[rowOff[r] + ow + j]);                          \
                        _Pragma("clang loop unroll(full)")                                                 \
                        for (int v = 0; v < OV; v++) acc[r][j][v] = _mm512_fmadd_ps(xb, d[v], acc[r][j][v]); \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        /* Only the tile's own rows: a repeated last row would be added twice. */                          \
        _Pragma("clang loop unroll(full)")                                                                 \
        for (int r = 0; r < R; r++) {                                                                      \
            if (r >= rows) break;                                                                          \
            _Pragma("clang loop unroll(full)")                                                             \
            for (int j = 0; j < KWC; j++) {                                                                \
                _Pragma("clang loop unroll(full)")                                                         \
                for (int v = 0; v < OV; v++)                                                               \
                    _mm512_storeu_ps(gT + (long)((row0 + r) * KWC + j) * OCP + (v0 + v) * 16, acc[r][j][v]); \
            }                                                                                              \
        }                                                                                                  \
    }

CK_DEFINE_WEIGHT_GRAD_TILE(7, 3, 1)
CK_DEFINE_WEIGHT_GRAD_TILE(7, 1, 2)
CK_DEFINE_WEIGHT_GRAD_TILE(5, 4, 1)
CK_DEFINE_WEIGHT_GRAD_TILE(5, 2, 2)
CK_DEFINE_WEIGHT_GRAD_TILE(3, 8, 1)
CK_DEFINE_WEIGHT_GRAD_TILE(3, 4, 2)

// r[k] ← column k of the 16×16 matrix whose rows are r[0..15].
static CK_AVX512 inline void ck_transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int k = 0; k < 4; k++) {
        t[k] = _mm512_shuffle_f32x4(r[k], r[k + 4], 0x88);
        t[k + 4] = _mm512_shuffle_f32x4(r[k], r[k + 4], 0xdd);
        t[k + 8] = _mm512_shuffle_f32x4(r[k + 8], r[k + 12], 0x88);
        t[k + 12] = _mm512_shuffle_f32x4(r[k + 8], r[k + 12], 0xdd);
    }
    for (int k = 0; k < 8; k++) {
        r[k] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0x88);
        r[k + 8] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0xdd);
    }
}

// dyT [P, OCP] ← dy [OC, P] transposed, zeros in the channels OC..<OCP, 16×16 blocks at a time.
static CK_AVX512 void ck_transpose_gradient(const float *dy, int OC, long P, int OCP, float *dyT) {
    for (int o0 = 0; o0 < OCP; o0 += 16) {
        for (long p0 = 0; p0 < P; p0 += 16) {
            const int width = P - p0 < 16 ? (int)(P - p0) : 16;
            const __mmask16 m = ck_tail_mask(width);
            __m512 r[16];
            for (int k = 0; k < 16; k++)
                r[k] = o0 + k < OC ? _mm512_maskz_loadu_ps(m, dy + (long)(o0 + k) * P + p0) : _mm512_setzero_ps();
            ck_transpose16(r);
            for (int l = 0; l < width; l++) _mm512_storeu_ps(dyT + (p0 + l) * OCP + o0, r[l]);
        }
    }
}

typedef void (*ck_wg_tile_fn)(const float *, long, long, int, const float *, int, int, int, int, int, int, float *);

static CK_AVX512 void ck_weight_grad_channels(const float *xp, long is, int C, long ps, long rs,
                                              const float *dy, int OC, int KH, int KW, int OH, int OW,
                                              int N, float *dW) {
    ck_wg_tile_fn one, two;
    int rOne, rTwo;
    switch (KW) {
    case 7: one = ck_wg_tile_7_3_1; rOne = 3; two = ck_wg_tile_7_1_2; rTwo = 1; break;
    case 5: one = ck_wg_tile_5_4_1; rOne = 4; two = ck_wg_tile_5_2_2; rTwo = 2; break;
    default: one = ck_wg_tile_3_8_1; rOne = 8; two = ck_wg_tile_3_4_2; rTwo = 4; break;
    }
    const int OCP = (OC + 15) / 16 * 16, runs = OCP / 16, rowsAll = C * KH, T = rowsAll * KW;
    const long P = (long)OH * OW;
    float *dyT = (float *)_mm_malloc(sizeof(float) * P * OCP, 64);
    float *gT = (float *)_mm_malloc(sizeof(float) * (long)T * OCP, 64);
    if (!dyT || !gT) {  // out of memory for the scratch: the kernel that needs none
        _mm_free(dyT);
        _mm_free(gT);
        ck_weight_grad_lanes(xp, is, C, ps, rs, dy, OC, KH, KW, OH, OW, N, dW);
        return;
    }
    for (long k = 0; k < (long)T * OCP; k++) gT[k] = 0;
    for (int n = 0; n < N; n++) {
        ck_transpose_gradient(dy + (long)n * OC * P, OC, P, OCP, dyT);
        const float *xn = xp + n * is;
        int v = 0;
        for (; v + 2 <= runs; v += 2)
            for (int row = 0; row < rowsAll; row += rTwo)
                two(xn, ps, rs, KH, dyT, OCP, v, OH, OW, row, rowsAll - row < rTwo ? rowsAll - row : rTwo, gT);
        for (; v < runs; v++)
            for (int row = 0; row < rowsAll; row += rOne)
                one(xn, ps, rs, KH, dyT, OCP, v, OH, OW, row, rowsAll - row < rOne ? rowsAll - row : rOne, gT);
    }
    for (int o = 0; o < OC; o++) {
        for (int t = 0; t < T; t++) dW[(long)o * T + t] += gT[(long)t * OCP + o];
    }
    _mm_free(dyT);
    _mm_free(gT);
}

static CK_AVX512 void ck_conv_weight_grad_avx512(const float *xp, long is, int C, long ps, long rs,
                                                 const float *dy, int OC, int KH, int KW, int OH, int OW,
                                                 int N, float *dW) {
    if (KW == 3 || KW == 5 || KW == 7)
        ck_weight_grad_channels(xp, is, C, ps, rs, dy, OC, KH, KW, OH, OW, N, dW);
    else
        ck_weight_grad_lanes(xp, is, C, ps, rs, dy, OC, KH, KW, OH, OW, N, dW);
}
#endif

void ck_conv_forward(const float *xp, int C, long planeStride, long rowStride, const float *wt,
                     const float *bias, int OC, int KH, int KW, int OH, int OW, float *y) {
#ifdef CK_X86
    ck_conv_forward_avx512(xp, C, planeStride, rowStride, wt, bias, OC, KH, KW, OH, OW, y);
#else
    (void)xp; (void)C; (void)planeStride; (void)rowStride; (void)wt; (void)bias;
    (void)OC; (void)KH; (void)KW; (void)OH; (void)OW; (void)y;
    __builtin_trap();
#endif
}

void ck_conv_weight_grad(const float *xp, long imageStride, int C, long planeStride, long rowStride,
                         const float *dy, int OC, int KH, int KW, int OH, int OW, int N, float *dW) {
#ifdef CK_X86
    ck_conv_weight_grad_avx512(xp, imageStride, C, planeStride, rowStride, dy, OC, KH, KW, OH, OW, N, dW);
#else
    (void)xp; (void)imageStride; (void)C; (void)planeStride; (void)rowStride; (void)dy;
    (void)OC; (void)KH; (void)KW; (void)OH; (void)OW; (void)N; (void)dW;
    __builtin_trap();
#endif
}

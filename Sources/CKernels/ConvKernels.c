// AVX-512 kernels for stride-1 convolutions: see include/CKernels.h.
//
// Why: OpenBLAS runs the Haswell (AVX2) kernels on this machine's CPUs
// (OPENBLAS_CORETYPE=Haswell is the user's setting), about half of what the
// cores' 512-bit FMA units can do, and CNN-A's per-image products are small or
// skinny (conv1: M = 16, K = 21 per kernel row) and pay for packing on every call.
// These kernels read the padded image directly (no planes, no packing) and keep
// the output tile or the weight-gradient tile in registers.
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

// Weight gradient: tiles of WO output channels × WT taps (WO·WT accumulators of 16
// lanes, one lane per pixel of a 16-pixel run), summed over all images and pixels,
// then reduced across lanes. A partial tile at the end repeats its last channel or
// tap and throws the repeats away.
enum { WO = 4, WT = 6 };

static CK_AVX512 void ck_conv_weight_grad_avx512(const float *xp, long is, int C, long ps, long rs,
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

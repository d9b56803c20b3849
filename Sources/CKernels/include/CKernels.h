// Hand-vectorised kernels for stride-1 convolutions (AVX-512), used by Autograd
// when the CPU has AVX-512F; elsewhere Autograd keeps its BLAS path.
#ifndef CKERNELS_H
#define CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU runs the AVX-512F kernels below, else 0 (then they must not be called).
int ck_has_avx512(void);

/// Direct stride-1 cross-correlation of one zero-padded image, output channels in
/// blocks of up to 16 held in registers, 16 output pixels at a time:
///
///   y[o, oh, ow] = b[o] + Σ_{c<C, i<KH, j<KW} wt[((c·KH + i)·KW + j)·OC + o] · xp[c·planeStride + (oh + i)·rowStride + ow + j]
///
/// with b = 0 when `bias` is NULL. `xp` must hold every element the sum reads
/// (rows oh + i < OH + KH − 1, columns ow + j < OW + KW − 1 ≤ rowStride).
/// `y` is [OC, OH, OW], overwritten.
void ck_conv_forward(const float *xp, int C, long planeStride, long rowStride,
                     const float *wt, const float *bias, int OC, int KH, int KW,
                     int OH, int OW, float *y);

/// The weight gradient of the same correlation over `N` images, added onto `dW`:
///
///   dW[o, (c·KH + i)·KW + j] += Σ_{n<N, oh<OH, ow<OW} dy[n, o, oh, ow] · xp[n·imageStride + c·planeStride + (oh + i)·rowStride + ow + j]
///
/// `dy` is [N, OC, OH, OW] (dense), `dW` is [OC, C·KH·KW]. The sums run in a fixed
/// order that depends only on the shapes.
void ck_conv_weight_grad(const float *xp, long imageStride, int C, long planeStride, long rowStride,
                         const float *dy, int OC, int KH, int KW, int OH, int OW, int N, float *dW);

#ifdef __cplusplus
}
#endif

#endif

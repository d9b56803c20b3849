// The column ("im2col") form of a 2-D convolution and its adjoint, col2im.
//
// For one image x [C, H, W], the column matrix has one row per kernel tap and
// one column per output pixel:
//
//   cols[(c·KH + i)·KW + j, oh·OW + ow] = x[c, oh·s − p + i, ow·s − p + j]   (0 outside x)
//
// so a convolution is the single matrix product W [OC, C·KH·KW] · cols, and
// col2im (which adds every column entry back onto the pixel it came from) is
// exactly the transpose of im2col, the map the input gradient needs.

/// The shapes of one `conv2d` call, checked once and shared by forward and backward.
struct ConvGeometry: Equatable {
    let batch: Int, channels: Int, height: Int, width: Int
    let outChannels: Int, kernelHeight: Int, kernelWidth: Int
    let stride: Int, padding: Int
    let outHeight: Int, outWidth: Int

    /// Rows of the column matrix: C·KH·KW.
    var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Pixels of one input plane: H·W.
    var inPlane: Int { height * width }
    /// Pixels of one output plane (columns of the column matrix): OH·OW.
    var outPlane: Int { outHeight * outWidth }
    /// A 1×1 kernel with stride 1 and no padding: the column matrix is the image itself.
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// Validates `input` [N, C, H, W], `weight` [OC, C, KH, KW] and `bias` [OC]
    /// for a convolution with the given stride and zero padding.
    init(input: [Int], weight: [Int], bias: [Int]?, stride: Int, padding: Int) throws {
        let op = "conv2d"
        guard input.count == 4 else {
            throw ShapeError(op: op, "input must be [N, C, H, W], got shape \(input)")
        }
        guard weight.count == 4 else {
            throw ShapeError(op: op, "weight must be [OC, C, KH, KW], got shape \(weight)")
        }
        guard weight[1] == input[1] else {
            throw ShapeError(op: op, "weight \(weight) expects \(weight[1]) input channels but the input \(input) has \(input[1])")
        }
        if let bias, bias != [weight[0]] {
            throw ShapeError(op: op, "bias of shape \(bias) does not match weight \(weight) (expected [\(weight[0])])")
        }
        guard input[1] >= 1, weight[0] >= 1 else {
            throw ShapeError(op: op, "needs at least one input and one output channel, got input \(input) and weight \(weight)")
        }
        guard stride >= 1 else { throw ShapeError(op: op, "stride must be at least 1, got \(stride)") }
        guard padding >= 0 else { throw ShapeError(op: op, "padding must not be negative, got \(padding)") }
        guard weight[2] >= 1, weight[3] >= 1 else {
            throw ShapeError(op: op, "kernel \(weight[2])×\(weight[3]) of weight \(weight) is empty")
        }
        let paddedH = input[2] + 2 * padding, paddedW = input[3] + 2 * padding
        guard paddedH >= weight[2], paddedW >= weight[3] else {
            throw ShapeError(op: op, "kernel \(weight[2])×\(weight[3]) is larger than the padded input \(paddedH)×\(paddedW) (input \(input), padding \(padding))")
        }
        batch = input[0]; channels = input[1]; height = input[2]; width = input[3]
        outChannels = weight[0]; kernelHeight = weight[2]; kernelWidth = weight[3]
        self.stride = stride
        self.padding = padding
        outHeight = (paddedH - kernelHeight) / stride + 1
        outWidth = (paddedW - kernelWidth) / stride + 1
    }

    /// The output columns `ow` whose tap at kernel column `j` lands inside the
    /// image (0 ≤ ow·s − p + j < W), as a possibly empty range.
    @inline(__always)
    func validColumns(tap j: Int) -> Range<Int> {
        // Smallest ow with ow·s ≥ p − j (Swift's division truncates, which is the
        // ceiling for a non-positive numerator).
        let offset = padding - j
        let low = offset <= 0 ? 0 : (offset + stride - 1) / stride
        // Largest ow with ow·s ≤ W − 1 + p − j, plus one.
        let last = width - 1 + padding - j
        let high = last < 0 ? 0 : Swift.min(outWidth, last / stride + 1)
        return low..<Swift.max(low, high)
    }
}

/// Writes the column matrix of one image.
///
/// - Parameters:
///   - x: one image, `[C, H, W]`.
///   - cols: `[C·KH·KW, OH·OW]`, fully overwritten.
func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>) {
    let (width, outWidth, s, p) = (g.width, g.outWidth, g.stride, g.padding)
    var row = cols
    for c in 0..<g.channels {
        let plane = x + c * g.inPlane
        for i in 0..<g.kernelHeight {
            for j in 0..<g.kernelWidth {
                let valid = g.validColumns(tap: j)
                for oh in 0..<g.outHeight {
                    let dst = row + oh * outWidth
                    let ih = oh * s - p + i
                    if ih < 0 || ih >= g.height || valid.isEmpty {
                        dst.update(repeating: 0, count: outWidth)
                        continue
                    }
                    if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
                    let src = plane + ih * width - p + j  // src[ow·s] is x[c, ih, ow·s − p + j]
                    if s == 1 {
                        (dst + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                    } else {
                        for ow in valid { dst[ow] = src[ow &* s] }
                    }
                    if valid.upperBound < outWidth {
                        (dst + valid.upperBound).update(repeating: 0, count: outWidth - valid.upperBound)
                    }
                }
                row += g.outPlane
            }
        }
    }
}

/// Adds a column matrix back onto the image it came from: the transpose of `im2col`.
///
/// - Parameters:
///   - cols: `[C·KH·KW, OH·OW]`.
///   - x: one image, `[C, H, W]`; accumulated into (zero it first for a plain col2im).
func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, _ x: UnsafeMutablePointer<Float>) {
    let (width, outWidth, s, p) = (g.width, g.outWidth, g.stride, g.padding)
    var row = cols
    for c in 0..<g.channels {
        let plane = x + c * g.inPlane
        for i in 0..<g.kernelHeight {
            for j in 0..<g.kernelWidth {
                let valid = g.validColumns(tap: j)
                if !valid.isEmpty {
                    for oh in 0..<g.outHeight {
                        let ih = oh * s - p + i
                        if ih < 0 || ih >= g.height { continue }
                        let src = row + oh * outWidth
                        let dst = plane + ih * width - p + j
                        if s == 1 {
                            for ow in valid { dst[ow] += src[ow] }
                        } else {
                            for ow in valid { dst[ow &* s] += src[ow] }
                        }
                    }
                }
                row += g.outPlane
            }
        }
    }
}

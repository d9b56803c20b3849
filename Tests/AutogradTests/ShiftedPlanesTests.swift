import TestSupport
import XCTest
@testable import Autograd

final class ShiftedPlanesTests: XCTestCase {
    // The convolutions below must take the shifted planes, not the direct kernels.
    override func setUp() { ConvTuning.directKernels = false }
    override func tearDown() { ConvTuning.directKernels = DirectConv.cpuSupported }

    /// The taps of kernel row i read from the planes are exactly the column matrix's:
    /// cols[(c, i, j), q] = S[c, j][i·OW + q], for kernels narrower, as wide as and
    /// wider than the padding needs.
    func testPlanesHoldTheColumnMatrix() throws {
        var rng = SeededRandom(seed: 31)
        // Widths 7 and 19: runs shorter than 8 floats and runs copied 8 lanes at a time.
        for width in [7, 19] { for (kh, kw, p) in [(3, 3, 1), (5, 5, 2), (2, 5, 0), (5, 2, 3), (7, 7, 3), (1, 3, 1)] {
            let g = try ConvGeometry(input: [1, 3, 6, width], weight: [2, 3, kh, kw], bias: nil, stride: 1, padding: p)
            let x = (0..<(3 * 6 * width)).map { _ in rng.nextNormal() }
            let workspace = ConvWorkspace(g)
            defer { workspace.deallocate() }
            x.withUnsafeBufferPointer { im2col($0.baseAddress!, g, workspace) }
            let planes = ShiftedPlanes(g, gradient: false, columns: true)
            defer { planes.deallocate() }
            x.withUnsafeBufferPointer { planes.fill(from: $0.baseAddress!, g) }
            var mismatches = 0
            for c in 0..<3 { for i in 0..<kh { for j in 0..<kw { for q in 0..<g.outPlane {
                let expected = workspace.cols[((c * kh + i) * kw + j) * g.outPlane + q]
                let viaRows = planes.rows(i, g)[(c * kw + j) * planes.planeSize + q]
                if expected != viaRows { mismatches += 1 }
            } } } }
            XCTAssertEqual(mismatches, 0, "width \(width) kernel \(kh)×\(kw) padding \(p)")
            // The rebuilt column matrix is the im2col one, bit for bit.
            planes.buildColumns(g)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: planes.columns!, count: g.patchSize * g.outPlane)),
                           Array(UnsafeBufferPointer(start: workspace.cols, count: g.patchSize * g.outPlane)),
                           "rebuilt columns, kernel \(kh)×\(kw) padding \(p)")
        } }
    }

    /// `unshift` is the adjoint of reading the taps through the planes:
    /// ⟨S(x), d⟩ = ⟨x, unshift(d)⟩ over the plane entries the taps use.
    func testUnshiftIsTheAdjointOfTheTaps() throws {
        var rng = SeededRandom(seed: 32)
        for (kh, kw, p) in [(3, 3, 1), (5, 2, 3), (2, 5, 0), (7, 7, 3)] {
            let g = try ConvGeometry(input: [1, 2, 5, 6], weight: [1, 2, kh, kw], bias: nil, stride: 1, padding: p)
            let planes = ShiftedPlanes(g, gradient: true, columns: false)
            defer { planes.deallocate() }
            let x = (0..<(2 * 5 * 6)).map { _ in rng.nextNormal() }
            x.withUnsafeBufferPointer { planes.fill(from: $0.baseAddress!, g) }
            let total = planes.count * planes.planeSize
            let d = (0..<total).map { _ in rng.nextNormal() }
            d.withUnsafeBufferPointer { planes.gradientPlanes!.update(from: $0.baseAddress!, count: total) }
            var back = [Float](repeating: .nan, count: x.count)
            back.withUnsafeMutableBufferPointer { planes.unshift(into: $0.baseAddress!, g) }
            XCTAssertFalse(back.contains { $0.isNaN }, "unshift must overwrite every pixel")
            var lhs = 0.0
            for k in 0..<total { lhs += Double(planes.planes[k]) * Double(d[k]) }
            let rhs = zip(back, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "kernel \(kh)×\(kw) padding \(p)")
        }
    }

    func testWeightRegroupingRoundTrips() throws {
        let g = try ConvGeometry(input: [1, 3, 8, 8], weight: [4, 3, 2, 5], bias: nil, stride: 1, padding: 1)
        let w: [Float] = (0..<120).map { Float($0) }
        let rows = weightsByKernelRow(w, g)
        // W_1ᵀ[(c, j), o] = w[o, c, 1, j]: plane (c 2, j 3) of kernel row 1, channel o 3.
        let regrouped: Int = ((1 * 3 + 2) * 5 + 3) * 4 + 3
        let original: Int = ((3 * 3 + 2) * 2 + 1) * 5 + 3
        XCTAssertEqual(rows[regrouped], w[original])
        XCTAssertEqual(weightsFromKernelRows(rows, g), w)
    }

    /// Enough channels (C·KW ≥ 64) for the weight gradient to be split by kernel rows;
    /// compared with direct loops in Double, with and without padding beyond the kernel.
    func testSplitWeightGradientMatchesLoops() throws {
        var rng = SeededRandom(seed: 33)
        for (kh, kw, p) in [(5, 5, 2), (3, 5, 0), (3, 4, 3)] {
            let x = Tensor.randn([3, 16, 6, 5], using: &rng).requiresGrad(true)
            let w = Tensor.randn([5, 16, kh, kw], std: 0.2, using: &rng).requiresGrad(true)
            let b = Tensor.randn([5], using: &rng).requiresGrad(true)
            let g = try ConvGeometry(input: x.shape, weight: w.shape, bias: b.shape, stride: 1, padding: p)
            XCTAssertTrue(ShiftedPlanes.apply(to: g))
            XCTAssertFalse(ShiftedPlanes.rebuildsColumns(g), "this case must take the split path")
            let y = x.conv2d(weight: w, bias: b, padding: p)
            let dy = (0..<y.count).map { _ in rng.nextNormal() }
            y.backward(seed: dy)
            let twin = loopTwin(x, w, b, dy, padding: p)
            assertClose(y.data, twin.y, tolerance: 1e-4, "y, kernel \(kh)×\(kw) padding \(p)")
            assertClose(x.grad ?? [], twin.dx, tolerance: 1e-4, "dx, kernel \(kh)×\(kw) padding \(p)")
            assertClose(w.grad ?? [], twin.dw, tolerance: 1e-4, "dW, kernel \(kh)×\(kw) padding \(p)")
            assertClose(b.grad ?? [], twin.db, tolerance: 1e-4, "db, kernel \(kh)×\(kw) padding \(p)")
        }
    }

    func testSplitPathAgreesWithCentralDifferences() {
        var rng = SeededRandom(seed: 34)
        let x = Tensor.randn([1, 13, 4, 3], using: &rng)
        let w = Tensor.randn([2, 13, 3, 5], std: 0.3, using: &rng)  // 13·5 = 65 planes
        let b = Tensor.randn([2], using: &rng)
        let check = gradcheck([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 2) }
        XCTAssertTrue(check.passed, "\(check)")
    }

    // MARK: - Helpers

    /// Stride-1 convolution and its gradients in Double, straight from the definition.
    private func loopTwin(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ dy: [Float], padding p: Int)
        -> (y: [Double], dx: [Double], dw: [Double], db: [Double]) {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oc, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = h + 2 * p - kh + 1, ow = wd + 2 * p - kw + 1
        var y = [Double](repeating: 0, count: n * oc * oh * ow)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: oc)
        for n0 in 0..<n { for o in 0..<oc { for r in 0..<oh { for q in 0..<ow {
            let out = ((n0 * oc + o) * oh + r) * ow + q
            let g = Double(dy[out])
            var acc = Double(b.data[o])
            db[o] += g
            for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                let ih = r - p + i, iw = q - p + j
                guard ih >= 0, ih < h, iw >= 0, iw < wd else { continue }
                let xi = ((n0 * c + ci) * h + ih) * wd + iw, wi = ((o * c + ci) * kh + i) * kw + j
                acc += Double(w.data[wi]) * Double(x.data[xi])
                dw[wi] += g * Double(x.data[xi])
                dx[xi] += g * Double(w.data[wi])
            } } }
            y[out] = acc
        } } } }
        return (y, dx, dw, db)
    }

}

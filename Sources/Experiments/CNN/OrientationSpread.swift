import Foundation

/// What makes a set of first-layer kernels a *bank* rather than one grating repeated:
/// how their preferred orientations spread (docs/DESIGN.md §4).
///
/// Orientations are axial (θ and θ + 180° are the same), so they are averaged as unit
/// vectors at twice their angle: the resultant length `|mean e^{2iθ}|` is 1 when every
/// kernel has one orientation and near 0 when they spread evenly. Two orthogonal clusters
/// also read near 0, which is why the bins they cover are counted as well.
public struct OrientationSpread: Equatable, Sendable {
    /// The OSI from which a kernel counts as oriented.
    public static let orientedOSI = 0.4
    /// A filter is weak when its weight norm is below this fraction of the median norm.
    public static let weakFraction = 0.5
    /// The bins' centres in degrees; each bin is ±22.5° wide.
    public static let binCentres = [0, 45, 90, 135]

    /// Indices of the kernels with OSI ≥ `orientedOSI`.
    public var oriented: [Int]
    /// Doubled-angle resultant length over the oriented kernels, in [0, 1]; NaN with none.
    public var resultant: Double
    /// How many oriented kernels fall in each bin of `binCentres`.
    public var binCounts: [Int]
    /// Indices of the weak filters.
    public var weak: [Int]

    /// The number of bins holding at least one oriented kernel.
    public var binsCovered: Int { binCounts.filter { $0 > 0 }.count }

    /// - Parameters:
    ///   - orientations: each kernel's preferred orientation, radians in [0, π).
    ///   - osi: each kernel's orientation selectivity.
    ///   - norms: each kernel's weight norm (over all input channels).
    public init(orientations: [Double], osi: [Double], norms: [Double]) {
        precondition(orientations.count == osi.count && osi.count == norms.count,
                     "OrientationSpread: one orientation, OSI and norm per kernel")
        oriented = osi.indices.filter { osi[$0] >= OrientationSpread.orientedOSI }
        var re = 0.0, im = 0.0
        binCounts = [Int](repeating: 0, count: OrientationSpread.binCentres.count)
        for i in oriented {
            re += cos(2 * orientations[i])
            im += sin(2 * orientations[i])
            binCounts[OrientationSpread.bin(of: orientations[i])] += 1
        }
        resultant = oriented.isEmpty ? .nan : (re * re + im * im).squareRoot() / Double(oriented.count)
        let median = GaborSummary.quantile(norms, 0.5)
        weak = norms.indices.filter { norms[$0] < OrientationSpread.weakFraction * median }
    }

    /// The bin (index into `binCentres`) of an orientation in radians.
    public static func bin(of orientation: Double) -> Int {
        let degrees = orientation * 180 / .pi
        let shifted = (degrees + 22.5).truncatingRemainder(dividingBy: 180)
        return min(Int((shifted < 0 ? shifted + 180 : shifted) / 45), binCentres.count - 1)
    }
}

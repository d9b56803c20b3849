import XCTest

/// The one closeness check every test target uses.
///
/// Element k passes when |actual − expected| ≤ tolerance · max(floor, |scale_k|), where the
/// scale is the expected value itself unless given (so large values are compared relatively
/// and values near zero absolutely, below `floor`). A failure names the worst element, its
/// two values and the count of failures, once — not one line per element.
public func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double, scale: [Double]? = nil,
                        floor: Double = 1, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        return XCTFail("\(message()): \(actual.count) values, expected \(expected.count)", file: file, line: line)
    }
    if let scale, scale.count != expected.count {
        return XCTFail("\(message()): \(scale.count) scales for \(expected.count) values", file: file, line: line)
    }
    var failures = 0, worst = (index: -1, excess: 0.0)
    for k in expected.indices {
        let a = Double(actual[k]), e = expected[k]
        let bound = tolerance * max(floor, abs(scale?[k] ?? e))
        let error = abs(a - e)
        if a == e { continue }
        if !(error <= bound) {   // NaN fails too
            failures += 1
            let excess = error.isNaN ? .infinity : error / max(bound, .leastNonzeroMagnitude)
            if worst.index < 0 || excess > worst.excess { worst = (k, excess) }
        }
    }
    if failures > 0 {
        let k = worst.index
        XCTFail("\(message()): \(failures) of \(expected.count) values differ by more than \(tolerance) (relative); "
                + "worst element \(k) is \(actual[k]), expected \(expected[k])", file: file, line: line)
    }
}

/// `assertClose` with `Float` expectations.
public func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Double, scale: [Float]? = nil,
                        floor: Double = 1, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    assertClose(actual, expected.map(Double.init), tolerance: tolerance, scale: scale?.map(Double.init), floor: floor,
                message(), file: file, line: line)
}

/// ‖a − b‖ / ‖b‖, accumulated in Double.
public func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "relativeError: \(a.count) against \(b.count) values")
    var num = 0.0, den = 0.0
    for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        num += d * d
        den += Double(b[i]) * Double(b[i])
    }
    return (num / max(den, 1e-300)).squareRoot()
}

import XCTest
@testable import Experiments

final class DihedralTests: XCTestCase {
    /// A 4×4 plane whose every pixel differs, so each pose is recognisable.
    private let side = 4
    private var plane: [Float] { (0..<16).map(Float.init) }

    private func posed(_ values: [Float], _ pose: Int) -> [Float] {
        var out = [Float](repeating: -1, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { Dihedral.copy(src.baseAddress!, to: $0.baseAddress!, side: side, pose: pose) }
        }
        return out
    }

    func testPoseZeroIsTheIdentityAndTheEightPosesDiffer() {
        XCTAssertEqual(posed(plane, 0), plane)
        let all = (0..<8).map { posed(plane, $0) }
        XCTAssertEqual(Set(all.map { $0.map(Int.init) }).count, 8, "the 8 symmetries of a square are distinct")
        for p in all { XCTAssertEqual(p.sorted(), plane, "a pose only moves pixels") }
    }

    func testPosesAreTheMirrorsAndTransposeTheyClaim() {
        let v = plane
        for y in 0..<side {
            for x in 0..<side {
                let out = y * side + x
                XCTAssertEqual(posed(v, 1)[out], v[y * side + (side - 1 - x)], "pose 1 mirrors left–right")
                XCTAssertEqual(posed(v, 2)[out], v[(side - 1 - y) * side + x], "pose 2 mirrors top–bottom")
                XCTAssertEqual(posed(v, 4)[out], v[x * side + y], "pose 4 transposes")
            }
        }
        // Mirroring twice is the identity; pose 3 (both mirrors) is a half turn.
        XCTAssertEqual(posed(posed(v, 1), 1), v)
        XCTAssertEqual(posed(v, 3), v.reversed())
    }
}

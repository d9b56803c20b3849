import XCTest
@testable import Splatting

final class GaussianShapeTests: XCTestCase {
    func testParameterCountsAndNames() {
        XCTAssertEqual(GaussianShape.isotropic.parameterCount, 1)
        XCTAssertEqual(GaussianShape.anisotropic.parameterCount, 3)
        XCTAssertEqual(GaussianShape(rawValue: "anisotropic"), .anisotropic)
        XCTAssertNil(GaussianShape(rawValue: "round"))
    }
}

import XCTest
@testable import Replay

final class GIFLibraryTests: XCTestCase {
    func testLinkedGiflibIsVersion5OrLater() throws {
        let major = try XCTUnwrap(Int(GIFLibrary.version.split(separator: ".")[0]))
        XCTAssertGreaterThanOrEqual(major, 5, "giflib \(GIFLibrary.version) lacks the 5.x API the GIF writer uses")
    }
}

import Foundation
import XCTest
@testable import Storage

final class JSONValueTests: XCTestCase {
    func testCompactAndPrettyTextHaveSortedKeys() {
        let value: JSONValue = ["b": [1, 2.5, "x"], "a": ["on": true, "off": nil], "e": [:], "l": []]
        XCTAssertEqual(value.serialized(), #"{"a":{"off":null,"on":true},"b":[1,2.5,"x"],"e":{},"l":[]}"#)
        XCTAssertEqual(value.serialized(pretty: true), """
            {
              "a": {
                "off": null,
                "on": true
              },
              "b": [
                1,
                2.5,
                "x"
              ],
              "e": {},
              "l": []
            }
            """)
    }

    func testNumbersKeepTheirKind() throws {
        XCTAssertEqual(JSONValue.double(20).serialized(), "20.0")
        XCTAssertEqual(JSONValue.double(1e-5).serialized(), "1e-05")
        XCTAssertEqual(JSONValue.double(.nan).serialized(), "null")
        XCTAssertEqual(try JSONValue.parse("[20, 20.0, -0.5, 1e3, 10000000000000000000]"),
                       [.int(20), .double(20), .double(-0.5), .double(1000), .double(1e19)])
        for value: JSONValue in [.double(0.1), .double(-1e-300), .double(6.02214076e23), .int(Int.min), .int(Int.max)] {
            XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
        }
    }

    func testStringsEscapeAndUnescape() throws {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{7} é 𝄞"
        let json = JSONValue.string(text).serialized()
        XCTAssertEqual(json, #""quote \" backslash \\ newline \n tab \t bell \u0007 é 𝄞""#)
        XCTAssertEqual(try JSONValue.parse(json), .string(text))
        XCTAssertEqual(try JSONValue.parse(#""\ud834\udd1e \u00e9 \/""#), .string("𝄞 é /"))
    }

    func testRejectsInvalidJSONWithAnOffset() {
        let cases: [(String, Int)] = [("{\"a\":1,}", 7), ("[01]", 3), ("\"abc", 4), ("{\"a\" 1}", 5),
                                      ("tru", 0), ("[1] 2", 4), ("\"\\ud834\"", 7), ("", 0)]
        for (text, offset) in cases {
            XCTAssertThrowsError(try JSONValue.parse(text), text) { error in
                XCTAssertEqual((error as? JSONParseError)?.offset, offset, "\(text): \(error)")
            }
        }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        XCTAssertThrowsError(try JSONValue.parse(deep))
    }

    func testEncodableValuesConvert() throws {
        struct Options: Encodable {
            var epochs = 20
            var lr = 0.002
            var optimizer = "adamw"
            var gray = false
        }
        let value = try JSONValue(encoding: Options())
        XCTAssertEqual(value, ["epochs": 20, "lr": 0.002, "optimizer": "adamw", "gray": false])
        XCTAssertEqual(value["epochs"]?.intValue, 20)
        XCTAssertEqual(value["lr"]?.doubleValue, 0.002)
    }
}

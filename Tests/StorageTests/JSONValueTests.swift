import Foundation
import XCTest
@testable import Storage

final class JSONValueTests: XCTestCase {
    func testCompactAndPrettyTextHaveSortedKeys() throws {
        let value: JSONValue = ["b": [1, 2.5, "x"], "a": ["on": true, "off": nil], "e": [:], "l": [], "p": "/tmp/runs"]
        XCTAssertEqual(value.serialized(), #"{"a":{"off":null,"on":true},"b":[1,2.5,"x"],"e":{},"l":[],"p":"/tmp/runs"}"#)
        let pretty = value.serialized(pretty: true)
        XCTAssertEqual(pretty, """
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
              "l": [],
              "p": "/tmp/runs"
            }
            """)
        XCTAssertEqual(try JSONValue.parse(pretty), value)
        // Keys and strings that look like structure are left alone.
        let tricky: JSONValue = ["k\" : x": "[", "q\\": ["v" : "\\\" : {"], "z": [[:], []]]
        XCTAssertEqual(try JSONValue.parse(tricky.serialized(pretty: true)), tricky)
        XCTAssertTrue(tricky.serialized(pretty: true).contains(#""k\" : x": "[","#), tricky.serialized(pretty: true))
    }

    func testNumbersKeepTheirKind() throws {
        XCTAssertEqual(JSONValue.int(20).serialized(), "20")
        XCTAssertEqual(JSONValue.double(0.5).serialized(), "0.5")
        XCTAssertEqual(JSONValue.double(1e-5).serialized(), "1e-05")
        XCTAssertEqual(JSONValue.double(.nan).serialized(), "null")
        XCTAssertEqual(JSONValue.array([.double(.infinity), 1]).serialized(), "[null,1]", "non-finite numbers do not stop encoding")
        let parsed = try JSONValue.parse("[20, 20.5, -0.5, 1e3, 10000000000000000000]")
        guard case .array(let items) = parsed, items.count == 5, case .int(20) = items[0], case .double(20.5) = items[1],
              case .double(1e19) = items[4]
        else { return XCTFail("\(parsed)") }
        XCTAssertEqual(parsed, [20, 20.5, -0.5, 1000, 1e19])
        XCTAssertEqual(JSONValue.int(20), JSONValue.double(20), "JSON does not tell 20 from 20.0")
        XCTAssertNotEqual(JSONValue.int(20), JSONValue.double(20.5))
        XCTAssertNotEqual(JSONValue.bool(true), JSONValue.int(1))
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

    func testRejectsInvalidJSON() {
        // (Foundation's reader accepts a trailing comma, `{"a":1,}`, which the old parser refused.)
        for text in ["[01]", "\"abc", "{\"a\" 1}", "tru", "[1] 2", "\"\\ud834\"", ""] {
            XCTAssertThrowsError(try JSONValue.parse(text), text) { error in
                guard case .dataCorrupted? = error as? DecodingError else { return XCTFail("\(text): \(error)") }
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
        struct Back: Decodable, Equatable { var epochs: Int; var optimizer: String }
        XCTAssertEqual(try value.decode(Back.self), Back(epochs: 20, optimizer: "adamw"))
    }
}

import Foundation
import Storage
import XCTest
@testable import Replay

final class ReplayPageTests: XCTestCase {
    /// A config value that would break out of the page's script element if embedded raw.
    private let hostile = "</script><script>window.pwned = 1</script> & <b>bold</b>"

    private func makeRun(_ folder: URL, finish: RunStatus? = .completed) throws -> URL {
        try SplatFixture.make(in: folder, name: "page", epochs: 3, finish: finish, config: ["note": .string(hostile)])
    }

    func testEverythingEmbeddedIsEscaped() throws {
        let runs = try makeTemporaryFolder(self)
        let run = try ReplayRun.load(try makeRun(runs))
        let html = ReplayPage.html(run: run, curves: SplatFrames.curves, framesFolder: "frames", fps: 4)
        XCTAssertFalse(html.contains("<script>window.pwned"), "the hostile string appears only in escaped form")
        XCTAssertTrue(html.contains("\\u003c/script\\u003e\\u003cscript\\u003ewindow.pwned"))
        XCTAssertEqual(html.components(separatedBy: "</script>").count - 1, 2, "exactly the page's own two script elements end")
        // The only URL in the page is SVG's namespace name, which is never fetched.
        let urls = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        XCTAssertFalse(urls.contains("http:") || urls.contains("https:") || urls.contains("//cdn") || urls.contains("src=\"//"),
                       "no network references")
        // The embedded JSON reads back to the run's config.
        let start = try XCTUnwrap(html.range(of: "<script id=\"replay-data\" type=\"application/json\">"))
        let end = try XCTUnwrap(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = try JSONValue.parse(Data(html[start.upperBound..<end.lowerBound].utf8))
        XCTAssertEqual(json["config"]?["note"]?.stringValue, hostile)
        XCTAssertEqual(json["epochs"], .array([0, 1, 2, 3]))
        XCTAssertEqual(ReplayPage.escapeHTML("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
    }

    // MARK: - In a real browser

    /// Chromium as Debian installs it (`apt-get install chromium`), or another build on PATH.
    private func chromium() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw XCTSkip("No chromium binary on PATH (install Debian's chromium package: apt-get install -y chromium); the page test needs a real browser.")
    }

    /// Runs headless Chromium on `url` with `extra` flags; returns stdout and stderr.
    private func runChromium(_ binary: String, _ url: URL, _ extra: [String]) throws -> (out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        var arguments = ["--headless", "--disable-gpu", "--allow-file-access-from-files", "--hide-scrollbars",
                         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000", "--no-first-run"]
        if getuid() == 0 { arguments.append("--no-sandbox") } // Chromium refuses to run sandboxed as root
        process.arguments = arguments + extra + [url.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 90, execute: watchdog)
        // Both pipes are drained at once, so a chatty Chromium cannot block on a full one.
        final class Collected: @unchecked Sendable { var data = Data() }
        let errors = Collected(), done = DispatchSemaphore(value: 0)
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async { errors.data = errHandle.readDataToEndOfFile(); done.signal() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        done.wait()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errors.data, as: UTF8.self))
    }

    /// A page that loads index.html in a frame, drives it like a user and writes what it saw
    /// into `#result` as JSON.
    private func harness(for page: URL, play: Bool) -> String {
        """
        <!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
        <iframe id="f" src="\(page.absoluteString)" width="1400" height="1500" style="border:0"></iframe>
        <pre id="result">pending</pre>
        <script>
        var out = { errors: [] };
        function report() { document.getElementById('result').textContent = JSON.stringify(out); }
        var f = document.getElementById('f');
        f.addEventListener('load', function () {
          try {
            var w = f.contentWindow, d = f.contentDocument;
            w.addEventListener('error', function (e) { out.errors.push(String(e.message)); });
            out.ready = d.body.getAttribute('data-ready');
            var slider = d.getElementById('epoch-slider'), label = d.getElementById('epoch-label');
            out.before = label.textContent;
            out.cursorBefore = d.querySelector('#charts .cursor').getAttribute('x1');
            slider.value = '1';
            slider.dispatchEvent(new w.Event('input', { bubbles: true }));
            out.afterSlider = label.textContent;
            out.cursorAfter = d.querySelector('#charts .cursor').getAttribute('x1');
            out.panel = d.querySelector('#panels figure:nth-child(2) img').getAttribute('src');
            out.frame = d.getElementById('frame').getAttribute('src');
            d.body.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
            out.afterKey = label.textContent;
            out.pwned = typeof w.pwned;
            out.config = Array.prototype.map.call(d.querySelectorAll('#config td'), function (td) { return td.textContent; });
            if (\(play ? "true" : "false")) {
              d.getElementById('play').click();
              setTimeout(function () { out.afterPlay = label.textContent; report(); }, 1200);
            }
          } catch (e) { out.errors.push('harness: ' + e); }
          report();
        });
        </script></body></html>
        """
    }

    func testChromiumLoadsThePageAndTheSliderMovesEveryPanel() throws {
        let binary = try chromium()
        let runs = try makeTemporaryFolder(self)
        let folder = try makeRun(runs)
        let replay = try RunReplay(folder: folder, options: ReplayOptions(frames: true, html: true, fps: 4))
        replay.log = { _ in }
        let page = try XCTUnwrap(try replay.write().page)
        let harnessURL = runs.appendingPathComponent("harness.html")
        try harness(for: page, play: true).write(to: harnessURL, atomically: true, encoding: .utf8)

        let (dom, log) = try runChromium(binary, harnessURL, ["--dump-dom"])
        let start = try XCTUnwrap(dom.range(of: "<pre id=\"result\">"), "no harness in the dumped DOM: \(dom.prefix(500)) \(log.suffix(2000))")
        let end = try XCTUnwrap(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        let text = dom[start.upperBound..<end.lowerBound]
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        let result = try JSONValue.parse(Data(text.utf8))

        XCTAssertEqual(result["errors"], .array([]), "script errors: \(text)")
        let uncaught = log.split(separator: "\n").filter { $0.contains("Uncaught") }
        XCTAssertEqual(uncaught, [], "Chromium's console reported uncaught errors")
        XCTAssertEqual(result["ready"]?.stringValue, "1", "the page's script ran to the end")
        XCTAssertEqual(result["before"]?.stringValue, "epoch 3 / 3", "the page opens on the last snapshot")
        XCTAssertEqual(result["afterSlider"]?.stringValue, "epoch 1 / 3", "moving the slider changes the displayed epoch")
        XCTAssertNotEqual(result["cursorBefore"], result["cursorAfter"], "the chart cursor follows the slider")
        XCTAssertEqual(result["panel"]?.stringValue, "../epochs/0001/render.png")
        XCTAssertEqual(result["frame"]?.stringValue, "frames/0001.png")
        XCTAssertEqual(result["afterKey"]?.stringValue, "epoch 2 / 3", "the right arrow steps one snapshot")
        XCTAssertNotEqual(result["afterPlay"]?.stringValue, "epoch 2 / 3", "play advances the epoch")
        XCTAssertNotNil(result["afterPlay"]?.stringValue, "the play timer ran")
        XCTAssertEqual(result["pwned"]?.stringValue, "undefined", "a config string cannot inject script")
        XCTAssertTrue(result["config"].map { "\($0)" }?.contains("window.pwned") == true, "the config value is shown as text")

        // A screenshot of the page after the slider moved, for a person to look at.
        try harness(for: page, play: false).write(to: harnessURL, atomically: true, encoding: .utf8)
        let shot = folder.appendingPathComponent("replay-screenshot.png")
        let keep = ProcessInfo.processInfo.environment["REPLAY_SCREENSHOT"].map { URL(fileURLWithPath: $0) }
        let target = keep ?? runs.appendingPathComponent("screenshot.png")
        _ = try runChromium(binary, harnessURL, ["--screenshot=\(target.path)", "--window-size=1400,1500"])
        let size = try XCTUnwrap(pngSizeForTest(target), "Chromium wrote no screenshot")
        XCTAssertEqual([size.0, size.1], [1400, 1500])
        XCTAssertFalse(FileManager.default.fileExists(atPath: shot.path))
    }

    /// A run that is still being written says so on the page, in a real browser.
    func testARunningRunSaysSoOnThePage() throws {
        let runs = try makeTemporaryFolder(self)
        let folder = try makeRun(runs, finish: nil) // still `running`, by this (live) process
        let replay = try RunReplay(folder: folder, options: ReplayOptions(html: true))
        replay.log = { _ in }
        let html = try String(contentsOf: try XCTUnwrap(try replay.write().page), encoding: .utf8)
        XCTAssertTrue(html.contains("This run is still running; replaying the 4 snapshots written so far (up to epoch 3)."))
        XCTAssertTrue(html.contains("\"frames\":null"), "no frames were made, so the page leaves the frame out")
    }

    private func pngSizeForTest(_ url: URL) -> (Int, Int)? {
        guard let data = try? Data(contentsOf: url), data.count > 24 else { return nil }
        let b = [UInt8](data.prefix(24))
        return (Int(b[16]) << 24 | Int(b[17]) << 16 | Int(b[18]) << 8 | Int(b[19]),
                Int(b[20]) << 24 | Int(b[21]) << 16 | Int(b[22]) << 8 | Int(b[23]))
    }
}

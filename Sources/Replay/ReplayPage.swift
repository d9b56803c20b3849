import Foundation
import Imaging
import Storage

/// `replay/index.html`: one self-contained page (inline CSS and script, no network) to scrub
/// through a run: a single epoch slider drives the composed frame, every snapshot picture and
/// the cursor on the metric charts; play/pause, speed, arrow keys; the run's config.
///
/// Pictures are referenced relatively (`frames/0003.png`, `../epochs/0003/gabor.png`), so the
/// run folder can be zipped and opened anywhere, from `file://` too. The data the script needs
/// (epochs, metrics, config) is embedded as JSON in a `<script type="application/json">`
/// element with `<`, `>`, `&`, U+2028 and U+2029 written as `\u` escapes, so no string from the
/// run (a config value holding `</script>`) can end the element; the few strings in the
/// markup itself are HTML-escaped; the script puts text in place with `textContent` only.
enum ReplayPage {
    /// The snapshot pictures shown for each kind, with their captions (none for a kind this
    /// build does not know).
    static func panels(kind: RunKind?) -> [(file: String, title: String)] {
        kind.map { composerType(for: $0).panels } ?? []
    }

    /// The page's HTML.
    /// - Parameters:
    ///   - framesFolder: the folder of composed frames relative to the page, or nil to leave them out.
    ///   - fps: playback speed at 1×.
    static func html(run: ReplayRun, curves: [MetricCurves], framesFolder: String?, fps: Double) -> String {
        let json = data(run: run, curves: curves, framesFolder: framesFolder, fps: fps).serialized()
        let title = "\(run.name) · trainviz replay"
        let note = run.statusNote.map { "<p id=\"status\" class=\"status\">\(escapeHTML($0))</p>" } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escapeHTML(title))</title>
            <style>
            \(ReplayPageAssets.css)
            </style>
            </head>
            <body>
            <header>
            <h1>\(escapeHTML(run.name))</h1>
            <p class="kind">\(escapeHTML(run.kind)) run · \(escapeHTML(run.state.rawValue))</p>
            \(note)
            </header>
            <div id="controls" class="controls">
            <button id="play" type="button" title="Play or pause (space)">Play</button>
            <input id="epoch-slider" type="range" min="0" max="\(run.epochs.count - 1)" value="0" step="1" aria-label="snapshot">
            <span id="epoch-label" class="epoch">epoch \(run.epochs.first ?? 0)</span>
            <label>speed <select id="speed">
            <option value="0.25">0.25×</option><option value="0.5">0.5×</option><option value="1" selected>1×</option>
            <option value="2">2×</option><option value="4">4×</option>
            </select></label>
            <span class="hint">← → step · Home/End · space plays</span>
            </div>
            <main>
            <section id="charts" class="charts"></section>
            <section><h2>snapshot</h2><div id="panels" class="panels"></div></section>
            <section id="frame-section"><h2>frame (as in run.gif)</h2><img id="frame" alt="composed frame"></section>
            <section><h2>config</h2><table id="config"></table></section>
            </main>
            <script id="replay-data" type="application/json">\(escapeForScript(json))</script>
            <script>
            \(ReplayPageAssets.script)
            </script>
            </body>
            </html>

            """
    }

    /// Everything the script draws from.
    static func data(run: ReplayRun, curves: [MetricCurves], framesFolder: String?, fps: Double) -> JSONValue {
        let manifest = run.record.manifest
        func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .null }
        let charts: [JSONValue] = curves.compactMap { curve in
            let lines = curve.available(in: run)
            guard !lines.isEmpty else { return nil }
            let range = curve.fullRange(in: run)
            return .object([
                "title": .string(curve.title), "yLabel": .string(curve.yLabel),
                "range": .array([number(range.lowerBound), number(range.upperBound)]),
                "lines": .array(lines.map { line in
                    .object(["label": .string(line.label), "color": .string(hex(line.color)), "column": .string(line.column),
                             "values": .array(run.series(line.column).map(number))])
                }),
            ])
        }
        var details: [String: JSONValue] = [
            "argv": .array(manifest.argv.map { .string($0) }),
            "version": .string(manifest.version),
            "seed": .string(String(manifest.seed)),
            "status": .string(run.state.rawValue),
        ]
        if let reason = manifest.reason { details["reason"] = .string(reason) }
        var members: [String: JSONValue] = [
            "run": .string(run.name),
            "kind": .string(run.kind),
            "state": .string(run.state.rawValue),
            "statusNote": run.statusNote.map { .string($0) } ?? .null,
            "epochs": .array(run.epochs.map { .int($0) }),
            "plannedEpochs": run.plannedEpochs.map { .int($0) } ?? .null,
            "lastAxisEpoch": .int(run.lastAxisEpoch),
            "fps": .double(fps),
            "snapshotBase": .string("../epochs/"),
            "panels": .array(panels(kind: run.runKind).map { .object(["file": .string($0.file), "title": .string($0.title)]) }),
            "charts": .array(charts),
            "config": manifest.config,
            "details": .object(details),
        ]
        members["frames"] = framesFolder.map { folder in
            .array(run.epochs.map { .string("\(folder)/\(RunStore.epochFolderName($0)).png") })
        } ?? .null
        let fixed = (run.runKind.map { composerType(for: $0).fixedPanels } ?? [])
            .filter { FileManager.default.fileExists(atPath: run.rootFile($0.file).path) }
        if !fixed.isEmpty {
            members["fixedPanels"] = .array(fixed.map { .object(["src": .string("../" + $0.file), "title": .string($0.title)]) })
        }
        return .object(members)
    }

    /// `&`, `<`, `>`, `"` and `'` as character references.
    static func escapeHTML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// JSON made safe inside a `<script>` element. These characters can only occur inside JSON
    /// strings, where the `\u` escapes mean the same thing to `JSON.parse`.
    static func escapeForScript(_ json: String) -> String {
        var out = ""
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `#rrggbb`.
    static func hex(_ color: Color) -> String {
        let bytes = [color.r, color.g, color.b].map { Int((min(max($0, 0), 1) * 255).rounded()) }
        return "#" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}

import XCTest
@testable import Imaging

final class ChartTests: XCTestCase {
    func testNiceLinearTicks() {
        XCTAssertEqual(Ticks.linear(0, 20), [0, 5, 10, 15, 20])
        XCTAssertEqual(Ticks.linear(0, 1), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        XCTAssertEqual(Ticks.linear(-0.47, 0.41, target: 5), [-0.4, -0.2, 0, 0.2, 0.4])
        XCTAssertEqual(Ticks.linear(3, 3), [3])
        for (lo, hi) in [(0.0013, 0.0871), (-1234.0, 98765.0), (0.5, 0.51), (7.0, 1e6)] {
            let ticks = Ticks.linear(lo, hi)
            XCTAssertTrue((3...11).contains(ticks.count), "\(lo)…\(hi): \(ticks)")
            XCTAssertTrue(ticks.allSatisfy { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 })
            let step = ticks[1] - ticks[0]
            let mantissa = step / pow(10, log10(step).rounded(.down))
            XCTAssertTrue([1, 2, 5].contains { abs($0 - mantissa) < 1e-6 }, "step \(step) is 1, 2 or 5 × 10^k")
        }
    }

    func testLogTicks() {
        XCTAssertEqual(Ticks.logarithmic(0.001, 10), [0.001, 0.01, 0.1, 1, 10])
        XCTAssertEqual(Ticks.logarithmic(0.08, 2.1), [0.1, 0.2, 0.5, 1, 2])
        XCTAssertEqual(Ticks.logarithmic(-1, 10), [])
    }

    func testTickLabels() {
        XCTAssertEqual(Ticks.label(0.6000000000000001, step: 0.2), "0.6")
        XCTAssertEqual(Ticks.label(15, step: 5), "15")
        XCTAssertEqual(Ticks.label(0.25, step: 0.25), "0.25")
        XCTAssertEqual(Ticks.label(0.125, step: 0.125), "0.125")
        XCTAssertEqual(Ticks.label(0, step: 0.1), "0")
        XCTAssertEqual(Ticks.label(-0.8, step: 0.8), "-0.8")
        XCTAssertEqual(Ticks.label(2e-5, step: 1e-5), "2e-05")
        XCTAssertEqual(Ticks.label(2_500_000, step: 500_000), "2.5e+06")
    }

    private func nonWhiteCount(_ image: Image, x: Int, y: Int, width: Int, height: Int) -> Int {
        var count = 0
        for row in y..<(y + height) { for col in x..<(x + width) where image.color(x: col, y: row) != .white { count += 1 } }
        return count
    }

    func testLineChartDrawsSeriesInsideThePlotArea() {
        let chart = LineChart(title: "Loss", xLabel: "epoch", yLabel: "loss",
                              series: [.init(name: "train", y: [2, 1, 0.5, 0.3]), .init(name: "test", y: [2.1, 1.3, 0.9, 0.8])],
                              width: 400, height: 300)
        let image = chart.render()
        XCTAssertEqual([image.width, image.height, image.channels], [400, 300, 3])
        // The first series' colour appears (the line), and so does the second's.
        let colors = Set((0..<(400 * 300)).map { image.color(x: $0 % 400, y: $0 / 400) })
        XCTAssertTrue(colors.contains(Color.tab10[0]))
        XCTAssertTrue(colors.contains(Color.tab10[1]))
        // Text and ticks in the margins, data in the middle.
        XCTAssertGreaterThan(nonWhiteCount(image, x: 0, y: 0, width: 400, height: 25), 50, "title")
        XCTAssertGreaterThan(nonWhiteCount(image, x: 0, y: 50, width: 30, height: 200), 30, "y label")
        XCTAssertGreaterThan(nonWhiteCount(image, x: 150, y: 60, width: 150, height: 150), 200, "plot area")
    }

    func testLineChartCanBeLogScaledAndEmpty() {
        let log = LineChart(series: [.init(name: "loss", y: [1, 0.1, 0.01, 0, -1, .nan])], logY: true, width: 300, height: 200)
        XCTAssertEqual(log.render().width, 300)
        XCTAssertEqual(LineChart(width: 200, height: 100).render().height, 100, "an empty chart still renders its frame")
    }

    func testHistogramCounts() {
        let h = Histogram([0, 0.1, 0.5, 0.99, 1, 1.5, .nan, -0.2], bins: 2, range: 0...1)
        XCTAssertEqual(h.edges, [0, 0.5, 1])
        XCTAssertEqual(h.counts, [2, 3], "the last bin includes its upper edge; outside values and NaN are skipped")
        XCTAssertEqual(h.total, 5)
        let auto = Histogram([1, 2, 3, 4], bins: 3)
        XCTAssertEqual(auto.edges.first, 1)
        XCTAssertEqual(auto.edges.last, 4)
        XCTAssertEqual(auto.counts, [1, 1, 2])
        XCTAssertEqual(Histogram([5, 5, 5], bins: 4).counts.reduce(0, +), 3, "a constant sample still lands in the bins")
    }

    func testHistogramChartFillsBarsFromTheBaseline() {
        let chart = HistogramChart(title: "w", xLabel: "value", samples: [("a", [0, 0, 0, 1, 2, 3]), ("b", [3, 3, 3, 3])], bins: 3)
        XCTAssertEqual(chart.histograms.map { $0.histogram.edges }, [[0, 1, 2, 3], [0, 1, 2, 3]], "shared bins")
        var single = chart
        single.histograms = [chart.histograms[0]]
        let image = single.render()
        // Find the bar colour: a blend of tab10 blue at 80% over white, present in quantity.
        let bar = Color.white.mixed(with: Color.tab10[0], 0.8)
        let pixels = (0..<(image.width * image.height)).filter {
            let c = image.color(x: $0 % image.width, y: $0 / image.width)
            return abs(c.r - bar.r) < 0.01 && abs(c.g - bar.g) < 0.01 && abs(c.b - bar.b) < 0.01
        }
        XCTAssertGreaterThan(pixels.count, 5000)
        // The tallest bar (count 3, first bin) reaches higher than the others.
        let rows = pixels.map { $0 / image.width }, cols = pixels.map { $0 % image.width }
        let topOfLeftHalf = zip(rows, cols).filter { $0.1 < image.width / 2 }.map(\.0).min()!
        let topOfRightHalf = zip(rows, cols).filter { $0.1 >= image.width / 2 }.map(\.0).min()!
        XCTAssertLessThan(topOfLeftHalf, topOfRightHalf)
    }
}

import Imaging

/// Two runs of one kind side by side, snapshot by snapshot: frame k shows each run's k-th
/// snapshot (a run with fewer snapshots holds its last), each half under a bar naming its run.
struct ComparisonFrames: FrameComposer {
    let left: FrameComposer
    let right: FrameComposer
    let leftName: String
    let rightName: String
    let width: Int
    let height: Int
    let smoothRegions: [PixelRect]
    var frameCount: Int { max(left.frameCount, right.frameCount) }

    static let barHeight = 40
    static let divider = 12

    init(left: FrameComposer, leftName: String, right: FrameComposer, rightName: String) {
        self.left = left
        self.right = right
        self.leftName = leftName
        self.rightName = rightName
        width = left.width + ComparisonFrames.divider + right.width
        height = ComparisonFrames.barHeight + max(left.height, right.height)
        let dy = ComparisonFrames.barHeight, dx = left.width + ComparisonFrames.divider
        smoothRegions = left.smoothRegions.map { $0.offsetBy(dx: 0, dy: dy) } + right.smoothRegions.map { $0.offsetBy(dx: dx, dy: dy) }
    }

    func frame(_ index: Int) throws -> Image {
        var canvas = Canvas(width: width, height: height, background: .white)
        let halves = [(left, leftName, "A", 0), (right, rightName, "B", left.width + ComparisonFrames.divider)]
        for (composer, name, letter, x) in halves {
            let own = min(index, composer.frameCount - 1)
            let held = own < index ? "  (finished: holding its last snapshot)" : ""
            canvas.fillRect(x: x, y: 0, width: composer.width, height: ComparisonFrames.barHeight, color: Color(gray: 0.16))
            let label = FrameStyle.fitted("\(letter): \(name)\(held)", width: composer.width - 2 * FrameStyle.margin)
            canvas.drawText(label, x: x + FrameStyle.margin, y: ComparisonFrames.barHeight / 2, color: .white,
                            scale: FrameStyle.textScale, anchor: .left)
            canvas.blit(try composer.frame(own), x: x, y: ComparisonFrames.barHeight)
        }
        canvas.fillRect(x: left.width, y: 0, width: ComparisonFrames.divider, height: height, color: Color(gray: 0.16))
        return canvas.image
    }
}

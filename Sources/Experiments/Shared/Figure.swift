import Imaging

/// Small layout helpers for composing panels into one picture.
public enum Figure {
    /// `image` with a title above it, on white.
    public static func titled(_ image: Image, _ title: String, scale: Int = 2, margin: Int = 8) -> Image {
        let box = Canvas.textBox(title, scale: scale)
        let width = max(image.width, box.width) + 2 * margin
        var canvas = Canvas(width: width, height: image.height + box.height + 3 * margin, background: .white)
        canvas.drawText(title, x: margin, y: margin, color: .black, scale: scale)
        canvas.blit(image.rgb(), x: margin, y: box.height + 2 * margin)
        return canvas.image
    }

    /// Images side by side, tops aligned, on white.
    public static func row(_ images: [Image], gap: Int = 12) -> Image {
        let width = images.reduce(0) { $0 + $1.width } + gap * max(images.count - 1, 0)
        let height = images.map(\.height).max() ?? 0
        var canvas = Canvas(width: max(width, 1), height: max(height, 1), background: .white)
        var x = 0
        for image in images {
            canvas.blit(image.rgb(), x: x, y: 0)
            x += image.width + gap
        }
        return canvas.image
    }

    /// Images stacked, left edges aligned, on white.
    public static func column(_ images: [Image], gap: Int = 12) -> Image {
        let height = images.reduce(0) { $0 + $1.height } + gap * max(images.count - 1, 0)
        let width = images.map(\.width).max() ?? 0
        var canvas = Canvas(width: max(width, 1), height: max(height, 1), background: .white)
        var y = 0
        for image in images {
            canvas.blit(image.rgb(), x: 0, y: y)
            y += image.height + gap
        }
        return canvas.image
    }
}

/// The 8 symmetries of a square image (the dihedral group D4): pose p transposes when
/// bit 2 is set, then mirrors left–right on bit 0 and top–bottom on bit 1.
enum Dihedral {
    /// Copies one `side × side` plane into `to` in pose `pose` ∈ 0..<8.
    ///
    /// Every pose reads the source along straight lines, so output (y, x) comes from
    /// `start + y·dy + x·dx`: the pose is decided once per plane, not per pixel.
    static func copy(_ from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>, side: Int, pose: Int) {
        let last = side - 1
        let flipX = pose & 1 != 0, flipY = pose & 2 != 0, transpose = pose & 4 != 0
        let rowStep = flipY ? -side : side, columnStep = flipX ? -1 : 1
        let start = (flipY ? last * side : 0) + (flipX ? last : 0)
        let (dy, dx) = transpose ? (columnStep, rowStep) : (rowStep, columnStep)
        for y in 0..<side {
            let source = from + start + y * dy, row = to + y * side
            for x in 0..<side { row[x] = source[x * dx] }
        }
    }
}

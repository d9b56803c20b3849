/// The 8 symmetries of a square image (the dihedral group D4): pose p transposes when
/// bit 2 is set, then mirrors left–right on bit 0 and top–bottom on bit 1.
enum Dihedral {
    /// Copies one `side × side` plane into `to` in pose `pose` ∈ 0..<8.
    static func copy(_ from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>, side: Int, pose: Int) {
        let last = side - 1
        let flipX = pose & 1 != 0, flipY = pose & 2 != 0, transpose = pose & 4 != 0
        for y in 0..<side {
            for x in 0..<side {
                var sx = transpose ? y : x, sy = transpose ? x : y
                if flipX { sx = last - sx }
                if flipY { sy = last - sy }
                to[y * side + x] = from[sy * side + sx]
            }
        }
    }
}

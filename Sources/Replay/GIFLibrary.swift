import CGIF

/// The giflib the GIF writer is linked against.
public enum GIFLibrary {
    /// giflib's version as "major.minor.release", read from its header at build time.
    public static var version: String { "\(GIFLIB_MAJOR).\(GIFLIB_MINOR).\(GIFLIB_RELEASE)" }
}

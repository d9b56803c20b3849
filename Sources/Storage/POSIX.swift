#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Thin names for the system calls whose Swift names collide with members
// (`AtomicFile.write`, `RunStore.open`, ...).

/// `write(2)`.
@inline(__always)
func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// `open(2)` with a mode for `O_CREAT`.
@inline(__always)
func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) -> Int32 {
    open(path, flags, mode)
}

/// `kill(2)`.
@inline(__always)
func posixKill(_ pid: Int32, _ signal: Int32) -> Int32 {
    kill(pid, signal)
}

/// The machine's host name, from `gethostname(3)` (no DNS lookup).
func currentHostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
    return String(cString: buffer)
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Gives memory glibc's malloc keeps after frees back to the system (`malloc_trim(0)`). Without
/// it, the provisioner at 10,000 accounts held ~100 MB of freed memory in its arenas for ~28 MB
/// in use (docs/benchmark.md). Swift's Glibc module does not declare `malloc_trim` (it lives in
/// malloc.h), so it is looked up once by name; on another libc it does nothing.
enum FreedMemory {
    private typealias MallocTrim = @convention(c) (Int) -> Int32

    private static let mallocTrim: MallocTrim? = {
        #if canImport(Glibc)
        // RTLD_DEFAULT: search the global symbol scope (libc is always loaded).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: MallocTrim.self)
        #else
        return nil
        #endif
    }()

    /// Returns freed memory to the system; a few milliseconds at most, less when there is little to return.
    static func returnToSystem() {
        _ = mallocTrim?(0)
    }
}

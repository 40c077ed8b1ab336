import CMalloc
import FoundationEssentials

/// glibc's malloc, tuned and watched. Without it, the provisioner at 10,000 accounts held
/// ~100 MB of freed memory in its arenas for ~28 MB in use (docs/benchmark.md).
public enum FreedMemory {
    /// Gives memory malloc keeps after frees back to the system (`malloc_trim(0)`); a few
    /// milliseconds at most, less when there is little to return.
    static func returnToSystem() {
        _ = malloc_trim(0)
    }

    /// Caps malloc's arenas. By default every thread that meets a locked arena gets one of its
    /// own (up to 8 per core), and what the 32 request threads allocate then stays spread over a
    /// dozen 64 MiB-aligned arenas that `malloc_trim` cannot merge: at 10,000 accounts one arena
    /// held half the heap and several others most of the rest (docs/benchmark.md). Two arenas on
    /// our 2-core machines cost no measurable speed. Call first thing in `main`: glibc fixes the
    /// limit when it first needs a second arena. `MALLOC_ARENA_MAX` in the environment wins.
    public static func limitArenas(to count: Int32) {
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, count)
    }

    /// Bytes malloc has handed out and not had back (all arenas, mmapped blocks included): the
    /// heap the program really uses, without what the arenas keep free.
    public static func heapInUse() -> Int {
        let info = mallinfo2()
        return info.uordblks + info.hblkhd
    }
}

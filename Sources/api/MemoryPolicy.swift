/// How the api asks the C allocator to treat its large buffers (a 100,000-category answer is megabytes).
enum MemoryPolicy {
    /// Keeps every allocation of 256 KiB or more in memory mapped for it alone, so that it goes back to the
    /// system when freed. glibc raises that threshold by itself after the first large buffer is freed, and
    /// the next ones then fragment its heaps: at 100,000 categories the api's peak RSS went from 50 MiB to
    /// 64 MiB that way (`scripts/bench-api`).
    static func returnLargeBuffersToTheSystem() {
        #if canImport(Glibc)
            _ = glibcMallopt(mmapThreshold, 256 * 1024)
        #endif
    }

    /// `M_MMAP_THRESHOLD` of glibc's `<malloc.h>`, which Swift's Glibc module does not import.
    private static let mmapThreshold: Int32 = -3
}

#if canImport(Glibc)
    /// glibc's `mallopt(3)`, declared here because Swift's Glibc module does not import `<malloc.h>`.
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

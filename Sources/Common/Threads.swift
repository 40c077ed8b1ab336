import CThread
import Glibc

/// Starts a detached thread for work that blocks (a watch's `curl_easy_perform`, the libcurl multi
/// loop, the LISTEN loop, the health server's accept loop), outside Swift's cooperative pool.
/// POSIX threads directly: Foundation's `Thread` is in full Foundation, which the operator's
/// binaries do not link. `name` shows in `top -H` and core dumps (cut to the 15 bytes Linux keeps).
public func startThread(name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, stackSize)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let context = Unmanaged.passRetained(ThreadWork(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, &attributes, { context in
        Unmanaged<ThreadWork>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, context)
    guard result == 0 else { fatalError("cannot start thread \(name): \(String(cString: strerror(result)))") }
    _ = tp_pthread_setname(thread, String(name.utf8.prefix(15))!)
}

/// What a new thread runs, passed through `pthread_create`'s context pointer.
private final class ThreadWork {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

import Common
import CCurl
import Dispatch
import Synchronization

/// Drives every ordinary request from one thread with libcurl's multi interface: a transfer is
/// added to the multi handle, `curl_multi_perform` moves all of them forward as their sockets get
/// ready, and each one's completion runs when libcurl reports it done. Connections live in the
/// multi handle's shared cache, so every transfer reuses any idle one; over TLS libcurl offers
/// HTTP/2 by ALPN, and where the server takes it (kube-apiserver does) transfers share one
/// connection as streams instead of needing one connection each.
///
/// It replaces a pool of up to 32 threads each blocked in `curl_easy_perform` (see
/// docs/benchmark.md for the comparison): one thread means one malloc arena for libcurl and
/// OpenSSL, and no thread stacks.
final class CurlMultiLoop: Sendable {
    /// One transfer in flight or waiting to be added.
    private struct Entry: @unchecked Sendable {
        // @unchecked: the easy handle is used only by the loop thread between add and completion.
        let handle: CurlEasyHandle
        let transfer: Transfer
        let completion: @Sendable (CurlEasyHandle, CURLcode) -> Void
    }

    /// What the loop thread shares with the callers; the thread holds this, not the loop, so the
    /// loop's `deinit` can stop it.
    private final class State: @unchecked Sendable {
        // @unchecked: only the loop thread calls into `multi`, except `curl_multi_wakeup`, which
        // libcurl documents as safe from any thread; the rest is a Mutex and atomics.
        let multi: UnsafeMutableRawPointer
        let incoming = Mutex<[Entry]>([])
        let started = Atomic<Bool>(false)
        let stopped = Atomic<Bool>(false)
        /// Signalled by `start` and `deinit`: with no transfer, the thread waits on this, outside
        /// libcurl. A thread parked in `curl_multi_poll` woke up during `exit()` after libcurl's
        /// libraries were torn down (krb5 aborted the benchmark at its exit).
        let work = DispatchSemaphore(value: 0)

        init(multi: UnsafeMutableRawPointer) { self.multi = multi }
        deinit { curl_multi_cleanup(multi) }
    }

    private let state: State
    private let name: String

    /// `maxConnections`: connections to one host at most (HTTP/1.1 needs one per transfer in flight;
    /// more transfers wait inside libcurl for a free one). The thread starts with the first transfer.
    init(name: String, maxConnections: Int) {
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        tp_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnections)
        tp_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        tp_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
        state = State(multi: multi)
        self.name = name
    }

    /// No transfer is left (each holds its transport, which holds this loop): the thread ends.
    deinit {
        state.stopped.store(true, ordering: .releasing)
        state.work.signal()
        wake()
    }

    /// Hands a configured easy handle to the loop. `completion` runs on the loop thread with the
    /// handle and the transfer's result once it ends (finished, failed, or aborted after
    /// `transfer.cancel()`); it must be quick, as every other transfer waits while it runs.
    func start(_ handle: CurlEasyHandle, transfer: Transfer, completion: @escaping @Sendable (CurlEasyHandle, CURLcode) -> Void) {
        state.incoming.withLock { $0.append(Entry(handle: handle, transfer: transfer, completion: completion)) }
        if !state.started.exchange(true, ordering: .acquiringAndReleasing) {
            let state = self.state
            startThread(name: name) { CurlMultiLoop.run(state) }
        }
        state.work.signal()
        wake()
    }

    /// Interrupts the loop's wait, so it picks up new transfers and notices cancelled ones now.
    func wake() { curl_multi_wakeup(state.multi) }

    private static func run(_ state: State) {
        let multi = state.multi
        var active: [UnsafeMutableRawPointer: Entry] = [:]
        while !state.stopped.load(ordering: .acquiring) {
            if active.isEmpty, state.incoming.withLock({ $0.isEmpty }) {
                // Every `start` signals, so after a burst the count is high and these waits return
                // at once until it is spent: a few microseconds, never a lost wake-up.
                state.work.wait()
                continue
            }
            for entry in state.incoming.withLock({ list in defer { list.removeAll(keepingCapacity: true) }; return list }) {
                if entry.transfer.isCancelled {
                    entry.completion(entry.handle, CURLE_ABORTED_BY_CALLBACK)
                    continue
                }
                curl_multi_add_handle(multi, entry.handle.raw)
                active[entry.handle.raw] = entry
            }
            // A cancelled transfer leaves now, not at its next progress callback (which libcurl
            // calls only when it drives that transfer).
            for (raw, entry) in active where entry.transfer.isCancelled {
                curl_multi_remove_handle(multi, raw)
                active[raw] = nil
                entry.completion(entry.handle, CURLE_ABORTED_BY_CALLBACK)
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let raw = message.pointee.easy_handle else { continue }
                let result = tp_curl_msg_result(message)
                curl_multi_remove_handle(multi, raw)
                if let entry = active.removeValue(forKey: raw) { entry.completion(entry.handle, result) }
            }
            // Sleeps until a socket is ready, libcurl's own next timeout (it waits less when one is
            // due sooner), or `wake()`; at most a second, so nothing depends on a wake-up never
            // being lost.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}

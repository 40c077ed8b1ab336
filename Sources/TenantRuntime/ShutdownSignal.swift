import Dispatch
import FoundationEssentials
import Glibc

/// Turns SIGTERM and SIGINT into a callback on a dispatch queue, so shutdown is an ordinary
/// event: the callback cancels the sleeping loops, and the action in flight finishes first.
/// `@unchecked`: `sources` is written once in init and only cancelled in deinit.
public final class ShutdownSignal: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    public init(signals: [Int32] = [SIGTERM, SIGINT], handler: @escaping @Sendable (Int32) -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for sig in signals {
            // The default disposition would kill the process before the handler runs.
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler(sig) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit {
        for source in sources { source.cancel() }
    }
}

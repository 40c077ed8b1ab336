import Dispatch

/// A serial executor backed by a private DispatchQueue. Actors that make blocking libpq calls use
/// it so those calls block a libdispatch thread, never a thread of Swift's cooperative pool
/// (the same idea as GRDB's DispatchQueueActor).
final class QueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

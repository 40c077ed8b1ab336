import Synchronization

/// A Bool shared between tasks and callbacks by reference (a `Mutex` cannot be captured).
public final class SharedFlag: Sendable {
    private let value: Mutex<Bool>

    public init(_ initial: Bool) { value = Mutex(initial) }

    public func get() -> Bool { value.withLock { $0 } }
    public func set(_ newValue: Bool) { value.withLock { $0 = newValue } }
}

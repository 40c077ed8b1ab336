/// Decides when a start-up event asks for a full pass. The first full pass waits until the Job
/// cache has finished its first list *and* the NOTIFY listener is up: started any earlier it
/// would fail (no cache) or miss a notification sent before LISTEN, and a second start-up
/// pass would follow it. After that first pass, a reconnected listener (notifications may have
/// been lost) and newly gained leadership (another replica acted meanwhile) each ask for one.
struct FirstPassGate: Sendable, Equatable {
    enum Event: Sendable, Equatable {
        case cacheSynced
        case listening
        case leadershipGained
    }

    private var synced = false
    private var listening = false
    private(set) var opened = false

    /// Records `event`; true when it should trigger a full pass.
    mutating func note(_ event: Event) -> Bool {
        switch event {
        case .cacheSynced: synced = true
        case .listening:
            listening = true
            if opened { return true }
        case .leadershipGained:
            // Before the first pass, that pass is the new leader's pass.
            return opened
        }
        guard !opened, synced, listening else { return false }
        opened = true
        return true
    }
}

/// Decides when a start-up event asks for a full pass. The first full pass waits until the Job
/// cache has finished its first list *and* the NOTIFY listener is up: started any earlier it
/// would fail (no cache) or miss a notification sent before LISTEN, and a second start-up
/// pass would follow it. After that first pass, a reconnected listener (notifications may have
/// been lost) and newly gained leadership (another replica acted meanwhile) each ask for one.
/// With `RESOLVE_IMAGE_DIGESTS` it also waits for the registries' first answer (or failure), so
/// a fresh install creates its workloads pinned instead of rolling every one of them later.
struct FirstPassGate: Sendable, Equatable {
    enum Event: Sendable, Equatable {
        case cacheSynced
        case listening
        case leadershipGained
        /// The resolver's first round ended (answered or not).
        case imagesResolved
    }

    private var synced = false
    private var listening = false
    private var imagesResolved: Bool
    private(set) var opened = false

    init(waitsForImages: Bool = false) { imagesResolved = !waitsForImages }

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
        case .imagesResolved:
            imagesResolved = true
        }
        guard !opened, synced, listening, imagesResolved else { return false }
        opened = true
        return true
    }
}

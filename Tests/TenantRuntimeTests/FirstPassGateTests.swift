import Testing
@testable import TenantRuntime

/// Start-up asks for exactly one first full pass, once the Job cache has synced and the NOTIFY
/// listener is up, in whichever order they come; later reconnects and leadership ask again.
@Suite struct FirstPassGateTests {
    @Test(arguments: [
        [FirstPassGate.Event.cacheSynced, .listening],
        [.listening, .cacheSynced],
        [.leadershipGained, .listening, .cacheSynced],
        [.cacheSynced, .leadershipGained, .listening],
    ])
    func theFirstPassIsRequestedOnceWhenCacheAndListenerAreBothReady(events: [FirstPassGate.Event]) {
        var gate = FirstPassGate()
        let requests = events.map { gate.note($0) }
        #expect(requests == Array(repeating: false, count: events.count - 1) + [true], "\(events) → \(requests)")
        #expect(gate.opened)
    }

    @Test func nothingIsRequestedWhileEitherIsMissing() {
        var gate = FirstPassGate()
        let requests = [gate.note(.cacheSynced), gate.note(.cacheSynced), gate.note(.leadershipGained)]
        #expect(requests == [false, false, false])
        #expect(!gate.opened)
    }

    @Test func afterTheFirstPassAReconnectedListenerAndNewLeadershipEachAskForOne() {
        var gate = FirstPassGate()
        let requests = [gate.note(.cacheSynced), gate.note(.listening), gate.note(.listening), gate.note(.leadershipGained), gate.note(.cacheSynced)]
        #expect(requests == [false, true, true, true, false])
    }

    /// RESOLVE_IMAGE_DIGESTS: a fresh install's workloads are created pinned, so the first pass
    /// also waits for the registries' first answer (or failure).
    @Test func withPinningTheFirstPassAlsoWaitsForTheFirstResolveRound() {
        var gate = FirstPassGate(waitsForImages: true)
        #expect([gate.note(.cacheSynced), gate.note(.listening)] == [false, false])
        #expect(gate.note(.imagesResolved) && gate.opened)
        var other = FirstPassGate(waitsForImages: true)
        #expect([other.note(.imagesResolved), other.note(.listening), other.note(.cacheSynced)] == [false, false, true])
    }
}

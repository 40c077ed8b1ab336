import Testing
@testable import Common

@Suite struct BackoffTests {
    @Test(arguments: [(1, 0.8), (2, 1.6), (3, 3.2), (4, 6.4), (5, 12.8), (6, 25.6), (7, 30.0), (50, 30.0)])
    func reconnectScheduleDoublesToThirtySeconds(attempt: Int, expected: Double) {
        #expect(abs(Backoff.reconnect.delay(attempt: attempt) - expected) < 1e-9)
    }

    @Test func factorOneIsFixed() {
        let b = Backoff(initial: 3600, factor: 1, maximum: 86400)
        #expect(b.delay(attempt: 1) == 3600)
        #expect(b.delay(attempt: 10) == 3600)
    }

    @Test func initialAboveMaximumIsCapped() {
        #expect(Backoff(initial: 100, factor: 2, maximum: 10).delay(attempt: 1) == 10)
    }
}

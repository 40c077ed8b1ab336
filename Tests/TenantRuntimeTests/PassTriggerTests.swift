import Foundation
import Testing
@testable import TenantRuntime

@Suite struct PassTriggerTests {
    @Test func accountRequestsCoalesceInOrderWithoutDuplicates() async {
        let trigger = PassTrigger()
        for id in ["b", "a", "b", "c", "a"] { await trigger.request(account: id) }
        #expect(await trigger.next(timeout: 5) == .accounts(["b", "a", "c"]))
    }

    @Test func aFullRequestAbsorbsPendingAccounts() async {
        let trigger = PassTrigger()
        await trigger.request(account: "a")
        await trigger.requestFull()
        await trigger.request(account: "b")
        #expect(await trigger.next(timeout: 5) == .full)
        // Nothing left over: the next wait ends with the timeout (a poll), not with "a" or "b".
        let started = Date()
        #expect(await trigger.next(timeout: 0.2) == .full)
        #expect(Date().timeIntervalSince(started) >= 0.15)
    }

    @Test func moreThan200PendingAccountsBecomeOneFullPass() async {
        let trigger = PassTrigger()
        for i in 0..<PassTrigger.accountsBeforeFullPass { await trigger.request(account: "a\(i)") }
        guard case .accounts(let ids) = await trigger.next(timeout: 5) else {
            Issue.record("200 accounts are still passed one by one")
            return
        }
        #expect(ids.count == PassTrigger.accountsBeforeFullPass)
        for i in 0...PassTrigger.accountsBeforeFullPass { await trigger.request(account: "a\(i)") }
        #expect(await trigger.next(timeout: 5) == .full)
    }

    @Test func theTimeoutIsAFullPass() async {
        let trigger = PassTrigger()
        let started = Date()
        #expect(await trigger.next(timeout: 0.1) == .full)
        #expect(Date().timeIntervalSince(started) >= 0.09)
    }

    /// (A wait that timed out would answer `.full`; the timeouts here are long enough never to.)
    @Test func aRequestWakesAWaitingLoop() async {
        let trigger = PassTrigger()
        async let work = trigger.next(timeout: 600)
        try? await Task.sleep(nanoseconds: 50_000_000)
        await trigger.request(account: "x")
        #expect(await work == .accounts(["x"]))
    }

    /// The poll timer of a wait that an account request ended must not fire a full pass
    /// afterwards (it used to: the cancelled sleep still requested one).
    @Test func aWakeUpByAnAccountLeavesNoFullPassBehind() async {
        let trigger = PassTrigger()
        async let first = trigger.next(timeout: 600)
        try? await Task.sleep(nanoseconds: 50_000_000)
        await trigger.request(account: "x")
        #expect(await first == .accounts(["x"]))

        async let second = trigger.next(timeout: 600)
        try? await Task.sleep(nanoseconds: 200_000_000)
        await trigger.request(account: "y")
        #expect(await second == .accounts(["y"]))
    }

    /// A scheduled restart wakes the loop for that account at its time, not for a full pass, and
    /// well before the poll (600 s here).
    @Test func aScheduledAccountIsPassedWhenItsTimeComes() async {
        let trigger = PassTrigger()
        let started = Date()
        await trigger.schedule(account: "later", at: started.addingTimeInterval(0.3))
        #expect(await trigger.next(timeout: 600) == .accounts(["later"]))
        #expect(Date().timeIntervalSince(started) >= 0.29)
        #expect(await trigger.scheduledAccounts.isEmpty)
    }

    /// Scheduled while the loop already waits: it wakes for the earlier time.
    @Test func aScheduleMadeDuringAWaitShortensIt() async {
        let trigger = PassTrigger()
        async let work = trigger.next(timeout: 600)
        try? await Task.sleep(nanoseconds: 50_000_000)
        await trigger.schedule(account: "soon", at: Date().addingTimeInterval(0.2))
        #expect(await work == .accounts(["soon"]))
    }

    @Test func aTimeAlreadyPastIsARequestNowAndALaterTimeReplacesAnEarlierOne() async {
        let trigger = PassTrigger()
        await trigger.schedule(account: "due", at: Date().addingTimeInterval(-1))
        #expect(await trigger.next(timeout: 600) == .accounts(["due"]))
        await trigger.schedule(account: "moved", at: Date().addingTimeInterval(0.1))
        await trigger.schedule(account: "moved", at: Date().addingTimeInterval(3600))
        #expect(await trigger.scheduledAccounts["moved"].map { $0 > Date().addingTimeInterval(3000) } == true)
        #expect(await trigger.next(timeout: 0.3) == .full, "the poll comes first: the earlier time was replaced")
    }
}

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
}

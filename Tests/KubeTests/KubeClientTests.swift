import Common
import Foundation
import Kube
import Testing
import TestSupport

@Suite struct KubeClientTests {
    @Test func getReturnsTheObjectOrNilWhenMissing() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let created = try await client.create(.jobs, namespace: "default", body: Fixtures.job("j1"), as: Job.self)
            let job = try #require(try await client.get(.jobs, namespace: "default", name: "j1", as: Job.self))
            #expect(job.metadata.uid == created.metadata.uid)
            #expect(job.metadata.creationTimestamp != nil)
            #expect(try await client.get(.jobs, namespace: "default", name: "nope", as: Job.self) == nil)
        }
    }

    @Test func rawManifestCanBeReadWhole() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("raw", labels: ["a": "b"]), as: JSONValue.self)
            let raw = try #require(try await client.get(.jobs, namespace: "default", name: "raw", as: JSONValue.self))
            #expect(raw["spec"]?["backoffLimit"] == .integer(0))
            #expect(raw["spec"]?["selector"] != nil)
        }
    }

    @Test func listFiltersByLabelAndFieldSelector() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            for (name, tier) in [("a1", "x"), ("a2", "x"), ("a3", "y")] {
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job(name, labels: ["tier": tier, "app": "t"]), as: Job.self)
            }
            let x = try await client.list(.jobs, namespace: "default", labelSelector: "app=t,tier in (x)", as: JobSummary.self)
            #expect(Set(x.items.map(\.name)) == ["a1", "a2"])
            let notX = try await client.list(.jobs, namespace: "default", labelSelector: "tier!=x", as: JobSummary.self)
            #expect(notX.items.map(\.name) == ["a3"])
            let byName = try await client.list(.jobs, namespace: "default", fieldSelector: "metadata.name=a2", as: JobSummary.self)
            #expect(byName.items.map(\.name) == ["a2"])
            #expect(byName.metadata.resourceVersion?.isEmpty == false)
        }
    }

    @Test func listPaginatesWithLimitAndContinue() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            for i in 0..<7 {
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("p\(i)", labels: ["page": "yes"]), as: Job.self)
            }
            let first = try await client.list(.jobs, namespace: "default", labelSelector: "page=yes", limit: 3, as: JobSummary.self)
            #expect(first.items.count == 3)
            #expect(first.metadata.continue?.isEmpty == false)
            try await emulator.resetRequests()
            let all = try await client.listAll(.jobs, namespace: "default", labelSelector: "page=yes", pageSize: 3, as: JobSummary.self)
            #expect(Set(all.items.map(\.name)) == Set((0..<7).map { "p\($0)" }))
            #expect(all.items.count == 7)
            #expect(try await emulator.requests().count("list", "jobs") == 3)
        }
    }

    @Test func createConflictIsAlreadyExists() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("dup"), as: Job.self)
            await #expect {
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("dup"), as: Job.self)
            } throws: { error in
                (error as? KubeError)?.isAlreadyExists == true
            }
        }
    }

    @Test func invalidCreateIsTerminal422WithReason() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            try await emulator.resetRequests()
            do throws(KubeError) {
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("Not_A_DNS_Name"), as: Job.self)
                Issue.record("expected 422")
            } catch {
                #expect(error.statusCode == 422)
                #expect(error.reason == "Invalid")
                #expect(error.isInvalid)
                #expect(error.description.contains("Not_A_DNS_Name"))
            }
            #expect(try await emulator.requests().count("create", "jobs") == 1)
            #expect(client.metrics.snapshot()[.init(verb: .create, code: 422)] == 1)
        }
    }

    @Test func unknownFieldWarningIsLogged() async throws {
        try await KubeEmulator.with { emulator in
            let sink = LogSink.memory()
            let client = try Fixtures.client(emulator, sink: sink)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("warn", extraSpec: ["bogusField": 1]), as: Job.self)
            let warnings = sink.lines.filter { $0.contains("Kubernetes API server warning") }
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains("bogusField") == true)
        }
    }

    @Test func deleteWithEachPropagationPolicy() async throws {
        try await KubeEmulator.with(arguments: ["--foreground-delay", "0.1"]) { emulator in
            let client = try Fixtures.client(emulator)
            for policy in PropagationPolicy.allCases {
                let name = "del-\(policy.rawValue.lowercased())"
                _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job(name), as: Job.self)
                #expect(try await client.delete(.jobs, namespace: "default", name: name, propagation: policy))
                #expect(try await client.waitUntilGone(.jobs, namespace: "default", name: name, timeout: 10))
            }
            #expect(try await client.delete(.jobs, namespace: "default", name: "never-existed", propagation: .foreground) == false)
            let logged = try await emulator.requests().log.filter { $0.method == "DELETE" && $0.code == 200 }
            #expect(logged.compactMap(\.propagationPolicy) == ["Foreground", "Background", "Orphan"])
        }
    }

    @Test func foregroundDeleteLingersWithDeletionTimestamp() async throws {
        try await KubeEmulator.with(arguments: ["--foreground-delay", "1"]) { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("fg"), as: Job.self)
            #expect(try await poll(timeout: 10) { try await client.list(.pods, namespace: "default", as: Pod.self).items.count == 1 })
            try await client.delete(.jobs, namespace: "default", name: "fg", propagation: .foreground)
            let lingering = try await client.get(.jobs, namespace: "default", name: "fg", as: Job.self)
            #expect(lingering?.metadata.deletionTimestamp != nil)
            #expect(lingering?.metadata.finalizers?.contains("foregroundDeletion") == true)
            #expect(try await client.waitUntilGone(.jobs, namespace: "default", name: "fg", timeout: 10))
        }
    }

    @Test func updateWithStaleResourceVersionIsConflict() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let lease = Lease(metadata: ObjectMeta(name: "leader"), spec: LeaseSpec(holderIdentity: "a", leaseDurationSeconds: 15, renewTime: MicroTime(Date())))
            let created = try await client.create(.leases, namespace: "default", object: lease, as: Lease.self)
            var first = created
            first.spec?.holderIdentity = "b"
            let updated = try await client.update(.leases, namespace: "default", name: "leader", object: first, as: Lease.self)
            #expect(updated.spec?.holderIdentity == "b")
            #expect(updated.metadata.resourceVersion != created.metadata.resourceVersion)
            var stale = created
            stale.spec?.holderIdentity = "c"
            await #expect {
                _ = try await client.update(.leases, namespace: "default", name: "leader", object: stale, as: Lease.self)
            } throws: { error in
                (error as? KubeError)?.isConflict == true
            }
        }
    }

    @Test func mergePatchChangesOnlyTheGivenFields() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("mp", labels: ["keep": "1", "drop": "2"]), as: Job.self)
            let patched = try await client.mergePatch(.jobs, namespace: "default", name: "mp",
                                                      patch: ["metadata": ["labels": ["drop": nil, "new": "3"]]], as: Job.self)
            #expect(patched.metadata.labels == ["keep": "1", "new": "3"])
        }
    }

    @Test func podLogHonoursTailLinesContainerAndByteLimit() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            let outcome: JSONValue = ["result": "run", "containers": [
                "main": ["logs": ["m1", "m2", "m3", "m4"]],
                "side": ["logs": ["s1", "s2"]],
            ]]
            var job = Fixtures.job("logs")
            job["spec"]?["template"]?["spec"]?["containers"] = [["name": "main", "image": "busybox"], ["name": "side", "image": "busybox"]]
            try await emulator.scriptOutcome(job: "logs", outcome: outcome)
            _ = try await client.create(.jobs, namespace: "default", body: job, as: Job.self)
            var podName = ""
            #expect(try await poll(timeout: 10) {
                podName = try await client.list(.pods, namespace: "default", labelSelector: "job-name=logs", as: Pod.self).items.first?.metadata.name ?? ""
                return !podName.isEmpty
            })
            let tail = try await client.podLog(namespace: "default", name: podName, container: "main", tailLines: 2)
            #expect(tail.split(separator: "\n") == ["m3", "m4"])
            let side = try await client.podLog(namespace: "default", name: podName, container: "side")
            #expect(side.split(separator: "\n") == ["s1", "s2"])
            let capped = try await client.podLog(namespace: "default", name: podName, container: "main", limitBytes: 4)
            #expect(capped.utf8.count == 4)
        }
    }

    @Test func serverErrorsAreRetried() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            try await emulator.injectFault(pathPrefix: "/apis/batch/v1", method: "GET", count: 2, status: 500)
            let list = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            #expect(list.items.isEmpty)
            let counts = client.metrics.snapshot()
            #expect(counts[.init(verb: .list, code: 500)] == 2)
            #expect(counts[.init(verb: .list, code: 200)] == 1)
        }
    }

    @Test func retriesStopAfterMaxAttempts() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            try await emulator.injectFault(pathPrefix: "/apis/batch/v1", method: "GET", count: 10, status: 503)
            do throws(KubeError) {
                _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
                Issue.record("expected 503")
            } catch {
                #expect(error.statusCode == 503)
            }
            #expect(client.metrics.snapshot()[.init(verb: .list, code: 503)] == 4)
        }
    }

    @Test func droppedConnectionIsRetried() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            try await emulator.injectFault(pathPrefix: "/apis/batch/v1", method: "GET", count: 1, drop: true)
            _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            #expect(client.metrics.snapshot()[.init(verb: .list, code: 0)] == 1)
            #expect(client.metrics.snapshot()[.init(verb: .list, code: 200)] == 1)
        }
    }

    @Test func tooManyRequestsWaitsRetryAfter() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            try await emulator.injectFault(pathPrefix: "/apis/batch/v1", method: "GET", count: 1, status: 429, retryAfter: 1)
            let started = Date()
            _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            let elapsed = Date().timeIntervalSince(started)
            #expect(elapsed >= 0.95)
            // The retry came after Retry-After, measured where it matters: between the two requests
            // the server saw (the client's own wall clock also counts connection set-up, 3.6 s once
            // on a busy CI machine). The upper bound only catches a grossly wrong wait (minutes for
            // seconds, a backoff that ignores the header).
            let log = try await emulator.requests().log.filter { $0.resource == "jobs" }
            #expect(log.map(\.code) == [429, 200])
            if log.count == 2 { #expect(log[1].t - log[0].t >= 0.95 && log[1].t - log[0].t < 10) }
        }
    }

    @Test func rateLimitSpacesRequests() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator, rateLimit: .init(qps: 5, burst: 1))
            try await emulator.resetRequests()
            for _ in 0..<6 { _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self) }
            let times = try await emulator.requests().log.filter { $0.resource == "jobs" }.map(\.t)
            #expect(times.count == 6)
            // QPS 5 with burst 1: the first request is free, each of the other five waits 0.2 s.
            // The span is measured, not each gap: the server's clock reading jitters under load.
            if let first = times.first, let last = times.last {
                #expect(last - first >= 0.9, "6 requests took \(last - first) s; QPS 5 means at least 1 s")
            }
        }
    }

    @Test func clientCertificateKubeconfigAuthenticates() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator, kubeconfig: emulator.clientCertificateKubeconfigPath)
            #expect(client.config.clientCertificate != nil)
            #expect(client.config.token == nil)
            let ns = try await client.get(.namespaces, namespace: nil, name: "default", as: JSONValue.self)
            #expect(ns?["metadata"]?["name"] == "default")
        }
    }

    @Test func clientCertificateAndKeyAsDataAuthenticate() async throws {
        try await KubeEmulator.with { emulator in
            _ = Fixtures.curlReady
            let fromFiles = try KubeconfigFile.load(path: emulator.clientCertificateKubeconfigPath)
            guard case .file(let certPath)? = fromFiles.clientCertificate, case .file(let keyPath)? = fromFiles.clientKey else {
                Issue.record("the emulator's kubeconfig-cert should name certificate files")
                return
            }
            var config = fromFiles
            config.clientCertificate = .data(try Data(contentsOf: URL(fileURLWithPath: certPath)))
            config.clientKey = .data(try Data(contentsOf: URL(fileURLWithPath: keyPath)))
            let client = KubeClient(config: config, retryPolicy: .none, logger: .disabled)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("by-cert"), as: Job.self)
            #expect(try await emulator.requests().log.contains { $0.method == "POST" && $0.code == 201 && $0.user == "admin" })
        }
    }

    @Test func pemDataInKubeconfigWorksLikeFiles() async throws {
        try await KubeEmulator.with { emulator in
            _ = Fixtures.curlReady
            let ca = try Data(contentsOf: URL(fileURLWithPath: emulator.caPath))
            let config = KubeConfig(server: emulator.server, token: .literal(emulator.token), certificateAuthority: .data(ca), source: "test")
            let client = KubeClient(config: config, logger: .disabled)
            #expect(try await client.get(.namespaces, namespace: nil, name: "default", as: JSONValue.self) != nil)
        }
    }

    @Test func wrongCertificateAuthorityIsATransportError() async throws {
        try await KubeEmulator.with { emulator in
            _ = Fixtures.curlReady
            let config = KubeConfig(server: emulator.server, token: .literal(emulator.token), source: "test")
            let client = KubeClient(config: config, retryPolicy: .none, logger: .disabled)
            do throws(KubeError) {
                _ = try await client.get(.namespaces, namespace: nil, name: "default", as: JSONValue.self)
                Issue.record("expected a TLS failure")
            } catch {
                guard case .transport = error else { Issue.record("expected .transport, got \(error)"); return }
                #expect(!error.description.contains(emulator.token))
            }
        }
    }

    @Test func unknownTokenIsUnauthorized() async throws {
        try await KubeEmulator.with { emulator in
            _ = Fixtures.curlReady
            let config = KubeConfig(server: emulator.server, token: .literal("not-a-token"), certificateAuthority: .file(emulator.caPath), source: "test")
            let client = KubeClient(config: config, logger: .disabled)
            do throws(KubeError) {
                _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
                Issue.record("expected 401")
            } catch {
                #expect(error.statusCode == 401)
            }
        }
    }

    @Test func rotatedTokenFileIsUsedForTheNextRequest() async throws {
        try await KubeEmulator.with { emulator in
            _ = Fixtures.curlReady
            try await emulator.addToken("reader-token", user: "system:serviceaccount:default:reader",
                                        rules: [["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list"]]])
            let dir = try TempDirectory()
            try dir.write("token", "reader-token")
            let config = KubeConfig(server: emulator.server, token: .file(dir.path + "/token"), certificateAuthority: .file(emulator.caPath), source: "test")
            let client = KubeClient(config: config, retryPolicy: .none, logger: .disabled)
            _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
            let next = try dir.write("token.next", "revoked-token")
            try FileManager.default.removeItem(atPath: dir.path + "/token")
            try FileManager.default.moveItem(atPath: next, toPath: dir.path + "/token")
            do throws(KubeError) {
                _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self)
                Issue.record("expected 401 with the rotated token")
            } catch {
                #expect(error.statusCode == 401)
            }
        }
    }

    @Test func forbiddenIsTerminalWithTheServerMessage() async throws {
        try await KubeEmulator.with { emulator in
            _ = Fixtures.curlReady
            try await emulator.addToken("ro", user: "system:serviceaccount:default:ro",
                                        rules: [["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list"]]])
            let config = KubeConfig(server: emulator.server, token: .literal("ro"), certificateAuthority: .file(emulator.caPath), source: "test")
            let client = KubeClient(config: config, logger: .disabled)
            do throws(KubeError) {
                try await client.delete(.jobs, namespace: "default", name: "x", propagation: .foreground)
                Issue.record("expected 403")
            } catch {
                #expect(error.isForbidden)
                #expect(error.description.contains("cannot delete resource \"jobs\""))
            }
            #expect(client.metrics.snapshot()[.init(verb: .delete, code: 403)] == 1)
        }
    }

    @Test func connectionsAreReused() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            for _ in 0..<30 { _ = try await client.list(.jobs, namespace: "default", as: JobSummary.self) }
            #expect(client.transport.connectionsOpened == 1)
        }
    }

    /// The multi loop drives many transfers at once from one thread: 60 requests in flight
    /// together all get their answer, over at most the loop's 32 connections.
    @Test func concurrentRequestsShareTheLoopsConnections() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            _ = try await client.create(.jobs, namespace: "default", body: Fixtures.job("shared"), as: Job.self)
            let found = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<60 {
                    group.addTask { try await client.get(.jobs, namespace: "default", name: "shared", as: Job.self) != nil }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(found == 60)
            #expect((1...32).contains(client.transport.connectionsOpened))
        }
    }

    /// Cancelling the task that waits for an answer aborts the transfer at once, not when the
    /// server finally answers (here after 5 s), and later requests still work.
    @Test func cancellingARequestAbortsItsTransfer() async throws {
        try await KubeEmulator.with { emulator in
            let client = try Fixtures.client(emulator)
            try await emulator.injectFault(pathPrefix: "/apis/batch/v1/namespaces/default/jobs", method: "GET", count: 1, latencyMs: 5000)
            let started = ContinuousClock.now
            let slow = Task { try await client.list(.jobs, namespace: "default", as: JobSummary.self) }
            try await Task.sleep(for: .milliseconds(300))
            slow.cancel()
            let result = await slow.result
            let waited = ContinuousClock.now - started
            #expect(throws: KubeError.self) { try result.get() }
            if case .failure(let error as KubeError) = result, case .cancelled = error {} else {
                Issue.record("expected KubeError.cancelled, got \(result)")
            }
            #expect(waited < .seconds(3), "the cancelled request returned after \(waited)")
            #expect(try await client.list(.jobs, namespace: "default", as: JobSummary.self).items.isEmpty)
        }
    }
}

import Common
import Foundation
import Kube
import Testing

@Suite struct KubeRequestTests {
    @Test func getPathsForEachResource() {
        #expect(KubeRequest.get(.jobs, namespace: "ns1", name: "j1").path == "/apis/batch/v1/namespaces/ns1/jobs/j1")
        #expect(KubeRequest.get(.pods, namespace: "default", name: "p").path == "/api/v1/namespaces/default/pods/p")
        #expect(KubeRequest.get(.events, namespace: "x", name: "e").path == "/api/v1/namespaces/x/events/e")
        #expect(KubeRequest.get(.leases, namespace: "x", name: "l").path == "/apis/coordination.k8s.io/v1/namespaces/x/leases/l")
        #expect(KubeRequest.get(.namespaces, namespace: "ignored", name: "default").path == "/api/v1/namespaces/default")
        #expect(KubeRequest.get(.jobs, namespace: "ns", name: "j", subresource: "status").path == "/apis/batch/v1/namespaces/ns/jobs/j/status")
        #expect(KubeRequest.get(.jobs, namespace: "ns", name: "j").method == "GET")
        #expect(KubeRequest.get(.jobs, namespace: "ns", name: "j").verb == .get)
    }

    @Test func listWithoutNamespaceSpansAllNamespaces() {
        #expect(KubeRequest.list(.jobs, namespace: nil).path == "/apis/batch/v1/jobs")
        #expect(KubeRequest.list(.pods, namespace: nil).path == "/api/v1/pods")
    }

    @Test func listQueryEscapesSelectorsAndPaginates() {
        let r = KubeRequest.list(.jobs, namespace: "default",
                                 labelSelector: "app.kubernetes.io/managed-by=tenant-provisioner,tier in (a,b),!legacy",
                                 fieldSelector: "metadata.name=x", limit: 500, continue: "abc/+=")
        #expect(r.queryString == "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dtenant-provisioner%2Ctier%20in%20%28a%2Cb%29%2C%21legacy"
            + "&fieldSelector=metadata.name%3Dx&limit=500&continue=abc%2F%2B%3D")
        #expect(r.target.hasPrefix("/apis/batch/v1/namespaces/default/jobs?labelSelector="))
        #expect(r.verb == .list)
    }

    @Test func listLeavesOutEmptySelectors() {
        let r = KubeRequest.list(.jobs, namespace: "default", labelSelector: "", fieldSelector: nil)
        #expect(r.query.isEmpty)
        #expect(r.target == "/apis/batch/v1/namespaces/default/jobs")
    }

    @Test func watchQueryCarriesVersionBookmarksAndTimeout() {
        let r = KubeRequest.watch(.jobs, namespace: "default", labelSelector: "a=b", resourceVersion: "42", allowBookmarks: true, timeoutSeconds: 300)
        #expect(r.queryString == "watch=true&labelSelector=a%3Db&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=300")
        #expect(r.verb == .watch)
        let plain = KubeRequest.watch(.pods, namespace: "default", resourceVersion: nil, allowBookmarks: false)
        #expect(plain.queryString == "watch=true")
    }

    @Test func createPostsTheManifestAsJSON() throws {
        let body: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "j"], "spec": ["backoffLimit": 0]]
        let r = KubeRequest.create(.jobs, namespace: "default", body: body)
        #expect(r.method == "POST")
        #expect(r.path == "/apis/batch/v1/namespaces/default/jobs")
        #expect(r.headers["Content-Type"] == "application/json")
        #expect(r.headers["Accept"] == "application/json")
        #expect(try JSONValue.parse(r.body!) == body)
        #expect(String(decoding: r.body!, as: UTF8.self).contains("\"backoffLimit\":0"))
    }

    @Test func updatePutsToTheObjectPath() {
        let r = KubeRequest.update(.leases, namespace: "ns", name: "l", body: ["metadata": ["resourceVersion": "7"]])
        #expect(r.method == "PUT")
        #expect(r.verb == .update)
        #expect(r.path == "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l")
        #expect(r.headers["Content-Type"] == "application/json")
    }

    @Test func mergePatchUsesTheMergePatchContentType() throws {
        let r = KubeRequest.mergePatch(.jobs, namespace: "ns", name: "j", patch: ["metadata": ["labels": ["a": nil]]])
        #expect(r.method == "PATCH")
        #expect(r.verb == .patch)
        #expect(r.headers["Content-Type"] == "application/merge-patch+json")
        #expect(String(decoding: r.body!, as: UTF8.self) == #"{"metadata":{"labels":{"a":null}}}"#)
    }

    @Test func deleteSendsPropagationPolicyAndPreconditions() throws {
        let r = KubeRequest.delete(.jobs, namespace: "ns", name: "j", propagation: .foreground, preconditionUID: "u-1")
        #expect(r.method == "DELETE")
        #expect(r.path == "/apis/batch/v1/namespaces/ns/jobs/j")
        #expect(try JSONValue.parse(r.body!) == ["apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Foreground", "preconditions": ["uid": "u-1"]])
        let plain = KubeRequest.delete(.jobs, namespace: "ns", name: "j", propagation: nil)
        #expect(try JSONValue.parse(plain.body!) == ["apiVersion": "v1", "kind": "DeleteOptions"])
    }

    @Test func podLogAsksForTextWithTailContainerAndLimit() {
        let r = KubeRequest.podLog(namespace: "ns", name: "p-1", container: "main", tailLines: 50, limitBytes: 65536)
        #expect(r.path == "/api/v1/namespaces/ns/pods/p-1/log")
        #expect(r.queryString == "container=main&tailLines=50&limitBytes=65536")
        #expect(r.headers["Accept"] == "text/plain")
        #expect(r.verb == .get)
    }

    @Test func podLogOfThePreviousInstance() {
        let r = KubeRequest.podLog(namespace: "ns", name: "p-1", container: "main", tailLines: 5, previous: true)
        #expect(r.queryString == "container=main&previous=true&tailLines=5")
    }

    @Test func pathSegmentsAreEscaped() {
        #expect(KubeRequest.get(.jobs, namespace: "a/b", name: "x?y").path == "/apis/batch/v1/namespaces/a%2Fb/jobs/x%3Fy")
    }

    @Test func encodableCreateBodyWritesMicroTimeWithSixDigits() throws {
        let lease = Lease(metadata: ObjectMeta(name: "l"), spec: LeaseSpec(holderIdentity: "pod-a", leaseDurationSeconds: 15,
                                                                           renewTime: MicroTime(Date(timeIntervalSince1970: 1_700_000_000.5))))
        let r = try KubeRequest.create(.leases, namespace: "ns", object: lease)
        let text = String(decoding: r.body!, as: UTF8.self)
        #expect(text.contains(#""renewTime":"2023-11-14T22:13:20.500000Z""#))
        #expect(text.contains(#""apiVersion":"coordination.k8s.io/v1""#))
        #expect(!text.contains("acquireTime"))
    }
}

import Common
import Foundation
import TestSupport

/// The provisioner's and the restarter's identities on a test emulator: a token each, holding
/// exactly the rules of the Role that deploy/ renders for it (the install for the provisioner,
/// overlays/restarter for the restarter), scoped to the tests' namespace as a RoleBinding
/// would. So every end-to-end test also proves the installed RBAC sufficient.
struct ServiceAccounts {
    let provisioner: String
    let restarter: String

    static let provisionerUser = "system:serviceaccount:default:tenant-provisioner"
    static let restarterUser = "system:serviceaccount:default:tenant-restarter"

    /// The provisioner's Role as `install` (deploy/ or an overlay of one workload kind) renders it.
    static func provisionerRole(_ install: String = DeployManifests.install) async throws -> JSONValue {
        try await DeployManifests.rendered(install).object(kind: "Role", name: "tenant-provisioner")
    }

    static func restarterRole() async throws -> JSONValue {
        try await DeployManifests.rendered(DeployManifests.restarter).object(kind: "Role", name: "tenant-restarter")
    }

    static func register(on emulator: KubeEmulator, install: String = DeployManifests.install) async throws -> ServiceAccounts {
        try await emulator.addToken("provisioner-sa-token", user: provisionerUser, role: try await provisionerRole(install))
        try await emulator.addToken("restarter-sa-token", user: restarterUser, role: try await restarterRole())
        return ServiceAccounts(provisioner: try emulator.writeKubeconfig(token: "provisioner-sa-token", name: "provisioner"),
                               restarter: try emulator.writeKubeconfig(token: "restarter-sa-token", name: "restarter"))
    }
}

import Common
import FoundationEssentials

/// One row of `audit_log`: an action the operator took (or decided not to take) on the cluster.
public struct AuditEntry: Sendable, Equatable {
    public var action: String
    public var accountID: String?
    public var namespace: String?
    public var jobName: String?
    public var jobUID: String?
    public var reason: String?
    public var details: JSONValue

    public init(action: String, accountID: String?, namespace: String?, jobName: String?, jobUID: String?, reason: String?, details: JSONValue = [:]) {
        self.action = action
        self.accountID = accountID
        self.namespace = namespace
        self.jobName = jobName
        self.jobUID = jobUID
        self.reason = reason
        self.details = details
    }
}

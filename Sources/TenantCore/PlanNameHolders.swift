import Common
import FoundationEssentials

extension Plan {
    /// The plan with every create whose Job name is held by a Job this instance does not manage
    /// turned into the conflict report the planner would have made had it seen that Job.
    /// The running provisioner only sees its own (label-selected) Jobs and learns of such a
    /// holder from the 409 of its create; a one-shot `provisioner plan` lists every Job once
    /// instead and passes the unmanaged ones here.
    public func reportingNameHolders(_ jobs: [ObservedJob], instance: String) -> Plan {
        let holders = Dictionary(jobs.filter { !$0.isManaged(instance: instance) }.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard !holders.isEmpty else { return self }
        return Plan(actions: actions.map { action in
            guard case .create(let order, _, _) = action, let holder = holders[order.name] else { return action }
            return .reportConflict(accountID: order.accountID, jobName: order.name,
                                   message: PlanBuilder.unmanagedConflict(holder, instance: instance))
        })
    }
}

import ArgumentParser
import Common
import Foundation
import Postgres
import TenantAdmin

struct ListAccounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List accounts in id order.")

    @Flag(help: "Only active accounts.") var active = false
    @Flag(help: "Only inactive accounts.") var inactive = false
    @Option(help: "At most this many (default: all).") var limit: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if active && inactive { throw ValidationError("--active and --inactive exclude each other") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let filter: Bool? = active ? true : (inactive ? false : nil)
        let wanted = limit
        let accounts = try await CLIDatabase.run { db in
            var all: [JSONValue] = []
            var cursor: PageCursor?
            repeat {
                let size = min(PageRequest.maxLimit, wanted.map { $0 - all.count } ?? PageRequest.maxLimit)
                let page = try await AdminStore.listAccounts(db, active: filter, page: PageRequest(limit: size, cursor: cursor))
                all += page.items
                cursor = page.nextCursor
            } while cursor != nil && (wanted.map { all.count < $0 } ?? true)
            return all
        }
        if output.json { return printJSON(.array(accounts)) }
        print(TextTable.render(["ACCOUNT", "ACTIVE", "DISPLAY NAME", "GENERATION", "UPDATED"], accounts.map { a in
            [TextTable.cell(a["account_id"]), TextTable.cell(a["is_active"]), TextTable.cell(a["display_name"]),
             TextTable.cell(a["generation"]), TextTable.cell(a["updated_at"])]
        }))
    }
}

struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add an account (its Job follows within a second).")

    @Argument(help: "The account id: any text of 1 to 253 characters.") var id: String
    @Option(help: "A display name.") var displayName: String?
    @Flag(help: "Add it inactive (no Job until activated).") var inactive = false
    @Option(name: .customLong("env"), help: "An environment variable of the account's Job, KEY=VALUE (repeatable).")
    var env: [String] = []
    @Option(help: "The whole config object as JSON (env entries of --env are added to it).") var config: String?
    @OptionGroup var actor: ActorOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var configValue: JSONValue = .object([:])
        if let config {
            guard let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(config.utf8)) else {
                throw CLIFailure(message: "--config is not JSON: \(config)", code: .usage)
            }
            configValue = parsed
        }
        if !env.isEmpty {
            var variables = configValue["env"]?.objectValue ?? [:]
            for pair in env {
                guard let eq = pair.firstIndex(of: "=") else {
                    throw CLIFailure(message: "--env \(pair): expected KEY=VALUE", code: .usage)
                }
                variables[String(pair[..<eq])] = .string(String(pair[pair.index(after: eq)...]))
            }
            configValue["env"] = .object(variables)
        }
        var body: [String: JSONValue] = ["account_id": .string(id), "is_active": .bool(!inactive), "config": configValue]
        if let displayName { body["display_name"] = .string(displayName) }
        let new: NewAccount
        switch AccountRules.newAccount(from: .object(body)) {
        case .success(let value): new = value
        case .failure(let errors): throw CLIFailure(message: "invalid account: \(errors.description)", code: .usage)
        }
        let actorName = actor.name
        let created = try await CLIDatabase.run { db in try await AdminStore.create(db, new, actor: actorName) }
        if output.json { return printJSON(created) }
        print("added \(TextTable.cell(created["account_id"])) (generation \(TextTable.cell(created["generation"])), \(new.isActive ? "active" : "inactive"))")
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show an account and what the provisioner last wrote about it.")

    @Argument(help: "The account id.") var id: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let id = self.id
        let (account, status) = try await CLIDatabase.run { db in
            (try await AdminStore.account(db, id: id), try await AdminStore.status(db, id: id))
        }
        if output.json { return printJSON(["account": account, "status": status]) }
        let lines: [(String, JSONValue?)] = [
            ("account", account["account_id"]), ("display name", account["display_name"]), ("active", account["is_active"]),
            ("generation", account["generation"]), ("config", account["config"]), ("created", account["created_at"]),
            ("updated", account["updated_at"]), ("last sync", account["last_sync_at"]),
            ("phase", status["phase"]), ("job", status["job_name"]), ("observed generation", status["observed_generation"]),
            ("last success", status["last_success_at"]), ("last failure", status["last_failure_at"]),
            ("failures in a row", status["consecutive_failures"]), ("next restart", status["next_restart_at"]),
            ("message", status["message"]),
        ]
        print(TextTable.render(["FIELD", "VALUE"], lines.map { [$0.0, TextTable.cell($0.1)] }))
    }
}

struct Activate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Activate an account (its Job is created).")

    @Argument(help: "The account id.") var id: String
    @OptionGroup var actor: ActorOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await setActive(id: id, true, actor: actor.name, json: output.json)
    }
}

struct Deactivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deactivate an account (its Job is deleted), or all of them.")

    @Argument(help: "The account id.") var id: String?
    @Flag(help: "Deactivate every active account (needs --confirm).") var all = false
    @Flag(help: "Confirm --all.") var confirm = false
    @OptionGroup var actor: ActorOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if all == (id != nil) { throw ValidationError("name one account id, or --all") }
        if confirm && !all { throw ValidationError("--confirm only goes with --all") }
    }

    func run() async throws {
        let actorName = actor.name
        guard all else { return try await setActive(id: id!, false, actor: actorName, json: output.json) }
        guard confirm else {
            let count = try await CLIDatabase.run { db in
                try await AdminStore.listAccounts(db, active: true, page: PageRequest(limit: PageRequest.maxLimit)).items.count
            }
            throw CLIFailure(message: "--all deactivates every active account (\(count)\(count == PageRequest.maxLimit ? " or more" : "")) and the "
                                 + "provisioner deletes their Jobs (at most MAX_DELETES_PER_PASS per interval); add --confirm to do it", code: .usage)
        }
        let ids = try await CLIDatabase.run { db in try await AdminStore.deactivateAll(db, actor: actorName) }
        if output.json { return printJSON(["deactivated": .array(ids.map { .string($0) })]) }
        print("deactivated \(ids.count) account\(ids.count == 1 ? "" : "s")")
    }
}

private func setActive(id: String, _ active: Bool, actor: String, json: Bool) async throws {
    let updated = try await CLIDatabase.run { db in
        try await AdminStore.update(db, id: id, AccountChanges(isActive: active), expectedGeneration: nil, actor: actor)
    }
    if json { return printJSON(updated) }
    print("\(active ? "activated" : "deactivated") \(TextTable.cell(updated["account_id"])) (generation \(TextTable.cell(updated["generation"])))")
}

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete an account (its Job is deleted; its history stays).")

    @Argument(help: "The account id.") var id: String
    @OptionGroup var actor: ActorOptions

    func run() async throws {
        let id = self.id
        let actorName = actor.name
        try await CLIDatabase.run { db in try await AdminStore.delete(db, id: id, expectedGeneration: nil, actor: actorName) }
        print("deleted \(id)")
    }
}

struct Failures: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "An account's failed containers, newest first.")

    @Argument(help: "The account id.") var id: String
    @Option(help: "At most this many (1 to 500).") var limit = 20
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if !(1...PageRequest.maxLimit).contains(limit) { throw ValidationError("--limit must be from 1 to \(PageRequest.maxLimit)") }
    }

    func run() async throws {
        let id = self.id
        let limit = self.limit
        let page = try await CLIDatabase.run { db in try await AdminStore.failures(db, accountID: id, page: PageRequest(limit: limit)) }
        if output.json { return printJSON(.array(page.items)) }
        print(TextTable.render(["FAILED AT", "JOB", "POD", "CONTAINER", "EXIT", "REASON", "ATTEMPT", "RESTARTED"], page.items.map { f in
            [TextTable.cell(f["failed_at"]), TextTable.cell(f["job_name"]), TextTable.cell(f["pod_name"]), TextTable.cell(f["container_name"]),
             TextTable.cell(f["exit_code"]), TextTable.cell(f["reason"]), TextTable.cell(f["attempt"]), TextTable.cell(f["restarted_at"])]
        }))
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The audit log, newest first.")

    @Option(name: .customLong("account"), help: "Only this account's rows.") var account: String?
    @Option(help: "Only this action (create, delete, restart, account.create, …).") var action: String?
    @Option(help: "At most this many (1 to 500).") var limit = 20
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if !(1...PageRequest.maxLimit).contains(limit) { throw ValidationError("--limit must be from 1 to \(PageRequest.maxLimit)") }
    }

    func run() async throws {
        let (account, action, limit) = (self.account, self.action, self.limit)
        let page = try await CLIDatabase.run { db in
            try await AdminStore.audit(db, accountID: account, action: action, page: PageRequest(limit: limit))
        }
        if output.json { return printJSON(.array(page.items)) }
        print(TextTable.render(["AT", "ACTOR", "ACTION", "ACCOUNT", "JOB", "REASON"], page.items.map { e in
            [TextTable.cell(e["at"]), TextTable.cell(e["actor"]), TextTable.cell(e["action"]), TextTable.cell(e["account_id"]),
             TextTable.cell(e["job_name"]), TextTable.cell(e["reason"])]
        }))
    }
}

import Testing
@testable import Common

@Suite struct EnvironmentTests {
    @Test func defaultsApplyWhenUnsetOrEmpty() throws {
        let env = Environment(["POLL_INTERVAL": ""])
        #expect(try env.integer("POLL_INTERVAL", default: 30, range: 1...86400) == 30)
        #expect(try env.boolean("DRY_RUN", default: false) == false)
    }

    @Test func badIntegerNamesVariableValueAndRange() {
        let env = Environment(["POLL_INTERVAL": "soon"])
        #expect(throws: ConfigError(name: "POLL_INTERVAL", value: "soon", problem: "expected a whole number from 1 to 86400")) {
            try env.integer("POLL_INTERVAL", default: 30, range: 1...86400)
        }
    }

    @Test func outOfRangeIsRejected() {
        let env = Environment(["KUBE_QPS": "0"])
        #expect(throws: ConfigError.self) { try env.number("KUBE_QPS", default: 20, range: 0.1...10000) }
    }

    @Test func booleanAndChoice() throws {
        let env = Environment(["DRY_RUN": "TRUE", "LOG_LEVEL": "Warning", "LOG_FORMAT": "xml"])
        #expect(try env.boolean("DRY_RUN", default: false))
        #expect(try env.choice("LOG_LEVEL", default: LogLevel.info) == .warning)
        let error = #expect(throws: ConfigError.self) { try env.choice("LOG_FORMAT", default: LogFormat.text) }
        #expect(error?.description == "LOG_FORMAT=\"xml\" is invalid: expected one of text, json")
    }
}

import Common
import Postgres
import Testing

@Suite struct PostgresConfigTests {
    @Test func malformedURIIsAConfigErrorNamingDatabaseURLWithoutThePassword() {
        #expect {
            _ = try PostgresConfig(connectionString: "postgresql://app:s3cret-pw@db:5432/app?sslmod=require")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.name == "DATABASE_URL" && !error.description.contains("s3cret-pw")
                && error.value == "postgresql://app:***@db:5432/app?sslmod=require"
        }
    }

    @Test func malformedPercentEncodingInThePasswordIsNotEchoed() {
        #expect {
            _ = try PostgresConfig(connectionString: "postgresql://app:pw%zzsecret@db/app")
        } throws: { error in
            let text = (error as? ConfigError)?.description ?? ""
            return text.contains("DATABASE_URL") && !text.contains("pw%zzsecret") && !text.contains("zzsecret")
        }
    }

    @Test func malformedKeyValueStringHidesTheQuotedPassword() {
        #expect {
            _ = try PostgresConfig(connectionString: "host=db password='my secret' dbname")
        } throws: { error in
            let text = (error as? ConfigError)?.description ?? ""
            return text.contains("DATABASE_URL") && text.contains("password=***") && !text.contains("my secret")
        }
    }

    @Test func descriptionOfAValidConfigShowsTargetButNotPassword() throws {
        let config = try PostgresConfig(connectionString: "postgresql://app:hunter22@db.example:6543/tenants")
        #expect(config.description == "app@db.example:6543/tenants")
        #expect(config.redactedConnectionString == "postgresql://app:***@db.example:6543/tenants")
        #expect(!"\(config)".contains("hunter22"))
    }

    @Test func keyValuePasswordIsRedacted() throws {
        let config = try PostgresConfig(connectionString: "host=db user=app password=hunter22 dbname=tenants")
        #expect(config.redactedConnectionString == "host=db user=app password=*** dbname=tenants")
    }

    @Test func passwordInURIQueryIsRedacted() throws {
        let config = try PostgresConfig(connectionString: "postgresql://db/tenants?user=app&password=hunter22&sslmode=disable")
        #expect(config.redactedConnectionString == "postgresql://db/tenants?user=app&password=***&sslmode=disable")
    }

    @Test func replacingDatabaseKeepsServerAndCredentials() throws {
        let config = try PostgresConfig(connectionString: "postgresql://app:pw@db:6543/tenants").replacingDatabase("other")
        #expect(config.description == "app@db:6543/other")
    }

    @Test func unsetDatabaseURLFallsBackToLibpqDefaults() throws {
        let config = try PostgresConfig.fromEnvironment(Environment([:]))
        #expect(config.unredactedConnectionString == "")
    }

    /// libpq accepts these when parsing and fails at every connect: a configuration error at start instead.
    @Test(arguments: [
        ("postgresql://app:pw@db:54x2/app", "port \"54x2\""),
        ("host=db port=99999 dbname=app", "port \"99999\""),
        ("postgresql://db/app?connect_timeout=soon", "connect_timeout \"soon\""),
        ("host=db sslmode=required", "sslmode \"required\""),
        ("postgresql://db/app?target_session_attrs=writable", "target_session_attrs \"writable\""),
    ])
    func aValueThatCanNeverConnectIsAConfigError(connectionString: String, named: String) {
        #expect {
            _ = try PostgresConfig(connectionString: connectionString)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.name == "DATABASE_URL" && error.problem.contains(named) && error.problem.contains("allowed")
        }
    }

    @Test func severalHostsWithOnePortEachAreAccepted() throws {
        let config = try PostgresConfig(connectionString: "host=a,b port=5432,5433 dbname=app")
        #expect(config.description.contains("5432,5433"))
    }
}

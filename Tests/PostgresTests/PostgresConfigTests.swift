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
}

import Foundation
import SchemaMigrator
import Testing

@Suite struct SQLScriptTests {
    @Test func splitsAtTopLevelSemicolonsWithStartLines() {
        let statements = SQLScript.statements(in: "-- header\nCREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int\n);\n")
        #expect(statements.map(\.line) == [2, 4])
        #expect(statements.map(\.text) == ["CREATE TABLE a (id int);", "CREATE TABLE b (\n  id int\n);"])
    }

    @Test func semicolonsInsideQuotesCommentsAndDollarQuotesDoNotSplit() {
        let sql = """
            INSERT INTO t VALUES ('a;b', E'c\\';d', "we;ird");
            /* one; /* nested; */ still; */
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;
            SELECT $$x;y$$; -- trailing; comment
            SELECT $1;
            """
        let statements = SQLScript.statements(in: sql)
        #expect(statements.count == 4)
        #expect(statements.map(\.line) == [1, 3, 4, 5])
        #expect(statements[1].text.hasSuffix("$body$;"))
    }

    @Test func beginAtomicBodyStaysOneStatement() {
        let sql = """
            CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
              SELECT 2;
            END;
            SELECT 3;
            """
        let statements = SQLScript.statements(in: sql)
        #expect(statements.count == 2)
        #expect(statements[1].line == 6)
    }

    @Test func lastStatementWithoutSemicolonIsKept() {
        #expect(SQLScript.statements(in: "SELECT 1;\nSELECT 2\n").map(\.line) == [1, 2])
    }

    @Test func commentOnlyScriptHasNoStatements() {
        #expect(SQLScript.statements(in: "-- nothing\n/* here */\n").isEmpty)
    }

    @Test func errorPositionMapsToTheFileLine() {
        let statement = SQLStatement(text: "CREATE TABLE b (\n  id int,\n  bad nosuchtype\n);", line: 10)
        let offset = statement.text.distance(from: statement.text.startIndex, to: statement.text.range(of: "nosuchtype")!.lowerBound)
        let position = offset + 1
        #expect(statement.fileLine(ofPosition: position) == 12)
        #expect(statement.fileLine(ofPosition: nil) == 10)
    }
}

import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import SQLKit
import Testing

/// S12: the star schema export loads into PostgreSQL as is — with psql and the export's own
/// schema.sql and load.sql — and its counts and sums match the source, full and then incremental.
@Suite struct WarehouseExportTests {
    /// psql against the test server, in the export's directory, with the schema on the search path.
    struct PSQL {
        let url: URLComponents
        let schema: String

        init?(schema: String) {
            guard let text = ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES_URL"], !text.isEmpty, let url = URLComponents(string: text),
                  FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") else { return nil }
            self.url = url; self.schema = schema
        }

        @discardableResult
        func run(_ arguments: [String], in directory: URL? = nil) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
            p.arguments = ["-h", url.host ?? "127.0.0.1", "-p", String(url.port ?? 5432), "-U", url.user ?? "postgres",
                           "-d", String(url.path.dropFirst()), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"] + arguments
            var env = ProcessInfo.processInfo.environment
            env["PGPASSWORD"] = url.password ?? ""
            env["PGOPTIONS"] = "-c search_path=\(schema)"
            p.environment = env
            if let directory { p.currentDirectoryURL = directory }
            let out = Pipe(), err = Pipe()
            p.standardOutput = out; p.standardError = err
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw TestSupportError("psql failed: \(errors)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Counts and sums a warehouse user would check, over the source tables and over the loaded star schema.
    static let checks: [(source: String, warehouse: String)] = [
        ("SELECT COUNT(*) FROM parties", "SELECT COUNT(*) FROM dim_party"),
        ("SELECT COUNT(*) FROM interactions", "SELECT COUNT(*) FROM fact_interaction"),
        ("SELECT COUNT(*) FROM interactions WHERE channel = 'phone'", "SELECT COUNT(*) FROM fact_interaction WHERE channel = 'phone'"),
        ("SELECT COUNT(*) FROM orders", "SELECT COUNT(*) FROM fact_order"),
        ("SELECT CAST(SUM(total_minor) AS BIGINT) FROM orders", "SELECT SUM(total_minor) FROM fact_order"),
        ("SELECT CAST(SUM(margin_minor) AS BIGINT) FROM orders", "SELECT SUM(margin_minor) FROM fact_order"),
        ("SELECT COUNT(*) FROM orders WHERE status = 'delivered'", "SELECT COUNT(*) FROM fact_order WHERE status = 'delivered'"),
        ("SELECT CAST(SUM(quantity * unit_price_minor) AS BIGINT) FROM order_lines", "SELECT SUM(line_total_minor) FROM fact_order_line"),
        ("SELECT COUNT(*) FROM outbound_messages", "SELECT COUNT(*) FROM fact_notification"),
        ("SELECT COUNT(*) FROM outbound_messages WHERE status = 'queued'", "SELECT COUNT(*) FROM fact_notification WHERE status = 'queued'"),
        ("SELECT COUNT(*) FROM campaign_parties WHERE arm = 'control'", "SELECT COUNT(*) FROM fact_campaign_response WHERE arm = 'control'"),
        ("SELECT COUNT(*) FROM offer_responses", "SELECT COUNT(*) FROM fact_offer_response"),
        ("SELECT COUNT(*) FROM catalogue_items", "SELECT COUNT(*) FROM dim_product"),
        ("SELECT COUNT(*) FROM campaigns", "SELECT COUNT(*) FROM dim_campaign"),
    ]

    static func source(_ db: Database) async throws -> [String] {
        var out: [String] = []
        for check in checks {
            let value = try await db.read { sql in
                try await sql.raw(SQLQueryString(check.source.replacingOccurrences(of: " FROM ", with: " AS v FROM ", options: [], range: check.source.range(of: " FROM ")))).first().map { row in
                    (try? row.decode(column: "v", as: Int?.self)).flatMap { $0 }.map(String.init) ?? ""
                } ?? ""
            }
            out.append(value)
        }
        return out
    }

    static func warehouse(_ psql: PSQL) throws -> [String] {
        try checks.map { try psql.run(["-c", $0.warehouse]) }
    }

    static func compare(_ psql: PSQL, _ db: Database, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let loaded = try warehouse(psql), source = try await source(db)
        for (i, check) in checks.enumerated() {
            #expect(loaded[i] == source[i], "\(check.warehouse): \(loaded[i]) loaded, \(source[i]) in the source", sourceLocation: sourceLocation)
        }
    }

    func lines(_ url: URL) throws -> [Substring] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
    }

    @Test(arguments: TestEngine.available)
    func theStarSchemaLoadsIntoPostgreSQLAsIsFullThenIncrementalWithMatchingCountsAndSums(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let clock = FixedClock(IdentificationScenarioTests.now)
            let services = Services(database: db, clock: clock, normalizer: IdentityNormalizer())
            _ = try await DemoDataSet(services: services).load()
            // Activity on every fact: a launched campaign, an offer answered, messages decided by a business event.
            let campaign = try await services.campaigns.launch(try #require(try await services.access.campaigns().first { $0.key == "winter-card" }).id)
            let ivan = try #require(try await services.parties.owner(of: .phone, address: DemoDataSet.ivanPhone)).partyId
            _ = try await services.offers.respond(party: ivan, OfferResponseInput(offerKey: "education-loan", response: .presented, campaignId: campaign.id),
                                                  agent: "irina")
            _ = try await services.proactive.post(BusinessEventInput(eventType: "order.delayed", payload: [
                "order_number": .string("ORD-5005"), "new_date": .string("2026-12-02")]))
            clock.advance(by: 3_600)   // the export runs an hour after the last write
            let exporter = WarehouseExport(database: db, clock: clock, timeZone: TimeZone(identifier: "Europe/Moscow")!)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-wh-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }

            // Full export: every table, CSV and JSON Lines agreeing with the manifest.
            let full = try await exporter.export(to: dir.appendingPathComponent("full"), since: nil)
            #expect(full.kind == "full" && full.tables.count == 13)
            for t in full.tables {
                #expect(try lines(dir.appendingPathComponent("full/\(t.csv)")).count == t.rows + 1, "\(t.name)")
                let json = try lines(dir.appendingPathComponent("full/\(t.jsonl)"))
                #expect(json.count == t.rows && json.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "\(t.name)")
            }
            let orders = try #require(full.tables.first { $0.name == "fact_order" })
            #expect(orders.rows == 5)
            #expect(try String(contentsOf: dir.appendingPathComponent("full/schema.sql"), encoding: .utf8).contains("CREATE TABLE IF NOT EXISTS fact_interaction ("))

            // Loaded with psql where a PostgreSQL server is at hand (CI starts one).
            let psql = PSQL(schema: "wh_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())
            if let psql {
                try psql.run(["-c", "CREATE SCHEMA \(psql.schema)"])
                try psql.run(["-f", "schema.sql", "-f", "load.sql"], in: dir.appendingPathComponent("full"))
                try await Self.compare(psql, db)
                #expect(try psql.run(["-c", "SELECT COUNT(*) FROM fact_interaction f JOIN dim_date d ON d.date_key = f.date_key"])
                        == (try psql.run(["-c", "SELECT COUNT(*) FROM fact_interaction"])))
            }
            defer { if let psql { _ = try? psql.run(["-c", "DROP SCHEMA \(psql.schema) CASCADE"]) } }

            // A day later: a new order, an order delivered, a call recorded. The incremental export carries only those.
            clock.advance(by: 86_400)
            let anna = try #require(try await services.parties.owner(of: .email, address: "anna.sokolova@example.ru")).partyId
            _ = try await services.commerce.createOrder(OrderInput(number: "FL-10002", partyId: anna, placedAt: clock.now(),
                                                                   lines: [OrderLine(itemId: nil, description: "Tulips", quantity: 3, unitPriceMinor: 120_000)],
                                                                   marginMinor: 150_000))
            let delayed = try #require(try await services.commerce.order(number: "ORD-5005"))
            _ = try await services.commerce.updateOrder(delayed.id, OrderInput(number: nil, partyId: nil, status: .delivered, lines: nil))
            _ = try await services.interactions.record(InteractionInput(partyId: anna, channel: .phone, direction: .inbound, occurredAt: clock.now(),
                                                                        subject: "Thanks for the tulips"))
            let next = try await exporter.export(to: dir.appendingPathComponent("next"), since: full.watermark)
            #expect(next.kind == "incremental" && next.since == full.watermark)
            let changed = Dictionary(uniqueKeysWithValues: next.tables.map { ($0.name, $0.rows) })
            #expect(changed["fact_order"] == 2 && changed["fact_interaction"] == 1, "\(changed)")
            guard let psql else { return }
            try psql.run(["-f", "schema.sql", "-f", "load.sql"], in: dir.appendingPathComponent("next"))
            try await Self.compare(psql, db)
            #expect(try psql.run(["-c", "SELECT status FROM fact_order WHERE order_number = 'ORD-5005'"]) == "delivered")
            // Loading the same files again changes nothing.
            try psql.run(["-f", "load.sql"], in: dir.appendingPathComponent("next"))
            try await Self.compare(psql, db)
        }
    }
}

import Foundation
import RapportCore
import SQLiteNIO
import SQLKit

/// Volume for the analytics benchmarks, generated inside SQLite (set-based, no round trips):
/// orders for every party, call detail records for a share of them, marketing consents, and a
/// day of fresh changes for the incremental export; on PostgreSQL with its own SQL
/// (`generate_series`, `gen_random_uuid`). Benchmark fixtures only.
public struct AnalyticsBenchData: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    var sqlite: SQLiteConnection {
        get throws {
            guard let c = database.sqliteWriter else {
                throw RapportError(.invalid, code: "sqlite_only", message: "the SQLite fixture path needs a SQLite database",
                                   messageRu: "этот путь создания данных для замеров работает только с SQLite")
            }
            return c
        }
    }

    /// A UUID-shaped upper-case text from random bits (as the application writes ids on SQLite).
    static let randomId = "upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-7' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(2)) || '-' || hex(randomblob(6)))"

    func count(_ sql: String) async throws -> Int {
        try await database.read { db in try await db.raw(SQLQueryString(sql)).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    func run(_ statements: [String]) async throws {
        let c = try sqlite
        try await database.exclusiveWrite { _ in
            _ = try await c.query("PRAGMA cache_size=-1048576", [])
            for s in statements { _ = try await c.query(s, []) }
            _ = try await c.query("PRAGMA cache_size=-\(Database.writerCacheKiB)", [])
        }
    }

    /// `perParty` orders for every party over the last two years (5 % cancelled, half with a recorded margin).
    /// The one fixture generated on PostgreSQL too (value ranking and segment counts are measured there).
    public func ensureOrders(perParty: Int, now: Date) async throws -> Int {
        let have = try await count("SELECT COUNT(*) AS n FROM orders")
        guard have == 0 else { return have }
        let t = Int(now.timeIntervalSince1970)
        if database.engine == .postgres {
            try await database.exclusiveWrite { db in
                try await db.raw("""
                    INSERT INTO orders (id, number, party_id, status, placed_at, total_minor, currency, created_at, updated_at, keypad_number, margin_minor)
                    SELECT gen_random_uuid(), 'B' || (p.r * 100 + n.i), p.id,
                           CASE WHEN random() < 0.05 THEN 'cancelled' ELSE 'delivered' END,
                           to_timestamp(\(unsafeRaw: String(t)) - floor(random() * 63072000)), 1000 + floor(random() * 5000000)::bigint, 'RUB',
                           to_timestamp(\(unsafeRaw: String(t - 63_072_000))), to_timestamp(\(unsafeRaw: String(t - 63_072_000))),
                           (p.r * 100 + n.i)::text, CASE WHEN random() < 0.5 THEN NULL ELSE floor(random() * 500000)::bigint END
                    FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM parties) p, generate_series(0, \(unsafeRaw: String(perParty - 1))) AS n(i)
                    """).run()
            }
            try await database.execute(unsafeStatement: "ANALYZE orders")
            return try await count("SELECT COUNT(*) AS n FROM orders")
        }
        try await run(["""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(perParty - 1))
            INSERT INTO orders (id, number, party_id, status, placed_at, total_minor, currency, created_at, updated_at, keypad_number, margin_minor)
            SELECT \(Self.randomId), 'B' || (p.rowid * 100 + n.i), p.id,
                   CASE WHEN abs(random()) % 20 = 0 THEN 'cancelled' ELSE 'delivered' END,
                   \(t) - abs(random()) % 63072000, 1000 + abs(random()) % 5000000, 'RUB', \(t) - 63072000, \(t) - 63072000,
                   (p.rowid * 100 + n.i), CASE WHEN abs(random()) % 2 = 0 THEN NULL ELSE abs(random()) % 500000 END
            FROM parties p, n
            """])
        return try await count("SELECT COUNT(*) AS n FROM orders")
    }

    /// `callsPerMonth` calls a month over the three whole months before `now`'s month for the first
    /// `customers` parties, mostly at home and some abroad, priced on a basic tariff; marketing
    /// consent for nine in ten of them.
    public func ensureUsage(customers: Int, callsPerMonth: Int, now: Date) async throws -> Int {
        let have = try await count("SELECT COUNT(*) AS n FROM usage_records")
        guard have == 0 else { return have }
        let today = CivilDate(now)
        var months: [String] = []
        for back in 1...3 {
            var y = today.year, m = today.month - back
            if m < 1 { m += 12; y -= 1 }
            months.append(String(format: "%04d-%02d", y, m))
        }
        let t = now.timeIntervalSince1970
        if database.engine == .postgres {
            let at = "to_timestamp(\(String(format: "%.3f", t)))"
            let monthList = months
            try await database.exclusiveWrite { db in
                try await db.raw("""
                    CREATE TEMP TABLE bench_customers ON COMMIT DROP AS
                    SELECT id, row_number() OVER (ORDER BY id) AS r FROM parties ORDER BY id LIMIT \(unsafeRaw: String(customers))
                    """).run()
                for month in monthList {
                    try await db.raw("""
                        INSERT INTO usage_records (id, party_id, external_id, occurred_on, destination, seconds, cost_minor, created_at)
                        SELECT gen_random_uuid(), c.id, NULL, '\(unsafeRaw: month)-' || lpad((1 + floor(random() * 28))::int::text, 2, '0'),
                               CASE WHEN c.r % 4 = 0 AND n.i % 5 = 0 THEN (CASE WHEN n.i % 2 = 0 THEN 'DE' ELSE 'TR' END) ELSE 'RU' END,
                               30 + floor(random() * 600)::int, 0, \(unsafeRaw: at)
                        FROM bench_customers c, generate_series(0, \(unsafeRaw: String(callsPerMonth - 1))) AS n(i)
                        """).run()
                }
                try await db.raw("UPDATE usage_records SET cost_minor = ((seconds + 59) / 60) * 4500 WHERE destination <> 'RU'").run()
                try await db.raw("""
                    INSERT INTO consents (id, party_id, purpose, channel, granted, source, recorded_at)
                    SELECT gen_random_uuid(), id, 'marketing', NULL, true, 'import', \(unsafeRaw: at) FROM bench_customers WHERE r % 10 <> 0
                    """).run()
            }
            try await database.execute(unsafeStatement: "ANALYZE usage_records")
            try await database.execute(unsafeStatement: "ANALYZE consents")
            return try await count("SELECT COUNT(*) AS n FROM usage_records")
        }
        var statements = ["""
            CREATE TEMP TABLE bench_customers AS SELECT id, rowid AS r FROM parties ORDER BY rowid LIMIT \(customers)
            """]
        for month in months {
            statements.append("""
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(callsPerMonth - 1))
                INSERT INTO usage_records (id, party_id, external_id, occurred_on, destination, seconds, cost_minor, created_at)
                SELECT \(Self.randomId), c.id, NULL, '\(month)-' || printf('%02d', 1 + abs(random()) % 28),
                       CASE WHEN c.r % 4 = 0 AND n.i % 5 = 0 THEN (CASE WHEN n.i % 2 = 0 THEN 'DE' ELSE 'TR' END) ELSE 'RU' END,
                       30 + abs(random()) % 600, 0, \(t)
                FROM bench_customers c, n
                """)
        }
        statements += [
            // What the calls cost on Basic: at home within the included minutes free, abroad 45 ₽ a started minute.
            "UPDATE usage_records SET cost_minor = ((seconds + 59) / 60) * 4500 WHERE destination <> 'RU'",
            """
            INSERT INTO consents (id, party_id, purpose, channel, granted, source, recorded_at)
            SELECT \(Self.randomId), id, 'marketing', NULL, 1, 'import', \(t) FROM bench_customers WHERE r % 10 <> 0
            """,
            "DROP TABLE bench_customers",
        ]
        try await run(statements)
        return try await count("SELECT COUNT(*) AS n FROM usage_records")
    }

    /// A day of changes stamped just after `since`: new interactions, new orders and orders changing status.
    public func dayOfChanges(interactions: Int, newOrders: Int, changedOrders: Int, since: Date) async throws {
        let t = since.timeIntervalSince1970 + 1
        if database.engine == .postgres {
            let parties = max(1, try await count("SELECT COUNT(*) AS n FROM parties"))
            let orders = max(1, try await count("SELECT COUNT(*) AS n FROM orders"))
            func percent(_ n: Int, of all: Int) -> String { String(format: "%.4f", min(100, Double(n) / Double(all) * 120)) }
            let at = "to_timestamp(\(String(format: "%.3f", t)))"
            let interactionShare = percent(interactions, of: parties), orderShare = percent(changedOrders, of: orders)
            try await database.exclusiveWrite { db in
                try await db.raw("""
                    INSERT INTO interactions (id, party_id, channel, direction, occurred_at, agent, subject, outcome, created_at)
                    SELECT gen_random_uuid(), p.id, 'phone', 'inbound', \(unsafeRaw: at) + random() * interval '30 seconds',
                           'agent' || floor(random() * 200)::int, 'Order status', 'resolved', \(unsafeRaw: at) + random() * interval '30 seconds'
                    FROM (SELECT id FROM parties TABLESAMPLE BERNOULLI (\(unsafeRaw: interactionShare)) LIMIT \(unsafeRaw: String(interactions))) p
                    """).run()
                try await db.raw("""
                    INSERT INTO orders (id, number, party_id, status, placed_at, total_minor, currency, created_at, updated_at, keypad_number)
                    SELECT gen_random_uuid(), 'D' || g || '-' || floor(random() * 1e12)::bigint, ps.a[1 + floor(random() * array_length(ps.a, 1))::int],
                           'placed', \(unsafeRaw: at), 1000 + floor(random() * 100000)::bigint, 'RUB', \(unsafeRaw: at), \(unsafeRaw: at), NULL
                    FROM (SELECT array_agg(id) AS a FROM (SELECT id FROM parties ORDER BY id LIMIT 1000) x) ps,
                         generate_series(0, \(unsafeRaw: String(newOrders - 1))) g
                    """).run()
                try await db.raw("""
                    UPDATE orders SET status = 'delivered', updated_at = \(unsafeRaw: at) + interval '1 second'
                    WHERE id IN (SELECT id FROM orders TABLESAMPLE BERNOULLI (\(unsafeRaw: orderShare)) LIMIT \(unsafeRaw: String(changedOrders)))
                    """).run()
            }
            return
        }
        try await run([
            """
            INSERT INTO interactions (id, party_id, channel, direction, occurred_at, agent, subject, outcome, created_at)
            SELECT \(Self.randomId), id, 'phone', 'inbound', \(t) + abs(random()) % 30, 'agent' || (abs(random()) % 200), 'Order status', 'resolved',
                   \(t) + abs(random()) % 30
            FROM parties WHERE rowid IN (SELECT abs(random()) % (SELECT MAX(rowid) FROM parties) + 1 FROM (
              WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(interactions - 1)) SELECT i FROM n))
            """,
            """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(newOrders - 1))
            INSERT INTO orders (id, number, party_id, status, placed_at, total_minor, currency, created_at, updated_at, keypad_number)
            SELECT \(Self.randomId), 'D' || n.i || '-' || abs(random()), (SELECT id FROM parties WHERE rowid = 1 + abs(random()) % 1000), 'placed',
                   \(t), 1000 + abs(random()) % 100000, 'RUB', \(t), \(t), NULL
            FROM n
            """,
            """
            UPDATE orders SET status = 'delivered', updated_at = \(t) + 1
            WHERE rowid IN (SELECT abs(random()) % (SELECT MAX(rowid) FROM orders) + 1 FROM (
              WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(changedOrders - 1)) SELECT i FROM n))
            """,
        ])
    }
}

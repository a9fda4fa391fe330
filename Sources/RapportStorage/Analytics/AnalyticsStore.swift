import Foundation
import RapportCore
import SQLiteNIO
import SQLKit

/// Value ranking, saved segments and cluster runs.
public struct AnalyticsStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Value

    /// Live parties (not merged away, not erased), every one of which gets a value, with the tier
    /// they have now, in id order (`UUID.orderKey`).
    public func livePartyTiers() async throws -> [(id: UUID, tier: String?)] {
        let sql = "SELECT id, value_tier FROM parties WHERE merged_into_id IS NULL AND erased_at IS NULL ORDER BY id"
        if let rows = try await database.sqliteRows(sql, [], { r -> LiveParty in
            let row = RowReader(r)
            return LiveParty(id: try row.required(try row.uuid("id"), "id"), tier: try row.string("value_tier"))
        }) { return rows.map { ($0.id, $0.tier) } }
        return try await database.read { db in
            try await db.raw(SQLQueryString(sql)).all().map {
                let row = RowReader($0)
                return (try row.required(try row.uuid("id"), "id"), try row.string("value_tier"))
            }
        }
    }

    /// Per party since `since`: purchases — orders (cancelled and returned ones excluded) and
    /// payments of invoices — with revenue, margin (an order's recorded margin, else
    /// `defaultMarginPermille` of the amount) and the last purchase's time, in party-id order.
    /// Orders are read through a covering index in party order; the two sources are read in
    /// parallel and merged here.
    public func activity(since: Date, defaultMarginPermille: Int) async throws -> [PartyActivity] {
        let map: @Sendable (any SQLRow) throws -> PartyActivity = { r in
            let row = RowReader(r)
            return PartyActivity(partyId: try row.required(try row.uuid("party_id"), "party_id"), orders: try row.int("n") ?? 0,
                                 revenueMinor: Int64(try row.int("revenue") ?? 0), marginMinor: Int64(try row.int("margin") ?? 0),
                                 lastOrderAt: try row.date("last_at"))
        }
        // `?1` the window's start, `?2` the default margin in per mille (SQLite), the same bound by SQLKit elsewhere.
        let orderSQL = """
            SELECT party_id, COUNT(*) AS n, CAST(SUM(total_minor) AS BIGINT) AS revenue,
                   CAST(SUM(COALESCE(margin_minor, total_minor * ?2 / 1000)) AS BIGINT) AS margin, MAX(placed_at) AS last_at
            FROM orders WHERE placed_at >= ?1 AND status NOT IN ('cancelled', 'returned') GROUP BY party_id ORDER BY party_id
            """
        let paymentSQL = """
            SELECT party_id, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS revenue,
                   CAST(SUM(amount_minor * ?2 / 1000) AS BIGINT) AS margin, MAX(paid_at) AS last_at
            FROM payments WHERE paid_at >= ?1 GROUP BY party_id
            """
        func read(_ sql: String) async throws -> [PartyActivity] {
            if let rows = try await database.sqliteRows(sql, [.float(since.timeIntervalSince1970), .integer(defaultMarginPermille)], { try map($0) }) {
                return rows
            }
            var q = SQLQueryString(""), rest = Substring(sql)
            while let r = rest.range(of: #"\?[12]"#, options: .regularExpression) {
                q = q + SQLQueryString(String(rest[..<r.lowerBound])) + (rest[r] == "?1" ? "\(bind: since)" : "\(bind: defaultMarginPermille)")
                rest = rest[r.upperBound...]
            }
            let query = q + SQLQueryString(String(rest))
            return try await database.read { db in try await db.raw(query).all().map(map) }
        }
        async let orders = read(orderSQL)
        async let payments = read(paymentSQL)
        var merged = try await orders
        let paid = try await payments
        guard !paid.isEmpty else { return merged }
        var index: [UUID: Int] = [:]
        for (i, a) in merged.enumerated() { index[a.partyId] = i }
        var appended = false
        for p in paid {
            guard let i = index[p.partyId] else { merged.append(p); appended = true; continue }
            merged[i].orders += p.orders; merged[i].revenueMinor += p.revenueMinor; merged[i].marginMinor += p.marginMinor
            if let t = p.lastOrderAt, t > (merged[i].lastOrderAt ?? .distantPast) { merged[i].lastOrderAt = t }
        }
        if appended { merged.sort { $0.partyId.orderKey < $1.partyId.orderKey } }
        return merged
    }

    /// (person, organisation) pairs: a contact person is served at their organisation's tier when it is higher.
    public func contactPairs() async throws -> [(person: UUID, organisation: UUID)] {
        try await database.read { db in
            try await db.raw("SELECT person_id, organisation_id FROM contact_roles").all().map { r in
                let row = RowReader(r)
                return (try row.required(try row.uuid("person_id"), "person_id"), try row.required(try row.uuid("organisation_id"), "organisation_id"))
            }
        }
    }

    /// Replaces every stored value with `values` (best in party-id order), sets the tiers that changed (`tierChanges`:
    /// tier → parties) and records the run, in one transaction. On SQLite the table is emptied
    /// (a truncation), the rank index dropped, the rows appended in key order and the index built
    /// again in one sorted pass — several times faster than a million index updates
    /// (docs/benchmarks.md); the schema is the same when the transaction commits.
    public func saveValues(_ values: [PartyValue], tierChanges: [String: [UUID]], run: ValueRun,
                           phase: (@Sendable (String, Double) -> Void)? = nil) async throws {
        let clock = PhaseClock(phase)
        let sqlite = database.sqliteWriter, engine = database.engine
        // Appending in key order keeps the B-tree writes sequential; the caller passes them so.
        let ordered = zip(values, values.dropFirst()).contains(where: { !($0.partyId.orderKey < $1.partyId.orderKey) })
            ? values.sorted { $0.partyId.orderKey < $1.partyId.orderKey } : values
        clock.lap("write.sort")
        try await database.exclusiveWrite { db in
            if let sqlite {
                try await db.raw("DELETE FROM party_values").run()
                try await db.raw("DROP INDEX idx_party_values_rank").run()
                clock.lap("write.empty")
                for chunk in ordered.chunked(2500) { try await SQLiteBulkInsert.insert(chunk, on: sqlite) }
                clock.lap("write.insert")
                try await db.raw("CREATE INDEX idx_party_values_rank ON party_values (rank)").run()
                clock.lap("write.index")
            } else {
                // DELETE, not TRUNCATE: cards read party_values meanwhile from their snapshot instead of waiting for the lock.
                try await db.raw("DELETE FROM party_values").run()
                clock.lap("write.empty")
                // A column array per field and one INSERT … SELECT FROM unnest per 50 000 rows: a
                // few statements instead of a Codable-encoded row at a time (36 s for a million).
                for chunk in ordered.chunked(50_000) {
                    let c = Array(chunk)
                    try await db.raw("""
                        INSERT INTO party_values (party_id, actual_minor, orders, revenue_minor, last_order_at, recency_score, frequency_score,
                                                  monetary_score, potential_minor, tier, rank, computed_at)
                        SELECT u.party_id, u.actual_minor, u.orders, u.revenue_minor, u.last_order_at, u.recency_score, u.frequency_score,
                               u.monetary_score, u.potential_minor, u.tier, u.rank, u.computed_at
                        FROM unnest(\(bind: c.map(\.partyId))::uuid[], \(bind: c.map(\.actualMinor))::bigint[], \(bind: c.map { Int64($0.orders) })::bigint[],
                                    \(bind: c.map(\.revenueMinor))::bigint[], \(bind: c.map(\.lastOrderAt))::timestamptz[],
                                    \(bind: c.map { Int64($0.recencyScore) })::bigint[], \(bind: c.map { Int64($0.frequencyScore) })::bigint[],
                                    \(bind: c.map { Int64($0.monetaryScore) })::bigint[], \(bind: c.map(\.potentialMinor))::bigint[],
                                    \(bind: c.map(\.tier))::text[], \(bind: c.map { Int64($0.rank) })::bigint[], \(bind: c.map(\.computedAt))::timestamptz[])
                          AS u(party_id, actual_minor, orders, revenue_minor, last_order_at, recency_score, frequency_score,
                               monetary_score, potential_minor, tier, rank, computed_at)
                        """).run()
                }
                clock.lap("write.insert")
            }
            for (tier, ids) in tierChanges {
                for chunk in ids.chunked(500) {
                    try await db.update("parties").set("value_tier", to: SQLBind(tier)).set("updated_at", to: SQLBind(run.finishedAt))
                        .where("id", .in, Array(chunk)).run()
                }
            }
            clock.lap("write.tiers")
            try await db.insertRecord("value_runs", try ValueRunRow(run))
            try await Statistics.refresh(["party_values"], on: db, engine: engine)
        }
        clock.lap("write.commit")
    }

    public func lastValueRun() async throws -> ValueRun? {
        try await database.read { db in
            try await db.select().columns("*").from("value_runs").orderBy("started_at", .descending).limit(1).first(decoding: ValueRunRow.self, with: recordDecoder)?.run
        }
    }

    public func value(of partyId: UUID) async throws -> PartyValue? {
        try await database.read { db in try await Self.value(of: partyId, on: db) }
    }

    static func value(of partyId: UUID, on db: any SQLDatabase) async throws -> PartyValue? {
        try await db.select().columns("*").from("party_values").where("party_id", .equal, SQLBind(partyId)).first(decoding: PartyValueRow.self, with: recordDecoder)?.value
    }

    /// The ranking, best first, optionally within one tier.
    public func ranking(tier: String?, limit: Int, offset: Int) async throws -> [RankedParty] {
        try await database.read { db in
            var q: SQLQueryString = """
                SELECT v.*, p.display_name FROM party_values v JOIN parties p ON p.id = v.party_id
                WHERE p.merged_into_id IS NULL AND p.erased_at IS NULL
                """
            if let tier { q = q + " AND v.tier = \(bind: tier)" }
            q = q + " ORDER BY v.rank LIMIT \(bind: limit) OFFSET \(bind: offset)"
            return try await db.raw(q).all().map { row in
                RankedParty(value: try row.decode(model: PartyValueRow.self, with: recordDecoder).value,
                            displayName: try row.decode(column: "display_name", as: String.self))
            }
        }
    }

    public func tierCounts() async throws -> [TierCount] {
        try await database.read { db in
            try await db.raw("SELECT tier, COUNT(*) AS n, CAST(SUM(actual_minor) AS BIGINT) AS actual FROM party_values GROUP BY tier").all().map { r in
                let row = RowReader(r)
                return TierCount(tier: try row.required(try row.string("tier"), "tier"), parties: try row.int("n") ?? 0,
                                 actualMinor: Int64(try row.int("actual") ?? 0))
            }
        }
    }

    // MARK: Segments

    public func createSegment(_ s: Segment) async throws -> Segment {
        try await database.write { db in
            if try await db.select().column("id").from("segments").where("key", .equal, SQLBind(s.key)).first() != nil {
                throw RapportError(.conflict, code: "segment_exists", message: "segment \(s.key) already exists", messageRu: "сегмент \(s.key) уже существует")
            }
            try await db.insertRecord("segments", try SegmentRow(s))
            try await db.appendEvent("segment.created", aggregateId: s.id, at: s.createdAt)
            return s
        }
    }

    public func updateSegment(_ s: Segment) async throws -> Segment {
        try await database.write { db in
            try await db.updateRecord("segments", id: s.id, try SegmentRow(s))
            try await db.appendEvent("segment.changed", aggregateId: s.id, at: s.updatedAt)
            return s
        }
    }

    public func segment(_ key: String) async throws -> Segment? {
        try await database.read { db in
            try await db.select().columns("*").from("segments").where("key", .equal, SQLBind(key)).first(decoding: SegmentRow.self, with: recordDecoder)?.segment
        }
    }

    public func segment(id: UUID) async throws -> Segment? {
        try await database.read { db in try await db.record(SegmentRow.self, from: "segments", id: id)?.segment }
    }

    public func segments() async throws -> [Segment] {
        try await database.read { db in
            try await db.select().columns("*").from("segments").orderBy("key").all(decoding: SegmentRow.self, with: recordDecoder).map { try $0.segment }
        }
    }

    func segmentSQL(now: Date, on db: any SQLDatabase) async throws -> SegmentSQL {
        let run = try await db.select().column("id").from("cluster_runs").orderBy("created_at", .descending).limit(1).first()
            .map { try $0.decode(column: "id", as: UUID.self) }
        return SegmentSQL(engine: database.engine, now: now, clusterRun: run)
    }

    /// How many live parties meet the definition now; `report`: on the read replica when there is
    /// one (a figure to show), else on the primary (a decision depends on it).
    public func count(_ d: SegmentDefinition, now: Date, report: Bool = false) async throws -> Int {
        let body: @Sendable (any SQLDatabase) async throws -> Int = { db in
            let sql = try await segmentSQL(now: now, on: db)
            return try await db.raw("SELECT COUNT(*) AS n FROM parties p WHERE " + sql.whereClause(d)).first()?.decode(column: "n", as: Int.self) ?? 0
        }
        return try await report ? database.readReport(body) : database.read(body)
    }

    /// Members in id order after `after`, with what a list export needs.
    public func members(_ d: SegmentDefinition, now: Date, after: UUID?, limit: Int) async throws -> [SegmentMember] {
        try await database.read { db in
            let sql = try await segmentSQL(now: now, on: db)
            return try await Self.memberList("FROM parties p WHERE " + sql.whereClause(d), after: after, limit: limit, on: db)
        }
    }

    /// One page of a member list: `from` selects the parties `p`; each with the first phone and e-mail.
    static func memberList(_ from: SQLQueryString, after: UUID?, limit: Int, on db: any SQLDatabase) async throws -> [SegmentMember] {
        var q: SQLQueryString = """
            SELECT p.id, p.display_name, p.language, p.value_tier,
              (SELECT i.normalized FROM identities i WHERE i.party_id = p.id AND i.kind = 'phone' ORDER BY i.created_at LIMIT 1) AS phone,
              (SELECT i.normalized FROM identities i WHERE i.party_id = p.id AND i.kind = 'email' ORDER BY i.created_at LIMIT 1) AS email
            """ + " " + from
        if let after { q = q + " AND p.id > \(bind: after)" }
        q = q + " ORDER BY p.id LIMIT \(bind: limit)"
        return try await db.raw(q).all().map { r in
            let row = RowReader(r)
            return SegmentMember(partyId: try row.required(try row.uuid("id"), "id"), displayName: try row.string("display_name") ?? "",
                                 language: try row.string("language"), valueTier: try row.string("value_tier"),
                                 phone: try row.string("phone"), email: try row.string("email"))
        }
    }

    /// Whether one party meets the definition (offer eligibility).
    public func matches(_ d: SegmentDefinition, party: UUID, now: Date) async throws -> Bool {
        try await database.read { db in
            let sql = try await segmentSQL(now: now, on: db)
            return try await db.raw("SELECT p.id FROM parties p WHERE p.id = \(bind: party) AND " + sql.whereClause(d)).first() != nil
        }
    }

    /// Members with their value tier (the stratum of a campaign's control group).
    static func membersWithTier(_ d: SegmentDefinition, sql: SegmentSQL, on db: any SQLDatabase) async throws -> [(partyId: UUID, stratum: String)] {
        try await db.raw("SELECT p.id, p.value_tier FROM parties p WHERE " + sql.whereClause(d)).all().map { r in
            let row = RowReader(r)
            return (try row.required(try row.uuid("id"), "id"), try row.string("value_tier") ?? "none")
        }
    }

    // MARK: Clusters

    /// Behavioural features of live parties over the window: days since the last order, orders,
    /// revenue, interactions, share of digital interactions, complaints.
    public func clusterFeatures(since: Date, now: Date) async throws -> (ids: [UUID], rows: [[Double]]) {
        try await database.read { db in
            let windowDays = max(1, now.timeIntervalSince(since) / 86_400)
            var index: [UUID: Int] = [:]
            var ids: [UUID] = [], rows: [[Double]] = []
            for r in try await db.raw("SELECT id FROM parties WHERE merged_into_id IS NULL AND erased_at IS NULL ORDER BY id").all() {
                let id = try RowReader(r).required(try RowReader(r).uuid("id"), "id")
                index[id] = ids.count; ids.append(id); rows.append([windowDays, 0, 0, 0, 0, 0])
            }
            for r in try await db.raw("""
                SELECT party_id, COUNT(*) AS n, CAST(SUM(total_minor) AS BIGINT) AS revenue, MAX(placed_at) AS last_at FROM orders
                WHERE placed_at >= \(bind: since) AND status NOT IN ('cancelled', 'returned') GROUP BY party_id
                """).all() {
                let row = RowReader(r)
                guard let id = try row.uuid("party_id"), let i = index[id] else { continue }
                if let last = try row.date("last_at") { rows[i][0] = max(0, now.timeIntervalSince(last) / 86_400) }
                rows[i][1] = Double(try row.int("n") ?? 0); rows[i][2] = Double(try row.int("revenue") ?? 0)
            }
            for r in try await db.raw("""
                SELECT party_id, COUNT(*) AS n,
                       SUM(CASE WHEN channel IN ('email', 'web_form', 'chat', 'social') THEN 1 ELSE 0 END) AS digital
                FROM interactions WHERE party_id IS NOT NULL AND occurred_at >= \(bind: since) GROUP BY party_id
                """).all() {
                let row = RowReader(r)
                guard let id = try row.uuid("party_id"), let i = index[id] else { continue }
                let n = Double(try row.int("n") ?? 0)
                rows[i][3] = n; rows[i][4] = n > 0 ? Double(try row.int("digital") ?? 0) / n : 0
            }
            for r in try await db.raw("""
                SELECT party_id, COUNT(*) AS n FROM requests WHERE type = 'complaint' AND opened_at >= \(bind: since) GROUP BY party_id
                """).all() {
                let row = RowReader(r)
                guard let id = try row.uuid("party_id"), let i = index[id] else { continue }
                rows[i][5] = Double(try row.int("n") ?? 0)
            }
            return (ids, rows)
        }
    }

    public func saveClusterRun(_ run: ClusterRun, ids: [UUID], assignments: [Int]) async throws {
        let sqlite = database.sqliteWriter
        try await database.exclusiveWrite { db in
            try await db.insertRecord("cluster_runs", try ClusterRunRow(run))
            let rows = zip(ids, assignments).map { PartyClusterRow(runId: run.id, partyId: $0, cluster: $1) }
            if let sqlite {
                for chunk in rows.chunked(5000) { try await SQLiteBulkInsert.insert(chunk, on: sqlite) }
            } else {
                for chunk in rows.chunked(1000) { try await db.insertRecords("party_clusters", chunk) }
            }
        }
    }

    public func clusterRun(_ id: UUID?) async throws -> ClusterRun? {
        try await database.read { db in
            var q = db.select().columns("*").from("cluster_runs")
            if let id { q = q.where("id", .equal, SQLBind(id)) }
            return try await q.orderBy("created_at", .descending).limit(1).first(decoding: ClusterRunRow.self, with: recordDecoder)?.run
        }
    }

    /// One cluster's members, in id order after `after`.
    public func clusterMembers(run: UUID, cluster: Int, after: UUID?, limit: Int) async throws -> [SegmentMember] {
        try await database.read { db in
            try await Self.memberList("""
                FROM party_clusters c JOIN parties p ON p.id = c.party_id
                WHERE c.run_id = \(bind: run) AND c.cluster = \(bind: cluster) AND p.merged_into_id IS NULL AND p.erased_at IS NULL
                """, after: after, limit: limit, on: db)
        }
    }
}

struct LiveParty: Sendable { let id: UUID; let tier: String? }

struct ValueRunRow: Codable, Sendable {
    var id: UUID
    var startedAt: Date
    var finishedAt: Date
    var parties: Int
    var settings: String
    var tiers: String
    var cause: String
    init(_ r: ValueRun) throws {
        id = r.id; startedAt = r.startedAt; finishedAt = r.finishedAt; parties = r.parties; settings = try storedJSON(r.settings)
        tiers = try storedJSON(r.tiers); cause = r.cause
    }
    var run: ValueRun {
        get throws {
            ValueRun(id: id, startedAt: startedAt, finishedAt: finishedAt, parties: parties, settings: try fromStoredJSON(ValueSettings.self, settings),
                     tiers: try fromStoredJSON([TierCount].self, tiers), cause: cause)
        }
    }
}

struct PartyValueRow: Codable, Sendable {
    var partyId: UUID
    var actualMinor: Int64
    var orders: Int
    var revenueMinor: Int64
    var lastOrderAt: Date?
    var recencyScore: Int
    var frequencyScore: Int
    var monetaryScore: Int
    var potentialMinor: Int64
    var tier: String
    var rank: Int
    var computedAt: Date
    init(_ v: PartyValue) {
        partyId = v.partyId; actualMinor = v.actualMinor; orders = v.orders; revenueMinor = v.revenueMinor; lastOrderAt = v.lastOrderAt
        recencyScore = v.recencyScore; frequencyScore = v.frequencyScore; monetaryScore = v.monetaryScore; potentialMinor = v.potentialMinor
        tier = v.tier; rank = v.rank; computedAt = v.computedAt
    }
    var value: PartyValue {
        PartyValue(partyId: partyId, actualMinor: actualMinor, orders: orders, revenueMinor: revenueMinor, lastOrderAt: lastOrderAt,
                   recencyScore: recencyScore, frequencyScore: frequencyScore, monetaryScore: monetaryScore, potentialMinor: potentialMinor,
                   tier: tier, rank: rank, computedAt: computedAt)
    }
}

struct SegmentRow: Codable, Sendable {
    var id: UUID
    var key: String
    var name: String
    var description: String?
    var definition: String
    var createdAt: Date
    var updatedAt: Date
    init(_ s: Segment) throws {
        id = s.id; key = s.key; name = s.name; description = s.description; definition = try storedJSON(s.definition)
        createdAt = s.createdAt; updatedAt = s.updatedAt
    }
    var segment: Segment {
        get throws {
            Segment(id: id, key: key, name: name, description: description, definition: try fromStoredJSON(SegmentDefinition.self, definition),
                    createdAt: createdAt, updatedAt: updatedAt)
        }
    }
}

struct ClusterRunRow: Codable, Sendable {
    var id: UUID
    var k: Int
    var features: String
    var profiles: String
    var parties: Int
    var iterations: Int
    var createdAt: Date
    init(_ r: ClusterRun) throws {
        id = r.id; k = r.k; features = try storedJSON(r.features); profiles = try storedJSON(r.profiles); parties = r.parties
        iterations = r.iterations; createdAt = r.createdAt
    }
    var run: ClusterRun {
        get throws {
            ClusterRun(id: id, k: k, features: try fromStoredJSON([ClusterFeature].self, features), profiles: try fromStoredJSON([ClusterProfile].self, profiles),
                       parties: parties, iterations: iterations, createdAt: createdAt)
        }
    }
}

struct PartyClusterRow: Codable, Sendable {
    var runId: UUID
    var partyId: UUID
    var cluster: Int
}

extension PartyValue: SQLiteBulkRow {
    static var table: String { "party_values" }
    static var columns: [String] {
        ["party_id", "actual_minor", "orders", "revenue_minor", "last_order_at", "recency_score", "frequency_score", "monetary_score",
         "potential_minor", "tier", "rank", "computed_at"]
    }
    func appendValues(to b: inout [SQLiteData]) {
        // One append per value: a temporary array per row cost a million allocations per run.
        b.append(.text(partyId.text())); b.append(.integer(Int(actualMinor))); b.append(.integer(orders)); b.append(.integer(Int(revenueMinor)))
        b.append(lastOrderAt.map { .float($0.timeIntervalSince1970) } ?? .null); b.append(.integer(recencyScore)); b.append(.integer(frequencyScore))
        b.append(.integer(monetaryScore)); b.append(.integer(Int(potentialMinor))); b.append(.text(tier)); b.append(.integer(rank))
        b.append(.float(computedAt.timeIntervalSince1970))
    }
}

extension PartyClusterRow: SQLiteBulkRow {
    static var table: String { "party_clusters" }
    static var columns: [String] { ["run_id", "party_id", "cluster"] }
    func appendValues(to b: inout [SQLiteData]) { b += [.text(runId.text()), .text(partyId.text()), .integer(cluster)] }
}

/// Reports the time since the previous lap to `phase` (benchmarks).
final class PhaseClock: @unchecked Sendable {
    private let phase: (@Sendable (String, Double) -> Void)?
    private var last = ContinuousClock.now
    init(_ phase: (@Sendable (String, Double) -> Void)?) { self.phase = phase }
    func lap(_ name: String) {
        guard let phase else { return }
        let now = ContinuousClock.now
        let d = (now - last).components
        phase(name, Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15)
        last = now
    }
}

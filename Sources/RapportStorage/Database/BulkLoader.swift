import Foundation
import RapportCore
import SQLKit
import SQLiteNIO

/// The bulk path for generated data sets: many rows per statement, one transaction per `load`
/// call, never grouped with other writes. Rows are trusted to be validated by the caller.
public struct BulkLoader: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Rows per INSERT statement: well under SQLite's bound-parameter limit for the widest table.
    static let rowsPerStatement = 1000
    /// 21 columns × 1500 rows stays under SQLite's 32 766 bound parameters.
    static let sqliteRowsPerStatement = 1500
    static let bulkCacheKiB = 262_144

    /// Parties go into the search index with their identities; interactions are loaded without
    /// text-index entries (generated history is not searched; see docs/benchmarks.md).
    public func load(parties: [Party], identities: [Identity], interactions: [Interaction]) async throws {
        let byParty = Dictionary(grouping: identities, by: \.partyId)
        let terms = parties.map { (id: $0.id, terms: SearchTerms.party($0, identities: byParty[$0.id] ?? [])) }
        if let connection = database.sqliteWriter {
            try await database.exclusiveWrite { _ in
                // Same transaction: the exclusive job runs between BEGIN and COMMIT on this connection.
                for chunk in parties.chunked(Self.sqliteRowsPerStatement) { try await SQLiteBulkInsert.insert(chunk, on: connection) }
                for chunk in identities.chunked(Self.sqliteRowsPerStatement) { try await SQLiteBulkInsert.insert(chunk, on: connection) }
                for chunk in interactions.chunked(Self.sqliteRowsPerStatement) { try await SQLiteBulkInsert.insert(chunk, on: connection) }
                for chunk in terms.chunked(Self.sqliteRowsPerStatement) {
                    let docs = "INSERT INTO party_search_docs (party_id) VALUES " + Array(repeating: "(?)", count: chunk.count).joined(separator: ",")
                    try await connection.query(docs, chunk.map { .text($0.id.uuidString) }) { _ in }
                    let sql = "INSERT INTO party_search (rowid, terms) VALUES "
                        + Array(repeating: "((SELECT doc FROM party_search_docs WHERE party_id = ?), ?)", count: chunk.count).joined(separator: ",")
                    var binds: [SQLiteData] = []
                    for row in chunk { binds += [.text(row.id.uuidString), .text(row.terms)] }
                    try await connection.query(sql, binds) { _ in }
                }
            }
            return
        }
        try await database.exclusiveWrite { db in
            for chunk in parties.chunked(Self.rowsPerStatement) { try await db.insertRecords("parties", chunk) }
            for chunk in identities.chunked(Self.rowsPerStatement) { try await db.insertRecords("identities", chunk) }
            for chunk in interactions.chunked(Self.rowsPerStatement) { try await db.insertRecords("interactions", chunk) }
            for chunk in terms.chunked(Self.rowsPerStatement) {
                let values: [SQLQueryString] = chunk.map { "(\(bind: $0.id), to_tsvector('simple', \(bind: $0.terms)))" }
                try await db.raw("INSERT INTO party_search (party_id, terms) VALUES " + values.joined(separator: ", ")).run()
            }
        }
    }

    /// Runs a series of loads with a large page cache on the SQLite writer, restored afterwards.
    /// Each transaction then writes every dirty index page to the WAL once instead of spilling and
    /// rewriting it, which cut the bytes written by a 1 M / 10 M load several times over
    /// (docs/benchmarks.md). On PostgreSQL the loaded tables are analysed at the end instead, so
    /// the planner does not plan the next queries for empty tables.
    public func session<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard let connection = database.sqliteWriter else {
            let result = try await body()
            let engine = database.engine
            try await database.write { db in
                try await Statistics.refresh(["parties", "identities", "interactions", "party_search"], on: db, engine: engine)
            }
            return result
        }
        try await database.exclusiveWrite { _ in try await Self.set(bulk: true, on: connection) }
        do {
            let result = try await body()
            try await database.exclusiveWrite { _ in try await Self.set(bulk: false, on: connection) }
            return result
        } catch {
            _ = try? await database.exclusiveWrite { _ in try await Self.set(bulk: false, on: connection) }
            throw error
        }
    }

    /// Bulk: a 256 MiB page cache and checkpoints every ~400 MiB of WAL instead of ~4 MiB, so an
    /// index page changed by many load transactions is copied into the database file once.
    static func set(bulk: Bool, on connection: SQLiteConnection) async throws {
        _ = try await connection.query("PRAGMA cache_size=-\(bulk ? bulkCacheKiB : Database.writerCacheKiB)", [])
        _ = try await connection.query("PRAGMA wal_autocheckpoint=\(bulk ? 100_000 : 1000)", [])
        // The search index: no incremental segment merging while loading; merged once at the end.
        _ = try await connection.query("INSERT INTO party_search (party_search, rank) VALUES ('automerge', \(bulk ? 0 : 4))", [])
        if !bulk { _ = try await connection.query("INSERT INTO party_search (party_search, rank) VALUES ('merge', 500)", []) }
    }

    /// The live party with the lowest id: the same benchmark target run after run.
    public func firstPartyId() async throws -> UUID? {
        try await database.read { db in
            try await db.select().column("id").from("parties").where("merged_into_id", .is, SQLLiteral.null).orderBy("id").limit(1).first()
                .map { try $0.decode(column: "id", as: UUID.self) }
        }
    }

    /// Ids of up to `limit` parties drawn at random from the whole table, for benchmark targets.
    public func samplePartyIds(limit: Int) async throws -> [UUID] {
        try await database.read { db in
            try await db.select().column("id").from("parties").orderBy(SQLFunction("random")).limit(limit).all()
                .map { try $0.decode(column: "id", as: UUID.self) }
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

extension Database {
    public func partyCount() async throws -> Int {
        try await PartyStore(database: self).count()
    }
}

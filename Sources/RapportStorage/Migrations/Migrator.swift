import Foundation
import SQLKit

/// One schema change. Its id is permanent; once landed, its statements never change.
struct Migration: Sendable {
    let id: String
    let statements: [String]
    /// Statements for one engine only (full-text indexes differ), run after `statements`.
    var sqlite: [String] = []
    var postgres: [String] = []
    /// Fills derived columns of rows that existed before the migration, in the same transaction.
    var backfill: (@Sendable (any SQLDatabase, SQLEngine) async throws -> Void)? = nil

    func statements(for engine: SQLEngine) -> [String] {
        statements + (engine == .sqlite ? sqlite : postgres)
    }
}

/// Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction.
public struct Migrator: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let all: [Migration] = [Migration0001Registry.migration, Migration0002Identification.migration, Migration0003Access.migration,
                                   Migration0004ContactCentre.migration, Migration0005Proactive.migration,
                                   Migration0006Analytics.migration, Migration0007ConsentTexts.migration,
                                   Migration0008WorkClaims.migration]

    /// Applies what is missing (up to and including `last` when given); returns the ids applied now.
    @discardableResult
    public func migrate(through last: String? = nil) async throws -> [String] {
        let engine = database.engine
        try await database.exclusiveWrite { db in
            if let lock = DDL.migrationLock(for: engine) {
                try await db.raw(SQLQueryString(lock.lock)).run()
            }
            try await db.raw(SQLQueryString(DDL.render(
                "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at {ts} NOT NULL)", for: engine))).run()
        }
        var applied: [String] = []
        let wanted = last.map { last in Self.all.prefix { $0.id <= last } } ?? Self.all[...]
        for migration in wanted {
            let didApply = try await database.exclusiveWrite { db -> Bool in
                if let lock = DDL.migrationLock(for: engine) {
                    try await db.raw(SQLQueryString(lock.lock)).run()
                }
                let done = try await db.select().column("id").from("schema_migrations")
                    .where("id", .equal, migration.id).first()
                if done != nil { return false }
                for statement in migration.statements(for: engine) {
                    try await db.raw(SQLQueryString(DDL.render(statement, for: engine))).run()
                }
                try await migration.backfill?(db, engine)
                try await db.insert(into: "schema_migrations").columns("id", "applied_at")
                    .values(SQLBind(migration.id), SQLBind(Date())).run()
                return true
            }
            if didApply { applied.append(migration.id) }
        }
        return applied
    }

    /// Ids of the migrations recorded as applied, in order.
    public func appliedIds() async throws -> [String] {
        try await database.read { db in
            try await db.select().column("id").from("schema_migrations").orderBy("id").all()
                .map { try $0.decode(column: "id", as: String.self) }
        }
    }
}

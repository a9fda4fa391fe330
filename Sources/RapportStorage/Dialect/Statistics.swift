import SQLKit

/// Planner statistics after a bulk load. PostgreSQL plans from them: right after a large load,
/// before autovacuum has analysed the tables, it guesses a handful of rows and picks nested loops
/// that turn a 100 000-row fan-out from a second into minutes (measured: docs/benchmarks.md).
/// SQLite plans from its indexes without statistics, so nothing is done there.
enum Statistics {
    static func refresh(_ tables: [String], on db: any SQLDatabase, engine: SQLEngine) async throws {
        guard engine == .postgres, !tables.isEmpty else { return }
        try await db.raw(SQLQueryString("ANALYZE " + tables.joined(separator: ", "))).run()
    }
}

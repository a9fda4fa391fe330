/// Column types per engine. Migrations write `{id}`, `{ts}`, `{bool}`, `{json}` and get the
/// engine's type; everything else in a migration is plain SQL both engines accept.
enum DDL {
    static func render(_ statement: String, for engine: SQLEngine) -> String {
        let types: [(String, String)]
        switch engine {
        case .sqlite:
            // UUIDs travel as text on SQLite, times as seconds since 1970 (REAL): what the driver binds.
            types = [("{id}", "TEXT"), ("{ts}", "REAL"), ("{bool}", "INTEGER"), ("{json}", "TEXT")]
        case .postgres:
            types = [("{id}", "UUID"), ("{ts}", "TIMESTAMPTZ"), ("{bool}", "BOOLEAN"), ("{json}", "TEXT")]
        }
        var out = statement
        for (placeholder, type) in types { out = out.replacingOccurrences(of: placeholder, with: type) }
        return out
    }

    /// Serialises migrations across processes: two nodes starting together must not race.
    static func migrationLock(for engine: SQLEngine) -> (lock: String, unlock: String)? {
        switch engine {
        case .sqlite: nil  // BEGIN IMMEDIATE already takes the single write lock
        case .postgres: ("SELECT pg_advisory_xact_lock(72616270)", "")
        }
    }
}

import Foundation

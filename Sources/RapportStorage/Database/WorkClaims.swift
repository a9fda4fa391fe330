import Foundation
import SQLKit

/// Named claims on work that one node at a time should do (table `work_claims`). A claim is held
/// until a time; a node that dies holding it is replaced once that time has passed.
public struct WorkClaims: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Takes `name` for `holder` until `until`, if nobody else holds it now (or `holder` already
    /// does); true when taken. Two nodes asking at once: exactly one gets it.
    public func claim(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool {
        try await database.write { db in
            try await db.raw("""
                INSERT INTO work_claims (name, holder, held_until) VALUES (\(bind: name), \(bind: holder), \(bind: until))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
                WHERE work_claims.held_until < \(bind: now) OR work_claims.holder = excluded.holder
                """).run()
            let current = try await db.raw("SELECT holder FROM work_claims WHERE name = \(bind: name)").first()?
                .decode(column: "holder", as: String.self)
            return current == holder
        }
    }

    /// Gives the claim up (when the work is done early).
    public func release(_ name: String, holder: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM work_claims WHERE name = \(bind: name) AND holder = \(bind: holder)").run()
        }
    }
}

import Foundation
import RapportCore
import SQLKit

/// The audit trail: appended in batches, read by administrators, never updated (a trigger
/// refuses it), deleted only by retention past its cutoff.
public struct AuditStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    public func append(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await database.write { db in
            for chunk in events.chunked(200) { try await db.insertRecords("audit_events", chunk) }
        }
    }

    /// Newest first, a page at a time; the cursor is the last event's stored time and id.
    public func query(_ q: AuditQuery) async throws -> Page<AuditEvent> {
        let engine = database.engine
        var after: (Double, UUID)?
        if let cursor = q.cursor {
            let parts = cursor.split(separator: "_")
            guard parts.count == 2, let seconds = Double(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
                throw RapportError.invalidField("cursor", code: "invalid_cursor", "not a cursor returned by this list", "курсор не от этого списка")
            }
            after = (seconds, id)
        }
        let cursorAfter = after
        return try await database.read { db in
            var select = db.select().column("*").from("audit_events")
            if let party = q.partyId { select = select.where("party_id", .equal, SQLBind(party)) }
            if let actor = q.actorId { select = select.where("actor_id", .equal, SQLBind(actor)) }
            if let action = q.action { select = select.where("action", .equal, SQLBind(action.rawValue)) }
            if let from = q.from { select = select.where("at", .greaterThanOrEqual, SQLBind(from)) }
            if let to = q.to { select = select.where("at", .lessThan, SQLBind(to)) }
            if let (seconds, id) = cursorAfter {
                let at = TimeBinding.bind(seconds, engine: engine)
                select = select.where { group in
                    group.where("at", .lessThan, SQLBind(at)).orWhere { inner in
                        inner.where("at", .equal, SQLBind(at)).where("id", .lessThan, SQLBind(id))
                    }
                }
            }
            let rows = try await select.orderBy("at", .descending).orderBy("id", .descending).limit(q.limit + 1).all()
            let events = try rows.prefix(q.limit).map { try $0.decode(model: AuditEvent.self, with: recordDecoder) }
            guard rows.count > q.limit, let last = events.last else { return Page(items: events, nextCursor: nil) }
            let seconds = try TimeBinding.cursorSeconds(rows[q.limit - 1], column: "at", engine: engine)
            return Page(items: events, nextCursor: "\(seconds)_\(last.id.uuidString.lowercased())")
        }
    }
}

import Foundation
import RapportCore
import SQLKit

/// One outbox event as a data subject's export shows it.
public struct SubjectEvent: Codable, Sendable, Equatable {
    public var topic: String
    public var aggregateId: UUID
    public var payload: String
    public var createdAt: Date
    public var dispatchedAt: Date?
}

/// Erasure of a person and the retention rules: personal data removed or overwritten in place,
/// rows kept so that other customers' data and aggregates (order sums, contact counts) hold.
public struct PrivacyStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    static let erasedSubject = "[erased]"

    /// Erases the person and every party merged into them, in one transaction; returns what was done.
    public func erase(_ partyId: UUID, requestedBy: UUID?, reference: String?, at now: Date) async throws -> Erasure {
        let engine = database.engine
        return try await database.write { db in
            let party = try await MergeStore.live(partyId, on: db, exclusive: true)
            guard party.kind == .person else {
                throw RapportError(.invalid, code: "erasure_person_only",
                                   message: "only a person's data is erased; erase the organisation's contact persons instead",
                                   messageRu: "удаляются данные только физических лиц; удалите контактных лиц организации")
            }
            var all = [partyId], frontier = [partyId]
            while !frontier.isEmpty {
                let merged = try await db.select().column("id").from("parties").where("merged_into_id", .in, SQLBind.group(frontier)).all()
                    .map { try $0.decode(column: "id", as: UUID.self) }
                all += merged
                frontier = merged
            }
            var counts: [String: Int] = [:]
            func count(_ key: String, _ n: Int) { counts[key, default: 0] += n }
            for id in all {
                let interactions = try await db.select().column("id").from("interactions").where("party_id", .equal, SQLBind(id)).all()
                    .map { try $0.decode(column: "id", as: UUID.self) }
                count("interactions", interactions.count)
                try await db.update("interactions").set("address", to: SQLLiteral.null).set("subject", to: SQLLiteral.null)
                    .set("summary", to: SQLLiteral.null).set("outcome", to: SQLLiteral.null).where("party_id", .equal, SQLBind(id)).run()
                for chunk in interactions.chunked(200) {
                    try await SearchIndex.removeInteractions(Array(chunk), on: db, engine: engine)
                }
                count("identities", try await Self.countAndDelete("identities", "party_id", id, on: db))
                count("facts", try await Self.countAndDelete("party_facts", "party_id", id, on: db))
                count("campaign_lists", try await Self.countAndDelete("campaign_parties", "party_id", id, on: db))
                // Call records and what was computed from the person's behaviour go too.
                for table in ["usage_records", "party_values", "party_clusters"] {
                    try await db.delete(from: table).where("party_id", .equal, SQLBind(id)).run()
                }
                try await db.delete(from: "duplicate_hints").where("party_id", .equal, SQLBind(id)).orWhere("other_party_id", .equal, SQLBind(id)).run()
                try await db.update("relationships").set("related_name", to: SQLLiteral.null).set("related_birth_date", to: SQLLiteral.null)
                    .where("party_id", .equal, SQLBind(id)).where("related_party_id", .isNot, SQLLiteral.null).run()
                count("relationships", try await Self.countAndDelete("relationships", "party_id", id, on: db, extra: "related_party_id IS NULL"))
                // Other customers' relationships that name this person keep the link, not the name.
                try await db.update("relationships").set("related_name", to: SQLLiteral.null).set("related_birth_date", to: SQLLiteral.null)
                    .where("related_party_id", .equal, SQLBind(id)).run()
                try await db.update("contact_roles").set("form_of_address", to: SQLLiteral.null).set("notes", to: SQLLiteral.null)
                    .where("person_id", .equal, SQLBind(id)).run()
                try await db.update("orders").set("recipient_name", to: SQLLiteral.null).set("occasion", to: SQLLiteral.null)
                    .where("party_id", .equal, SQLBind(id)).run()
                try await db.update("requests").set("subject", to: SQLBind(Self.erasedSubject)).where("party_id", .equal, SQLBind(id)).run()
                // Messages to the person: their texts and addresses go; what still waited is never sent.
                count("messages", try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("outbound_messages")
                    .where("party_id", .equal, SQLBind(id)).first()?.decode(column: "n", as: Int.self) ?? 0)
                try await db.update("outbound_messages").set("status", to: SQLBind(MessageStatus.cancelled.rawValue)).set("reason", to: SQLBind("erased"))
                    .where("party_id", .equal, SQLBind(id)).where("status", .in, SQLBind.group([MessageStatus.queued.rawValue, MessageStatus.sending.rawValue])).run()
                try await db.update("outbound_messages").set("address", to: SQLRaw("CASE WHEN address IS NULL THEN NULL ELSE '' END"))
                    .set("body", to: SQLRaw("CASE WHEN body IS NULL THEN NULL ELSE '' END")).set("subject", to: SQLLiteral.null)
                    .set("last_error", to: SQLLiteral.null).set("updated_at", to: SQLBind(now)).where("party_id", .equal, SQLBind(id)).run()
                // Merge snapshots hold copies of names and addresses: wiped (such a merge can no longer be undone).
                try await db.update("merges").set("snapshot", to: SQLBind("{\"erased\":true}")).set("field_conflicts", to: SQLBind("[]"))
                    .where("survivor_id", .equal, SQLBind(id)).orWhere("merged_id", .equal, SQLBind(id)).run()
                for chunk in ([id] + interactions).chunked(200) {
                    try await db.update("outbox_events").set("payload", to: SQLBind("{}")).where("aggregate_id", .in, SQLBind.group(Array(chunk))).run()
                }
                try await SearchIndex.removeParty(id, on: db, engine: engine)
                try await db.update("parties").set("display_name", to: SQLBind(Erasure.erasedName)).set("surname", to: SQLLiteral.null)
                    .set("given_name", to: SQLBind("")).set("patronymic", to: SQLLiteral.null).set("birth_date", to: SQLLiteral.null)
                    .set("language", to: SQLLiteral.null).set("inn", to: SQLLiteral.null).set("foreign_tax_id", to: SQLLiteral.null)
                    .set("time_zone", to: SQLLiteral.null).set("name_key", to: SQLLiteral.null)
                    .set("erased_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now)).where("id", .equal, SQLBind(id)).run()
                count("parties", 1)
            }
            let erasure = Erasure(id: .timeOrdered(at: now), partyId: partyId, requestedBy: requestedBy, reference: reference, counts: counts, erasedAt: now)
            try await db.insert(into: "erasures").columns("id", "party_id", "requested_by", "reference", "counts", "erased_at")
                .values(SQLBind(erasure.id), SQLBind(partyId), SQLBind(requestedBy), SQLBind(reference),
                        SQLBind(String(decoding: try JSONEncoder().encode(counts), as: UTF8.self)), SQLBind(now)).run()
            try await db.appendEvent("party.erased", aggregateId: partyId, at: now)
            return erasure
        }
    }

    static func countAndDelete(_ table: String, _ column: String, _ id: UUID, on db: any SQLDatabase, extra: String? = nil) async throws -> Int {
        var select = db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).where(SQLIdentifier(column), .equal, SQLBind(id))
        var delete = db.delete(from: table).where(SQLIdentifier(column), .equal, SQLBind(id))
        if let extra { select = select.where(SQLRaw(extra)); delete = delete.where(SQLRaw(extra)) }
        let n = try await select.first()?.decode(column: "n", as: Int.self) ?? 0
        if n > 0 { try await delete.run() }
        return n
    }

    public func erasures(of partyId: UUID) async throws -> [Erasure] {
        try await database.read { db in
            try await db.select().column("*").from("erasures").where("party_id", .equal, SQLBind(partyId)).orderBy("erased_at").all().map { row in
                Erasure(id: try row.decode(column: "id", as: UUID.self), partyId: partyId,
                        requestedBy: try row.decode(column: "requested_by", as: UUID?.self),
                        reference: try row.decode(column: "reference", as: String?.self),
                        counts: try JSONDecoder().decode([String: Int].self, from: Data(try row.decode(column: "counts", as: String.self).utf8)),
                        erasedAt: try row.decode(column: "erased_at", as: Date.self))
            }
        }
    }

    /// Outbox events about these records (a party and its interactions, orders, …), oldest first.
    public func events(about ids: [UUID]) async throws -> [SubjectEvent] {
        try await database.read { db in
            var out: [SubjectEvent] = []
            for chunk in ids.chunked(200) {
                out += try await db.select().columns("topic", "aggregate_id", "payload", "created_at", "dispatched_at").from("outbox_events")
                    .where("aggregate_id", .in, SQLBind.group(Array(chunk))).all().records(SubjectEvent.self)
            }
            return out.sorted { $0.createdAt < $1.createdAt }
        }
    }

    // MARK: Retention

    /// Applies each rule once: removes what is older than its cutoff; returns the rows touched per rule.
    public func applyRetention(_ rules: [RetentionRule], at now: Date) async throws -> RetentionReport {
        let engine = database.engine
        return try await database.write { db in
            var lines: [RetentionReport.Line] = []
            for rule in rules {
                let cutoff = now.addingTimeInterval(-Double(rule.keepDays) * 86_400)
                var rows = 0
                switch rule.kind {
                case .interactionText:
                    var select = db.select().column("id").from("interactions").where("occurred_at", .lessThan, SQLBind(cutoff))
                        .where { $0.where("subject", .isNot, SQLLiteral.null).orWhere("summary", .isNot, SQLLiteral.null)
                            .orWhere("address", .isNot, SQLLiteral.null).orWhere("outcome", .isNot, SQLLiteral.null) }
                    if let channel = rule.channel { select = select.where("channel", .equal, SQLBind(channel.rawValue)) }
                    let ids = try await select.all().map { try $0.decode(column: "id", as: UUID.self) }
                    for chunk in ids.chunked(200) {
                        try await db.update("interactions").set("address", to: SQLLiteral.null).set("subject", to: SQLLiteral.null)
                            .set("summary", to: SQLLiteral.null).set("outcome", to: SQLLiteral.null).where("id", .in, SQLBind.group(Array(chunk))).run()
                        try await SearchIndex.removeInteractions(Array(chunk), on: db, engine: engine)
                    }
                    rows = ids.count
                case .factHistory:
                    rows = try await Self.deleteCounting(db.delete(from: "party_facts").where("superseded_at", .isNot, SQLLiteral.null)
                        .where("superseded_at", .lessThan, SQLBind(cutoff)), table: "party_facts", on: db) {
                        $0.where("superseded_at", .isNot, SQLLiteral.null).where("superseded_at", .lessThan, SQLBind(cutoff))
                    }
                case .eventPayloads:
                    let ids = try await db.select().column("id").from("outbox_events").where("dispatched_at", .isNot, SQLLiteral.null)
                        .where("dispatched_at", .lessThan, SQLBind(cutoff)).where("payload", .notEqual, SQLBind("{}")).all()
                        .map { try $0.decode(column: "id", as: UUID.self) }
                    for chunk in ids.chunked(200) {
                        try await db.update("outbox_events").set("payload", to: SQLBind("{}")).where("id", .in, SQLBind.group(Array(chunk))).run()
                    }
                    rows = ids.count
                case .auditEvents:
                    // The append-only trigger lets a delete through only below a cutoff announced in this transaction.
                    try await db.insert(into: "audit_retention").columns("cutoff").values(SQLBind(cutoff)).run()
                    rows = try await Self.deleteCounting(db.delete(from: "audit_events").where("at", .lessThan, SQLBind(cutoff)),
                                                         table: "audit_events", on: db) { $0.where("at", .lessThan, SQLBind(cutoff)) }
                    try await db.delete(from: "audit_retention").run()
                }
                lines.append(.init(kind: rule.kind, channel: rule.channel, cutoff: cutoff, rows: rows))
            }
            return RetentionReport(appliedAt: now, lines: lines)
        }
    }

    static func deleteCounting(_ delete: SQLDeleteBuilder, table: String, on db: any SQLDatabase,
                               _ filter: (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> Int {
        let n = try await filter(db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)).first()?
            .decode(column: "n", as: Int.self) ?? 0
        if n > 0 { try await delete.run() }
        return n
    }
}

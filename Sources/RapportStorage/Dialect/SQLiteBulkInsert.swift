import Foundation
import RapportCore
import SQLiteNIO

/// The SQLite side of the bulk path: multi-row INSERTs with values bound directly as `SQLiteData`,
/// skipping the Codable encoder and the SQL builder, which dominated the generic path (measured:
/// docs/benchmarks.md). Values are bound exactly as the generic path binds them (UUIDs as upper-case
/// text, times as seconds since 1970, enumerations as raw values, dates as `YYYY-MM-DD`), and a
/// storage test reads bulk-loaded rows back through the ordinary stores to keep the two in step.
protocol SQLiteBulkRow {
    static var table: String { get }
    static var columns: [String] { get }
    func appendValues(to binds: inout [SQLiteData])
}

enum SQLiteBulkInsert {
    static func insert<Row: SQLiteBulkRow>(_ rows: ArraySlice<Row>, on connection: SQLiteConnection) async throws {
        guard !rows.isEmpty else { return }
        let tuple = "(" + Array(repeating: "?", count: Row.columns.count).joined(separator: ",") + ")"
        let sql = "INSERT INTO \(Row.table) (\(Row.columns.joined(separator: ","))) VALUES "
            + Array(repeating: tuple, count: rows.count).joined(separator: ",")
        var binds: [SQLiteData] = []
        binds.reserveCapacity(rows.count * Row.columns.count)
        for row in rows { row.appendValues(to: &binds) }
        try await connection.query(sql, binds) { _ in }
    }
}

private extension SQLiteData {
    init(_ id: UUID) { self = .text(id.text()) }
    init(_ id: UUID?) { self = id.map { .text($0.text()) } ?? .null }
    init(_ date: Date) { self = .float(date.timeIntervalSince1970) }
    init(_ text: String?) { self = text.map { .text($0) } ?? .null }
    init(_ date: CivilDate?) { self = date.map { .text($0.description) } ?? .null }
}

extension Party: SQLiteBulkRow {
    static var table: String { "parties" }
    static var columns: [String] {
        ["id", "kind", "display_name", "surname", "given_name", "patronymic", "birth_date", "language", "legal_name", "inn", "kpp",
         "foreign_tax_id", "country", "time_zone", "lifecycle_stage", "stage_changed_at", "created_at", "updated_at", "name_key", "value_tier",
         "merged_into_id"]
    }
    func appendValues(to b: inout [SQLiteData]) {
        b += [SQLiteData(id), .text(kind.rawValue), .text(displayName), SQLiteData(surname), SQLiteData(givenName), SQLiteData(patronymic),
              SQLiteData(birthDate), SQLiteData(language), SQLiteData(legalName), SQLiteData(inn), SQLiteData(kpp), SQLiteData(foreignTaxId),
              SQLiteData(country), SQLiteData(timeZone), .text(lifecycleStage.rawValue), SQLiteData(stageChangedAt), SQLiteData(createdAt),
              SQLiteData(updatedAt), SQLiteData(nameKey), SQLiteData(valueTier), SQLiteData(mergedIntoId)]
    }
}

extension Identity: SQLiteBulkRow {
    static var table: String { "identities" }
    static var columns: [String] { ["id", "party_id", "kind", "value", "normalized", "label", "created_at"] }
    func appendValues(to b: inout [SQLiteData]) {
        b += [SQLiteData(id), SQLiteData(partyId), .text(kind.rawValue), .text(value), .text(normalized), SQLiteData(label), SQLiteData(createdAt)]
    }
}

extension Interaction: SQLiteBulkRow {
    static var table: String { "interactions" }
    static var columns: [String] {
        ["id", "party_id", "channel", "direction", "occurred_at", "address", "agent", "subject", "summary", "outcome", "request_id",
         "order_id", "campaign_id", "corrects_id", "created_at"]
    }
    func appendValues(to b: inout [SQLiteData]) {
        b += [SQLiteData(id), SQLiteData(partyId), .text(channel.rawValue), .text(direction.rawValue), SQLiteData(occurredAt), SQLiteData(address),
              SQLiteData(agent), SQLiteData(subject), SQLiteData(summary), SQLiteData(outcome), SQLiteData(requestId), SQLiteData(orderId),
              SQLiteData(campaignId), SQLiteData(correctsId), SQLiteData(createdAt)]
    }
}

extension OutboundMessage: SQLiteBulkRow {
    static var table: String { "outbound_messages" }
    static var columns: [String] {
        ["id", "party_id", "rule_id", "rule_key", "event_id", "dedup_key", "channel", "address", "purpose", "language", "subject", "body", "status",
         "reason", "attempts", "not_before", "lease_until", "last_error", "provider_id", "interaction_id", "created_at", "sent_at", "delivered_at",
         "updated_at", "campaign_id"]
    }
    func appendValues(to b: inout [SQLiteData]) {
        b += [SQLiteData(id), SQLiteData(partyId), SQLiteData(ruleId), SQLiteData(ruleKey), SQLiteData(eventId), .text(dedupKey),
              SQLiteData(channel?.rawValue), SQLiteData(address), .text(purpose), SQLiteData(language), SQLiteData(subject), SQLiteData(body),
              .text(status.rawValue), SQLiteData(reason), .integer(attempts), SQLiteData(notBefore), leaseUntil.map { SQLiteData($0) } ?? .null,
              SQLiteData(lastError), SQLiteData(providerId), SQLiteData(interactionId), SQLiteData(createdAt), sentAt.map { SQLiteData($0) } ?? .null,
              deliveredAt.map { SQLiteData($0) } ?? .null, SQLiteData(updatedAt), SQLiteData(campaignId)]
    }
}

extension OutboxEvent: SQLiteBulkRow {
    static var table: String { "outbox_events" }
    static var columns: [String] { ["id", "topic", "aggregate_id", "payload", "created_at", "dispatched_at"] }
    func appendValues(to b: inout [SQLiteData]) {
        b += [SQLiteData(id), .text(topic), SQLiteData(aggregateId), .text(payload), SQLiteData(createdAt), dispatchedAt.map { SQLiteData($0) } ?? .null]
    }
}

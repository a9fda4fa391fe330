import Foundation
import RapportCore
import SQLKit

/// Domain events written in the same transaction as the change they describe, so nothing is lost
/// between "saved" and "notified". Payloads carry ids only, never personal data.
struct OutboxEvent: Codable, Sendable {
    var id: UUID
    var topic: String
    var aggregateId: UUID
    var payload: String
    var createdAt: Date
    var dispatchedAt: Date?
}

extension SQLDatabase {
    func appendEvent(_ topic: String, aggregateId: UUID, at now: Date, payload: [String: String] = [:]) async throws {
        let json = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        try await insertRecord("outbox_events", OutboxEvent(id: .timeOrdered(at: now), topic: topic, aggregateId: aggregateId,
                                                           payload: String(decoding: json, as: UTF8.self), createdAt: now, dispatchedAt: nil))
    }
}

public struct OutboxStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    /// Topics of events not yet dispatched, oldest first (for operators and tests).
    public func pendingTopics(limit: Int = 100) async throws -> [(topic: String, aggregateId: UUID)] {
        try await database.read { db in
            try await db.select().column("*").from("outbox_events").where("dispatched_at", .is, SQLLiteral.null)
                .orderBy("created_at").orderBy("id").limit(limit).all().records(OutboxEvent.self)
        }.map { ($0.topic, $0.aggregateId) }
    }
}

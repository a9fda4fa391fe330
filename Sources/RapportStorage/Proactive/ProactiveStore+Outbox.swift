import Foundation
import RapportCore
import SQLiteNIO
import SQLKit

/// The dispatcher's side: claiming due messages under a lease, recording what each attempt came
/// to (a sent message goes onto the customer's trail in the same transaction), receipts, the
/// dead-letter list, and the date rules' occurrences.
extension ProactiveStore {
    /// Takes up to `limit` messages that are due (queued and past `not_before`, or leased by a
    /// dispatcher whose lease ran out — it died or hung) and leases them until `leaseUntil`.
    /// Each claim counts as an attempt. PostgreSQL skips rows another node holds. Only messages for
    /// `channels` (those this node can send on) are taken.
    public func claim(limit: Int, now: Date, leaseUntil: Date, channels: [OutboundChannel], maxAttempts: Int = 8) async throws -> [OutboundMessage] {
        guard !channels.isEmpty else { return [] }
        let engine = database.engine
        return try await database.write { db in
            // A message whose lease ran out as often as it may be tried (its sends hang or kill the
            // node) goes to the dead letters instead of round again.
            try await db.raw("""
                UPDATE outbound_messages SET status = 'dead', reason = 'attempts_exhausted', lease_until = NULL, updated_at = \(bind: now)
                WHERE status = 'sending' AND lease_until < \(bind: now) AND attempts >= \(bind: maxAttempts)
                """).run()
            let lock: SQLQueryString = engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let ids = try await db.raw("""
                SELECT id FROM outbound_messages
                WHERE ((status = 'queued' AND not_before <= \(bind: now)) OR (status = 'sending' AND lease_until < \(bind: now)))
                AND channel IN \(SQLBind.group(channels.map(\.rawValue)))
                ORDER BY not_before, id LIMIT \(literal: limit)
                """ + lock).all().map { try RowReader($0).required(try RowReader($0).uuid("id"), "id") }
            guard !ids.isEmpty else { return [] }
            // Decided before a withdrawal or an erasure that committed while the decision was being
            // written (or re-queued after one): not sent.
            let stale = try await Self.noLongerAllowed(ids, on: db)
            if !stale.isEmpty {
                for (reason, group) in Dictionary(grouping: stale, by: \.reason) {
                    for chunk in group.map(\.id).chunked(500) {
                        try await db.update("outbound_messages").set("status", to: SQLBind(MessageStatus.cancelled.rawValue))
                            .set("reason", to: SQLBind(reason)).set("lease_until", to: SQLLiteral.null).set("updated_at", to: SQLBind(now))
                            .where("id", .in, SQLBind.group(Array(chunk))).run()
                    }
                }
            }
            let cancelled = Set(stale.map(\.id))
            var claimed: [OutboundMessage] = []
            for chunk in ids.filter({ !cancelled.contains($0) }).chunked(500) {
                try await db.update("outbound_messages").set("status", to: SQLBind(MessageStatus.sending.rawValue))
                    .set("lease_until", to: SQLBind(leaseUntil)).set("attempts", to: SQLRaw("attempts + 1"))
                    .set("updated_at", to: SQLBind(now)).where("id", .in, SQLBind.group(Array(chunk))).run()
                claimed += try await db.select().column("*").from("outbound_messages").where("id", .in, SQLBind.group(Array(chunk)))
                    .all().records(OutboundMessage.self)
            }
            return claimed.sorted { ($0.notBefore, $0.id.uuidString) < ($1.notBefore, $1.id.uuidString) }
        }
    }

    /// Of these messages, those whose person was erased, or whose purpose the person withdrew (for
    /// the message's channel or for all channels) after the message was decided.
    static func noLongerAllowed(_ ids: [UUID], on db: any SQLDatabase) async throws -> [(id: UUID, reason: String)] {
        var out: [(id: UUID, reason: String)] = []
        for chunk in ids.chunked(500) {
            for row in try await db.raw("""
                SELECT m.id, CASE WHEN p.erased_at IS NOT NULL THEN 'erased' ELSE 'consent_withdrawn' END AS reason
                FROM outbound_messages m JOIN parties p ON p.id = m.party_id
                WHERE m.id IN \(SQLBind.group(Array(chunk))) AND m.channel <> 'webhook' AND (p.erased_at IS NOT NULL OR EXISTS (
                    SELECT 1 FROM consents c WHERE c.party_id = m.party_id AND c.purpose = m.purpose AND c.granted = \(bind: false)
                    AND c.recorded_at >= m.created_at AND (c.channel IS NULL OR c.channel = m.channel)
                    AND NOT EXISTS (SELECT 1 FROM consents g WHERE g.party_id = c.party_id AND g.purpose = c.purpose AND g.granted = \(bind: true)
                                    AND g.channel IS NOT DISTINCT FROM c.channel AND g.recorded_at > c.recorded_at)))
                """).all() {
                let r = RowReader(row)
                out.append((try r.required(try r.uuid("id"), "id"), try r.required(try r.string("reason"), "reason")))
            }
        }
        return out
    }

    /// What one attempt came to, for `complete`.
    public struct Attempt: Sendable {
        public var message: OutboundMessage
        public var outcome: SendOutcome
        public init(message: OutboundMessage, outcome: SendOutcome) { self.message = message; self.outcome = outcome }
    }

    /// Records a batch of attempts in one transaction. A sent message becomes an outbound
    /// interaction on the customer's trail; a failure goes back to the queue with its backoff or
    /// to the dead letters. Only messages still leased (`sending`) change: one cancelled or
    /// completed meanwhile by another node keeps its state.
    public func complete(_ attempts: [Attempt], retry: RetryPolicy, now: Date) async throws {
        guard !attempts.isEmpty else { return }
        let engine = database.engine
        let writer = database.sqliteWriter
        try await database.write { db in
            // Only messages this caller still holds change: still `sending` with the attempt number it
            // claimed (a later claim by another dispatcher, after the lease ran out, raised it), or
            // already receipted by a fast gateway before this batch was recorded. One cancelled or
            // finished meanwhile keeps its state.
            var leased = Set<UUID>()
            var receipted: [UUID: String] = [:]
            let attemptOf = Dictionary(attempts.map { ($0.message.id, $0.message.attempts) }, uniquingKeysWith: { a, _ in a })
            for chunk in attempts.map(\.message.id).chunked(500) {
                for row in try await db.raw("""
                    SELECT id, attempts, status FROM outbound_messages WHERE id IN \(SQLBind.group(Array(chunk)))
                    AND (status = 'sending' OR (status IN ('delivered', 'failed') AND sent_at IS NULL))
                    """).all() {
                    let r = RowReader(row)
                    let id = try r.required(try r.uuid("id"), "id")
                    guard try r.int("attempts") == attemptOf[id] else { continue }
                    leased.insert(id)
                    if let status = try r.string("status"), status != "sending" { receipted[id] = status == "delivered" ? "delivered" : "not_delivered" }
                }
            }
            // The trail entries first: the messages point at them.
            var entries: [UUID: Interaction] = [:]
            var sent: [(message: UUID, provider: String?, entry: UUID?)] = []
            for a in attempts where leased.contains(a.message.id) {
                guard case .sent(let provider) = a.outcome else { continue }
                let m = a.message
                var entryId: UUID? = nil
                if let channel = m.channel, channel != .webhook {
                    let entry = Interaction(id: .timeOrdered(at: now), partyId: m.partyId, channel: channel == .email ? .email : .sms,
                                            direction: .outbound, occurredAt: now, address: m.address, subject: m.subject ?? m.ruleKey,
                                            summary: m.body.map { String($0.prefix(2000)) }, outcome: receipted[m.id] ?? "sent", createdAt: now)
                    entries[m.id] = entry
                    entryId = entry.id
                }
                sent.append((m.id, provider, entryId))
            }
            let kept = Array(entries.values)
            let events = kept.map {
                OutboxEvent(id: .timeOrdered(at: now), topic: "interaction.recorded", aggregateId: $0.id,
                            payload: "{\"channel\":\"\($0.channel.rawValue)\",\"direction\":\"outbound\"}", createdAt: now, dispatchedAt: nil)
            }
            if let writer {
                for chunk in kept.chunked(1000) { try await SQLiteBulkInsert.insert(chunk, on: writer) }
                for chunk in events.chunked(1000) { try await SQLiteBulkInsert.insert(chunk, on: writer) }
            } else {
                for chunk in kept.chunked(500) { try await db.insertRecords("interactions", chunk) }
                for chunk in events.chunked(500) { try await db.insertRecords("outbox_events", chunk) }
            }
            try await SearchIndex.indexInteractions(kept, on: db, engine: engine)
            // Sent ones in a few statements: the values that differ per message come from a VALUES list.
            // (Webhooks have no trail entry: a column of NULLs only would not type as a UUID on PostgreSQL.)
            for chunk in sent.filter({ $0.entry != nil }).chunked(300) {
                let rows: [SQLQueryString] = chunk.map { "(\(bind: $0.message), \(bind: $0.provider ?? ""), \(bind: $0.entry!), \(bind: attemptOf[$0.message] ?? 0))" }
                try await db.raw("""
                    UPDATE outbound_messages SET status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END, sent_at = \(bind: now),
                    provider_id = COALESCE(provider_id, NULLIF(v.column2, '')), interaction_id = v.column3,
                    lease_until = NULL, last_error = NULL, updated_at = \(bind: now)
                    FROM (VALUES
                    """ + rows.joined(separator: ", ") + ") AS v WHERE outbound_messages.id = v.column1 AND outbound_messages.attempts = v.column4").run()
            }
            for one in sent where one.entry == nil {
                try await db.update("outbound_messages").set("status", to: SQLRaw("CASE WHEN status = 'sending' THEN 'sent' ELSE status END"))
                    .set("sent_at", to: SQLBind(now)).set("provider_id", to: SQLBind(one.provider)).set("lease_until", to: SQLLiteral.null)
                    .set("last_error", to: SQLLiteral.null).set("updated_at", to: SQLBind(now)).where("id", .equal, SQLBind(one.message))
                    .where("attempts", .equal, SQLBind(attemptOf[one.message] ?? 0)).run()
            }
            for a in attempts where leased.contains(a.message.id) {
                let m = a.message
                let permanent: Bool
                let error: String
                switch a.outcome {
                case .sent: continue
                case .retry(let e): permanent = false; error = e
                case .permanent(let e): permanent = true; error = e
                }
                let next = retry.afterFailure(attempt: m.attempts, permanent: permanent, id: m.id, now: now)
                // A failure reported after a receipt said delivered does not undo the delivery.
                guard receipted[m.id] == nil else { continue }
                try await db.update("outbound_messages").set("status", to: SQLBind(next.status.rawValue))
                    .set("not_before", to: SQLBind(next.notBefore)).set("lease_until", to: SQLLiteral.null)
                    .set("last_error", to: SQLBind(String(error.prefix(500))))
                    .set("reason", to: SQLBind(next.status == .dead ? (permanent ? "permanent_failure" : "attempts_exhausted") : nil))
                    .set("updated_at", to: SQLBind(now)).where("id", .equal, SQLBind(m.id)).where("status", .equal, SQLBind(MessageStatus.sending.rawValue))
                    .where("attempts", .equal, SQLBind(m.attempts)).run()
            }
        }
    }

    /// A gateway's delivery receipt: `sent` → `delivered` or `failed`. Unknown messages are a 404;
    /// a receipt for a message already final is accepted and changes nothing.
    public func receipt(messageId: UUID?, providerId: String?, delivered: Bool, error: String?, at: Date) async throws -> OutboundMessage {
        try await database.write { db in
            var q = db.select().column("*").from("outbound_messages")
            if let messageId { q = q.where("id", .equal, SQLBind(messageId)) } else { q = q.where("provider_id", .equal, SQLBind(providerId)) }
            guard var m = try await q.first()?.decode(model: OutboundMessage.self, with: recordDecoder) else {
                throw RapportError.notFound("message", messageId?.uuidString.lowercased() ?? providerId ?? "")
            }
            guard m.status == .sent || m.status == .sending else { return m }
            m.status = delivered ? .delivered : .failed
            if delivered { m.deliveredAt = at } else { m.lastError = error }
            m.updatedAt = at
            try await db.update("outbound_messages").set("status", to: SQLBind(m.status.rawValue)).set("delivered_at", to: SQLBind(m.deliveredAt))
                .set("last_error", to: SQLBind(m.lastError)).set("updated_at", to: SQLBind(at)).where("id", .equal, SQLBind(m.id)).run()
            if let entry = m.interactionId {
                try await db.update("interactions").set("outcome", to: SQLBind(delivered ? "delivered" : "not_delivered"))
                    .where("id", .equal, SQLBind(entry)).run()
            }
            return m
        }
    }

    /// A dead message sent again from the start (after the address or the gateway was fixed).
    public func requeue(_ id: UUID, now: Date) async throws -> OutboundMessage {
        try await database.write { db in
            guard var m = try await db.record(OutboundMessage.self, from: "outbound_messages", id: id) else {
                throw RapportError.notFound("message", id.uuidString.lowercased())
            }
            guard m.status == .dead || m.status == .failed else {
                throw RapportError(.conflict, code: "message_not_dead", message: "only dead or failed messages can be sent again (this one is \(m.status.rawValue))",
                                   messageRu: "повторно отправить можно только неотправленное сообщение (статус: \(m.status.rawValue))")
            }
            m.status = .queued; m.attempts = 0; m.notBefore = now; m.reason = nil; m.updatedAt = now
            try await db.update("outbound_messages").set("status", to: SQLBind(m.status.rawValue)).set("attempts", to: SQLBind(0))
                .set("not_before", to: SQLBind(now)).set("reason", to: SQLLiteral.null).set("updated_at", to: SQLBind(now))
                .where("id", .equal, SQLBind(id)).run()
            return m
        }
    }

    public func message(_ id: UUID) async throws -> OutboundMessage? {
        try await database.read { db in try await db.record(OutboundMessage.self, from: "outbound_messages", id: id) }
    }

    public func messages(_ query: MessageQuery) async throws -> Page<OutboundMessage> {
        try await database.read { db in
            var q = db.select().column("*").from("outbound_messages")
            if let p = query.partyId { q = q.where("party_id", .equal, SQLBind(p)) }
            if let e = query.eventId { q = q.where("event_id", .equal, SQLBind(e)) }
            if let s = query.status { q = q.where("status", .equal, SQLBind(s.rawValue)) }
            if let r = query.ruleKey { q = q.where("rule_key", .equal, SQLBind(r)) }
            return try await q.page(query.page).all().records(OutboundMessage.self).paged(query.page, id: \.id)
        }
    }

    /// Messages by status (the outbox at a glance, and what the benchmark waits on).
    public func statusCounts(channel: OutboundChannel? = nil) async throws -> [MessageStatus: Int] {
        try await database.read { db in
            var out: [MessageStatus: Int] = [:]
            let filter: SQLQueryString = channel.map { "WHERE channel = \(bind: $0.rawValue) " } ?? ""
            for row in try await db.raw("SELECT status, COUNT(*) AS n FROM outbound_messages " + filter + "GROUP BY status").all() {
                if let s = MessageStatus(rawValue: try row.decode(column: "status", as: String.self)) { out[s] = try row.decode(column: "n", as: Int.self) }
            }
            return out
        }
    }
}

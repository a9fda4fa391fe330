import Foundation
import RapportCore
import SQLiteNIO
import SQLKit

let storedJSONEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.dateEncodingStrategy = .secondsSince1970
    e.outputFormatting = [.sortedKeys]
    return e
}()
let storedJSONDecoder: JSONDecoder = {
    let d = JSONDecoder()
    d.keyDecodingStrategy = .convertFromSnakeCase
    d.dateDecodingStrategy = .secondsSince1970
    return d
}()

func storedJSON(_ value: some Encodable) throws -> String { String(decoding: try storedJSONEncoder.encode(value), as: UTF8.self) }
func fromStoredJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try storedJSONDecoder.decode(type, from: Data(text.utf8)) }

struct EventTypeRow: Codable, Sendable {
    var id: UUID
    var key: String
    var description: String?
    var fields: String
    var createdAt: Date
    var updatedAt: Date

    init(_ t: EventType) throws {
        id = t.id; key = t.key; description = t.description; fields = try storedJSON(t.fields); createdAt = t.createdAt; updatedAt = t.updatedAt
    }

    var eventType: EventType {
        get throws { EventType(id: id, key: key, description: description, fields: try fromStoredJSON([EventField].self, fields),
                               createdAt: createdAt, updatedAt: updatedAt) }
    }
}

struct RuleRow: Codable, Sendable {
    var id: UUID
    var key: String
    var version: Int
    var enabled: Bool
    var name: String
    var triggerKind: String
    var eventType: String?
    var dateTrigger: String?
    var definition: String
    var superseded: Bool
    var createdAt: Date
    var createdBy: String?

    init(_ r: ProactiveRule, superseded: Bool = false) throws {
        id = r.id; key = r.key; version = r.version; enabled = r.enabled; name = r.name; triggerKind = r.trigger.rawValue
        eventType = r.eventType; dateTrigger = r.dateTrigger?.rawValue; definition = try storedJSON(r); self.superseded = superseded
        createdAt = r.createdAt; createdBy = r.createdBy
    }

    var rule: ProactiveRule {
        get throws {
            var r = try fromStoredJSON(ProactiveRule.self, definition)
            r.enabled = enabled
            return r
        }
    }
}

struct BusinessEventRow: Codable, Sendable {
    var id: UUID
    var eventType: String
    var externalId: String?
    var payload: String
    var occurredAt: Date
    var receivedAt: Date
    var outcome: String

    init(_ e: BusinessEvent) throws {
        id = e.id; eventType = e.eventType; externalId = e.externalId; payload = try storedJSON(e.payload); occurredAt = e.occurredAt
        receivedAt = e.receivedAt; outcome = try storedJSON(e.outcome)
    }

    var event: BusinessEvent {
        get throws {
            BusinessEvent(id: id, eventType: eventType, externalId: externalId, payload: try fromStoredJSON([String: String].self, payload),
                          occurredAt: occurredAt, receivedAt: receivedAt, outcome: try fromStoredJSON(EventOutcome.self, outcome))
        }
    }
}

/// The proactive side's SQL: event types, rules and their versions, events with their fan-out,
/// bookings, and the outbound-message outbox the dispatcher works from.
public struct ProactiveStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    // MARK: Event types

    public func createEventType(_ t: EventType) async throws -> EventType {
        try await database.write { db in
            if try await Self.eventType(t.key, on: db) != nil {
                throw RapportError(.conflict, code: "event_type_exists", message: "event type \(t.key) already exists",
                                   messageRu: "тип события \(t.key) уже существует", details: ["key": t.key])
            }
            try await db.insertRecord("event_types", try EventTypeRow(t))
            return t
        }
    }

    /// Replaces an event type's schema; `check` sees the rules that use it and may refuse.
    public func replaceEventType(_ t: EventType, check: @escaping @Sendable ([ProactiveRule]) throws -> Void) async throws -> EventType {
        try await database.write { db in
            guard let old = try await Self.eventType(t.key, on: db) else { throw RapportError.notFound("event_type", t.key) }
            let rules = try await Self.currentRules(eventType: t.key, enabledOnly: false, on: db)
            try check(rules)
            var updated = t
            updated.id = old.id; updated.createdAt = old.createdAt
            try await db.update("event_types").set("description", to: SQLBind(updated.description))
                .set("fields", to: SQLBind(try storedJSON(updated.fields))).set("updated_at", to: SQLBind(updated.updatedAt))
                .where("key", .equal, SQLBind(t.key)).run()
            return updated
        }
    }

    public func eventType(_ key: String) async throws -> EventType? {
        try await database.read { db in try await Self.eventType(key, on: db) }
    }

    static func eventType(_ key: String, on db: any SQLDatabase) async throws -> EventType? {
        try await db.select().column("*").from("event_types").where("key", .equal, SQLBind(key)).first()?
            .decode(model: EventTypeRow.self, with: recordDecoder).eventType
    }

    public func eventTypes() async throws -> [EventType] {
        try await database.read { db in
            try await db.select().column("*").from("event_types").orderBy("key").limit(1000).all().records(EventTypeRow.self).map { try $0.eventType }
        }
    }

    // MARK: Rules

    /// Saves a rule: version 1 when the key is new, otherwise the next version (the previous one
    /// stays, marked superseded, so sent messages still name the wording that produced them).
    public func saveRule(_ make: @escaping @Sendable (_ version: Int, _ eventType: EventType?) throws -> ProactiveRule,
                         eventTypeKey: String?, key: String, mustExist: Bool) async throws -> ProactiveRule {
        try await database.write { db in
            let current = try await Self.currentRule(key, on: db)
            if mustExist, current == nil { throw RapportError.notFound("rule", key) }
            if !mustExist, current != nil {
                throw RapportError(.conflict, code: "rule_exists", message: "rule \(key) already exists; change it with PUT",
                                   messageRu: "правило \(key) уже существует; измените его через PUT", details: ["key": key])
            }
            var type: EventType? = nil
            if let key = eventTypeKey { type = try await Self.eventType(key, on: db) }
            let rule = try make((current?.version ?? 0) + 1, type)
            if let current {
                try await db.update("proactive_rules").set("superseded", to: SQLBind(true)).where("id", .equal, SQLBind(current.id)).run()
            }
            try await db.insertRecord("proactive_rules", try RuleRow(rule))
            try await db.appendEvent("rule.saved", aggregateId: rule.id, at: rule.createdAt, payload: ["key": rule.key, "version": String(rule.version)])
            return rule
        }
    }

    public func setRuleEnabled(_ key: String, enabled: Bool, at now: Date) async throws -> ProactiveRule {
        try await database.write { db in
            guard var rule = try await Self.currentRule(key, on: db) else { throw RapportError.notFound("rule", key) }
            try await db.update("proactive_rules").set("enabled", to: SQLBind(enabled)).where("id", .equal, SQLBind(rule.id)).run()
            try await db.appendEvent(enabled ? "rule.enabled" : "rule.disabled", aggregateId: rule.id, at: now, payload: ["key": key])
            rule.enabled = enabled
            return rule
        }
    }

    public func rule(_ key: String) async throws -> ProactiveRule? {
        try await database.read { db in try await Self.currentRule(key, on: db) }
    }

    public func ruleVersions(_ key: String) async throws -> [ProactiveRule] {
        try await database.read { db in
            try await db.select().column("*").from("proactive_rules").where("key", .equal, SQLBind(key)).orderBy("version", .descending)
                .limit(1000).all().records(RuleRow.self).map { try $0.rule }
        }
    }

    public func rules() async throws -> [ProactiveRule] {
        try await database.read { db in
            try await db.select().column("*").from("proactive_rules").where("superseded", .equal, SQLBind(false)).orderBy("key")
                .limit(1000).all().records(RuleRow.self).map { try $0.rule }
        }
    }

    /// Enabled date rules, for the scheduler.
    public func dateRules() async throws -> [ProactiveRule] {
        try await rules().filter { $0.trigger == .date && $0.enabled }
    }

    static func currentRule(_ key: String, on db: any SQLDatabase) async throws -> ProactiveRule? {
        try await db.select().column("*").from("proactive_rules").where("key", .equal, SQLBind(key))
            .where("superseded", .equal, SQLBind(false)).first()?.decode(model: RuleRow.self, with: recordDecoder).rule
    }

    static func currentRules(eventType: String, enabledOnly: Bool, on db: any SQLDatabase) async throws -> [ProactiveRule] {
        var q = db.select().column("*").from("proactive_rules").where("event_type", .equal, SQLBind(eventType))
            .where("superseded", .equal, SQLBind(false))
        if enabledOnly { q = q.where("enabled", .equal, SQLBind(true)) }
        return try await q.orderBy("key").all().records(RuleRow.self).map { try $0.rule }
    }

    // MARK: Bookings

    public func createBooking(_ b: Booking) async throws -> Booking {
        try await database.write { db in
            _ = try await MergeStore.live(b.partyId, on: db)
            let clash = try await db.select().column("id").from("bookings").where("booking_ref", .equal, SQLBind(b.bookingRef))
                .where("flight_number", .equal, SQLBind(b.flightNumber)).where("flight_date", .equal, SQLBind(b.flightDate)).first()
            if clash != nil {
                throw RapportError(.conflict, code: "booking_exists", message: "booking \(b.bookingRef) is already on \(b.flightNumber) \(b.flightDate)",
                                   messageRu: "бронирование \(b.bookingRef) уже есть на рейсе \(b.flightNumber) \(b.flightDate)")
            }
            try await db.insertRecord("bookings", b)
            try await db.appendEvent("booking.created", aggregateId: b.id, at: b.createdAt)
            return b
        }
    }

    public func bookings(partyId: UUID?, flightNumber: String?, flightDate: CivilDate?, page: PageRequest) async throws -> Page<Booking> {
        try await database.read { db in
            var q = db.select().column("*").from("bookings")
            if let partyId { q = q.where("party_id", .equal, SQLBind(partyId)) }
            if let flightNumber { q = q.where("flight_number", .equal, SQLBind(flightNumber)) }
            if let flightDate { q = q.where("flight_date", .equal, SQLBind(flightDate)) }
            return try await q.page(page).all().records(Booking.self).paged(page, id: \.id)
        }
    }

    /// Inserts many bookings in one transaction (the benchmark's and the demo's flights).
    public func loadBookings(_ bookings: [Booking]) async throws {
        try await database.exclusiveWrite { db in
            for chunk in bookings.chunked(1000) { try await db.insertRecords("bookings", chunk) }
        }
    }

    /// Consents and bookings in bulk, in one transaction (the benchmark's generated flight).
    public func loadPassengers(consents: [Consent], bookings: [Booking]) async throws {
        try await database.exclusiveWrite { db in
            for chunk in consents.chunked(1000) { try await db.insertRecords("consents", chunk) }
            for chunk in bookings.chunked(1000) { try await db.insertRecords("bookings", chunk) }
        }
        let engine = database.engine
        try await database.write { db in try await Statistics.refresh(["consents", "bookings"], on: db, engine: engine) }
    }

    // MARK: Events and their fan-out

    public func event(_ id: UUID) async throws -> BusinessEvent? {
        try await database.read { db in try await db.record(BusinessEventRow.self, from: "business_events", id: id)?.event }
    }

    public func event(type: String, externalId: String) async throws -> BusinessEvent? {
        try await database.read { db in
            try await db.select().column("*").from("business_events").where("event_type", .equal, SQLBind(type))
                .where("external_id", .equal, SQLBind(externalId)).first()?.decode(model: BusinessEventRow.self, with: recordDecoder).event
        }
    }

    public func events(eventType: String?, page: PageRequest) async throws -> Page<BusinessEvent> {
        try await database.read { db in
            var q = db.select().column("*").from("business_events")
            if let eventType { q = q.where("event_type", .equal, SQLBind(eventType)) }
            return try await q.page(page).all().records(BusinessEventRow.self).map { try $0.event }.paged(page, id: \.id)
        }
    }

    /// Records an event and, in the same transaction, every message its enabled rules decide:
    /// nothing is decided that is not durably queued, and nothing queued without its event. A
    /// repeat of an event already received (same type and external id) returns the first one and
    /// changes nothing (`duplicate` true).
    ///
    /// The audiences are read before the write transaction, their statements in parallel on
    /// readers, so the single writer is held only for the inserts. What can change in between is
    /// safe: a consent withdrawn or a person erased meanwhile is caught when the message is
    /// claimed (`noLongerAllowed`), and a repeat of the event is caught again inside the write.
    public func intake(_ event: BusinessEvent, eventType: EventType, defaultTimeZone: TimeZone) async throws -> (event: BusinessEvent, duplicate: Bool) {
        let writer = database.sqliteWriter, database = self.database
        if let external = event.externalId, let seen = try await self.event(type: event.eventType, externalId: external) { return (seen, true) }
        let rules = try await database.read { db in try await Self.currentRules(eventType: event.eventType, enabledOnly: true, on: db) }
        var audiences: [(rule: ProactiveRule, recipients: [Recipient]?)] = []
        for rule in rules {
            let planner = MessagePlanner(rule: rule, eventType: eventType, eventValues: event.payload, eventId: event.id,
                                         now: event.receivedAt, defaultTimeZone: defaultTimeZone)
            guard planner.eventConditionsHold() else { audiences.append((rule, nil)); continue }
            let audience = Self.audience(rule.audience ?? .party, payload: event.payload)
            // Rows stepped on the readers' threads: no future per row (docs/benchmarks.md).
            let recipients = try await Self.recipients(audience, rule: rule, now: event.receivedAt) { query in
                try await database.rows(query) { $0 }
            }
            audiences.append((rule, recipients))
        }
        let planned = audiences
        return try await database.write { db in
            if let external = event.externalId,
               let seen = try await db.select().column("*").from("business_events").where("event_type", .equal, SQLBind(event.eventType))
                .where("external_id", .equal, SQLBind(external)).first()?.decode(model: BusinessEventRow.self, with: recordDecoder) {
                return (try seen.event, true)
            }
            var stored = event
            try await db.insertRecord("business_events", try BusinessEventRow(stored))
            // A person erased since the audience was read gets nothing (and no copy of their name).
            let erased = Set(try await db.select().column("id").from("parties").where("erased_at", .greaterThanOrEqual, SQLBind(event.receivedAt))
                .all().map { try RowReader($0).required(try RowReader($0).uuid("id"), "id") })
            var outcomes: [RuleOutcome] = []
            for (rule, found) in planned {
                guard var recipients = found else {
                    outcomes.append(RuleOutcome(ruleKey: rule.key, ruleVersion: rule.version, fired: false, audience: 0, queued: 0, suppressed: [:]))
                    continue
                }
                if !erased.isEmpty { recipients.removeAll { erased.contains($0.partyId) } }
                var planner = MessagePlanner(rule: rule, eventType: eventType, eventValues: event.payload, eventId: event.id,
                                             now: event.receivedAt, defaultTimeZone: defaultTimeZone)
                // Decide a slice while the previous one is being written (the writes run on the
                // database's thread, the decisions on this one).
                var counted = RuleOutcome(ruleKey: rule.key, ruleVersion: rule.version, fired: true, audience: recipients.count, queued: 0, suppressed: [:])
                var writing: Task<Void, any Error>? = nil
                for slice in recipients.chunked(5000) {
                    var messages: [OutboundMessage] = []
                    messages.reserveCapacity(slice.count)
                    for r in slice {
                        if let m = planner.plan(r, id: .timeOrdered(at: event.receivedAt)) { messages.append(m) }
                    }
                    Self.count(messages, into: &counted)
                    try await writing?.value
                    let ready = messages
                    writing = Task { try await Self.insert(ready, on: db, sqlite: writer) }
                }
                try await writing?.value
                outcomes.append(counted)
            }
            stored.outcome = EventOutcome(rules: outcomes)
            try await db.update("business_events").set("outcome", to: SQLBind(try storedJSON(stored.outcome)))
                .where("id", .equal, SQLBind(stored.id)).run()
            try await db.appendEvent("business_event.received", aggregateId: stored.id, at: stored.receivedAt, payload: ["type": stored.eventType])
            return (stored, false)
        }
    }

    /// What `rule` would decide for one customer with this event payload, without storing anything
    /// (the rule editor's preview).
    public func preview(_ rule: ProactiveRule, eventType: EventType?, payload: [String: String], partyId: UUID, now: Date,
                        defaultTimeZone: TimeZone) async throws -> OutboundMessage? {
        let engine = database.engine
        return try await database.read { db in
            guard try await db.exists("parties", id: partyId) else { throw RapportError.notFound("party", partyId.uuidString.lowercased()) }
            // The order, booking or contract number the event would have found them by, from the payload.
            let (field, variable): (String, String?) = switch rule.audience {
            case .order: ("order_number", "order.number")
            case .booking, .flight: ("booking_ref", "booking.ref")
            case .contract: ("contract_number", "contract.number")
            case .party, nil: ("", nil)
            }
            let ref = payload[field] ?? ""
            let audience = Audience(select: "SELECT id AS party_id, \(bind: ref) AS ref FROM parties WHERE id = \(bind: partyId)", refVariable: variable)
            var planner = MessagePlanner(rule: rule, eventType: eventType, eventValues: payload, eventId: nil, now: now, defaultTimeZone: defaultTimeZone)
            guard let recipient = try await Self.recipients(audience, rule: rule, now: now, on: db, engine: engine).first else { return nil }
            return planner.plan(recipient, id: UUID())
        }
    }

    static func count(_ messages: [OutboundMessage], into outcome: inout RuleOutcome) {
        for m in messages {
            if m.status == .queued { outcome.queued += 1 } else { outcome.suppressed[m.reason ?? "suppressed", default: 0] += 1 }
        }
    }

    /// Inserts decided messages; on SQLite through the multi-row bulk path (values bound directly,
    /// on the writer connection inside the caller's transaction), elsewhere through the builder.
    static func insert(_ messages: [OutboundMessage], on db: any SQLDatabase, sqlite: SQLiteConnection?) async throws {
        if let sqlite {
            // 25 columns × 1300 rows stays under SQLite's 32 766 bound parameters.
            for chunk in messages.chunked(1300) { try await SQLiteBulkInsert.insert(chunk, on: sqlite) }
            return
        }
        for chunk in messages.chunked(1000) { try await db.insertRecords("outbound_messages", chunk) }
    }

    /// Withdrawing a consent stops the messages still waiting that relied on it.
    static func cancelQueued(after consent: Consent, on db: any SQLDatabase) async throws {
        // A channel with its own answer in force keeps deciding for itself.
        var keep: [String] = []
        if consent.channel == nil {
            let current = ConsentSummary.current(try await ProfileStore.consents(of: consent.partyId, on: db).filter { $0.purpose == consent.purpose })
            keep = current.filter { $0.channel != nil && $0.granted }.compactMap { $0.channel?.rawValue }
        }
        var q = db.update("outbound_messages").set("status", to: SQLBind(MessageStatus.cancelled.rawValue))
            .set("reason", to: SQLBind("consent_withdrawn")).set("updated_at", to: SQLBind(consent.recordedAt))
            .where("party_id", .equal, SQLBind(consent.partyId)).where("purpose", .equal, SQLBind(consent.purpose))
            .where("status", .equal, SQLBind(MessageStatus.queued.rawValue))
            .where("channel", .notEqual, SQLBind(OutboundChannel.webhook.rawValue))
        if let channel = consent.channel { q = q.where("channel", .equal, SQLBind(channel.rawValue)) }
        if !keep.isEmpty { q = q.where("channel", .notIn, SQLBind.group(keep)) }
        try await q.run()
    }
}

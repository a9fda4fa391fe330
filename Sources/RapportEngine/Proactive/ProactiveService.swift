import Foundation
import RapportCore
import RapportStorage

/// Proactive service use cases: event types and rules (validated in full when saved, so nothing
/// fails at send time in the middle of a fan-out), business events in, bookings, and the outbox
/// seen from the API (messages, receipts, dead letters).
public struct ProactiveService: Sendable {
    let store: ProactiveStore
    let clock: any Clock
    public let defaultTimeZone: TimeZone
    /// Rung after something was queued, so a dispatcher in this process looks at once.
    public let doorbell: OutboxDoorbell

    public init(store: ProactiveStore, clock: any Clock, defaultTimeZone: TimeZone, doorbell: OutboxDoorbell = OutboxDoorbell()) {
        self.store = store; self.clock = clock; self.defaultTimeZone = defaultTimeZone; self.doorbell = doorbell
    }

    func onQueued() async { await doorbell.ring() }

    // MARK: Event types

    public func createEventType(_ input: EventTypeInput) async throws -> EventType {
        let now = clock.now()
        return try await store.createEventType(try input.make(id: .timeOrdered(at: now), now: now))
    }

    /// Replaces the schema; refused when a rule in force would no longer be valid against it.
    public func replaceEventType(key: String, _ input: EventTypeInput) async throws -> EventType {
        var input = input
        if let k = input.key, k != key {
            throw RapportError.invalidField("key", "does not match the path (\(key))", "не совпадает с путём (\(key))")
        }
        input.key = key
        let now = clock.now()
        let updated = try input.make(id: .timeOrdered(at: now), now: now)
        return try await store.replaceEventType(updated) { rules in
            for rule in rules {
                do { _ = try Self.input(of: rule).make(id: rule.id, version: rule.version, eventType: updated, now: now, createdBy: nil) }
                catch let error as RapportError {
                    throw RapportError(.conflict, code: "rule_incompatible",
                                       message: "rule \(rule.key) would no longer be valid: \(error.message)",
                                       messageRu: "правило \(rule.key) станет некорректным: \(error.messageRu)",
                                       details: ["rule": rule.key])
                }
            }
        }
    }

    public func eventTypes() async throws -> [EventType] { try await store.eventTypes() }

    public func eventType(_ key: String) async throws -> EventType {
        guard let t = try await store.eventType(key) else { throw RapportError.notFound("event_type", key) }
        return t
    }

    // MARK: Rules

    public func createRule(_ input: ProactiveRuleInput, by user: String?) async throws -> ProactiveRule {
        let key = try EventTypeInput.validateKey(try Validate.required(input.key, "key"), field: "key")
        let now = clock.now()
        return try await store.saveRule({ version, type in
            try input.make(id: .timeOrdered(at: now), version: version, eventType: type, now: now, createdBy: user)
        }, eventTypeKey: input.eventType, key: key, mustExist: false)
    }

    /// A new version of the rule; the old one stays for the messages it decided.
    public func updateRule(key: String, _ input: ProactiveRuleInput, by user: String?) async throws -> ProactiveRule {
        var input = input
        if let k = input.key, k != key { throw RapportError.invalidField("key", "does not match the path (\(key))", "не совпадает с путём (\(key))") }
        input.key = key
        let now = clock.now()
        let fixed = input
        return try await store.saveRule({ version, type in
            try fixed.make(id: .timeOrdered(at: now), version: version, eventType: type, now: now, createdBy: user)
        }, eventTypeKey: input.eventType, key: key, mustExist: true)
    }

    public func setRuleEnabled(key: String, enabled: Bool) async throws -> ProactiveRule {
        try await store.setRuleEnabled(key, enabled: enabled, at: clock.now())
    }

    public func rules() async throws -> [ProactiveRule] { try await store.rules() }

    public func rule(_ key: String) async throws -> ProactiveRule {
        guard let r = try await store.rule(key) else { throw RapportError.notFound("rule", key) }
        return r
    }

    public func ruleVersions(_ key: String) async throws -> [ProactiveRule] {
        let versions = try await store.ruleVersions(key)
        if versions.isEmpty { throw RapportError.notFound("rule", key) }
        return versions
    }

    /// What the rule would send one customer for this payload (nothing is stored): the channel,
    /// address, rendered text and time — or the reason nothing would go.
    public func preview(key: String, partyId: UUID?, payload: [String: PayloadValue]?) async throws -> OutboundMessage {
        let rule = try await rule(key)
        let partyId = try Validate.required(partyId, "party_id")
        var type: EventType? = nil
        var values: [String: String] = [:]
        if rule.trigger == .event, let typeKey = rule.eventType {
            let t = try await eventType(typeKey)
            values = try t.validate(payload: try Validate.required(payload, "payload"))
            type = t
        }
        guard let m = try await store.preview(rule, eventType: type, payload: values, partyId: partyId, now: clock.now(), defaultTimeZone: defaultTimeZone) else {
            throw RapportError(.conflict, code: "party_merged", message: "the party was merged or erased; preview its survivor",
                               messageRu: "контрагент объединён или удалён; используйте основную запись")
        }
        return m
    }

    /// A new version of the rule with another template (checked like any rule change).
    public func replaceTemplate(key: String, _ template: MessageTemplate, by user: String?) async throws -> ProactiveRule {
        var input = Self.input(of: try await rule(key))
        input.template = template
        return try await updateRule(key: key, input, by: user)
    }

    static func input(of r: ProactiveRule) -> ProactiveRuleInput {
        ProactiveRuleInput(key: r.key, name: r.name, enabled: r.enabled, trigger: r.trigger, eventType: r.eventType, dateTrigger: r.dateTrigger,
                           daysBefore: r.daysBefore, age: r.age, relationshipKinds: r.relationshipKinds, conditions: r.conditions,
                           audience: r.trigger == .event ? r.audience : nil, purpose: r.purpose, channels: r.channels, template: r.template,
                           quietHours: r.quietHours, frequencyCap: r.frequencyCap, sendAtField: r.sendAtField, webhookUrl: r.webhookUrl,
                           smsMaxParts: r.smsMaxParts)
    }

    // MARK: Business events

    /// Checks the event against its type and records it with every message its rules decide,
    /// in one transaction. Posting the same external id again returns the first outcome.
    public func post(_ input: BusinessEventInput) async throws -> (event: BusinessEvent, duplicate: Bool) {
        let typeKey = try Validate.required(input.eventType, "event_type")
        guard let type = try await store.eventType(typeKey) else {
            throw RapportError.invalidField("event_type", code: "unknown_event_type", "\(typeKey) is not a defined event type",
                                            "тип события \(typeKey) не определён")
        }
        let payload = try type.validate(payload: try Validate.required(input.payload, "payload"))
        let now = clock.now()
        let external = try Validate.optionalText(input.externalId, "external_id", max: 200)
        let event = BusinessEvent(id: .timeOrdered(at: now), eventType: typeKey, externalId: external, payload: payload,
                                  occurredAt: min(input.occurredAt ?? now, now), receivedAt: now, outcome: EventOutcome(rules: []))
        let result: (event: BusinessEvent, duplicate: Bool)
        do {
            result = try await store.intake(event, eventType: type, defaultTimeZone: defaultTimeZone)
        } catch let error as RapportError where error.kind == .conflict && external != nil {
            // The same event posted twice at once (a sender retrying on another node): the first one wins.
            guard let first = try await store.event(type: typeKey, externalId: external!) else { throw error }
            return (first, true)
        }
        if !result.duplicate, result.event.outcome.queued > 0 { await onQueued() }
        return result
    }

    public func event(_ id: UUID) async throws -> BusinessEvent {
        guard let e = try await store.event(id) else { throw RapportError.notFound("event", id.uuidString.lowercased()) }
        return e
    }

    public func events(eventType: String?, page: PageRequest) async throws -> Page<BusinessEvent> {
        try await store.events(eventType: eventType, page: page)
    }

    // MARK: Date rules

    /// The calendar date it is now in the default time zone: the scheduler's day.
    public func today() -> CivilDate {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = defaultTimeZone
        let c = cal.dateComponents([.year, .month, .day], from: clock.now())
        return (try? CivilDate(year: c.year!, month: c.month!, day: c.day!)) ?? CivilDate(clock.now())
    }

    /// One pass over every enabled date rule; returns the messages it decided (queued or suppressed).
    @discardableResult
    public func fireDateRules() async throws -> Int {
        var total = 0
        for rule in try await store.dateRules() {
            total += try await store.fireDateRule(rule, today: today(), now: clock.now(), defaultTimeZone: defaultTimeZone)
        }
        if total > 0 { await onQueued() }
        return total
    }

    // MARK: Bookings

    public func createBooking(_ input: BookingInput) async throws -> Booking {
        let now = clock.now()
        return try await store.createBooking(try input.make(id: .timeOrdered(at: now), now: now))
    }

    public func bookings(partyId: UUID?, flightNumber: String?, flightDate: CivilDate?, page: PageRequest) async throws -> Page<Booking> {
        try await store.bookings(partyId: partyId, flightNumber: try flightNumber.map(BookingInput.flight), flightDate: flightDate, page: page)
    }

    // MARK: Messages

    public func messages(_ query: MessageQuery) async throws -> Page<OutboundMessage> { try await store.messages(query) }

    public func message(_ id: UUID) async throws -> OutboundMessage {
        guard let m = try await store.message(id) else { throw RapportError.notFound("message", id.uuidString.lowercased()) }
        return m
    }

    public func receipt(_ receipt: DeliveryReceipt) async throws -> OutboundMessage {
        let (delivered, error) = try receipt.validated()
        return try await store.receipt(messageId: receipt.messageId, providerId: receipt.providerId, delivered: delivered, error: error,
                                       at: min(receipt.at ?? clock.now(), clock.now()))
    }

    public func requeue(_ id: UUID) async throws -> OutboundMessage {
        let m = try await store.requeue(id, now: clock.now())
        await onQueued()
        return m
    }

    public func statusCounts(channel: OutboundChannel? = nil) async throws -> [MessageStatus: Int] { try await store.statusCounts(channel: channel) }
}

import Foundation
import RapportCore
import SQLKit

struct AgentRow: Codable, Sendable {
    var id: UUID
    var key: String
    var displayName: String
    var userId: UUID?
    var skills: String
    var state: AgentState
    var stateSince: Date
    var contactId: UUID?
    var createdAt: Date
    var updatedAt: Date

    init(_ a: Agent) throws {
        id = a.id; key = a.key; displayName = a.displayName; userId = a.userId; skills = try JSONText.encode(a.skills)
        state = a.state; stateSince = a.stateSince; contactId = a.contactId; createdAt = a.createdAt; updatedAt = a.updatedAt
    }

    var agent: Agent {
        get throws {
            Agent(id: id, key: key, displayName: displayName, userId: userId, skills: try JSONText.decode([String].self, skills), state: state,
                  stateSince: stateSince, contactId: contactId, createdAt: createdAt, updatedAt: updatedAt)
        }
    }
}

struct QueueRow: Codable, Sendable {
    var id: UUID
    var key: String
    var name: String
    var channel: Channel
    var skills: String
    var serviceLevelSeconds: Int
    var maxWaitSeconds: Int
    var workingHours: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ q: ContactQueue) throws {
        id = q.id; key = q.key; name = q.name; channel = q.channel; skills = try JSONText.encode(q.skills)
        serviceLevelSeconds = q.serviceLevelSeconds; maxWaitSeconds = q.maxWaitSeconds
        workingHours = try q.workingHours.map { try JSONText.encode($0) }; createdAt = q.createdAt; updatedAt = q.updatedAt
    }

    var queue: ContactQueue {
        get throws {
            ContactQueue(id: id, key: key, name: name, channel: channel, skills: try JSONText.decode([String].self, skills),
                         serviceLevelSeconds: serviceLevelSeconds, maxWaitSeconds: maxWaitSeconds,
                         workingHours: try workingHours.map { try JSONText.decode(WorkingHours.self, $0) }, createdAt: createdAt, updatedAt: updatedAt)
        }
    }
}

struct AgentStateChangeRow: Codable, Sendable {
    var id: UUID
    var agentId: UUID
    var state: AgentState
    var at: Date
    var contactId: UUID?
}

/// One platform event as stored: which contact, what it did, the state it left the contact in.
public struct ContactEventRecord: Codable, Sendable, Equatable {
    public var id: UUID
    public var eventId: String
    public var contactId: UUID
    /// The event's place in the contact's history, from 1.
    public var seq: Int
    public var type: ContactEventType
    public var occurredAt: Date
    public var agentId: UUID?
    public var queueId: UUID?
    public var state: ContactState
    public var receivedAt: Date
}

/// JSON kept in a TEXT column (skills, working hours).
enum JSONText {
    static func encode(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        e.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try d.decode(T.self, from: Data(text.utf8))
    }
}

/// A platform event checked and ready to apply. An `offered` one carries the new contact (already
/// identified, its trail entry written).
public struct PreparedContactEvent: Sendable {
    public var eventId: String
    public var type: ContactEventType
    public var externalId: String
    public var occurredAt: Date
    public var offer: ServiceContact?
    /// The offer's trail entry, written with the contact.
    public var offerEntry: Interaction?
    public var agentKey: String?
    public var toAgentKey: String?
    public var queueKey: String?
    public var outcome: String?
    public var resolved: Bool?
    public var requestId: UUID?

    public init(eventId: String, type: ContactEventType, externalId: String, occurredAt: Date, offer: ServiceContact? = nil,
                agentKey: String? = nil, toAgentKey: String? = nil, queueKey: String? = nil, outcome: String? = nil,
                resolved: Bool? = nil, requestId: UUID? = nil) {
        self.eventId = eventId; self.type = type; self.externalId = externalId; self.occurredAt = occurredAt; self.offer = offer
        self.agentKey = agentKey; self.toAgentKey = toAgentKey; self.queueKey = queueKey; self.outcome = outcome
        self.resolved = resolved; self.requestId = requestId
    }
}

/// What became of one event.
public struct AppliedContactEvent: Sendable {
    public enum Status: String, Codable, Sendable { case applied, duplicate, rejected }
    public var eventId: String
    public var status: Status
    public var contact: ServiceContact?
    public var error: RapportError?
    public var agentChanges: [AgentChange]
}

/// A contact waiting in a queue, for routing.
public struct WaitingRow: Sendable {
    public var id: UUID
    public var externalId: String
    public var queueId: UUID
    public var valueTier: String?
    public var language: String?
    public var waitingSince: Date
}

/// Agents, queues, contacts and their events. Applying a batch of platform events is one
/// transaction: each event is checked against the state left by the ones before it, and a
/// refused event writes nothing.
public struct ContactCentreStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    static let agentKeyTaken = RapportError(.conflict, code: "agent_key_taken", message: "another agent has this key", messageRu: "этот ключ уже у другого оператора")
    static let agentUserTaken = RapportError(.conflict, code: "agent_user_taken", message: "this user is already linked to an agent",
                                             messageRu: "этот пользователь уже связан с оператором")
    static let queueKeyTaken = RapportError(.conflict, code: "queue_key_taken", message: "another queue has this key", messageRu: "этот ключ уже у другой очереди")

    // MARK: Agents

    public func createAgent(_ agent: Agent) async throws -> Agent {
        try await database.write { db in
            if let user = agent.userId { try await db.require("users", id: user, entity: "user") }
            try await Self.checkAgentUnique(agent, on: db)
            try await db.insertRecord("agents", try AgentRow(agent))
            try await db.insertRecord("agent_state_changes", AgentStateChangeRow(id: .timeOrdered(at: agent.createdAt), agentId: agent.id,
                                                                                 state: agent.state, at: agent.stateSince, contactId: nil))
            try await db.appendEvent("agent.created", aggregateId: agent.id, at: agent.createdAt)
            return agent
        }
    }

    static func checkAgentUnique(_ agent: Agent, on db: any SQLDatabase) async throws {
        if try await db.select().column("id").from("agents").where("key", .equal, SQLBind(agent.key)).where("id", .notEqual, SQLBind(agent.id))
            .first() != nil { throw agentKeyTaken }
        if let user = agent.userId,
           try await db.select().column("id").from("agents").where("user_id", .equal, SQLBind(user)).where("id", .notEqual, SQLBind(agent.id))
            .first() != nil { throw agentUserTaken }
    }

    public func updateAgent(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout Agent) throws -> Void) async throws -> Agent {
        try await database.write { db in
            guard var agent = try await Self.lockedAgent(id, on: db) else { throw RapportError.notFound("agent", id.uuidString.lowercased()) }
            try change(&agent)
            if let user = agent.userId { try await db.require("users", id: user, entity: "user") }
            try await Self.checkAgentUnique(agent, on: db)
            try await db.updateRecord("agents", id: id, try AgentRow(agent))
            try await db.appendEvent("agent.changed", aggregateId: id, at: now)
            return agent
        }
    }

    /// An agent's own state change (available, away, offline). On a contact, only the end of
    /// wrap-up is allowed (to available); the contact's events move the rest.
    public func setAgentState(_ id: UUID, to state: AgentState, at now: Date) async throws -> Agent {
        try await Self.retryingRaces {
            try await self.database.write { db in
            guard var agent = try await Self.lockedAgent(id, on: db) else { throw RapportError.notFound("agent", id.uuidString.lowercased()) }
            guard state != .onContact && state != .wrapUp else {
                throw RapportError.invalidField("state", code: "state_set_by_contacts", "on_contact and wrap_up follow the contact's events",
                                                "on_contact и wrap_up задаются событиями контакта")
            }
            guard agent.state != .onContact else {
                throw RapportError(.conflict, code: "agent_on_contact", message: "the agent is on a contact; its events change the state",
                                   messageRu: "оператор на контакте; состояние меняют события контакта", details: ["state": agent.state.rawValue])
            }
            if agent.state == state { return agent }
            try await Self.setState(&agent, state, contact: nil, at: now, on: db)
            return agent
            }
        }
    }

    static func setState(_ agent: inout Agent, _ state: AgentState, contact: UUID?, at now: Date, on db: any SQLDatabase) async throws {
        let changed = agent.state != state
        agent.state = state
        agent.contactId = contact
        if changed { agent.stateSince = now }
        agent.updatedAt = now
        try await db.update("agents").set("state", to: SQLBind(state.rawValue)).set("state_since", to: SQLBind(agent.stateSince))
            .set("contact_id", to: SQLBind(contact)).set("updated_at", to: SQLBind(now)).where("id", .equal, SQLBind(agent.id)).run()
        if changed {
            try await db.insertRecord("agent_state_changes", AgentStateChangeRow(id: .timeOrdered(at: now), agentId: agent.id, state: state, at: now,
                                                                                 contactId: contact))
        }
    }

    public func agent(_ id: UUID) async throws -> Agent? {
        try await database.read { db in try await db.record(AgentRow.self, from: "agents", id: id)?.agent }
    }

    public func agent(userId: UUID) async throws -> Agent? {
        try await database.read { db in try await db.record(AgentRow.self, from: "agents", id: userId, key: "user_id")?.agent }
    }

    public func agents(state: AgentState? = nil) async throws -> [Agent] {
        try await database.read { db in
            var select = db.select().column("*").from("agents")
            if let state { select = select.where("state", .equal, SQLBind(state.rawValue)) }
            return try await select.orderBy("key").all().records(AgentRow.self).map { try $0.agent }
        }
    }

    // MARK: Queues

    public func createQueue(_ queue: ContactQueue) async throws -> ContactQueue {
        try await database.write { db in
            try await Self.checkQueueUnique(queue, on: db)
            try await db.insertRecord("contact_queues", try QueueRow(queue))
            try await db.appendEvent("queue.created", aggregateId: queue.id, at: queue.createdAt)
            return queue
        }
    }

    static func checkQueueUnique(_ queue: ContactQueue, on db: any SQLDatabase) async throws {
        if try await db.select().column("id").from("contact_queues").where("key", .equal, SQLBind(queue.key))
            .where("id", .notEqual, SQLBind(queue.id)).first() != nil { throw queueKeyTaken }
    }

    public func updateQueue(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout ContactQueue) throws -> Void) async throws -> ContactQueue {
        try await database.write { db in
            guard var queue = try await db.record(QueueRow.self, from: "contact_queues", id: id)?.queue else {
                throw RapportError.notFound("queue", id.uuidString.lowercased())
            }
            try change(&queue)
            try await Self.checkQueueUnique(queue, on: db)
            try await db.updateRecord("contact_queues", id: id, try QueueRow(queue))
            try await db.appendEvent("queue.changed", aggregateId: id, at: now)
            return queue
        }
    }

    public func queue(_ id: UUID) async throws -> ContactQueue? {
        try await database.read { db in try await db.record(QueueRow.self, from: "contact_queues", id: id)?.queue }
    }

    public func queues() async throws -> [ContactQueue] {
        try await database.read { db in
            try await db.select().column("*").from("contact_queues").orderBy("key").all().records(QueueRow.self).map { try $0.queue }
        }
    }

    // MARK: Contacts

    public func contact(_ id: UUID) async throws -> ServiceContact? {
        try await database.read { db in try await db.record(ServiceContact.self, from: "service_contacts", id: id) }
    }

    public func contact(externalId: String) async throws -> ServiceContact? {
        try await database.read { db in
            try await db.select().column("*").from("service_contacts").where("external_id", .equal, SQLBind(externalId)).first()?
                .decode(model: ServiceContact.self, with: recordDecoder)
        }
    }

    /// Of these event ids and contact ids, the ones already stored (two queries for a whole batch).
    public func seenOffers(eventIds: [String], externalIds: [String]) async throws -> (events: Set<String>, contacts: Set<String>) {
        guard !eventIds.isEmpty || !externalIds.isEmpty else { return ([], []) }
        return try await database.read { db in
            var events = Set<String>(), contacts = Set<String>()
            for chunk in eventIds.chunked(500) {
                for row in try await db.select().column("event_id").from("contact_events").where("event_id", .in, SQLBind.group(Array(chunk))).all() {
                    events.insert(try row.decode(column: "event_id", as: String.self))
                }
            }
            for chunk in externalIds.chunked(500) {
                for row in try await db.select().column("external_id").from("service_contacts").where("external_id", .in, SQLBind.group(Array(chunk))).all() {
                    contacts.insert(try row.decode(column: "external_id", as: String.self))
                }
            }
            return (events, contacts)
        }
    }

    public func contacts(state: ContactState?, queueId: UUID?, agentId: UUID?, partyId: UUID?, page: PageRequest) async throws -> Page<ServiceContact> {
        try await database.read { db in
            var select = db.select().column("*").from("service_contacts")
            if let state { select = select.where("state", .equal, SQLBind(state.rawValue)) }
            if let queueId { select = select.where("queue_id", .equal, SQLBind(queueId)) }
            if let agentId { select = select.where("agent_id", .equal, SQLBind(agentId)) }
            if let partyId { select = select.where("party_id", .equal, SQLBind(partyId)) }
            return try await select.page(page).all().records(ServiceContact.self)
        }.paged(page, id: \.id)
    }

    public func events(contactId: UUID) async throws -> [ContactEventRecord] {
        try await database.read { db in
            try await db.select().column("*").from("contact_events").where("contact_id", .equal, SQLBind(contactId))
                .orderBy("seq").all().records(ContactEventRecord.self)
        }
    }

    /// Applies a batch in one transaction, in order. Each event is checked against the state the
    /// events before it left; the rows are read once up front and written once at the end
    /// (multi-row inserts), so a batch costs a few statements per contact, not per event.
    public func apply(_ events: [PreparedContactEvent], receivedAt now: Date) async throws -> [AppliedContactEvent] {
        let engine = database.engine
        return try await Self.retryingRaces { try await self.database.write { db in
            var batch = BatchState()
            try await Self.preload(events, batch: &batch, on: db)
            var results: [AppliedContactEvent] = []
            results.reserveCapacity(events.count)
            for event in events {
                results.append(try await Self.apply(event, now: now, batch: &batch, on: db))
            }
            try await Self.flush(batch, on: db, engine: engine)
            return results
        } }
    }

    /// Runs `body` again (up to three times) when it lost a race with another node: a deadlock
    /// between two transactions locking agents and contacts (PostgreSQL aborts one), or a unique
    /// key another node wrote first (the same event posted to two nodes; the same new contact
    /// offered on two). The rerun reads the other node's committed rows, so it answers as if the
    /// requests had come one after the other ("duplicate", "contact_exists", "agent_on_contact").
    static func retryingRaces<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch where attempt < 3 && Database.lostRace(error) {
                attempt += 1
            }
        }
    }

    /// The agent row, locked until the commit (PostgreSQL; SQLite has one writer anyway).
    static func lockedAgent(_ id: UUID, on db: any SQLDatabase) async throws -> Agent? {
        try await db.select().column("*").from("agents").where("id", .equal, SQLBind(id)).for(.update).first()?
            .decode(model: AgentRow.self, with: recordDecoder).agent
    }

    /// Rows read or changed in this transaction, and the rows to write at its end.
    struct BatchState {
        var contacts: [String: ServiceContact] = [:]
        /// External ids known to have no contact (before this batch).
        var absent: Set<String> = []
        var agentsByKey: [String: Agent] = [:]
        var agentKeys: [UUID: String] = [:]
        var queues: [String: UUID] = [:]
        /// Event ids applied before, with their contact; and those applied in this batch.
        var known: [String: UUID] = [:]
        var eventIds: Set<String> = []
        var inserted: [String] = []
        var insertedSet: Set<String> = []
        var updated: Set<String> = []
        var changedAgents: Set<String> = []
        var eventRows: [ContactEventRecord] = []
        var stateRows: [AgentStateChangeRow] = []
        var outbox: [OutboxEvent] = []
        var trailUpdates: [(interaction: UUID, outcome: String?, agent: String?)] = []
        var entries: [Interaction] = []
    }

    static func preload(_ events: [PreparedContactEvent], batch: inout BatchState, on db: any SQLDatabase) async throws {
        for ids in Array(Set(events.map(\.eventId))).chunked(500) {
            for row in try await db.select().column("event_id").column("contact_id").from("contact_events")
                .where("event_id", .in, SQLBind.group(Array(ids))).all() {
                batch.known[try row.decode(column: "event_id", as: String.self)] = try row.decode(column: "contact_id", as: UUID.self)
            }
        }
        // Contacts, then agents, each locked in key order (see below).
        let externals = Array(Set(events.map(\.externalId))).sorted()
        for ids in externals.chunked(500) {
            for contact in try await db.select().column("*").from("service_contacts").where("external_id", .in, SQLBind.group(Array(ids)))
                .orderBy("external_id").for(.update).all().records(ServiceContact.self) {
                batch.contacts[contact.externalId] = contact
            }
        }
        for id in externals where batch.contacts[id] == nil { batch.absent.insert(id) }
        let keys = Array(Set(events.flatMap { [$0.agentKey, $0.toAgentKey].compactMap { $0 } })).sorted()
        for chunk in keys.chunked(500) {
            // Locked until the commit (PostgreSQL; SQLite has one writer): two nodes routing at once
            // must not both hand the same free agent a contact. In key order, which keeps deadlocks
            // rare (several jobs share a group-commit transaction); `retryingRaces` reruns the loser.
            for row in try await db.select().column("*").from("agents").where("key", .in, SQLBind.group(Array(chunk)))
                .orderBy("key").for(.update).all().records(AgentRow.self) {
                let agent = try row.agent
                batch.agentsByKey[agent.key] = agent
                batch.agentKeys[agent.id] = agent.key
            }
        }
    }

    static func apply(_ event: PreparedContactEvent, now: Date, batch: inout BatchState,
                      on db: any SQLDatabase) async throws -> AppliedContactEvent {
        func rejected(_ error: RapportError, _ contact: ServiceContact? = nil) -> AppliedContactEvent {
            AppliedContactEvent(eventId: event.eventId, status: .rejected, contact: contact, error: error, agentChanges: [])
        }
        // Idempotent on the platform's event id.
        if batch.eventIds.contains(event.eventId) {
            return AppliedContactEvent(eventId: event.eventId, status: .duplicate, contact: batch.contacts[event.externalId], error: nil, agentChanges: [])
        }
        if let contactId = batch.known[event.eventId] {
            let contact = try await db.record(ServiceContact.self, from: "service_contacts", id: contactId)
            return AppliedContactEvent(eventId: event.eventId, status: .duplicate, contact: contact, error: nil, agentChanges: [])
        }
        var contact: ServiceContact
        var changes: [AgentChange] = []
        var agentId: UUID?
        var queueId: UUID?
        if event.type == .offered {
            if let existing = try await loadContact(event.externalId, batch: &batch, on: db) {
                return rejected(RapportError(.conflict, code: "contact_exists", message: "this contact was already offered",
                                             messageRu: "этот контакт уже поступил"), existing)
            }
            guard let offer = event.offer else { return rejected(.missingField("channel")) }
            contact = offer
            if let entry = event.offerEntry { batch.entries.append(entry) }
            batch.inserted.append(contact.externalId)
            batch.insertedSet.insert(contact.externalId)
            if let party = contact.partyId {
                // The party's earlier contacts now have a next one (first-contact resolution).
                try await db.update("service_contacts").set("next_contact_at", to: SQLBind(contact.offeredAt))
                    .where("party_id", .equal, SQLBind(party)).where("id", .notEqual, SQLBind(contact.id))
                    .where("offered_at", .lessThanOrEqual, SQLBind(contact.offeredAt)).where("next_contact_at", .is, SQLLiteral.null).run()
                for (key, other) in batch.contacts where other.partyId == party && other.id != contact.id && other.nextContactAt == nil
                    && other.offeredAt <= contact.offeredAt {
                    batch.contacts[key]?.nextContactAt = contact.offeredAt
                }
            }
        } else {
            guard let found = try await loadContact(event.externalId, batch: &batch, on: db) else {
                return rejected(RapportError.notFound("contact", event.externalId))
            }
            contact = found
            var named: Agent?
            if let key = event.agentKey {
                guard let agent = try await loadAgent(key: key, batch: &batch, on: db) else { return rejected(.notFound("agent", key), contact) }
                named = agent
            } else if event.type == .answered, let current = contact.agentId, let key = try await agentKey(current, batch: &batch, on: db) {
                named = try await loadAgent(key: key, batch: &batch, on: db)
            }
            var target: Agent?
            if let key = event.toAgentKey {
                guard let agent = try await loadAgent(key: key, batch: &batch, on: db) else { return rejected(.notFound("agent", key), contact) }
                target = agent
            }
            if let key = event.queueKey {
                guard let id = try await loadQueue(key: key, batch: &batch, on: db) else { return rejected(.notFound("queue", key), contact) }
                queueId = id
            }
            if let request = event.requestId, !(try await db.exists("requests", id: request)) {
                return rejected(.notFound("request", request.uuidString.lowercased()), contact)
            }
            do {
                changes = try ContactLifecycle.apply(event.type, at: event.occurredAt, to: &contact, agents: .init(named: named, target: target),
                                                     queueId: queueId, outcome: event.outcome, resolved: event.resolved, requestId: event.requestId)
            } catch let error as RapportError {
                return rejected(error, contact)
            }
            agentId = target?.id ?? named?.id
            for change in changes {
                guard let key = try await agentKey(change.agentId, batch: &batch, on: db), var agent = try await loadAgent(key: key, batch: &batch, on: db)
                else { continue }
                // A late event does not move an agent who has already left this contact.
                if change.state != .onContact && agent.contactId != contact.id { continue }
                if agent.state != change.state {
                    agent.stateSince = event.occurredAt
                    batch.stateRows.append(AgentStateChangeRow(id: .timeOrdered(at: event.occurredAt), agentId: agent.id, state: change.state,
                                                               at: event.occurredAt, contactId: change.contactId))
                }
                agent.state = change.state
                agent.contactId = change.contactId
                agent.updatedAt = event.occurredAt
                batch.agentsByKey[key] = agent
                batch.changedAgents.insert(key)
            }
            if event.type == .wrapUp {
                // The trail entry gets the outcome and the agent when it has none yet.
                var key: String?
                if let agent = contact.agentId { key = try await agentKey(agent, batch: &batch, on: db) }
                batch.trailUpdates.append((contact.interactionId, contact.outcome, key))
            }
            if !batch.insertedSet.contains(contact.externalId) { batch.updated.insert(contact.externalId) }
        }
        contact.eventCount += 1
        batch.contacts[event.externalId] = contact
        batch.eventIds.insert(event.eventId)
        batch.eventRows.append(ContactEventRecord(id: .timeOrdered(at: now), eventId: event.eventId, contactId: contact.id, seq: contact.eventCount,
                                                  type: event.type, occurredAt: event.occurredAt, agentId: agentId,
                                                  queueId: queueId ?? (event.type == .offered ? nil : contact.queueId), state: contact.state,
                                                  receivedAt: now))
        batch.outbox.append(OutboxEvent(id: .timeOrdered(at: now), topic: "contact.\(event.type.rawValue)", aggregateId: contact.id,
                                        payload: "{\"state\":\"\(contact.state.rawValue)\"}", createdAt: now, dispatchedAt: nil))
        return AppliedContactEvent(eventId: event.eventId, status: .applied, contact: contact, error: nil, agentChanges: changes)
    }

    /// Writes what the batch changed: new contacts in their final state, changed contacts and
    /// agents once each, events, agent state changes and outbox rows many per statement.
    static func flush(_ batch: BatchState, on db: any SQLDatabase, engine: SQLEngine) async throws {
        // Trail entries first: the contacts refer to them.
        for chunk in batch.entries.chunked(500) { try await db.insertRecords("interactions", chunk) }
        for entry in batch.entries { try await SearchIndex.indexInteraction(entry, on: db, engine: engine) }
        let fresh = batch.inserted.compactMap { batch.contacts[$0] }
        for chunk in fresh.chunked(500) { try await db.insertRecords("service_contacts", chunk) }
        for key in batch.updated { if let c = batch.contacts[key] { try await db.updateRecord("service_contacts", id: c.id, c) } }
        for key in batch.changedAgents {
            guard let a = batch.agentsByKey[key] else { continue }
            try await db.update("agents").set("state", to: SQLBind(a.state.rawValue)).set("state_since", to: SQLBind(a.stateSince))
                .set("contact_id", to: SQLBind(a.contactId)).set("updated_at", to: SQLBind(a.updatedAt)).where("id", .equal, SQLBind(a.id)).run()
        }
        for chunk in batch.eventRows.chunked(500) { try await db.insertRecords("contact_events", chunk) }
        for chunk in batch.stateRows.chunked(500) { try await db.insertRecords("agent_state_changes", chunk) }
        let recorded = batch.entries.map {
            OutboxEvent(id: .timeOrdered(at: $0.createdAt), topic: "interaction.recorded", aggregateId: $0.id,
                        payload: "{\"channel\":\"\($0.channel.rawValue)\",\"direction\":\"\($0.direction.rawValue)\"}", createdAt: $0.createdAt,
                        dispatchedAt: nil)
        }
        for chunk in (recorded + batch.outbox).chunked(500) { try await db.insertRecords("outbox_events", chunk) }
        for u in batch.trailUpdates where u.outcome != nil || u.agent != nil {
            try await db.update("interactions")
                .set("outcome", to: SQLFunction("COALESCE", args: SQLIdentifier("outcome"), SQLBind(u.outcome)))
                .set("agent", to: SQLFunction("COALESCE", args: SQLIdentifier("agent"), SQLBind(u.agent)))
                .where("id", .equal, SQLBind(u.interaction)).run()
        }
    }

    static func loadContact(_ externalId: String, batch: inout BatchState, on db: any SQLDatabase) async throws -> ServiceContact? {
        if let c = batch.contacts[externalId] { return c }
        if batch.absent.contains(externalId) { return nil }
        let c = try await db.select().column("*").from("service_contacts").where("external_id", .equal, SQLBind(externalId)).first()?
            .decode(model: ServiceContact.self, with: recordDecoder)
        if let c { batch.contacts[externalId] = c }
        return c
    }

    static func loadAgent(key: String, batch: inout BatchState, on db: any SQLDatabase) async throws -> Agent? {
        if let a = batch.agentsByKey[key] { return a }
        let a = try await db.select().column("*").from("agents").where("key", .equal, SQLBind(key)).for(.update).first()?
            .decode(model: AgentRow.self, with: recordDecoder).agent
        if let a { batch.agentsByKey[key] = a; batch.agentKeys[a.id] = key }
        return a
    }

    static func agentKey(_ id: UUID, batch: inout BatchState, on db: any SQLDatabase) async throws -> String? {
        if let k = batch.agentKeys[id] { return k }
        let k = try await db.select().column("key").from("agents").where("id", .equal, SQLBind(id)).first()?.decode(column: "key", as: String.self)
        if let k { batch.agentKeys[id] = k }
        return k
    }

    static func loadQueue(key: String, batch: inout BatchState, on db: any SQLDatabase) async throws -> UUID? {
        if let q = batch.queues[key] { return q }
        let q = try await db.select().column("id").from("contact_queues").where("key", .equal, SQLBind(key)).first()?.decode(column: "id", as: UUID.self)
        if let q { batch.queues[key] = q }
        return q
    }

    // MARK: Routing and the live view

    /// Contacts waiting in queues, oldest first.
    public func waiting() async throws -> [WaitingRow] {
        try await database.read { db in
            try await db.select().column("id").column("external_id").column("queue_id").column("value_tier").column("language")
                .column(SQLFunction("COALESCE", args: SQLIdentifier("queued_at"), SQLIdentifier("routed_at"), SQLIdentifier("offered_at")), as: "since")
                .from("service_contacts").where("state", .equal, SQLBind(ContactState.queued.rawValue))
                .orderBy("offered_at").all().map { row in
                    WaitingRow(id: try row.decode(column: "id", as: UUID.self), externalId: try row.decode(column: "external_id", as: String.self),
                               queueId: try row.decode(column: "queue_id", as: UUID.self),
                               valueTier: try row.decode(column: "value_tier", as: String?.self), language: try row.decode(column: "language", as: String?.self),
                               waitingSince: try row.decode(column: "since", as: Date.self))
                }
        }
    }
}

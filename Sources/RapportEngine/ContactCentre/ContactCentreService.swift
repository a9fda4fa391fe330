import Foundation
import Logging
import RapportCore
import RapportStorage

/// Contact-centre settings: the order of value tiers routing serves first.
public struct ContactCentreSettings: Codable, Sendable, Equatable {
    public var tierOrder: [String]
    public init(tierOrder: [String]) { self.tierOrder = tierOrder }
    public static let standard = ContactCentreSettings(tierOrder: TierOrder.standard.tiers)

    public func validated() throws -> ContactCentreSettings {
        let tiers = try Skill.validate(tierOrder, field: "tier_order")
        guard tiers.count == tierOrder.count else {
            throw RapportError.invalidField("tier_order", code: "duplicate_tier", "each tier once", "каждый уровень один раз")
        }
        return ContactCentreSettings(tierOrder: tierOrder.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }
}

/// The outcome of one platform event, as the API answers it.
public struct ContactEventResult: Encodable, Sendable {
    public var eventId: String
    public var status: AppliedContactEvent.Status
    /// The platform's contact id and the state the event left the contact in.
    public var contactId: String?
    public var state: ContactState?
    /// The whole contact (answers to a single event; a batch's answers carry only id and state).
    public var contact: ServiceContact?
    public var error: EventError?
    /// `offered`: who the contact is and why.
    public var identification: Identification?
    /// `offered`, when asked for: the screen-pop card.
    public var card: Card?
}

/// Why an event was refused: the same code and messages an HTTP error would carry.
public struct EventError: Encodable, Sendable {
    public var code: String
    public var message: String
    public var messageRu: String
    public var details: [String: String]
    /// The error itself, for an edge that answers a single event with its HTTP status.
    public let underlying: RapportError
    public init(_ e: RapportError) { code = e.code; message = e.message; messageRu = e.messageRu; details = e.details; underlying = e }
    enum CodingKeys: String, CodingKey { case code, message, messageRu, details }
}

public struct ContactEventsResult: Encodable, Sendable {
    public var results: [ContactEventResult]
    /// Contacts routing gave to agents after these events (the platform connects them).
    public var assignments: [AssignmentNotice]
}

/// A routing decision as the platform needs it: its contact id and the agent's key.
public struct AssignmentNotice: Codable, Sendable, Equatable {
    public var contactId: String
    public var agent: String
    public var overdue: Bool
}

/// Agents, queues, platform events, routing, the live view and the service figures.
public struct ContactCentreService: Sendable {
    let store: ContactCentreStore
    let inbound: InboundService
    let cards: CardService
    let settings: ProfileStore
    let parties: PartyStore
    let clock: any Clock
    public let live: LiveHub
    /// Live changes to and from the other nodes (PostgreSQL only).
    public let bus: LiveBus
    let driver: RoutingDriver
    let board: BoardPublisher
    static let settingsKey = "contact_centre"
    static let maxBatch = 1000

    public init(store: ContactCentreStore, inbound: InboundService, cards: CardService, settings: ProfileStore,
                parties: PartyStore, bus: LiveBus, clock: any Clock) {
        self.store = store; self.inbound = inbound; self.cards = cards; self.settings = settings
        self.parties = parties
        self.clock = clock
        let live = LiveHub()
        self.live = live
        self.bus = bus
        driver = RoutingDriver()
        board = BoardPublisher(store: store, live: live, bus: bus, clock: clock)
    }

    // MARK: Agents and queues

    public func createAgent(_ input: AgentInput) async throws -> Agent {
        let now = clock.now()
        let agent = try await store.createAgent(try input.make(id: .timeOrdered(at: now), now: now))
        board.changed()
        return agent
    }

    public func updateAgent(_ id: UUID, _ input: AgentInput) async throws -> Agent {
        let now = clock.now()
        let agent = try await store.updateAgent(id, at: now) { try input.apply(to: &$0, now: now) }
        board.changed()
        if agent.state == .available { _ = await route() }
        return agent
    }

    public func agent(_ id: UUID) async throws -> Agent {
        guard let agent = try await store.agent(id) else { throw RapportError.notFound("agent", id.uuidString.lowercased()) }
        return agent
    }

    public func agent(userId: UUID) async throws -> Agent? { try await store.agent(userId: userId) }
    public func agents(state: AgentState? = nil) async throws -> [Agent] { try await store.agents(state: state) }

    /// An agent's own state (available, away, offline). Becoming available may bring a contact at once.
    public func setAgentState(_ id: UUID, _ state: AgentState?) async throws -> Agent {
        let agent = try await store.setAgentState(id, to: try Validate.required(state, "state"), at: clock.now())
        live.send(.agentState(agent), toAgent: agent.id)
        await bus.publish([.agentState(agent.id)])
        board.changed()
        if agent.state == .available { _ = await route() }
        return try await store.agent(id) ?? agent
    }

    public func createQueue(_ input: ContactQueueInput) async throws -> ContactQueue {
        let now = clock.now()
        let queue = try await store.createQueue(try input.make(id: .timeOrdered(at: now), now: now))
        board.changed()
        return queue
    }

    public func updateQueue(_ id: UUID, _ input: ContactQueueInput) async throws -> ContactQueue {
        let now = clock.now()
        let queue = try await store.updateQueue(id, at: now) { try input.apply(to: &$0, now: now) }
        board.changed()
        _ = await route()
        return queue
    }

    public func queue(_ id: UUID) async throws -> ContactQueue {
        guard let queue = try await store.queue(id) else { throw RapportError.notFound("queue", id.uuidString.lowercased()) }
        return queue
    }

    public func queues() async throws -> [ContactQueue] { try await store.queues() }

    public func settingsValue() async throws -> ContactCentreSettings {
        try await settings.setting(Self.settingsKey, as: ContactCentreSettings.self) ?? .standard
    }

    public func setSettings(_ value: ContactCentreSettings) async throws -> ContactCentreSettings {
        let valid = try value.validated()
        try await settings.setSetting(Self.settingsKey, valid, at: clock.now())
        return valid
    }

    // MARK: Contacts

    public func contact(_ id: UUID) async throws -> ServiceContact {
        guard let contact = try await store.contact(id) else { throw RapportError.notFound("contact", id.uuidString.lowercased()) }
        return contact
    }

    public func contact(externalId: String) async throws -> ServiceContact {
        guard let contact = try await store.contact(externalId: externalId) else { throw RapportError.notFound("contact", externalId) }
        return contact
    }

    public func contacts(state: ContactState?, queueId: UUID?, agentId: UUID?, partyId: UUID?, page: PageRequest) async throws -> Page<ServiceContact> {
        try await store.contacts(state: state, queueId: queueId, agentId: agentId, partyId: partyId, page: page)
    }

    public func events(contactId: UUID) async throws -> [ContactEventRecord] {
        _ = try await contact(contactId)
        return try await store.events(contactId: contactId)
    }

    /// Applies platform events in order, in one transaction; each answered on its own (applied,
    /// duplicate, or rejected with the reason). An `offered` event identifies the caller and puts
    /// the contact on their trail; `withCard` adds the screen-pop card to its answer.
    public func ingest(_ inputs: [ContactEventInput], withCard: Bool = false, compact: Bool = false) async throws -> ContactEventsResult {
        guard !inputs.isEmpty else { throw RapportError.missingField("events") }
        guard inputs.count <= Self.maxBatch else {
            throw RapportError(.tooLarge, code: "too_many_events", message: "at most \(Self.maxBatch) events per request",
                               messageRu: "не больше \(Self.maxBatch) событий в запросе")
        }
        let now = clock.now()
        // Check each event; an offer of a new contact is identified and put on the trail first,
        // the offers of one batch side by side (their writes share commits).
        var slots: [PreparedContactEvent?] = Array(repeating: nil, count: inputs.count)
        var early: [Int: ContactEventResult] = [:]
        var offers: [String: (Identification, Card?)] = [:]
        var newOffers: [Int] = []
        var offeredIds = Set<String>()
        for (index, input) in inputs.enumerated() {
            do {
                let (eventId, type, contactId) = try input.validated()
                slots[index] = PreparedContactEvent(eventId: eventId, type: type, externalId: contactId, occurredAt: input.occurredAt ?? now,
                                                    agentKey: input.agent, toAgentKey: input.toAgent, queueKey: input.queue, outcome: input.outcome,
                                                    resolved: input.resolved, requestId: input.requestId)
                if type == .offered, offeredIds.insert(contactId).inserted { newOffers.append(index) }
            } catch let error as RapportError {
                early[index] = ContactEventResult(eventId: input.eventId ?? "", status: .rejected, error: EventError(error))
            }
        }
        // Offers already seen (a repeated delivery, a contact offered before) are not identified again.
        let seen = try await store.seenOffers(eventIds: newOffers.map { slots[$0]!.eventId }, externalIds: newOffers.map { slots[$0]!.externalId })
        newOffers.removeAll { seen.events.contains(slots[$0]!.eventId) || seen.contacts.contains(slots[$0]!.externalId) }
        let made = await withTaskGroup(of: (Int, Result<(ServiceContact, Interaction, Identification?, Card?), RapportError>).self) { group in
            for index in newOffers {
                let input = inputs[index], event = slots[index]!
                group.addTask {
                    do {
                        return (index, .success(try await self.offer(input, channel: input.channel!, externalId: event.externalId, at: event.occurredAt,
                                                                     withCard: withCard)))
                    } catch let error as RapportError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(RapportError(.conflict, code: "offer_not_recorded", message: "the contact could not be recorded; send it again",
                                                             messageRu: "контакт не записан; отправьте его ещё раз")))
                    }
                }
            }
            return await group.reduce(into: [(Int, Result<(ServiceContact, Interaction, Identification?, Card?), RapportError>)]()) { $0.append($1) }
        }
        for (index, result) in made {
            switch result {
            case .success(let (contact, entry, who, card)):
                slots[index]!.offer = contact
                slots[index]!.offerEntry = entry
                if let who { offers[slots[index]!.eventId] = (who, card) }
            case .failure(let error):
                early[index] = ContactEventResult(eventId: slots[index]!.eventId, status: .rejected, error: EventError(error))
                slots[index] = nil
            }
        }
        let prepared = inputs.indices.compactMap { early[$0] == nil ? slots[$0] : nil }
        let applied = try await store.apply(prepared, receivedAt: now)
        var results: [ContactEventResult] = []
        var next = applied.makeIterator()
        var needsRouting = false
        var signals: [LiveSignal] = []
        for index in inputs.indices {
            if let result = early[index] { results.append(result); continue }
            guard let a = next.next() else { break }
            let offer = offers[a.eventId]
            results.append(ContactEventResult(eventId: a.eventId, status: a.status, contactId: a.contact?.externalId, state: a.contact?.state,
                                              contact: compact ? nil : a.contact, error: a.error.map(EventError.init),
                                              identification: offer?.0, card: offer?.1))
            guard a.status == .applied, let contact = a.contact else { continue }
            signals += await announce(contact, changes: a.agentChanges)
            if [.queued, .abandoned, .wrapped].contains(contact.state) || a.agentChanges.contains(where: { $0.state == .available }) {
                needsRouting = true
            }
        }
        await bus.publish(signals)
        if !applied.isEmpty { board.changed() }
        let assignments = needsRouting ? await route() : []
        return ContactEventsResult(results: results, assignments: assignments)
    }

    /// Identification and the trail entry of a new contact; the entry is written with the contact,
    /// in the batch's transaction (a refused offer leaves nothing on the trail).
    func offer(_ input: ContactEventInput, channel: Channel, externalId: String, at: Date,
               withCard: Bool) async throws -> (ServiceContact, Interaction, Identification?, Card?) {
        let entry: Interaction, who: Identification?
        if let address = input.address, !address.trimmingCharacters(in: .whitespaces).isEmpty {
            (who, entry) = try await inbound.identifyForEntry(InboundContactInput(channel: channel, address: address, occurredAt: at))
        } else {
            entry = try InteractionInput(partyId: nil, channel: channel, direction: .inbound, occurredAt: at).make(id: .timeOrdered(at: at), now: clock.now())
            who = nil
        }
        // Routing needs the tier and the language: the card has them, else one row read.
        let card = withCard ? try await entry.partyId.asyncMap { try await cards.card($0) } : nil
        var party = card?.party
        if party == nil, let id = entry.partyId { party = try await parties.get(id)?.party }
        let contact = ServiceContact(id: .timeOrdered(at: at), externalId: externalId, channel: channel, partyId: entry.partyId,
                                     interactionId: entry.id, valueTier: party?.valueTier, language: party?.language, offeredAt: at)
        return (contact, entry, who, card)
    }

    /// Tells agents watching on this node what changed for them (a contact routed or transferred to
    /// them comes with its card); returns the same for the other nodes' streams.
    func announce(_ contact: ServiceContact, changes: [AgentChange]) async -> [LiveSignal] {
        var signals: [LiveSignal] = []
        for change in changes {
            let offered = change.state == .onContact && change.contactId == contact.id && contact.state == .routed
            if bus.isActive {
                if offered { signals.append(.offer(agent: change.agentId, contact: contact.id)) }
                signals.append(.agentState(change.agentId))
            }
            guard live.isWatched(agentId: change.agentId) else { continue }
            if offered { await showOffer(contact, to: change.agentId) }
            if let agent = try? await store.agent(change.agentId) { live.send(.agentState(agent), toAgent: agent.id) }
        }
        return signals
    }

    func showOffer(_ contact: ServiceContact, to agentId: UUID) async {
        let card = try? await contact.partyId.asyncMap { try await cards.card($0) }
        live.send(.offer(ContactOffer(contact: contact, card: card)), toAgent: agentId)
    }

    /// Shows the other nodes' changes on the streams open here, until cancelled: run by every node
    /// that serves HTTP when several share one PostgreSQL.
    public func relayOtherNodes() async {
        await bus.receive { signal in
            switch signal.kind {
            case .offer:
                guard let agentId = signal.agent, let contactId = signal.contact, live.isWatched(agentId: agentId),
                      let contact = try? await store.contact(contactId) else { return }
                await showOffer(contact, to: agentId)
            case .agent:
                guard let agentId = signal.agent, live.isWatched(agentId: agentId), let agent = try? await store.agent(agentId) else { return }
                live.send(.agentState(agent), toAgent: agentId)
            case .board:
                board.changedHere()
            }
        }
    }

    // MARK: Routing

    /// Runs a routing pass (joining one about to start) and returns what it assigned.
    @discardableResult
    public func route() async -> [AssignmentNotice] {
        await driver.pass { await self.routingPass() }
    }

    func routingPass() async -> [AssignmentNotice] {
        do {
            let now = clock.now()
            let waiting = try await store.waiting()
            guard !waiting.isEmpty else { return [] }
            let agents = try await store.agents(state: .available)
            guard !agents.isEmpty else { return [] }
            let queues = Dictionary(uniqueKeysWithValues: try await store.queues().map { ($0.id, $0) })
            let tiers = TierOrder(try await settingsValue().tierOrder)
            var external: [UUID: String] = [:]
            let candidates: [WaitingContact] = waiting.compactMap { row in
                guard let queue = queues[row.queueId], queue.isOpen(at: now) else { return nil }
                external[row.id] = row.externalId
                return WaitingContact(id: row.id, requiredSkills: Set(queue.skills), preferredSkills: row.language.map { [$0.lowercased()] } ?? [],
                                      tierRank: tiers.rank(row.valueTier), waitingSince: row.waitingSince, maxWaitSeconds: queue.maxWaitSeconds)
            }
            let free = agents.map { AvailableAgent(id: $0.id, skills: Set($0.skills), idleSince: $0.stateSince) }
            let decisions = Routing.assign(waiting: candidates, agents: free, now: now)
            guard !decisions.isEmpty else { return [] }
            let keys = Dictionary(uniqueKeysWithValues: agents.map { ($0.id, $0.key) })
            let events = decisions.map { d in
                PreparedContactEvent(eventId: "rapport-routing:\(UUID().uuidString.lowercased())", type: .routed, externalId: external[d.contactId]!,
                                     occurredAt: now, agentKey: keys[d.agentId])
            }
            let applied = try await store.apply(events, receivedAt: now)
            var notices: [AssignmentNotice] = []
            var signals: [LiveSignal] = []
            for (decision, result) in zip(decisions, applied) where result.status == .applied {
                guard let contact = result.contact else { continue }
                notices.append(AssignmentNotice(contactId: contact.externalId, agent: keys[decision.agentId]!, overdue: decision.overdue))
                signals += await announce(contact, changes: result.agentChanges)
            }
            await bus.publish(signals)
            board.changed()
            return notices
        } catch {
            Logger(label: "rapport.routing").error("routing pass failed", metadata: ["error_type": .string(String(describing: type(of: error)))])
            return []
        }
    }

    // MARK: Live view

    public func wallboard() async throws -> Wallboard { try await board.build() }

    /// A supervisor's stream: the wallboard now, then whenever it changes (at most four times a second).
    public func supervisorStream() -> AsyncStream<LiveMessage> {
        let stream = live.subscribe(agentId: nil)
        board.changedHere()
        return stream
    }

    // MARK: Surveys

    /// A post-contact survey answer (1–5), recorded once per contact and on the party's trail.
    public func recordSurvey(contactId: UUID, score: Int?, channel: Channel?) async throws -> ServiceContact {
        let score = try Validate.required(score, "score")
        guard (1...5).contains(score) else {
            throw RapportError.invalidField("score", code: "invalid_score", "must be between 1 and 5", "должно быть от 1 до 5")
        }
        let channel = try Validate.required(channel, "channel")
        guard [.sms, .email, .ivr, .webForm, .chat].contains(channel) else {
            throw RapportError.invalidField("channel", code: "invalid_channel", "surveys are answered by sms, email, ivr, web_form or chat",
                                            "опрос заполняют по sms, email, ivr, web_form или chat")
        }
        let contact = try await contact(contactId)
        let now = clock.now()
        let entry = contact.partyId.map {
            Interaction(id: .timeOrdered(at: now), partyId: $0, channel: channel, direction: .inbound, occurredAt: now,
                        subject: "Post-contact survey", summary: "Satisfaction \(score) of 5", outcome: "survey_answered", createdAt: now)
        }
        try await store.recordSurveyAnswer(contactId: contactId, score: score, channel: channel, interaction: entry, at: now)
        return contact
    }

    // MARK: Figures

    /// Service figures for a range, grouped, with the total and complaints.
    public func figures(_ query: FigureQuery) async throws -> ServiceReport {
        let q = try query.validated()
        async let totals = store.serviceTotals(q)
        async let complaints = store.complaintTotals(from: q.from, to: q.to)
        var labels: [String: String] = [:]
        switch q.groupBy {
        case .queue: for queue in try await store.queues() { labels[queue.id.uuidString] = queue.name }
        case .agent: for agent in try await store.agents() { labels[agent.id.uuidString] = agent.displayName }
        default: break
        }
        let groups = try await totals.map { ServiceFigures(key: $0.key, label: labels[$0.key], totals: $0.value) }.sorted { $0.key < $1.key }
        return ServiceReport(query: q, groups: groups, complaints: try await complaints)
    }
}

/// Runs routing passes one at a time; a request while a pass runs joins the next pass, so a burst
/// of events costs one pass, not one each.
actor RoutingDriver {
    private var upcoming: Task<[AssignmentNotice], Never>?
    private var tail: Task<[AssignmentNotice], Never>?

    func pass(_ body: @escaping @Sendable () async -> [AssignmentNotice]) async -> [AssignmentNotice] {
        if let upcoming { return await upcoming.value }
        let previous = tail
        let task = Task {
            _ = await previous?.value
            self.started()
            return await body()
        }
        upcoming = task
        tail = task
        return await task.value
    }

    private func started() { upcoming = nil }
}

/// Builds the wallboard and sends it to supervisors, at most every 250 ms; tells the other nodes
/// as often, so their supervisors' wallboards follow.
final class BoardPublisher: @unchecked Sendable {
    let store: ContactCentreStore
    let live: LiveHub
    let bus: LiveBus
    let clock: any Clock
    private let lock = NSLock()
    private var scheduled = false
    private var signalScheduled = false

    init(store: ContactCentreStore, live: LiveHub, bus: LiveBus, clock: any Clock) {
        self.store = store; self.live = live; self.bus = bus; self.clock = clock
    }

    /// A change made on this node.
    func changed() {
        changedHere()
        guard bus.isActive, once(\.signalScheduled) else { return }
        Task {
            try? await Task.sleep(for: .milliseconds(250))
            lock.withLock { signalScheduled = false }
            await bus.publish([.board])
        }
    }

    /// A change this node's supervisors must see (made here or told by another node).
    func changedHere() {
        guard live.supervisorCount > 0, once(\.scheduled) else { return }
        Task {
            try? await Task.sleep(for: .milliseconds(250))
            lock.withLock { scheduled = false }
            if let board = try? await build() { live.sendToSupervisors(.wallboard(board)) }
        }
    }

    /// Sets the flag; true when it was not set (the caller starts the delayed work).
    private func once(_ flag: ReferenceWritableKeyPath<BoardPublisher, Bool>) -> Bool {
        lock.withLock {
            if self[keyPath: flag] { return false }
            self[keyPath: flag] = true
            return true
        }
    }

    func build() async throws -> Wallboard {
        let now = clock.now()
        async let queues = store.queues()
        async let waiting = store.waiting()
        async let agents = store.agents()
        let byQueue = Dictionary(grouping: try await waiting, by: \.queueId)
        let lines = try await queues.map { q in
            let rows = byQueue[q.id] ?? []
            return Wallboard.QueueLine(queueId: q.id, key: q.key, name: q.name, open: q.isOpen(at: now), waiting: rows.count,
                                       longestWaitSeconds: rows.map { max(0, now.timeIntervalSince($0.waitingSince)) }.max() ?? 0)
        }
        let all = try await agents
        var counts = Dictionary(uniqueKeysWithValues: AgentState.allCases.map { ($0.rawValue, 0) })
        for a in all { counts[a.state.rawValue, default: 0] += 1 }
        return Wallboard(at: now, queues: lines, agentsByState: counts,
                         agents: all.map { .init(agentId: $0.id, key: $0.key, displayName: $0.displayName, state: $0.state, stateSince: $0.stateSince) })
    }
}

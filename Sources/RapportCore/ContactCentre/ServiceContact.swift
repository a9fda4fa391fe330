import Foundation

/// Where one contact (a call, a chat) is in the contact centre.
public enum ContactState: String, ClosedVocabulary {
    case offered, queued, routed, answered, held, ended, abandoned
    /// Ended and wrapped up by the agent: outcome and resolution recorded.
    case wrapped
}

/// What a telephony or chat platform reports about a contact.
public enum ContactEventType: String, ClosedVocabulary {
    case offered, queued, routed, answered, held, resumed, transferred, abandoned, ended
    case wrapUp = "wrap_up"
}

/// One contact handled by the contact centre, from offer to wrap-up. Times are those the platform
/// reported; the service figures are computed from them.
public struct ServiceContact: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The platform's id of the contact (call id, chat id).
    public var externalId: String
    public var channel: Channel
    public var partyId: UUID?
    /// The entry on the party's trail this contact is.
    public var interactionId: UUID
    public var queueId: UUID?
    public var agentId: UUID?
    /// The party's value tier when the contact was offered.
    public var valueTier: String?
    /// The party's language when the contact was offered: a preferred skill for routing.
    public var language: String?
    public var state: ContactState
    public var offeredAt: Date
    public var queuedAt: Date?
    public var routedAt: Date?
    public var answeredAt: Date?
    public var endedAt: Date?
    public var abandonedAt: Date?
    public var wrappedAt: Date?
    public var holdStartedAt: Date?
    public var holdSeconds: Double
    public var transfers: Int
    public var outcome: String?
    /// The agent's word at wrap-up that the customer's matter was settled on this contact.
    public var resolved: Bool?
    public var requestId: UUID?
    /// When the same party next contacted the centre (for first-contact resolution).
    public var nextContactAt: Date?
    /// The time of the last event applied: later events may not be older.
    public var lastEventAt: Date
    /// Events applied so far (the next event's place in the contact's history).
    public var eventCount: Int
    /// The customer's post-contact survey answer (1–5), once given.
    public var surveyScore: Int?

    public init(id: UUID, externalId: String, channel: Channel, partyId: UUID?, interactionId: UUID, valueTier: String?, language: String?,
                offeredAt: Date) {
        self.id = id; self.externalId = externalId; self.channel = channel; self.partyId = partyId; self.interactionId = interactionId
        self.valueTier = valueTier; self.language = language; self.state = .offered; self.offeredAt = offeredAt; self.holdSeconds = 0; self.transfers = 0
        self.lastEventAt = offeredAt
        self.eventCount = 0
    }
}

/// A platform's event as it arrives. `eventId` makes delivery idempotent: the same id twice is
/// applied once.
public struct ContactEventInput: Codable, Sendable {
    public var eventId: String?
    public var type: ContactEventType?
    /// The platform's contact id.
    public var contactId: String?
    public var occurredAt: Date?
    /// `offered`: the channel and the caller's number or address.
    public var channel: Channel?
    public var address: String?
    /// `queued` (and `transferred` to a queue): the queue's key.
    public var queue: String?
    /// `routed`, `answered`: the agent's key. `transferred`: the agent taking over (`to_agent`).
    public var agent: String?
    public var toAgent: String?
    /// `wrap_up`: what came of it, and whether it was settled on this contact.
    public var outcome: String?
    public var resolved: Bool?
    public var requestId: UUID?

    public init(eventId: String?, type: ContactEventType?, contactId: String?, occurredAt: Date? = nil, channel: Channel? = nil,
                address: String? = nil, queue: String? = nil, agent: String? = nil, toAgent: String? = nil, outcome: String? = nil,
                resolved: Bool? = nil, requestId: UUID? = nil) {
        self.eventId = eventId; self.type = type; self.contactId = contactId; self.occurredAt = occurredAt; self.channel = channel
        self.address = address; self.queue = queue; self.agent = agent; self.toAgent = toAgent; self.outcome = outcome
        self.resolved = resolved; self.requestId = requestId
    }

    /// The checks that need nothing stored: ids present and short, the fields each type needs.
    public func validated() throws -> (eventId: String, type: ContactEventType, contactId: String) {
        let eventId = try Validate.text(self.eventId, "event_id", max: 200)
        let type = try Validate.required(self.type, "type")
        let contactId = try Validate.text(self.contactId, "contact_id", max: 200)
        switch type {
        case .offered: _ = try Validate.required(channel, "channel")
        case .queued: _ = try Validate.text(queue, "queue", max: 100)
        case .routed: _ = try Validate.text(agent, "agent", max: 100)
        case .transferred:
            if toAgent == nil && queue == nil { throw RapportError.missingField("to_agent") }
        case .wrapUp: _ = try Validate.optionalText(outcome, "outcome", max: 500)
        default: break
        }
        return (eventId, type, contactId)
    }
}

/// What an event does to an agent.
public struct AgentChange: Sendable, Equatable {
    public var agentId: UUID
    public var state: AgentState
    /// The contact the agent is now on (nil when free).
    public var contactId: UUID?
    public init(agentId: UUID, state: AgentState, contactId: UUID?) { self.agentId = agentId; self.state = state; self.contactId = contactId }
}

/// The contact lifecycle: which event may follow which, and what it changes. Pure; the engine
/// loads the contact and the agents involved, applies, and stores the result.
public enum ContactLifecycle {
    /// The agents an event names, as they are now.
    public struct Agents: Sendable {
        public var named: Agent?
        public var target: Agent?
        public init(named: Agent? = nil, target: Agent? = nil) { self.named = named; self.target = target }
    }

    public static func invalid(_ type: ContactEventType, _ state: ContactState) -> RapportError {
        RapportError(.conflict, code: "invalid_transition", message: "a contact that is \(state.rawValue) cannot be \(type.rawValue)",
                     messageRu: "событие \(type.rawValue) невозможно для контакта в состоянии \(state.rawValue)",
                     details: ["state": state.rawValue, "event": type.rawValue])
    }

    static func requireFree(_ agent: Agent, for contact: UUID) throws {
        guard agent.state == .available || (agent.contactId == contact && agent.state == .onContact) else {
            throw RapportError(.conflict, code: "agent_not_available", message: "agent \(agent.key) is \(agent.state.rawValue)",
                               messageRu: "оператор \(agent.key) сейчас в состоянии \(agent.state.rawValue)",
                               details: ["agent": agent.key, "state": agent.state.rawValue])
        }
    }

    /// Applies `type` at `at` to `contact`. `queueId` is the resolved queue of a `queued` or
    /// queue-transfer event.
    public static func apply(_ type: ContactEventType, at: Date, to contact: inout ServiceContact, agents: Agents, queueId: UUID?,
                             outcome: String?, resolved: Bool?, requestId: UUID?) throws -> [AgentChange] {
        // Events within a millisecond count as simultaneous (stored times may differ in the last digit).
        guard at.timeIntervalSince(contact.lastEventAt) > -0.001 else {
            throw RapportError(.conflict, code: "event_out_of_order", message: "the event is older than the contact's last event",
                               messageRu: "событие старше последнего события контакта", details: ["state": contact.state.rawValue])
        }
        var changes: [AgentChange] = []
        func release(_ id: UUID?) { if let id { changes.append(AgentChange(agentId: id, state: .available, contactId: nil)) } }
        let state = contact.state
        switch type {
        case .offered:
            throw RapportError(.conflict, code: "contact_exists", message: "this contact was already offered",
                               messageRu: "этот контакт уже поступил", details: ["state": state.rawValue])
        case .queued:
            guard [.offered, .queued, .routed].contains(state) else { throw invalid(type, state) }
            if state == .routed { release(contact.agentId); contact.agentId = nil }
            contact.queueId = queueId
            contact.queuedAt = contact.queuedAt ?? at
            contact.state = .queued
        case .routed:
            guard [.offered, .queued].contains(state) else { throw invalid(type, state) }
            guard let agent = agents.named else { throw RapportError.missingField("agent") }
            try requireFree(agent, for: contact.id)
            contact.agentId = agent.id
            contact.routedAt = at
            contact.state = .routed
            changes.append(AgentChange(agentId: agent.id, state: .onContact, contactId: contact.id))
        case .answered:
            guard [.offered, .queued, .routed].contains(state) else { throw invalid(type, state) }
            guard let agent = agents.named ?? nil else { throw RapportError.missingField("agent") }
            try requireFree(agent, for: contact.id)
            if let previous = contact.agentId, previous != agent.id { release(previous) }
            contact.agentId = agent.id
            contact.routedAt = contact.routedAt ?? at
            contact.answeredAt = contact.answeredAt ?? at
            contact.state = .answered
            changes.append(AgentChange(agentId: agent.id, state: .onContact, contactId: contact.id))
        case .held:
            guard state == .answered else { throw invalid(type, state) }
            contact.holdStartedAt = at
            contact.state = .held
        case .resumed:
            guard state == .held else { throw invalid(type, state) }
            closeHold(&contact, at: at)
            contact.state = .answered
        case .transferred:
            guard [.answered, .held].contains(state) else { throw invalid(type, state) }
            closeHold(&contact, at: at)
            release(contact.agentId)
            contact.transfers += 1
            if let target = agents.target {
                try requireFree(target, for: contact.id)
                contact.agentId = target.id
                contact.state = .routed
                changes.append(AgentChange(agentId: target.id, state: .onContact, contactId: contact.id))
            } else {
                contact.agentId = nil
                contact.queueId = queueId ?? contact.queueId
                contact.state = .queued
            }
        case .abandoned:
            // A contact answered once (then transferred) cannot also count as abandoned.
            guard [.offered, .queued, .routed].contains(state), contact.answeredAt == nil else { throw invalid(type, state) }
            if state == .routed { release(contact.agentId) }
            contact.abandonedAt = at
            contact.state = .abandoned
        case .ended:
            guard [.answered, .held].contains(state) else { throw invalid(type, state) }
            closeHold(&contact, at: at)
            contact.endedAt = at
            contact.state = .ended
            if let agent = contact.agentId { changes.append(AgentChange(agentId: agent, state: .wrapUp, contactId: contact.id)) }
        case .wrapUp:
            guard state == .ended else { throw invalid(type, state) }
            contact.wrappedAt = at
            contact.outcome = outcome
            contact.resolved = resolved
            contact.requestId = requestId ?? contact.requestId
            contact.state = .wrapped
            release(contact.agentId)
        }
        contact.lastEventAt = at
        return changes
    }

    static func closeHold(_ contact: inout ServiceContact, at: Date) {
        if let start = contact.holdStartedAt {
            contact.holdSeconds += at.timeIntervalSince(start)
            contact.holdStartedAt = nil
        }
    }
}

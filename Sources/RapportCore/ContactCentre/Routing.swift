import Foundation

/// A contact waiting for an agent, as routing sees it.
public struct WaitingContact: Sendable, Equatable {
    public var id: UUID
    /// Skills any agent must have (the queue's).
    public var requiredSkills: Set<String>
    /// Skills wanted until the contact has waited `maxWaitSeconds` (e.g. the customer's language);
    /// after that any agent with the required skills will do.
    public var preferredSkills: Set<String>
    /// 0 is the most valuable tier; larger is less valuable. Unknown tiers rank last.
    public var tierRank: Int
    public var waitingSince: Date
    public var maxWaitSeconds: Int

    public init(id: UUID, requiredSkills: Set<String>, preferredSkills: Set<String> = [], tierRank: Int, waitingSince: Date, maxWaitSeconds: Int) {
        self.id = id; self.requiredSkills = requiredSkills; self.preferredSkills = preferredSkills; self.tierRank = tierRank
        self.waitingSince = waitingSince; self.maxWaitSeconds = maxWaitSeconds
    }

    /// Waited past the maximum: served before every tier, by any agent with the required skills.
    public func overdue(at now: Date) -> Bool { now.timeIntervalSince(waitingSince) >= Double(maxWaitSeconds) }
}

/// An agent free to take a contact, with the time they became free (longest idle goes first).
public struct AvailableAgent: Sendable, Equatable {
    public var id: UUID
    public var skills: Set<String>
    public var idleSince: Date

    public init(id: UUID, skills: Set<String>, idleSince: Date) { self.id = id; self.skills = skills; self.idleSince = idleSince }
}

public struct RoutingAssignment: Sendable, Equatable, Codable {
    public var contactId: UUID
    public var agentId: UUID
    /// The contact had waited past its maximum and went to any skilled agent.
    public var overdue: Bool

    public init(contactId: UUID, agentId: UUID, overdue: Bool) { self.contactId = contactId; self.agentId = agentId; self.overdue = overdue }
}

/// Value tiers in order of priority, most valuable first; a tier not listed ranks after all listed.
public struct TierOrder: Codable, Sendable, Equatable {
    public var tiers: [String]
    public init(_ tiers: [String]) { self.tiers = tiers.map { $0.lowercased() } }
    public static let standard = TierOrder(["platinum", "gold", "silver", "bronze"])

    public func rank(_ tier: String?) -> Int {
        guard let tier = tier?.lowercased(), let index = tiers.firstIndex(of: tier) else { return tiers.count }
        return index
    }
}

/// Who takes which waiting contact. Pure: the same inputs give the same assignments.
///
/// Order of service: contacts that waited past their maximum first (oldest first), then by value
/// tier (most valuable first), then by waiting time (oldest first). Each contact goes to the
/// longest-idle free agent who has its required skills and, until it is overdue, its preferred
/// skills too. A contact no free agent can serve waits and does not block the ones behind it.
public enum Routing {
    public static func assign(waiting: [WaitingContact], agents: [AvailableAgent], now: Date) -> [RoutingAssignment] {
        guard !waiting.isEmpty, !agents.isEmpty else { return [] }
        if agents.count == 1 { return assignOne(agent: agents[0], waiting: waiting, now: now) }

        // Skills become bits (the skills the free agents have; a skill none has can never be met),
        // agents with the same skills one group, longest idle first: a contact looks at each
        // group's head instead of at every agent.
        var bit: [String: UInt64] = [:]
        for agent in agents { for skill in agent.skills where bit[skill] == nil && bit.count < 64 { bit[skill] = 1 << UInt64(bit.count) } }
        guard bit.count < 64 else { return assignBySets(waiting: waiting, agents: agents, now: now) }
        func mask(_ skills: Set<String>) -> UInt64? {
            var m: UInt64 = 0
            for skill in skills {
                guard let b = bit[skill] else { return nil }
                m |= b
            }
            return m
        }
        var groupIndex: [UInt64: Int] = [:]
        var groups: [(mask: UInt64, agents: [AvailableAgent], next: Int)] = []
        for agent in agents {
            let m = mask(agent.skills)!
            if let g = groupIndex[m] { groups[g].agents.append(agent) } else { groupIndex[m] = groups.count; groups.append((m, [agent], 0)) }
        }
        for g in groups.indices { groups[g].agents.sort { idleOrder($0, $1) } }

        let order = serviceOrder(waiting, now: now)
        var free = agents.count
        var result: [RoutingAssignment] = []
        for entry in order {
            let contact = waiting[entry.index]
            guard let needed = mask(entry.overdue ? contact.requiredSkills : contact.requiredSkills.union(contact.preferredSkills)) else { continue }
            var best: Int?
            for g in groups.indices where groups[g].next < groups[g].agents.count && groups[g].mask & needed == needed {
                if let b = best {
                    if idleOrder(groups[g].agents[groups[g].next], groups[b].agents[groups[b].next]) { best = g }
                } else {
                    best = g
                }
            }
            guard let g = best else { continue }
            result.append(RoutingAssignment(contactId: contact.id, agentId: groups[g].agents[groups[g].next].id, overdue: entry.overdue))
            groups[g].next += 1
            free -= 1
            if free == 0 { break }
        }
        return result
    }

    /// Contacts in order of service, with the keys computed once.
    static func serviceOrder(_ waiting: [WaitingContact], now: Date) -> [(index: Int, overdue: Bool)] {
        let keys = waiting.enumerated().map { i, c in
            (index: i, overdue: c.overdue(at: now), tier: c.tierRank, since: c.waitingSince.timeIntervalSinceReferenceDate, id: c.id.uuid)
        }
        return keys.sorted { a, b in
            if a.overdue != b.overdue { return a.overdue }
            if !a.overdue, a.tier != b.tier { return a.tier < b.tier }
            if a.since != b.since { return a.since < b.since }
            return uuidLess(a.id, b.id)
        }.map { ($0.index, $0.overdue) }
    }

    static func idleOrder(_ a: AvailableAgent, _ b: AvailableAgent) -> Bool {
        a.idleSince != b.idleSince ? a.idleSince < b.idleSince : uuidLess(a.id.uuid, b.id.uuid)
    }

    static func uuidLess(_ a: uuid_t, _ b: uuid_t) -> Bool {
        withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.lexicographicallyPrecedes(y) } }
    }

    /// The same rules with skill sets, for a pass whose agents have more than 64 distinct skills.
    static func assignBySets(waiting: [WaitingContact], agents: [AvailableAgent], now: Date) -> [RoutingAssignment] {
        var taken = Set<UUID>()
        var result: [RoutingAssignment] = []
        let sortedAgents = agents.sorted { idleOrder($0, $1) }
        for entry in serviceOrder(waiting, now: now) {
            let contact = waiting[entry.index]
            let needed = entry.overdue ? contact.requiredSkills : contact.requiredSkills.union(contact.preferredSkills)
            guard let agent = sortedAgents.first(where: { !taken.contains($0.id) && needed.isSubset(of: $0.skills) }) else { continue }
            taken.insert(agent.id)
            result.append(RoutingAssignment(contactId: contact.id, agentId: agent.id, overdue: entry.overdue))
            if taken.count == agents.count { break }
        }
        return result
    }

    /// One agent became free: the first contact in order of service that the agent can take.
    static func assignOne(agent: AvailableAgent, waiting: [WaitingContact], now: Date) -> [RoutingAssignment] {
        var best: WaitingContact?
        for contact in waiting {
            let needed = contact.overdue(at: now) ? contact.requiredSkills : contact.requiredSkills.union(contact.preferredSkills)
            guard needed.isSubset(of: agent.skills) else { continue }
            if let b = best, !precedes(contact, b, now: now) { continue }
            best = contact
        }
        return best.map { [RoutingAssignment(contactId: $0.id, agentId: agent.id, overdue: $0.overdue(at: now))] } ?? []
    }

    /// The order of service.
    public static func precedes(_ a: WaitingContact, _ b: WaitingContact, now: Date) -> Bool {
        let ao = a.overdue(at: now), bo = b.overdue(at: now)
        if ao != bo { return ao }
        if !ao, a.tierRank != b.tierRank { return a.tierRank < b.tierRank }
        if a.waitingSince != b.waitingSince { return a.waitingSince < b.waitingSince }
        return uuidLess(a.id.uuid, b.id.uuid)
    }
}

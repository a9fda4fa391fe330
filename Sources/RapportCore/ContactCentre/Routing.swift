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

        // Agents with the same skills form one group, longest idle first: a contact looks at each
        // group's head instead of at every agent.
        var groups: [Set<String>: [AvailableAgent]] = [:]
        for agent in agents { groups[agent.skills, default: []].append(agent) }
        var heads: [(skills: Set<String>, agents: [AvailableAgent], next: Int)] = groups.map { skills, members in
            (skills, members.sorted { ($0.idleSince, $0.id.uuidString) < ($1.idleSince, $1.id.uuidString) }, 0)
        }
        var free = agents.count
        var result: [RoutingAssignment] = []
        for contact in waiting.sorted(by: { precedes($0, $1, now: now) }) {
            let overdue = contact.overdue(at: now)
            let needed = overdue ? contact.requiredSkills : contact.requiredSkills.union(contact.preferredSkills)
            var best: Int?
            for g in heads.indices where heads[g].next < heads[g].agents.count && needed.isSubset(of: heads[g].skills) {
                if let b = best {
                    let candidate = heads[g].agents[heads[g].next], current = heads[b].agents[heads[b].next]
                    if (candidate.idleSince, candidate.id.uuidString) < (current.idleSince, current.id.uuidString) { best = g }
                } else {
                    best = g
                }
            }
            guard let g = best else { continue }
            result.append(RoutingAssignment(contactId: contact.id, agentId: heads[g].agents[heads[g].next].id, overdue: overdue))
            heads[g].next += 1
            free -= 1
            if free == 0 { break }
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
        return a.id.uuidString < b.id.uuidString
    }
}

import Foundation

/// Where an agent is in the working day. Routing offers contacts only to `available` agents.
public enum AgentState: String, ClosedVocabulary {
    case available
    /// Offered a contact (ringing) or talking / chatting.
    case onContact = "on_contact"
    /// The contact ended; the agent is finishing notes.
    case wrapUp = "wrap_up"
    case away
    case offline
}

/// Skills are short lower-case tokens (`ru`, `en`, `mortgage`, `b2b`, `lang:ru`): a queue names
/// the skills a contact needs, an agent the skills they have.
public enum Skill {
    public static func validate(_ values: [String]?, field: String) throws -> [String] {
        let cleaned = (values ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for skill in cleaned {
            let allowed = skill.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_:.-".unicodeScalars.contains($0) }
            guard (1...50).contains(skill.count), allowed else {
                throw RapportError.invalidField(field, code: "invalid_skill", "a skill is 1 to 50 of a-z, 0-9, _ : . -",
                                                "навык — от 1 до 50 символов a-z, 0-9, _ : . -")
            }
        }
        guard cleaned.count <= 50 else {
            throw RapportError.invalidField(field, code: "too_many_skills", "at most 50 skills", "не больше 50 навыков")
        }
        return Array(Set(cleaned)).sorted()
    }
}

/// A contact-centre agent as routing and the live view see them. `key` is what the telephony or
/// chat platform calls the agent (login or extension); `userId` links the Rapport user who signs in.
public struct Agent: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var displayName: String
    public var userId: UUID?
    public var skills: [String]
    public var state: AgentState
    public var stateSince: Date
    /// The contact the agent is on (ringing, talking or wrapping up), if any.
    public var contactId: UUID?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, key: String, displayName: String, userId: UUID?, skills: [String], state: AgentState, stateSince: Date,
                contactId: UUID? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id; self.key = key; self.displayName = displayName; self.userId = userId; self.skills = skills; self.state = state
        self.stateSince = stateSince; self.contactId = contactId; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

public struct AgentInput: Codable, Sendable {
    public var key: String?
    public var displayName: String?
    public var userId: UUID?
    public var skills: [String]?

    public init(key: String?, displayName: String?, userId: UUID? = nil, skills: [String]? = nil) {
        self.key = key; self.displayName = displayName; self.userId = userId; self.skills = skills
    }

    public static func validKey(_ value: String?, field: String = "key") throws -> String {
        let key = try Validate.text(value, field, max: 100)
        guard !key.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw RapportError.invalidField(field, code: "invalid_key", "must not contain spaces", "не должен содержать пробелов")
        }
        return key
    }

    public func make(id: UUID, now: Date) throws -> Agent {
        Agent(id: id, key: try Self.validKey(key), displayName: try Validate.text(displayName, "display_name", max: 200), userId: userId,
              skills: try Skill.validate(skills, field: "skills"), state: .offline, stateSince: now, createdAt: now, updatedAt: now)
    }

    public func apply(to agent: inout Agent, now: Date) throws {
        if key != nil { agent.key = try Self.validKey(key) }
        if displayName != nil { agent.displayName = try Validate.text(displayName, "display_name", max: 200) }
        if userId != nil { agent.userId = userId }
        if skills != nil { agent.skills = try Skill.validate(skills, field: "skills") }
        agent.updatedAt = now
    }
}

import Foundation

public enum PreferredChannel: String, ClosedVocabulary { case phone, email, sms, messenger, letter, fax }

/// A person acting as a contact person of an organisation, with their own preferences.
public struct ContactRole: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var organisationId: UUID
    public var personId: UUID
    public var role: String
    public var preferredChannel: PreferredChannel?
    public var formOfAddress: String?
    public var notes: String?
    public var createdAt: Date
}

public struct ContactRoleInput: Codable, Sendable {
    public var personId: UUID?
    public var role: String?
    public var preferredChannel: PreferredChannel?
    public var formOfAddress: String?
    public var notes: String?

    public init(personId: UUID?, role: String?, preferredChannel: PreferredChannel? = nil, formOfAddress: String? = nil, notes: String? = nil) {
        self.personId = personId; self.role = role; self.preferredChannel = preferredChannel
        self.formOfAddress = formOfAddress; self.notes = notes
    }

    public func make(organisationId: UUID, id: UUID, now: Date) throws -> ContactRole {
        ContactRole(id: id, organisationId: organisationId, personId: try Validate.required(personId, "person_id"),
                    role: try Validate.text(role, "role", max: 200), preferredChannel: preferredChannel,
                    formOfAddress: try Validate.optionalText(formOfAddress, "form_of_address", max: 200),
                    notes: try Validate.optionalText(notes, "notes"), createdAt: now)
    }

    /// Role and preferences change; the two parties of the role do not.
    public func apply(to r: inout ContactRole) throws {
        if let personId, personId != r.personId {
            throw RapportError.invalidField("person_id", code: "immutable_field", "a contact role's person cannot change", "контактное лицо роли изменить нельзя")
        }
        if role != nil { r.role = try Validate.text(role, "role", max: 200) }
        if let preferredChannel { r.preferredChannel = preferredChannel }
        if formOfAddress != nil { r.formOfAddress = try Validate.optionalText(formOfAddress, "form_of_address", max: 200) }
        if notes != nil { r.notes = try Validate.optionalText(notes, "notes") }
    }
}

import Foundation

public enum RelationshipKind: String, ClosedVocabulary { case parent, child, spouse, friend, colleague, sibling, other }

/// "Ivan's son, born 2009-12-03"; "a friend, Anna, birthday 03-14". The related person may be a
/// party of their own or just a name and a birth date we were told.
public struct Relationship: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var kind: RelationshipKind
    public var relatedPartyId: UUID?
    public var relatedName: String?
    public var relatedBirthDate: CivilDate?
    public var createdAt: Date
}

public struct RelationshipInput: Codable, Sendable {
    public var kind: RelationshipKind?
    public var relatedPartyId: UUID?
    public var relatedName: String?
    public var relatedBirthDate: CivilDate?

    public init(kind: RelationshipKind?, relatedPartyId: UUID? = nil, relatedName: String? = nil, relatedBirthDate: CivilDate? = nil) {
        self.kind = kind; self.relatedPartyId = relatedPartyId; self.relatedName = relatedName; self.relatedBirthDate = relatedBirthDate
    }

    public func make(partyId: UUID, id: UUID, now: Date) throws -> Relationship {
        let name = try Validate.optionalText(relatedName, "related_name", max: 300)
        guard relatedPartyId != nil || name != nil else { throw RapportError.missingField("related_name") }
        if relatedPartyId == partyId {
            throw RapportError.invalidField("related_party_id", code: "self_relationship", "a party cannot be related to itself", "нельзя связать контрагента с самим собой")
        }
        return Relationship(id: id, partyId: partyId, kind: try Validate.required(kind, "kind"), relatedPartyId: relatedPartyId,
                            relatedName: name, relatedBirthDate: relatedBirthDate, createdAt: now)
    }

    public func apply(to r: inout Relationship) throws {
        if let kind { r.kind = kind }
        if relatedName != nil { r.relatedName = try Validate.optionalText(relatedName, "related_name", max: 300) }
        if let relatedBirthDate { r.relatedBirthDate = relatedBirthDate }
        if r.relatedPartyId == nil && r.relatedName == nil && relatedPartyId == nil {
            throw RapportError.missingField("related_name")
        }
        if let relatedPartyId {
            guard relatedPartyId != r.partyId else {
                throw RapportError.invalidField("related_party_id", code: "self_relationship", "a party cannot be related to itself", "нельзя связать контрагента с самим собой")
            }
            r.relatedPartyId = relatedPartyId
        }
    }
}

import Foundation

/// How a merge settles a field both parties hold with different values.
public enum MergeRule: String, ClosedVocabulary {
    /// The value of the party changed most recently wins.
    case newestWins = "newest_wins"
    /// The survivor keeps its values; the other's are only filled into its empty fields.
    case survivorWins = "survivor_wins"
}

public struct MergeInput: Codable, Sendable {
    public var survivorId: UUID?
    public var mergedId: UUID?
    public var rule: MergeRule?
    public init(survivorId: UUID?, mergedId: UUID?, rule: MergeRule? = nil) {
        self.survivorId = survivorId; self.mergedId = mergedId; self.rule = rule
    }
}

/// A field both parties held with different values: what the survivor kept and what was set aside
/// (kept here, in the merge's history, and restored by an undo).
public struct FieldConflict: Codable, Sendable, Equatable {
    public var field: String
    public var kept: String
    public var discarded: String
    public init(field: String, kept: String, discarded: String) { self.field = field; self.kept = kept; self.discarded = discarded }
}

/// A merge of one party into another, as recorded on the survivor's history.
public struct MergeRecord: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var survivorId: UUID
    public var mergedId: UUID
    public var rule: MergeRule
    public var mergedAt: Date
    public var undoneAt: Date?
    /// How many rows moved to the survivor, per kind (identities, interactions, facts, orders, …).
    public var moved: [String: Int]
    public var fieldConflicts: [FieldConflict]

    public init(id: UUID, survivorId: UUID, mergedId: UUID, rule: MergeRule, mergedAt: Date, undoneAt: Date?, moved: [String: Int], fieldConflicts: [FieldConflict]) {
        self.id = id; self.survivorId = survivorId; self.mergedId = mergedId; self.rule = rule; self.mergedAt = mergedAt
        self.undoneAt = undoneAt; self.moved = moved; self.fieldConflicts = fieldConflicts
    }
}

/// A pair of parties that may be one customer, and why.
public struct DuplicateCandidate: Codable, Sendable, Equatable {
    public var partyId: UUID
    public var otherPartyId: UUID
    /// `identity_claimed_twice`, `name_and_birth_date`, `transliterated_name_and_birth_date`, `same_tax_id`.
    public var reason: String
    public var detail: String
    public var displayName: String?
    public var otherDisplayName: String?

    public init(partyId: UUID, otherPartyId: UUID, reason: String, detail: String, displayName: String? = nil, otherDisplayName: String? = nil) {
        self.partyId = partyId; self.otherPartyId = otherPartyId; self.reason = reason; self.detail = detail
        self.displayName = displayName; self.otherDisplayName = otherDisplayName
    }
}

extension Party {
    /// The fields a merge reconciles, by column name, as text.
    public var mergeableFields: [(name: String, value: String?)] {
        [("surname", surname.flatMap { $0.isEmpty ? nil : $0 }), ("given_name", givenName.flatMap { $0.isEmpty ? nil : $0 }),
         ("patronymic", patronymic), ("birth_date", birthDate?.description), ("language", language), ("legal_name", legalName),
         ("inn", inn), ("kpp", kpp), ("foreign_tax_id", foreignTaxId), ("country", country), ("time_zone", timeZone), ("value_tier", valueTier)]
    }

    mutating func setMergeable(_ name: String, _ value: String?) throws {
        switch name {
        case "surname": surname = value
        case "given_name": givenName = value
        case "patronymic": patronymic = value
        case "birth_date": birthDate = try value.map { try CivilDate(parsing: $0) }
        case "language": language = value
        case "legal_name": legalName = value
        case "inn": inn = value
        case "kpp": kpp = value
        case "foreign_tax_id": foreignTaxId = value
        case "country": country = value
        case "time_zone": timeZone = value
        case "value_tier": valueTier = value
        default: break
        }
    }

    /// The survivor's fields when a merge is undone: a field the merge changed goes back to its
    /// value before, unless it was changed again since (then the later change stands).
    public func undoingMerge(before: Party, after: Party, now: Date) throws -> Party {
        var result = self
        let was = Dictionary(uniqueKeysWithValues: before.mergeableFields.map { ($0.name, $0.value) })
        let set = Dictionary(uniqueKeysWithValues: after.mergeableFields.map { ($0.name, $0.value) })
        for (name, current) in mergeableFields where current == set[name] ?? nil && current != was[name] ?? nil {
            try result.setMergeable(name, was[name] ?? nil)
        }
        if result.surname == nil && result.givenName == nil { result.givenName = before.givenName }
        if lifecycleStage == after.lifecycleStage && stageChangedAt == after.stageChangedAt {
            result.lifecycleStage = before.lifecycleStage
            result.stageChangedAt = before.stageChangedAt
        }
        try result.apply(PartyInput(), now: now)
        return result
    }

    /// The survivor's fields after merging `other` into it under `rule`; conflicts are listed.
    public func merged(with other: Party, rule: MergeRule, now: Date) throws -> (Party, [FieldConflict]) {
        var values = Dictionary(uniqueKeysWithValues: mergeableFields.map { ($0.name, $0.value) })
        var conflicts: [FieldConflict] = []
        let otherIsNewer = other.updatedAt > updatedAt
        for (name, theirs) in other.mergeableFields {
            guard let theirs else { continue }
            guard let ours = values[name] ?? nil else { values[name] = theirs; continue }
            guard ours != theirs else { continue }
            if rule == .newestWins && otherIsNewer {
                values[name] = theirs
                conflicts.append(FieldConflict(field: name, kept: theirs, discarded: ours))
            } else {
                conflicts.append(FieldConflict(field: name, kept: ours, discarded: theirs))
            }
        }
        var result = self
        for (name, value) in values { try result.setMergeable(name, value) }
        if result.surname == nil && result.givenName == nil { result.givenName = givenName }  // an unnamed prospect stays unnamed
        if other.lifecycleStage == .customer && lifecycleStage != .customer {
            result.lifecycleStage = .customer
            result.stageChangedAt = other.stageChangedAt
        }
        try result.apply(PartyInput(), now: now)
        return (result, conflicts)
    }
}

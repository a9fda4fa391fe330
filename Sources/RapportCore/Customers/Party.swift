import Foundation

public enum PartyKind: String, ClosedVocabulary { case person, organisation }

/// Prospect before any contract, customer under contract.
public enum LifecycleStage: String, ClosedVocabulary { case prospect, customer }

/// A person (B2C) or an organisation (B2B): the subject of one information trail.
public struct Party: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var kind: PartyKind
    public var displayName: String
    // Person
    public var surname: String?
    public var givenName: String?
    public var patronymic: String?
    public var birthDate: CivilDate?
    public var language: String?
    // Organisation
    public var legalName: String?
    public var inn: String?
    public var kpp: String?
    public var foreignTaxId: String?
    public var country: String?
    // Common
    public var timeZone: String?
    public var lifecycleStage: LifecycleStage
    public var stageChangedAt: Date
    public var createdAt: Date
    public var updatedAt: Date
    /// The name folded for matching and duplicate detection (see `NameKey`); derived, never set by callers.
    public var nameKey: String?
    /// Value tier (e.g. `gold`); a stored placeholder until value is computed.
    public var valueTier: String?
    /// Set when this party was merged into another: the survivor's id.
    public var mergedIntoId: UUID?
    /// The user who manages this account (account managers change only their own accounts).
    public var accountManagerId: UUID?
    /// Set when the person's data was erased on their request; the row stays for aggregates.
    public var erasedAt: Date?

    public init(id: UUID, kind: PartyKind, displayName: String, surname: String? = nil, givenName: String? = nil,
                patronymic: String? = nil, birthDate: CivilDate? = nil, language: String? = nil, legalName: String? = nil,
                inn: String? = nil, kpp: String? = nil, foreignTaxId: String? = nil, country: String? = nil,
                timeZone: String? = nil, lifecycleStage: LifecycleStage, stageChangedAt: Date, createdAt: Date, updatedAt: Date,
                nameKey: String? = nil, valueTier: String? = nil, mergedIntoId: UUID? = nil, accountManagerId: UUID? = nil,
                erasedAt: Date? = nil) {
        self.accountManagerId = accountManagerId; self.erasedAt = erasedAt
        self.id = id; self.kind = kind; self.displayName = displayName; self.surname = surname; self.givenName = givenName
        self.patronymic = patronymic; self.birthDate = birthDate; self.language = language; self.legalName = legalName
        self.inn = inn; self.kpp = kpp; self.foreignTaxId = foreignTaxId; self.country = country; self.timeZone = timeZone
        self.lifecycleStage = lifecycleStage; self.stageChangedAt = stageChangedAt; self.createdAt = createdAt; self.updatedAt = updatedAt
        self.nameKey = nameKey ?? Self.nameKey(kind: kind, parts: [surname, givenName, patronymic, legalName]); self.valueTier = valueTier; self.mergedIntoId = mergedIntoId
    }

    public static func nameKey(kind: PartyKind, parts: [String?]) -> String? {
        NameKey.name(kind == .person ? Array(parts.prefix(3)) : [parts[3]])
    }
}

/// The fields a caller may set on a party, for create (all given) and update (only what changes).
public struct PartyInput: Codable, Sendable {
    public var kind: PartyKind?
    public var surname: String?
    public var givenName: String?
    public var patronymic: String?
    public var birthDate: CivilDate?
    public var language: String?
    public var legalName: String?
    public var inn: String?
    public var kpp: String?
    public var foreignTaxId: String?
    public var country: String?
    public var timeZone: String?
    public var lifecycleStage: LifecycleStage?
    public var valueTier: String?
    /// Assigns the account to a user (administrators and supervisors only).
    public var accountManagerId: UUID?
    /// Identities to attach at creation.
    public var identities: [IdentityInput]?

    public init(kind: PartyKind? = nil, surname: String? = nil, givenName: String? = nil, patronymic: String? = nil,
                birthDate: CivilDate? = nil, language: String? = nil, legalName: String? = nil, inn: String? = nil,
                kpp: String? = nil, foreignTaxId: String? = nil, country: String? = nil, timeZone: String? = nil,
                lifecycleStage: LifecycleStage? = nil, valueTier: String? = nil, accountManagerId: UUID? = nil, identities: [IdentityInput]? = nil) {
        self.valueTier = valueTier; self.accountManagerId = accountManagerId
        self.kind = kind; self.surname = surname; self.givenName = givenName; self.patronymic = patronymic
        self.birthDate = birthDate; self.language = language; self.legalName = legalName; self.inn = inn; self.kpp = kpp
        self.foreignTaxId = foreignTaxId; self.country = country; self.timeZone = timeZone
        self.lifecycleStage = lifecycleStage; self.identities = identities
    }
}

extension Party {
    /// A new party from caller input, validated: names present, INN checksum, KPP format, known time zone.
    public static func create(_ input: PartyInput, id: UUID, now: Date) throws -> Party {
        guard let kind = input.kind else { throw RapportError.missingField("kind") }
        var party = Party(id: id, kind: kind, displayName: "", lifecycleStage: input.lifecycleStage ?? .prospect,
                          stageChangedAt: now, createdAt: now, updatedAt: now)
        try party.apply(input, now: now)
        return party
    }

    /// Applies the fields present in `input`, then checks the whole party again.
    public mutating func apply(_ input: PartyInput, now: Date) throws {
        if let k = input.kind, k != kind {
            throw RapportError.invalidField("kind", code: "kind_immutable", "a party's kind cannot change", "тип контрагента изменить нельзя")
        }
        func clean(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
            return t
        }
        if input.surname != nil { surname = clean(input.surname) }
        if input.givenName != nil { givenName = clean(input.givenName) }
        if input.patronymic != nil { patronymic = clean(input.patronymic) }
        if input.birthDate != nil { birthDate = input.birthDate }
        if input.language != nil { language = clean(input.language)?.lowercased() }
        if input.legalName != nil { legalName = clean(input.legalName) }
        if input.inn != nil { inn = clean(input.inn) }
        if input.kpp != nil { kpp = clean(input.kpp)?.uppercased() }
        if input.foreignTaxId != nil { foreignTaxId = clean(input.foreignTaxId) }
        if input.country != nil { country = clean(input.country)?.uppercased() }
        if input.timeZone != nil { timeZone = clean(input.timeZone) }
        if input.valueTier != nil { valueTier = try Validate.optionalText(clean(input.valueTier)?.lowercased(), "value_tier", max: 50) }
        if let manager = input.accountManagerId { accountManagerId = manager }
        if let stage = input.lifecycleStage, stage != lifecycleStage {
            lifecycleStage = stage
            stageChangedAt = now
        }
        try validate()
        displayName = Self.displayName(of: self)
        nameKey = Self.nameKey(kind: kind, parts: [surname, givenName, patronymic, legalName])
        updatedAt = now
    }

    func validate() throws {
        switch kind {
        case .person:
            guard surname != nil || givenName != nil else { throw RapportError.missingField("surname") }
            if legalName != nil || inn != nil && inn!.count == 10 || kpp != nil {
                throw RapportError.invalidField("legal_name", code: "not_for_person", "legal name, organisation INN and KPP belong to organisations", "наименование, ИНН организации и КПП относятся к организациям")
            }
        case .organisation:
            guard legalName != nil else { throw RapportError.missingField("legal_name") }
            if birthDate != nil || patronymic != nil {
                throw RapportError.invalidField("birth_date", code: "not_for_organisation", "birth date and patronymic belong to persons", "дата рождения и отчество относятся к физическим лицам")
            }
        }
        if let inn { try RussianTaxId.validateINN(inn) }
        if let kpp { try RussianTaxId.validateKPP(kpp) }
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw RapportError.invalidField("time_zone", code: "invalid_time_zone", "\(timeZone) is not an IANA time zone", "\(timeZone) — неизвестный часовой пояс")
        }
        if let language, !(2...3).contains(language.count) {
            throw RapportError.invalidField("language", code: "invalid_language", "expected an ISO 639 code such as ru or en", "ожидается код языка ISO 639, например ru или en")
        }
    }

    /// The display name of a person whose name is not known yet (a prospect created from an unknown address).
    public static let unnamedDisplayName = "Unknown contact"

    /// True for a person created from an unknown address whose name nobody has given yet.
    public var isUnnamed: Bool { kind == .person && (surname ?? "").isEmpty && (givenName ?? "").isEmpty }

    static func displayName(of p: Party) -> String {
        switch p.kind {
        case .organisation: return p.legalName ?? ""
        case .person:
            let name = [p.surname, p.givenName, p.patronymic].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return name.isEmpty ? Party.unnamedDisplayName : name
        }
    }
}

import Foundation

/// What a matching rule compares.
public enum MatchAttribute: String, ClosedVocabulary {
    /// The inbound address, normalised, equals an identity a party holds (phone, e-mail, login, handle, fax).
    case identity
    /// An order number quoted in the contact belongs to the party.
    case orderNumber = "order_number"
    /// A contract number quoted in the contact belongs to the party.
    case contractNumber = "contract_number"
    /// The same name (case and ё/е folded) and the same birth date.
    case nameBirthDate = "name_birth_date"
    /// Names equal after transliteration (Иванов ↔ Ivanov) and the same birth date.
    case nameTranslitBirthDate = "name_translit_birth_date"
    /// Names equal after transliteration, nothing else.
    case nameTranslit = "name_translit"
}

/// What a match by a rule means.
public enum MatchCertainty: String, ClosedVocabulary {
    /// The contact is this party; no confirmation needed.
    case certain
    /// The contact may be this party; an agent confirms.
    case candidate
}

/// One matching rule: configurable data, evaluated in list order.
public struct MatchingRule: Codable, Sendable, Equatable {
    public var name: String
    public var attributes: [MatchAttribute]
    /// For `identity`: the kinds of address this rule trusts (all when empty or absent).
    public var identityKinds: [IdentityKind]?
    public var outcome: MatchCertainty
    public var enabled: Bool

    public init(name: String, attributes: [MatchAttribute], identityKinds: [IdentityKind]? = nil, outcome: MatchCertainty, enabled: Bool = true) {
        self.name = name; self.attributes = attributes; self.identityKinds = identityKinds; self.outcome = outcome; self.enabled = enabled
    }
}

/// What happens to an inbound contact nobody can be matched to.
public enum UnknownContactPolicy: String, ClosedVocabulary {
    /// A prospect is created holding the address, and the interaction goes on its trail.
    case createProspect = "create_prospect"
    /// The interaction is kept without a party until an agent assigns it.
    case leaveUnidentified = "leave_unidentified"
}

/// The identification settings: the ordered rules and the unknown-contact policy.
public struct MatchingConfiguration: Codable, Sendable, Equatable {
    public var rules: [MatchingRule]
    public var unknownContact: UnknownContactPolicy

    public init(rules: [MatchingRule], unknownContact: UnknownContactPolicy) {
        self.rules = rules; self.unknownContact = unknownContact
    }

    public static let standard = MatchingConfiguration(rules: [
        MatchingRule(name: "exact_identity", attributes: [.identity], outcome: .certain),
        MatchingRule(name: "contract_number", attributes: [.contractNumber], outcome: .certain),
        MatchingRule(name: "order_number", attributes: [.orderNumber], outcome: .certain),
        MatchingRule(name: "name_and_birth_date", attributes: [.nameBirthDate], outcome: .candidate),
        MatchingRule(name: "transliterated_name_and_birth_date", attributes: [.nameTranslitBirthDate], outcome: .candidate),
        MatchingRule(name: "transliterated_name", attributes: [.nameTranslit], outcome: .candidate, enabled: false),
    ], unknownContact: .createProspect)

    /// Rejects configurations that could not work: no rules, unnamed or repeated rules, a rule
    /// with no attribute or the same attribute twice.
    public func validate() throws {
        guard !rules.isEmpty, rules.count <= 50 else {
            throw RapportError.invalidField("rules", code: "invalid_rules", "give between 1 and 50 rules", "укажите от 1 до 50 правил")
        }
        var names = Set<String>()
        for (i, rule) in rules.enumerated() {
            let name = rule.name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 100, names.insert(name).inserted else {
                throw RapportError.invalidField("rules[\(i)].name", code: "invalid_rule_name", "each rule needs its own name (1–100 characters)", "у каждого правила должно быть своё имя (1–100 символов)")
            }
            guard !rule.attributes.isEmpty, Set(rule.attributes).count == rule.attributes.count else {
                throw RapportError.invalidField("rules[\(i)].attributes", code: "invalid_rule_attributes", "a rule compares at least one attribute, each once", "правило сравнивает хотя бы один атрибут, каждый по одному разу")
            }
        }
    }
}

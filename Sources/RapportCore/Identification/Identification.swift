import Foundation

/// What the channel tells us about an inbound contact.
public struct ContactClues: Codable, Sendable {
    public var channel: Channel?
    /// The caller number, sender e-mail, login, handle or fax number as the channel gives it.
    public var address: String?
    /// The kind of `address`; derived from the channel when absent.
    public var addressKind: IdentityKind?
    /// For messenger handles.
    public var network: String?
    public var orderNumber: String?
    public var contractNumber: String?
    /// Subject or text of the contact: order and contract numbers quoted in it are found.
    public var text: String?
    public var surname: String?
    public var givenName: String?
    public var patronymic: String?
    public var birthDate: CivilDate?

    public init(channel: Channel? = nil, address: String? = nil, addressKind: IdentityKind? = nil, network: String? = nil,
                orderNumber: String? = nil, contractNumber: String? = nil, text: String? = nil, surname: String? = nil,
                givenName: String? = nil, patronymic: String? = nil, birthDate: CivilDate? = nil) {
        self.channel = channel; self.address = address; self.addressKind = addressKind; self.network = network
        self.orderNumber = orderNumber; self.contractNumber = contractNumber; self.text = text; self.surname = surname
        self.givenName = givenName; self.patronymic = patronymic; self.birthDate = birthDate
    }

    /// The kind of address the channel carries when the caller did not say.
    public var effectiveAddressKind: IdentityKind? {
        if let addressKind { return addressKind }
        switch channel {
        case .phone?, .ivr?, .sms?: return .phone
        case .email?: return .email
        case .fax?: return .fax
        case .chat?, .webForm?: return .webLogin
        case .social?: return .messenger
        default:
            guard let address else { return nil }
            return address.contains("@") ? .email : .phone
        }
    }

    /// Number-like tokens in `text` (e.g. FL-10001, SV-2025-07): at most ten, for order/contract lookups.
    public var quotedNumbers: [String] {
        guard let text else { return [] }
        var found: [String] = []
        for raw in text.split(whereSeparator: { $0.isWhitespace || ",;:()«»\"'!?".contains($0) }) {
            let token = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".#№"))
            guard (3...40).contains(token.count), token.contains(where: \.isNumber), !found.contains(token) else { continue }
            found.append(token)
            if found.count == 10 { break }
        }
        return found
    }
}

public enum IdentificationStatus: String, ClosedVocabulary {
    /// One party, by a certain rule.
    case identified
    /// One or more parties may be the contact; an agent confirms.
    case candidates
    /// Nobody matched (or the address could not be read).
    case unknown
}

/// Why a party was matched: the rule and, per attribute, what was compared.
public struct MatchEvidence: Codable, Sendable, Equatable {
    public var attribute: MatchAttribute
    /// What matched, e.g. "phone +79161234567", "order FL-10001", "name+birth date".
    public var detail: String

    public init(attribute: MatchAttribute, detail: String) { self.attribute = attribute; self.detail = detail }
}

public struct MatchedParty: Codable, Sendable, Equatable {
    public var partyId: UUID
    public var displayName: String?
    public var rule: String
    public var outcome: MatchCertainty
    public var evidence: [MatchEvidence]

    public init(partyId: UUID, displayName: String? = nil, rule: String, outcome: MatchCertainty, evidence: [MatchEvidence]) {
        self.partyId = partyId; self.displayName = displayName; self.rule = rule; self.outcome = outcome; self.evidence = evidence
    }
}

/// The answer to "who is this?", with the reasons.
public struct Identification: Codable, Sendable, Equatable {
    public var status: IdentificationStatus
    public var partyId: UUID?
    /// The rule and evidence that identified `partyId`.
    public var matchedBy: MatchedParty?
    /// Other parties some rule pointed at (ambiguity, or candidates to confirm).
    public var candidates: [MatchedParty]
    /// Set when the contact is not identified: a stable code and a sentence in English and Russian.
    public var reason: String?
    public var reasonMessage: String?
    public var reasonMessageRu: String?
    /// True when this contact created a prospect (unknown-contact policy).
    public var createdProspect: Bool

    public init(status: IdentificationStatus, partyId: UUID? = nil, matchedBy: MatchedParty? = nil, candidates: [MatchedParty] = [],
                reason: String? = nil, reasonMessage: String? = nil, reasonMessageRu: String? = nil, createdProspect: Bool = false) {
        self.status = status; self.partyId = partyId; self.matchedBy = matchedBy; self.candidates = candidates
        self.reason = reason; self.reasonMessage = reasonMessage; self.reasonMessageRu = reasonMessageRu; self.createdProspect = createdProspect
    }

    public static func unknown(_ code: String, _ message: String, _ messageRu: String) -> Identification {
        Identification(status: .unknown, reason: code, reasonMessage: message, reasonMessageRu: messageRu)
    }
}

/// Applies the ordered rules to what each attribute found. Pure: the engine gathers the evidence.
public enum IdentificationDecision {
    /// `found[attribute]` maps each party an attribute pointed at to what matched.
    public static func decide(rules: [MatchingRule], found: [MatchAttribute: [UUID: MatchEvidence]]) -> Identification {
        // What each enabled rule matched, in rule order. A rule with several attributes matches
        // the parties every attribute found.
        var perRule: [(rule: MatchingRule, parties: [UUID])] = []
        for rule in rules where rule.enabled {
            var parties: Set<UUID>? = nil
            for attribute in rule.attributes {
                let these = Set(found[attribute]?.keys.map { $0 } ?? [])
                parties = parties.map { $0.intersection(these) } ?? these
            }
            let sorted = (parties ?? []).sorted { $0.uuidString < $1.uuidString }
            if !sorted.isEmpty { perRule.append((rule, sorted)) }
        }
        func match(_ party: UUID, _ rule: MatchingRule) -> MatchedParty {
            MatchedParty(partyId: party, rule: rule.name, outcome: rule.outcome, evidence: rule.attributes.compactMap { found[$0]?[party] })
        }
        // Every party any rule pointed at, once, under the first rule that did.
        var everyone: [MatchedParty] = []
        for (rule, parties) in perRule {
            for party in parties where !everyone.contains(where: { $0.partyId == party }) { everyone.append(match(party, rule)) }
        }
        guard let decisive = perRule.first(where: { $0.rule.outcome == .certain }) else {
            if everyone.isEmpty {
                return .unknown("no_match", "no rule matched a known party", "ни одно правило не нашло известного контрагента")
            }
            return Identification(status: .candidates, candidates: everyone, reason: "needs_confirmation",
                                  reasonMessage: "possible matches need an agent's confirmation",
                                  reasonMessageRu: "возможные совпадения требуют подтверждения оператора")
        }
        // The first certain rule that matched decides; if it matched two parties, that is ambiguous, never a guess.
        guard decisive.parties.count == 1, let party = decisive.parties.first else {
            let rivals = decisive.parties.map { match($0, decisive.rule) }
            return Identification(status: .candidates, candidates: rivals + everyone.filter { m in !decisive.parties.contains(m.partyId) },
                                  reason: "ambiguous", reasonMessage: "the rule \(decisive.rule.name) matched more than one party",
                                  reasonMessageRu: "правило \(decisive.rule.name) нашло несколько контрагентов")
        }
        return Identification(status: .identified, partyId: party, matchedBy: match(party, decisive.rule),
                              candidates: everyone.filter { $0.partyId != party })
    }
}

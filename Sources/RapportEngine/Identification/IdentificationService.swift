import Foundation
import RapportCore
import RapportStorage

/// Who is this? Identifies an inbound contact from what its channel gives, by the configured
/// rules, and says why.
public struct IdentificationService: Sendable {
    let parties: PartyStore
    let commerce: CommerceStore
    let profile: ProfileStore
    let cards: CardStore
    let normalizer: IdentityNormalizer
    let clock: any Clock

    static let settingKey = "matching"
    static let withheld: Set<String> = ["anonymous", "unknown", "private", "restricted", "withheld", "unavailable", "скрыт", "неизвестен"]

    public init(parties: PartyStore, commerce: CommerceStore, profile: ProfileStore, cards: CardStore, normalizer: IdentityNormalizer, clock: any Clock) {
        self.parties = parties; self.commerce = commerce; self.profile = profile; self.cards = cards; self.normalizer = normalizer; self.clock = clock
    }

    /// The rules as stored. Read at most once per `cacheSeconds` per process: every contact needs
    /// them, they change rarely, and a change made through another node is seen within that time.
    public func configuration() async throws -> MatchingConfiguration {
        try await cache.get { try await profile.setting(Self.settingKey, as: MatchingConfiguration.self) ?? .standard }
    }

    public func setConfiguration(_ configuration: MatchingConfiguration) async throws -> MatchingConfiguration {
        try configuration.validate()
        try await profile.setSetting(Self.settingKey, configuration, at: clock.now())
        cache.invalidate()
        return configuration
    }

    let cache = TimedCache<MatchingConfiguration>()

    /// The normalised address of the clues, or why there is none.
    public func address(of clues: ContactClues) -> Result<(kind: IdentityKind, normalized: String), RapportError>? {
        guard var raw = clues.address?.trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        // An e-mail From header: "Anna Sokolova <anna@example.ru>" → the address inside the brackets.
        if clues.effectiveAddressKind == .email, let open = raw.lastIndex(of: "<"), let close = raw.lastIndex(of: ">"), open < close {
            raw = String(raw[raw.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        if raw.isEmpty || Self.withheld.contains(raw.lowercased()) {
            return .failure(RapportError(.invalid, code: "address_withheld", message: "the channel gave no address (withheld or unknown number)",
                                         messageRu: "канал не передал адрес (номер скрыт или неизвестен)"))
        }
        guard let kind = clues.effectiveAddressKind else { return nil }
        do {
            return .success((kind, try normalizer.normalize(kind: kind, value: raw, network: clues.network)))
        } catch let error as RapportError {
            return .failure(RapportError(.invalid, code: "address_invalid", message: "the address could not be read (\(kind.rawValue)): \(error.message)",
                                         messageRu: "адрес не распознан (\(kind.rawValue)): \(error.messageRu)"))
        } catch {
            return .failure(RapportError(.invalid, code: "address_invalid", message: "the address could not be read", messageRu: "адрес не распознан"))
        }
    }

    /// Identifies from the clues; at least one clue (address, order or contract number, text, name) is required.
    public func identify(_ clues: ContactClues) async throws -> Identification {
        try requireClue(clues)
        return try await identify(clues, configuration: try await configuration())
    }

    func requireClue(_ clues: ContactClues) throws {
        let given = [clues.address, clues.orderNumber, clues.contractNumber, clues.text, clues.surname, clues.givenName]
        guard given.contains(where: { !($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw RapportError(.invalid, code: "missing_clues", message: "give an address, an order or contract number, a text or a name to identify by",
                               messageRu: "укажите адрес, номер заказа или договора, текст или имя для идентификации")
        }
    }

    func identify(_ clues: ContactClues, configuration: MatchingConfiguration, names: Bool = true) async throws -> Identification {
        let address = self.address(of: clues)
        var rules = configuration.rules.filter(\.enabled)
        if case .success(let a)? = address {
            rules = rules.filter { !$0.attributes.contains(.identity) || ($0.identityKinds ?? []).isEmpty || $0.identityKinds!.contains(a.kind) }
        }
        let wanted = Set(rules.flatMap(\.attributes))
        var found: [MatchAttribute: [UUID: MatchEvidence]] = [:]

        if wanted.contains(.identity), case .success(let a)? = address,
           let owner = try await parties.findIdentity(kind: a.kind, normalized: a.normalized) {
            found[.identity] = [owner.partyId: MatchEvidence(attribute: .identity, detail: "\(a.kind.rawValue) \(a.normalized)")]
        }
        let quoted = clues.quotedNumbers
        if wanted.contains(.contractNumber) {
            for number in Self.candidates(clues.contractNumber, quoted) {
                if let contract = try await commerce.contract(number: number) {
                    found[.contractNumber, default: [:]][contract.partyId] = MatchEvidence(attribute: .contractNumber, detail: "contract \(contract.number)")
                }
            }
        }
        if wanted.contains(.orderNumber) {
            for number in Self.candidates(clues.orderNumber, quoted) {
                if let order = try await commerce.order(number: number) {
                    found[.orderNumber, default: [:]][order.partyId] = MatchEvidence(attribute: .orderNumber, detail: "order \(order.number)")
                }
            }
        }
        let nameAttributes: Set<MatchAttribute> = [.nameBirthDate, .nameTranslitBirthDate, .nameTranslit]
        if !wanted.isDisjoint(with: nameAttributes), let key = NameKey.name([clues.surname, clues.givenName, clues.patronymic]) {
            let given = NameKey.fold([clues.surname, clues.givenName, clues.patronymic].compactMap { $0 }.joined(separator: " "))
            // With a birth date the (name_key, birth_date) index finds the person among any number of namesakes.
            if let born = clues.birthDate, !wanted.isDisjoint(with: [.nameBirthDate, .nameTranslitBirthDate]) {
                for p in try await parties.byNameKey(key, birthDate: born, limit: 20) where p.kind == .person {
                    if NameKey.fold([p.surname, p.givenName, p.patronymic].compactMap { $0 }.joined(separator: " ")) == given {
                        found[.nameBirthDate, default: [:]][p.id] = MatchEvidence(attribute: .nameBirthDate, detail: "name and birth date \(born)")
                    }
                    found[.nameTranslitBirthDate, default: [:]][p.id] = MatchEvidence(attribute: .nameTranslitBirthDate, detail: "transliterated name and birth date \(born)")
                }
            }
            // The name alone: at most 20 namesakes, as candidates for an agent to choose from.
            if wanted.contains(.nameTranslit) {
                for p in try await parties.byNameKey(key, birthDate: nil, limit: 20) where p.kind == .person {
                    found[.nameTranslit, default: [:]][p.id] = MatchEvidence(attribute: .nameTranslit, detail: "transliterated name")
                }
            }
        }
        var result = IdentificationDecision.decide(rules: rules, found: found)
        if result.status == .unknown, case .failure(let why)? = address {
            result.reason = why.code
            result.reasonMessage = why.message
            result.reasonMessageRu = why.messageRu
        }
        // Names for the agent.
        let ids = ((names ? [result.matchedBy] : []) + result.candidates.map { Optional($0) }).compactMap { $0?.partyId }
        if !ids.isEmpty {
            let names = Dictionary(try await cards.parties(ids).map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })
            if let matched = result.matchedBy { result.matchedBy?.displayName = names[matched.partyId] }
            for i in result.candidates.indices { result.candidates[i].displayName = names[result.candidates[i].partyId] }
        }
        return result
    }

    /// The number given explicitly, then numbers quoted in the text; each as typed and upper-cased.
    static func candidates(_ explicit: String?, _ quoted: [String]) -> [String] {
        var out: [String] = []
        for n in ([explicit?.trimmingCharacters(in: .whitespaces)].compactMap { $0 } + quoted) where !n.isEmpty {
            for v in [n, n.uppercased()] where !out.contains(v) { out.append(v) }
        }
        return Array(out.prefix(12))
    }
}

/// A small, rarely changed document read on every contact (matching rules, the question bank):
/// kept for `seconds` per process, dropped at once when this process changes it. A change made
/// through another node is seen within `seconds`.
final class TimedCache<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: (value: Value, at: ContinuousClock.Instant)?
    /// Bumped by `invalidate`: a load that started before a change does not store what it read.
    private var generation = 0
    let seconds: Int64

    init(seconds: Int64 = 2) { self.seconds = seconds }

    func get(_ load: () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        let (cached, started) = lock.withLock { (entry, generation) }
        if let cached, now - cached.at < .seconds(seconds) { return cached.value }
        let value = try await load()
        lock.withLock { if generation == started { entry = (value, now) } }
        return value
    }

    func invalidate() { lock.withLock { entry = nil; generation += 1 } }
}

import Foundation
import RapportCore
import RapportStorage

/// An inbound contact as a channel reports it: who it came from and what it was.
public struct InboundContactInput: Codable, Sendable {
    public var channel: Channel?
    public var address: String?
    public var addressKind: IdentityKind?
    public var network: String?
    public var orderNumber: String?
    public var contractNumber: String?
    public var occurredAt: Date?
    public var agent: String?
    public var subject: String?
    public var summary: String?
    public var outcome: String?
    /// The script the agent works (for the card's questions); all questions when absent.
    public var script: String?

    public init(channel: Channel?, address: String?, addressKind: IdentityKind? = nil, network: String? = nil, orderNumber: String? = nil,
                contractNumber: String? = nil, occurredAt: Date? = nil, agent: String? = nil, subject: String? = nil, summary: String? = nil,
                outcome: String? = nil, script: String? = nil) {
        self.channel = channel; self.address = address; self.addressKind = addressKind; self.network = network; self.orderNumber = orderNumber
        self.contractNumber = contractNumber; self.occurredAt = occurredAt; self.agent = agent; self.subject = subject; self.summary = summary
        self.outcome = outcome; self.script = script
    }

    var clues: ContactClues {
        ContactClues(channel: channel, address: address, addressKind: addressKind, network: network, orderNumber: orderNumber,
                     contractNumber: contractNumber, text: [subject, summary].compactMap { $0 }.joined(separator: " "))
    }
}

/// What recording an inbound contact returns: who it is and why, the entry on the trail, the card.
public struct InboundContactResult: Encodable, Sendable {
    public var identification: Identification
    public var interaction: Interaction
    public var card: Card?
}

/// "Who is calling?" without recording anything: the identification and, when identified, the card.
public struct ScreenPop: Encodable, Sendable {
    public var identification: Identification
    public var card: Card?

    /// The identification's fields at the top level, with `card` beside them.
    public func encode(to encoder: any Encoder) throws {
        try identification.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(card, forKey: .card)
    }
    enum Keys: String, CodingKey { case card }
}

/// Records an inbound contact from its address alone: identify, create a prospect if the policy
/// says so, append to the right trail, and return the screen-pop card in the same answer.
public struct InboundService: Sendable {
    let identification: IdentificationService
    let parties: PartyStore
    let interactions: InteractionStore
    let cards: CardService
    let clock: any Clock

    public init(identification: IdentificationService, parties: PartyStore, interactions: InteractionStore, cards: CardService, clock: any Clock) {
        self.identification = identification; self.parties = parties; self.interactions = interactions; self.cards = cards; self.clock = clock
    }

    /// Identifies from the clues and, when identified, adds the card (what a CTI "call offered" lookup needs).
    public func screenPop(_ clues: ContactClues, script: String? = nil) async throws -> ScreenPop {
        try identification.requireClue(clues)
        var who = try await identification.identify(clues, configuration: try await identification.configuration(), names: false)
        let card = try await (who.status == .identified ? who.partyId : nil).asyncMap { try await cards.card($0, script: script) }
        if let card { who.matchedBy?.displayName = card.party.displayName }  // the card has the name: no extra read
        return ScreenPop(identification: who, card: card)
    }

    /// `withCard` false skips the card (a platform that only needs the entry and who it is).
    public func record(_ input: InboundContactInput, withCard: Bool = true) async throws -> InboundContactResult {
        let script = try input.script.map { try FactKey.validate($0, field: "script") }
        var (result, entry) = try await identifyForEntry(input)
        let recorded = try await interactions.append(entry)
        let card = withCard ? try await recorded.partyId.asyncMap { try await cards.card($0, script: script) } : nil
        if let card { result.matchedBy?.displayName = card.party.displayName }  // the card has the name: no extra read
        return InboundContactResult(identification: result, interaction: recorded, card: card)
    }

    /// Who the contact is, and its trail entry ready to append (not yet written). An unknown
    /// address under the create-prospect policy creates the prospect first.
    func identifyForEntry(_ input: InboundContactInput) async throws -> (Identification, Interaction) {
        let now = clock.now()
        // Validate the entry before anything is written.
        var entry = try InteractionInput(partyId: nil, channel: input.channel, direction: .inbound, occurredAt: input.occurredAt,
                                         address: input.address, agent: input.agent, subject: input.subject, summary: input.summary,
                                         outcome: input.outcome).make(id: .timeOrdered(at: now), now: now)
        let configuration = try await identification.configuration()
        var result = try await identification.identify(input.clues, configuration: configuration, names: false)
        if result.status == .unknown, configuration.unknownContact == .createProspect,
           case .success(let address)? = identification.address(of: input.clues) {
            do {
                let party = Party(id: .timeOrdered(at: now), kind: .person, displayName: Party.unnamedDisplayName, givenName: "",
                                  lifecycleStage: .prospect, stageChangedAt: now, createdAt: now, updatedAt: now)
                let identity = Identity(id: .timeOrdered(at: now), partyId: party.id, kind: address.kind,
                                        value: input.address!.trimmingCharacters(in: .whitespacesAndNewlines), normalized: address.normalized,
                                        label: nil, createdAt: now)
                _ = try await parties.create(party, identities: [identity])
                result = Identification(status: .identified, partyId: party.id,
                                        matchedBy: MatchedParty(partyId: party.id, displayName: party.displayName, rule: "unknown_contact_policy",
                                                                outcome: .certain, evidence: [MatchEvidence(attribute: .identity, detail: "\(address.kind.rawValue) \(address.normalized)")]),
                                        reason: "prospect_created", reasonMessage: "unknown address: a prospect was created",
                                        reasonMessageRu: "неизвестный адрес: создан потенциальный клиент", createdProspect: true)
            } catch let error as RapportError where error.code == "identity_taken" {
                // Another contact from the same address created the prospect a moment ago.
                result = try await identification.identify(input.clues, configuration: configuration, names: false)
            }
        }
        entry.partyId = result.status == .identified ? result.partyId : nil
        return (result, entry)
    }

    /// Attributes an unidentified entry to the party an agent confirmed. Only an entry without a
    /// party can be assigned; the trail is otherwise append-only.
    public func assign(interactionId: UUID, partyId: UUID) async throws -> Interaction {
        try await interactions.assign(interactionId, to: partyId, at: clock.now())
    }
}

import Foundation
import RapportCore
import RapportStorage

/// Builds the screen-pop card: one read of the stored parts, plus what is computed from them
/// (greeting, "probably calling about", questions still to ask, suggestions).
public struct CardService: Sendable {
    let cards: CardStore
    let profile: ProfileService
    let offers: OfferService
    let clock: any Clock
    public var lifeEventRules: [LifeEventRule] = LifeEventRule.standard

    init(cards: CardStore, profile: ProfileService, offers: OfferService, clock: any Clock) {
        self.cards = cards; self.profile = profile; self.offers = offers; self.clock = clock
    }

    /// The card of a party; for a party merged into another, the survivor's card.
    public func card(_ partyId: UUID, script: String? = nil) async throws -> Card {
        async let bank = profile.questions()
        var id = partyId
        var data: CardData? = nil
        for _ in 0..<5 {
            data = try await cards.card(id)
            guard let into = data?.party.mergedIntoId else { break }
            id = into
        }
        let questionBank = try await bank
        guard let data else { throw RapportError.notFound("party", partyId.uuidString.lowercased()) }
        let now = clock.now()
        let today = CivilDate(now)
        let questions = QuestionsToAsk.select(questionBank, facts: data.facts, script: script, now: now)
        var organisations: [OrganisationContext] = []
        var contactPersons: [ContactPerson] = []
        if data.party.kind == .person {
            for role in data.contactRoles.prefix(5) {
                guard let org = try await cards.organisation(role.organisationId) else { continue }
                organisations.append(OrganisationContext(organisation: org.party, role: role, contracts: org.contracts,
                                                         accountStatus: AccountStatus(account: org.account, invoices: org.invoices, payments: org.payments, today: today),
                                                         lastDelivery: org.delivery, openRequests: org.requests))
            }
        } else {
            let persons = Dictionary(try await cards.parties(data.contactRoles.map(\.personId)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            contactPersons = data.contactRoles.compactMap { role in persons[role.personId].map { ContactPerson(person: $0, role: role) } }
        }
        async let value = offers.analytics.value(of: data.party.id)
        async let ranked = offers.ranked(for: data.party.id)
        let preferredForm = data.contactRoles.count == 1 ? data.contactRoles[0].formOfAddress : nil
        return Card(party: data.party, identities: data.identities,
                    greeting: Greeting.of(data.party, preferredFormOfAddress: data.party.kind == .person ? preferredForm : nil),
                    probablyCallingAbout: data.openRequests.first, openRequests: data.openRequests, lastDelivery: data.lastDelivery,
                    recentOrders: data.recentOrders, returns: data.returns,
                    accountStatus: AccountStatus(account: data.account, invoices: data.unpaidInvoices, payments: data.recentPayments, today: today),
                    contracts: data.contracts, lastInteractions: data.lastInteractions, proactiveMessages: data.proactiveMessages,
                    facts: data.facts, consents: data.consents, questionsToAsk: questions,
                    suggestions: LifeEventSuggestions.suggest(data.relationships, rules: lifeEventRules, today: today),
                    relationships: data.relationships, organisations: organisations, contactPersons: contactPersons, merges: data.merges,
                    value: try await value, offers: try await ranked)
    }
}

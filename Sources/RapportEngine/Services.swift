import Foundation
import RapportCore
import RapportStorage

/// Every use case, wired over one database: what the HTTP edge, the CLI and the demo call.
public struct Services: Sendable {
    public let parties: PartyService
    public let catalogue: CatalogueService
    public let commerce: CommerceService
    public let requests: RequestService
    public let interactions: InteractionService
    public let identification: IdentificationService
    public let cards: CardService
    public let inbound: InboundService
    public let profile: ProfileService
    public let merges: MergeService
    public let search: SearchService
    public let access: AccessService
    public let audit: AuditTrail
    public let privacy: PrivacyService
    public let contactCentre: ContactCentreService
    public let ivr: IVRService
    public let proactive: ProactiveService
    public let analytics: AnalyticsService
    public let offers: OfferService
    public let campaigns: CampaignService
    public let clock: any Clock
    /// The installation's time zone: dates on pages and in reports.
    public let timeZone: TimeZone

    /// `bcryptCost` 12 in production; tests may lower it (4 is bcrypt's minimum) to keep sign-in tests fast.
    public init(database: Database, clock: any Clock, normalizer: IdentityNormalizer, bcryptCost: UInt8 = 12,
                timeZone: TimeZone = TimeZone(identifier: "Europe/Moscow")!) {
        self.clock = clock
        self.timeZone = timeZone
        parties = PartyService(store: PartyStore(database: database), clock: clock, normalizer: normalizer)
        catalogue = CatalogueService(store: CatalogueStore(database: database), clock: clock)
        commerce = CommerceService(store: CommerceStore(database: database), clock: clock)
        requests = RequestService(store: RequestStore(database: database), clock: clock)
        interactions = InteractionService(store: InteractionStore(database: database), clock: clock)
        let partyStore = PartyStore(database: database), profileStore = ProfileStore(database: database), cardStore = CardStore(database: database)
        identification = IdentificationService(parties: partyStore, commerce: CommerceStore(database: database), profile: profileStore,
                                               cards: cardStore, normalizer: normalizer, clock: clock)
        profile = ProfileService(store: profileStore, parties: partyStore, clock: clock, bank: TimedCache())
        analytics = AnalyticsService(store: AnalyticsStore(database: database), settings: profileStore, clock: clock)
        offers = OfferService(store: OfferStore(database: database), analytics: analytics, parties: partyStore, normalizer: normalizer,
                              clock: clock, timeZone: timeZone)
        cards = CardService(cards: cardStore, profile: profile, offers: offers, clock: clock)
        inbound = InboundService(identification: identification, parties: partyStore, interactions: InteractionStore(database: database),
                                 cards: cards, clock: clock)
        merges = MergeService(store: MergeStore(database: database), clock: clock)
        search = SearchService(store: SearchStore(database: database), normalizer: normalizer)
        access = AccessService(store: AccessStore(database: database), clock: clock, bcryptCost: bcryptCost)
        audit = AuditTrail(store: AuditStore(database: database), clock: clock)
        privacy = PrivacyService(store: PrivacyStore(database: database), parties: parties, commerce: commerce, requests: requests,
                                 interactions: interactions, profile: profile, merges: merges, settings: profileStore,
                                 contacts: ContactCentreStore(database: database), outbox: ProactiveStore(database: database), clock: clock)
        let contactCentreStore = ContactCentreStore(database: database)
        contactCentre = ContactCentreService(store: contactCentreStore, inbound: inbound, cards: cards,
                                             settings: profileStore, parties: partyStore, bus: LiveBus(database: database), clock: clock)
        ivr = IVRService(store: contactCentreStore, commerce: CommerceStore(database: database), identification: identification,
                         parties: partyStore, clock: clock)
        proactive = ProactiveService(store: ProactiveStore(database: database), clock: clock, defaultTimeZone: timeZone)
        campaigns = CampaignService(store: CampaignStore(database: database), analytics: analytics, offers: offers, clock: clock, timeZone: timeZone)
    }
}

import RapportCore
import RapportStorage

/// Every use case, wired over one database: what the HTTP edge, the CLI and the demo call.
public struct Services: Sendable {
    public let parties: PartyService
    public let catalogue: CatalogueService
    public let commerce: CommerceService
    public let requests: RequestService
    public let interactions: InteractionService
    public let clock: any Clock

    public init(database: Database, clock: any Clock, normalizer: IdentityNormalizer) {
        self.clock = clock
        parties = PartyService(store: PartyStore(database: database), clock: clock, normalizer: normalizer)
        catalogue = CatalogueService(store: CatalogueStore(database: database), clock: clock)
        commerce = CommerceService(store: CommerceStore(database: database), clock: clock)
        requests = RequestService(store: RequestStore(database: database), clock: clock)
        interactions = InteractionService(store: InteractionStore(database: database), clock: clock)
    }
}

import Foundation
import RapportCore
import RapportStorage

public struct CatalogueService: Sendable {
    let store: CatalogueStore
    let clock: any Clock

    public init(store: CatalogueStore, clock: any Clock) {
        self.store = store
        self.clock = clock
    }

    public func create(_ input: CatalogueItemInput) async throws -> CatalogueItem {
        let now = clock.now()
        return try await store.create(try input.make(id: .timeOrdered(at: now), now: now))
    }

    public func get(_ id: UUID) async throws -> CatalogueItem {
        guard let item = try await store.get(id) else { throw RapportError.notFound("catalogue_item", id.uuidString.lowercased()) }
        return item
    }

    public func update(_ id: UUID, _ input: CatalogueItemInput) async throws -> CatalogueItem {
        let now = clock.now()
        return try await store.update(id, at: now) { try input.apply(to: &$0, now: now) }
    }

    public func list(kind: CatalogueItemKind?, page: PageRequest) async throws -> Page<CatalogueItem> {
        try await store.list(kind: kind, page: page)
    }

    public func createBundle(_ input: CatalogueBundleInput) async throws -> CatalogueBundle {
        let now = clock.now()
        return try await store.createBundle(try input.make(id: .timeOrdered(at: now), now: now))
    }

    public func bundles(partyId: UUID) async throws -> [CatalogueBundle] {
        try await store.bundles(partyId: partyId)
    }
}

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

    public func bundle(_ id: UUID) async throws -> CatalogueBundle {
        guard let bundle = try await store.bundle(id) else { throw RapportError.notFound("bundle", id.uuidString.lowercased()) }
        return bundle
    }

    public func bundles(partyId: UUID?, page: PageRequest) async throws -> Page<CatalogueBundle> {
        try await store.bundles(partyId: partyId, page: page)
    }

    public func updateBundle(_ id: UUID, _ input: CatalogueBundleInput) async throws -> CatalogueBundle {
        if input.partyId != nil || input.contractId != nil {
            throw RapportError.invalidField("party_id", code: "immutable_field", "a bundle's party and contract cannot change", "владельца комплекта изменить нельзя")
        }
        let name = try input.name.map { try Validate.text($0, "name") }
        if let items = input.items {
            guard !items.isEmpty else { throw RapportError.missingField("items") }
            for line in items { _ = try Validate.positive(line.quantity, "items.quantity") }
        }
        return try await store.updateBundle(id, name: name, items: input.items, at: clock.now())
    }
}

import Foundation
import RapportCore
import RapportStorage

/// Recording to and reading from the information trail.
public struct InteractionService: Sendable {
    let store: InteractionStore
    let clock: any Clock

    public init(store: InteractionStore, clock: any Clock) {
        self.store = store
        self.clock = clock
    }

    public func record(_ input: InteractionInput) async throws -> Interaction {
        let now = clock.now()
        return try await store.append(try input.make(id: .timeOrdered(at: now), now: now))
    }

    public func get(_ id: UUID) async throws -> Interaction {
        guard let i = try await store.get(id) else { throw RapportError.notFound("interaction", id.uuidString.lowercased()) }
        return i
    }

    public func timeline(partyId: UUID, channels: [Channel], page: PageRequest) async throws -> Page<Interaction> {
        try await store.timeline(TimelineQuery(partyId: partyId, channels: channels, limit: page.limit, cursor: page.cursor))
    }
}

extension InteractionService {
    /// Every interaction in creation order, a page at a time.
    public func all(page: PageRequest) async throws -> Page<Interaction> {
        try await store.all(page: page)
    }
}

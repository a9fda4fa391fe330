import Foundation
import RapportCore
import RapportStorage

public struct RequestService: Sendable {
    let store: RequestStore
    let clock: any Clock

    public init(store: RequestStore, clock: any Clock) {
        self.store = store
        self.clock = clock
    }

    public func open(_ input: CustomerRequestInput) async throws -> CustomerRequest {
        let now = clock.now()
        return try await store.create(try input.make(id: .timeOrdered(at: now), now: now))
    }

    public func get(_ id: UUID) async throws -> CustomerRequest {
        guard let r = try await store.get(id) else { throw RapportError.notFound("request", id.uuidString.lowercased()) }
        return r
    }

    public func update(_ id: UUID, _ input: CustomerRequestInput) async throws -> CustomerRequest {
        let now = clock.now()
        return try await store.update(id, at: now) { try input.apply(to: &$0, now: now) }
    }

    public func list(partyId: UUID?, status: RequestStatus?, page: PageRequest) async throws -> Page<CustomerRequest> {
        try await store.list(partyId: partyId, status: status, page: page)
    }
}

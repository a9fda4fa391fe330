import Foundation
import RapportCore
import RapportStorage

/// Use cases on parties: create with identities, read, change, list; identities, contact persons,
/// relationships and the account.
public struct PartyService: Sendable {
    let store: PartyStore
    let clock: any Clock
    public let normalizer: IdentityNormalizer

    public init(store: PartyStore, clock: any Clock, normalizer: IdentityNormalizer) {
        self.store = store
        self.clock = clock
        self.normalizer = normalizer
    }

    public func create(_ input: PartyInput) async throws -> PartyRecord {
        let now = clock.now()
        let party = try Party.create(input, id: .timeOrdered(at: now), now: now)
        var identities: [Identity] = []
        for given in input.identities ?? [] {
            let identity = try normalizer.identity(given, partyId: party.id, id: .timeOrdered(at: now), now: now)
            guard !identities.contains(where: { $0.kind == identity.kind && $0.normalized == identity.normalized }) else {
                throw RapportError.invalidField("identities", code: "duplicate_identity", "the same address is given twice", "один и тот же адрес указан дважды")
            }
            identities.append(identity)
        }
        return try await store.create(party, identities: identities)
    }

    public func get(_ id: UUID) async throws -> PartyRecord {
        guard let record = try await store.get(id) else { throw RapportError.notFound("party", id.uuidString.lowercased()) }
        return record
    }

    /// Fails with `party_not_found` unless the party exists: one indexed lookup, for routes that
    /// read something hanging off a party (timeline, bundles, contacts).
    public func requireExists(_ id: UUID) async throws {
        guard try await store.exists(id) else { throw RapportError.notFound("party", id.uuidString.lowercased()) }
    }

    public func update(_ id: UUID, _ input: PartyInput) async throws -> PartyRecord {
        if input.identities != nil {
            throw RapportError.invalidField("identities", code: "use_identity_routes", "identities are added and removed through /parties/{id}/identities", "адреса добавляются и удаляются через /parties/{id}/identities")
        }
        let now = clock.now()
        return try await store.update(id) { try $0.apply(input, now: now) }
    }

    public func list(_ filter: PartyFilter, page: PageRequest) async throws -> Page<Party> {
        try await store.list(filter, page: page)
    }

    public func addIdentity(partyId: UUID, _ input: IdentityInput) async throws -> Identity {
        let now = clock.now()
        return try await store.addIdentity(try normalizer.identity(input, partyId: partyId, id: .timeOrdered(at: now), now: now))
    }

    public func removeIdentity(partyId: UUID, identityId: UUID) async throws {
        try await store.removeIdentity(partyId: partyId, identityId: identityId, at: clock.now())
    }

    /// The party holding this address, by its normalised form.
    public func owner(of kind: IdentityKind, address: String, network: String? = nil) async throws -> Identity? {
        try await store.findIdentity(kind: kind, normalized: try normalizer.normalize(kind: kind, value: address, network: network))
    }

    public func addContactRole(organisationId: UUID, _ input: ContactRoleInput) async throws -> ContactRole {
        let now = clock.now()
        return try await store.addContactRole(try input.make(organisationId: organisationId, id: .timeOrdered(at: now), now: now))
    }

    public func contactRoles(of partyId: UUID) async throws -> [ContactRole] {
        try await requireExists(partyId)
        return try await store.contactRoles(of: partyId)
    }

    public func updateContactRole(organisationId: UUID, roleId: UUID, _ input: ContactRoleInput) async throws -> ContactRole {
        try await store.updateContactRole(roleId, organisationId: organisationId, at: clock.now()) { try input.apply(to: &$0) }
    }

    public func removeContactRole(organisationId: UUID, roleId: UUID) async throws {
        try await store.removeContactRole(roleId, organisationId: organisationId, at: clock.now())
    }

    public func updateRelationship(partyId: UUID, relationshipId: UUID, _ input: RelationshipInput) async throws -> Relationship {
        try await store.updateRelationship(relationshipId, partyId: partyId, at: clock.now()) { try input.apply(to: &$0) }
    }

    public func removeRelationship(partyId: UUID, relationshipId: UUID) async throws {
        try await store.removeRelationship(relationshipId, partyId: partyId, at: clock.now())
    }

    public func addRelationship(partyId: UUID, _ input: RelationshipInput) async throws -> Relationship {
        let now = clock.now()
        return try await store.addRelationship(try input.make(partyId: partyId, id: .timeOrdered(at: now), now: now))
    }

    public func relationships(of partyId: UUID) async throws -> [Relationship] {
        try await requireExists(partyId)
        return try await store.relationships(of: partyId)
    }

    public func setAccount(partyId: UUID, _ input: AccountInput) async throws -> Account {
        let now = clock.now()
        return try await store.setAccount(partyId) { try input.make(partyId: partyId, existing: $0, now: now) }
    }

    public func account(partyId: UUID) async throws -> Account {
        guard let account = try await store.account(partyId) else {
            try await requireExists(partyId)
            throw RapportError.notFound("account", partyId.uuidString.lowercased())
        }
        return account
    }
}

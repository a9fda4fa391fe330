import Foundation
import RapportCore
import RapportStorage

/// Duplicates: the review list, merge and undo.
public struct MergeService: Sendable {
    let store: MergeStore
    let clock: any Clock

    public init(store: MergeStore, clock: any Clock) { self.store = store; self.clock = clock }

    public func merge(_ input: MergeInput) async throws -> MergeRecord {
        let survivor = try Validate.required(input.survivorId, "survivor_id")
        let merged = try Validate.required(input.mergedId, "merged_id")
        let now = clock.now()
        return try await store.merge(survivorId: survivor, mergedId: merged, rule: input.rule ?? .newestWins, id: .timeOrdered(at: now), at: now)
    }

    public func undo(_ mergeId: UUID) async throws -> MergeRecord {
        try await store.undo(mergeId, at: clock.now())
    }

    public func get(_ id: UUID) async throws -> MergeRecord {
        guard let record = try await store.get(id) else { throw RapportError.notFound("merge", id.uuidString.lowercased()) }
        return record
    }

    public func merges(of partyId: UUID) async throws -> [MergeRecord] { try await store.merges(of: partyId) }

    public func duplicateCandidates(limit: Int = 100) async throws -> [DuplicateCandidate] {
        try await store.duplicateCandidates(limit: limit)
    }

    /// Notes that `partyId` was given an address `owner` already holds: a pair for the review list.
    public func noteIdentityClaimedTwice(partyId: UUID, owner: UUID, kind: IdentityKind) async throws {
        try await store.recordDuplicateHint(partyId: partyId, otherPartyId: owner, reason: "identity_claimed_twice",
                                            detail: "the same \(kind.rawValue)", at: clock.now())
    }
}

/// Search over parties and the trail.
public struct SearchService: Sendable {
    let store: SearchStore
    let normalizer: IdentityNormalizer

    public init(store: SearchStore, normalizer: IdentityNormalizer) { self.store = store; self.normalizer = normalizer }

    public func parties(_ text: String, limit: Int = 20) async throws -> [Party] {
        try await store.parties(try SearchQuery(parsing: text, defaultRegion: normalizer.defaultRegion), limit: limit)
    }

    public func interactions(_ text: String, partyId: UUID? = nil, limit: Int = 20) async throws -> [Interaction] {
        try await store.interactions(try SearchQuery(parsing: text, defaultRegion: normalizer.defaultRegion), partyId: partyId, limit: limit)
    }
}

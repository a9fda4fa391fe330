import Foundation

/// One line of a list export (segment or cluster members).
public struct SegmentMember: Codable, Sendable, Equatable {
    public var partyId: UUID
    public var displayName: String
    public var language: String?
    public var valueTier: String?
    public var phone: String?
    public var email: String?
    public init(partyId: UUID, displayName: String, language: String?, valueTier: String?, phone: String?, email: String?) {
        self.partyId = partyId; self.displayName = displayName; self.language = language; self.valueTier = valueTier; self.phone = phone; self.email = email
    }
}

public struct RankedParty: Codable, Sendable {
    public var value: PartyValue
    public var displayName: String
    public init(value: PartyValue, displayName: String) { self.value = value; self.displayName = displayName }
}

/// One recomputation of value: when, for how many parties, with which settings, and the tiers it gave.
public struct ValueRun: Codable, Sendable, Equatable {
    public var id: UUID
    public var startedAt: Date
    public var finishedAt: Date
    public var parties: Int
    public var settings: ValueSettings
    public var tiers: [TierCount]
    public var cause: String

    public init(id: UUID, startedAt: Date, finishedAt: Date, parties: Int, settings: ValueSettings, tiers: [TierCount], cause: String) {
        self.id = id; self.startedAt = startedAt; self.finishedAt = finishedAt; self.parties = parties; self.settings = settings
        self.tiers = tiers; self.cause = cause
    }
}

public struct ClusterRun: Codable, Sendable, Equatable {
    public var id: UUID
    public var k: Int
    public var features: [ClusterFeature]
    public var profiles: [ClusterProfile]
    public var parties: Int
    public var iterations: Int
    public var createdAt: Date

    public init(id: UUID, k: Int, features: [ClusterFeature], profiles: [ClusterProfile], parties: Int, iterations: Int, createdAt: Date) {
        self.id = id; self.k = k; self.features = features; self.profiles = profiles; self.parties = parties; self.iterations = iterations
        self.createdAt = createdAt
    }
}

/// A sampled call waiting for the in-house reviewer.
public struct QASample: Codable, Sendable {
    public var partyId: UUID
    public var interactionId: UUID
    public var displayName: String
    public var outcome: String?
    public var agent: String?
    public var summary: String?
    public var calledAt: Date?
    public init(partyId: UUID, interactionId: UUID, displayName: String, outcome: String?, agent: String?, summary: String?, calledAt: Date?) {
        self.partyId = partyId; self.interactionId = interactionId; self.displayName = displayName; self.outcome = outcome; self.agent = agent
        self.summary = summary; self.calledAt = calledAt
    }
}

import Foundation

/// A party with its identities: what a read of one party returns.
public struct PartyRecord: Codable, Sendable, Equatable {
    public var party: Party
    public var identities: [Identity]

    public init(party: Party, identities: [Identity]) {
        self.party = party
        self.identities = identities
    }
}

public struct PartyFilter: Sendable {
    public var kind: PartyKind?
    public var lifecycleStage: LifecycleStage?
    public var inn: String?
    public init(kind: PartyKind? = nil, lifecycleStage: LifecycleStage? = nil, inn: String? = nil) {
        self.kind = kind; self.lifecycleStage = lifecycleStage; self.inn = inn
    }
}


import Foundation

/// An integration's credential. The secret is shown once, when made; only its hash is stored.
public struct APIToken: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var name: String
    /// The first characters of the secret, to recognise it in a list ("rpt_3f9a…").
    public var prefix: String
    public var scopes: [TokenScope]
    public var createdBy: UUID?
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(id: UUID, name: String, prefix: String, scopes: [TokenScope], createdBy: UUID?, createdAt: Date,
                expiresAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id; self.name = name; self.prefix = prefix; self.scopes = scopes; self.createdBy = createdBy
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.revokedAt = revokedAt
    }

    public func isUsable(at now: Date) -> Bool { revokedAt == nil && (expiresAt.map { now < $0 } ?? true) }
}

public struct APITokenInput: Codable, Sendable {
    public var name: String
    public var scopes: [TokenScope]
    /// Days until the token stops working; nil = until revoked.
    public var expiresInDays: Int?
    public init(name: String, scopes: [TokenScope], expiresInDays: Int? = nil) {
        self.name = name; self.scopes = scopes; self.expiresInDays = expiresInDays
    }
}

/// A token as created: the only time its secret is visible.
public struct IssuedToken: Codable, Sendable {
    public var token: APIToken
    public var secret: String
    public init(token: APIToken, secret: String) { self.token = token; self.secret = secret }
}

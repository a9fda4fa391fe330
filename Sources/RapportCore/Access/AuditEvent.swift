import Foundation

/// One line of the audit trail: who touched which party's data, when, through which route.
/// It names records, never their content: no names, numbers or texts.
public struct AuditEvent: Codable, Sendable, Equatable, Identifiable {
    public enum Action: String, ClosedVocabulary {
        case read, change, export, erase
        case signIn = "sign_in", signInFailed = "sign_in_failed", signOut = "sign_out"
        case userChange = "user_change", tokenChange = "token_change", configurationChange = "configuration_change"
    }

    public var id: UUID
    public var at: Date
    /// `user`, `token`, or `anonymous` (a failed sign-in).
    public var actorKind: String
    public var actorId: UUID?
    public var action: Action
    /// `METHOD /path/{template}` — the route, never the concrete URL (which may hold an address).
    public var route: String
    public var partyId: UUID?
    public var status: Int
    public var requestId: String?

    public init(id: UUID, at: Date, actorKind: String, actorId: UUID?, action: Action, route: String, partyId: UUID?,
                status: Int, requestId: String?) {
        self.id = id; self.at = at; self.actorKind = actorKind; self.actorId = actorId; self.action = action
        self.route = route; self.partyId = partyId; self.status = status; self.requestId = requestId
    }
}

/// What an administrator asks of the audit trail.
public struct AuditQuery: Sendable {
    public var partyId: UUID?
    public var actorId: UUID?
    public var action: AuditEvent.Action?
    public var from: Date?
    public var to: Date?
    public var limit: Int
    /// The `next_cursor` of the previous page: events older than its last one.
    public var cursor: String?

    public init(partyId: UUID? = nil, actorId: UUID? = nil, action: AuditEvent.Action? = nil, from: Date? = nil, to: Date? = nil,
                limit: Int = 100, cursor: String? = nil) {
        self.partyId = partyId; self.actorId = actorId; self.action = action; self.from = from; self.to = to
        self.limit = limit; self.cursor = cursor
    }
}

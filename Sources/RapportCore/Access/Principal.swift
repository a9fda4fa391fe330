import Foundation

/// Who is acting on a request: a signed-in user or an integration's API token.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case user, token }

    public let kind: Kind
    public let id: UUID
    /// The user's role; nil for a token.
    public let role: Role?
    public let capabilities: Set<Capability>
    /// An outside agent's campaign: the only parties they may see.
    public let campaignId: UUID?
    /// Set for a session: form and script posts must carry it back (CSRF).
    public let csrfToken: String?
    /// A user's name and page language (`en`, `ru`); a token's name and `en`.
    public let displayName: String
    public let language: String

    public init(kind: Kind, id: UUID, role: Role?, capabilities: Set<Capability>, campaignId: UUID? = nil, csrfToken: String? = nil,
                displayName: String = "", language: String = "en") {
        self.kind = kind; self.id = id; self.role = role; self.capabilities = capabilities
        self.campaignId = campaignId; self.csrfToken = csrfToken; self.displayName = displayName; self.language = language
    }

    public static func user(_ user: User, csrfToken: String?) -> Principal {
        Principal(kind: .user, id: user.id, role: user.role, capabilities: AccessPolicy.capabilities(of: user.role),
                  campaignId: user.campaignId, csrfToken: csrfToken, displayName: user.displayName, language: user.language)
    }

    public static func token(_ token: APIToken) -> Principal {
        Principal(kind: .token, id: token.id, role: nil, capabilities: token.scopes.reduce(into: Set()) { $0.formUnion($1.capabilities) },
                  displayName: token.name)
    }

    public func can(_ capability: Capability) -> Bool { capabilities.contains(capability) }

    /// Account managers change only the accounts they manage; everyone else allowed to write may write any.
    public func mayChange(partyManagedBy manager: UUID?) -> Bool {
        role != .accountManager || manager == id
    }
}

/// The access errors: who you are is unknown (401), or you may not do this (403), or too fast (429).
public enum AccessError {
    public static let notSignedIn = RapportError(.unauthorized, code: "not_signed_in",
        message: "sign in or send an API token (Authorization: Bearer …)",
        messageRu: "войдите в систему или передайте API-токен (Authorization: Bearer …)")
    public static let invalidToken = RapportError(.unauthorized, code: "invalid_token",
        message: "the API token is unknown, expired or revoked", messageRu: "API-токен неизвестен, просрочен или отозван")
    public static let sessionExpired = RapportError(.unauthorized, code: "session_expired",
        message: "the session has ended; sign in again", messageRu: "сеанс завершён; войдите снова")
    public static let badCredentials = RapportError(.unauthorized, code: "invalid_credentials",
        message: "wrong login or password", messageRu: "неверный логин или пароль")
    public static let locked = RapportError(.unauthorized, code: "account_locked",
        message: "too many failed sign-ins; try again later or ask an administrator",
        messageRu: "слишком много неудачных попыток входа; попробуйте позже или обратитесь к администратору")
    public static let csrf = RapportError(.forbidden, code: "csrf_token_invalid",
        message: "the X-CSRF-Token header is missing or does not match the session",
        messageRu: "заголовок X-CSRF-Token отсутствует или не совпадает с сеансом")
    public static func forbidden(_ capability: Capability) -> RapportError {
        RapportError(.forbidden, code: "forbidden", message: "your role or token may not do this (needs \(capability.rawValue))",
                     messageRu: "вашей роли или токену это не разрешено (нужно \(capability.rawValue))",
                     details: ["capability": capability.rawValue])
    }
    public static let notYourAccount = RapportError(.forbidden, code: "not_your_account",
        message: "only the account's manager may change this customer", messageRu: "изменять этого клиента может только его менеджер")
    public static let notOnYourList = RapportError(.forbidden, code: "not_on_your_list",
        message: "this customer is not on your campaign's calling list", messageRu: "этого клиента нет в списке обзвона вашей кампании")
    public static func rateLimited(retryAfter: Int) -> RapportError {
        RapportError(.rateLimited, code: "rate_limited", message: "too many requests; retry after \(retryAfter) s",
                     messageRu: "слишком много запросов; повторите через \(retryAfter) с", details: ["retry_after": String(retryAfter)])
    }
}

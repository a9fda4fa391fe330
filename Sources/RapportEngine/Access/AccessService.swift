import Foundation
import RapportCore
import RapportStorage

/// A session as sign-in hands it out: the cookie's secret and the CSRF token for scripts and forms.
public struct SignedIn: Sendable {
    public let user: User
    public let sessionSecret: String
    public let csrfToken: String
    public let expiresAt: Date
}

/// Sign-in, sessions, API tokens, users and calling lists; and the per-request checks that turn a
/// cookie or a bearer token into a `Principal`.
public struct AccessService: Sendable {
    let store: AccessStore
    let clock: any Clock
    let bcryptCost: UInt8
    public let lockout: LockoutPolicy
    /// How long a session lasts from sign-in.
    public let sessionLifetime: TimeInterval
    let principals: PrincipalCache
    /// Compared against when the login is unknown, so that a wrong login takes as long as a wrong password.
    let decoy: DecoyHash

    public init(store: AccessStore, clock: any Clock, bcryptCost: UInt8 = 12, lockout: LockoutPolicy = .standard,
                sessionLifetime: TimeInterval = 12 * 3600) {
        self.store = store; self.clock = clock; self.bcryptCost = bcryptCost; self.lockout = lockout
        self.sessionLifetime = sessionLifetime; self.principals = PrincipalCache()
        self.decoy = DecoyHash(cost: bcryptCost)
    }

    // MARK: Sign-in

    public func signIn(login: String, password: String) async throws -> SignedIn {
        let now = clock.now()
        guard let normalized = try? User.normalizedLogin(login), let found = try await store.credentials(login: normalized) else {
            _ = await Secrets.verifyPassword(password, hash: await decoy.value())
            throw AccessError.badCredentials
        }
        let user = found.user
        if let until = user.lockedUntil, until > now { throw AccessError.locked }
        guard await Secrets.verifyPassword(password, hash: found.passwordHash) else {
            try await store.recordFailedSignIn(user.id, policy: lockout, at: now)
            throw AccessError.badCredentials
        }
        guard user.disabledAt == nil else { throw AccessError.badCredentials }
        let secret = Secrets.random(), csrf = Secrets.random(bytes: 16)
        let expires = now.addingTimeInterval(sessionLifetime)
        try await store.openSession(tokenHash: Secrets.sha256(secret), userId: user.id, csrfToken: csrf, at: now, expiresAt: expires)
        return SignedIn(user: user, sessionSecret: secret, csrfToken: csrf, expiresAt: expires)
    }

    public func signOut(sessionSecret: String) async throws {
        try await store.endSession(tokenHash: Secrets.sha256(sessionSecret), at: clock.now())
        principals.removeAll()
    }

    /// The principal behind a session cookie; `session_expired` when it ended or timed out.
    public func principal(sessionSecret: String) async throws -> Principal {
        let hash = Secrets.sha256(sessionSecret)
        if let cached = principals.get("s:" + hash, now: clock.now()) { return cached }
        guard let session = try await store.session(tokenHash: hash) else { throw AccessError.sessionExpired }
        let now = clock.now()
        guard session.endedAt == nil, session.expiresAt > now, session.user.disabledAt == nil else { throw AccessError.sessionExpired }
        let principal = Principal.user(session.user, csrfToken: session.csrfToken)
        principals.put("s:" + hash, principal, notAfter: session.expiresAt)
        return principal
    }

    /// The principal behind an API token; `invalid_token` when unknown, expired or revoked.
    public func principal(bearer secret: String) async throws -> Principal {
        let hash = Secrets.sha256(secret)
        if let cached = principals.get("t:" + hash, now: clock.now()) { return cached }
        guard let token = try await store.token(hash: hash), token.isUsable(at: clock.now()) else { throw AccessError.invalidToken }
        let principal = Principal.token(token)
        principals.put("t:" + hash, principal, notAfter: token.expiresAt)
        return principal
    }

    /// Drops every cached principal (after a change made outside this process, or to measure the uncached path).
    public func forgetCachedPrincipals() { principals.removeAll() }

    // MARK: Users

    public func createUser(_ input: UserInput) async throws -> User {
        guard let login = input.login else { throw RapportError.missingField("login") }
        guard let role = input.role else { throw RapportError.missingField("role") }
        guard let password = input.password else { throw RapportError.missingField("password") }
        let displayName = try Validate.text(input.displayName ?? login, "display_name", max: 200)
        let language = input.language ?? "en"
        try UserInput.checkLanguage(language)
        try User.checkPassword(password)
        if role == .outsideAgent && input.campaignId == nil { throw RapportError.missingField("campaign_id") }
        let now = clock.now()
        let user = User(id: .timeOrdered(at: now), login: try User.normalizedLogin(login), displayName: displayName, role: role,
                        campaignId: role == .outsideAgent ? input.campaignId : nil, language: language, createdAt: now, updatedAt: now)
        return try await store.createUser(user, passwordHash: await Secrets.hashPassword(password, cost: bcryptCost))
    }

    public func updateUser(_ id: UUID, _ input: UserInput) async throws -> User {
        if let password = input.password { try User.checkPassword(password) }
        if let language = input.language { try UserInput.checkLanguage(language) }
        let login = try input.login.map(User.normalizedLogin)
        let displayName = try input.displayName.map { try Validate.text($0, "display_name", max: 200) }
        let hash: String? = if let password = input.password { await Secrets.hashPassword(password, cost: bcryptCost) } else { nil }
        let now = clock.now()
        let user = try await store.updateUser(id, passwordHash: hash, at: now) { user in
            if let login { user.login = login }
            if let displayName { user.displayName = displayName }
            if let role = input.role { user.role = role }
            if let campaign = input.campaignId { user.campaignId = campaign }
            if user.role != .outsideAgent { user.campaignId = nil } else if user.campaignId == nil { throw RapportError.missingField("campaign_id") }
            if let language = input.language { user.language = language }
            switch input.disabled {
            case true?: user.disabledAt = user.disabledAt ?? now
            case false?: user.disabledAt = nil; user.lockedUntil = nil; user.failedSignIns = 0
            case nil: break
            }
        }
        principals.removeAll()
        return user
    }

    public func user(_ id: UUID) async throws -> User {
        guard let user = try await store.user(id) else { throw RapportError.notFound("user", id.uuidString.lowercased()) }
        return user
    }

    public func users() async throws -> [User] { try await store.users() }
    public func userCount() async throws -> Int { try await store.userCount() }

    // MARK: API tokens

    public func issueToken(_ input: APITokenInput, by creator: UUID?) async throws -> IssuedToken {
        let name = try Validate.text(input.name, "name", max: 200)
        guard !input.scopes.isEmpty else { throw RapportError.missingField("scopes") }
        if let days = input.expiresInDays, !(1...3650).contains(days) {
            throw RapportError.invalidField("expires_in_days", "must be between 1 and 3650", "должно быть от 1 до 3650")
        }
        let now = clock.now()
        let secret = "rpt_" + Secrets.random()
        let token = APIToken(id: .timeOrdered(at: now), name: name, prefix: String(secret.prefix(12)), scopes: Array(Set(input.scopes)).sorted { $0.rawValue < $1.rawValue },
                             createdBy: creator, createdAt: now, expiresAt: input.expiresInDays.map { now.addingTimeInterval(Double($0) * 86_400) })
        return IssuedToken(token: try await store.createToken(token, hash: Secrets.sha256(secret)), secret: secret)
    }

    public func tokens() async throws -> [APIToken] { try await store.tokens() }

    public func revokeToken(_ id: UUID) async throws -> APIToken {
        let token = try await store.revokeToken(id, at: clock.now())
        principals.removeAll()
        return token
    }

    // MARK: Row-level rules

    /// Account managers change only their own accounts.
    public func requireMayChange(_ principal: Principal, party partyId: UUID) async throws {
        guard principal.role == .accountManager else { return }
        guard let manager = try await store.accountManager(of: partyId) else { throw RapportError.notFound("party", partyId.uuidString.lowercased()) }
        guard principal.mayChange(partyManagedBy: manager) else { throw AccessError.notYourAccount }
    }

    /// Outside agents see and record only the parties on their campaign's list.
    public func requireOnList(_ principal: Principal, party partyId: UUID?) async throws {
        guard principal.role == .outsideAgent else { return }
        guard let campaign = principal.campaignId, let partyId, try await store.isOnCampaign(campaign, party: partyId) else {
            throw AccessError.notOnYourList
        }
    }

    // MARK: Campaign calling lists

    public func createCampaign(name: String) async throws -> Campaign {
        let now = clock.now()
        return try await store.createCampaign(Campaign(id: .timeOrdered(at: now), name: try Validate.text(name, "name", max: 200), createdAt: now))
    }

    public func campaigns() async throws -> [Campaign] { try await store.campaigns() }

    public func addToCampaign(_ id: UUID, parties: [UUID]) async throws -> Int {
        guard parties.count <= 10_000 else {
            throw RapportError.invalidField("party_ids", "at most 10000 per request", "не больше 10000 за запрос")
        }
        return try await store.addToCampaign(id, parties: parties, at: clock.now())
    }

    public func callingList(for principal: Principal, campaign: UUID?, limit: Int) async throws -> [CallingListEntry] {
        guard let id = principal.role == .outsideAgent ? principal.campaignId : campaign else { throw RapportError.missingField("campaign_id") }
        return try await store.callingList(id, limit: limit)
    }
}

/// Resolved principals for a few seconds, so a request does not pay a lookup: a sign-out, a
/// revocation or a user change in this process clears it; another node's change is seen within
/// `seconds`.
final class PrincipalCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (principal: Principal, at: ContinuousClock.Instant, notAfter: Date?)] = [:]
    let seconds: Int64 = 2

    /// The cached principal, unless cached too long ago or its session or token has ended by `now`.
    func get(_ key: String, now: Date) -> Principal? {
        lock.withLock {
            guard let entry = entries[key], ContinuousClock.now - entry.at < .seconds(seconds),
                  entry.notAfter.map({ now < $0 }) ?? true else { return nil }
            return entry.principal
        }
    }

    func put(_ key: String, _ principal: Principal, notAfter: Date?) {
        lock.withLock {
            if entries.count > 10_000 { entries.removeAll() }
            entries[key] = (principal, ContinuousClock.now, notAfter)
        }
    }

    func removeAll() { lock.withLock { entries.removeAll() } }
}

/// A hash of a random password at the configured cost, made on first use.
final class DecoyHash: @unchecked Sendable {
    private let lock = NSLock()
    private var hash: String?
    let cost: UInt8
    init(cost: UInt8) { self.cost = cost }

    func value() async -> String {
        if let hash = lock.withLock({ hash }) { return hash }
        let made = await Secrets.hashPassword(Secrets.random(bytes: 12), cost: cost)
        lock.withLock { if hash == nil { hash = made } }
        return made
    }
}

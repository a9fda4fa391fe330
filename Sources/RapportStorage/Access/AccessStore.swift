import Foundation
import RapportCore
import SQLKit

/// A user as stored: the API's `User` plus the password hash, which only sign-in reads.
struct UserRow: Codable, Sendable {
    var id: UUID
    var login: String
    var displayName: String
    var role: Role
    var campaignId: UUID?
    var language: String
    var passwordHash: String
    var failedSignIns: Int
    var lockedUntil: Date?
    var disabledAt: Date?
    var createdAt: Date
    var updatedAt: Date

    init(_ user: User, passwordHash: String) {
        id = user.id; login = user.login; displayName = user.displayName; role = user.role; campaignId = user.campaignId
        language = user.language; self.passwordHash = passwordHash; failedSignIns = user.failedSignIns
        lockedUntil = user.lockedUntil; disabledAt = user.disabledAt; createdAt = user.createdAt; updatedAt = user.updatedAt
    }

    var user: User {
        User(id: id, login: login, displayName: displayName, role: role, campaignId: campaignId, language: language,
             failedSignIns: failedSignIns, lockedUntil: lockedUntil, disabledAt: disabledAt, createdAt: createdAt, updatedAt: updatedAt)
    }
}

struct APITokenRow: Codable, Sendable {
    var id: UUID
    var name: String
    var prefix: String
    var tokenHash: String
    var scopes: String
    var createdBy: UUID?
    var createdAt: Date
    var expiresAt: Date?
    var revokedAt: Date?

    init(_ token: APIToken, hash: String) throws {
        id = token.id; name = token.name; prefix = token.prefix; tokenHash = hash
        scopes = String(decoding: try JSONEncoder().encode(token.scopes), as: UTF8.self)
        createdBy = token.createdBy; createdAt = token.createdAt; expiresAt = token.expiresAt; revokedAt = token.revokedAt
    }

    var token: APIToken {
        get throws {
            APIToken(id: id, name: name, prefix: prefix, scopes: try JSONDecoder().decode([TokenScope].self, from: Data(scopes.utf8)),
                     createdBy: createdBy, createdAt: createdAt, expiresAt: expiresAt, revokedAt: revokedAt)
        }
    }
}

/// A session as the store hands it to sign-in checks.
public struct SessionRecord: Sendable {
    public let user: User
    public let csrfToken: String
    public let expiresAt: Date
    public let endedAt: Date?
}

/// A user with the stored password hash, for the sign-in check only.
public struct UserCredentials: Sendable {
    public let user: User
    public let passwordHash: String
}

/// Users, sessions, API tokens and campaigns' calling lists. Secrets arrive here already hashed.
public struct AccessStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    static let loginTaken = RapportError(.conflict, code: "login_taken", message: "this login is already used", messageRu: "этот логин уже занят")

    // MARK: Users

    public func createUser(_ user: User, passwordHash: String) async throws -> User {
        try await database.write { db in
            if let campaign = user.campaignId { try await db.require("campaigns", id: campaign, entity: "campaign") }
            do {
                try await db.insertRecord("users", UserRow(user, passwordHash: passwordHash))
            } catch where ConstraintViolation(error) == .unique {
                throw Self.loginTaken
            }
            try await db.appendEvent("user.created", aggregateId: user.id, at: user.createdAt, payload: ["role": user.role.rawValue])
            return user
        }
    }

    public func user(_ id: UUID) async throws -> User? {
        try await database.read { db in try await db.record(UserRow.self, from: "users", id: id)?.user }
    }

    public func credentials(login: String) async throws -> UserCredentials? {
        try await database.read { db in
            try await db.select().column("*").from("users").where("login", .equal, SQLBind(login)).first()?
                .decode(model: UserRow.self, with: recordDecoder)
        }.map { UserCredentials(user: $0.user, passwordHash: $0.passwordHash) }
    }

    public func users() async throws -> [User] {
        try await database.read { db in
            try await db.select().column("*").from("users").orderBy("login").all().records(UserRow.self).map(\.user)
        }
    }

    public func userCount() async throws -> Int {
        try await database.read { db in
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("users").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Changes a user; a new password hash, or disabling, ends every session of that user.
    public func updateUser(_ id: UUID, passwordHash: String?, at now: Date,
                           _ change: @escaping @Sendable (inout User) throws -> Void) async throws -> User {
        try await database.write { db in
            guard var row = try await db.record(UserRow.self, from: "users", id: id) else { throw RapportError.notFound("user", id.uuidString.lowercased()) }
            var user = row.user
            try change(&user)
            user.updatedAt = now
            if let campaign = user.campaignId { try await db.require("campaigns", id: campaign, entity: "campaign") }
            let endSessions = passwordHash != nil || (user.disabledAt != nil && row.disabledAt == nil) || user.role != row.role
            row = UserRow(user, passwordHash: passwordHash ?? row.passwordHash)
            do {
                try await db.updateRecord("users", id: id, row)
            } catch where ConstraintViolation(error) == .unique {
                throw Self.loginTaken
            }
            if endSessions {
                try await db.update("sessions").set("ended_at", to: SQLBind(now)).where("user_id", .equal, SQLBind(id))
                    .where("ended_at", .is, SQLLiteral.null).run()
            }
            try await db.appendEvent("user.updated", aggregateId: id, at: now)
            return user
        }
    }

    /// Counts a wrong password; locks the account at `policy.maxFailures` in a row.
    public func recordFailedSignIn(_ id: UUID, policy: LockoutPolicy, at now: Date) async throws {
        try await database.write { db in
            guard let row = try await db.record(UserRow.self, from: "users", id: id) else { return }
            let failures = row.failedSignIns + 1
            var update = db.update("users").set("failed_sign_ins", to: SQLBind(failures >= policy.maxFailures ? 0 : failures))
            if failures >= policy.maxFailures { update = update.set("locked_until", to: SQLBind(now.addingTimeInterval(policy.lockFor))) }
            try await update.where("id", .equal, SQLBind(id)).run()
        }
    }

    // MARK: Sessions

    /// Opens a session (the cookie's hash is the key) and clears the failure count.
    public func openSession(tokenHash: String, userId: UUID, csrfToken: String, at now: Date, expiresAt: Date) async throws {
        try await database.write { db in
            try await db.update("users").set("failed_sign_ins", to: SQLBind(0)).set("locked_until", to: SQLLiteral.null)
                .where("id", .equal, SQLBind(userId)).run()
            try await db.insert(into: "sessions").columns("token_hash", "user_id", "csrf_token", "created_at", "expires_at")
                .values(SQLBind(tokenHash), SQLBind(userId), SQLBind(csrfToken), SQLBind(now), SQLBind(expiresAt)).run()
        }
    }

    public func session(tokenHash: String) async throws -> SessionRecord? {
        try await database.read { db -> SessionRecord? in
            guard let row = try await db.select().column("*").from("sessions").where("token_hash", .equal, SQLBind(tokenHash)).first() else { return nil }
            let userId = try row.decode(column: "user_id", as: UUID.self)
            guard let user = try await db.record(UserRow.self, from: "users", id: userId)?.user else { return nil }
            return SessionRecord(user: user, csrfToken: try row.decode(column: "csrf_token", as: String.self),
                                 expiresAt: try row.decode(column: "expires_at", as: Date.self),
                                 endedAt: try row.decode(column: "ended_at", as: Date?.self))
        }
    }

    public func endSession(tokenHash: String, at now: Date) async throws {
        try await database.write { db in
            try await db.update("sessions").set("ended_at", to: SQLBind(now)).where("token_hash", .equal, SQLBind(tokenHash))
                .where("ended_at", .is, SQLLiteral.null).run()
        }
    }

    // MARK: API tokens

    public func createToken(_ token: APIToken, hash: String) async throws -> APIToken {
        try await database.write { db in
            try await db.insertRecord("api_tokens", try APITokenRow(token, hash: hash))
            try await db.appendEvent("api_token.created", aggregateId: token.id, at: token.createdAt)
            return token
        }
    }

    public func token(hash: String) async throws -> APIToken? {
        try await database.read { db in
            try await db.select().column("*").from("api_tokens").where("token_hash", .equal, SQLBind(hash)).first()?
                .decode(model: APITokenRow.self, with: recordDecoder)
        }?.token
    }

    public func tokens() async throws -> [APIToken] {
        try await database.read { db in
            try await db.select().column("*").from("api_tokens").orderBy("created_at", .descending).all().records(APITokenRow.self)
        }.map { try $0.token }
    }

    public func revokeToken(_ id: UUID, at now: Date) async throws -> APIToken {
        try await database.write { db in
            guard let row = try await db.record(APITokenRow.self, from: "api_tokens", id: id) else {
                throw RapportError.notFound("api_token", id.uuidString.lowercased())
            }
            if row.revokedAt == nil {
                try await db.update("api_tokens").set("revoked_at", to: SQLBind(now)).where("id", .equal, SQLBind(id)).run()
                try await db.appendEvent("api_token.revoked", aggregateId: id, at: now)
            }
            var token = try row.token
            token.revokedAt = token.revokedAt ?? now
            return token
        }
    }

    // MARK: Campaign calling lists

    public func createCampaign(_ campaign: Campaign) async throws -> Campaign {
        try await database.write { db in
            try await db.insertRecord("campaigns", try CampaignRow(campaign))
            try await db.appendEvent("campaign.created", aggregateId: campaign.id, at: campaign.createdAt)
            return campaign
        }
    }

    public func campaigns() async throws -> [Campaign] {
        try await database.read { db in try await CampaignStore.campaigns(id: nil, key: nil, on: db) }
    }

    /// Adds parties to a campaign's list (those already on it stay); returns the list's size.
    public func addToCampaign(_ campaignId: UUID, parties: [UUID], at now: Date) async throws -> Int {
        try await database.write { db in
            try await db.require("campaigns", id: campaignId, entity: "campaign")
            // A measured campaign's list is its segment at launch, split into target and control.
            if try await db.select().column("key").from("campaigns").where("id", .equal, SQLBind(campaignId)).first()?
                .decode(column: "key", as: String?.self) != nil {
                throw RapportError(.conflict, code: "measured_campaign", message: "a measured campaign takes its list from its segment at launch",
                                   messageRu: "список измеряемой кампании берётся из её сегмента при запуске")
            }
            for party in parties {
                _ = try await MergeStore.live(party, on: db)
                let present = try await db.select().column("party_id").from("campaign_parties").where("campaign_id", .equal, SQLBind(campaignId))
                    .where("party_id", .equal, SQLBind(party)).first()
                if present == nil {
                    try await db.insert(into: "campaign_parties").columns("campaign_id", "party_id", "added_at")
                        .values(SQLBind(campaignId), SQLBind(party), SQLBind(now)).run()
                }
            }
            return try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("campaign_parties")
                .where("campaign_id", .equal, SQLBind(campaignId)).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func isOnCampaign(_ campaignId: UUID, party: UUID) async throws -> Bool {
        try await database.read { db in
            try await db.select().column("party_id").from("campaign_parties").where("campaign_id", .equal, SQLBind(campaignId))
                .where("party_id", .equal, SQLBind(party)).where("arm", .equal, SQLBind(CampaignArm.target.rawValue)).first() != nil
        }
    }

    /// The calling list: name, language, the first phone number and the last outcome on this
    /// campaign. The control group is never on it.
    public func callingList(_ campaignId: UUID, limit: Int) async throws -> [CallingListEntry] {
        try await database.read { db in
            try await db.raw("""
                SELECT p.id AS party_id, p.display_name, p.language,
                  (SELECT i.value FROM identities i WHERE i.party_id = p.id AND i.kind = 'phone' ORDER BY i.created_at, i.id LIMIT 1) AS phone,
                  (SELECT x.outcome FROM interactions x WHERE x.party_id = p.id AND x.campaign_id = \(bind: campaignId)
                     ORDER BY x.occurred_at DESC, x.id DESC LIMIT 1) AS last_outcome
                FROM campaign_parties c JOIN parties p ON p.id = c.party_id
                WHERE c.campaign_id = \(bind: campaignId) AND c.arm = 'target' AND p.merged_into_id IS NULL AND p.erased_at IS NULL
                ORDER BY c.added_at, p.id LIMIT \(literal: limit)
                """).all().records(CallingListEntry.self)
        }
    }

    /// Who manages the account (for account managers' write checks); nil when nobody, or no such party.
    public func accountManager(of partyId: UUID) async throws -> UUID?? {
        try await database.read { db in
            guard let row = try await db.select().column("account_manager_id").from("parties").where("id", .equal, SQLBind(partyId)).first() else {
                return nil
            }
            return .some(try row.decode(column: "account_manager_id", as: UUID?.self))
        }
    }
}

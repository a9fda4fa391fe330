import Foundation

/// A person who signs in to Rapport. The password hash never leaves the storage layer's
/// sign-in path (`UserCredentials`); this value is what the API shows.
public struct User: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var login: String
    public var displayName: String
    public var role: Role
    /// An outside agent's campaign.
    public var campaignId: UUID?
    /// `en` or `ru`: the language of the pages and messages for this user.
    public var language: String
    public var failedSignIns: Int
    public var lockedUntil: Date?
    public var disabledAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, login: String, displayName: String, role: Role, campaignId: UUID? = nil, language: String = "en",
                failedSignIns: Int = 0, lockedUntil: Date? = nil, disabledAt: Date? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id; self.login = login; self.displayName = displayName; self.role = role; self.campaignId = campaignId
        self.language = language; self.failedSignIns = failedSignIns; self.lockedUntil = lockedUntil; self.disabledAt = disabledAt
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// Logins are compared case-insensitively: stored lower-case.
    public static func normalizedLogin(_ raw: String) throws -> String {
        let login = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
        guard (2...64).contains(login.count), login.allSatisfy({ allowed.contains($0) }) else {
            throw RapportError.invalidField("login", "2 to 64 characters: Latin letters, digits, . _ - @",
                                            "от 2 до 64 символов: латинские буквы, цифры, . _ - @")
        }
        return login
    }

    /// At least 12 characters, not all of one kind; the only rule that measurably helps.
    public static func checkPassword(_ password: String) throws {
        guard password.count >= 12 else {
            throw RapportError.invalidField("password", code: "weak_password", "must be at least 12 characters", "должен быть не короче 12 символов")
        }
        guard password.utf8.count <= 72 else {
            // bcrypt reads only the first 72 bytes; a longer password would be silently cut.
            throw RapportError.invalidField("password", code: "weak_password", "must be at most 72 bytes", "должен быть не длиннее 72 байт")
        }
        guard Set(password).count >= 4 else {
            throw RapportError.invalidField("password", code: "weak_password", "uses too few different characters", "слишком мало разных символов")
        }
    }
}

/// Creating a user, or changing one (only what is given).
public struct UserInput: Codable, Sendable {
    public var login: String?
    public var displayName: String?
    public var role: Role?
    public var campaignId: UUID?
    public var language: String?
    public var password: String?
    /// true disables (signs out everywhere), false enables and unlocks.
    public var disabled: Bool?

    public init(login: String? = nil, displayName: String? = nil, role: Role? = nil, campaignId: UUID? = nil, language: String? = nil,
                password: String? = nil, disabled: Bool? = nil) {
        self.login = login; self.displayName = displayName; self.role = role; self.campaignId = campaignId
        self.language = language; self.password = password; self.disabled = disabled
    }

    public static func checkLanguage(_ language: String) throws {
        guard ["en", "ru"].contains(language) else {
            throw RapportError.invalidField("language", code: "invalid_enum", "en or ru", "en или ru")
        }
    }
}

/// The lock-out rule: after `maxFailures` wrong passwords in a row the account locks for `lockFor`.
public struct LockoutPolicy: Sendable {
    public var maxFailures: Int
    public var lockFor: TimeInterval
    public init(maxFailures: Int = 5, lockFor: TimeInterval = 15 * 60) { self.maxFailures = maxFailures; self.lockFor = lockFor }

    public static let standard = LockoutPolicy()
}

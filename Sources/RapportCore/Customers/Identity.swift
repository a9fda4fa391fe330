import Foundation

public enum IdentityKind: String, ClosedVocabulary { case phone, email, webLogin = "web_login", messenger, fax }

/// An address by which a party reaches us, as given and normalised. A normalised identity of a
/// kind belongs to at most one party, so identifying an inbound contact is a lookup.
public struct Identity: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var kind: IdentityKind
    public var value: String
    public var normalized: String
    public var label: String?
    public var createdAt: Date

    public init(id: UUID, partyId: UUID, kind: IdentityKind, value: String, normalized: String, label: String?, createdAt: Date) {
        self.id = id; self.partyId = partyId; self.kind = kind; self.value = value
        self.normalized = normalized; self.label = label; self.createdAt = createdAt
    }
}

public struct IdentityInput: Codable, Sendable {
    public var kind: IdentityKind?
    public var value: String?
    /// For messenger handles: the network (telegram, whatsapp, vk, …).
    public var network: String?
    public var label: String?

    public init(kind: IdentityKind, value: String, network: String? = nil, label: String? = nil) {
        self.kind = kind; self.value = value; self.network = network; self.label = label
    }
}

/// How addresses are normalised; the default phone region is configuration (RU unless set).
public struct IdentityNormalizer: Sendable {
    public let defaultRegion: PhoneRegion

    public init(defaultRegion: PhoneRegion = .ru) {
        self.defaultRegion = defaultRegion
    }

    public func normalize(kind: IdentityKind, value: String, network: String? = nil) throws -> String {
        switch kind {
        case .phone, .fax:
            return try PhoneNumber(parsing: value, defaultRegion: defaultRegion).e164
        case .email:
            return try EmailAddress(parsing: value).normalized
        case .webLogin:
            let login = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard !login.isEmpty, login.count <= 200, !login.contains(where: \.isWhitespace) else {
                throw RapportError.invalidField("value", code: "invalid_login", "a web login is one word of at most 200 characters", "логин — одно слово не длиннее 200 символов")
            }
            return login
        case .messenger:
            var handle = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if handle.hasPrefix("@") { handle.removeFirst() }
            let net = (network ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard !handle.isEmpty, !handle.contains(where: \.isWhitespace), !net.isEmpty, !net.contains(":") else {
                throw RapportError.invalidField("value", code: "invalid_handle", "a messenger handle needs a network and a handle without spaces", "для мессенджера нужны сеть и имя без пробелов")
            }
            return "\(net):\(handle)"
        }
    }

    public func identity(_ input: IdentityInput, partyId: UUID, id: UUID, now: Date) throws -> Identity {
        guard let kind = input.kind else { throw RapportError.missingField("kind") }
        guard let value = input.value else { throw RapportError.missingField("value") }
        let normalized = try normalize(kind: kind, value: value, network: input.network)
        return Identity(id: id, partyId: partyId, kind: kind, value: value.trimmingCharacters(in: .whitespacesAndNewlines),
                        normalized: normalized, label: input.label, createdAt: now)
    }
}

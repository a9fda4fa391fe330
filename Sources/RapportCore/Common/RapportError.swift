import Foundation

/// A failure the caller can act on: bad input, a missing record, a conflict with existing data.
///
/// `code` is stable and machine-readable (clients switch on it); the messages are for people,
/// in English and Russian. Messages never contain personal data beyond what the caller sent.
public struct RapportError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalid
        case notFound
        case conflict
        case tooLarge
        /// Who is calling is unknown or not proven (HTTP 401).
        case unauthorized
        /// Known, but not allowed (HTTP 403).
        case forbidden
        /// Too many requests (HTTP 429).
        case rateLimited
    }

    public let kind: Kind
    public let code: String
    public let message: String
    public let messageRu: String
    /// Extra machine-readable facts, e.g. the field that failed or the owner of a claimed identity.
    public let details: [String: String]

    public init(_ kind: Kind, code: String, message: String, messageRu: String, details: [String: String] = [:]) {
        self.kind = kind
        self.code = code
        self.message = message
        self.messageRu = messageRu
        self.details = details
    }

    public var description: String { "\(kind.rawValue) \(code): \(message)" }

    public static func invalidField(_ field: String, code: String = "invalid_field", _ message: String, _ messageRu: String) -> RapportError {
        RapportError(.invalid, code: code, message: "\(field): \(message)", messageRu: "\(field): \(messageRu)", details: ["field": field])
    }

    public static func missingField(_ field: String) -> RapportError {
        RapportError(.invalid, code: "missing_field", message: "\(field) is required", messageRu: "поле \(field) обязательно",
                     details: ["field": field])
    }

    public static func notFound(_ entity: String, _ id: String) -> RapportError {
        RapportError(.notFound, code: "\(entity)_not_found", message: "\(entity) \(id) does not exist",
                     messageRu: "\(entity) \(id) не найден", details: ["entity": entity, "id": id])
    }
}

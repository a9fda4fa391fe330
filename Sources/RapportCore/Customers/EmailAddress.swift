/// An e-mail address, trimmed and lower-cased for identification.
public struct EmailAddress: Hashable, Sendable {
    public let normalized: String

    public init(parsing raw: String) throws {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let value = trimmed.lowercased()
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard value.count <= 254, parts.count == 2,
              let local = parts.first, let domain = parts.last,
              !local.isEmpty, local.count <= 64,
              domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains(".."),
              !value.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" })
        else {
            throw RapportError(.invalid, code: "invalid_email", message: "not a valid e-mail address",
                               messageRu: "некорректный адрес электронной почты")
        }
        self.normalized = value
    }
}

import Foundation

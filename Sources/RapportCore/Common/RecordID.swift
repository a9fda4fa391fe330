import Foundation

extension UUID {
    /// A time-ordered UUID (version 7): ids sort in creation order, so an id is also a cursor.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8((millis >> (8 * (5 - UInt64(i)))) & 0xFF) }
        var rng = SystemRandomNumberGenerator()
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Parses an id given by a caller, naming the field when it is not a UUID.
    public init(validating text: String, field: String) throws {
        guard let id = UUID(uuidString: text) else {
            throw RapportError.invalidField(field, code: "invalid_id", "\(text) is not a UUID", "\(text) не является UUID")
        }
        self = id
    }
}

/// Enumerations whose raw values travel over the API: unknown values get a clear error.
public protocol ClosedVocabulary: RawRepresentable, CaseIterable, Codable, Sendable, Hashable where RawValue == String {}

extension ClosedVocabulary {
    public init(validating raw: String, field: String) throws {
        guard let value = Self(rawValue: raw) else {
            let allowed = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw RapportError.invalidField(field, code: "invalid_enum", "\(raw) is not one of: \(allowed)", "\(raw) — допустимые значения: \(allowed)")
        }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(validating: raw, field: FieldName.of(decoder.codingPath))
    }
}

/// The API's name of a field (snake_case, dotted path) from a decoding path.
public enum FieldName {
    public static func of(_ path: [any CodingKey]) -> String {
        let parts = path.map { key -> String in
            if let i = key.intValue { return String(i) }
            var out = ""
            for ch in key.stringValue {
                if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
            }
            return out
        }
        return parts.isEmpty ? "value" : parts.joined(separator: ".")
    }
}

import Foundation

extension UUID {
    /// A time-ordered UUID (version 7): ids sort in creation order, so an id is also a cursor.
    ///
    /// Ids made in the same millisecond by this process stay in order: a 12-bit counter fills the
    /// `rand_a` field (RFC 9562, method 1), and when it runs out the millisecond is advanced.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        // Two draws from the system generator (one system call each), not one per byte.
        var rng = SystemRandomNumberGenerator()
        let high = rng.next(), low = rng.next()
        let counter = UUIDv7Sequence.shared.next(&millis, random: UInt16(truncatingIfNeeded: high) & 0x3FF)
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8((millis >> (8 * (5 - UInt64(i)))) & 0xFF) }
        bytes[6] = 0x70 | UInt8((counter >> 8) & 0x0F)
        bytes[7] = UInt8(counter & 0xFF)
        for i in 8..<16 { bytes[i] = UInt8(truncatingIfNeeded: low >> (8 * UInt64(i - 8))) }
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
        var name = ""
        for key in path {
            // Array positions: an int key, or Foundation's "Index N" key for unkeyed containers.
            let index = key.intValue ?? (key.stringValue.hasPrefix("Index ") ? Int(key.stringValue.dropFirst(6)) : nil)
            if let index {
                name += "[\(index)]"
                continue
            }
            var out = ""
            for ch in key.stringValue {
                if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
            }
            name += name.isEmpty ? out : "." + out
        }
        return name.isEmpty ? "value" : name
    }
}

/// The last millisecond and counter handed out, so that ids of one process never go backwards
/// within a millisecond. Ids for an earlier moment (back-dated records) are not constrained.
final class UUIDv7Sequence: @unchecked Sendable {
    static let shared = UUIDv7Sequence()
    private let lock = NSLock()
    private var lastMillis: UInt64 = 0
    private var counter: UInt16 = 0

    /// Returns the 12-bit counter to use; may advance `millis` when the counter is exhausted.
    func next(_ millis: inout UInt64, random: UInt16) -> UInt16 {
        lock.lock()
        defer { lock.unlock() }
        if millis > lastMillis {
            lastMillis = millis
            counter = random  // start low in the range so the millisecond has room to count up
            return counter
        }
        if millis < lastMillis && lastMillis - millis > 1_000 {
            return random  // a back-dated id: ordered by its own time only
        }
        if counter >= 0xFFF {
            lastMillis += 1
            counter = 0
        } else {
            counter += 1
        }
        millis = lastMillis
        return counter
    }
}

extension UUID {
    private static let upperHex = Array("0123456789ABCDEF".utf8), lowerHex = Array("0123456789abcdef".utf8)

    /// The 36-character text form without going through the C formatter (hot in bulk paths):
    /// upper-case as `uuidString` (how ids are stored), or lower-case (how the API and keys write them).
    public func text(lowercase: Bool = false) -> String {
        let digits = lowercase ? Self.lowerHex : Self.upperHex
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for (i, byte) in bytes.enumerated() {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
                    out[o] = digits[Int(byte >> 4)]; out[o + 1] = digits[Int(byte & 0x0F)]
                    o += 2
                }
                return o
            }
        }
    }

    /// Parses the 36-character text form (either case) without the C scanner; nil when malformed.
    public init?(text: String) {
        let chars = Array(text.utf8)
        guard chars.count == 36 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        var b = 0, high = true
        for (i, c) in chars.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 { if c != UInt8(ascii: "-") { return nil }; continue }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if high { bytes[b] = v << 4 } else { bytes[b] |= v; b += 1 }
            high.toggle()
        }
        self = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

import Foundation

/// A value in a business event's payload as it arrives over the API.
public enum PayloadValue: Codable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else {
            throw RapportError.invalidField(FieldName.of(decoder.codingPath), code: "invalid_payload",
                                            "payload values are strings, numbers, booleans or null",
                                            "значения полей — строки, числа, логические значения или null")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): try c.encode(n)
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        }
    }

    /// The value as text, for conditions and templates (numbers without a needless ".0").
    public var text: String? {
        switch self {
        case .string(let s): s
        case .number(let n): n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        case .null: nil
        }
    }
}

public enum EventFieldType: String, ClosedVocabulary { case string, integer, number, boolean, date, datetime }

/// One field of an event type's payload schema.
public struct EventField: Codable, Sendable, Equatable {
    public var name: String
    public var type: EventFieldType
    public var required: Bool
    /// Longest text accepted (strings only), in UTF-16 code units (an emoji counts two); also what
    /// the SMS length check assumes at rule save.
    public var maxLength: Int?

    public init(name: String, type: EventFieldType, required: Bool = true, maxLength: Int? = nil) {
        self.name = name; self.type = type; self.required = required; self.maxLength = maxLength
    }

    enum CodingKeys: String, CodingKey { case name, type, required, maxLength }

    /// `required` may be left out: a field is required unless it says otherwise.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        type = try c.decode(EventFieldType.self, forKey: .type)
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? true
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
    }

    public static let defaultMaxLength = 255

    /// The most characters this field can put into a rendered message.
    public var renderedMaxLength: Int {
        switch type {
        case .string: maxLength ?? Self.defaultMaxLength
        case .integer: 20
        case .number: 24
        case .boolean: 5
        case .date: 10
        case .datetime: 16
        }
    }
}

/// A kind of business event another system posts (`flight.gate_changed`, `order.delayed`): its
/// payload schema is data, so new kinds need no code.
public struct EventType: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var description: String?
    public var fields: [EventField]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, key: String, description: String?, fields: [EventField], createdAt: Date, updatedAt: Date) {
        self.id = id; self.key = key; self.description = description; self.fields = fields; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    public func field(_ name: String) -> EventField? { fields.first { $0.name == name } }

    /// Checks a payload against the schema and returns each field's canonical text (dates as
    /// `YYYY-MM-DD`, times as ISO 8601 UTC). Unknown fields are refused, so a typo never
    /// silently drops a value a template needs.
    public func validate(payload: [String: PayloadValue]) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in payload.keys.sorted() where field(name) == nil {
            throw RapportError.invalidField("payload.\(name)", code: "unknown_payload_field", "is not a field of event type \(key)",
                                            "не является полем типа события \(key)")
        }
        for f in fields {
            let value = payload[f.name] ?? .null
            guard let text = value.text else {
                if f.required { throw RapportError.missingField("payload.\(f.name)") }
                continue
            }
            var canonical = try Self.canonical(text, value: value, field: f)
            // Flight numbers are compared as bookings store them: `su 1234` is `SU1234`.
            if f.name == "flight_number", let flight = try? BookingInput.flight(canonical) { canonical = flight }
            out[f.name] = canonical
        }
        return out
    }

    static func canonical(_ text: String, value: PayloadValue, field f: EventField) throws -> String {
        let path = "payload.\(f.name)"
        func bad(_ en: String, _ ru: String) -> RapportError { RapportError.invalidField(path, code: "invalid_payload", en, ru) }
        switch f.type {
        case .string:
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if f.required && t.isEmpty { throw RapportError.missingField(path) }
            let limit = f.maxLength ?? EventField.defaultMaxLength
            // Counted in UTF-16 code units, as SMS length is (an emoji counts two).
            guard t.utf16.count <= limit else { throw bad("is longer than \(limit) characters", "длиннее \(limit) символов") }
            return t
        case .integer:
            guard let n = Int64(text) else { throw bad("must be a whole number", "должно быть целым числом") }
            return String(n)
        case .number:
            guard let n = Double(text), n.isFinite else { throw bad("must be a number", "должно быть числом") }
            return PayloadValue.number(n).text ?? text
        case .boolean:
            guard case .bool(let b) = value else { throw bad("must be true or false", "должно быть true или false") }
            return b ? "true" : "false"
        case .date:
            return try CivilDate(parsing: text, field: path).description
        case .datetime:
            guard let d = Timestamp.parse(text) else {
                throw bad("must be an ISO 8601 date and time with a zone, e.g. 2026-11-27T14:05:00Z",
                          "должно быть датой и временем ISO 8601 с зоной, например 2026-11-27T14:05:00Z")
            }
            return Timestamp.format(d)
        }
    }
}

public struct EventTypeInput: Codable, Sendable {
    public var key: String?
    public var description: String?
    public var fields: [EventField]?

    public init(key: String? = nil, description: String? = nil, fields: [EventField]? = nil) {
        self.key = key; self.description = description; self.fields = fields
    }

    public func make(id: UUID, now: Date) throws -> EventType {
        let key = try EventTypeInput.validateKey(try Validate.required(self.key, "key"), field: "key")
        let fields = try Validate.required(self.fields, "fields")
        var seen = Set<String>()
        for (i, f) in fields.enumerated() {
            guard f.name.range(of: #"^[a-z][a-z0-9_]{0,63}$"#, options: .regularExpression) != nil else {
                throw RapportError.invalidField("fields[\(i)].name", code: "invalid_key", "use lower-case letters, digits and _",
                                                "используйте строчные латинские буквы, цифры и _")
            }
            guard seen.insert(f.name).inserted else {
                throw RapportError.invalidField("fields[\(i)].name", code: "duplicate_field", "\(f.name) appears twice", "\(f.name) повторяется")
            }
            if let m = f.maxLength, f.type != .string || !(1...10_000).contains(m) {
                throw RapportError.invalidField("fields[\(i)].max_length", "applies to strings only, from 1 to 10000",
                                                "только для строк, от 1 до 10000")
            }
        }
        return EventType(id: id, key: key, description: try Validate.optionalText(description, "description", max: 500), fields: fields,
                         createdAt: now, updatedAt: now)
    }

    /// Event type and rule keys: `flight.gate_changed`, `order-confirmation`.
    public static func validateKey(_ key: String, field: String) throws -> String {
        guard key.range(of: #"^[a-z][a-z0-9_.\-]{0,99}$"#, options: .regularExpression) != nil else {
            throw RapportError.invalidField(field, code: "invalid_key", "use lower-case letters, digits, '.', '-' and '_'",
                                            "используйте строчные латинские буквы, цифры, «.», «-» и «_»")
        }
        return key
    }
}

/// ISO 8601 times as the API writes and reads them.
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return d }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    public static func format(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}

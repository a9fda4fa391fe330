import Foundation

/// Small checks shared by the inputs of every noun.
public enum Validate {
    public static func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw RapportError.missingField(field) }
        return value
    }

    public static func text(_ value: String?, _ field: String, max: Int = 500) throws -> String {
        guard let t = value?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else {
            throw RapportError.missingField(field)
        }
        guard t.count <= max else {
            throw RapportError.invalidField(field, code: "too_long", "longer than \(max) characters", "длиннее \(max) символов")
        }
        return t
    }

    public static func optionalText(_ value: String?, _ field: String, max: Int = 10_000) throws -> String? {
        guard let t = value?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        guard t.count <= max else {
            throw RapportError.invalidField(field, code: "too_long", "longer than \(max) characters", "длиннее \(max) символов")
        }
        return t
    }

    /// The largest amount accepted anywhere, in minor units (10^15: sums of many stay far from Int64's limit).
    public static let maxAmountMinor: Int64 = 1_000_000_000_000_000

    public static func nonNegative(_ value: Int64, _ field: String) throws -> Int64 {
        guard value >= 0 else {
            throw RapportError.invalidField(field, code: "negative_amount", "must not be negative", "не может быть отрицательным")
        }
        guard value <= maxAmountMinor else {
            throw RapportError.invalidField(field, code: "amount_too_large", "must not exceed \(maxAmountMinor)", "не может превышать \(maxAmountMinor)")
        }
        return value
    }

    /// Quantities of one line: 1 to 1 000 000.
    public static func quantity(_ value: Int, _ field: String) throws -> Int {
        guard (1...1_000_000).contains(value) else {
            throw RapportError.invalidField(field, code: "invalid_quantity", "must be between 1 and 1000000", "должно быть от 1 до 1000000")
        }
        return value
    }

    public static func positive(_ value: Int, _ field: String) throws -> Int {
        guard value > 0 else {
            throw RapportError.invalidField(field, code: "not_positive", "must be greater than zero", "должно быть больше нуля")
        }
        return value
    }

    public static func currency(_ value: String?) throws -> String {
        try Money(amountMinor: 0, currency: value ?? "RUB").currency
    }

    public static func order(_ start: CivilDate?, before end: CivilDate?, _ field: String) throws {
        if let start, let end, end < start {
            throw RapportError.invalidField(field, code: "invalid_range", "ends before it starts", "окончание раньше начала")
        }
    }
}

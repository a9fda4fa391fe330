import Foundation

/// One condition of a saved segment: `party.value_tier in [gold, platinum]`,
/// `fact.children gte 1`, `orders.count gte 3` within 90 days, `consent.marketing eq true`.
public struct SegmentCondition: Codable, Sendable, Equatable {
    public var field: String
    public var op: ConditionOperator
    public var value: PayloadValue?
    public var values: [String]?
    /// For `orders.*` and `interactions.count`: only the last N days.
    public var withinDays: Int?
    /// For `interactions.count` and `consent.*`: only this channel.
    public var channel: String?

    public init(field: String, op: ConditionOperator, value: PayloadValue? = nil, values: [String]? = nil, withinDays: Int? = nil, channel: String? = nil) {
        self.field = field; self.op = op; self.value = value; self.values = values; self.withinDays = withinDays; self.channel = channel
    }

    /// What a field compares: text, a number, a date (`YYYY-MM-DD`) or a yes/no.
    public enum FieldType: Sendable { case text, number, date, boolean }

    /// Fixed fields and the type of each. `fact.<key>` (text, or number when the value is a
    /// number) and `consent.<purpose>` (boolean) are open families.
    public static let fields: [String: FieldType] = [
        "party.kind": .text, "party.lifecycle_stage": .text, "party.value_tier": .text, "party.language": .text, "party.country": .text,
        "party.created_at": .date, "party.birth_date": .date, "party.age": .number,
        "value.actual_minor": .number, "value.potential_minor": .number, "value.rank": .number,
        "value.recency_score": .number, "value.frequency_score": .number, "value.monetary_score": .number,
        "orders.count": .number, "orders.total_minor": .number, "orders.last_placed_on": .date,
        "interactions.count": .number, "interactions.last_on": .date,
        "requests.open": .number, "cluster.latest": .number,
    ]

    /// Fields counted or summed over other records.
    static let aggregates: Set<String> = ["orders.count", "orders.total_minor", "interactions.count", "requests.open"]

    public var type: FieldType? {
        if let t = Self.fields[field] { return t }
        if field.hasPrefix("fact."), field.count > 5 { return value.flatMap { $0.text.flatMap(Double.init) } != nil ? .number : .text }
        if field.hasPrefix("consent."), field.count > 8 { return .boolean }
        return nil
    }

    static let channels: Set<String> = ["phone", "email", "web_form", "chat", "sms", "ivr", "fax", "point_of_sale", "letter", "social", "messenger"]

    /// Every mistake a marketer can make in a condition, found when the segment is saved.
    public func validated(at path: String) throws -> SegmentCondition {
        guard let type else {
            throw RapportError(.invalid, code: "unknown_segment_field", message: "\(path).field: \(field) is not a segment field",
                               messageRu: "\(path).field: по полю \(field) нельзя строить сегмент", details: ["field": "\(path).field"])
        }
        var c = self
        // Operators a field cannot answer are refused, not silently matched against nothing.
        if type == .boolean && !(op == .eq || op == .ne) {
            throw RapportError.invalidField("\(path).op", code: "invalid_condition", "\(field) takes eq or ne with true or false",
                                            "\(field): только eq или ne с true или false")
        }
        if op == .in && (type == .date || Self.aggregates.contains(field)) {
            throw RapportError.invalidField("\(path).op", code: "invalid_condition", "\(field) does not take in; use gte and lte",
                                            "\(field): in не применяется, используйте gte и lte")
        }
        switch op {
        case .exists, .notExists:
            c.value = nil; c.values = nil
        case .in:
            guard let values, !values.isEmpty, values.count <= 100 else {
                throw RapportError.invalidField("\(path).values", code: "invalid_condition", "in needs 1–100 values", "для in нужно 1–100 значений")
            }
            if type == .number, values.contains(where: { Double($0) == nil }) {
                throw RapportError.invalidField("\(path).values", code: "invalid_condition", "\(field) compares numbers", "\(field) сравнивается с числами")
            }
        default:
            guard let value else {
                throw RapportError.invalidField("\(path).value", code: "invalid_condition", "\(op.rawValue) needs a value", "для \(op.rawValue) нужно значение")
            }
            switch type {
            case .number:
                guard value.text.flatMap(Double.init) != nil else {
                    throw RapportError.invalidField("\(path).value", code: "invalid_condition", "\(field) compares numbers", "\(field) сравнивается с числами")
                }
            case .date:
                guard let t = value.text, (try? CivilDate(parsing: t)) != nil else {
                    throw RapportError.invalidField("\(path).value", code: "invalid_condition", "\(field) compares dates (YYYY-MM-DD)", "\(field) сравнивается с датами (ГГГГ-ММ-ДД)")
                }
            case .boolean:
                guard value.text == "true" || value.text == "false", op == .eq || op == .ne else {
                    throw RapportError.invalidField("\(path).value", code: "invalid_condition", "\(field) is eq/ne true or false", "\(field): eq/ne true или false")
                }
            case .text: break
            }
        }
        if let withinDays {
            guard field.hasPrefix("orders.") || field.hasPrefix("interactions.") else {
                throw RapportError.invalidField("\(path).within_days", code: "invalid_condition", "only orders.* and interactions.* take within_days",
                                                "within_days — только для orders.* и interactions.*")
            }
            guard (1...3650).contains(withinDays) else {
                throw RapportError.invalidField("\(path).within_days", code: "out_of_range", "must be 1–3650", "допустимо 1–3650")
            }
        }
        if let channel {
            guard field.hasPrefix("interactions.") || field.hasPrefix("consent.") else {
                throw RapportError.invalidField("\(path).channel", code: "invalid_condition", "only interactions.* and consent.* take a channel",
                                                "channel — только для interactions.* и consent.*")
            }
            guard Self.channels.contains(channel) else {
                throw RapportError.invalidField("\(path).channel", code: "invalid_enum", "\(channel) is not a channel", "\(channel) — не канал")
            }
        }
        if field.hasPrefix("fact.") || field.hasPrefix("consent.") {
            let key = field.split(separator: ".", maxSplits: 1)[1]
            guard key.count <= 100, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw RapportError(.invalid, code: "unknown_segment_field", message: "\(path).field: \(field) is not a segment field",
                                   messageRu: "\(path).field: по полю \(field) нельзя строить сегмент", details: ["field": "\(path).field"])
            }
        }
        return c
    }
}

/// All conditions must hold (`all`), or at least one (`any`).
public enum SegmentMatch: String, ClosedVocabulary { case all, any }

public struct SegmentDefinition: Codable, Sendable, Equatable {
    public var match: SegmentMatch
    public var conditions: [SegmentCondition]

    public init(match: SegmentMatch = .all, conditions: [SegmentCondition]) { self.match = match; self.conditions = conditions }

    public func validated(path: String = "conditions") throws -> SegmentDefinition {
        guard conditions.count <= 50 else {
            throw RapportError.invalidField(path, code: "too_many_conditions", "at most 50 conditions", "не больше 50 условий")
        }
        return SegmentDefinition(match: match, conditions: try conditions.enumerated().map { try $1.validated(at: "\(path)[\($0)]") })
    }
}

/// A saved segment: a key, a name and its definition; members are counted live.
public struct Segment: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var name: String
    public var description: String?
    public var definition: SegmentDefinition
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, key: String, name: String, description: String?, definition: SegmentDefinition, createdAt: Date, updatedAt: Date) {
        self.id = id; self.key = key; self.name = name; self.description = description; self.definition = definition
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

public struct SegmentInput: Codable, Sendable {
    public var key: String?
    public var name: String?
    public var description: String?
    public var match: SegmentMatch?
    public var conditions: [SegmentCondition]?

    public init(key: String? = nil, name: String? = nil, description: String? = nil, match: SegmentMatch? = nil, conditions: [SegmentCondition]? = nil) {
        self.key = key; self.name = name; self.description = description; self.match = match; self.conditions = conditions
    }

    public func make(id: UUID, now: Date) throws -> Segment {
        Segment(id: id, key: try EventTypeInput.validateKey(try Validate.text(key, "key", max: 100), field: "key"), name: try Validate.text(name, "name", max: 200),
                description: try Validate.optionalText(description, "description", max: 2000),
                definition: try SegmentDefinition(match: match ?? .all, conditions: try Validate.required(conditions, "conditions")).validated(),
                createdAt: now, updatedAt: now)
    }

    public func apply(to segment: Segment, now: Date) throws -> Segment {
        var s = segment
        if let name { s.name = try Validate.text(name, "name", max: 200) }
        if description != nil { s.description = try Validate.optionalText(description, "description", max: 2000) }
        if match != nil || conditions != nil {
            s.definition = try SegmentDefinition(match: match ?? s.definition.match, conditions: conditions ?? s.definition.conditions).validated()
        }
        s.updatedAt = now
        return s
    }
}

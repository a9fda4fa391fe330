import Foundation

public enum RuleTrigger: String, ClosedVocabulary { case event, date }

/// What a date rule watches: the customer's own birthday, a related person's birthday (the friend
/// from the flower order), a related person reaching an age (a child turning 17), a contract's end.
public enum DateTrigger: String, ClosedVocabulary {
    case birthday
    case relatedBirthday = "related_birthday"
    case relatedAge = "related_age"
    case contractRenewal = "contract_renewal"
}

/// How an event rule finds the affected customers, from fields every such event carries:
/// `order` → `order_number`; `booking` → `booking_ref`; `flight` → `flight_number` + `flight_date`
/// (every passenger booked on it); `contract` → `contract_number`; `party` → `party_id`.
public enum AudienceKind: String, ClosedVocabulary {
    case order, booking, flight, contract, party

    public var requiredFields: [(name: String, types: [EventFieldType])] {
        switch self {
        case .order: [("order_number", [.string, .integer])]
        case .booking: [("booking_ref", [.string])]
        case .flight: [("flight_number", [.string]), ("flight_date", [.date])]
        case .contract: [("contract_number", [.string])]
        case .party: [("party_id", [.string])]
        }
    }

    /// Customers found through their own order, booking or contract are being served under it:
    /// service messages need no separate consent (unless they withdrew it).
    public var isUnderContract: Bool { self != .party }
}

public enum OutboundChannel: String, ClosedVocabulary { case sms, email, webhook }

public enum ConditionOperator: String, ClosedVocabulary {
    case eq, ne, gt, gte, lt, lte, `in`, exists
    case notExists = "not_exists"
}

/// `event.delay_minutes gte 30`, `party.value_tier in [gold, platinum]`.
public struct RuleCondition: Codable, Sendable, Equatable {
    public var field: String
    public var op: ConditionOperator
    public var value: PayloadValue?
    public var values: [String]?

    public init(field: String, op: ConditionOperator, value: PayloadValue? = nil, values: [String]? = nil) {
        self.field = field; self.op = op; self.value = value; self.values = values
    }

    public static let partyFields: Set<String> = ["party.kind", "party.lifecycle_stage", "party.value_tier", "party.language", "party.country"]

    public func holds(_ values: [String: String]) -> Bool {
        let actual = values[field]
        switch op {
        case .exists: return actual != nil
        case .notExists: return actual == nil
        case .in: return actual.map { (self.values ?? []).contains($0) } ?? false
        default: break
        }
        guard let actual, let expected = value?.text else { return false }
        let order: ComparisonResult
        if let a = Double(actual), let b = Double(expected) { order = a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame) }
        else { order = actual < expected ? .orderedAscending : (actual > expected ? .orderedDescending : .orderedSame) }
        switch op {
        case .eq: return order == .orderedSame
        case .ne: return order != .orderedSame
        case .gt: return order == .orderedDescending
        case .gte: return order != .orderedAscending
        case .lt: return order == .orderedAscending
        case .lte: return order != .orderedDescending
        default: return false
        }
    }
}

/// Local hours in the customer's time zone when nothing is sent (`21:00`–`09:00`); a message
/// decided then waits for the end.
public struct QuietHours: Codable, Sendable, Equatable {
    public var start: String
    public var end: String

    public init(start: String, end: String) { self.start = start; self.end = end }

    static func minutes(_ text: String, field: String) throws -> Int {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else {
            throw RapportError.invalidField(field, code: "invalid_time", "use HH:MM", "укажите время как ЧЧ:ММ")
        }
        return h * 60 + m
    }
}

/// At most `max` messages of the rule's purpose per customer within `window_hours`.
public struct FrequencyCap: Codable, Sendable, Equatable {
    public var max: Int
    public var windowHours: Int

    public init(max: Int, windowHours: Int) { self.max = max; self.windowHours = windowHours }
}

/// A stored, versioned rule: trigger → audience → template → channel → timing. Saving a change
/// makes a new version; messages name the version that decided them.
public struct ProactiveRule: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var version: Int
    public var enabled: Bool
    public var name: String
    public var trigger: RuleTrigger
    public var eventType: String?
    public var dateTrigger: DateTrigger?
    public var daysBefore: Int?
    public var age: Int?
    public var relationshipKinds: [RelationshipKind]?
    public var conditions: [RuleCondition]
    public var audience: AudienceKind?
    public var purpose: String
    public var channels: [OutboundChannel]
    public var template: MessageTemplate
    public var quietHours: QuietHours?
    public var frequencyCap: FrequencyCap?
    /// A datetime field of the event before which the message is not sent ("right after landing").
    public var sendAtField: String?
    public var webhookUrl: String?
    public var smsMaxParts: Int
    public var createdAt: Date
    public var createdBy: String?

    /// The purpose under which service messages go to customers served under an order, booking or contract.
    public static let servicePurpose = "service"
}

/// The variables a rule's template may use, with the most characters each can render to (values
/// that are longer are shortened with "…", so a template that passed the SMS check at save time
/// always fits).
public enum TemplateVariables {
    public static let party: [String: Int] = ["party.greeting": 60, "party.given_name": 30, "party.surname": 40, "party.display_name": 60]

    public static func available(for rule: ProactiveRuleInput, eventType: EventType?) -> [String: Int] {
        var vars = party
        if let eventType {
            for f in eventType.fields where f.required { vars["event.\(f.name)"] = f.renderedMaxLength }
        }
        switch rule.audience {
        case .order: vars["order.number"] = 40
        case .booking, .flight: vars["booking.ref"] = 20
        case .contract: vars["contract.number"] = 40
        case .party, nil: break
        }
        switch rule.dateTrigger {
        case .relatedBirthday, .relatedAge:
            vars["related.name"] = 60; vars["related.date"] = 10; vars["related.kind"] = 10
            if rule.dateTrigger == .relatedAge { vars["related.age"] = 3 }
        case .contractRenewal: vars["contract.number"] = 40; vars["contract.ends_on"] = 10
        case .birthday: vars["party.birth_date"] = 10
        case nil: break
        }
        return vars
    }

    /// Shortens a value to the budget of its variable.
    /// Budgets count UTF-16 code units, as SMS does (an emoji takes two).
    public static func fit(_ value: String, _ budget: Int?) -> String {
        guard let budget, value.utf16.count > budget else { return value }
        var out = ""
        for ch in value {
            if out.utf16.count + ch.utf16.count > budget - 1 { break }
            out.append(ch)
        }
        return out + "…"
    }
}

public struct ProactiveRuleInput: Codable, Sendable {
    public var key: String?
    public var name: String?
    public var enabled: Bool?
    public var trigger: RuleTrigger?
    public var eventType: String?
    public var dateTrigger: DateTrigger?
    public var daysBefore: Int?
    public var age: Int?
    public var relationshipKinds: [RelationshipKind]?
    public var conditions: [RuleCondition]?
    public var audience: AudienceKind?
    public var purpose: String?
    public var channels: [OutboundChannel]?
    public var template: MessageTemplate?
    public var quietHours: QuietHours?
    public var frequencyCap: FrequencyCap?
    public var sendAtField: String?
    public var webhookUrl: String?
    public var smsMaxParts: Int?

    public init(key: String? = nil, name: String? = nil, enabled: Bool? = nil, trigger: RuleTrigger? = nil, eventType: String? = nil,
                dateTrigger: DateTrigger? = nil, daysBefore: Int? = nil, age: Int? = nil, relationshipKinds: [RelationshipKind]? = nil,
                conditions: [RuleCondition]? = nil, audience: AudienceKind? = nil, purpose: String? = nil, channels: [OutboundChannel]? = nil,
                template: MessageTemplate? = nil, quietHours: QuietHours? = nil, frequencyCap: FrequencyCap? = nil, sendAtField: String? = nil,
                webhookUrl: String? = nil, smsMaxParts: Int? = nil) {
        self.key = key; self.name = name; self.enabled = enabled; self.trigger = trigger; self.eventType = eventType
        self.dateTrigger = dateTrigger; self.daysBefore = daysBefore; self.age = age; self.relationshipKinds = relationshipKinds
        self.conditions = conditions; self.audience = audience; self.purpose = purpose; self.channels = channels; self.template = template
        self.quietHours = quietHours; self.frequencyCap = frequencyCap; self.sendAtField = sendAtField; self.webhookUrl = webhookUrl
        self.smsMaxParts = smsMaxParts
    }

    public static let maxSMSParts = 10

    /// Validates everything that could otherwise fail at send time: variables, lengths, fields.
    /// `eventType` is the stored type named by `event_type` (nil when it does not exist).
    public func make(id: UUID, version: Int, eventType: EventType?, now: Date, createdBy: String?) throws -> ProactiveRule {
        let key = try EventTypeInput.validateKey(try Validate.required(self.key, "key"), field: "key")
        let name = try Validate.text(self.name ?? key, "name", max: 200)
        let trigger = self.trigger ?? (dateTrigger != nil ? .date : .event)
        var audience = self.audience
        switch trigger {
        case .event:
            guard let typeKey = self.eventType else { throw RapportError.missingField("event_type") }
            guard let eventType, eventType.key == typeKey else {
                throw RapportError.invalidField("event_type", code: "unknown_event_type", "\(typeKey) is not a defined event type",
                                                "тип события \(typeKey) не определён")
            }
            guard let a = audience else { throw RapportError.missingField("audience") }
            for need in a.requiredFields {
                guard let f = eventType.field(need.name), f.required, need.types.contains(f.type) else {
                    throw RapportError.invalidField("audience", code: "audience_field_missing",
                                                    "audience \(a.rawValue) needs the required payload field \(need.name) in \(typeKey)",
                                                    "получателям \(a.rawValue) нужно обязательное поле \(need.name) в \(typeKey)")
                }
            }
            if dateTrigger != nil { throw RapportError.invalidField("date_trigger", "applies to date rules only", "только для правил по датам") }
            if let field = sendAtField {
                guard let f = eventType.field(field), f.type == .datetime, f.required else {
                    throw RapportError.invalidField("send_at_field", "must name a required datetime field of \(typeKey)",
                                                    "должно называть обязательное поле даты и времени в \(typeKey)")
                }
            }
        case .date:
            guard let dt = dateTrigger else { throw RapportError.missingField("date_trigger") }
            if self.eventType != nil || sendAtField != nil {
                throw RapportError.invalidField("event_type", "applies to event rules only", "только для правил по событиям")
            }
            audience = dt == .contractRenewal ? .contract : .party
            if dt == .relatedAge, age == nil { throw RapportError.missingField("age") }
            if let age, !(0...150).contains(age) { throw RapportError.invalidField("age", "must be 0–150", "должен быть от 0 до 150") }
        }
        let daysBefore = self.daysBefore ?? 0
        guard (0...366).contains(daysBefore) else {
            throw RapportError.invalidField("days_before", "must be 0–366", "должно быть от 0 до 366")
        }
        let purpose = try FactKey.validate(try Validate.required(self.purpose, "purpose"), field: "purpose")
        let channels = try Validate.required(self.channels, "channels")
        guard !channels.isEmpty, Set(channels).count == channels.count else {
            throw RapportError.invalidField("channels", "list each channel once, at least one", "перечислите каналы по одному разу, хотя бы один")
        }
        var webhook: String? = nil
        if channels.contains(.webhook) {
            guard let url = webhookUrl.flatMap(URL.init(string:)), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw RapportError.invalidField("webhook_url", "an http(s) URL is required for the webhook channel",
                                                "для канала webhook нужен адрес http(s)")
            }
            webhook = url.absoluteString
        } else if webhookUrl != nil {
            throw RapportError.invalidField("webhook_url", "applies only when channels include webhook", "только если среди каналов есть webhook")
        }
        let parts = smsMaxParts ?? 3
        guard (1...Self.maxSMSParts).contains(parts) else {
            throw RapportError.invalidField("sms_max_parts", "must be 1–\(Self.maxSMSParts)", "должно быть от 1 до \(Self.maxSMSParts)")
        }
        let template = try Validate.required(self.template, "template")
        guard template.ru != nil || template.en != nil else { throw RapportError.missingField("template.ru") }
        var input = self
        input.audience = audience
        let vars = TemplateVariables.available(for: input, eventType: trigger == .event ? eventType : nil)
        for (lang, text) in [("ru", template.ru), ("en", template.en)] {
            guard let text else { continue }
            if text.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw RapportError.missingField("template.\(lang).body") }
            if channels.contains(.email), (text.subject ?? "").isEmpty { throw RapportError.missingField("template.\(lang).subject") }
            for (part, value) in [("body", text.body), ("subject", text.subject ?? "")] {
                let field = "template.\(lang).\(part)"
                guard value.count <= 10_000 else { throw RapportError.invalidField(field, "is longer than 10000 characters", "длиннее 10000 символов") }
                for v in try TemplateText.variables(in: value, field: field) where vars[v] == nil {
                    throw RapportError.invalidField(field, code: "unknown_template_variable",
                                                    "{{\(v)}} is not available here (available: \(vars.keys.sorted().joined(separator: ", ")))",
                                                    "переменная {{\(v)}} здесь недоступна (доступны: \(vars.keys.sorted().joined(separator: ", ")))")
                }
            }
            if channels.contains(.sms) {
                // The longest text the template can produce: every variable at its full budget.
                let worst = TemplateText.render(text.body, vars.mapValues { String(repeating: "Ж", count: $0) })
                let needed = SMSLength.parts(worst)
                if needed > parts {
                    throw RapportError.invalidField("template.\(lang).body", code: "sms_too_long",
                                                    "can need \(needed) SMS parts with the longest values, more than sms_max_parts \(parts)",
                                                    "при самых длинных значениях нужно \(needed) частей SMS, больше sms_max_parts \(parts)")
                }
            }
        }
        let conditions = conditions ?? []
        for (i, c) in conditions.enumerated() {
            let known = RuleCondition.partyFields.contains(c.field)
                || (c.field.hasPrefix("event.") && trigger == .event && eventType?.field(String(c.field.dropFirst(6))) != nil)
            guard known else {
                throw RapportError.invalidField("conditions[\(i)].field", code: "unknown_condition_field",
                                                "\(c.field) is neither an event field nor one of \(RuleCondition.partyFields.sorted().joined(separator: ", "))",
                                                "\(c.field) — не поле события и не одно из \(RuleCondition.partyFields.sorted().joined(separator: ", "))")
            }
            switch c.op {
            case .in: if (c.values ?? []).isEmpty { throw RapportError.missingField("conditions[\(i)].values") }
            case .exists, .notExists: break
            default: if c.value?.text == nil { throw RapportError.missingField("conditions[\(i)].value") }
            }
        }
        if let q = quietHours {
            let s = try QuietHours.minutes(q.start, field: "quiet_hours.start"), e = try QuietHours.minutes(q.end, field: "quiet_hours.end")
            if s == e { throw RapportError.invalidField("quiet_hours", "start and end must differ", "начало и конец должны различаться") }
        }
        if let cap = frequencyCap, cap.max < 1 || !(1...8760).contains(cap.windowHours) {
            throw RapportError.invalidField("frequency_cap", "max ≥ 1 and window_hours 1–8760", "max ≥ 1, window_hours от 1 до 8760")
        }
        return ProactiveRule(id: id, key: key, version: version, enabled: enabled ?? true, name: name, trigger: trigger,
                             eventType: trigger == .event ? self.eventType : nil, dateTrigger: dateTrigger, daysBefore: daysBefore,
                             age: age, relationshipKinds: relationshipKinds, conditions: conditions, audience: audience, purpose: purpose,
                             channels: channels, template: template, quietHours: quietHours, frequencyCap: frequencyCap,
                             sendAtField: sendAtField, webhookUrl: webhook, smsMaxParts: parts, createdAt: now, createdBy: createdBy)
    }
}

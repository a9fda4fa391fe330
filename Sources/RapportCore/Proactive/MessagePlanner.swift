import Foundation

/// What the engine knows about one affected customer when it decides a message.
public struct Recipient: Sendable, Equatable {
    public var partyId: UUID
    /// Party fields conditions may test (`party.value_tier`, …) and template values (`party.greeting`, `order.number`, …).
    public var values: [String: String]
    public var language: String?
    public var timeZone: String?
    /// A mobile number in E.164, if the customer has one.
    public var mobile: String?
    public var email: String?
    /// The consents in force for the rule's purpose (all channels).
    public var consents: [Consent]
    public var preferredChannel: PreferredChannel?
    /// Messages of the rule's purpose already decided for this customer within the cap's window.
    public var recentCount: Int
    /// What makes this occurrence distinct for date rules (the related person, the contract, the date).
    public var occurrence: String?

    public init(partyId: UUID, values: [String: String], language: String?, timeZone: String?, mobile: String?, email: String?,
                consents: [Consent], preferredChannel: PreferredChannel?, recentCount: Int, occurrence: String? = nil) {
        self.partyId = partyId; self.values = values; self.language = language; self.timeZone = timeZone; self.mobile = mobile
        self.email = email; self.consents = consents; self.preferredChannel = preferredChannel; self.recentCount = recentCount
        self.occurrence = occurrence
    }

    /// Template values every recipient has: the greeting and names.
    public static func partyValues(kind: PartyKind, displayName: String, surname: String?, givenName: String?, patronymic: String?) -> [String: String] {
        var v: [String: String] = ["party.display_name": displayName, "party.kind": kind.rawValue]
        if let surname, !surname.isEmpty { v["party.surname"] = surname }
        if let givenName, !givenName.isEmpty { v["party.given_name"] = givenName }
        let greeting: String
        if kind == .person, let g = givenName, !g.isEmpty { greeting = patronymic.map { "\(g) \($0)" } ?? g } else { greeting = displayName }
        v["party.greeting"] = greeting
        return v
    }
}

/// Decides, for one rule firing, what each affected customer gets: the channel (their preferred
/// one among those they agreed to for the purpose, then the rule's fallback order), the address,
/// the rendered text in their language, and when it may go (quiet hours in their time zone, "not
/// before" from the event) — or why nothing is sent. Pure; one planner serves one fan-out.
public struct MessagePlanner {
    public let rule: ProactiveRule
    let eventType: EventType?
    let eventValues: [String: String]
    let eventId: UUID?
    let now: Date
    let defaultTimeZone: TimeZone
    let sendAt: Date?
    let budgets: [String: Int]
    let compiled: [String: (subject: CompiledText?, body: CompiledText)]
    let partyConditions: [RuleCondition]
    let eventKey: String
    private var zones: [String: TimeZone] = [:]
    private var localisedEvent: [String: [String: String]] = [:]
    private var seen = Set<UUID>()

    public init(rule: ProactiveRule, eventType: EventType?, eventValues: [String: String], eventId: UUID?, now: Date, defaultTimeZone: TimeZone) {
        self.rule = rule; self.eventType = eventType; self.eventValues = eventValues; self.eventId = eventId; self.now = now
        self.defaultTimeZone = defaultTimeZone
        self.sendAt = rule.sendAtField.flatMap { eventValues[$0] }.flatMap(Timestamp.parse)
        var input = ProactiveRuleInput(key: rule.key, trigger: rule.trigger, eventType: rule.eventType, dateTrigger: rule.dateTrigger, audience: rule.audience)
        input.age = rule.age
        self.budgets = TemplateVariables.available(for: input, eventType: eventType)
        var compiled: [String: (subject: CompiledText?, body: CompiledText)] = [:]
        for (lang, text) in [("ru", rule.template.ru), ("en", rule.template.en)] {
            if let text { compiled[lang] = (text.subject.map(CompiledText.init), CompiledText(text.body)) }
        }
        self.compiled = compiled
        self.partyConditions = rule.conditions.filter { !$0.field.hasPrefix("event.") }
        self.eventKey = eventId?.text(lowercase: true) ?? ""
    }

    /// Whether the event's own fields pass the rule's event conditions (checked once per event).
    public func eventConditionsHold() -> Bool {
        let values = Dictionary(uniqueKeysWithValues: eventValues.map { ("event.\($0.key)", $0.value) })
        return rule.conditions.filter { $0.field.hasPrefix("event.") }.allSatisfy { $0.holds(values) }
    }

    /// Whether `consents` allow a message of `purpose` on `channel`: an explicit answer (for that
    /// channel, else for all channels) decides; with none, only service messages to a customer
    /// served under an order, booking or contract may go.
    public static func allows(_ consents: [Consent], purpose: String, channel: OutboundChannel, underContract: Bool) -> Bool {
        let preferred: PreferredChannel
        switch channel {
        case .webhook: return true   // system to system: nothing reaches the customer
        case .sms: preferred = .sms
        case .email: preferred = .email
        }
        if let specific = consents.first(where: { $0.purpose == purpose && $0.channel == preferred }) { return specific.granted }
        if let all = consents.first(where: { $0.purpose == purpose && $0.channel == nil }) { return all.granted }
        return purpose == ProactiveRule.servicePurpose && underContract
    }

    /// The message for one recipient, or nil when the same customer already has one from this firing.
    public mutating func plan(_ r: Recipient, id: UUID) -> OutboundMessage? {
        if rule.trigger == .event { guard seen.insert(r.partyId).inserted else { return nil } }
        let dedup = rule.trigger == .event
            ? "e:\(eventKey):\(rule.key):\(r.partyId.text(lowercase: true))"
            : "d:\(rule.key):\(r.partyId.text(lowercase: true)):\(r.occurrence ?? "")"
        var message = OutboundMessage(id: id, partyId: r.partyId, ruleId: rule.id, ruleKey: rule.key, eventId: eventId, dedupKey: dedup,
                                      channel: nil, address: nil, purpose: rule.purpose, language: nil, subject: nil, body: nil,
                                      status: .suppressed, reason: nil, notBefore: now, createdAt: now, updatedAt: now)
        if !partyConditions.allSatisfy({ $0.holds(r.values) }) {
            message.reason = "conditions_not_met"
            return message
        }
        if let cap = rule.frequencyCap, r.recentCount >= cap.max {
            message.reason = "frequency_cap"
            return message
        }
        // Channel: the customer's preferred one first when the rule offers it, then the rule's order.
        var order = rule.channels
        if let p = r.preferredChannel, let c = OutboundChannel(rawValue: p.rawValue), let i = order.firstIndex(of: c) {
            order.remove(at: i); order.insert(c, at: 0)
        }
        var refusals: [String] = []
        var chosen: (OutboundChannel, String)? = nil
        for channel in order {
            let address: String?
            switch channel {
            case .sms: address = r.mobile
            case .email: address = r.email
            case .webhook: address = rule.webhookUrl
            }
            guard let address else { refusals.append("\(channel.rawValue):no_address"); continue }
            guard Self.allows(r.consents, purpose: rule.purpose, channel: channel, underContract: rule.audience?.isUnderContract ?? false) else {
                refusals.append("\(channel.rawValue):no_consent"); continue
            }
            chosen = (channel, address)
            break
        }
        guard let (channel, address) = chosen else {
            // No consent where there was an address says more than a missing address elsewhere.
            message.reason = refusals.contains { $0.hasSuffix(":no_consent") } ? "no_consent" : "no_address"
            message.lastError = refusals.joined(separator: ", ")
            return message
        }
        let zone = zone(r.timeZone)
        let (language, _) = rule.template.text(for: r.language)
        let local = localised(zone)
        let budgets = self.budgets
        func value(_ name: String) -> String? {
            if let v = r.values[name] { return TemplateVariables.fit(v, budgets[name]) }
            return local[name]
        }
        let text = compiled[language]!
        message.channel = channel
        message.address = address
        message.language = language
        message.subject = text.subject?.render(value)
        message.body = text.body.render(value)
        message.status = .queued
        message.notBefore = Self.afterQuietHours(max(now, sendAt ?? now), quiet: rule.quietHours, zone: zone)
        return message
    }

    mutating func zone(_ identifier: String?) -> TimeZone {
        guard let identifier else { return defaultTimeZone }
        if let z = zones[identifier] { return z }
        let z = TimeZone(identifier: identifier) ?? defaultTimeZone
        zones[identifier] = z
        return z
    }

    /// The event's values as the customer reads them: times in their zone, dates day first.
    mutating func localised(_ zone: TimeZone) -> [String: String] {
        if let done = localisedEvent[zone.identifier] { return done }
        var out: [String: String] = [:]
        for (name, value) in eventValues {
            let type = eventType?.field(name)?.type
            switch type {
            case .datetime:
                if let d = Timestamp.parse(value) {
                    var cal = Calendar(identifier: .gregorian); cal.timeZone = zone
                    let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: d)
                    out["event.\(name)"] = String(format: "%02d.%02d.%04d %02d:%02d", c.day!, c.month!, c.year!, c.hour!, c.minute!)
                }
            case .date:
                if let d = try? CivilDate(parsing: value) { out["event.\(name)"] = String(format: "%02d.%02d.%04d", d.day, d.month, d.year) }
            default:
                out["event.\(name)"] = TemplateVariables.fit(value, budgets["event.\(name)"])
            }
        }
        localisedEvent[zone.identifier] = out
        return out
    }

    /// `time`, or the end of the quiet hours when `time` falls inside them (local time of `zone`).
    public static func afterQuietHours(_ time: Date, quiet: QuietHours?, zone: TimeZone) -> Date {
        guard let quiet, let start = try? QuietHours.minutes(quiet.start, field: ""), let end = try? QuietHours.minutes(quiet.end, field: "") else {
            return time
        }
        var cal = Calendar(identifier: .gregorian); cal.timeZone = zone
        let c = cal.dateComponents([.hour, .minute], from: time)
        let minute = c.hour! * 60 + c.minute!
        let inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard inside else { return time }
        let wait = (end - minute + 24 * 60) % (24 * 60)
        let target = time.addingTimeInterval(Double(wait) * 60)
        // Land on the exact minute (seconds dropped), checked through the calendar for DST days.
        return cal.date(bySettingHour: end / 60, minute: end % 60, second: 0, of: target) ?? target
    }
}

import Foundation
import RapportCore
import Testing

@Suite struct ProactiveRuleTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18 09:46:40 UTC
    let msk = TimeZone(identifier: "Europe/Moscow")!

    var gateChanged: EventType {
        EventType(id: UUID(), key: "flight.gate_changed", description: nil, fields: [
            EventField(name: "flight_number", type: .string, maxLength: 8),
            EventField(name: "flight_date", type: .date),
            EventField(name: "gate", type: .string, maxLength: 4),
            EventField(name: "departs_at", type: .datetime),
            EventField(name: "note", type: .string, required: false),
        ], createdAt: now, updatedAt: now)
    }

    func ruleInput(body: String = "{{party.greeting}}, рейс {{event.flight_number}}: выход {{event.gate}}, вылет {{event.departs_at}}",
                   channels: [OutboundChannel] = [.sms, .email], purpose: String = "travel_alerts") -> ProactiveRuleInput {
        ProactiveRuleInput(key: "gate-change", eventType: "flight.gate_changed", audience: .flight, purpose: purpose, channels: channels,
                           template: MessageTemplate(ru: MessageText(subject: "Изменение выхода", body: body),
                                                     en: MessageText(subject: "Gate change", body: "Flight {{event.flight_number}}: gate {{event.gate}}")))
    }

    func rule(_ input: ProactiveRuleInput? = nil) throws -> ProactiveRule {
        try (input ?? ruleInput()).make(id: UUID(), version: 1, eventType: gateChanged, now: now, createdBy: nil)
    }

    func expectCode(_ code: String, _ body: () throws -> Void) {
        do { try body(); Issue.record("expected \(code)") } catch let e as RapportError { #expect(e.code == code) } catch { Issue.record("\(error)") }
    }

    // MARK: Saving a rule

    @Test func aTemplateNamingAVariableTheEventDoesNotCarryIsRefusedAtSave() {
        expectCode("unknown_template_variable") { _ = try rule(ruleInput(body: "Выход {{event.terminal}}")) }
        // An optional field may be absent when the event comes: also refused.
        expectCode("unknown_template_variable") { _ = try rule(ruleInput(body: "{{event.note}}")) }
    }

    @Test func anSMSTemplateThatCanOutgrowItsPartsIsRefusedAtSave() {
        // Cyrillic is UCS-2: 67 characters per part; three parts are 201 characters.
        let long = String(repeating: "Уважаемый клиент, ", count: 12) + "{{event.gate}}"
        expectCode("sms_too_long") { _ = try rule(ruleInput(body: long)) }
        // The same text by e-mail only is fine.
        #expect(throws: Never.self) { _ = try rule(ruleInput(body: long, channels: [.email])) }
    }

    @Test func aFlightAudienceNeedsTheFlightFieldsInTheEventType() throws {
        var input = ruleInput()
        input.audience = .order
        expectCode("audience_field_missing") { _ = try rule(input) }
        input.audience = .flight
        input.eventType = "flight.unknown"
        expectCode("unknown_event_type") { _ = try rule(input) }
    }

    // MARK: Event payloads

    @Test func aPayloadIsCheckedAgainstItsSchemaAndCanonicalised() throws {
        let values = try gateChanged.validate(payload: [
            "flight_number": .string("SU1234"), "flight_date": .string("2026-11-18"), "gate": .string(" B7 "),
            "departs_at": .string("2026-11-18T15:05:00+03:00"),
        ])
        #expect(values["gate"] == "B7")
        #expect(values["departs_at"] == "2026-11-18T12:05:00Z")
        #expect(values["note"] == nil)
        #expect(throws: RapportError.self) { try gateChanged.validate(payload: ["flight_number": .string("SU1")]) }
        expectCode("unknown_payload_field") {
            _ = try gateChanged.validate(payload: ["flight_number": .string("SU1"), "flight_date": .string("2026-11-18"), "gate": .string("1"),
                                                   "departs_at": .string("2026-11-18T15:05:00Z"), "gat": .string("2")])
        }
        expectCode("invalid_payload") {
            _ = try gateChanged.validate(payload: ["flight_number": .string("SU1"), "flight_date": .string("2026-11-18"), "gate": .string("TOOLONG"),
                                                   "departs_at": .string("2026-11-18T15:05:00Z")])
        }
    }

    @Test func smsPartsCountGSMAndUnicodeTextDifferently() {
        #expect(SMSLength.parts(String(repeating: "a", count: 160)) == 1)
        #expect(SMSLength.parts(String(repeating: "a", count: 161)) == 2)
        #expect(SMSLength.parts(String(repeating: "я", count: 70)) == 1)
        #expect(SMSLength.parts(String(repeating: "я", count: 71)) == 2)
        #expect(SMSLength.parts(String(repeating: "я", count: 134)) == 2)
        #expect(SMSLength.parts(String(repeating: "я", count: 135)) == 3)
    }

    // MARK: Deciding a message

    func recipient(mobile: String? = "+79161234567", email: String? = "ivan@example.com", consents: [(String, PreferredChannel?, Bool)] = [],
                   preferred: PreferredChannel? = nil, zone: String? = nil, language: String? = "ru", recent: Int = 0) -> Recipient {
        let party = UUID()
        return Recipient(partyId: party, values: Recipient.partyValues(kind: .person, displayName: "Петров Иван", surname: "Петров",
                                                                      givenName: "Иван", patronymic: "Сергеевич").merging(["booking.ref": "ABC123"]) { a, _ in a },
                         language: language, timeZone: zone, mobile: mobile, email: email,
                         consents: consents.map { Consent(id: UUID(), partyId: party, purpose: $0.0, channel: $0.1, granted: $0.2, source: .agent,
                                                          interactionId: nil, textVersion: nil, recordedAt: now) },
                         preferredChannel: preferred, recentCount: recent)
    }

    func take(_ p: inout MessagePlanner, _ r: Recipient) throws -> OutboundMessage {
        let m = p.plan(r, id: UUID())
        return try #require(m)
    }

    func planner(_ rule: ProactiveRule) -> MessagePlanner {
        MessagePlanner(rule: rule, eventType: gateChanged, eventValues: ["flight_number": "SU1234", "flight_date": "2026-11-18", "gate": "B7",
                                                                         "departs_at": "2026-11-18T12:05:00Z"],
                       eventId: UUID(), now: now, defaultTimeZone: msk)
    }

    @Test func aPassengerWithAMobileAndConsentGetsAnSMSInTheirLanguageAndZone() throws {
        var p = planner(try rule())
        let m = try take(&p, recipient(consents: [("travel_alerts", nil, true)]))
        #expect(m.status == .queued && m.channel == .sms && m.address == "+79161234567")
        #expect(m.body == "Иван Сергеевич, рейс SU1234: выход B7, вылет 18.11.2026 15:05")
        let en = try take(&p, recipient(consents: [("travel_alerts", nil, true)], zone: "Europe/London", language: "en"))
        #expect(en.language == "en" && en.body == "Flight SU1234: gate B7")
    }

    @Test func noMobileOrNoSMSConsentFallsBackToEmailIfAllowedElseNothingWithTheReason() throws {
        var p = planner(try rule())
        let noMobile = try take(&p, recipient(mobile: nil, consents: [("travel_alerts", nil, true)]))
        #expect(noMobile.channel == .email && noMobile.status == .queued)
        let smsWithdrawn = try take(&p, recipient(consents: [("travel_alerts", nil, true), ("travel_alerts", .sms, false)]))
        #expect(smsWithdrawn.channel == .email)
        let nothing = try take(&p, recipient(mobile: nil, consents: [("travel_alerts", .sms, true)]))
        #expect(nothing.status == .suppressed && nothing.reason == "no_consent")
        #expect(nothing.lastError == "sms:no_address, email:no_consent")
        let noConsent = try take(&p, recipient())
        #expect(noConsent.status == .suppressed && noConsent.reason == "no_consent")
        let noAddress = try take(&p, recipient(mobile: nil, email: nil, consents: [("travel_alerts", nil, true)]))
        #expect(noAddress.reason == "no_address" && noAddress.lastError == "sms:no_address, email:no_address")
    }

    @Test func serviceMessagesUnderAnOrderNeedNoConsentButMarketingAlwaysDoes() throws {
        #expect(MessagePlanner.allows([], purpose: "service", channel: .email, underContract: true))
        #expect(!MessagePlanner.allows([], purpose: "service", channel: .email, underContract: false))
        #expect(!MessagePlanner.allows([], purpose: "marketing", channel: .email, underContract: true))
        let withdrawn = Consent(id: UUID(), partyId: UUID(), purpose: "service", channel: .email, granted: false, source: .agent,
                                interactionId: nil, textVersion: nil, recordedAt: now)
        #expect(!MessagePlanner.allows([withdrawn], purpose: "service", channel: .email, underContract: true))
    }

    @Test func thePreferredChannelGoesFirstWhenTheRuleOffersIt() throws {
        var p = planner(try rule())
        let m = try take(&p, recipient(consents: [("travel_alerts", nil, true)], preferred: .email))
        #expect(m.channel == .email)
    }

    @Test func oneMessagePerEventPerCustomerAndAFrequencyCap() throws {
        var input = ruleInput()
        input.frequencyCap = FrequencyCap(max: 2, windowHours: 24)
        var p = planner(try rule(input))
        let r = recipient(consents: [("travel_alerts", nil, true)])
        let first = p.plan(r, id: UUID()), second = p.plan(r, id: UUID())
        #expect(first != nil)
        #expect(second == nil)   // a second booking of the same passenger on the flight
        let capped = try take(&p, recipient(consents: [("travel_alerts", nil, true)], recent: 2))
        #expect(capped.status == .suppressed && capped.reason == "frequency_cap")
    }

    @Test func quietHoursInTheCustomersZoneHoldAMessageUntilTheyEnd() throws {
        // 23:30 in Moscow is 20:30 UTC; quiet 21:00–09:00 → 09:00 Moscow = 06:00 UTC next day.
        let late = ISO8601DateFormatter().date(from: "2026-11-18T20:30:00Z")!
        let at = MessagePlanner.afterQuietHours(late, quiet: QuietHours(start: "21:00", end: "09:00"), zone: msk)
        #expect(at == ISO8601DateFormatter().date(from: "2026-11-19T06:00:00Z")!)
        // Outside the quiet hours nothing moves.
        let noon = ISO8601DateFormatter().date(from: "2026-11-18T09:00:00Z")!
        #expect(MessagePlanner.afterQuietHours(noon, quiet: QuietHours(start: "21:00", end: "09:00"), zone: msk) == noon)
    }

    @Test func partyConditionsDecideWhoGetsTheMessage() throws {
        var input = ruleInput()
        input.conditions = [RuleCondition(field: "party.value_tier", op: .in, values: ["gold", "platinum"])]
        var p = planner(try rule(input))
        var gold = recipient(consents: [("travel_alerts", nil, true)])
        gold.values["party.value_tier"] = "gold"
        let g = p.plan(gold, id: UUID())
        #expect(g?.status == .queued)
        let other = try take(&p, recipient(consents: [("travel_alerts", nil, true)]))
        #expect(other.reason == "conditions_not_met")
    }

    // MARK: Retries and dates

    @Test func failedSendsBackOffExponentiallyThenGoDead() {
        let policy = RetryPolicy(maxAttempts: 3, baseSeconds: 30, capSeconds: 3600)
        let id = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
        #expect(policy.delay(afterAttempt: 1, id: id) == 30)
        #expect(policy.delay(afterAttempt: 2, id: id) == 60)
        #expect(policy.afterFailure(attempt: 2, permanent: false, id: id, now: now) == (.queued, now.addingTimeInterval(60)))
        #expect(policy.afterFailure(attempt: 3, permanent: false, id: id, now: now).status == .dead)
        #expect(policy.afterFailure(attempt: 1, permanent: true, id: id, now: now).status == .dead)
    }

    @Test func aBirthdayOccurrenceIsDueFromNDaysBeforeUntilTheDay() throws {
        let today = try CivilDate(year: 2027, month: 3, day: 4)
        let friend = try CivilDate(year: 1990, month: 3, day: 14)
        let next = DateOccurrence.nextAnniversary(of: friend, onOrAfter: today)
        #expect(next == (try CivilDate(year: 2027, month: 3, day: 14)))
        #expect(DateOccurrence.isDue(next, today: today, daysBefore: 10))
        #expect(!DateOccurrence.isDue(next, today: today, daysBefore: 9))
        let leap = try CivilDate(year: 2008, month: 2, day: 29)
        #expect(DateOccurrence.nextAnniversary(of: leap, onOrAfter: try CivilDate(year: 2027, month: 2, day: 1)) == (try CivilDate(year: 2027, month: 2, day: 28)))
        #expect(DateOccurrence.reaching(age: 17, born: try CivilDate(year: 2010, month: 12, day: 3)) == (try CivilDate(year: 2027, month: 12, day: 3)))
    }
}

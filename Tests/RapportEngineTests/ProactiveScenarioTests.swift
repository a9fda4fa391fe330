import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

/// The brief's scenarios S3, S4, S5 and S9 on the demo data set, on every storage engine: what
/// each customer is sent, on which channel, and why the others get nothing.
@Suite struct ProactiveScenarioTests {
    func withDemo(_ engine: TestEngine, _ body: @Sendable (Services, FixedClock) async throws -> Void) async throws {
        try await withTestDatabase(engine) { db in
            let clock = FixedClock(IdentificationScenarioTests.now)
            let services = Services(database: db, clock: clock, normalizer: IdentityNormalizer())
            _ = try await DemoDataSet(services: services).load()
            try await body(services, clock)
        }
    }

    func party(_ services: Services, _ kind: IdentityKind, _ address: String) async throws -> UUID {
        try #require(try await services.parties.owner(of: kind, address: address)).partyId
    }

    func messages(_ services: Services, event: UUID) async throws -> [UUID: OutboundMessage] {
        Dictionary(uniqueKeysWithValues: try await services.proactive.messages(MessageQuery(eventId: event, page: try PageRequest(limit: 100))).items
            .map { ($0.partyId, $0) })
    }

    @Test(arguments: TestEngine.available)
    func s4GateChangeGoesBySMSToPassengersWhoAgreedByEmailIfNoMobileAndNowhereWithoutConsent(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let today = CivilDate(clock.now())
            let (event, _) = try await services.proactive.post(BusinessEventInput(eventType: "flight.gate_changed", externalId: "ops-1", payload: [
                "flight_number": .string("su 1234"), "flight_date": .string(today.description), "gate": .string("D12"),
                "departs_at": .string("2026-11-27T12:40:00Z")]))
            let sent = try await messages(services, event: event.id)
            let pavel = try await party(services, .phone, "+7 926 777 11 22"), john = try await party(services, .email, "john.miller@example.com")
            let daria = try await party(services, .phone, "+7 926 555 66 77")
            #expect(sent[pavel]?.channel == .sms && sent[pavel]?.body == "Рейс SU1234: посадка через выход D12, вылет 27.11.2026 15:40.")
            #expect(sent[john]?.channel == .email && sent[john]?.language == "en")
            #expect(sent[john]?.body == "Flight SU1234 now boards at gate D12, departs 27.11.2026 15:40.")
            #expect(sent[daria]?.status == .suppressed && sent[daria]?.reason == "no_consent")
            #expect(event.outcome.queued == 2 && event.outcome.suppressed == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func s4AMissedConnectionTellsTheNewFlightRightAfterLanding(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let today = CivilDate(clock.now())
            let lands = clock.now().addingTimeInterval(3 * 3600)
            let (event, _) = try await services.proactive.post(BusinessEventInput(eventType: "flight.connection_missed", payload: [
                "booking_ref": .string("PVL4N8"), "flight_number": .string("SU1480"), "flight_date": .string(today.description),
                "lands_at": .string(Timestamp.format(lands)), "new_flight": .string("SU1484"),
                "new_departure": .string(Timestamp.format(lands.addingTimeInterval(2 * 3600))), "boarding_pass_desk": .string("Transfer desk B, level 2")]))
            let pavel = try await party(services, .phone, "+7 926 777 11 22")
            let m = try #require(try await messages(services, event: event.id)[pavel])
            #expect(m.status == .queued && m.channel == .sms && m.notBefore == lands)
            #expect(m.body == "Вы пересажены на рейс SU1484, вылет 27.11.2026 22:00. Посадочный: Transfer desk B, level 2.")
        }
    }

    @Test(arguments: TestEngine.available)
    func s5ADelayedOrderWarnsBeforeTheCustomerCallsWithoutAskingConsentForAServiceMessage(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            let (event, _) = try await services.proactive.post(BusinessEventInput(eventType: "order.delayed", payload: [
                "order_number": .string("ORD-5005"), "new_date": .string("2026-12-02")]))
            let sergey = try await party(services, .email, "s.orlov@example.com")
            let m = try #require(try await messages(services, event: event.id)[sergey])
            #expect(m.status == .queued && m.channel == .sms && m.purpose == "service")
            #expect(m.body == "Order ORD-5005 is delayed; new delivery date 02.12.2026. We are sorry.")
        }
    }

    @Test(arguments: TestEngine.available)
    func s3OrderMailsAtOnceAndTheFriendsBirthdayReminderFiresOnceAWeekAhead(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let anna = try await party(services, .email, "anna.sokolova@example.ru")
            let (confirmed, _) = try await services.proactive.post(BusinessEventInput(eventType: "order.confirmed", payload: ["order_number": .string("FL-10001")]))
            #expect(try await messages(services, event: confirmed.id)[anna]?.subject == "Заказ FL-10001 принят")
            let (shipped, _) = try await services.proactive.post(BusinessEventInput(eventType: "shipment.dispatched", payload: [
                "order_number": .string("FL-10001"), "tracking_url": .string("https://track.example.com/CC123456RU")]))
            #expect(try await messages(services, event: shipped.id)[anna]?.body == "Заказ FL-10001 отправлен. Отследить: https://track.example.com/CC123456RU")
            // The friend's birthday is in two days: the reminder (7 days ahead) is due now, once.
            #expect(try await services.proactive.fireDateRules() >= 1)
            #expect(try await services.proactive.fireDateRules() == 0)
            _ = clock
            let reminder = try #require(try await services.proactive.messages(MessageQuery(partyId: anna, ruleKey: "friend-birthday", page: try PageRequest())).items.first)
            #expect(reminder.channel == .email && reminder.status == .queued && (reminder.subject ?? "").hasSuffix("день рождения: Мария"))
        }
    }

    @Test(arguments: TestEngine.available)
    func s9TheSurveyConsentKeepsItsRewardAndAWithdrawalStopsWhatWaits(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let oleg = try await party(services, .email, "oleg.nikolaev@example.ru")
            let consent = try #require(try await services.profile.consents(partyId: oleg, history: false).first { $0.purpose == "surveys" })
            #expect(consent.granted && consent.reward == "Coupon SURVEY10: 10% off / скидка 10%" && consent.textVersion == "surveys-2026-02")
            // A survey invitation is waiting for Oleg
            _ = try await services.proactive.createEventType(EventTypeInput(key: "survey.invited", fields: [EventField(name: "party_id", type: .string)]))
            _ = try await services.proactive.createRule(ProactiveRuleInput(key: "survey-invite", eventType: "survey.invited", audience: .party,
                purpose: "surveys", channels: [.email], template: MessageTemplate(ru: MessageText(subject: "Опрос", body: "{{party.greeting}}, ответьте на 3 вопроса"))),
                by: nil)
            let (event, _) = try await services.proactive.post(BusinessEventInput(eventType: "survey.invited", payload: ["party_id": .string(oleg.uuidString)]))
            #expect(event.outcome.queued == 1)
            // When he withdraws, it is cancelled before it goes, and no new one is decided
            _ = try await services.profile.recordConsent(partyId: oleg, ConsentInput(purpose: "surveys", granted: false, source: .selfService))
            let waiting = try await services.proactive.messages(MessageQuery(partyId: oleg, ruleKey: "survey-invite", page: try PageRequest())).items
            #expect(waiting.map(\.status) == [.cancelled] && waiting.first?.reason == "consent_withdrawn")
            let (again, _) = try await services.proactive.post(BusinessEventInput(eventType: "survey.invited", payload: ["party_id": .string(oleg.uuidString)]))
            #expect(again.outcome.queued == 0 && again.outcome.rules.first?.suppressed == ["no_consent": 1])
            _ = clock
        }
    }

    @Test(arguments: TestEngine.available)
    func theRuleEditorPreviewsWhatOneCustomerWouldGetAndStoresNothing(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let payload: [String: PayloadValue] = ["flight_number": .string("SU1234"), "flight_date": .string(CivilDate(clock.now()).description),
                                                   "gate": .string("A3"), "departs_at": .string("2026-11-27T18:00:00Z")]
            let pavel = try await party(services, .phone, "+7 926 777 11 22"), daria = try await party(services, .phone, "+7 926 555 66 77")
            let forPavel = try await services.proactive.preview(key: "gate-change", partyId: pavel, payload: payload)
            #expect(forPavel.status == .queued && forPavel.channel == .sms && forPavel.body == "Рейс SU1234: посадка через выход A3, вылет 27.11.2026 21:00.")
            let forDaria = try await services.proactive.preview(key: "gate-change", partyId: daria, payload: payload)
            #expect(forDaria.status == .suppressed && forDaria.reason == "no_consent")
            // A payload the event type refuses is refused here too, and nothing was stored
            await #expect(throws: RapportError.self) { try await services.proactive.preview(key: "gate-change", partyId: pavel, payload: ["gate": .string("A3")]) }
            #expect(try await services.proactive.messages(MessageQuery(page: try PageRequest())).items.allSatisfy { $0.ruleKey != "gate-change" })
        }
    }

    /// A channel that takes its time (a slow gateway), counting the sends it was given.
    final class SlowChannel: MessageChannel, @unchecked Sendable {
        let lock = NSLock()
        var sends = 0
        func send(_ message: OutboundMessage) async -> SendOutcome {
            lock.withLock { sends += 1 }
            try? await Task.sleep(for: .milliseconds(80))
            return .sent(providerId: nil)
        }
    }

    @Test func aDispatcherStopsStartingSendsWhenItsLeaseIsNearlyGoneAndPutsTheRestBack() async throws {
        try await withTestDatabase(.sqlite) { db in
            let clock = FixedClock(IdentificationScenarioTests.now)
            let services = Services(database: db, clock: clock, normalizer: IdentityNormalizer())
            _ = try await DemoDataSet(services: services).load()
            let today = CivilDate(clock.now())
            _ = try await services.proactive.post(BusinessEventInput(eventType: "flight.cancelled", payload: [
                "flight_number": .string("SU1234"), "flight_date": .string(today.description)]))
            let slow = SlowChannel()
            // A lease of 0.1 s: the first send (80 ms) is started, the next ones would start too late
            let dispatcher = OutboxDispatcher(store: ProactiveStore(database: db), channels: ChannelSet(sms: slow, email: slow),
                                              clock: clock, settings: .init(batchSize: 10, concurrency: 1, leaseSeconds: 0.1))
            let handled = try await dispatcher.runOnce()
            #expect(handled == 2 && slow.sends == 1)
            let messages = try await services.proactive.messages(MessageQuery(ruleKey: "flight-cancelled", page: try PageRequest())).items
            #expect(messages.filter { $0.status == .sent }.count == 1)
            #expect(messages.filter { $0.status == .queued && $0.lastError == "lease ran out before sending" }.count == 1)
        }
    }
}

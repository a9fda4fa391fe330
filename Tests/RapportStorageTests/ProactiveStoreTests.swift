import Foundation
import RapportCore
import RapportStorage
import RapportTestSupport
import Testing

/// The fan-out, the outbox and date rules on every engine: the audience SQL, the claim with its
/// lease and the trail entries written with a sent message.
@Suite struct ProactiveStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)   // 2026-11-18
    let msk = TimeZone(identifier: "Europe/Moscow")!
    let normalizer = IdentityNormalizer()

    func person(_ surname: String, _ given: String, phone: String?, email: String?, in db: Database) async throws -> UUID {
        let id = UUID.timeOrdered(at: t0)
        let p = try Party.create(PartyInput(kind: .person, surname: surname, givenName: given, patronymic: "Петрович"), id: id, now: t0)
        var identities: [Identity] = []
        if let phone { identities.append(try normalizer.identity(IdentityInput(kind: .phone, value: phone), partyId: id, id: .timeOrdered(at: t0), now: t0)) }
        if let email { identities.append(try normalizer.identity(IdentityInput(kind: .email, value: email), partyId: id, id: .timeOrdered(at: t0), now: t0)) }
        return try await PartyStore(database: db).create(p, identities: identities).party.id
    }

    func consent(_ party: UUID, _ purpose: String, _ channel: PreferredChannel?, _ granted: Bool, in db: Database, at: Date? = nil) async throws {
        _ = try await ProfileStore(database: db).record(Consent(id: .timeOrdered(at: t0), partyId: party, purpose: purpose, channel: channel,
                                                                granted: granted, source: .agent, interactionId: nil, textVersion: "v1",
                                                                recordedAt: at ?? t0))
    }

    var flightDelayed: EventType {
        EventType(id: .timeOrdered(at: t0), key: "flight.delayed", description: "A flight leaves later", fields: [
            EventField(name: "flight_number", type: .string, maxLength: 8), EventField(name: "flight_date", type: .date),
            EventField(name: "new_departure", type: .datetime),
        ], createdAt: t0, updatedAt: t0)
    }

    func delayRule(_ store: ProactiveStore) async throws -> ProactiveRule {
        let input = ProactiveRuleInput(key: "flight-delay", eventType: "flight.delayed", audience: .flight, purpose: "travel_alerts",
                                       channels: [.sms, .email],
                                       template: MessageTemplate(ru: MessageText(subject: "Рейс задерживается",
                                                                                 body: "{{party.greeting}}, рейс {{event.flight_number}} вылетит {{event.new_departure}}")))
        return try await store.saveRule({ v, type in try input.make(id: .timeOrdered(at: t0), version: v, eventType: type, now: t0, createdBy: nil) },
                                        eventTypeKey: "flight.delayed", key: "flight-delay", mustExist: false)
    }

    @Test(arguments: TestEngine.available)
    func aFlightDelayReachesEveryPassengerOnTheirAgreedChannelAndRecordsWhyOthersGetNothing(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let store = ProactiveStore(database: db)
            _ = try await store.createEventType(flightDelayed)
            _ = try await delayRule(store)
            // Given four passengers on SU1234: mobile + consent; e-mail only + consent; mobile, no consent; and one on another flight
            let anna = try await person("Иванова", "Анна", phone: "+7 916 111-22-33", email: nil, in: db)
            let boris = try await person("Борисов", "Борис", phone: nil, email: "boris@example.com", in: db)
            let vera = try await person("Верина", "Вера", phone: "+7 916 444-55-66", email: nil, in: db)
            let gleb = try await person("Глебов", "Глеб", phone: "+7 916 777-88-99", email: nil, in: db)
            for p in [anna, boris, gleb] { try await consent(p, "travel_alerts", nil, true, in: db) }
            let day = try CivilDate(year: 2026, month: 11, day: 18)
            for (i, p) in [anna, boris, vera].enumerated() {
                _ = try await store.createBooking(Booking(id: .timeOrdered(at: t0), partyId: p, bookingRef: "R\(i)", flightNumber: "SU1234",
                                                          flightDate: day, origin: "SVO", destination: "LED", seat: nil, createdAt: t0))
            }
            _ = try await store.createBooking(Booking(id: .timeOrdered(at: t0), partyId: gleb, bookingRef: "R9", flightNumber: "SU9999",
                                                      flightDate: day, origin: nil, destination: nil, seat: nil, createdAt: t0))
            // When the airline posts the delay
            let event = BusinessEvent(id: .timeOrdered(at: t0), eventType: "flight.delayed", externalId: "ops-1",
                                      payload: ["flight_number": "SU1234", "flight_date": "2026-11-18", "new_departure": "2026-11-18T14:30:00Z"],
                                      occurredAt: t0, receivedAt: t0, outcome: EventOutcome(rules: []))
            let (stored, duplicate) = try await store.intake(event, eventType: flightDelayed, defaultTimeZone: msk)
            // Then Anna gets an SMS, Boris an e-mail, Vera nothing (no consent), Gleb is not on the flight
            #expect(!duplicate)
            #expect(stored.outcome.rules.first?.audience == 3)
            #expect(stored.outcome.queued == 2 && stored.outcome.rules.first?.suppressed == ["no_consent": 1])
            let messages = try await store.messages(MessageQuery(eventId: stored.id, page: try PageRequest(limit: 10))).items
            let byParty = Dictionary(uniqueKeysWithValues: messages.map { ($0.partyId, $0) })
            #expect(byParty[anna]?.channel == .sms && byParty[anna]?.address == "+79161112233")
            #expect(byParty[anna]?.body == "Анна Петрович, рейс SU1234 вылетит 18.11.2026 17:30")
            #expect(byParty[boris]?.channel == .email && byParty[boris]?.subject == "Рейс задерживается")
            #expect(byParty[vera]?.status == .suppressed && byParty[vera]?.reason == "no_consent")
            #expect(byParty[gleb] == nil)
            // And posting the same event again changes nothing
            let again = try await store.intake(BusinessEvent(id: .timeOrdered(at: t0), eventType: "flight.delayed", externalId: "ops-1",
                                                             payload: event.payload, occurredAt: t0, receivedAt: t0, outcome: EventOutcome(rules: [])),
                                               eventType: flightDelayed, defaultTimeZone: msk)
            #expect(again.duplicate && again.event.id == stored.id)
            #expect(try await store.statusCounts()[.queued] == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func theDispatcherLeasesDueMessagesAndASentOneLandsOnTheTrailWhileFailuresBackOffAndDie(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let store = ProactiveStore(database: db)
            _ = try await store.createEventType(flightDelayed)
            _ = try await delayRule(store)
            let anna = try await person("Иванова", "Анна", phone: "+7 916 111-22-33", email: nil, in: db)
            let boris = try await person("Борисов", "Борис", phone: "+7 916 222-33-44", email: nil, in: db)
            for p in [anna, boris] {
                try await consent(p, "travel_alerts", nil, true, in: db)
                _ = try await store.createBooking(Booking(id: .timeOrdered(at: t0), partyId: p, bookingRef: p == anna ? "RA" : "RB", flightNumber: "SU1234",
                                                          flightDate: try CivilDate(year: 2026, month: 11, day: 18), origin: nil, destination: nil,
                                                          seat: nil, createdAt: t0))
            }
            _ = try await store.intake(BusinessEvent(id: .timeOrdered(at: t0), eventType: "flight.delayed", externalId: nil,
                                                     payload: ["flight_number": "SU1234", "flight_date": "2026-11-18", "new_departure": "2026-11-18T14:30:00Z"],
                                                     occurredAt: t0, receivedAt: t0, outcome: EventOutcome(rules: [])),
                                       eventType: flightDelayed, defaultTimeZone: msk)
            // Nothing for channels this node does not send on
            #expect(try await store.claim(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60), channels: [.email]).isEmpty)
            // When a dispatcher claims them, another claim within the lease gets nothing
            let claimed = try await store.claim(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60), channels: [.sms])
            #expect(claimed.count == 2 && claimed.allSatisfy { $0.status == .sending && $0.attempts == 1 })
            #expect(try await store.claim(limit: 10, now: t0.addingTimeInterval(30), leaseUntil: t0.addingTimeInterval(90), channels: [.sms]).isEmpty)
            // And one is sent, the other fails for a while
            let sent = try #require(claimed.first { $0.partyId == anna }), failed = try #require(claimed.first { $0.partyId == boris })
            let retry = RetryPolicy(maxAttempts: 2, baseSeconds: 10, capSeconds: 60)
            try await store.complete([.init(message: sent, outcome: .sent(providerId: "gw-1")), .init(message: failed, outcome: .retry("HTTP 503"))],
                                     retry: retry, now: t0.addingTimeInterval(1))
            let done = try #require(try await store.message(sent.id))
            #expect(done.status == .sent && done.providerId == "gw-1")
            let entryId = try #require(done.interactionId)
            let entry = try #require(try await InteractionStore(database: db).get(entryId))
            #expect(entry.partyId == anna && entry.channel == .sms && entry.direction == .outbound && entry.summary == done.body)
            let waiting = try #require(try await store.message(failed.id))
            #expect(waiting.status == .queued && waiting.lastError == "HTTP 503" && waiting.notBefore > t0.addingTimeInterval(10))
            // Then the retry comes after its backoff, fails again and goes to the dead letters
            #expect(try await store.claim(limit: 10, now: t0.addingTimeInterval(5), leaseUntil: t0.addingTimeInterval(65), channels: [.sms]).isEmpty)
            let second = try await store.claim(limit: 10, now: t0.addingTimeInterval(20), leaseUntil: t0.addingTimeInterval(80), channels: [.sms])
            #expect(second.map(\.id) == [failed.id] && second.first?.attempts == 2)
            try await store.complete([.init(message: second[0], outcome: .retry("HTTP 503"))], retry: retry, now: t0.addingTimeInterval(21))
            #expect(try await store.message(failed.id)?.status == .dead)
            #expect(try await store.message(failed.id)?.reason == "attempts_exhausted")
            #expect(try await store.messages(MessageQuery(status: .dead, page: try PageRequest())).items.map(\.id) == [failed.id])
            // A receipt marks the sent one delivered; a dead one can be sent again
            let delivered = try await store.receipt(messageId: nil, providerId: "gw-1", delivered: true, error: nil, at: t0.addingTimeInterval(30))
            #expect(delivered.status == .delivered)
            #expect(try await InteractionStore(database: db).get(entry.id)?.outcome == "delivered")
            #expect(try await store.requeue(failed.id, now: t0.addingTimeInterval(40)).status == .queued)
        }
    }

    @Test(arguments: TestEngine.available)
    func aLeaseThatRunsOutHandsTheMessageToTheNextDispatcher(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let (store, anna, _) = try await queuedOne(db)
            // Given a dispatcher that claimed the message and died
            let first = try await store.claim(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60), channels: [.sms])
            // When its lease has run out, the next claim takes it again — same id, so the same idempotency key
            let second = try await store.claim(limit: 10, now: t0.addingTimeInterval(61), leaseUntil: t0.addingTimeInterval(121), channels: [.sms])
            #expect(second.map(\.idempotencyKey) == first.map(\.idempotencyKey) && second.first?.attempts == 2)
            // And the dead dispatcher's late result does not overwrite the new holder's, before or after it records
            try await store.complete([.init(message: first[0], outcome: .permanent("late"))], retry: RetryPolicy(), now: t0.addingTimeInterval(61.5))
            #expect(try await store.message(first[0].id)?.status == .sending)
            try await store.complete([.init(message: second[0], outcome: .sent(providerId: "x"))], retry: RetryPolicy(), now: t0.addingTimeInterval(62))
            try await store.complete([.init(message: first[0], outcome: .retry("late"))], retry: RetryPolicy(), now: t0.addingTimeInterval(63))
            #expect(try await store.message(first[0].id)?.status == .sent)
            #expect(try await InteractionStore(database: db).timeline(TimelineQuery(partyId: anna)).items.count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func withdrawingConsentCancelsMessagesStillWaiting(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let (store, anna, event) = try await queuedOne(db)
            try await consent(anna, "travel_alerts", .sms, false, in: db, at: t0.addingTimeInterval(5))
            let m = try #require(try await store.messages(MessageQuery(eventId: event.id, page: try PageRequest())).items.first)
            #expect(m.status == .cancelled && m.reason == "consent_withdrawn")
            #expect(try await store.claim(limit: 10, now: t0.addingTimeInterval(10), leaseUntil: t0.addingTimeInterval(70), channels: [.sms]).isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func aFriendsBirthdayFiresOnceNDaysAheadEvenWhenTheSchedulerRunsAgain(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let store = ProactiveStore(database: db)
            // Given a customer who sent flowers to a friend born on 30 November, with marketing consent by e-mail
            let olga = try await person("Ольгина", "Ольга", phone: nil, email: "olga@example.com", in: db)
            try await consent(olga, "marketing", .email, true, in: db)
            _ = try await PartyStore(database: db).addRelationship(
                try RelationshipInput(kind: .friend, relatedName: "Марина", relatedBirthDate: try CivilDate(year: 1991, month: 11, day: 30))
                    .make(partyId: olga, id: .timeOrdered(at: t0), now: t0))
            let input = ProactiveRuleInput(key: "friend-birthday", dateTrigger: .relatedBirthday, daysBefore: 14, relationshipKinds: [.friend],
                                           purpose: "marketing", channels: [.email],
                                           template: MessageTemplate(ru: MessageText(subject: "Скоро день рождения: {{related.name}}",
                                                                                     body: "{{party.greeting}}, {{related.date}} у {{related.name}} день рождения. Наш каталог.")))
            let rule = try await store.saveRule({ v, _ in try input.make(id: .timeOrdered(at: t0), version: v, eventType: nil, now: t0, createdBy: nil) },
                                                eventTypeKey: nil, key: "friend-birthday", mustExist: false)
            // When the scheduler runs 20 days before, nothing is due; 12 days before, one message
            #expect(try await store.fireDateRule(rule, today: try CivilDate(year: 2027, month: 11, day: 10), now: t0, defaultTimeZone: msk) == 0)
            #expect(try await store.fireDateRule(rule, today: try CivilDate(year: 2027, month: 11, day: 18), now: t0, defaultTimeZone: msk) == 1)
            // Then running again (a restart, another node) fires nothing more
            #expect(try await store.fireDateRule(rule, today: try CivilDate(year: 2027, month: 11, day: 18), now: t0, defaultTimeZone: msk) == 0)
            #expect(try await store.fireDateRule(rule, today: try CivilDate(year: 2027, month: 11, day: 19), now: t0, defaultTimeZone: msk) == 0)
            let m = try #require(try await store.messages(MessageQuery(partyId: olga, page: try PageRequest())).items.first)
            #expect(m.subject == "Скоро день рождения: Марина" && m.body == "Ольга Петрович, 30.11 у Марина день рождения. Наш каталог.")
            #expect(m.channel == .email && m.status == .queued)
            // And the next year it fires again
            #expect(try await store.fireDateRule(rule, today: try CivilDate(year: 2028, month: 11, day: 20), now: t0, defaultTimeZone: msk) == 1)
        }
    }

    /// Given one passenger with consent and a queued delay message, claimed by a dispatcher.
    /// Given one passenger with a mobile and consent on SU1234, and the delay posted: one SMS queued.
    func queuedOne(_ db: Database) async throws -> (ProactiveStore, UUID, BusinessEvent) {
        let store = ProactiveStore(database: db)
        _ = try await store.createEventType(flightDelayed)
        _ = try await delayRule(store)
        let anna = try await person("Иванова", "Анна", phone: "+7 916 111-22-33", email: nil, in: db)
        try await consent(anna, "travel_alerts", nil, true, in: db)
        _ = try await store.createBooking(Booking(id: .timeOrdered(at: t0), partyId: anna, bookingRef: "R1", flightNumber: "SU1234",
                                                  flightDate: try CivilDate(year: 2026, month: 11, day: 18), origin: nil, destination: nil, seat: nil, createdAt: t0))
        let (event, _) = try await store.intake(BusinessEvent(id: .timeOrdered(at: t0), eventType: "flight.delayed", externalId: nil,
                                                              payload: ["flight_number": "SU1234", "flight_date": "2026-11-18", "new_departure": "2026-11-18T14:30:00Z"],
                                                              occurredAt: t0, receivedAt: t0, outcome: EventOutcome(rules: [])),
                                                eventType: flightDelayed, defaultTimeZone: msk)
        return (store, anna, event)
    }

    /// The same message, claimed by a dispatcher.
    func claimedOne(_ db: Database) async throws -> (ProactiveStore, UUID, OutboundMessage) {
        let (store, anna, _) = try await queuedOne(db)
        let claimed = try await store.claim(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60), channels: [.sms])
        return (store, anna, try #require(claimed.first))
    }

    @Test(arguments: TestEngine.available)
    func aReceiptThatOvertakesItsBatchKeepsTheDeliveryAndTheTrailEntry(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let (store, anna, m) = try await claimedOne(db)
            // A fast gateway's callback arrives before the dispatcher has recorded its batch
            #expect(try await store.receipt(messageId: m.id, providerId: nil, delivered: true, error: nil, at: t0.addingTimeInterval(1)).status == .delivered)
            try await store.complete([.init(message: m, outcome: .sent(providerId: "gw-9"))], retry: RetryPolicy(), now: t0.addingTimeInterval(2))
            let done = try #require(try await store.message(m.id))
            #expect(done.status == .delivered && done.providerId == "gw-9" && done.sentAt != nil)
            let entryId = try #require(done.interactionId)
            let entry = try #require(try await InteractionStore(database: db).get(entryId))
            #expect(entry.partyId == anna && entry.outcome == "delivered")
        }
    }

    @Test(arguments: TestEngine.available)
    func aMessageRequeuedAfterAWithdrawalIsCancelledAtTheNextClaimNotSent(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let (store, anna, m) = try await claimedOne(db)
            // While it is being sent the customer withdraws; the send fails and the message goes back to the queue
            try await consent(anna, "travel_alerts", nil, false, in: db, at: t0.addingTimeInterval(1))
            try await store.complete([.init(message: m, outcome: .retry("HTTP 503"))], retry: RetryPolicy(baseSeconds: 1), now: t0.addingTimeInterval(2))
            // Then the next claim cancels it instead of sending it
            #expect(try await store.claim(limit: 10, now: t0.addingTimeInterval(10), leaseUntil: t0.addingTimeInterval(70), channels: [.sms]).isEmpty)
            let after = try #require(try await store.message(m.id))
            #expect(after.status == .cancelled && after.reason == "consent_withdrawn")
        }
    }

    @Test(arguments: TestEngine.available)
    func aMessageWhoseSendsNeverFinishGoesToTheDeadLettersAfterItsAttempts(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let (store, _, m) = try await claimedOne(db)
            // Every dispatcher that takes it dies before recording (its lease runs out each time)
            var at = t0
            for _ in 0..<2 {
                at = at.addingTimeInterval(61)
                #expect(try await store.claim(limit: 10, now: at, leaseUntil: at.addingTimeInterval(60), channels: [.sms], maxAttempts: 3).count == 1)
            }
            at = at.addingTimeInterval(61)
            #expect(try await store.claim(limit: 10, now: at, leaseUntil: at.addingTimeInterval(60), channels: [.sms], maxAttempts: 3).isEmpty)
            let dead = try #require(try await store.message(m.id))
            #expect(dead.status == .dead && dead.reason == "attempts_exhausted" && dead.attempts == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func aChildTurning17ReachesOnlyTheParentWhoseChildIsDue(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let store = ProactiveStore(database: db)
            let due = try await person("Петров", "Иван", phone: nil, email: "ivan@example.com", in: db)
            let notYet = try await person("Сидоров", "Пётр", phone: nil, email: "petr@example.com", in: db)
            for (parent, born, name) in [(due, try CivilDate(year: 2010, month: 12, day: 3), "Алексей"), (notYet, try CivilDate(year: 2010, month: 6, day: 1), "Олег")] {
                try await consent(parent, "marketing", .email, true, in: db)
                _ = try await PartyStore(database: db).addRelationship(
                    try RelationshipInput(kind: .child, relatedName: name, relatedBirthDate: born).make(partyId: parent, id: .timeOrdered(at: t0), now: t0))
            }
            let input = ProactiveRuleInput(key: "edu-loan", dateTrigger: .relatedAge, daysBefore: 30, age: 17, relationshipKinds: [.child],
                                           purpose: "marketing", channels: [.email],
                                           template: MessageTemplate(ru: MessageText(subject: "{{related.name}}: 17 лет", body: "{{related.name}} исполнится {{related.age}} {{related.date}}")))
            let rule = try await store.saveRule({ v, _ in try input.make(id: .timeOrdered(at: t0), version: v, eventType: nil, now: t0, createdBy: nil) },
                                                eventTypeKey: nil, key: "edu-loan", mustExist: false)
            #expect(try await store.fireDateRule(rule, today: try CivilDate(year: 2027, month: 11, day: 20), now: t0, defaultTimeZone: msk) == 1)
            let sent = try await store.messages(MessageQuery(ruleKey: "edu-loan", page: try PageRequest())).items
            #expect(sent.map(\.partyId) == [due] && sent.first?.body == "Алексей исполнится 17 03.12")
        }
    }
}

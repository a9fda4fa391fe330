import Foundation
import RapportCore

/// The demo data set: the people, organisations, orders and contacts of the brief's scenarios,
/// with Russian and English names. Loading it twice changes nothing (a marker identity is checked).
public struct DemoDataSet: Sendable {
    let services: Services

    public init(services: Services) {
        self.services = services
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public let alreadyLoaded: Bool
        public let parties: Int
        public var description: String {
            alreadyLoaded ? "The demo data set is already loaded." : "Demo data loaded: \(parties) parties with their orders, contracts and contacts."
        }
    }

    /// Ivan Petrov's mobile: the marker that the set is present.
    public static let ivanPhone = "+7 916 123 45 67"

    public func load() async throws -> Summary {
        if try await services.parties.owner(of: .phone, address: Self.ivanPhone) != nil {
            return Summary(alreadyLoaded: true, parties: 0)
        }
        let now = services.clock.now()
        let today = CivilDate(now)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func date(daysFromNow days: Int) -> CivilDate { CivilDate(calendar.date(byAdding: .day, value: days, to: now)!) }
        func at(daysAgo days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }
        var parties = 0
        let p = services.parties, c = services.commerce, cat = services.catalogue, i = services.interactions, r = services.requests

        // Catalogue: bank products, telecom tariffs, flowers.
        let mortgage = try await cat.create(CatalogueItemInput(sku: "BANK-MORTGAGE", name: "Mortgage / Ипотека", kind: .service, priceMinor: 0))
        let eduLoan = try await cat.create(CatalogueItemInput(sku: "BANK-EDU-LOAN", name: "Education loan / Образовательный кредит", kind: .service, priceMinor: 0))
        let tariffBase = try await cat.create(CatalogueItemInput(sku: "TEL-BASIC", name: "Tariff Basic / Тариф «Базовый»", kind: .tariff, priceMinor: 35_000))
        let tariffWorld = try await cat.create(CatalogueItemInput(sku: "TEL-WORLD", name: "Tariff World / Тариф «Мир»", kind: .tariff, priceMinor: 79_000))
        let roses = try await cat.create(CatalogueItemInput(sku: "FLW-ROSES-15", name: "15 red roses / 15 красных роз", kind: .product, priceMinor: 450_000))
        let support = try await cat.create(CatalogueItemInput(sku: "B2B-SUPPORT", name: "Annual support / Годовая поддержка", kind: .service, priceMinor: 12_000_000))

        // S1: Ivan Petrov, his son turning 17 this month, a mortgage application faxed yesterday.
        let ivan = try await p.create(PartyInput(kind: .person, surname: "Петров", givenName: "Иван", patronymic: "Сергеевич",
                                                 birthDate: try CivilDate(year: 1980, month: 4, day: 12), language: "ru", timeZone: "Europe/Moscow",
                                                 lifecycleStage: .customer,
                                                 identities: [IdentityInput(kind: .phone, value: Self.ivanPhone, label: "mobile"),
                                                              IdentityInput(kind: .email, value: "ivan.petrov@example.ru"),
                                                              IdentityInput(kind: .fax, value: "+7 495 100 20 30")]))
        parties += 1
        let sonBirth = try CivilDate(year: today.year - 17, month: today.month,
                                     day: min(today.day + 3, CivilDate.daysIn(month: today.month, year: today.year - 17)))
        let son = try await p.create(PartyInput(kind: .person, surname: "Петров", givenName: "Алексей", patronymic: "Иванович",
                                                birthDate: sonBirth, language: "ru"))
        parties += 1
        _ = try await p.addRelationship(partyId: ivan.party.id, RelationshipInput(kind: .child, relatedPartyId: son.party.id,
                                                                                  relatedName: "Алексей", relatedBirthDate: sonBirth))
        let fax = try await i.record(InteractionInput(partyId: ivan.party.id, channel: .fax, direction: .inbound, occurredAt: at(daysAgo: 1),
                                                      address: "+74951002030", subject: "Mortgage application / Заявка на ипотеку",
                                                      summary: "Application for a mortgage of 6 500 000 RUB, 20 years."))
        let application = try await r.open(CustomerRequestInput(partyId: ivan.party.id, type: .application,
                                                                subject: "Mortgage application / Заявка на ипотеку",
                                                                openedAt: at(daysAgo: 1), openedByInteractionId: fax.id))
        _ = try await c.createContract(ContractInput(number: "BNK-2019-0042", partyId: ivan.party.id, startsOn: try CivilDate(year: 2019, month: 3, day: 1),
                                                     lines: [ContractLine(itemId: mortgage.id, quantity: 1, priceMinor: 0, currency: "RUB")]))
        _ = application

        // S2: telecom customers on the basic tariff (their call records arrive with usage import).
        var telecom: [UUID] = []
        for (surname, given, phone) in [("Smirnova", "Olga", "+7 903 555 01 01"), ("Кузнецов", "Дмитрий", "+7 903 555 02 02"),
                                        ("Brown", "Emily", "+44 7700 900123")] {
            let party = try await p.create(PartyInput(kind: .person, surname: surname, givenName: given, language: phone.hasPrefix("+44") ? "en" : "ru",
                                                      lifecycleStage: .customer, identities: [IdentityInput(kind: .phone, value: phone)]))
            parties += 1
            telecom.append(party.party.id)
            _ = try await c.createContract(ContractInput(number: "TEL-\(phone.filter(\.isNumber).suffix(6))", partyId: party.party.id,
                                                         startsOn: try CivilDate(year: 2024, month: 1, day: 15),
                                                         lines: [ContractLine(itemId: tariffBase.id, quantity: 1, priceMinor: 35_000, currency: "RUB")]))
        }

        // S3: a web order of flowers for a friend's birthday, confirmed and shipped with tracking.
        let anna = try await p.create(PartyInput(kind: .person, surname: "Соколова", givenName: "Анна", language: "ru", timeZone: "Europe/Moscow",
                                                 identities: [IdentityInput(kind: .email, value: "anna.sokolova@example.ru"),
                                                              IdentityInput(kind: .webLogin, value: "anna_s")]))
        parties += 1
        let friendBirthday = date(daysFromNow: 2)
        _ = try await p.addRelationship(partyId: anna.party.id, RelationshipInput(kind: .friend, relatedName: "Мария",
                                                                                  relatedBirthDate: try CivilDate(year: 1990, month: friendBirthday.month, day: friendBirthday.day)))
        let flowers = try await c.createOrder(OrderInput(number: "FL-10001", partyId: anna.party.id, status: .confirmed, placedAt: at(daysAgo: 0.2),
                                                         recipientName: "Мария", occasion: "friend's birthday / день рождения подруги",
                                                         lines: [OrderLine(itemId: roses.id, description: "15 red roses", quantity: 1, unitPriceMinor: 450_000)]))
        _ = try await c.createShipment(ShipmentInput(orderId: flowers.id, status: .dispatched, carrier: "City Courier",
                                                     trackingNumber: "CC123456RU", trackingUrl: "https://track.example.com/CC123456RU",
                                                     promisedOn: friendBirthday))
        _ = try await i.record(InteractionInput(partyId: anna.party.id, channel: .webForm, direction: .inbound, occurredAt: at(daysAgo: 0.2),
                                                address: "anna_s", subject: "Order FL-10001", orderId: flowers.id))

        // S4: airline passengers — with a mobile and consent, and without a mobile.
        for (surname, given, identity) in [("Волков", "Павел", IdentityInput(kind: .phone, value: "8 (926) 777-11-22")),
                                           ("Miller", "John", IdentityInput(kind: .email, value: "john.miller@example.com"))] {
            _ = try await p.create(PartyInput(kind: .person, surname: surname, givenName: given, language: identity.kind == .phone ? "ru" : "en",
                                              lifecycleStage: .customer, identities: [identity]))
            parties += 1
        }

        // S5: an order whose delivery is delayed.
        let sergey = try await p.create(PartyInput(kind: .person, surname: "Orlov", givenName: "Sergey", language: "en",
                                                   identities: [IdentityInput(kind: .phone, value: "+7 915 000 33 44"),
                                                                IdentityInput(kind: .email, value: "s.orlov@example.com")]))
        parties += 1
        let delayed = try await c.createOrder(OrderInput(number: "ORD-5005", partyId: sergey.party.id, status: .shipped, placedAt: at(daysAgo: 6),
                                                         lines: [OrderLine(itemId: nil, description: "Coffee machine / Кофемашина", quantity: 1, unitPriceMinor: 2_499_000)]))
        _ = try await c.createShipment(ShipmentInput(orderId: delayed.id, status: .delayed, carrier: "PEK", trackingNumber: "PEK-778899",
                                                     promisedOn: date(daysFromNow: -1)))

        // S8: the question bank, and a fact told by e-mail (number of children) that no agent asks again.
        let pf = services.profile
        _ = try await pf.createQuestion(QuestionInput(key: "children_count", wordingEn: "How many children do you have?",
                                                      wordingRu: "Сколько у вас детей?", answerType: .number, position: 10))
        _ = try await pf.createQuestion(QuestionInput(key: "preferred_contact_time", wordingEn: "When is it best to contact you?",
                                                      wordingRu: "Когда вам удобнее всего звонить?", answerType: .choice,
                                                      choices: ["morning", "afternoon", "evening"], staleAfterDays: 365, position: 20))
        _ = try await pf.createQuestion(QuestionInput(key: "employer", wordingEn: "Where do you work?", wordingRu: "Где вы работаете?",
                                                      answerType: .text, scripts: ["mortgage", "inbound_call"], position: 30))
        _ = try await pf.createQuestion(QuestionInput(key: "monthly_income", wordingEn: "What is your monthly income?",
                                                      wordingRu: "Каков ваш ежемесячный доход?", answerType: .number, scripts: ["mortgage"], position: 40))
        _ = try await pf.recordFact(partyId: ivan.party.id, FactInput(key: "employer", value: "ПАО «Северсталь»", source: .agent, channel: .fax,
                                                                      interactionId: fax.id, agent: "demo"))
        _ = try await pf.recordFact(partyId: ivan.party.id, FactInput(key: "preferred_contact_time", declined: true, source: .agent, channel: .phone,
                                                                      agent: "demo", recordedAt: at(daysAgo: 400)))
        // Consents, with their history: Ivan agreed to offers by e-mail and to service SMS; Sergey
        // agreed to offers and withdrew a month later; Pavel (S4) agreed to service SMS.
        _ = try await pf.recordConsent(partyId: ivan.party.id, ConsentInput(purpose: "marketing", channel: .email, granted: true, source: .selfService,
                                                                            textVersion: "marketing-2026-01", recordedAt: at(daysAgo: 200)))
        _ = try await pf.recordConsent(partyId: ivan.party.id, ConsentInput(purpose: "service_notifications", channel: .sms, granted: true,
                                                                            source: .agent, recordedAt: at(daysAgo: 200)))
        _ = try await pf.recordConsent(partyId: sergey.party.id, ConsentInput(purpose: "marketing", granted: true, source: .selfService,
                                                                              textVersion: "marketing-2026-01", recordedAt: at(daysAgo: 60)))
        _ = try await pf.recordConsent(partyId: sergey.party.id, ConsentInput(purpose: "marketing", granted: false, source: .selfService,
                                                                              recordedAt: at(daysAgo: 30)))
        if let pavel = try await p.owner(of: .phone, address: "8 (926) 777-11-22") {
            _ = try await pf.recordConsent(partyId: pavel.partyId, ConsentInput(purpose: "service_notifications", channel: .sms, granted: true,
                                                                                source: .agent, recordedAt: at(daysAgo: 90)))
        }
        let familyMail = try await i.record(InteractionInput(partyId: sergey.party.id, channel: .email, direction: .inbound, occurredAt: at(daysAgo: 3),
                                                address: "s.orlov@example.com", subject: "About the family plan",
                                                summary: "I have two children and would like the family plan."))
        _ = try await pf.recordFact(partyId: sergey.party.id, FactInput(key: "children_count", value: "2", source: .agent, channel: .email,
                                                                        interactionId: familyMail.id, agent: "demo"))

        // S10: an organisation with its contact person, contract, invoices (one overdue) and account.
        let org = try await p.create(PartyInput(kind: .organisation, legalName: "ООО «Северный ветер»", inn: "7707083893", kpp: "773601001",
                                                country: "RU", lifecycleStage: .customer,
                                                identities: [IdentityInput(kind: .email, value: "office@sever-veter.example.ru")]))
        parties += 1
        let elena = try await p.create(PartyInput(kind: .person, surname: "Иванова", givenName: "Елена", patronymic: "Викторовна", language: "ru",
                                                  identities: [IdentityInput(kind: .email, value: "e.ivanova@sever-veter.example.ru")]))
        parties += 1
        _ = try await p.addContactRole(organisationId: org.party.id, ContactRoleInput(personId: elena.party.id, role: "Chief accountant / Главный бухгалтер",
                                                                                     preferredChannel: .email, formOfAddress: "Елена Викторовна",
                                                                                     notes: "Prefers e-mail before noon"))
        let contract = try await c.createContract(ContractInput(number: "SV-2025-07", partyId: org.party.id, startsOn: try CivilDate(year: 2025, month: 7, day: 1),
                                                                endsOn: try CivilDate(year: 2027, month: 6, day: 30),
                                                                lines: [ContractLine(itemId: support.id, quantity: 1, priceMinor: 12_000_000, currency: "RUB")]))
        _ = try await c.createInvoice(InvoiceInput(number: "INV-2026-101", partyId: org.party.id, contractId: contract.id,
                                                   issuedOn: date(daysFromNow: -45), dueOn: date(daysFromNow: -15), amountMinor: 3_000_000))
        let paid = try await c.createInvoice(InvoiceInput(number: "INV-2026-088", partyId: org.party.id, contractId: contract.id,
                                                          issuedOn: date(daysFromNow: -75), dueOn: date(daysFromNow: -45), amountMinor: 3_000_000))
        _ = try await c.recordPayment(PaymentInput(partyId: org.party.id, invoiceId: paid.id, amountMinor: 3_000_000, paidAt: at(daysAgo: 50)))
        _ = try await p.setAccount(partyId: org.party.id, AccountInput(balanceMinor: -3_000_000, creditLimitMinor: 5_000_000))

        // S13: a call from an unknown number becomes a prospect; the same person later signs a
        // contract under an e-mail address and gives that number: the pair waits on the duplicates list.
        let call = try await services.inbound.record(InboundContactInput(channel: .phone, address: "8 999 765-43-21", occurredAt: at(daysAgo: 2),
                                                                         subject: "Asked about mortgage rates"))
        parties += call.identification.createdProspect ? 1 : 0
        let oleg = try await p.create(PartyInput(kind: .person, surname: "Николаев", givenName: "Олег", language: "ru", lifecycleStage: .customer,
                                                 identities: [IdentityInput(kind: .email, value: "oleg.nikolaev@example.ru")]))
        parties += 1
        _ = try await c.createContract(ContractInput(number: "BNK-2026-0311", partyId: oleg.party.id, startsOn: today,
                                                     lines: [ContractLine(itemId: mortgage.id, quantity: 1, priceMinor: 0, currency: "RUB")]))
        do {
            _ = try await p.addIdentity(partyId: oleg.party.id, IdentityInput(kind: .phone, value: "+7 999 765 43 21"))
        } catch let error as RapportError where error.code == "identity_taken" {
            if let owner = error.details["owner_party_id"].flatMap(UUID.init(uuidString:)) {
                try await services.merges.noteIdentityClaimedTwice(partyId: oleg.party.id, owner: owner, kind: .phone)
            }
        }
        try await loadContactCentre(gold: [ivan.party.id], platinum: [org.party.id, elena.party.id])
        try await loadProactive(today: today, now: now)
        try await loadAnalytics(DemoAnalytics(now: now, ivan: ivan.party.id, organisation: org.party.id, anna: anna.party.id, sergey: sergey.party.id,
                                              telecom: telecom, tariffBasic: tariffBase.id, tariffWorld: tariffWorld.id, educationLoan: eduLoan.id))
        parties += 1
        return Summary(alreadyLoaded: false, parties: parties)
    }

    /// S6/S7: queues by channel and skill with working hours, agents with skills, value tiers for routing.
    func loadContactCentre(gold: [UUID], platinum: [UUID]) async throws {
        for id in gold { _ = try await services.parties.update(id, PartyInput(valueTier: "gold")) }
        for id in platinum { _ = try await services.parties.update(id, PartyInput(valueTier: "platinum")) }
        let cc = services.contactCentre
        let weekdays = Dictionary(uniqueKeysWithValues: (1...7).map { (String($0), WorkingHours.Span(from: "00:00", to: "24:00")) })
        _ = try await cc.createQueue(ContactQueueInput(key: "retail", name: "Retail customers / Частные клиенты", channel: .phone, skills: ["ru"],
                                                       serviceLevelSeconds: 20, maxWaitSeconds: 90,
                                                       workingHours: WorkingHours(timeZone: "Europe/Moscow", days: weekdays)))
        _ = try await cc.createQueue(ContactQueueInput(key: "b2b", name: "Business accounts / Корпоративные клиенты", channel: .phone,
                                                       skills: ["b2b", "ru"], serviceLevelSeconds: 30, maxWaitSeconds: 120))
        _ = try await cc.createQueue(ContactQueueInput(key: "chat", name: "Web chat / Чат на сайте", channel: .chat, skills: [],
                                                       serviceLevelSeconds: 60, maxWaitSeconds: 180))
        for (key, name, skills) in [("irina", "Irina K. / Ирина К.", ["ru", "en", "mortgage"]), ("dmitry", "Dmitry S. / Дмитрий С.", ["ru", "b2b"]),
                                    ("kate", "Kate L. / Екатерина Л.", ["ru", "en"])] {
            _ = try await cc.createAgent(AgentInput(key: key, displayName: name, skills: skills))
        }
    }
}

import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

/// The brief's scenarios S1, S8, S10 and S13 on the demo data set, on every storage engine.
@Suite struct IdentificationScenarioTests {
    /// 2026-11-27, as the demo's "today".
    static let now = Date(timeIntervalSince1970: 1_795_788_000)

    func withDemo(_ engine: TestEngine, _ body: @Sendable (Services, FixedClock) async throws -> Void) async throws {
        try await withTestDatabase(engine) { db in
            let clock = FixedClock(Self.now)
            let services = Services(database: db, clock: clock, normalizer: IdentityNormalizer())
            _ = try await DemoDataSet(services: services).load()
            try await body(services, clock)
        }
    }

    @Test(arguments: TestEngine.available)
    func s1KnownCallerIsGreetedWithHisOpenApplicationFirstAndASuggestion(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            // Given Ivan's card stored as +7 916 123 45 67, when calls arrive in every format a switch produces
            var identified: Set<UUID> = []
            for caller in ["8 (916) 123-45-67", "+7 916 1234567", "89161234567", "916-123-45-67", "+7 (916) 123-45-67 доб. 12"] {
                let who = try await services.identification.identify(ContactClues(channel: .phone, address: caller))
                #expect(who.status == .identified, "\(caller)")
                #expect(who.matchedBy?.rule == "exact_identity")
                #expect(who.matchedBy?.evidence.first?.detail == "phone +79161234567")
                if let id = who.partyId { identified.insert(id) }
            }
            #expect(identified.count == 1)
            // When the call is recorded with only its number
            let result = try await services.inbound.record(InboundContactInput(channel: .phone, address: "8 (916) 123-45-67", agent: "agent7"))
            let card = try #require(result.card)
            // Then the same answer holds the card: greeting, the mortgage application first, the education-loan suggestion
            #expect(result.interaction.partyId == identified.first)
            #expect(card.greeting == Greeting(name: "Иван Сергеевич", form: "given_name_patronymic"))
            #expect(card.probablyCallingAbout?.subject == "Mortgage application / Заявка на ипотеку")
            #expect(card.suggestions.map(\.offer) == ["education_loan"])
            #expect(card.lastInteractions.first?.id == result.interaction.id)
            #expect(card.relationships.count == 1)
            #expect(card.consents.map { "\($0.purpose)/\($0.channel?.rawValue ?? "*")=\($0.granted)" } == ["marketing/email=true", "service_notifications/sms=true"])
        }
    }

    @Test(arguments: TestEngine.available)
    func consentsKeepTheirHistoryAndTheCardShowsTheAnswerInForce(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let sergey = try #require(try await services.parties.owner(of: .email, address: "s.orlov@example.com")).partyId
            // Given Sergey agreed to offers and withdrew a month later
            #expect(try await services.cards.card(sergey).consents.map(\.granted) == [false])
            #expect(try await services.profile.consents(partyId: sergey, history: true).map(\.granted) == [true, false])
            #expect(!ConsentSummary.allows(try await services.profile.consents(partyId: sergey, history: false), purpose: "marketing", channel: .email))
            // When he agrees again, but only by SMS
            clock.advance(by: 60)
            _ = try await services.profile.recordConsent(partyId: sergey, ConsentInput(purpose: "marketing", channel: .sms, granted: true, source: .selfService))
            let current = try await services.profile.consents(partyId: sergey, history: false)
            // Then SMS is allowed, e-mail still is not, and all three answers are on record
            #expect(ConsentSummary.allows(current, purpose: "marketing", channel: .sms))
            #expect(!ConsentSummary.allows(current, purpose: "marketing", channel: .email))
            #expect(try await services.profile.consents(partyId: sergey, history: true).count == 3)
            // A consent without its answer is refused and changes nothing
            await #expect(throws: RapportError.self) {
                _ = try await services.profile.recordConsent(partyId: sergey, ConsentInput(purpose: "marketing"))
            }
            #expect(try await services.profile.consents(partyId: sergey, history: true).count == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func everyChannelsAddressIdentifiesItsOwner(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            let cases: [(ContactClues, String?)] = [
                (ContactClues(channel: .phone, address: "+44 7700 900123"), "Brown Emily"),
                (ContactClues(channel: .fax, address: "8 495 100-20-30"), "Петров Иван Сергеевич"),
                (ContactClues(channel: .email, address: "Анна Соколова <Anna.Sokolova@Example.RU>"), "Соколова Анна"),
                (ContactClues(channel: .email, address: "anna.sokolova@"), nil),
                (ContactClues(channel: .email, address: " Anna.Sokolova@Example.RU "), "Соколова Анна"),
                (ContactClues(channel: .webForm, address: "Anna_S"), "Соколова Анна"),
                (ContactClues(channel: .ivr, orderNumber: "ORD-5005"), "Orlov Sergey"),
                (ContactClues(channel: .email, contractNumber: "SV-2025-07"), "ООО «Северный ветер»"),
            ]
            for (clues, expected) in cases {
                let who = try await services.inbound.screenPop(clues)
                let name = who.identification.status == .identified ? who.card?.party.displayName : nil
                #expect(name == expected, "\(clues.address ?? clues.orderNumber ?? clues.contractNumber ?? "")")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func s8AFactGivenByEmailIsNotAskedAgainOnThePhone(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let sergey = try #require(try await services.parties.owner(of: .email, address: "s.orlov@example.com")).partyId
            // Given Sergey told the number of children in an e-mail
            let card = try await services.cards.card(sergey, script: "inbound_call")
            #expect(card.facts.map(\.key) == ["children_count"])
            #expect(card.facts.first?.channel == .email)
            // Then the phone script does not ask it again
            #expect(!card.questionsToAsk.map(\.key).contains("children_count"))
            #expect(card.questionsToAsk.map(\.key) == ["preferred_contact_time", "employer"])
            // When the agent on the phone captures the preferred time, and later a new value arrives
            _ = try await services.profile.recordFact(partyId: sergey, FactInput(key: "preferred_contact_time", value: "Evening", channel: .phone))
            clock.advance(by: 60)
            _ = try await services.profile.recordFact(partyId: sergey, FactInput(key: "preferred_contact_time", value: "morning", source: .selfService, channel: .webForm))
            // Then the newest is current, the old one is history, and neither is asked again
            let current = try await services.profile.facts(partyId: sergey, history: false)
            #expect(current.first { $0.key == "preferred_contact_time" }?.value == "morning")
            let history = try await services.profile.facts(partyId: sergey, history: true).filter { $0.key == "preferred_contact_time" }
            #expect(history.map(\.value) == ["morning", "evening"])
            #expect(history.last?.supersededBy == history.first?.id)
            #expect(try await services.profile.questionsToAsk(partyId: sergey, script: "inbound_call").map(\.key) == ["employer"])
            // A value told earlier than the current one (a letter typed in late) joins the history only
            _ = try await services.profile.recordFact(partyId: sergey, FactInput(key: "preferred_contact_time", value: "afternoon", channel: .letter,
                                                                                 recordedAt: Self.now.addingTimeInterval(-86_400)))
            #expect(try await services.profile.facts(partyId: sergey, history: false).first { $0.key == "preferred_contact_time" }?.value == "morning")
            #expect(try await services.profile.facts(partyId: sergey, history: true).filter { $0.key == "preferred_contact_time" }.count == 3)
            // And a wrong answer type is refused without changing anything
            await #expect(throws: RapportError.self) {
                _ = try await services.profile.recordFact(partyId: sergey, FactInput(key: "children_count", value: "two"))
            }
            #expect(try await services.profile.facts(partyId: sergey, history: true).filter { $0.key == "children_count" }.count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func s10ContactPersonEmailShowsThePersonTheOrganisationAndItsContract(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            let result = try await services.inbound.record(InboundContactInput(channel: .email, address: "E.Ivanova@Sever-Veter.example.ru",
                                                                               subject: "Акт сверки по договору SV-2025-07"))
            #expect(result.identification.status == .identified)
            // The person was identified by her address; the quoted contract points at the organisation, listed as another match
            #expect(result.identification.candidates.map(\.rule) == ["contract_number"])
            let card = try #require(result.card)
            #expect(card.party.displayName == "Иванова Елена Викторовна")
            #expect(card.greeting?.name == "Елена Викторовна")
            let org = try #require(card.organisations.first)
            #expect(org.organisation.inn == "7707083893")
            #expect(org.role.notes == "Prefers e-mail before noon")
            #expect(org.contracts.map(\.number) == ["SV-2025-07"])
            #expect(org.accountStatus.overdueInvoices.map(\.invoice.number) == ["INV-2026-101"])
            #expect(org.accountStatus.overdueMinor["RUB"] == 3_000_000)
            #expect(org.accountStatus.account?.balanceMinor == -3_000_000)
            // And the organisation's own card lists her as a contact person
            let orgCard = try await services.cards.card(org.organisation.id)
            #expect(orgCard.contactPersons.map(\.person.displayName) == ["Иванова Елена Викторовна"])
        }
    }

    @Test(arguments: TestEngine.available)
    func s13UnknownCallerBecomesAProspectAndMergesWithTheLaterCustomer(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            // Given the demo's unknown caller (a prospect now) and the customer who later gave that number
            let duplicates = try await services.merges.duplicateCandidates()
            let pair = try #require(duplicates.first { $0.reason == "identity_claimed_twice" })
            let customer = pair.partyId, prospect = pair.otherPartyId
            #expect(pair.otherDisplayName == Party.unnamedDisplayName)
            let call = try await services.inbound.record(InboundContactInput(channel: .phone, address: "+7 999 765-43-21", subject: "Second call"))
            #expect(call.interaction.partyId == prospect)
            _ = try await services.profile.recordFact(partyId: prospect, FactInput(key: "employer", value: "ООО «Ромашка»", channel: .phone))
            // When they are merged
            clock.advance(by: 60)
            let merge = try await services.merges.merge(MergeInput(survivorId: customer, mergedId: prospect))
            #expect(merge.moved["identities"] == 1)
            #expect(merge.moved["interactions"] == 2)
            // Then the whole history is on the customer, and the number identifies the customer
            let card = try await services.cards.card(customer)
            #expect(card.party.displayName == "Николаев Олег")
            #expect(Set(card.identities.map(\.normalized)) == ["+79997654321", "oleg.nikolaev@example.ru"])
            #expect(card.lastInteractions.map(\.subject).contains("Second call"))
            #expect(card.facts.map(\.key) == ["employer"])
            #expect(try await services.identification.identify(ContactClues(channel: .phone, address: "89997654321")).partyId == customer)
            #expect(try await services.cards.card(prospect).party.id == customer)
            #expect(try await services.merges.duplicateCandidates().contains { $0.otherPartyId == prospect } == false)
            // A merged party takes no new records: they belong on the survivor
            do {
                _ = try await services.profile.recordFact(partyId: prospect, FactInput(key: "employer", value: "x"))
                Issue.record("a fact was recorded on a merged party")
            } catch let error as RapportError {
                #expect(error.code == "party_merged")
            }
            #expect(try await services.parties.list(PartyFilter(), page: PageRequest(limit: 200)).items.contains { $0.id == prospect } == false)
            // When a contact arrives after the merge, the survivor changes, and another duplicate is merged in
            let later = try await services.inbound.record(InboundContactInput(channel: .phone, address: "89997654321", subject: "After the merge"))
            _ = try await services.parties.update(customer, PartyInput(valueTier: "gold"))
            let third = try await services.parties.create(PartyInput(kind: .person, surname: "Nikolaev", givenName: "Oleg", patronymic: "Petrovich"))
            let second = try await services.merges.merge(MergeInput(survivorId: customer, mergedId: third.party.id))
            // Then merges are undone newest first
            do {
                _ = try await services.merges.undo(merge.id)
                Issue.record("an older merge was undone before a newer one")
            } catch let error as RapportError {
                #expect(error.code == "merge_not_latest")
            }
            #expect(try await services.parties.get(customer).party.patronymic == "Petrovich")
            _ = try await services.merges.undo(second.id)
            #expect(try await services.parties.get(customer).party.patronymic == nil)
            let undone = try await services.merges.undo(merge.id)
            #expect(undone.undoneAt != nil)
            // Then both are as they were, and what arrived since stays with the survivor
            let restored = try await services.cards.card(prospect)
            #expect(restored.party.id == prospect)
            #expect(restored.identities.map(\.normalized) == ["+79997654321"])
            #expect(Set(restored.lastInteractions.map(\.subject)) == ["Asked about mortgage rates", "Second call"])
            #expect(restored.facts.map(\.key) == ["employer"])
            let survivor = try await services.cards.card(customer)
            #expect(survivor.identities.map(\.normalized) == ["oleg.nikolaev@example.ru"])
            #expect(survivor.party.valueTier == "gold")  // changed after the merge: stands
            #expect(survivor.lastInteractions.map(\.id).contains(later.interaction.id))
            await #expect(throws: RapportError.self) { _ = try await services.merges.undo(merge.id) }
        }
    }

    @Test(arguments: TestEngine.available)
    func undoingAMergeRestoresFactsRolesRelationshipsAndTheAccount(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let p = services.parties
            let org = try #require(try await p.owner(of: .email, address: "office@sever-veter.example.ru")).partyId
            let elena = try #require(try await p.owner(of: .email, address: "e.ivanova@sever-veter.example.ru")).partyId
            // Given a second record of Elena: the same organisation's contact, her own account, a link to the first record, an older fact
            let twin = try await p.create(PartyInput(kind: .person, surname: "Иванова", givenName: "Елена", identities: [IdentityInput(kind: .phone, value: "+7 901 000 00 01")])).party.id
            _ = try await p.addContactRole(organisationId: org, ContactRoleInput(personId: twin, role: "Accountant"))
            _ = try await p.setAccount(partyId: twin, AccountInput(balanceMinor: 500, creditLimitMinor: 0))
            _ = try await p.addRelationship(partyId: twin, RelationshipInput(kind: .colleague, relatedPartyId: elena))
            _ = try await services.profile.recordFact(partyId: elena, FactInput(key: "employer", value: "Северный ветер"))
            clock.advance(by: 10)
            _ = try await services.profile.recordFact(partyId: twin, FactInput(key: "employer", value: "ООО «Северный ветер»"))
            clock.advance(by: 10)
            // When the twin is merged into Elena, Elena then gives a newer answer, and the merge is undone
            let merge = try await services.merges.merge(MergeInput(survivorId: elena, mergedId: twin))
            #expect(merge.moved["accounts"] == 1)
            #expect(try await services.profile.facts(partyId: elena, history: false).map(\.value) == ["ООО «Северный ветер»"])
            #expect(try await p.contactRoles(of: elena).count == 1)  // the duplicate role was set aside
            #expect(try await p.relationships(of: elena).isEmpty)     // a link to herself was set aside
            clock.advance(by: 10)
            _ = try await services.profile.recordFact(partyId: elena, FactInput(key: "employer", value: "АО «Ветер»"))
            _ = try await services.merges.undo(merge.id)
            // Then each record has its own role, account, relationship, and exactly one current answer
            #expect(try await services.profile.facts(partyId: elena, history: false).map(\.value) == ["АО «Ветер»"])
            #expect(try await services.profile.facts(partyId: twin, history: false).map(\.value) == ["ООО «Северный ветер»"])
            #expect(try await p.contactRoles(of: twin).map(\.role) == ["Accountant"])
            #expect(try await p.account(partyId: twin).balanceMinor == 500)
            #expect(try await p.relationships(of: twin).map(\.relatedPartyId) == [elena])
            #expect(try await p.contactRoles(of: elena).count == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func aNameAndBirthDateFindThePersonAmongManyNamesakes(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            for _ in 0..<25 { _ = try await services.parties.create(PartyInput(kind: .person, surname: "Иванов", givenName: "Иван")) }
            let born = try CivilDate(year: 1977, month: 7, day: 7)
            let wanted = try await services.parties.create(PartyInput(kind: .person, surname: "Иванов", givenName: "Иван", birthDate: born)).party.id
            let who = try await services.identification.identify(ContactClues(channel: .letter, surname: "Ivanov", givenName: "Ivan", birthDate: born))
            #expect(who.status == .candidates)
            #expect(who.candidates.map(\.partyId) == [wanted])
        }
    }

    @Test(arguments: TestEngine.available)
    func badAddressesAndBadMergesAreRefusedWithAReasonAndChangeNothing(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            // A malformed number is not identified, says why, and the contact is still kept
            let bad = try await services.inbound.record(InboundContactInput(channel: .phone, address: "12", subject: "Garbled CLI"))
            #expect(bad.identification.status == .unknown)
            #expect(bad.identification.reason == "address_invalid")
            #expect(bad.interaction.partyId == nil)
            #expect(bad.card == nil)
            let withheld = try await services.identification.identify(ContactClues(channel: .phone, address: "anonymous"))
            #expect(withheld.reason == "address_withheld")
            // The unidentified entry can be given its party once
            let ivan = try #require(try await services.parties.owner(of: .phone, address: DemoDataSet.ivanPhone)).partyId
            #expect(try await services.inbound.assign(interactionId: bad.interaction.id, partyId: ivan).partyId == ivan)
            await #expect(throws: RapportError.self) { _ = try await services.inbound.assign(interactionId: bad.interaction.id, partyId: ivan) }
            // Merging into itself, across kinds, or a merged party is refused and changes nothing
            let org = try #require(try await services.parties.owner(of: .email, address: "office@sever-veter.example.ru")).partyId
            for (survivor, merged, code) in [(ivan, ivan, "merge_self"), (ivan, org, "merge_kind_mismatch")] {
                do {
                    _ = try await services.merges.merge(MergeInput(survivorId: survivor, mergedId: merged))
                    Issue.record("merge \(code) was accepted")
                } catch let error as RapportError {
                    #expect(error.code == code)
                }
            }
            #expect(try await services.merges.merges(of: ivan).isEmpty)
            #expect(try await services.parties.get(ivan).identities.count == 3)
        }
    }

    @Test(arguments: TestEngine.available)
    func rulesAreConfigurableAndNameMatchesNeedConfirmation(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            // An order number quoted in a web message identifies its customer, and the answer says so
            let byOrder = try await services.identification.identify(ContactClues(channel: .webForm, text: "where is my order fl-10001?"))
            #expect(byOrder.status == .identified)
            #expect(byOrder.matchedBy?.rule == "order_number")
            #expect(byOrder.matchedBy?.evidence.first?.detail == "order FL-10001")
            // A Latin spelling of a Russian name with the birth date is a candidate, not a certainty
            let byName = try await services.identification.identify(ContactClues(channel: .letter, surname: "Petrov", givenName: "Ivan",
                                                                                 patronymic: "Sergeevich", birthDate: try CivilDate(year: 1980, month: 4, day: 12)))
            #expect(byName.status == .candidates)
            #expect(byName.candidates.map(\.rule) == ["transliterated_name_and_birth_date"])
            #expect(byName.candidates.first?.displayName == "Петров Иван Сергеевич")
            // Switching the order rule off is data, and so is leaving unknown contacts unidentified
            var config = try await services.identification.configuration()
            for i in config.rules.indices where config.rules[i].name == "order_number" { config.rules[i].enabled = false }
            config.unknownContact = .leaveUnidentified
            _ = try await services.identification.setConfiguration(config)
            #expect(try await services.identification.identify(ContactClues(channel: .webForm, text: "order FL-10001")).status == .unknown)
            let stranger = try await services.inbound.record(InboundContactInput(channel: .phone, address: "+7 900 000 00 01"))
            #expect(stranger.identification.status == .unknown)
            #expect(stranger.interaction.partyId == nil)
            #expect(try await services.parties.owner(of: .phone, address: "+7 900 000 00 01") == nil)
        }
    }

    @Test(arguments: TestEngine.available)
    func searchFindsPartiesAndTheTrailInRussianAndEnglish(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            func names(_ q: String) async throws -> Set<String> { Set(try await services.search.parties(q).map(\.displayName)) }
            #expect(try await names("петров") == ["Петров Иван Сергеевич", "Петров Алексей Иванович"])
            #expect(try await names("Petrov Ivan Serg") == ["Петров Иван Сергеевич"])
            #expect(try await names("ПЕТР ИВ") == ["Петров Иван Сергеевич", "Петров Алексей Иванович"])
            #expect(try await names("Smirnova") == ["Smirnova Olga"])
            #expect(try await names("смирнова") == ["Smirnova Olga"])
            #expect(try await names("45-67") == ["Петров Иван Сергеевич"])
            #expect(try await names("8 916 123") == ["Петров Иван Сергеевич"])
            #expect(try await names("E.Ivanova@sever-veter.example.ru") == ["Иванова Елена Викторовна"])
            #expect(try await names("7707083893") == ["ООО «Северный ветер»"])
            #expect(try await names("северный") == ["ООО «Северный ветер»"])
            #expect(try await names("Zzyzx").isEmpty)
            // ё and е are one letter
            _ = try await services.parties.create(PartyInput(kind: .person, surname: "Фёдоров", givenName: "Пётр"))
            #expect(try await names("федоров петр") == ["Фёдоров Пётр"])
            #expect(try await names("Fedorov") == ["Фёдоров Пётр"])
            // The trail
            let hits = try await services.search.interactions("ипотеку")
            #expect(hits.map(\.subject) == ["Mortgage application / Заявка на ипотеку"])
            #expect(try await services.search.interactions("mortgage").count == 2)
        }
    }
}

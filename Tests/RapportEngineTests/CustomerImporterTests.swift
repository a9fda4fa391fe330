import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

@Suite struct CustomerImporterTests {
    @Test func badRowsAreReportedWithTheirLineNumbersAndGoodRowsAreKept() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: FixedClock(), normalizer: IdentityNormalizer())
            // Given an export with a good person, a bad phone, a good company, a bad INN and a duplicate phone
            let csv = """
            Last Name,First Name,Phone,Email,Company,INN
            Петров,Иван,8 (916) 123-45-67,ivan@example.ru,,
            Сидоров,Пётр,12345,,,
            ,,,office@romashka.example.ru,ООО «Ромашка»,7707083893
            ,,,,ООО «Ошибка»,7707083894
            Другой,Иван,+7 916 123 45 67,,,

            """
            // When it is imported
            let report = try await CustomerImporter(parties: services.parties).importCSV(csv)
            // Then the good rows are stored and each bad one names its line and reason
            #expect(report.imported == 2)
            #expect(report.errors.map(\.line) == [3, 5, 6])
            #expect(report.errors.map(\.code) == ["invalid_phone", "invalid_inn", "identity_taken"])
            let stored = try await services.parties.list(PartyFilter(), page: PageRequest())
            #expect(stored.items.map(\.displayName).sorted() == ["ООО «Ромашка»", "Петров Иван"])
        }
    }

    @Test func anAddressClaimedTwiceIsImportedAsADuplicateCandidateForReview() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: FixedClock(), normalizer: IdentityNormalizer())
            // Given a customer, when an import brings another record with the same phone
            let first = try await services.parties.create(PartyInput(kind: .person, surname: "Петров", givenName: "Иван",
                                                                     identities: [IdentityInput(kind: .phone, value: "+7 916 123 45 67")]))
            let report = try await CustomerImporter(parties: services.parties, merges: services.merges)
                .importCSV("Last Name,First Name,Phone,Email\nPetrov,Ivan,8 916 123-45-67,ivan@example.com\n")
            // Then the row is kept without the phone, and the pair waits on the duplicates list
            #expect(report.imported == 1)
            #expect(report.duplicatesFlagged == 1)
            let pair = try #require(try await services.merges.duplicateCandidates().first)
            #expect(pair.reason == "identity_claimed_twice")
            #expect(pair.otherPartyId == first.party.id)
            #expect(try await services.parties.get(pair.partyId).identities.map(\.normalized) == ["ivan@example.com"])
        }
    }

    @Test func russianHeadersAndSemicolonsAreUnderstood() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: FixedClock(), normalizer: IdentityNormalizer())
            let report = try await CustomerImporter(parties: services.parties).importCSV("Фамилия;Имя;Отчество;Дата рождения;Телефон\nИванова;Мария;Петровна;1990-03-14;89031112233\n")
            #expect(report.imported == 1)
            #expect(try await services.parties.owner(of: .phone, address: "+7 903 111 22 33") != nil)
        }
    }

    @Test func severalPhoneColumnsAreAllKeptAndTheSameNumberTwiceIsAttachedOnce() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: FixedClock(), normalizer: IdentityNormalizer())
            let csv = "First Name,Last Name,Phone,Mobile,Birthdate\nИван,Петров,8 (495) 100-20-30,+7 916 123 45 67,12.04.1980\nОльга,Смирнова,8 903 555-01-01,+7 903 555 01 01,\n"
            let report = try await CustomerImporter(parties: services.parties).importCSV(csv)
            #expect(report.imported == 2)
            let ivan = try #require(try await services.parties.owner(of: .phone, address: "+74951002030"))
            #expect(try await services.parties.owner(of: .phone, address: "89161234567")?.partyId == ivan.partyId)
            #expect(try await services.parties.get(ivan.partyId).party.birthDate?.description == "1980-04-12")
            let olga = try #require(try await services.parties.owner(of: .phone, address: "+79035550101"))
            #expect(try await services.parties.get(olga.partyId).identities.count == 1)
        }
    }

    @Test func fileWithoutANameColumnIsRefusedAsAWhole() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: FixedClock(), normalizer: IdentityNormalizer())
            await #expect(throws: RapportError.self) { _ = try await CustomerImporter(parties: services.parties).importCSV("Phone\n+79161234567\n") }
        }
    }
}

@Suite struct DemoDataSetTests {
    @Test func demoLoadsTheScenarioPeopleAndLoadingItAgainChangesNothing() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer())
            let first = try await DemoDataSet(services: services).load()
            let countAfterFirst = try await PartyStore(database: db).count()
            let second = try await DemoDataSet(services: services).load()
            #expect(!first.alreadyLoaded)
            #expect(second.alreadyLoaded)
            #expect(try await PartyStore(database: db).count() == countAfterFirst)
            // S1: Ivan is found from the number as he dials it, with the faxed application open and a son turning 17 this month
            let ivan = try #require(try await services.parties.owner(of: .phone, address: "8 (916) 123-45-67"))
            let open = try await services.requests.list(partyId: ivan.partyId, status: .open, page: PageRequest())
            #expect(open.items.map(\.type) == [.application])
            let son = try #require(try await services.parties.relationships(of: ivan.partyId).first { $0.kind == .child })
            let today = CivilDate(Date())
            #expect(son.relatedBirthDate?.month == today.month)
            #expect(son.relatedBirthDate?.year == today.year - 17)
            // S10: the organisation has an overdue invoice and a contact person with preferences
            let org = try #require(try await services.parties.list(PartyFilter(kind: .organisation), page: PageRequest()).items.first)
            let invoices = try await services.commerce.invoices(partyId: org.id, page: PageRequest())
            #expect(invoices.items.contains { $0.status(on: today) == .overdue })
            #expect(try await services.parties.contactRoles(of: org.id).first?.preferredChannel == .email)
        }
    }
}

@Suite struct ExportWriterTests {
    @Test func csvFieldsWithSeparatorsQuotesOrNewlinesAreQuoted() {
        #expect(ExportWriter.csvLine(["a", "b,c", "say \"hi\"", "x\ny", "ООО «Ромашка»"]) == "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\",ООО «Ромашка»\r\n")
    }
}

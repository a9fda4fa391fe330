import Foundation
import RapportCore
import Testing

@Suite struct PartyTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func personGetsADisplayNameFromSurnameGivenNameAndPatronymic() throws {
        let party = try Party.create(PartyInput(kind: .person, surname: "Петров", givenName: "Иван", patronymic: "Сергеевич"), id: UUID(), now: now)
        #expect(party.displayName == "Петров Иван Сергеевич")
        #expect(party.lifecycleStage == .prospect)
    }

    @Test func organisationNeedsALegalNameAndAValidINN() throws {
        #expect(throws: RapportError.self) { try Party.create(PartyInput(kind: .organisation, inn: "7707083893"), id: UUID(), now: now) }
        #expect(throws: RapportError.self) {
            try Party.create(PartyInput(kind: .organisation, legalName: "ООО «Ромашка»", inn: "7707083894"), id: UUID(), now: now)
        }
        let org = try Party.create(PartyInput(kind: .organisation, legalName: "ООО «Ромашка»", inn: "7707083893", kpp: "773601001"), id: UUID(), now: now)
        #expect(org.displayName == "ООО «Ромашка»")
    }

    @Test func changingTheStageRecordsWhenItChanged() throws {
        var party = try Party.create(PartyInput(kind: .person, surname: "Ivanov"), id: UUID(), now: now)
        let later = now.addingTimeInterval(3600)
        try party.apply(PartyInput(lifecycleStage: .customer), now: later)
        #expect(party.lifecycleStage == .customer)
        #expect(party.stageChangedAt == later)
    }

    @Test func unknownTimeZoneIsRejected() {
        #expect(throws: RapportError.self) { try Party.create(PartyInput(kind: .person, surname: "X", timeZone: "Mars/Olympus"), id: UUID(), now: now) }
    }
}

@Suite struct CivilDateTests {
    @Test func parsesIsoDatesAndRejectsImpossibleOnes() throws {
        #expect(try CivilDate(parsing: "2024-02-29").description == "2024-02-29")
        #expect(throws: RapportError.self) { try CivilDate(parsing: "2026-02-30") }
        #expect(throws: RapportError.self) { try CivilDate(parsing: "30.11.2026") }
        #expect(throws: RapportError.self) { try CivilDate(parsing: "2026-1-5") }
    }

    @Test func invoiceIsOverdueAfterItsDueDateUntilPaid() throws {
        var invoice = try InvoiceInput(number: "1", partyId: UUID(), issuedOn: CivilDate(parsing: "2026-10-01"), dueOn: CivilDate(parsing: "2026-10-31"),
                                       amountMinor: 1000).make(id: UUID(), now: Date())
        #expect(invoice.status(on: try CivilDate(parsing: "2026-10-31")) == .open)
        #expect(invoice.status(on: try CivilDate(parsing: "2026-11-01")) == .overdue)
        invoice.paidMinor = 1000
        #expect(invoice.status(on: try CivilDate(parsing: "2026-11-01")) == .paid)
    }
}

@Suite struct CSVReaderTests {
    @Test func quotedFieldsWithSeparatorsQuotesAndNewlinesSurvive() throws {
        let csv = try CSVReader(text: "Last Name,Company,Notes\r\nPetrov,\"Horns, Hooves\",\"said \"\"hi\"\"\nthen left\"\r\nIvanov,,x\n")
        #expect(csv.header == ["Last Name", "Company", "Notes"])
        #expect(csv.records.count == 2)
        #expect(csv.records[0].fields == ["Petrov", "Horns, Hooves", "said \"hi\"\nthen left"])
        #expect(csv.records[1].line == 4)
    }

    @Test func semicolonSeparatedRussianExportIsDetected() throws {
        let csv = try CSVReader(text: "Фамилия;Имя;Телефон\nПетров;Иван;8 916 123-45-67\n")
        #expect(csv.records[0].fields == ["Петров", "Иван", "8 916 123-45-67"])
    }

    @Test func unterminatedQuoteIsAnError() {
        #expect(throws: RapportError.self) { try CSVReader(text: "a,b\n\"x,y\n") }
    }
}

@Suite struct TimeOrderedIdTests {
    @Test func theFastTextFormMatchesFoundationsBothWays() {
        for _ in 0..<1000 {
            let id = UUID()
            #expect(id.text() == id.uuidString)
            #expect(id.text(lowercase: true) == id.uuidString.lowercased())
            #expect(UUID(text: id.uuidString) == id && UUID(text: id.uuidString.lowercased()) == id)
        }
        for bad in ["", "not-a-uuid", "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456_426614174000", "123e4567-e89b-12d3-a456-4266141740zz"] {
            #expect(UUID(text: bad) == nil, "\(bad)")
        }
    }

    @Test func idsMadeInTheSameMillisecondKeepTheirOrder() {
        let now = Date()
        let ids = (0..<10_000).map { _ in UUID.timeOrdered(at: now) }
        #expect(ids.map(\.uuidString) == ids.map(\.uuidString).sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.uuidString.dropFirst(14).first == "7" })
    }
}

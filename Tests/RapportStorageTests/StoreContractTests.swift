import Foundation
import RapportCore
import RapportStorage
import RapportTestSupport
import Testing

/// The same contract on every engine: SQLite always, PostgreSQL when RAPPORT_TEST_POSTGRES_URL is set.
@Suite struct StoreContractTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let normalizer = IdentityNormalizer()

    func person(_ surname: String, phone: String? = nil, on parties: PartyStore) async throws -> PartyRecord {
        let party = try Party.create(PartyInput(kind: .person, surname: surname, givenName: "Иван"), id: .timeOrdered(at: now), now: now)
        let identities = try phone.map { [try normalizer.identity(IdentityInput(kind: .phone, value: $0), partyId: party.id, id: .timeOrdered(at: now), now: now)] } ?? []
        return try await parties.create(party, identities: identities)
    }

    @Test(arguments: TestEngine.available)
    func erasureRemovesAPersonsDataFromEveryTableAndTheIndexAndKeepsOthers(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            // Given Petrov with a phone and a call about him, and Sidorov beside him
            let parties = PartyStore(database: db)
            let petrov = try await person("Петров", phone: "8 (916) 123-45-67", on: parties)
            let sidorov = try await person("Сидоров", phone: "8 (903) 000-11-22", on: parties)
            let call = Interaction(id: .timeOrdered(at: now), partyId: petrov.party.id, channel: .phone, direction: .inbound, occurredAt: now,
                                   address: "+79161234567", subject: "Ипотека", summary: "Петров просит перезвонить", createdAt: now)
            _ = try await InteractionStore(database: db).append(call)
            // When Petrov is erased
            let erasure = try await PrivacyStore(database: db).erase(petrov.party.id, requestedBy: nil, reference: "DSR-1", at: now)
            // Then his data is gone everywhere, the rows that aggregates need stay, Sidorov is untouched
            #expect(erasure.counts["identities"] == 1 && erasure.counts["interactions"] == 1)
            let after = try #require(try await parties.get(petrov.party.id))
            #expect(after.party.displayName == Erasure.erasedName && after.party.surname == nil && after.party.erasedAt != nil)
            #expect(after.identities.isEmpty)
            #expect(try await parties.findIdentity(kind: .phone, normalized: "+79161234567") == nil)
            let kept = try #require(try await InteractionStore(database: db).get(call.id))
            #expect(kept.summary == nil && kept.subject == nil && kept.address == nil)
            let search = SearchStore(database: db)
            #expect(try await search.parties(try SearchQuery(parsing: "петров"), limit: 5).isEmpty)
            #expect(try await search.interactions(try SearchQuery(parsing: "перезвонить"), partyId: nil, limit: 5).isEmpty)
            #expect(try await search.parties(try SearchQuery(parsing: "сидоров"), limit: 5).map(\.id) == [sidorov.party.id])
            #expect(try await parties.get(sidorov.party.id)?.identities.count == 1)
            // And nothing new lands on the erased person
            await #expect(throws: RapportError.self) { _ = try await PrivacyStore(database: db).erase(petrov.party.id, requestedBy: nil, reference: nil, at: now) }
        }
    }

    @Test(arguments: TestEngine.available)
    func createdPartyIsReadBackWithItsNormalisedIdentities(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let parties = PartyStore(database: db)
            // Given a person created with a phone written nationally
            let created = try await person("Петров", phone: "8 (916) 123-45-67", on: parties)
            // When it is read back and looked up by the international form
            let read = try #require(try await parties.get(created.party.id))
            let owner = try await parties.findIdentity(kind: .phone, normalized: "+79161234567")
            // Then fields, identities and the lookup agree
            #expect(read.party.displayName == "Петров Иван")
            #expect(read.party.createdAt == created.party.createdAt)
            #expect(read.identities.map(\.normalized) == ["+79161234567"])
            #expect(owner?.partyId == created.party.id)
        }
    }

    @Test(arguments: TestEngine.available)
    func secondPartyClaimingAnIdentityIsRefusedNamingTheOwnerAndNothingIsWritten(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let parties = PartyStore(database: db)
            let first = try await person("Петров", phone: "+7 916 123 45 67", on: parties)
            await #expect(throws: RapportError.self) { _ = try await person("Сидоров", phone: "89161234567", on: parties) }
            do { _ = try await person("Сидоров", phone: "89161234567", on: parties) } catch let e as RapportError {
                #expect(e.kind == .conflict)
                #expect(e.code == "identity_taken")
                #expect(e.details["owner_party_id"] == first.party.id.uuidString.lowercased())
            }
            // The failed create left no party behind.
            #expect(try await parties.count() == 1)
        }
    }

    @Test(arguments: TestEngine.available)
    func activeContractMakesAProspectACustomer(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let parties = PartyStore(database: db)
            let commerce = CommerceStore(database: db)
            let p = try await person("Орлов", on: parties)
            #expect(p.party.lifecycleStage == .prospect)
            let later = now.addingTimeInterval(86_400)
            _ = try await commerce.createContract(try ContractInput(number: "C-1", partyId: p.party.id, startsOn: CivilDate(parsing: "2026-11-01"))
                .make(id: .timeOrdered(at: later), now: later))
            let read = try #require(try await parties.get(p.party.id))
            #expect(read.party.lifecycleStage == .customer)
            #expect(read.party.stageChangedAt == later)
            // A second contract with the same number is a conflict.
            await #expect(throws: RapportError.self) {
                _ = try await commerce.createContract(try ContractInput(number: "C-1", partyId: p.party.id, startsOn: CivilDate(parsing: "2026-11-01"))
                    .make(id: .timeOrdered(at: later), now: later))
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func paymentIsAddedToTheInvoiceItPays(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let p = try await person("Кузнецов", on: PartyStore(database: db))
            let commerce = CommerceStore(database: db)
            let invoice = try await commerce.createInvoice(try InvoiceInput(number: "INV-1", partyId: p.party.id, issuedOn: CivilDate(parsing: "2026-10-01"),
                                                                             dueOn: CivilDate(parsing: "2026-10-31"), amountMinor: 10_000).make(id: .timeOrdered(at: now), now: now))
            _ = try await commerce.recordPayment(try PaymentInput(partyId: p.party.id, invoiceId: invoice.id, amountMinor: 4_000).make(id: .timeOrdered(at: now), now: now))
            let read = try #require(try await commerce.invoice(invoice.id))
            #expect(read.paidMinor == 4_000)
            #expect(read.status(on: try CivilDate(parsing: "2026-11-05")) == .overdue)
            // A payment in another currency changes nothing.
            await #expect(throws: RapportError.self) {
                _ = try await commerce.recordPayment(try PaymentInput(partyId: p.party.id, invoiceId: invoice.id, amountMinor: 6_000, currency: "EUR")
                    .make(id: .timeOrdered(at: now), now: now))
            }
            #expect(try await commerce.invoice(invoice.id)?.paidMinor == 4_000)
        }
    }

    @Test(arguments: TestEngine.available)
    func timelineIsNewestFirstFilteredByChannelAndPagesWithoutGapsOrRepeats(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let p = try await person("Смирнова", on: PartyStore(database: db))
            let store = InteractionStore(database: db)
            // Given 25 interactions, two at every instant so the id breaks ties
            var written: [Interaction] = []
            for n in 0..<25 {
                let at = now.addingTimeInterval(Double(n / 2) * 60 + 0.1234567)
                let i = Interaction(id: .timeOrdered(at: at), partyId: p.party.id, channel: n % 3 == 0 ? .email : .phone, direction: .inbound,
                                    occurredAt: at, subject: "n\(n)", createdAt: at)
                written.append(try await store.append(i))
            }
            // When read ten at a time
            var seen: [Interaction] = []
            var cursor: String? = nil
            repeat {
                let page = try await store.timeline(TimelineQuery(partyId: p.party.id, limit: 10, cursor: cursor))
                seen += page.items
                cursor = page.nextCursor
            } while cursor != nil
            // Then every entry appears once, newest first
            #expect(seen.count == 25)
            #expect(Set(seen.map(\.id)).count == 25)
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.occurredAt >= $1.occurredAt })
            let emails = try await store.timeline(TimelineQuery(partyId: p.party.id, channels: [.email], limit: 50))
            #expect(emails.items.count == written.filter { $0.channel == .email }.count)
            #expect(emails.items.allSatisfy { $0.channel == .email })
        }
    }

    @Test(arguments: TestEngine.available)
    func interactionReferringToAMissingPartyIsRejectedAndNothingWritten(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let store = InteractionStore(database: db)
            let missing = UUID()
            do {
                _ = try await store.append(Interaction(id: .timeOrdered(at: now), partyId: missing, channel: .phone, direction: .inbound, occurredAt: now, createdAt: now))
                Issue.record("expected party_not_found")
            } catch let e as RapportError {
                #expect(e.code == "party_not_found")
            }
            #expect(try await store.count() == 0)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentWritesCommitTogetherAndAFailingOneDoesNotUndoTheOthers(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let parties = PartyStore(database: db)
            let first = try await person("Первый", phone: "+7 900 000 00 00", on: parties)
            // Given 200 writes in flight at once, one of which claims a taken phone
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        let phone = n == 100 ? "+7 900 000 00 00" : "+7 901 \(String(format: "%07d", n))"
                        do { _ = try await person("Номер\(n)", phone: phone, on: parties); return true } catch { return false }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            // Then exactly that one failed and all the others are stored
            #expect(results.filter { !$0 }.count == 1)
            #expect(try await parties.count() == 200)
            #expect(try await parties.findIdentity(kind: .phone, normalized: "+79000000000")?.partyId == first.party.id)
        }
    }

    @Test(arguments: TestEngine.available)
    func bulkLoadedRowsReadBackExactlyAsTheyWereGiven(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            // Given rows with every optional field set and unset, Cyrillic text and fractional times
            let at = now.addingTimeInterval(0.123)
            let full = try Party.create(PartyInput(kind: .person, surname: "Фёдоров", givenName: "Илья", patronymic: "Ильич",
                                                   birthDate: CivilDate(parsing: "2009-11-30"), language: "ru", timeZone: "Europe/Moscow"),
                                        id: .timeOrdered(at: at), now: at)
            let bare = try Party.create(PartyInput(kind: .organisation, legalName: "ООО «Ромашка»", inn: "7707083893"), id: .timeOrdered(at: at), now: at)
            let phone = try normalizer.identity(IdentityInput(kind: .phone, value: "8 916 000-00-01", label: "mobile"), partyId: full.id, id: .timeOrdered(at: at), now: at)
            let call = Interaction(id: .timeOrdered(at: at), partyId: full.id, channel: .pointOfSale, direction: .outbound, occurredAt: at,
                                   address: "+79160000001", agent: "a1", subject: "Тема", summary: "Итог", outcome: "ok", createdAt: at)
            // When they go through the bulk path
            try await BulkLoader(database: db).load(parties: [full, bare], identities: [phone], interactions: [call])
            // Then the ordinary stores read back the same values
            let parties = PartyStore(database: db)
            #expect(try await parties.get(full.id) == PartyRecord(party: full, identities: [phone]))
            #expect(try await parties.get(bare.id)?.party == bare)
            #expect(try await InteractionStore(database: db).get(call.id) == call)
        }
    }

    @Test(arguments: TestEngine.available)
    func migrationsAreRecordedAndApplyingThemAgainChangesNothing(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let migrator = Migrator(database: db)
            let applied = try await migrator.appliedIds()
            let again = try await migrator.migrate()
            #expect(applied == ["0001-registry", "0002-identification", "0003-access", "0004-contact-centre", "0005-proactive", "0006-analytics", "0007-consent-texts", "0008-work-claims"])
            #expect(again.isEmpty)
        }
    }

    @Test func upgradingADatabaseIndexesTheCustomersItAlreadyHolds() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-upgrade-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try await Database.open(.sqlite(path: dir.appendingPathComponent("old.sqlite").path), readers: 1)
        do { try await upgrade(db) } catch { await db.close(); throw error }
        await db.close()
    }

    func upgrade(_ db: Database) async throws {
        // Given a database at the first schema version holding a customer
        try await Migrator(database: db).migrate(through: "0001-registry")
        let id = UUID()
        try await db.write { sql in
            try await sql.raw("""
                INSERT INTO parties (id, kind, display_name, surname, given_name, lifecycle_stage, stage_changed_at, created_at, updated_at)
                VALUES (\(bind: id), 'person', 'Фёдоров Пётр', 'Фёдоров', 'Пётр', 'customer', 0, 0, 0)
                """).run()
        }
        // When the later migrations run
        #expect(try await Migrator(database: db).migrate() == ["0002-identification", "0003-access", "0004-contact-centre", "0005-proactive", "0006-analytics", "0007-consent-texts", "0008-work-claims"])
        // Then the customer has a name key and is found by search
        let party = try #require(try await PartyStore(database: db).get(id)).party
        #expect(party.nameKey == NameKey.name(["Fedorov", "Petr"]))
        #expect(try await SearchStore(database: db).parties(try SearchQuery(parsing: "федоров"), limit: 5).map(\.id) == [id])
    }
}

@Suite struct OutboxTests {
    @Test(arguments: TestEngine.available)
    func everyChangeLeavesAnEventInTheSameTransaction(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let now = Date()
            let parties = PartyStore(database: db)
            let org = try await parties.create(try Party.create(PartyInput(kind: .organisation, legalName: "ООО «Ромашка»"), id: .timeOrdered(at: now), now: now), identities: [])
            let person = try await parties.create(try Party.create(PartyInput(kind: .person, surname: "Петров"), id: .timeOrdered(at: now), now: now), identities: [])
            let role = try await parties.addContactRole(try ContactRoleInput(personId: person.party.id, role: "Buyer").make(organisationId: org.party.id, id: .timeOrdered(at: now), now: now))
            _ = try await parties.updateContactRole(role.id, organisationId: org.party.id, at: now) { $0.notes = "x" }
            try await parties.removeContactRole(role.id, organisationId: org.party.id, at: now)
            _ = try await parties.setAccount(org.party.id) { _ in try AccountInput(balanceMinor: 0, creditLimitMinor: 100).make(partyId: org.party.id, existing: nil, now: now) }
            let topics = try await OutboxStore(database: db).pendingTopics().map(\.topic)
            // (Ids made within one millisecond are not ordered among themselves: compare as a multiset.)
            #expect(topics.sorted() == ["party.created", "party.created", "contact_role.added", "contact_role.updated", "contact_role.removed", "account.changed"].sorted())
        }
    }
}

@Suite struct DurabilityTests {
    @Test func writesAfterCloseAreRefusedNotLost() async throws {
        try await withTestDatabase(.sqlite) { db in
            await db.close()
            let now = Date()
            await #expect(throws: StorageError.self) {
                _ = try await PartyStore(database: db).create(try Party.create(PartyInput(kind: .person, surname: "Поздний"), id: .timeOrdered(at: now), now: now), identities: [])
            }
        }
    }

    @Test func acknowledgedWriteIsThereAfterReopening() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-dur-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("d.sqlite").path
        let now = Date()
        let db = try await Database.open(.sqlite(path: path), durability: .full)
        try await Migrator(database: db).migrate()
        let party = try Party.create(PartyInput(kind: .person, surname: "Стойкий"), id: .timeOrdered(at: now), now: now)
        _ = try await PartyStore(database: db).create(party, identities: [])
        await db.close()
        let reopened = try await Database.open(.sqlite(path: path))
        #expect(try await PartyStore(database: reopened).get(party.id)?.party.surname == "Стойкий")
        await reopened.close()
    }
}

/// The audit trail cannot be rewritten: the database itself refuses updates and deletes, except
/// retention's deletes below the cutoff it announces in the same transaction.
@Suite struct AuditStoreTests {
    @Test(arguments: TestEngine.available)
    func auditEventsAreAppendOnlyAndOnlyRetentionRemovesOldOnes(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let old = Date(timeIntervalSince1970: 1_700_000_000), recent = Date(timeIntervalSince1970: 1_795_000_000)
            let events = [old, recent].map {
                AuditEvent(id: UUID(), at: $0, actorKind: "user", actorId: UUID(), action: .read, route: "GET /api/v1/parties/{id}",
                           partyId: UUID(), status: 200, requestId: "r")
            }
            try await AuditStore(database: db).append(events)
            await #expect(throws: (any Error).self) {
                try await db.write { sql in try await sql.raw("UPDATE audit_events SET status = 500").run() }
            }
            await #expect(throws: (any Error).self) {
                try await db.write { sql in try await sql.raw("DELETE FROM audit_events").run() }
            }
            let report = try await PrivacyStore(database: db).applyRetention([RetentionRule(kind: .auditEvents, keepDays: 400)], at: recent)
            #expect(report.lines.map(\.rows) == [1])
            let left = try await AuditStore(database: db).query(AuditQuery()).items
            #expect(left.map(\.at) == [recent])
        }
    }
}

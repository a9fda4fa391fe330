import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

/// Several Rapport nodes on one database: live views that follow across nodes, work one node at a
/// time, reporting reads on a replica; and the SQLite backup round trip.
@Suite struct ScaleTests {
    static var postgres: Bool { TestEngine.available.contains(.postgres) }

    /// Keeps what a live stream delivers, so a test can wait for one message after another.
    actor Screen {
        private var seen: [LiveMessage] = []
        private var reader: Task<Void, Never>?

        init(_ stream: AsyncStream<LiveMessage>) {
            Task { await self.start(stream) }
        }

        private func start(_ stream: AsyncStream<LiveMessage>) {
            reader = Task { for await m in stream { self.add(m) } }
        }

        private func add(_ m: LiveMessage) { seen.append(m) }

        /// The first message seen that `match` accepts, waiting up to `limit` (a guard against a
        /// hang, not a speed check).
        func first(limit: Duration = .seconds(20), where match: (LiveMessage) -> Bool) async -> LiveMessage? {
            let end = ContinuousClock.now + limit
            while ContinuousClock.now < end {
                if let m = seen.first(where: match) { return m }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }

        func stop() { reader?.cancel() }
    }

    @Test(.enabled(if: postgres))
    func aContactRoutedOnOneNodePopsTheCardOnTheAgentsStreamOnAnotherNode() async throws {
        try await withPostgresTestDatabases(count: 1) { urls in
            let dbA = try await Database.open(.postgres(url: urls[0]))
            let dbB = try await Database.open(.postgres(url: urls[0]))
            let nodeA = Services(database: dbA, clock: SystemClock(), normalizer: IdentityNormalizer())
            let nodeB = Services(database: dbB, clock: SystemClock(), normalizer: IdentityNormalizer())
            let relay = Task { await nodeB.contactCentre.relayOtherNodes() }
            defer { relay.cancel() }
            // Given Ivan, a queue and Anna, whose browser is connected to node B
            _ = try await nodeA.parties.create(PartyInput(kind: .person, surname: "Петров", givenName: "Иван",
                                                          identities: [IdentityInput(kind: .phone, value: "+7 916 123 45 67")]))
            _ = try await nodeA.contactCentre.createQueue(ContactQueueInput(key: "retail", name: "Retail", channel: .phone, skills: ["ru"]))
            let anna = try await nodeA.contactCentre.createAgent(AgentInput(key: "anna", displayName: "Anna", skills: ["ru"]))
            let annaScreen = Screen(nodeB.contactCentre.live.subscribe(agentId: anna.id))
            let board = Screen(nodeB.contactCentre.supervisorStream())
            // (node B listens once a signal sent now comes through)
            var listening = false
            for _ in 0..<300 where !listening {
                await nodeA.contactCentre.bus.publish([.agentState(anna.id)])
                listening = await annaScreen.first(limit: .milliseconds(200)) { if case .agentState = $0 { true } else { false } } != nil
            }
            #expect(listening)
            // When she becomes available and the switch posts a call from Ivan's number, both to node A
            _ = try await nodeA.contactCentre.setAgentState(anna.id, .available)
            let result = try await nodeA.contactCentre.ingest([
                ContactEventInput(eventId: "e1", type: .offered, contactId: "call-1", channel: .phone, address: "8 916 123 45 67"),
                ContactEventInput(eventId: "e2", type: .queued, contactId: "call-1", queue: "retail"),
            ])
            #expect(result.assignments.map(\.agent) == ["anna"])
            // Then Anna's screen on node B pops the contact with Ivan's card
            let offer = await annaScreen.first { if case .offer = $0 { true } else { false } }
            guard case .offer(let shown)? = offer else {
                Issue.record("no offer reached node B")
                return
            }
            #expect(shown.contact.externalId == "call-1")
            #expect(shown.card?.party.displayName == "Петров Иван")
            // And node B's wallboard shows her on the contact
            let onContact = await board.first { if case .wallboard(let w) = $0 { w.agentsByState["on_contact"] == 1 } else { false } }
            #expect(onContact != nil)
            await annaScreen.stop()
            await board.stop()
            await dbA.close()
            await dbB.close()
        }
    }

    @Test(.enabled(if: postgres))
    func nodesStartingTogetherApplyTheMigrationsOnce() async throws {
        try await withPostgresTestDatabases(count: 1, migrated: false) { urls in
            var nodes: [Database] = []
            for _ in 0..<3 { nodes.append(try await Database.open(.postgres(url: urls[0]))) }
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for db in nodes { group.addTask { try await Migrator(database: db).migrate() } }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            // Each migration was applied by exactly one of them (none twice, none failed).
            let all = try await Migrator(database: nodes[0]).appliedIds()
            #expect(!all.isEmpty)
            #expect(applied.flatMap { $0 }.sorted() == all)
            for db in nodes { await db.close() }
        }
    }

    @Test(arguments: TestEngine.available)
    func onlyOneNodeHoldsAClaimUntilItIsReleasedOrRunsOut(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let claims = WorkClaims(database: db)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try await claims.claim("value_schedule", holder: "a", until: now.addingTimeInterval(60), now: now))
            #expect(try await claims.claim("value_schedule", holder: "b", until: now.addingTimeInterval(60), now: now) == false)
            // the holder may extend it
            #expect(try await claims.claim("value_schedule", holder: "a", until: now.addingTimeInterval(120), now: now))
            // another name is free
            #expect(try await claims.claim("other", holder: "b", until: now.addingTimeInterval(60), now: now))
            // a dead holder's claim runs out
            #expect(try await claims.claim("value_schedule", holder: "b", until: now.addingTimeInterval(300), now: now.addingTimeInterval(121)))
            // released, it is free at once
            try await claims.release("value_schedule", holder: "b")
            #expect(try await claims.claim("value_schedule", holder: "c", until: now.addingTimeInterval(400), now: now.addingTimeInterval(122)))
        }
    }

    @Test(.enabled(if: postgres))
    func ofNodesAskingForAClaimAtOnceExactlyOneGetsIt() async throws {
        try await withPostgresTestDatabases(count: 1) { urls in
            // Separate handles: each node's claim in a transaction of its own.
            var nodes: [Database] = []
            for _ in 0..<6 { nodes.append(try await Database.open(.postgres(url: urls[0]))) }
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            for round in 0..<5 {
                let won = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for (i, db) in nodes.enumerated() {
                        group.addTask { try await WorkClaims(database: db).claim("race-\(round)", holder: "n\(i)", until: now.addingTimeInterval(60), now: now) }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(won == 1)
            }
            for db in nodes { await db.close() }
        }
    }

    @Test(.enabled(if: postgres))
    func reportingReadsGoToTheReplicaAndEverythingElseToThePrimary() async throws {
        try await withPostgresTestDatabases(count: 2) { urls in
            // A "replica" that lags: the second database holds an older state (one survey-free month).
            let db = try await Database.open(.postgres(url: urls[0]), replica: urls[1])
            #expect(db.hasReplica)
            let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer())
            let people = SegmentDefinition(conditions: [SegmentCondition(field: "party.kind", op: .eq, value: .string("person"))])
            var ids: [UUID] = []
            for name in ["Иван", "Пётр", "Анна"] {
                ids.append(try await services.parties.create(PartyInput(kind: .person, surname: "Петров", givenName: name)).party.id)
            }
            // the writes went to the primary, the reported count to the replica (empty: it has not
            // caught up), while a decision (a campaign's target) counts on the primary
            #expect(try await services.analytics.count(people, onReplica: true) == 0)
            #expect(try await services.analytics.count(people) == 3)
            let primary = try await Database.open(.postgres(url: urls[0]))
            let direct = Services(database: primary, clock: SystemClock(), normalizer: IdentityNormalizer())
            for id in ids { #expect(try await direct.parties.get(id).party.id == id) }
            #expect(try await direct.analytics.count(people) == 3)
            await primary.close()
            await db.close()
        }
    }

    @Test func aBackupTakenWhileRapportWritesRestoresToTheSameRowsAndChecksums() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-backup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let live = dir.appendingPathComponent("live.sqlite").path
        let copy = dir.appendingPathComponent("backups/copy.sqlite").path
        let db = try await Database.open(.sqlite(path: live))
        try await Migrator(database: db).migrate()
        let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer())
        _ = try await DemoDataSet(services: services).load()
        // Given Rapport still open and writing while the backup is taken
        let writer = Task {
            for i in 0..<50 {
                _ = try await services.parties.create(PartyInput(kind: .person, surname: "Writer", givenName: "N\(i)"))
            }
        }
        let backedUp = try await SQLiteBackup.backup(from: live, to: copy)
        try await writer.value
        _ = try await services.parties.create(PartyInput(kind: .person, surname: "After"))
        let partiesInCopy = try #require(backedUp.first { $0.table == "parties" }).rows
        #expect(partiesInCopy > 0)
        #expect(backedUp.contains { $0.table == "interactions" && $0.rows > 0 })
        // A second backup to the same file is refused and leaves it alone
        await #expect(throws: SQLiteBackup.Failure.self) { try await SQLiteBackup.backup(from: live, to: copy) }
        // When it is restored over another database
        let restoredPath = dir.appendingPathComponent("restored.sqlite").path
        let other = try await Database.open(.sqlite(path: restoredPath))
        try await Migrator(database: other).migrate()
        await other.close()
        await #expect(throws: SQLiteBackup.Failure.self) { try await SQLiteBackup.restore(from: copy, to: restoredPath, replace: false) }
        let restored = try await SQLiteBackup.restore(from: copy, to: restoredPath, replace: true)
        // Then it holds exactly the backup's rows, and Rapport opens it
        #expect(restored == backedUp)
        #expect(try await SQLiteBackup.digest(restoredPath) == backedUp)
        let reopened = try await Database.open(.sqlite(path: restoredPath))
        #expect(try await Migrator(database: reopened).migrate().isEmpty)
        #expect(try await reopened.partyCount() == partiesInCopy)
        await reopened.close()
        // and the live database has moved on since (the checksums tell)
        await db.close()
        let now = try await SQLiteBackup.digest(live)
        #expect((now.first { $0.table == "parties" }?.rows ?? 0) > partiesInCopy)
        #expect(now != backedUp)
        // A file that is not a Rapport database is refused
        let stray = dir.appendingPathComponent("stray.sqlite").path
        FileManager.default.createFile(atPath: stray, contents: Data())
        await #expect(throws: SQLiteBackup.Failure.self) { try await SQLiteBackup.restore(from: stray, to: restoredPath, replace: true) }
        #expect(try await SQLiteBackup.digest(restoredPath) == backedUp)
    }
}

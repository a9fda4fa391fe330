import Foundation
import RapportCore
import RapportStorage
import RapportTestSupport
import Testing

/// Contact events and service figures on every engine: the figures' SQL differs per dialect.
@Suite struct ContactCentreStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    func agent(_ key: String) -> Agent {
        Agent(id: .timeOrdered(at: t0), key: key, displayName: key.capitalized, userId: nil, skills: ["ru"], state: .offline, stateSince: t0,
              createdAt: t0, updatedAt: t0)
    }

    @Test(arguments: TestEngine.available)
    func eventsMoveContactsAndAgentsAndTheFiguresAddUpOnEveryEngine(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { db in
            let store = ContactCentreStore(database: db), parties = PartyStore(database: db), trail = InteractionStore(database: db)
            // Given two customers, a queue and two available agents
            var partyIds: [UUID] = []
            for name in ["Петров", "Смирнова"] {
                let p = try Party.create(PartyInput(kind: .person, surname: name, givenName: "Тест"), id: .timeOrdered(at: t0), now: t0)
                partyIds.append(try await parties.create(p, identities: []).party.id)
            }
            let queue = try await store.createQueue(try ContactQueueInput(key: "retail", name: "Retail", channel: .phone, skills: ["ru"])
                .make(id: .timeOrdered(at: t0), now: t0))
            let anna = try await store.createAgent(agent("anna")), boris = try await store.createAgent(agent("boris"))
            _ = try await store.setAgentState(anna.id, to: .available, at: t0)
            _ = try await store.setAgentState(boris.id, to: .available, at: t0)
            func at(_ s: Double) -> Date { t0.addingTimeInterval(s) }
            var n = 0
            func offer(_ id: String, _ party: UUID, _ s: Double) async throws -> PreparedContactEvent {
                let entry = try await trail.append(Interaction(id: .timeOrdered(at: at(s)), partyId: party, channel: .phone, direction: .inbound,
                                                               occurredAt: at(s), createdAt: at(s)))
                n += 1
                return PreparedContactEvent(eventId: "e\(n)", type: .offered, externalId: id, occurredAt: at(s),
                                            offer: ServiceContact(id: .timeOrdered(at: at(s)), externalId: id, channel: .phone, partyId: party,
                                                                  interactionId: entry.id, valueTier: nil, language: nil, offeredAt: at(s)))
            }
            func ev(_ type: ContactEventType, _ id: String, _ s: Double, agent: String? = nil, queue: String? = nil, resolved: Bool? = nil) -> PreparedContactEvent {
                n += 1
                return PreparedContactEvent(eventId: "e\(n)", type: type, externalId: id, occurredAt: at(s), agentKey: agent, queueKey: queue,
                                            outcome: resolved.map { $0 ? "solved" : "open" }, resolved: resolved)
            }
            // When the same small day as the API test is applied (c1 queued first)
            var events = [try await offer("c1", partyIds[0], 0), ev(.queued, "c1", 0, queue: "retail"), ev(.answered, "c1", 10, agent: "anna")]
            events += [try await offer("c2", partyIds[1], 100), ev(.ended, "c1", 110), ev(.answered, "c2", 130, agent: "boris"),
                       ev(.wrapUp, "c1", 130, resolved: true)]
            events += [try await offer("c3", partyIds[1], 200), ev(.abandoned, "c3", 215), ev(.ended, "c2", 230), ev(.wrapUp, "c2", 240, resolved: false)]
            events += [try await offer("c4", partyIds[0], 300), ev(.answered, "c4", 305, agent: "anna"), ev(.ended, "c4", 365),
                       ev(.wrapUp, "c4", 375, resolved: true)]
            let applied = try await store.apply(events, receivedAt: at(400))
            #expect(applied.allSatisfy { $0.status == .applied }, "\(applied.compactMap(\.error))")
            // And a duplicate and a bad one come in a second batch
            let second = try await store.apply([ev(.held, "c4", 400), PreparedContactEvent(eventId: "e1", type: .offered, externalId: "c1", occurredAt: at(0))],
                                               receivedAt: at(401))
            #expect(second.map(\.status) == [.rejected, .duplicate])
            for (c, score) in [("c1", 5), ("c2", 3), ("c4", 4)] {
                try await store.recordSurveyAnswer(contactId: try #require(try await store.contact(externalId: c)).id, score: score, channel: .sms,
                                                   interaction: nil, at: at(500))
            }
            // Then contacts and agents are where the events left them
            #expect(try await store.contact(externalId: "c1")?.state == .wrapped)
            #expect(try await store.contact(externalId: "c1")?.nextContactAt == at(300))
            #expect(try await store.agents(state: .available).count == 2)
            #expect(try await store.events(contactId: try #require(try await store.contact(externalId: "c4")).id).map(\.type) == [.offered, .answered, .ended, .wrapUp])
            // And the figures are the hand-computed ones
            let q = FigureQuery(from: at(-3600), to: at(86_400), serviceLevelSeconds: 20, resolutionWindowDays: 7)
            let total = ServiceFigures(key: "total", totals: try #require(try await store.serviceTotals(q)["total"]))
            #expect(total.contacts == 4 && total.answered == 3 && total.abandoned == 1)
            #expect(total.averageSpeedOfAnswerSeconds == 15 && total.averageHandlingSeconds == 100 && total.serviceLevel == 0.5)
            #expect(total.totals.resolvedFirstContact == 1 && total.totals.wrappedUp == 3)
            #expect(total.totals.surveyAnswers == 3 && total.totals.surveySatisfied == 2 && total.totals.surveyScoreSum == 12)
            var shortWindow = q
            shortWindow.resolutionWindowDays = 1
            shortWindow.serviceLevelSeconds = 10
            let short = try #require(try await store.serviceTotals(shortWindow)["total"])
            #expect(short.answeredWithinThreshold == 2 && short.resolvedFirstContact == 1)
            var byAgent = q; byAgent.groupBy = .agent
            let agents = try await store.serviceTotals(byAgent)
            #expect(agents[anna.id.uuidString]?.answered == 2 && agents[boris.id.uuidString]?.answered == 1 && agents["none"]?.abandoned == 1)
            var byQueue = q; byQueue.groupBy = .queue
            #expect(try await store.serviceTotals(byQueue)[queue.id.uuidString]?.offered == 1)
            var byDay = q; byDay.groupBy = .day
            #expect(try await store.serviceTotals(byDay) == ["2026-11-18": total.totals])
            var byChannel = q; byChannel.groupBy = .channel; byChannel.agentId = anna.id
            #expect(try await store.serviceTotals(byChannel)["phone"]?.answered == 2)
            #expect(try await store.complaintTotals(from: at(-3600), to: at(86_400)) == ComplaintFigures(opened: 0, resolved: 0, resolutionSecondsSum: 0))
        }
    }
}

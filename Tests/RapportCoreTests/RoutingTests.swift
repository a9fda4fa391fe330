import Foundation
import RapportCore
import Testing

@Suite struct RoutingTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))! }
    func contact(_ n: Int, tier: Int, waited: Double, needs: Set<String> = ["ru"], prefers: Set<String> = [], maxWait: Int = 60) -> WaitingContact {
        WaitingContact(id: id(n), requiredSkills: needs, preferredSkills: prefers, tierRank: tier, waitingSince: now.addingTimeInterval(-waited),
                       maxWaitSeconds: maxWait)
    }
    func agent(_ n: Int, skills: Set<String>, idle: Double) -> AvailableAgent {
        AvailableAgent(id: id(100 + n), skills: skills, idleSince: now.addingTimeInterval(-idle))
    }

    @Test func aMoreValuableCustomerIsServedFirstEvenWhenTheyArrivedLater() {
        // Given a bronze caller waiting 40 s and a gold caller waiting 5 s, one agent free
        let waiting = [contact(1, tier: 3, waited: 40), contact(2, tier: 1, waited: 5)]
        // When routing runs
        let result = Routing.assign(waiting: waiting, agents: [agent(1, skills: ["ru"], idle: 10)], now: now)
        // Then the gold caller gets the agent
        #expect(result == [RoutingAssignment(contactId: id(2), agentId: id(101), overdue: false)])
    }

    @Test func withinOneTierTheLongestWaitingGoesFirstToTheLongestIdleAgent() {
        let waiting = [contact(1, tier: 2, waited: 10), contact(2, tier: 2, waited: 30)]
        let agents = [agent(1, skills: ["ru"], idle: 5), agent(2, skills: ["ru"], idle: 50), agent(3, skills: ["ru"], idle: 20)]
        let result = Routing.assign(waiting: waiting, agents: agents, now: now)
        #expect(result.map(\.contactId) == [id(2), id(1)])
        #expect(result.map(\.agentId) == [id(102), id(103)])
    }

    @Test func aContactGoesOnlyToAnAgentWithTheNeededSkillAndDoesNotBlockOthers() {
        // Given a gold B2B caller no free agent can serve, and a silver Russian-speaking caller
        let waiting = [contact(1, tier: 0, waited: 10, needs: ["b2b"]), contact(2, tier: 2, waited: 5, needs: ["ru"])]
        let result = Routing.assign(waiting: waiting, agents: [agent(1, skills: ["ru", "en"], idle: 10)], now: now)
        // Then the silver caller is served, the B2B one keeps waiting
        #expect(result.map(\.contactId) == [id(2)])
    }

    @Test func theLongestIdleSkilledAgentIsChosenOverALongerIdleUnskilledOne() {
        let waiting = [contact(1, tier: 0, waited: 10, needs: ["mortgage"])]
        let agents = [agent(1, skills: ["ru"], idle: 500), agent(2, skills: ["mortgage", "ru"], idle: 30), agent(3, skills: ["mortgage"], idle: 60)]
        #expect(Routing.assign(waiting: waiting, agents: agents, now: now).map(\.agentId) == [id(103)])
    }

    @Test func preferredSkillsHoldUntilTheMaximumWaitThenAnySkilledAgentWillDo() {
        // Given an English-speaking customer in the Russian queue and only a Russian-only agent
        let agents = [agent(1, skills: ["ru"], idle: 10)]
        let early = contact(1, tier: 0, waited: 30, needs: ["ru"], prefers: ["en"], maxWait: 60)
        // Then before 60 s they wait for an English speaker
        #expect(Routing.assign(waiting: [early], agents: agents, now: now).isEmpty)
        // And after 60 s any agent with the queue's skill takes them, marked overdue
        let late = contact(1, tier: 0, waited: 61, needs: ["ru"], prefers: ["en"], maxWait: 60)
        #expect(Routing.assign(waiting: [late], agents: agents, now: now) == [RoutingAssignment(contactId: id(1), agentId: id(101), overdue: true)])
    }

    @Test func aContactPastItsMaximumWaitIsServedBeforeEveryTier() {
        // Given a bronze caller waiting 200 s (max 120) and a platinum caller just arrived
        let waiting = [contact(1, tier: 0, waited: 1, maxWait: 120), contact(2, tier: 3, waited: 200, maxWait: 120)]
        let result = Routing.assign(waiting: waiting, agents: [agent(1, skills: ["ru"], idle: 1)], now: now)
        #expect(result.map(\.contactId) == [id(2)])
    }

    @Test func oneFreeAgentAndManyAgentsGiveTheSameChoice() {
        // The single-agent shortcut must agree with the general matching.
        let waiting = (0..<50).map { contact($0, tier: $0 % 4, waited: Double(($0 * 37) % 90), needs: $0 % 3 == 0 ? ["en"] : ["ru"]) }
        let single = agent(1, skills: ["ru"], idle: 10)
        let viaShortcut = Routing.assign(waiting: waiting, agents: [single], now: now)
        let viaGroups = Routing.assign(waiting: waiting, agents: [single, agent(2, skills: ["zz"], idle: 1)], now: now)
        #expect(viaShortcut == viaGroups)
        #expect(viaShortcut.count == 1)
    }

    @Test func everyAgentGetsAtMostOneContactAndEveryContactAtMostOneAgent() {
        let waiting = (0..<300).map { contact($0, tier: $0 % 5, waited: Double($0 % 100), needs: [$0 % 2 == 0 ? "ru" : "en"]) }
        let agents = (0..<120).map { agent($0, skills: $0 % 3 == 0 ? ["ru", "en"] : ($0 % 3 == 1 ? ["ru"] : ["en"]), idle: Double($0)) }
        let result = Routing.assign(waiting: waiting, agents: agents, now: now)
        #expect(result.count == 120)
        #expect(Set(result.map(\.agentId)).count == result.count)
        #expect(Set(result.map(\.contactId)).count == result.count)
    }

    @Test func moreThanSixtyFourDistinctSkillsFollowTheSameRules() {
        // Given agents whose skills span 70 tokens, and contacts needing common and rare ones
        let agents = (0..<70).map { agent($0, skills: ["ru", "s\($0)"], idle: Double(100 - $0)) }
        let waiting = [contact(1, tier: 2, waited: 50, needs: ["ru"]), contact(2, tier: 0, waited: 5, needs: ["s69"]),
                       contact(3, tier: 1, waited: 9, needs: ["nobody-has-this"])]
        let result = Routing.assign(waiting: waiting, agents: agents, now: now)
        // Then the rare skill goes to its only holder, the common one to the longest idle, the impossible one waits
        #expect(result == [RoutingAssignment(contactId: id(2), agentId: id(169), overdue: false),
                           RoutingAssignment(contactId: id(1), agentId: id(100), overdue: false)])
    }

    @Test func unknownTiersRankAfterTheListedOnes() {
        let order = TierOrder(["gold", "silver"])
        #expect(order.rank("GOLD") == 0 && order.rank("silver") == 1 && order.rank("tin") == 2 && order.rank(nil) == 2)
    }

    @Test func queuesAreOpenOnlyInTheirWorkingHoursInTheirTimeZone() throws {
        let hours = try WorkingHours(timeZone: "Europe/Moscow", days: ["1": .init(from: "09:00", to: "21:00")]).validated()
        // 2026-11-23 is a Monday; 06:30 UTC is 09:30 in Moscow
        let mondayMorning = try Date("2026-11-23T06:30:00Z", strategy: .iso8601)
        let mondayNight = try Date("2026-11-23T18:30:00Z", strategy: .iso8601)
        let tuesday = try Date("2026-11-24T08:00:00Z", strategy: .iso8601)
        #expect(hours.isOpen(at: mondayMorning) && !hours.isOpen(at: mondayNight) && !hours.isOpen(at: tuesday))
        #expect(throws: RapportError.self) { try WorkingHours(timeZone: "Mars/Base", days: [:]).validated() }
        #expect(throws: RapportError.self) { try WorkingHours(timeZone: "UTC", days: ["8": .init(from: "09:00", to: "10:00")]).validated() }
        #expect(throws: RapportError.self) { try WorkingHours(timeZone: "UTC", days: ["1": .init(from: "19:00", to: "10:00")]).validated() }
    }
}

@Suite struct ContactLifecycleTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    func agent(_ key: String, _ state: AgentState = .available, on contact: UUID? = nil) -> Agent {
        Agent(id: UUID(), key: key, displayName: key, userId: nil, skills: ["ru"], state: state, stateSince: t0, contactId: contact, createdAt: t0, updatedAt: t0)
    }
    func fresh() -> ServiceContact {
        ServiceContact(id: UUID(), externalId: "call-1", channel: .phone, partyId: nil, interactionId: UUID(), valueTier: nil, language: nil, offeredAt: t0)
    }
    func apply(_ type: ContactEventType, _ seconds: Double, _ c: inout ServiceContact, named: Agent? = nil, target: Agent? = nil,
               resolved: Bool? = nil) throws -> [AgentChange] {
        try ContactLifecycle.apply(type, at: t0.addingTimeInterval(seconds), to: &c, agents: .init(named: named, target: target), queueId: UUID(),
                                   outcome: resolved == nil ? nil : "done", resolved: resolved, requestId: nil)
    }

    @Test func aCallGoesFromOfferToWrapUpWithItsTimesAndHold() throws {
        var c = fresh()
        let anna = agent("anna")
        _ = try apply(.queued, 2, &c)
        #expect(try apply(.routed, 10, &c, named: anna) == [AgentChange(agentId: anna.id, state: .onContact, contactId: c.id)])
        var busy = anna; busy.state = .onContact; busy.contactId = c.id
        _ = try apply(.answered, 14, &c, named: busy)
        _ = try apply(.held, 20, &c)
        _ = try apply(.resumed, 50, &c)
        #expect(try apply(.ended, 100, &c) == [AgentChange(agentId: anna.id, state: .wrapUp, contactId: c.id)])
        #expect(try apply(.wrapUp, 130, &c, resolved: true) == [AgentChange(agentId: anna.id, state: .available, contactId: nil)])
        #expect(c.state == .wrapped && c.holdSeconds == 30 && c.resolved == true && c.outcome == "done")
        #expect(c.queuedAt == t0.addingTimeInterval(2) && c.answeredAt == t0.addingTimeInterval(14) && c.wrappedAt == t0.addingTimeInterval(130))
    }

    @Test func impossibleTransitionsAreRefusedAndChangeNothing() throws {
        var c = fresh()
        let before = c
        #expect(throws: RapportError.self) { _ = try apply(.ended, 5, &c) }
        #expect(throws: RapportError.self) { _ = try apply(.wrapUp, 5, &c, resolved: true) }
        #expect(throws: RapportError.self) { _ = try apply(.resumed, 5, &c) }
        #expect(c == before)
        do {
            _ = try apply(.held, 5, &c)
            Issue.record("held before answered was accepted")
        } catch let error as RapportError {
            #expect(error.code == "invalid_transition" && error.details["state"] == "offered")
        }
    }

    @Test func anAgentOnAnotherContactCannotTakeASecond() throws {
        var c = fresh()
        let busy = agent("boris", .onContact, on: UUID())
        do {
            _ = try apply(.answered, 5, &c, named: busy)
            Issue.record("a busy agent answered a second contact")
        } catch let error as RapportError {
            #expect(error.code == "agent_not_available")
        }
        #expect(c.state == .offered && c.agentId == nil)
    }

    @Test func anEventOlderThanTheLastIsRefused() throws {
        var c = fresh()
        _ = try apply(.queued, 10, &c)
        #expect(throws: RapportError.self) { _ = try apply(.abandoned, 5, &c) }
        #expect(c.state == .queued)
    }

    @Test func aTransferFreesTheFirstAgentAndRingsTheSecond() throws {
        var c = fresh()
        let anna = agent("anna"), boris = agent("boris")
        _ = try apply(.answered, 3, &c, named: anna)
        let changes = try apply(.transferred, 60, &c, target: boris)
        #expect(changes == [AgentChange(agentId: anna.id, state: .available, contactId: nil), AgentChange(agentId: boris.id, state: .onContact, contactId: c.id)])
        #expect(c.state == .routed && c.agentId == boris.id && c.transfers == 1 && c.answeredAt == t0.addingTimeInterval(3))
    }

    @Test func aContactAnsweredOnceAndTransferredToAQueueCannotAlsoBeAbandoned() throws {
        var c = fresh()
        _ = try apply(.answered, 3, &c, named: agent("anna"))
        _ = try apply(.transferred, 30, &c)
        #expect(c.state == .queued && c.queuedAt == nil && c.answeredAt == t0.addingTimeInterval(3))
        #expect(throws: RapportError.self) { _ = try apply(.abandoned, 40, &c) }
    }

    @Test func anAbandonedRingingContactFreesItsAgent() throws {
        var c = fresh()
        let anna = agent("anna")
        _ = try apply(.routed, 3, &c, named: anna)
        #expect(try apply(.abandoned, 9, &c) == [AgentChange(agentId: anna.id, state: .available, contactId: nil)])
        #expect(c.state == .abandoned && c.abandonedAt == t0.addingTimeInterval(9))
    }
}

@Suite struct ServiceFiguresTests {
    @Test func ratesAreComputedFromTheTotalsAndAreNilWithNothingToDivideBy() {
        var t = ServiceTotals()
        t.offered = 10; t.answered = 8; t.abandoned = 2; t.answeredWithinThreshold = 6; t.answerWaitSeconds = 120
        t.handled = 8; t.handleSeconds = 2400; t.wrappedUp = 8; t.resolvedFirstContact = 6; t.surveyAnswers = 4; t.surveySatisfied = 3; t.surveyScoreSum = 17
        let f = ServiceFigures(key: "total", totals: t)
        #expect(f.averageSpeedOfAnswerSeconds == 15 && f.averageHandlingSeconds == 300 && f.abandonmentRate == 0.2)
        #expect(f.serviceLevel == 0.6 && f.firstContactResolution == 0.75 && f.csat == 0.75 && f.csatAverage == 4.25)
        let empty = ServiceFigures(key: "x", totals: ServiceTotals())
        #expect(empty.serviceLevel == nil && empty.averageSpeedOfAnswerSeconds == nil && empty.csat == nil)
    }

    @Test func complaintFiguresGiveTheShareResolvedAndTheAverageTime() {
        let c = ComplaintFigures(opened: 4, resolved: 3, resolutionSecondsSum: 3 * 7200)
        #expect(c.resolutionRate == 0.75 && c.averageResolutionHours == 2)
        #expect(ComplaintFigures(opened: 0, resolved: 0, resolutionSecondsSum: 0).resolutionRate == nil)
    }

    @Test func theIVRSpeaksTheOrderStatusInRussianAndEnglish() throws {
        let date = try CivilDate(year: 2026, month: 12, day: 3)
        #expect(IVRScript.status(number: "1042", status: .shipped, shipment: .inTransit, delivery: date, .ru)
            == "Ваш заказ номер 1 0 4 2 передан в доставку. Ожидаемая дата доставки — 3 декабря.")
        #expect(IVRScript.status(number: "1042", status: .shipped, shipment: .inTransit, delivery: date, .en)
            == "Your order number 1 0 4 2 is on its way. The expected delivery date is December 3.")
        #expect(IVRScript.orderNumber(fromDigits: "10 42#") == "1042")
        #expect(IVRScript.orderNumber(fromDigits: "12a") == nil && IVRScript.orderNumber(fromDigits: "") == nil)
    }
}

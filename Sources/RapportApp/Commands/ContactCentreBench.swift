import Foundation
import Hummingbird
import RapportCore
import RapportEngine
import RapportServer
import RapportStorage

/// The contact-centre scenarios of `rapport bench`: routing decisions in-process, CTI events over
/// HTTP, service figures over a month of a 200-agent centre.
struct ContactCentreBench {
    let runtime: RapportRuntime
    let reads: Int
    let json: Bool

    /// 500 agents, 2 000 waiting contacts: whole routing passes (each assigns up to 500), and one
    /// agent becoming free among 2 000 waiting (the common event), timed separately.
    func routing() async throws -> BenchResult {
        var rng = SplitMix64(seed: 5)
        let now = Date()
        let skillSets: [Set<String>] = [["ru"], ["ru", "en"], ["ru", "b2b"], ["ru", "mortgage"], ["en"], ["ru", "en", "b2b"]]
        let agents = (0..<500).map { AvailableAgent(id: UUID(), skills: skillSets[$0 % skillSets.count], idleSince: now.addingTimeInterval(-Double(rng.next() % 600))) }
        let needs: [Set<String>] = [["ru"], ["ru"], ["ru"], ["en"], ["b2b"], ["mortgage"]]
        let waiting = (0..<2000).map { i in
            WaitingContact(id: UUID(), requiredSkills: needs[i % needs.count], preferredSkills: i % 7 == 0 ? ["en"] : [], tierRank: Int(rng.next() % 5),
                           waitingSince: now.addingTimeInterval(-Double(rng.next() % 300)), maxWaitSeconds: 120)
        }
        var decisions = 0
        var latencies: [Double] = []
        let passes = max(50, reads / 50)
        let start = ContinuousClock.now
        for _ in 0..<passes {
            let t0 = ContinuousClock.now
            decisions += Routing.assign(waiting: waiting, agents: agents, now: now).count
            latencies.append(BenchCommand.millis(ContinuousClock.now - t0))
        }
        let seconds = BenchCommand.millis(ContinuousClock.now - start) / 1000
        var single: [Double] = []
        for i in 0..<reads {
            let t0 = ContinuousClock.now
            _ = Routing.assign(waiting: waiting, agents: [agents[i % agents.count]], now: now)
            single.append(BenchCommand.millis(ContinuousClock.now - t0))
        }
        single.sort()
        var result = BenchResult(scenario: "routing", opsPerSecond: Double(decisions) / seconds, latencies: latencies, parties: 0, interactions: 0)
        result.extra = [("agents", "500"), ("waiting", "2000"), ("decisions_per_pass", "\(decisions / passes)"),
                        ("one_free_agent_p50_ms", String(format: "%.4f", single[single.count / 2])),
                        ("one_free_agent_p99_ms", String(format: "%.4f", single[min(single.count - 1, single.count * 99 / 100)]))]
        return result
    }

    /// wrk posts batches of CTI events (each contact's whole life: offered with a caller number,
    /// queued, answered, ended, wrapped up) to an in-process server on loopback; ops = events/s.
    func ctiEvents(connections: Int, seconds: Int, contactsPerRequest: Int) async throws -> BenchResult {
        guard let _ = HTTPBench.which("wrk") else { throw CommandFailure("cti-events needs wrk (Debian: apt-get install wrk)") }
        let services = runtime.services
        let parties = try await runtime.database.partyCount()
        if try await services.contactCentre.queues().contains(where: { $0.key == "bench" }) == false {
            _ = try await services.contactCentre.createQueue(ContactQueueInput(key: "bench", name: "Bench", channel: .phone, skills: ["ru"]))
        }
        // Each wrk thread has its own agents, twice as many as its requests in flight can use, so no
        // agent is ever asked to take two contacts at once (the platform would not do that either).
        let threads = 2
        let perThread = 2 * max(1, connections / threads) * contactsPerRequest
        let existing = Set(try await services.contactCentre.agents().map(\.key))
        for t in 0..<threads {
            for n in 0..<perThread where !existing.contains("bench-\(t)-\(n)") {
                let agent = try await services.contactCentre.createAgent(AgentInput(key: "bench-\(t)-\(n)", displayName: "Bench \(t)-\(n)", skills: ["ru"]))
                _ = try await services.contactCentre.setAgentState(agent.id, .available)
            }
        }
        let token = try await services.access.issueToken(APITokenInput(name: "cti-events bench", scopes: [.cti]), by: nil)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-cti-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let script = work.appendingPathComponent("cti.lua")
        try Self.ctiScript(parties: max(parties, 1), agents: perThread, perRequest: contactsPerRequest, token: token.secret, run: UUID().uuidString.prefix(8).lowercased())
            .write(to: script, atomically: true, encoding: .utf8)
        let port = 18_091
        let app = Application(router: RapportRouter.build(services: services, options: HTTPOptions(requestsPerSecond: 10_000_000)),
                              configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Rapport"), logger: HTTPBench.quietLogger)
        let server = Task { try await app.run() }
        defer { server.cancel() }
        try await HTTPBench.waitForPort(port)
        let countBefore = try await ContactCentreStore(database: runtime.database).contactCount()
        let r = try HTTPBench.wrk(["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--timeout", "30s", "--latency", "-s", script.path, "http://127.0.0.1:\(port)/api/v1/cti/events"])
        guard r.errors == 0 else { throw CommandFailure("\(r.errors) CTI requests failed: \(r.errorLines.joined(separator: "; "))") }
        server.cancel()
        let made = try await ContactCentreStore(database: runtime.database).contactCount() - countBefore
        let totals = try await ContactCentreStore(database: runtime.database).serviceTotals(
            FigureQuery(from: Date().addingTimeInterval(-3600), to: Date().addingTimeInterval(3600)))["total"]
        let wrapped = totals?.wrappedUp ?? 0
        // Every contact sent must have lived its whole life: a refused event would show here.
        guard wrapped == totals?.offered else { throw CommandFailure("\((totals?.offered ?? 0) - wrapped) contacts were not wrapped up: events were refused") }
        let eventsPerRequest = Double(contactsPerRequest * 5)
        var result = BenchResult(scenario: "cti-events", opsPerSecond: r.requestsPerSecond * eventsPerRequest, latencies: [], parties: parties,
                                 interactions: try await InteractionStore(database: runtime.database).count())
        result.percentiles = [0.5: r.p50, 0.99: r.p99]
        result.extra = [("connections", "\(connections)"), ("events_per_request", "\(Int(eventsPerRequest))"),
                        ("requests_per_s", String(format: "%.1f", r.requestsPerSecond)), ("contacts_made", "\(made)"),
                        ("contacts_wrapped_last_hour", "\(wrapped)"), ("durability", "\"\(runtime.config.durability.rawValue)\"")]
        return result
    }

    static func ctiScript(parties: Int, agents: Int, perRequest: Int, token: String, run: String) -> String {
        """
        local counter = 0
        local thread_id = 0
        setup = function(thread)
          thread:set("thread_id", counter)
          counter = counter + 1
        end
        local n = 0
        request = function()
          n = n + 1
          local parts = {}
          for k = 1, \(perRequest) do
            local c = "\(run)-" .. thread_id .. "-" .. n .. "-" .. k
            local d = string.format("9%09d", math.random(0, \(parties - 1)))
            local agent = "bench-" .. thread_id .. "-" .. ((n * \(perRequest) + k) % \(agents))
            local addr = "8 (" .. d:sub(1,3) .. ") " .. d:sub(4,6) .. "-" .. d:sub(7,8) .. "-" .. d:sub(9,10)
            parts[#parts + 1] = '{"event_id":"' .. c .. '-o","type":"offered","contact_id":"' .. c .. '","channel":"phone","address":"' .. addr .. '"}'
            parts[#parts + 1] = '{"event_id":"' .. c .. '-q","type":"queued","contact_id":"' .. c .. '","queue":"bench"}'
            parts[#parts + 1] = '{"event_id":"' .. c .. '-a","type":"answered","contact_id":"' .. c .. '","agent":"' .. agent .. '"}'
            parts[#parts + 1] = '{"event_id":"' .. c .. '-e","type":"ended","contact_id":"' .. c .. '"}'
            parts[#parts + 1] = '{"event_id":"' .. c .. '-w","type":"wrap_up","contact_id":"' .. c .. '","outcome":"ok","resolved":true}'
          end
          local body = '{"events":[' .. table.concat(parts, ",") .. ']}'
          return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer \(token)"}, body)
        end
        """
    }

    /// A month of a 200-agent centre (`contacts`, about 1M): generated contacts and survey answers
    /// loaded once, then the figures timed — total, by agent, by day.
    func serviceFigures(contacts: Int) async throws -> BenchResult {
        let store = ContactCentreStore(database: runtime.database)
        let monthEnd = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01T00:00:00Z
        let monthStart = monthEnd.addingTimeInterval(-30 * 86_400)
        if try await store.contactCount() < contacts {
            try await generateMonth(contacts: contacts, from: monthStart, store: store)
        }
        var latencies: [Double] = []
        let groupings: [FigureGrouping] = [.total, .agent, .day, .queue]
        for g in groupings { _ = try await runtime.services.contactCentre.figures(FigureQuery(from: monthStart, to: monthEnd, groupBy: g)) }  // warm-up
        let runs = max(3, reads / 1000)
        var totalContacts = 0
        let start = ContinuousClock.now
        for i in 0..<runs {
            let t0 = ContinuousClock.now
            let report = try await runtime.services.contactCentre.figures(FigureQuery(from: monthStart, to: monthEnd, groupBy: groupings[i % groupings.count]))
            latencies.append(BenchCommand.millis(ContinuousClock.now - t0))
            totalContacts = report.total.contacts
        }
        let seconds = BenchCommand.millis(ContinuousClock.now - start) / 1000
        var result = BenchResult(scenario: "service-figures", opsPerSecond: Double(runs) / seconds, latencies: latencies,
                                 parties: try await runtime.database.partyCount(), interactions: try await InteractionStore(database: runtime.database).count())
        result.extra = [("contacts_in_month", "\(totalContacts)"), ("agents", "200"), ("groupings", "\"total, agent, day, queue\"")]
        return result
    }

    func generateMonth(contacts: Int, from start: Date, store: ContactCentreStore) async throws {
        let entries = try await store.interactionsForContacts(limit: contacts)
        guard !entries.isEmpty else { throw CommandFailure("service-figures needs a data set with interactions (bench load first)") }
        let cc = runtime.services.contactCentre
        var queueIds: [UUID] = []
        for key in ["fig-retail", "fig-b2b", "fig-chat", "fig-vip"] {
            if let q = try await cc.queues().first(where: { $0.key == key }) { queueIds.append(q.id); continue }
            queueIds.append(try await cc.createQueue(ContactQueueInput(key: key, name: key, channel: key == "fig-chat" ? .chat : .phone, skills: [])).id)
        }
        var agentIds: [UUID] = []
        let existing = Dictionary(uniqueKeysWithValues: try await cc.agents().map { ($0.key, $0.id) })
        for n in 0..<200 {
            let key = String(format: "fig-%03d", n)
            if let id = existing[key] { agentIds.append(id); continue }
            agentIds.append(try await cc.createAgent(AgentInput(key: key, displayName: "Agent \(n)", skills: ["ru"])).id)
        }
        var rng = SplitMix64(seed: 99)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        func exponential(_ mean: Double) -> Double { -mean * log(1 - uniform()) }
        let chunk = 50_000
        var made = 0
        while made < contacts {
            var batch: [ServiceContact] = []
            var surveys: [(contactId: UUID, score: Int, at: Date)] = []
            for i in made..<min(contacts, made + chunk) {
                let entry = entries[i % entries.count]
                // Contacts are stored as they are offered: in time order.
                let offered = start.addingTimeInterval((Double(i) + uniform()) * 30 * 86_400 / Double(contacts))
                var c = ServiceContact(id: .timeOrdered(at: offered), externalId: "fig-\(i)", channel: .phone, partyId: entry.partyId,
                                       interactionId: entry.id, valueTier: nil, language: nil, offeredAt: offered)
                c.queueId = queueIds[i % queueIds.count]
                c.queuedAt = offered.addingTimeInterval(5)
                let wait = exponential(25)
                if uniform() < 0.07 {
                    c.state = .abandoned
                    c.abandonedAt = c.queuedAt!.addingTimeInterval(wait)
                } else {
                    c.state = .wrapped
                    c.agentId = agentIds[Int(rng.next() % 200)]
                    c.routedAt = c.queuedAt!.addingTimeInterval(wait)
                    c.answeredAt = c.routedAt!.addingTimeInterval(3)
                    c.endedAt = c.answeredAt!.addingTimeInterval(20 + exponential(240))
                    c.wrappedAt = c.endedAt!.addingTimeInterval(exponential(30))
                    c.resolved = uniform() < 0.78
                    c.outcome = c.resolved == true ? "resolved" : "follow-up"
                    if uniform() < 0.12 { c.nextContactAt = c.wrappedAt!.addingTimeInterval(uniform() * 10 * 86_400) }
                    if uniform() < 0.2 {
                        c.surveyScore = 1 + Int(rng.next() % 5)
                        surveys.append((c.id, c.surveyScore!, c.wrappedAt!.addingTimeInterval(600)))
                    }
                }
                c.lastEventAt = c.wrappedAt ?? c.abandonedAt ?? offered
                c.eventCount = c.state == .abandoned ? 3 : 6
                batch.append(c)
            }
            try await store.bulkLoad(contacts: batch, surveys: surveys)
            made += batch.count
            if !json { FileHandle.standardError.write("\rgenerated \(made)/\(contacts) contacts".data(using: .utf8)!) }
        }
        if !json { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }
}

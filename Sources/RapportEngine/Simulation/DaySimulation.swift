import Foundation
import RapportCore

/// A clock the simulation moves forward event by event.
public final class SimulatedClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    public init(_ start: Date) { current = start }
    public func now() -> Date { lock.withLock { current } }
    public func set(_ date: Date) { lock.withLock { if date > current { current = date } } }
}

/// A day of contact-centre traffic driven through the real engine: Poisson arrivals whose rate
/// follows the hour of the day, callers who give up when they wait too long, handling and wrap-up
/// times, holds, repeat calls, post-contact surveys. Routing is the engine's own; the simulation
/// plays the telephony platform (it answers what routing assigns). Deterministic for a seed.
public struct DaySimulation: Sendable {
    public struct Options: Sendable {
        public var day: CivilDate
        public var contacts: Int
        public var agents: Int
        /// Mean handling time (talk), seconds; wrap-up adds about 30 s.
        public var meanHandleSeconds: Double = 240
        /// Mean patience of a waiting caller, seconds.
        public var meanPatienceSeconds: Double = 120
        /// Share of contacts from someone who already called that day.
        public var repeatShare: Double = 0.12
        public var seed: UInt64 = 42
        public init(day: CivilDate, contacts: Int, agents: Int) { self.day = day; self.contacts = contacts; self.agents = agents }
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public var contacts = 0
        public var events = 0
        public var rejected = 0
        /// Why events were refused, by error code (a platform's late or crossing events).
        public var refusals: [String: Int] = [:]
        public var answered = 0
        public var abandoned = 0
        public var surveys = 0
        public var report: ServiceReport?
        public var description: String {
            var lines = ["simulated \(contacts) contacts, \(events) events (\(rejected) refused), \(answered) answered, \(abandoned) abandoned, \(surveys) survey answers"]
            if !refusals.isEmpty { lines.append("refused: " + refusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
            if let t = report?.total {
                func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
                func sec(_ v: Double?) -> String { v.map { String(format: "%.0f s", $0) } ?? "–" }
                lines.append("service level \(pct(t.serviceLevel)), ASA \(sec(t.averageSpeedOfAnswerSeconds)), AHT \(sec(t.averageHandlingSeconds)), abandonment \(pct(t.abandonmentRate)), FCR \(pct(t.firstContactResolution)), CSAT \(pct(t.csat))")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Share of the day's contacts arriving in each hour (local time of the day given, UTC here): a
    /// morning peak, a lunch dip, an evening shoulder.
    static let hourly: [Double] = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 8.0, 9.5, 9.0, 7.0, 7.5, 8.5, 8.5, 8.0, 7.0, 5.5, 4.0, 3.0, 2.0, 1.0, 0.5]

    let services: Services
    let clock: SimulatedClock
    public init(services: Services, clock: SimulatedClock) { self.services = services; self.clock = clock }

    enum Action { case arrive(Int), answer(String), hold(String), resume(String), end(String), wrap(String), giveUp(String), survey(String) }

    struct Agenda {
        var items: [(at: Date, seq: Int, action: Action)] = []
        var seq = 0
        mutating func add(_ at: Date, _ action: Action) {
            seq += 1
            // Binary insertion keeps the agenda sorted by time (ties in insertion order).
            var lo = 0, hi = items.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if (items[mid].at, items[mid].seq) < (at, seq) { lo = mid + 1 } else { hi = mid }
            }
            items.insert((at, seq, action), at: lo)
        }
        mutating func next() -> (Date, Action)? { items.isEmpty ? nil : { let i = items.removeFirst(); return (i.at, i.action) }() }
    }

    public func run(_ o: Options, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Summary {
        var rng = SplitMix64(seed: o.seed)
        let cc = services.contactCentre
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let dayStart = utc.date(from: DateComponents(year: o.day.year, month: o.day.month, day: o.day.day))!
        clock.set(dayStart)
        // Queues and agents of the simulated centre (made once, reused on later runs).
        let existingQueues = Set(try await cc.queues().map(\.key))
        if !existingQueues.contains("sim-retail") {
            _ = try await cc.createQueue(ContactQueueInput(key: "sim-retail", name: "Simulated retail / Розница (модель)", channel: .phone,
                                                           skills: ["ru"], serviceLevelSeconds: 20, maxWaitSeconds: 90))
        }
        if !existingQueues.contains("sim-b2b") {
            _ = try await cc.createQueue(ContactQueueInput(key: "sim-b2b", name: "Simulated business / Корпоративные (модель)", channel: .phone,
                                                           skills: ["b2b", "ru"], serviceLevelSeconds: 30, maxWaitSeconds: 120))
        }
        let agentsByKey = Dictionary(uniqueKeysWithValues: try await cc.agents().map { ($0.key, $0) })
        for n in 1...max(1, o.agents) {
            let key = String(format: "sim-%03d", n)
            var agent = agentsByKey[key]
            if agent == nil {
                agent = try await cc.createAgent(AgentInput(key: key, displayName: "Agent \(n) / Оператор \(n)", skills: n % 4 == 0 ? ["ru", "b2b"] : ["ru", "en"]))
            }
            if agent!.state != .available && agent!.state != .onContact { _ = try await cc.setAgentState(agent!.id, .available) }
        }
        // Arrivals: the day's contacts spread over the hours by an inhomogeneous Poisson process.
        var agenda = Agenda()
        let weightSum = Self.hourly.reduce(0, +)
        var arrivals: [Date] = []
        for (hour, weight) in Self.hourly.enumerated() {
            let rate = Double(o.contacts) * weight / weightSum / 3600  // per second
            var t = Double(hour) * 3600
            while true {
                t += rng.exponential(mean: 1 / rate)
                if t >= Double(hour + 1) * 3600 { break }
                arrivals.append(dayStart.addingTimeInterval(t))
            }
        }
        for (i, at) in arrivals.enumerated() { agenda.add(at, .arrive(i)) }
        var summary = Summary()
        var callers: [String] = []
        var states: [String: ContactState] = [:]
        let run = UUID().uuidString.prefix(8).lowercased()

        func post(_ events: [ContactEventInput]) async throws -> ContactEventsResult {
            let result = try await cc.ingest(events)
            summary.events += events.count
            for (r, e) in zip(result.results, events) where r.status == .rejected {
                summary.rejected += 1
                summary.refusals["\(e.type?.rawValue ?? "?") \(r.error?.code ?? "unknown")", default: 0] += 1
            }
            for r in result.results { if let c = r.contact { states[c.externalId] = c.state } }
            return result
        }
        func schedule(_ assignments: [AssignmentNotice], at now: Date) {
            for a in assignments {
                states[a.contactId] = .routed
                agenda.add(now.addingTimeInterval(2 + rng.uniform() * 6), .answer(a.contactId))
            }
        }
        while let (at, action) = agenda.next() {
            clock.set(at)
            let now = clock.now()
            func event(_ type: ContactEventType, _ contact: String, _ extra: (inout ContactEventInput) -> Void = { _ in }) -> ContactEventInput {
                var e = ContactEventInput(eventId: "\(contact):\(type.rawValue):\(summary.events)", type: type, contactId: contact)
                extra(&e)
                return e
            }
            switch action {
            case .arrive(let i):
                let contact = "sim-\(run)-\(i)"
                let caller: String
                if !callers.isEmpty, rng.uniform() < o.repeatShare {
                    caller = callers[Int(rng.next() % UInt64(callers.count))]
                } else {
                    caller = String(format: "+7 9%02d %03d %02d %02d", Int(rng.next() % 100), Int(rng.next() % 1000), Int(rng.next() % 100), Int(rng.next() % 100))
                    callers.append(caller)
                }
                let queue = rng.uniform() < 0.2 ? "sim-b2b" : "sim-retail"
                let result = try await post([event(.offered, contact) { $0.channel = .phone; $0.address = caller },
                                             event(.queued, contact) { $0.queue = queue }])
                summary.contacts += 1
                schedule(result.assignments, at: now)
                agenda.add(now.addingTimeInterval(rng.exponential(mean: o.meanPatienceSeconds)), .giveUp(contact))
                progress?(summary.contacts, arrivals.count)
            case .giveUp(let contact):
                guard [.queued, .offered, .routed].contains(states[contact]) else { continue }
                let result = try await post([event(.abandoned, contact)])
                summary.abandoned += 1
                schedule(result.assignments, at: now)
            case .answer(let contact):
                guard states[contact] == .routed else { continue }
                _ = try await post([event(.answered, contact)])
                summary.answered += 1
                let talk = max(20, rng.exponential(mean: o.meanHandleSeconds))
                if rng.uniform() < 0.1 {
                    agenda.add(now.addingTimeInterval(talk / 3), .hold(contact))
                }
                agenda.add(now.addingTimeInterval(talk), .end(contact))
            case .hold(let contact):
                guard states[contact] == .answered else { continue }
                _ = try await post([event(.held, contact)])
                agenda.add(now.addingTimeInterval(15 + rng.uniform() * 45), .resume(contact))
            case .resume(let contact):
                guard states[contact] == .held else { continue }
                _ = try await post([event(.resumed, contact)])
            case .end(let contact):
                if states[contact] == .held { _ = try await post([event(.resumed, contact)]) }
                guard states[contact] == .answered else { continue }
                _ = try await post([event(.ended, contact)])
                agenda.add(now.addingTimeInterval(10 + rng.exponential(mean: 25)), .wrap(contact))
            case .wrap(let contact):
                let resolved = rng.uniform() < 0.8
                let result = try await post([event(.wrapUp, contact) { $0.outcome = resolved ? "resolved" : "follow-up needed"; $0.resolved = resolved }])
                schedule(result.assignments, at: now)
                if rng.uniform() < 0.3 { agenda.add(now.addingTimeInterval(300 + rng.uniform() * 3000), .survey(contact)) }
            case .survey(let contact):
                let id = try await cc.contact(externalId: contact).id
                let score = [1, 2, 3, 4, 4, 5, 5, 5][Int(rng.next() % 8)]
                _ = try await cc.recordSurvey(contactId: id, score: score, channel: rng.uniform() < 0.5 ? .sms : .email)
                summary.surveys += 1
            }
        }
        summary.report = try await cc.figures(FigureQuery(from: dayStart, to: dayStart.addingTimeInterval(86_400), groupBy: .queue))
        return summary
    }
}

extension SplitMix64 {
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - uniform()) }
}

import ArgumentParser
import Foundation
import RapportCore
import RapportEngine
import RapportStorage

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a scenario; with --json the last line is one JSON object with the figures.",
        discussion: """
        Scenarios:
          load      bulk-load generated parties (phone + e-mail each) and interactions; ops_per_s = rows per second
          timeline  read a party's newest 50 timeline entries (the store call the API makes); builds or reuses the data set
          identify  identify a caller from a number as a switch writes it and build the card (in-process, one at a time)
          identify-http  the same over HTTP on loopback: wrk with --clients connections against an in-process server,
                    and against nginx serving a small static file in the same run (the loopback ceiling); needs wrk and nginx
          auth      the per-request access check: an API token resolved to its principal (the steady state: cached),
                    with a session cookie's check and the uncached token lookup (once per token per 2 s) beside it
          search    full-text search for a surname (the generator's surnames), 20 results
          write     record interactions from --clients concurrent writers through InteractionService (validation,
                    reference checks, outbox event, group commit); run with RAPPORT_DURABILITY=full for fsync per commit
          routing   routing decisions in-process: 500 agents, 2 000 waiting contacts (whole passes; one free agent beside)
          cti-events  wrk posts batches of CTI events (--contacts-per-request contacts × 5 events: offered with a caller
                    number, queued, answered, ended, wrap-up) over loopback to an in-process server; ops = events/s; needs wrk
          service-figures  a month of a 200-agent centre (--contacts, default 1 000 000, generated once onto the data
                    set's interactions), then the figures timed by total, agent, day and queue
          fanout    a flight delay reaching --passengers bookings (default 100 000): every message decided and durably
                    queued; ops = messages decided per second, p50 = the whole fan-out; needs an empty database (a fresh
                    file under ./bench-data unless --database is given; the file is kept with its queued messages)
          dispatch  the fan-out's messages sent through the dispatcher to a local SMS gateway over HTTP (an in-process
                    receiver honouring the idempotency key), --concurrency requests in flight; ops = messages/s
          ranking   every party's value and tier computed and written back; --orders-per-party orders are generated once
                    (default 10); p50 = one whole ranking; ops = parties ranked per second
          segment-count  typical segments (tier, language + stage, value, orders in 90 days, marketing consent) counted
                    repeatedly; p50/p99 across counts, each segment's p50 beside
          tariff-offers  the tariff-saving offer for --customers customers (default 100 000) with three months of
                    --calls-per-month calls each (default 100: 30 M records), generated once; p50 = the whole run
          card-page the customer page (card, newest 25 timeline entries, forms) of a customer with 1 000 interactions,
                    rendered for a signed-in agent by an in-process server and fetched by wrk over loopback; p50/p99 with one
                    connection (what a user waits), ops with --clients connections (default 4); needs wrk
          soak      mixed HTTP load (identify + card, record inbound, search) at half the measured capacity for --seconds
                    (default here 600) in one-minute rounds: each round's throughput, p99, errors and resident memory; needs wrk
          export    a day of changes (--day-interactions new calls, a fifth as many new and changed orders) exported
                    incrementally as CSV + JSON Lines of the star schema; p50 = one export
        Without --database the data set lives in a SQLite file under ./bench-data (reused by timeline when its size matches).
        Results and the machine they came from are recorded in docs/benchmarks.md.
        """)

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case load, timeline, write, identify, identifyHTTP = "identify-http", search, auth, routing, ctiEvents = "cti-events"
        case serviceFigures = "service-figures"
        case fanout, dispatch
        case ranking, segmentCount = "segment-count", tariffOffers = "tariff-offers", export
        case cardPage = "card-page"
        case soak
    }

    @Argument(help: "load, timeline, write, identify, identify-http, search, auth, routing, cti-events, service-figures, fanout, dispatch, ranking, segment-count, tariff-offers, card-page, export or soak")
    var scenario: Scenario
    @Option(help: "Parties in the data set.") var parties = 10_000
    @Option(help: "Interactions in the data set.") var interactions = 100_000
    @Option(help: "Timeline reads to time.") var reads = 5_000
    @Option(help: "Interactions to record in the write scenario.") var writes = 20_000
    @Option(help: "Concurrent writers (write) or HTTP connections (identify-http; default 16 there).") var clients: Int?
    @Option(help: "Seconds of load per target in identify-http (default 10) and of the whole soak (default 600).") var seconds: Int?
    @Option(help: "SQLite file or postgres:// URL (default: a file under ./bench-data).") var database: String?
    @Option(help: "Contacts per request in cti-events.") var contactsPerRequest = 20
    @Option(help: "Contacts in the month of service-figures.") var contacts = 1_000_000
    @Option(help: "Passengers on the flight in fanout and dispatch.") var passengers = 100_000
    @Option(help: "Requests in flight to the gateway in dispatch.") var concurrency = 64
    @Option(help: "Orders per party generated for ranking, segment-count and export.") var ordersPerParty = 10
    @Option(help: "Customers with call records in tariff-offers.") var customers = 100_000
    @Option(help: "Calls per customer and month in tariff-offers.") var callsPerMonth = 100
    @Option(help: "New interactions in the day exported by export.") var dayInteractions = 50_000
    @Flag(help: "Print one JSON line with the figures.") var json = false

    func validate() throws {
        guard parties > 0, interactions >= 0 else { throw ValidationError("--parties must be positive and --interactions not negative") }
        guard (1...200).contains(contactsPerRequest) else { throw ValidationError("--contacts-per-request must be between 1 and 200") }
        guard (1...10_000_000).contains(contacts) else { throw ValidationError("--contacts must be between 1 and 10000000") }
        guard (1...5_000_000).contains(passengers) else { throw ValidationError("--passengers must be between 1 and 5000000") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 1024") }
        guard (1...100).contains(ordersPerParty) else { throw ValidationError("--orders-per-party must be between 1 and 100") }
        guard customers > 0, (1...1000).contains(callsPerMonth) else { throw ValidationError("--customers must be positive, --calls-per-month 1–1000") }
        guard (1...10_000_000).contains(dayInteractions) else { throw ValidationError("--day-interactions must be between 1 and 10000000") }
    }

    func run() async throws {
        if scenario == .fanout || scenario == .dispatch { return try await runProactive() }
        let location = database ?? "./bench-data/rapport-bench-\(parties)-\(interactions).sqlite"
        if database == nil && scenario == .load {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: location + suffix) }
        }
        let runtime = try await RapportRuntime.open(try AppConfig(database: location))
        if json == false { say("durability: \(runtime.config.durability.rawValue)") }
        do {
            let result: BenchResult
            var loadResult: BenchResult? = nil
            let existing = try await runtime.database.partyCount()
            if scenario == .load && existing > 0 {
                throw CommandFailure("bench load needs an empty database; \(location.hasPrefix("postgres") ? "this one" : location) holds \(existing) parties")
            }
            if existing < parties {
                guard existing == 0 else {
                    throw CommandFailure("the database holds \(existing) parties, fewer than --parties \(parties); use an empty database or a matching size")
                }
                loadResult = try await load(runtime)
            }
            switch scenario {
            case .load: result = loadResult!
            case .timeline: result = try await timeline(runtime)
            case .write: result = try await write(runtime)
            case .identify: result = try await identify(runtime)
            case .identifyHTTP: result = try await HTTPBench(runtime: runtime, connections: clients ?? 16, seconds: seconds ?? 10).run()
            case .search: result = try await search(runtime)
            case .auth: result = try await auth(runtime)
            case .routing: result = try await ContactCentreBench(runtime: runtime, reads: reads, json: json).routing()
            case .ctiEvents:
                result = try await ContactCentreBench(runtime: runtime, reads: reads, json: json)
                    .ctiEvents(connections: clients ?? 16, seconds: seconds ?? 10, contactsPerRequest: contactsPerRequest)
            case .serviceFigures: result = try await ContactCentreBench(runtime: runtime, reads: reads, json: json).serviceFigures(contacts: contacts)
            case .fanout, .dispatch: preconditionFailure("handled by runProactive")
            case .ranking:
                result = try await AnalyticsBench(runtime: runtime, json: json, reads: reads).ranking(ordersPerParty: ordersPerParty, parties: parties,
                                                                                                     interactions: interactions)
            case .segmentCount:
                result = try await AnalyticsBench(runtime: runtime, json: json, reads: reads).segmentCount(ordersPerParty: ordersPerParty,
                                                                                                          parties: parties, interactions: interactions)
            case .tariffOffers:
                result = try await AnalyticsBench(runtime: runtime, json: json, reads: reads)
                    .tariffOffers(customers: min(customers, parties), callsPerMonth: callsPerMonth, parties: parties, interactions: interactions)
            case .cardPage: result = try await PageBench(runtime: runtime, connections: clients ?? 4, seconds: seconds ?? 10).run()
            case .soak: result = try await SoakBench(runtime: runtime, connections: clients ?? 16, seconds: seconds ?? 600).run()
            case .export:
                result = try await AnalyticsBench(runtime: runtime, json: json, reads: reads).export(parties: parties, interactions: interactions,
                                                                                                    dayInteractions: dayInteractions)
            }
            await runtime.close()
            if !json { say(result.human) }
            say(result.jsonLine)
        } catch {
            await runtime.close()
            throw error
        }
    }

    /// fanout and dispatch generate their own passengers into a fresh database.
    func runProactive() async throws {
        let location = database ?? "./bench-data/rapport-fanout-\(passengers).sqlite"
        if database == nil {
            try FileManager.default.createDirectory(atPath: "./bench-data", withIntermediateDirectories: true)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: location + suffix) }
        }
        let runtime = try await RapportRuntime.open(try AppConfig(database: location))
        do {
            let bench = ProactiveBench(runtime: runtime, json: json)
            let result = scenario == .fanout ? try await bench.fanout(passengers: passengers)
                : try await bench.dispatch(passengers: passengers, concurrency: concurrency)
            await runtime.close()
            if !json { say(result.human) }
            say(result.jsonLine)
        } catch {
            await runtime.close()
            throw error
        }
    }

    func load(_ runtime: RapportRuntime) async throws -> BenchResult {
        let loader = BulkLoader(database: runtime.database)
        let generator = DataGenerator(seed: 42)
        let perParty = interactions / parties
        let chunk = 50_000
        let now = Date()
        var latencies: [Double] = []
        var rows = 0
        let start = ContinuousClock.now
        // Generate the next batch on the other core while this one is written.
        func make(_ offset: Int, _ generator: DataGenerator) -> (DataGenerator.Batch, DataGenerator) {
            var g = generator
            return (g.batch(offset: offset, count: min(chunk, parties - offset), interactionsPerParty: perParty, now: now), g)
        }
        var pending: Task<(DataGenerator.Batch, DataGenerator), Never>? = Task { [generator] in make(0, generator) }
        var offset = 0
        try await loader.session {
        while let task = pending {
            let (batch, next) = await task.value
            offset += batch.parties.count
            pending = offset < parties ? Task { [offset] in make(offset, next) } : nil
            let t0 = ContinuousClock.now
            try await loader.load(parties: batch.parties, identities: batch.identities, interactions: batch.interactions)
            latencies.append(Self.millis(ContinuousClock.now - t0))
            rows += batch.parties.count + batch.interactions.count
            if !json { FileHandle.standardError.write("\rloaded \(offset)/\(parties) parties".data(using: .utf8)!) }
        }
        }
        if !json { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        let seconds = Self.millis(ContinuousClock.now - start) / 1000
        return BenchResult(scenario: "load", opsPerSecond: Double(rows) / seconds, latencies: latencies,
                           parties: parties, interactions: perParty * parties)
    }

    func timeline(_ runtime: RapportRuntime) async throws -> BenchResult {
        let ids = try await BulkLoader(database: runtime.database).samplePartyIds(limit: 10_000)
        var rng = SplitMix64(seed: 7)
        let page = try PageRequest(limit: 50)
        // Warm-up, then timed reads.
        for _ in 0..<min(200, reads) {
            _ = try await runtime.services.interactions.timeline(partyId: ids.randomElement(using: &rng)!, channels: [], page: page)
        }
        var latencies: [Double] = []
        latencies.reserveCapacity(reads)
        let start = ContinuousClock.now
        for _ in 0..<reads {
            let t0 = ContinuousClock.now
            _ = try await runtime.services.interactions.timeline(partyId: ids.randomElement(using: &rng)!, channels: [], page: page)
            latencies.append(Self.millis(ContinuousClock.now - t0))
        }
        let seconds = Self.millis(ContinuousClock.now - start) / 1000
        return BenchResult(scenario: "timeline", opsPerSecond: Double(reads) / seconds, latencies: latencies,
                           parties: try await runtime.database.partyCount(), interactions: try await InteractionStore(database: runtime.database).count())
    }

    func write(_ runtime: RapportRuntime) async throws -> BenchResult {
        let ids = try await BulkLoader(database: runtime.database).samplePartyIds(limit: 10_000)
        let service = runtime.services.interactions
        let clients = self.clients ?? 64
        let perClient = max(1, writes / clients)
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for c in 0..<clients {
                group.addTask {
                    var rng = SplitMix64(seed: UInt64(c + 1))
                    var own: [Double] = []
                    own.reserveCapacity(perClient)
                    for _ in 0..<perClient {
                        let input = InteractionInput(partyId: ids.randomElement(using: &rng)!, channel: .phone, direction: .inbound,
                                                     agent: "bench", subject: "Benchmark call", outcome: "resolved")
                        let t0 = ContinuousClock.now
                        _ = try await service.record(input)
                        own.append(Self.millis(ContinuousClock.now - t0))
                    }
                    return own
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
        let seconds = Self.millis(ContinuousClock.now - start) / 1000
        return BenchResult(scenario: "write", opsPerSecond: Double(latencies.count) / seconds, latencies: latencies,
                           parties: try await runtime.database.partyCount(), interactions: try await InteractionStore(database: runtime.database).count())
    }

    /// Times `body` `reads` times after a warm-up of up to 200 calls.
    func timed(_ name: String, _ runtime: RapportRuntime, _ body: (inout SplitMix64) async throws -> Void) async throws -> BenchResult {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<min(200, reads) { try await body(&rng) }
        var latencies: [Double] = []
        latencies.reserveCapacity(reads)
        let start = ContinuousClock.now
        for _ in 0..<reads {
            let t0 = ContinuousClock.now
            try await body(&rng)
            latencies.append(Self.millis(ContinuousClock.now - t0))
        }
        let seconds = Self.millis(ContinuousClock.now - start) / 1000
        return BenchResult(scenario: name, opsPerSecond: Double(reads) / seconds, latencies: latencies,
                           parties: try await runtime.database.partyCount(), interactions: try await InteractionStore(database: runtime.database).count())
    }

    func identify(_ runtime: RapportRuntime) async throws -> BenchResult {
        let count = try await runtime.database.partyCount()
        return try await timed("identify", runtime) { rng in
            let caller = DataGenerator.callerNumber(Int(rng.next() % UInt64(count)))
            let pop = try await runtime.services.inbound.screenPop(ContactClues(channel: .phone, address: caller))
            guard pop.card != nil else { throw CommandFailure("\(caller) was not identified: is this a generated data set?") }
        }
    }

    func search(_ runtime: RapportRuntime) async throws -> BenchResult {
        let surnames = DataGenerator.ruSurnames + DataGenerator.enSurnames
        return try await timed("search", runtime) { rng in
            let found = try await runtime.services.search.parties(surnames[Int(rng.next() % UInt64(surnames.count))], limit: 20)
            guard !found.isEmpty else { throw CommandFailure("search found nothing: is the search index built?") }
        }
    }

    func auth(_ runtime: RapportRuntime) async throws -> BenchResult {
        let access = runtime.services.access
        let token = try await access.issueToken(APITokenInput(name: "bench", scopes: [.cti]), by: nil)
        let login = "bench-\(UUID().uuidString.prefix(8).lowercased())", password = DemoUsers.password() + DemoUsers.password()
        _ = try await access.createUser(UserInput(login: login, role: .agent, password: password))
        let session = try await access.signIn(login: login, password: password)
        func sample(_ n: Int, _ body: () async throws -> Void) async throws -> [Double] {
            var out: [Double] = []
            out.reserveCapacity(n)
            for _ in 0..<n {
                let t0 = ContinuousClock.now
                try await body()
                out.append(Self.millis(ContinuousClock.now - t0))
            }
            return out.sorted()
        }
        let sessions = try await sample(reads) { _ = try await access.principal(sessionSecret: session.sessionSecret) }
        let misses = try await sample(min(reads, 5_000)) {
            access.forgetCachedPrincipals()
            _ = try await access.principal(bearer: token.secret)
        }
        var result = try await timed("auth", runtime) { _ in _ = try await access.principal(bearer: token.secret) }
        func pct(_ xs: [Double], _ q: Double) -> String { String(format: "%.4f", xs[min(xs.count - 1, Int(Double(xs.count) * q))]) }
        result.extra = [("session_p50_ms", pct(sessions, 0.5)), ("session_p99_ms", pct(sessions, 0.99)),
                        ("uncached_token_p50_ms", pct(misses, 0.5)), ("uncached_token_p99_ms", pct(misses, 0.99))]
        return result
    }

    static func millis(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}

struct BenchResult {
    let scenario: String
    let opsPerSecond: Double
    let latencies: [Double]
    let parties: Int
    let interactions: Int
    /// Percentiles measured elsewhere (the load tool) instead of from `latencies`.
    var percentiles: [Double: Double] = [:]
    /// More figures for the JSON line (name, JSON value).
    var extra: [(String, String)] = []

    func percentile(_ p: Double) -> Double {
        if let given = percentiles[p] { return given }
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    /// Peak resident memory of this process (VmHWM), in MiB.
    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    var jsonLine: String {
        let fields: [(String, String)] = [
            ("scenario", "\"\(scenario)\""), ("ops_per_s", String(format: "%.1f", opsPerSecond)),
            ("p50_ms", String(format: "%.3f", percentile(0.5))), ("p99_ms", String(format: "%.3f", percentile(0.99))),
            ("rss_mb", String(format: "%.1f", Self.peakRSSMegabytes())), ("parties", "\(parties)"), ("interactions", "\(interactions)"),
        ] + extra
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    var human: String {
        "\(scenario): \(String(format: "%.0f", opsPerSecond)) ops/s, p50 \(String(format: "%.3f", percentile(0.5))) ms, p99 \(String(format: "%.3f", percentile(0.99))) ms, peak RSS \(String(format: "%.0f", Self.peakRSSMegabytes())) MiB"
    }
}

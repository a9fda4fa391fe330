import Foundation
import Hummingbird
import RapportCore
import RapportEngine
import RapportServer
import RapportStorage

/// card-page: the customer page (card, the newest 25 timeline entries, the forms) of a customer with
/// 1 000 interactions, rendered by an in-process server for a signed-in agent and fetched by wrk
/// over loopback — one connection for the latency a user sees, then `connections` for throughput.
struct PageBench {
    let runtime: RapportRuntime
    let connections: Int
    let seconds: Int
    let port = 18_091
    static let trail = 1_000

    func run() async throws -> BenchResult {
        guard HTTPBench.which("wrk") != nil else { throw CommandFailure("card-page needs wrk (Debian: apt-get install wrk)") }
        let services = runtime.services
        guard let party = try await BulkLoader(database: runtime.database).firstPartyId() else {
            throw CommandFailure("card-page needs generated parties")
        }
        // Bring the customer's trail to 1 000 entries (kept in the data set for the next run).
        var existing = 0
        var cursor: String?
        repeat {
            let page = try await services.interactions.timeline(partyId: party, channels: [], page: try PageRequest(limit: 200, cursor: cursor))
            existing += page.items.count
            cursor = page.nextCursor
        } while cursor != nil && existing < Self.trail
        let channels: [Channel] = [.phone, .email, .chat, .sms, .webForm]
        for i in existing..<max(existing, Self.trail) {
            _ = try await services.interactions.record(InteractionInput(partyId: party, channel: channels[i % channels.count], direction: i % 3 == 0 ? .outbound : .inbound,
                                                                        agent: "bench", subject: "Benchmark contact \(i)", summary: "A contact for the page benchmark",
                                                                        outcome: "resolved"))
        }
        // A signed-in agent, as a browser would send the session cookie.
        let login = "bench-page-agent", password = "bench page password \(UUID().uuidString)"
        if let user = try await services.access.users().first(where: { $0.login == login }) {
            _ = try await services.access.updateUser(user.id, UserInput(password: password))
        } else {
            _ = try await services.access.createUser(UserInput(login: login, displayName: "Bench Agent", role: .agent, language: "ru", password: password))
        }
        let session = try await services.access.signIn(login: login, password: password)
        let app = Application(router: RapportRouter.build(services: services, options: HTTPOptions(requestsPerSecond: 10_000_000)),
                              configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Rapport"), logger: HTTPBench.quietLogger)
        let server = Task { try await app.run() }
        defer { server.cancel() }
        try await HTTPBench.waitForPort(port)
        let url = "http://127.0.0.1:\(port)/parties/\(party.uuidString)"
        let cookie = ["-H", "Cookie: rapport_session=\(session.sessionSecret)"]
        _ = try HTTPBench.wrk(["-t1", "-c1", "-d2s"] + cookie + [url])  // warm-up
        let single = try HTTPBench.wrk(["-t1", "-c1", "-d\(seconds)s", "--latency"] + cookie + [url])
        let loaded = try HTTPBench.wrk(["-t2", "-c\(connections)", "-d\(seconds)s", "--latency"] + cookie + [url])
        guard single.errors == 0, loaded.errors == 0 else {
            throw CommandFailure("page requests failed: \((single.errorLines + loaded.errorLines).joined(separator: "; "))")
        }
        server.cancel()
        var result = BenchResult(scenario: "card-page", opsPerSecond: loaded.requestsPerSecond, latencies: [],
                                 parties: try await runtime.database.partyCount(), interactions: try await InteractionStore(database: runtime.database).count())
        result.percentiles = [0.5: single.p50, 0.99: single.p99]
        result.extra = [("trail", "\(Self.trail)"), ("connections", "\(connections)"),
                        ("loaded_p50_ms", String(format: "%.3f", loaded.p50)), ("loaded_p99_ms", String(format: "%.3f", loaded.p99))]
        return result
    }
}

import Foundation
import Hummingbird
import RapportCore
import RapportEngine
import RapportServer
import RapportStorage

/// soak: a mixed load (identify + card, record an inbound contact, search) over loopback against an
/// in-process server. First the capacity is measured (wrk, no pauses, 10 s); then wrk holds half of
/// it for `seconds` in one-minute rounds (each connection pauses between requests), and each
/// round's throughput, p99, errors and the process's resident memory are reported, so one can see
/// that p99 stays level and memory flat.
struct SoakBench {
    let runtime: RapportRuntime
    let connections: Int
    let seconds: Int
    let port = 18_091

    func run() async throws -> BenchResult {
        guard HTTPBench.which("wrk") != nil else { throw CommandFailure("soak needs wrk (Debian: apt-get install wrk)") }
        guard seconds > 0 else { throw CommandFailure("--seconds must be positive") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let parties = try await runtime.database.partyCount()
        let token = try await runtime.services.access.issueToken(APITokenInput(name: "soak bench", scopes: [.cti, .read]), by: nil)
        let app = Application(router: RapportRouter.build(services: runtime.services, options: HTTPOptions(requestsPerSecond: 10_000_000)),
                              configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Rapport"),
                              logger: HTTPBench.quietLogger)
        let server = Task { try await app.run() }
        defer { server.cancel() }
        try await HTTPBench.waitForPort(port)
        let url = "http://127.0.0.1:\(port)/"

        let full = work.appendingPathComponent("full.lua")
        try Self.script(parties: parties, token: token.secret, pauseMs: 0).write(to: full, atomically: true, encoding: .utf8)
        _ = try HTTPBench.wrk(["-t2", "-c\(connections)", "-d3s", "-s", full.path, url])  // warm-up
        let capacity = try HTTPBench.wrk(["-t2", "-c\(connections)", "-d10s", "--latency", "-s", full.path, url])
        guard capacity.errors == 0 else { throw CommandFailure("the capacity run failed: \(capacity.errorLines.joined(separator: "; "))") }

        // Half the capacity: each connection waits so that connections / (pause + latency) ≈ target.
        let target = capacity.requestsPerSecond / 2
        let pauseMs = max(0, Double(connections) / target * 1000 - capacity.p50)
        let paced = work.appendingPathComponent("paced.lua")
        try Self.script(parties: parties, token: token.secret, pauseMs: pauseMs).write(to: paced, atomically: true, encoding: .utf8)
        let startRSS = Self.residentMegabytes()
        var rounds: [HTTPBench.WrkResult] = []
        var rss: [Double] = []
        var left = seconds
        while left > 0 {
            let length = min(60, left)
            let round = try HTTPBench.wrk(["-t2", "-c\(connections)", "-d\(length)s", "--latency", "-s", paced.path, url])
            rounds.append(round)
            rss.append(Self.residentMegabytes())
            left -= length
        }
        let errors = rounds.reduce(0) { $0 + $1.errors }
        let total = rounds.reduce(0.0) { $0 + $1.requestsPerSecond }
        var result = BenchResult(scenario: "soak", opsPerSecond: total / Double(max(1, rounds.count)), latencies: [], parties: parties,
                                 interactions: try await InteractionStore(database: runtime.database).count())
        result.percentiles = [0.5: rounds.map(\.p50).sorted()[rounds.count / 2], 0.99: rounds.map(\.p99).max() ?? 0]
        func list(_ values: [Double]) -> String { "[" + values.map { String(format: "%.1f", $0) }.joined(separator: ",") + "]" }
        result.extra = [("seconds", "\(seconds)"), ("connections", "\(connections)"),
                        ("capacity_ops_per_s", String(format: "%.1f", capacity.requestsPerSecond)),
                        ("target_ops_per_s", String(format: "%.1f", target)), ("errors", "\(errors)"),
                        ("round_ops_per_s", list(rounds.map(\.requestsPerSecond))), ("round_p99_ms", list(rounds.map(\.p99))),
                        ("rss_start_mb", String(format: "%.1f", startRSS)), ("round_rss_mb", list(rss))]
        if errors > 0 {
            throw CommandFailure("\(errors) requests failed during the soak: \(rounds.flatMap(\.errorLines).prefix(3).joined(separator: "; "))")
        }
        return result
    }

    /// What goes into a query string unencoded (Foundation's `.alphanumerics` would let Cyrillic through).
    static let asciiLetters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    /// Resident memory now (VmRSS), in MiB.
    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// Half identify + card, a quarter recorded inbound contacts, a quarter searches, for generated callers.
    static func script(parties: Int, token: String, pauseMs: Double) -> String {
        let surnames = (DataGenerator.ruSurnames.prefix(20) + DataGenerator.enSurnames.prefix(20))
            .map { "\"" + $0.addingPercentEncoding(withAllowedCharacters: Self.asciiLetters)! + "\"" }.joined(separator: ",")
        return """
        math.randomseed(7)
        local surnames = {\(surnames)}
        local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer \(token)"}
        local n = 0
        local function caller()
          local d = string.format("9%09d", math.random(0, \(max(1, parties) - 1)))
          return '8 (' .. d:sub(1,3) .. ') ' .. d:sub(4,6) .. '-' .. d:sub(7,8) .. '-' .. d:sub(9,10)
        end
        request = function()
          n = n + 1
          local k = n % 4
          if k == 0 or k == 2 then
            return wrk.format("POST", "/api/v1/identify", headers, '{"channel":"phone","address":"' .. caller() .. '"}')
          elseif k == 1 then
            return wrk.format("POST", "/api/v1/interactions/inbound", headers,
              '{"channel":"phone","address":"' .. caller() .. '","summary":"soak"}')
          else
            return wrk.format("GET", "/api/v1/search?q=" .. surnames[math.random(1, #surnames)] .. "&limit=20", headers)
          end
        end
        \(pauseMs > 0 ? "delay = function() return \(Int(pauseMs.rounded())) end" : "")
        """
    }
}

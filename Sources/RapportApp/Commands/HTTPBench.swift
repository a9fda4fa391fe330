import Foundation
import RapportCore
import Hummingbird
import Logging
import RapportEngine
import RapportServer
import RapportStorage

/// identify-http: wrk drives POST /api/v1/identify (identification + card) on an in-process server
/// over loopback, then the same wrk drives nginx serving a small static file in the same run, so
/// the figures can be read against what this machine's loopback can carry at all.
struct HTTPBench {
    let runtime: RapportRuntime
    let connections: Int
    let seconds: Int
    let rapportPort = 18_089
    let nginxPort = 18_090

    func run() async throws -> BenchResult {
        for tool in ["wrk", "nginx"] where Self.which(tool) == nil {
            throw CommandFailure("identify-http needs \(tool) (Debian: apt-get install wrk nginx-light)")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-http-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let count = try await runtime.database.partyCount()
        let script = work.appendingPathComponent("identify.lua")
        // A CTI integration's token, as a telephony platform would send it.
        let token = try await runtime.services.access.issueToken(APITokenInput(name: "identify-http bench", scopes: [.cti]), by: nil)
        try Self.identifyScript(parties: count, token: token.secret).write(to: script, atomically: true, encoding: .utf8)

        // Rapport, in this process (rate limit set far above the load so the limiter runs but never refuses).
        let app = Application(router: RapportRouter.build(services: runtime.services, options: HTTPOptions(requestsPerSecond: 10_000_000)),
                              configuration: .init(address: .hostname("127.0.0.1", port: rapportPort), serverName: "Rapport"),
                              logger: Self.quietLogger)
        let server = Task { try await app.run() }
        defer { server.cancel() }
        try await Self.waitForPort(rapportPort)
        _ = try Self.wrk(["-t2", "-c\(connections)", "-d2s", "-s", script.path, "http://127.0.0.1:\(rapportPort)/api/v1/identify"])  // warm-up
        let rapport = try Self.wrk(["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, "http://127.0.0.1:\(rapportPort)/api/v1/identify"])
        guard rapport.errors == 0 else { throw CommandFailure("\(rapport.errors) identify requests failed (non-2xx or socket errors)") }
        server.cancel()

        // nginx, a small static file, the same load tool and connections.
        let nginx = try startNginx(in: work)
        defer { nginx.terminate(); nginx.waitUntilExit() }
        try await Self.waitForPort(nginxPort)
        let ceiling = try Self.wrk(["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "http://127.0.0.1:\(nginxPort)/hello.json"])

        var result = BenchResult(scenario: "identify-http", opsPerSecond: rapport.requestsPerSecond, latencies: [], parties: count,
                                 interactions: try await InteractionStore(database: runtime.database).count())
        result.percentiles = [0.5: rapport.p50, 0.99: rapport.p99]
        result.extra = [("connections", "\(connections)"), ("nginx_ops_per_s", String(format: "%.1f", ceiling.requestsPerSecond)),
                        ("nginx_p99_ms", String(format: "%.3f", ceiling.p99)),
                        ("ratio_to_nginx", String(format: "%.3f", rapport.requestsPerSecond / max(ceiling.requestsPerSecond, 1)))]
        return result
    }

    /// Errors only: request logs would cost more than the requests.
    static var quietLogger: Logger {
        var logger = Logger(label: "rapport.bench")
        logger.logLevel = .error
        return logger
    }

    func startNginx(in dir: URL) throws -> Process {
        let root = dir.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try #"{"status":"ok"}"#.write(to: root.appendingPathComponent("hello.json"), atomically: true, encoding: .utf8)
        let conf = """
            daemon off;
            worker_processes auto;
            pid \(dir.path)/nginx.pid;
            error_log \(dir.path)/error.log;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(dir.path)/body; proxy_temp_path \(dir.path)/proxy; fastcgi_temp_path \(dir.path)/fastcgi;
                uwsgi_temp_path \(dir.path)/uwsgi; scgi_temp_path \(dir.path)/scgi;
                server { listen 127.0.0.1:\(nginxPort); root \(root.path); }
            }
            """
        let confFile = dir.appendingPathComponent("nginx.conf")
        try conf.write(to: confFile, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.which("nginx")!)
        p.arguments = ["-c", confFile.path, "-p", dir.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Random generated callers, as `8 (9xx) xxx-xx-xx`.
    static func identifyScript(parties: Int, token: String) -> String {
        """
        math.randomseed(42)
        request = function()
          local d = string.format("9%09d", math.random(0, \(parties - 1)))
          local body = '{"channel":"phone","address":"8 (' .. d:sub(1,3) .. ') ' .. d:sub(4,6) .. '-' .. d:sub(7,8) .. '-' .. d:sub(9,10) .. '"}'
          return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer \(token)"}, body)
        end
        """
    }

    struct WrkResult {
        var requestsPerSecond = 0.0
        var p50 = 0.0
        var p99 = 0.0
        var errors = 0
        /// wrk's error lines, for the message when a run fails.
        var errorLines: [String] = []
    }

    static func wrk(_ arguments: [String]) throws -> WrkResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: which("wrk")!)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Reads wrk's report: `Requests/sec:`, the `--latency` percentiles, error lines.
    static func parse(_ text: String) -> WrkResult {
        var r = WrkResult()
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.hasPrefix("Requests/sec:"), parts.count > 1 { r.requestsPerSecond = Double(parts[1]) ?? 0 }
            if parts.count == 2, parts[0] == "50.000%" || parts[0] == "50%" { r.p50 = millis(parts[1]) }
            if parts.count == 2, parts[0] == "99.000%" || parts[0] == "99%" { r.p99 = millis(parts[1]) }
            if line.hasPrefix("Non-2xx or 3xx responses:"), let n = Int(parts.last ?? "") { r.errors += n; r.errorLines.append(line) }
            if line.hasPrefix("Socket errors:") {
                // Socket errors: connect 0, read 0, write 0, timeout 0
                r.errors += line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.reduce(0, +)
                r.errorLines.append(line)
            }
        }
        return r
    }

    static func millis(_ text: String) -> Double {
        for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? 0) * factor
        }
        return Double(text) ?? 0
    }

    static func which(_ tool: String) -> String? {
        let path: [String] = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for dir in path + ["/usr/sbin", "/sbin"] {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func waitForPort(_ port: Int) async throws {
        for _ in 0..<100 {
            if (try? wrkProbe(port)) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CommandFailure("nothing is listening on 127.0.0.1:\(port)")
    }

    static func wrkProbe(_ port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

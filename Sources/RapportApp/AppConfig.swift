import Foundation
import RapportCore
import RapportServer
import RapportStorage

/// Everything Rapport reads from its environment, parsed once. Command-line flags override
/// environment variables, which override the defaults (zero configuration: SQLite under ./data,
/// port 8080, RU as the phone region).
public struct AppConfig: Sendable {
    public var database: DatabaseLocation
    /// A PostgreSQL streaming replica for reporting reads (`RAPPORT_READ_REPLICA_URL`): service
    /// figures, segment counts, campaign effects, offer acceptance. Unset: everything on the primary.
    public var readReplica: String?
    public var host: String
    public var port: Int
    public var defaultRegion: PhoneRegion
    public var durability: Durability
    /// Requests per second per API token, session or IP (`RAPPORT_RATE_LIMIT`, default 200; 0 = off).
    public var rateLimit: Double
    /// Session cookies marked Secure (`RAPPORT_SECURE_COOKIES=1`, for Rapport behind TLS).
    public var secureCookies: Bool
    /// Seconds a live stream (SSE) stays open before the browser reconnects (`RAPPORT_LIVE_STREAM_SECONDS`, default 600).
    public var liveStreamSeconds: Int
    /// Outbound channels, the dispatcher and the scheduler.
    public var proactive: ProactiveConfig

    public static let defaultDatabasePath = "./data/rapport.sqlite"

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                database: String? = nil, host: String? = nil, port: Int? = nil) throws {
        self.database = DatabaseLocation(database ?? environment["RAPPORT_DATABASE_URL"] ?? Self.defaultDatabasePath)
        if let replica = environment["RAPPORT_READ_REPLICA_URL"], !replica.isEmpty {
            guard case .postgres = self.database, case .postgres = DatabaseLocation(replica) else {
                throw ConfigError("RAPPORT_READ_REPLICA_URL must be a postgres:// URL, and the database PostgreSQL too")
            }
            self.readReplica = replica
        }
        self.host = host ?? environment["RAPPORT_HOST"] ?? "127.0.0.1"
        if let port {
            self.port = port
        } else if let text = environment["RAPPORT_PORT"] {
            guard let p = Int(text), (1...65535).contains(p) else { throw ConfigError("RAPPORT_PORT must be a port number, got \(text)") }
            self.port = p
        } else {
            self.port = 8080
        }
        self.defaultRegion = try PhoneRegion.named(environment["RAPPORT_DEFAULT_REGION"] ?? "RU")
        let durabilityText = environment["RAPPORT_DURABILITY"] ?? Durability.process.rawValue
        guard let durability = Durability(rawValue: durabilityText) else {
            throw ConfigError("RAPPORT_DURABILITY must be one of: \(Durability.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.durability = durability
        let rateText = environment["RAPPORT_RATE_LIMIT"] ?? "200"
        guard let rate = Double(rateText), rate >= 0, rate.isFinite else {
            throw ConfigError("RAPPORT_RATE_LIMIT must be a number of requests per second (0 turns the limit off), got \(rateText)")
        }
        self.rateLimit = rate
        self.secureCookies = ["1", "true", "yes"].contains((environment["RAPPORT_SECURE_COOKIES"] ?? "").lowercased())
        let liveText = environment["RAPPORT_LIVE_STREAM_SECONDS"] ?? "600"
        guard let live = Int(liveText), (1...86_400).contains(live) else {
            throw ConfigError("RAPPORT_LIVE_STREAM_SECONDS must be a number of seconds from 1 to 86400, got \(liveText)")
        }
        self.liveStreamSeconds = live
        self.proactive = try ProactiveConfig(environment: environment)
    }

    public var routerOptions: HTTPOptions {
        var options = HTTPOptions(requestsPerSecond: rateLimit, secureCookies: secureCookies, liveStreamLimit: .seconds(liveStreamSeconds))
        options.channels = proactive.channels
        return options
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

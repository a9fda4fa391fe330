import Foundation
import Hummingbird
import Logging
import RapportCore
import RapportEngine
import RapportServer
import RapportStorage
import ServiceLifecycle

/// The composition root: opens storage, applies migrations, wires services and the HTTP router.
public struct RapportRuntime: Sendable {
    public let config: AppConfig
    public let database: Database
    public let services: Services

    public static func open(_ config: AppConfig, clock: any Clock = SystemClock(), migrate: Bool = true) async throws -> RapportRuntime {
        let database = try await Database.open(config.database, durability: config.durability)
        if migrate {
            do { try await Migrator(database: database).migrate() } catch {
                await database.close()
                throw error
            }
        }
        let services = Services(database: database, clock: clock, normalizer: IdentityNormalizer(defaultRegion: config.defaultRegion))
        return RapportRuntime(config: config, database: database, services: services)
    }

    /// Writes the audit events still in memory, then closes the database.
    public func close() async {
        await services.audit.close()
        await database.close()
    }
}

public func buildApplication(_ runtime: RapportRuntime, logger: Logger = Logger(label: "rapport")) -> some ApplicationProtocol {
    let router = RapportRouter.build(services: runtime.services, options: runtime.config.routerOptions)
    return Application(router: router,
                       configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: "Rapport"),
                       services: [LiveStreamCloser(hub: runtime.services.contactCentre.live)],
                       logger: logger)
}

/// Ends the open live streams when the server is asked to stop, so a graceful shutdown does not
/// wait for browsers that would otherwise keep their streams open for minutes.
struct LiveStreamCloser: Service {
    let hub: LiveHub

    func run() async throws {
        try? await gracefulShutdown()
        hub.finishAll()
    }
}

import AsyncHTTPClient
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
    /// Sends the outbox: channels from the configuration.
    public let dispatcher: OutboxDispatcher
    public let reminders: ReminderScheduler
    public let valueScheduler: ValueScheduler
    let httpClient: HTTPClient

    public static func open(_ config: AppConfig, clock: any Clock = SystemClock(), migrate: Bool = true) async throws -> RapportRuntime {
        let database = try await Database.open(config.database, durability: config.durability, replica: config.readReplica)
        if migrate {
            do { try await Migrator(database: database).migrate() } catch {
                await database.close()
                throw error
            }
        }
        let p = config.proactive
        let services = Services(database: database, clock: clock, normalizer: IdentityNormalizer(defaultRegion: config.defaultRegion),
                                timeZone: p.timeZone)
        var httpConfig = HTTPClient.Configuration()
        httpConfig.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, p.dispatcher.concurrency)
        httpConfig.timeout = .init(connect: .seconds(5), read: .seconds(15))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        let channels = ChannelSet(
            sms: p.sms.map { SMSGatewayChannel(settings: $0, client: http) },
            email: p.smtp.map { EmailChannel(client: SMTPClient(settings: $0), from: p.mailFrom, fromName: p.mailFromName) },
            webhook: p.webhookSecret.map { WebhookChannel(secret: $0, client: http, clock: clock) })
        let store = ProactiveStore(database: database)
        let dispatcher = OutboxDispatcher(store: store, channels: channels, clock: clock, settings: p.dispatcher)
        await services.proactive.doorbell.register(dispatcher)
        let reminders = ReminderScheduler(proactive: services.proactive, interval: p.reminderInterval)
        return RapportRuntime(config: config, database: database, services: services, dispatcher: dispatcher, reminders: reminders,
                              valueScheduler: ValueScheduler(analytics: services.analytics, claims: WorkClaims(database: database), clock: clock), httpClient: http)
    }

    /// Writes the audit events still in memory, then closes the HTTP client and the database.
    public func close() async {
        await services.audit.close()
        try? await httpClient.shutdown()
        await database.close()
    }
}

public func buildApplication(_ runtime: RapportRuntime, workers: Bool? = nil,
                             logger: Logger = Logger(label: "rapport")) -> some ApplicationProtocol {
    let router = RapportRouter.build(services: runtime.services, options: runtime.config.routerOptions)
    let centre = runtime.services.contactCentre
    return Application(router: router,
                       configuration: .init(address: .hostname(runtime.config.host, port: runtime.config.port), serverName: "Rapport"),
                       services: [LiveStreamCloser(hub: centre.live)]
                           + (runtime.database.isShared ? [Worker(loop: centre.relayOtherNodes)] : [])
                           + ((workers ?? runtime.config.proactive.workers) ? runtime.workers : []),
                       logger: logger)
}

extension RapportRuntime {
    /// The background work: the outbox dispatcher, the date-rule scheduler, scheduled value runs and
    /// retention. Any number of nodes may run it against one PostgreSQL: work is claimed in the
    /// database, so nothing is done twice.
    public var workers: [any Service] {
        let privacy = services.privacy
        let claims = WorkClaims(database: database)
        let clock = services.clock
        let holder = "retention-\(UUID().uuidString.lowercased())"
        return [Worker(loop: dispatcher.run), Worker(loop: reminders.run), Worker(loop: valueScheduler.run),
                Worker(loop: {
                    // Retention rules run a minute after start, then daily: on one node at a time
                    // (the claim is held for an hour, so nodes started together run it once).
                    var wait: Duration = .seconds(60)
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: wait) } catch { return }
                        let now = clock.now()
                        if (try? await claims.claim("retention", holder: holder, until: now.addingTimeInterval(3600), now: now)) == true {
                            _ = try? await privacy.applyRetention()
                        }
                        wait = .seconds(86_400)
                    }
                })]
    }
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

/// A background loop (the outbox dispatcher, the date-rule scheduler) that stops on graceful shutdown.
struct Worker: Service {
    let loop: @Sendable () async -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { await loop() }
        // A loop that ends early must not end the node: a service returning stops the whole group.
        try? await gracefulShutdown()
    }
}

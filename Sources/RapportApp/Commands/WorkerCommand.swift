import ArgumentParser
import Foundation
import Logging
import RapportEngine
import ServiceLifecycle

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run the background work without HTTP: outbox dispatcher, date-rule scheduler, scheduled value runs, retention.",
        discussion: "For deployments that scale HTTP nodes (`rapport serve --no-workers`) and worker nodes separately on one "
            + "PostgreSQL. Any number of workers may run: messages and occurrences are claimed in the database (leases that "
            + "expire when a node dies), so none is lost or sent twice to a receiver honouring the idempotency key. Stops on "
            + "SIGTERM or SIGINT; sends cut short then are made again by another claim once their lease runs out. "
            + "Channels and settings: docs/operations.md.")

    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let config = try AppConfig(database: db.database)
        let runtime = try await RapportRuntime.open(config)
        let logger = Logger(label: "rapport.worker")
        let channels = config.proactive.channels.map(\.rawValue)
        say("Rapport worker running (channels: \(channels.isEmpty ? "none configured; messages wait in the outbox" : channels.joined(separator: ", "))).")
        let group = ServiceGroup(configuration: .init(services: runtime.workers.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await runtime.close()
            throw error
        }
        await runtime.close()
    }
}

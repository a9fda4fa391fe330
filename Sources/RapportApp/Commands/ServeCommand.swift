import ArgumentParser
import Foundation
import Hummingbird
import Logging
import RapportEngine

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API. Zero configuration: SQLite under ./data, port 8080, migrations applied.",
        discussion: "Unless --no-workers (or RAPPORT_WORKERS=off), the node also runs the background work: the outbox dispatcher "
            + "(it sends queued messages on the channels configured here: RAPPORT_SMS_GATEWAY_URL, RAPPORT_SMTP_HOST, "
            + "RAPPORT_WEBHOOK_SECRET), the date-rule scheduler, scheduled value runs and retention. Several nodes may share "
            + "one PostgreSQL (work is claimed in the database, live views follow across nodes); `rapport worker` runs the "
            + "background work without HTTP. Every key is listed in docs/operations.md.")

    @OptionGroup var db: DatabaseOptions
    @Option(help: "Address to listen on (default 127.0.0.1, or RAPPORT_HOST).") var host: String?
    @Option(help: "Port to listen on (default 8080, or RAPPORT_PORT).") var port: Int?
    @Flag(help: "Load the demo data set first (idempotent).") var demo = false
    @Flag(help: "Serve HTTP only: the background work runs on other nodes (`rapport worker`).") var noWorkers = false

    func run() async throws {
        let config = try AppConfig(database: db.database, host: host, port: port)
        let runtime = try await RapportRuntime.open(config)
        do {
            if demo {
                let summary = try await DemoDataSet(services: runtime.services).load()
                say(summary.description)
                sayDemoUsers(try await DemoUsers(services: runtime.services).load())
            }
            if try await runtime.services.access.userCount() == 0 {
                say("No users yet: create the first administrator with `rapport admin create --login NAME` (the password is read from standard input).")
            }
        } catch {
            await runtime.close()
            throw error
        }
        let workers = noWorkers ? false : runtime.config.proactive.workers
        let app = buildApplication(runtime, workers: workers)
        say("Rapport is listening on http://\(config.host):\(config.port)/  (pages: sign in there; API: /api/v1, contract: /openapi.yaml)"
            + (workers ? "" : "; background work off on this node"))
        do {
            try await app.runService()
        } catch {
            await runtime.close()
            throw error
        }
        await runtime.close()
    }
}

import ArgumentParser

@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct RapportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rapport",
        abstract: "Rapport — customer-interaction platform: CRM and contact-centre hub.",
        discussion: """
        Configuration comes from flags, then environment variables, then defaults:
          RAPPORT_DATABASE_URL    SQLite file path (default ./data/rapport.sqlite) or postgres://user:pass@host:port/db
          RAPPORT_HOST, RAPPORT_PORT   where to listen (default 127.0.0.1:8080)
          RAPPORT_DEFAULT_REGION  phone region for numbers without a country code (default RU)
          RAPPORT_DURABILITY      process (survives kill -9; default) or full (fsync before acknowledging)
        """,
        subcommands: [ServeCommand.self, DemoCommand.self, MigrateCommand.self, ImportCommand.self, ExportCommand.self, BenchCommand.self, AdminCommand.self, SimulateCommand.self,
                      WorkerCommand.self, BackupCommand.self, RestoreCommand.self]
    )

    public init() {}
}

/// Flags shared by the commands that open the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite file path or postgres:// URL (overrides RAPPORT_DATABASE_URL).")
    var database: String?
}

extension RapportCommand {
    /// Parses the command line and runs the chosen command, asynchronously.
    public static func runFromCommandLine() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

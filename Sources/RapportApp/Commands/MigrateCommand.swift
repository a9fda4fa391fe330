import ArgumentParser
import RapportStorage

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema migrations that are not applied yet, and list them.")

    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let runtime = try await RapportRuntime.open(try AppConfig(database: db.database), migrate: false)
        let applied = try await Migrator(database: runtime.database).migrate()
        say(applied.isEmpty ? "The schema is up to date." : "Applied: \(applied.joined(separator: ", "))")
        await runtime.close()
    }
}

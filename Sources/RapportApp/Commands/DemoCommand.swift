import ArgumentParser
import RapportEngine

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load the demo data set that makes the brief's scenarios playable. Running it twice changes nothing.")

    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let runtime = try await RapportRuntime.open(try AppConfig(database: db.database))
        let summary = try await DemoDataSet(services: runtime.services).load()
        say(summary.description)
        sayDemoUsers(try await DemoUsers(services: runtime.services).load())
        await runtime.close()
    }
}

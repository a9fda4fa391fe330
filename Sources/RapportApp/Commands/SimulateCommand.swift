import ArgumentParser
import Foundation
import RapportCore
import RapportEngine

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Play a day of contact-centre traffic through the engine, so figures and the live view show real volume.",
        discussion: """
        Contacts arrive as a Poisson process whose rate follows the hour (a morning peak, a lunch dip);
        callers give up after an exponential patience; talk, hold and wrap-up times vary; some callers
        call twice; some answer the post-contact survey. Routing is the engine's own: value tiers, skills,
        longest idle, maximum wait. Queues sim-retail and sim-b2b and agents sim-001… are made on first use.
        The day's events carry that day's times, so GET /api/v1/service-figures for the day shows them.
        """)

    @OptionGroup var db: DatabaseOptions
    @Option(help: "The day to simulate, YYYY-MM-DD (UTC; default yesterday).") var day: String?
    @Option(help: "Contacts over the day.") var contacts = 3_000
    @Option(help: "Agents on shift.") var agents = 30
    @Option(help: "Mean talk time, seconds.") var handleSeconds = 240.0
    @Option(help: "Mean patience of a waiting caller, seconds.") var patienceSeconds = 120.0
    @Option(help: "Random seed: the same seed gives the same day.") var seed: UInt64 = 42

    func validate() throws {
        guard (1...2_000_000).contains(contacts) else { throw ValidationError("--contacts must be between 1 and 2000000") }
        guard (1...5_000).contains(agents) else { throw ValidationError("--agents must be between 1 and 5000") }
        guard handleSeconds > 0, patienceSeconds > 0 else { throw ValidationError("--handle-seconds and --patience-seconds must be positive") }
        if let day, (try? CivilDate(parsing: day, field: "day")) == nil { throw ValidationError("--day must be a date such as 2026-11-26") }
    }

    func run() async throws {
        let date: CivilDate
        if let day { date = try CivilDate(parsing: day, field: "day") } else { date = CivilDate(Date().addingTimeInterval(-86_400)) }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let start = utc.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
        let clock = SimulatedClock(start)
        let runtime = try await RapportRuntime.open(try AppConfig(database: db.database), clock: clock)
        do {
            var options = DaySimulation.Options(day: date, contacts: contacts, agents: agents)
            options.meanHandleSeconds = handleSeconds
            options.meanPatienceSeconds = patienceSeconds
            options.seed = seed
            let began = ContinuousClock.now
            let summary = try await DaySimulation(services: runtime.services, clock: clock).run(options) { done, total in
                if done % 250 == 0 || done == total { FileHandle.standardError.write("\rcontacts \(done)/\(total)".data(using: .utf8)!) }
            }
            FileHandle.standardError.write("\n".data(using: .utf8)!)
            say(summary.description)
            say("took \(ContinuousClock.now - began); figures: GET /api/v1/service-figures?from=\(date)T00:00:00Z&to=\(CivilDate(start.addingTimeInterval(86_400)))T00:00:00Z&group_by=queue")
            await runtime.close()
        } catch {
            await runtime.close()
            throw error
        }
    }
}

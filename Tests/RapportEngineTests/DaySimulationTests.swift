import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

@Suite struct DaySimulationTests {
    /// A short day through the real engine: every event the simulated platform sends is accepted,
    /// every contact ends answered or abandoned, and the figures count exactly those contacts.
    @Test func aSimulatedDayRunsThroughTheEngineWithoutARefusedEventAndTheFiguresAddUp() async throws {
        try await withTestDatabase(.sqlite) { db in
            let day = try CivilDate(year: 2026, month: 11, day: 26)
            let clock = SimulatedClock(Date(timeIntervalSince1970: 1_795_000_000))
            let services = Services(database: db, clock: clock, normalizer: IdentityNormalizer())
            var options = DaySimulation.Options(day: day, contacts: 120, agents: 4)
            options.seed = 7
            let summary = try await DaySimulation(services: services, clock: clock).run(options)
            #expect(summary.rejected == 0, "\(summary.refusals)")
            #expect(summary.contacts > 80 && summary.answered + summary.abandoned == summary.contacts)
            let total = try #require(summary.report?.total)
            #expect(total.contacts == summary.contacts && total.answered == summary.answered && total.abandoned == summary.abandoned)
            #expect(total.surveyAnswers == summary.surveys)
            // Agents are all free again at the end of the day
            #expect(try await services.contactCentre.agents(state: .available).count == 4)
        }
    }
}

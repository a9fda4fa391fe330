import Foundation
import RapportCore
import RapportEngine
import RapportStorage

/// The analytics scenarios of `rapport bench`: value ranking of every party, segment counts,
/// tariff-saving offers from call records, and the incremental warehouse export of a day.
struct AnalyticsBench {
    let runtime: RapportRuntime
    let json: Bool
    let reads: Int

    func say(_ s: String) { if !json { FileHandle.standardError.write(Data((s + "\n").utf8)) } }

    func timed<T>(_ body: () async throws -> T) async throws -> (T, Double) {
        let t0 = ContinuousClock.now
        let v = try await body()
        return (v, BenchCommand.millis(ContinuousClock.now - t0))
    }

    func orders(_ perParty: Int) async throws -> Int {
        let data = AnalyticsBenchData(database: runtime.database)
        let (n, ms) = try await timed { try await data.ensureOrders(perParty: perParty, now: Date()) }
        say("orders: \(n) (\(Int(ms)) ms to ensure)")
        return n
    }

    /// Every live party ranked and tiered, written back (values and changed tiers) in one transaction.
    func ranking(ordersPerParty: Int, parties: Int, interactions: Int) async throws -> BenchResult {
        let orderCount = try await orders(ordersPerParty)
        var latencies: [Double] = []
        var ranked = 0
        let phases = PhaseTimes()
        for run in 0..<3 {
            let (r, ms) = try await timed { try await runtime.services.analytics.recomputeValues(phase: { phases.add($0, $1) }) }
            ranked = r.parties
            latencies.append(ms)
            say("run \(run + 1): \(r.parties) parties in \(Int(ms)) ms")
        }
        var result = BenchResult(scenario: "ranking", opsPerSecond: Double(ranked) / (latencies.sorted()[1] / 1000), latencies: latencies,
                                 parties: parties, interactions: interactions)
        result.extra = [("orders", "\(orderCount)"), ("runs", "3")] + phases.medians().map { ("\($0.0)_p50_ms", String(format: "%.0f", $0.1)) }
        return result
    }

    /// Typical segments counted over and over; p50/p99 across all counts, each segment's p50 beside.
    func segmentCount(ordersPerParty: Int, parties: Int, interactions: Int) async throws -> BenchResult {
        let orderCount = try await orders(ordersPerParty)
        if try await runtime.services.analytics.lastValueRun() == nil { _ = try await runtime.services.analytics.recomputeValues() }
        let segments: [(String, [SegmentCondition])] = [
            ("tier", [SegmentCondition(field: "party.value_tier", op: .in, values: ["gold", "platinum"])]),
            ("ru_customers", [SegmentCondition(field: "party.language", op: .eq, value: .string("ru")),
                              SegmentCondition(field: "party.lifecycle_stage", op: .eq, value: .string("customer"))]),
            ("top_value", [SegmentCondition(field: "value.actual_minor", op: .gte, value: .number(2_000_000))]),
            ("frequent_90d", [SegmentCondition(field: "orders.count", op: .gte, value: .number(2), withinDays: 90)]),
            ("marketing_ok", [SegmentCondition(field: "consent.marketing", op: .eq, value: .bool(true))]),
        ]
        var all: [Double] = []
        var extra: [(String, String)] = [("orders", "\(orderCount)")]
        let rounds = max(3, reads / 500)
        for (name, conditions) in segments {
            var mine: [Double] = []
            var n = 0
            for _ in 0..<rounds {
                let (count, ms) = try await timed { try await runtime.services.analytics.count(SegmentDefinition(conditions: conditions), onReplica: true) }
                n = count; mine.append(ms)
            }
            mine.sort()
            all += mine
            extra.append(("\(name)_p50_ms", String(format: "%.1f", mine[mine.count / 2])))
            extra.append(("\(name)_members", "\(n)"))
            say("\(name): \(n) members, p50 \(Int(mine[mine.count / 2])) ms")
        }
        let total = all.reduce(0, +)
        return BenchResult(scenario: "segment-count", opsPerSecond: Double(all.count) / (total / 1000), latencies: all,
                           parties: parties, interactions: interactions, extra: extra)
    }

    /// The tariff-saving offer for every customer with three months of calls.
    func tariffOffers(customers: Int, callsPerMonth: Int, parties: Int, interactions: Int) async throws -> BenchResult {
        let data = AnalyticsBenchData(database: runtime.database)
        let (rows, setupMs) = try await timed { try await data.ensureUsage(customers: customers, callsPerMonth: callsPerMonth, now: Date()) }
        say("usage records: \(rows) (\(Int(setupMs)) ms to ensure)")
        let offers = runtime.services.offers
        if try await offers.plans().isEmpty {
            let basic = try await runtime.services.catalogue.create(CatalogueItemInput(sku: "BENCH-BASIC", name: "Basic", kind: .tariff, priceMinor: 35_000))
            let world = try await runtime.services.catalogue.create(CatalogueItemInput(sku: "BENCH-WORLD", name: "World", kind: .tariff, priceMinor: 79_000))
            let home = try await runtime.services.catalogue.create(CatalogueItemInput(sku: "BENCH-HOME", name: "Home", kind: .tariff, priceMinor: 20_000))
            _ = try await offers.setRates(item: basic.id, rates: [TariffRate(destination: "RU", perMinuteMinor: 150, includedMinutes: 2_000),
                                                                  TariffRate(destination: "*", perMinuteMinor: 4_500)])
            _ = try await offers.setRates(item: world.id, rates: [TariffRate(destination: "RU", perMinuteMinor: 150, includedMinutes: 2_000),
                                                                  TariffRate(destination: "*", perMinuteMinor: 900)])
            _ = try await offers.setRates(item: home.id, rates: [TariffRate(destination: "RU", perMinuteMinor: 100)])
        }
        if (try? await offers.offer("bench-tariff-advice")) == nil {
            _ = try await offers.create(OfferInput(key: "bench-tariff-advice", name: "A cheaper tariff", kind: .tariffSaving, thresholdMinor: 50_000))
        }
        var latencies: [Double] = []
        var proposals = 0
        for _ in 0..<3 {
            let (savings, ms) = try await timed { try await offers.tariffSavings("bench-tariff-advice") }
            proposals = savings.count
            latencies.append(ms)
            say("\(savings.count) proposals in \(Int(ms)) ms")
        }
        return BenchResult(scenario: "tariff-offers", opsPerSecond: Double(customers) / (latencies.sorted()[1] / 1000), latencies: latencies,
                           parties: parties, interactions: interactions,
                           extra: [("customers", "\(customers)"), ("usage_rows", "\(rows)"), ("proposals", "\(proposals)")])
    }

    /// One day's changes exported incrementally (CSV + JSON Lines of every table).
    func export(parties: Int, interactions: Int, dayInteractions: Int) async throws -> BenchResult {
        _ = try await orders(10)
        let since = Date()
        try await AnalyticsBenchData(database: runtime.database)
            .dayOfChanges(interactions: dayInteractions, newOrders: dayInteractions / 5, changedOrders: dayInteractions / 5, since: since)
        try await Task.sleep(nanoseconds: 1_100_000_000)   // the day's rows are stamped up to a second after `since`
        let dir = URL(fileURLWithPath: "./bench-data/warehouse-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let exporter = WarehouseExport(database: runtime.database, clock: SystemClock(), timeZone: runtime.config.proactive.timeZone)
        var latencies: [Double] = []
        var rows = 0
        for run in 0..<3 {
            let (m, ms) = try await timed { try await exporter.export(to: dir.appendingPathComponent("\(run)"), since: since) }
            rows = m.tables.reduce(0) { $0 + $1.rows }
            latencies.append(ms)
            say("incremental export: \(rows) rows in \(Int(ms)) ms")
        }
        return BenchResult(scenario: "export", opsPerSecond: Double(rows) / (latencies.sorted()[1] / 1000), latencies: latencies,
                           parties: parties, interactions: interactions, extra: [("rows", "\(rows)"), ("day_interactions", "\(dayInteractions)")])
    }
}

/// Durations of named steps over several runs.
final class PhaseTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [(String, Double)] = []
    func add(_ name: String, _ ms: Double) { lock.withLock { times.append((name, ms)) } }
    /// Each step's median, in the order the steps first ran.
    func medians() -> [(String, Double)] {
        lock.withLock {
            var order: [String] = []
            for (n, _) in times where !order.contains(n) { order.append(n) }
            return order.map { n in
                let v = times.filter { $0.0 == n }.map(\.1).sorted()
                return (n, v[v.count / 2])
            }
        }
    }
}

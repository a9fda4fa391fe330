import Foundation
import Logging
import RapportCore
import RapportStorage

/// Value ranking, segments and clusters: the "differentiate" half.
public struct AnalyticsService: Sendable {
    let store: AnalyticsStore
    let settings: ProfileStore
    let clock: any Clock
    /// Every saved segment's count, for overview pages: kept a minute (a count over value or order
    /// history reads a large share of a big base), dropped when a segment changes or values are recomputed.
    let overview: TimedCache<[SegmentCount]>
    static let settingsKey = "value_model"

    init(store: AnalyticsStore, settings: ProfileStore, clock: any Clock) {
        self.store = store; self.settings = settings; self.clock = clock; self.overview = TimedCache(seconds: 60)
    }

    /// A saved segment with its count and when it was counted.
    public struct SegmentCount: Sendable {
        public let segment: Segment
        public let count: Int
        public let countedAt: Date
    }

    /// Every saved segment counted (at most a minute ago).
    public func segmentCounts() async throws -> [SegmentCount] {
        try await overview.get {
            var out: [SegmentCount] = []
            for s in try await store.segments() {
                out.append(SegmentCount(segment: s, count: try await store.count(try s.definition.validated(), now: clock.now(), report: true), countedAt: clock.now()))
            }
            return out
        }
    }

    // MARK: Value

    public func valueSettings() async throws -> ValueSettings {
        try await settings.setting(Self.settingsKey, as: ValueSettings.self) ?? ValueSettings()
    }

    public func setValueSettings(_ s: ValueSettings) async throws -> ValueSettings {
        let valid = try s.validated()
        try await settings.setSetting(Self.settingsKey, valid, at: clock.now())
        return valid
    }

    /// Recomputes every live party's value and tier (the card and routing read the tier).
    /// `phase` hears how long each step took (read, rank, the write's steps), for the benchmark.
    public func recomputeValues(cause: String = "on_demand", phase: (@Sendable (String, Double) -> Void)? = nil) async throws -> ValueRun {
        defer { overview.invalidate() }
        let s = try await valueSettings()
        let started = clock.now()
        var t0 = ContinuousClock.now
        func lap(_ name: String) {
            let now = ContinuousClock.now
            let d = (now - t0).components
            phase?(name, Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15)
            t0 = now
        }
        async let live = store.livePartyTiers()
        async let activity = store.activity(since: started.addingTimeInterval(-Double(s.windowDays) * 86_400), defaultMarginPermille: s.defaultMarginPermille)
        async let contacts = store.contactPairs()
        let (parties, purchases, pairs) = (try await live, try await activity, try await contacts)
        lap("read")
        // Both lists are in party-id order: pair them in one pass.
        var aligned: [(id: UUID, activity: PartyActivity?)] = []
        aligned.reserveCapacity(parties.count)
        var j = 0
        for p in parties {
            let key = p.id.orderKey
            while j < purchases.count && purchases[j].partyId.orderKey < key { j += 1 }
            aligned.append((p.id, j < purchases.count && purchases[j].partyId == p.id ? purchases[j] : nil))
        }
        let values = ValueModel.rank(aligned, settings: s, now: started, contacts: pairs)
        // Only parties whose tier changes are touched (values come back in the parties' order).
        var changes: [String: [UUID]] = [:]
        for (p, v) in zip(parties, values) where p.tier != v.tier { changes[v.tier, default: []].append(v.partyId) }
        lap("rank")
        let run = ValueRun(id: .timeOrdered(at: started), startedAt: started, finishedAt: clock.now(), parties: values.count, settings: s,
                           tiers: ValueModel.distribution(values, settings: s), cause: cause)
        try await store.saveValues(values, tierChanges: changes, run: run, phase: phase)
        return run
    }

    /// Whether a scheduled recomputation is due (none yet, or the last is older than the schedule).
    public func valuesDue() async throws -> Bool {
        let s = try await valueSettings()
        guard s.scheduleHours > 0 else { return false }
        guard let last = try await store.lastValueRun() else { return true }
        return clock.now().timeIntervalSince(last.startedAt) >= Double(s.scheduleHours) * 3600
    }

    public func lastValueRun() async throws -> ValueRun? { try await store.lastValueRun() }
    public func value(of party: UUID) async throws -> PartyValue? { try await store.value(of: party) }
    public func tierCounts() async throws -> [TierCount] {
        let s = try await valueSettings()
        let counts = Dictionary(try await store.tierCounts().map { ($0.tier, $0) }, uniquingKeysWith: { a, _ in a })
        let known = s.tierOrder.map { counts[$0] ?? TierCount(tier: $0, parties: 0, actualMinor: 0) }
        return known + counts.values.filter { !s.tierOrder.contains($0.tier) }.sorted { $0.tier < $1.tier }
    }

    public func ranking(tier: String?, limit: Int, offset: Int) async throws -> [RankedParty] {
        guard (1...1000).contains(limit) else {
            throw RapportError.invalidField("limit", code: "invalid_limit", "must be between 1 and 1000", "должно быть от 1 до 1000")
        }
        guard offset >= 0 else { throw RapportError.invalidField("offset", code: "invalid_offset", "cannot be negative", "не может быть отрицательным") }
        return try await store.ranking(tier: tier, limit: limit, offset: offset)
    }

    // MARK: Segments

    public func createSegment(_ input: SegmentInput) async throws -> Segment {
        let now = clock.now()
        defer { overview.invalidate() }
        return try await store.createSegment(try input.make(id: .timeOrdered(at: now), now: now))
    }

    public func updateSegment(_ key: String, _ input: SegmentInput) async throws -> Segment {
        defer { overview.invalidate() }
        return try await store.updateSegment(try input.apply(to: try await segment(key), now: clock.now()))
    }

    public func segment(_ key: String) async throws -> Segment {
        guard let s = try await store.segment(key) else { throw RapportError.notFound("segment", key) }
        return s
    }

    public func segments() async throws -> [Segment] { try await store.segments() }

    /// Members now. `onReplica`: a figure to show, read on the reporting replica when there is one;
    /// a decision (a campaign's target is not empty) reads the primary.
    public func count(_ d: SegmentDefinition, onReplica: Bool = false) async throws -> Int {
        try await store.count(try d.validated(), now: clock.now(), report: onReplica)
    }

    public func members(_ key: String, after: UUID?, limit: Int) async throws -> [SegmentMember] {
        try await store.members(try await segment(key).definition, now: clock.now(), after: after, limit: limit)
    }

    public func matches(_ d: SegmentDefinition, party: UUID) async throws -> Bool {
        d.conditions.isEmpty ? true : try await store.matches(d, party: party, now: clock.now())
    }

    // MARK: Clusters

    /// K-means over the last `windowDays` days of behaviour of every live party.
    public func cluster(k: Int, windowDays: Int = 365, features: [ClusterFeature] = ClusterFeature.allCases) async throws -> ClusterRun {
        guard (2...20).contains(k) else { throw RapportError.invalidField("k", code: "out_of_range", "must be 2–20", "допустимо 2–20") }
        guard (1...3650).contains(windowDays) else {
            throw RapportError.invalidField("window_days", code: "out_of_range", "must be 1–3650", "допустимо 1–3650")
        }
        guard !features.isEmpty, Set(features).count == features.count else {
            throw RapportError.invalidField("features", code: "invalid_features", "name each feature once", "укажите каждый признак один раз")
        }
        let now = clock.now()
        let (ids, all) = try await store.clusterFeatures(since: now.addingTimeInterval(-Double(windowDays) * 86_400), now: now)
        guard ids.count >= k else {
            throw RapportError(.invalid, code: "too_few_parties", message: "\(ids.count) parties cannot form \(k) clusters",
                               messageRu: "из \(ids.count) клиентов не получится \(k) кластеров")
        }
        let columns = features.map { ClusterFeature.allCases.firstIndex(of: $0)! }
        let rows = all.map { r in columns.map { r[$0] } }
        let result = KMeans.cluster(rows, features: features, k: k)
        let run = ClusterRun(id: .timeOrdered(at: now), k: k, features: features, profiles: result.profiles, parties: ids.count,
                             iterations: result.iterations, createdAt: now)
        try await store.saveClusterRun(run, ids: ids, assignments: result.assignments)
        return run
    }

    public func clusterRun(_ id: UUID?) async throws -> ClusterRun {
        guard let run = try await store.clusterRun(id) else { throw RapportError.notFound("cluster_run", id?.uuidString.lowercased() ?? "latest") }
        return run
    }

    public func clusterMembers(run: UUID?, cluster: Int, after: UUID?, limit: Int) async throws -> [SegmentMember] {
        let r = try await clusterRun(run)
        guard r.profiles.contains(where: { $0.cluster == cluster }) else { throw RapportError.notFound("cluster", String(cluster)) }
        return try await store.clusterMembers(run: r.id, cluster: cluster, after: after, limit: limit)
    }
}

/// Recomputes value on its schedule: every `interval` seconds it checks whether the last run is
/// older than the settings' `schedule_hours` and, if so, ranks everyone again. Several worker nodes
/// may run this: the run is claimed in the database first (`work_claims`, held for up to two
/// hours), so only one node ranks; a restart simply checks again.
public struct ValueScheduler: Sendable {
    let analytics: AnalyticsService
    let claims: WorkClaims
    let clock: any Clock
    let interval: Double
    let logger: Logger
    /// This process, as the claim's holder.
    let holder = "value-\(UUID().uuidString.lowercased())"
    static let claimName = "value_schedule"

    public init(analytics: AnalyticsService, claims: WorkClaims, clock: any Clock, interval: Double = 600,
                logger: Logger = Logger(label: "rapport.value")) {
        self.analytics = analytics; self.claims = claims; self.clock = clock; self.interval = interval; self.logger = logger
    }

    /// One check: ranks everyone when due and this node gets the claim; the run, or nil.
    public func runIfDue() async throws -> ValueRun? {
        guard try await analytics.valuesDue() else { return nil }
        let now = clock.now()
        guard try await claims.claim(Self.claimName, holder: holder, until: now.addingTimeInterval(7200), now: now) else { return nil }
        do {
            // Another node may have finished a run between the check and the claim.
            guard try await analytics.valuesDue() else {
                try await claims.release(Self.claimName, holder: holder)
                return nil
            }
            let run = try await analytics.recomputeValues(cause: "schedule")
            try await claims.release(Self.claimName, holder: holder)
            return run
        } catch {
            try? await claims.release(Self.claimName, holder: holder)
            throw error
        }
    }

    public func run() async {
        while !Task.isCancelled {
            do {
                if let run = try await runIfDue() { logger.info("value recomputed", metadata: ["parties": "\(run.parties)"]) }
            } catch { logger.error("value recomputation failed", metadata: ["error": "\(type(of: error))"]) }
            try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
        }
    }
}

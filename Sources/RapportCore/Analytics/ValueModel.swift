import Foundation

/// How value is computed: the margin window, the margin rate assumed for orders whose margin is
/// not known, the horizon of the potential estimate, and the tiers by rank.
public struct ValueSettings: Codable, Sendable, Equatable {
    /// Purchases (orders and invoice payments) within this many days count towards actual value.
    public var windowDays: Int
    /// Margin assumed for an order without a recorded margin, in per mille of its total (250 = 25 %).
    public var defaultMarginPermille: Int
    /// The potential estimate looks this many days ahead.
    public var horizonDays: Int
    /// Tiers from the top: each takes the parties ranked within its `top_percent` (cumulative).
    /// Parties below the last cut, and every party without value, get `base_tier`.
    public var tiers: [TierCut]
    public var baseTier: String
    /// Recompute on a schedule every this many hours (0: only on demand).
    public var scheduleHours: Int

    public struct TierCut: Codable, Sendable, Equatable {
        public var tier: String
        public var topPercent: Double
        public init(tier: String, topPercent: Double) { self.tier = tier; self.topPercent = topPercent }
    }

    public init(windowDays: Int = 365, defaultMarginPermille: Int = 250, horizonDays: Int = 365,
                tiers: [TierCut] = ValueSettings.standardTiers, baseTier: String = "bronze", scheduleHours: Int = 24) {
        self.windowDays = windowDays; self.defaultMarginPermille = defaultMarginPermille; self.horizonDays = horizonDays
        self.tiers = tiers; self.baseTier = baseTier; self.scheduleHours = scheduleHours
    }

    public static let standardTiers = [TierCut(tier: "platinum", topPercent: 1), TierCut(tier: "gold", topPercent: 5),
                                       TierCut(tier: "silver", topPercent: 20)]

    /// Rejects settings that could not rank anyone sensibly.
    public func validated() throws -> ValueSettings {
        guard (1...3650).contains(windowDays) else {
            throw RapportError.invalidField("window_days", code: "out_of_range", "must be 1–3650", "допустимо 1–3650")
        }
        guard (0...1000).contains(defaultMarginPermille) else {
            throw RapportError.invalidField("default_margin_permille", code: "out_of_range", "must be 0–1000", "допустимо 0–1000")
        }
        guard (1...3650).contains(horizonDays) else {
            throw RapportError.invalidField("horizon_days", code: "out_of_range", "must be 1–3650", "допустимо 1–3650")
        }
        guard (0...8760).contains(scheduleHours) else {
            throw RapportError.invalidField("schedule_hours", code: "out_of_range", "must be 0–8760", "допустимо 0–8760")
        }
        var valid = self
        valid.baseTier = try Validate.text(baseTier, "base_tier", max: 50)
        var names: Set<String> = [valid.baseTier]
        var last = 0.0
        for (i, cut) in tiers.enumerated() {
            let name = try Validate.text(cut.tier, "tiers[\(i)].tier", max: 50)
            valid.tiers[i].tier = name
            guard names.insert(name).inserted else {
                throw RapportError.invalidField("tiers[\(i)].tier", code: "duplicate_tier", "\(name) appears twice", "\(name) указан дважды")
            }
            guard cut.topPercent > last, cut.topPercent <= 100 else {
                throw RapportError.invalidField("tiers[\(i)].top_percent", code: "out_of_range",
                                                "must grow from tier to tier and stay within 100", "должен расти от уровня к уровню и не превышать 100")
            }
            last = cut.topPercent
        }
        guard tiers.count <= 10 else {
            throw RapportError.invalidField("tiers", code: "too_many_tiers", "at most 10 tiers", "не больше 10 уровней")
        }
        return valid
    }

    /// Tier names from the highest to the lowest.
    public var tierOrder: [String] { tiers.map(\.tier) + [baseTier] }
}

/// What the value model reads per party: orders within the window (cancelled and returned ones excluded).
public struct PartyActivity: Sendable, Equatable {
    public var partyId: UUID
    public var orders: Int
    public var revenueMinor: Int64
    public var marginMinor: Int64
    public var lastOrderAt: Date?

    public init(partyId: UUID, orders: Int, revenueMinor: Int64, marginMinor: Int64, lastOrderAt: Date?) {
        self.partyId = partyId; self.orders = orders; self.revenueMinor = revenueMinor; self.marginMinor = marginMinor; self.lastOrderAt = lastOrderAt
    }
}

/// One party's computed value.
public struct PartyValue: Codable, Sendable, Equatable {
    public var partyId: UUID
    /// Margin earned within the window.
    public var actualMinor: Int64
    public var orders: Int
    public var revenueMinor: Int64
    public var lastOrderAt: Date?
    /// 1–5 by quintile among parties with orders (5 = most recent / most frequent / highest revenue); 0 without orders.
    public var recencyScore: Int
    public var frequencyScore: Int
    public var monetaryScore: Int
    /// Expected margin over the horizon if the customer keeps buying as in the window, discounted
    /// by how likely they still are to buy (see docs/analytics.md).
    public var potentialMinor: Int64
    public var tier: String
    /// 1 = the most valuable party.
    public var rank: Int
    public var computedAt: Date

    public init(partyId: UUID, actualMinor: Int64, orders: Int, revenueMinor: Int64, lastOrderAt: Date?, recencyScore: Int, frequencyScore: Int,
                monetaryScore: Int, potentialMinor: Int64, tier: String, rank: Int, computedAt: Date) {
        self.partyId = partyId; self.actualMinor = actualMinor; self.orders = orders; self.revenueMinor = revenueMinor; self.lastOrderAt = lastOrderAt
        self.recencyScore = recencyScore; self.frequencyScore = frequencyScore; self.monetaryScore = monetaryScore
        self.potentialMinor = potentialMinor; self.tier = tier; self.rank = rank; self.computedAt = computedAt
    }
}

/// Ranks parties by value. Pure: the storage layer reads the activity and writes the result.
public enum ValueModel {
    /// The potential of one party: margin per day in the window × horizon × the chance the
    /// customer is still buying, `exp(−days since last order / mean gap between orders)`.
    public static func potential(_ a: PartyActivity, settings: ValueSettings, now: Date) -> Int64 {
        guard a.orders > 0, a.marginMinor > 0, let last = a.lastOrderAt else { return 0 }
        let recencyDays = max(0, now.timeIntervalSince(last) / 86_400)
        let meanGap = Double(settings.windowDays) / Double(a.orders)
        let alive = exp(-recencyDays / meanGap)
        let perDay = Double(a.marginMinor) / Double(settings.windowDays)
        return Int64((perDay * Double(settings.horizonDays) * alive).rounded())
    }

    /// Values for every party in `partyIds` (those without activity rank last, with zero value),
    /// returned in the order of `partyIds` with `rank` set (1 = the most valuable).
    /// Order: actual value, then potential, then revenue, then id, all descending except the id.
    /// `contacts` pairs a contact person with their organisation: the person is served at the
    /// organisation's tier when it is higher than their own.
    public static func rank(partyIds: [UUID], activity: [PartyActivity], settings: ValueSettings, now: Date,
                            contacts: [(person: UUID, organisation: UUID)] = []) -> [PartyValue] {
        var byParty: [UUID: PartyActivity] = [:]
        byParty.reserveCapacity(activity.count)
        for a in activity { byParty[a.partyId] = a }
        return rank(partyIds.map { ($0, byParty[$0]) }, settings: settings, now: now, contacts: contacts)
    }

    /// The same with each party's activity beside it (nil: none), when the caller has them aligned.
    public static func rank(_ parties: [(id: UUID, activity: PartyActivity?)], settings: ValueSettings, now: Date,
                            contacts: [(person: UUID, organisation: UUID)] = []) -> [PartyValue] {
        var values: [PartyValue] = parties.map { party in
            let a = party.activity ?? PartyActivity(partyId: party.id, orders: 0, revenueMinor: 0, marginMinor: 0, lastOrderAt: nil)
            return PartyValue(partyId: party.id, actualMinor: a.marginMinor, orders: a.orders, revenueMinor: a.revenueMinor, lastOrderAt: a.lastOrderAt,
                              recencyScore: 0, frequencyScore: 0, monetaryScore: 0, potentialMinor: potential(a, settings: settings, now: now),
                              tier: settings.baseTier, rank: 0, computedAt: now)
        }
        // Quintile scores among buyers.
        let buyers = values.indices.filter { values[$0].orders > 0 }
        func score(_ key: (PartyValue) -> Double, _ assign: (inout PartyValue, Int) -> Void) {
            // Keys computed once, then sorted with their positions.
            var keyed = buyers.map { (key(values[$0]), $0) }
            keyed.sort { $0.0 < $1.0 }
            let n = keyed.count
            var i = 0
            while i < n {
                // Ties share a score: find the run of equal keys.
                var j = i
                while j + 1 < n && keyed[j + 1].0 == keyed[i].0 { j += 1 }
                let s = min(5, 1 + (i * 5) / n)
                for x in i...j { assign(&values[keyed[x].1], s) }
                i = j + 1
            }
        }
        score({ $0.lastOrderAt?.timeIntervalSince1970 ?? 0 }) { $0.recencyScore = $1 }
        score({ Double($0.orders) }) { $0.frequencyScore = $1 }
        score({ Double($0.revenueMinor) }) { $0.monetaryScore = $1 }
        // Ranked through an index array on copied keys: moving a million whole values through a
        // comparison sort cost about as much as everything else here.
        let actual = values.map(\.actualMinor), potentials = values.map(\.potentialMinor), revenue = values.map(\.revenueMinor)
        let ids = values.map(\.partyId.orderKey)
        var order = Array(values.indices)
        order.sort { a, b in
            if actual[a] != actual[b] { return actual[a] > actual[b] }
            if potentials[a] != potentials[b] { return potentials[a] > potentials[b] }
            if revenue[a] != revenue[b] { return revenue[a] > revenue[b] }
            return ids[a] < ids[b]
        }
        let n = values.count
        var cutIndex = 0
        for (position, i) in order.enumerated() {
            values[i].rank = position + 1
            guard values[i].actualMinor > 0 else { continue }
            // The share of parties ranked at or above this one.
            let share = Double(position + 1) / Double(n) * 100
            while cutIndex < settings.tiers.count && share > settings.tiers[cutIndex].topPercent + 1e-9 { cutIndex += 1 }
            values[i].tier = cutIndex < settings.tiers.count ? settings.tiers[cutIndex].tier : settings.baseTier
        }
        if !contacts.isEmpty {
            let order = Dictionary(uniqueKeysWithValues: settings.tierOrder.enumerated().map { ($1, $0) })
            let involved = Set(contacts.flatMap { [$0.person, $0.organisation] })
            var index: [UUID: Int] = [:]
            for (i, v) in values.enumerated() where involved.contains(v.partyId) { index[v.partyId] = i }
            for (person, organisation) in contacts {
                guard let p = index[person], let o = index[organisation] else { continue }
                if order[values[o].tier, default: Int.max] < order[values[p].tier, default: Int.max] { values[p].tier = values[o].tier }
            }
        }
        return values
    }

    /// How many parties each tier holds, in tier order.
    public static func distribution(_ values: [PartyValue], settings: ValueSettings) -> [TierCount] {
        var counts: [String: (Int, Int64)] = [:]
        for v in values { counts[v.tier, default: (0, 0)].0 += 1; counts[v.tier, default: (0, 0)].1 += v.actualMinor }
        return settings.tierOrder.map { TierCount(tier: $0, parties: counts[$0]?.0 ?? 0, actualMinor: counts[$0]?.1 ?? 0) }
    }
}

public struct TierCount: Codable, Sendable, Equatable {
    public var tier: String
    public var parties: Int
    public var actualMinor: Int64
    public init(tier: String, parties: Int, actualMinor: Int64) { self.tier = tier; self.parties = parties; self.actualMinor = actualMinor }
}

extension UUID {
    /// The 16 bytes as two big-endian integers: comparing them is comparing the bytes (and the
    /// upper-case text SQLite stores) in order.
    public var orderKey: OrderKey {
        withUnsafeBytes(of: uuid) { OrderKey(high: UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)),
                                             low: UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) }
    }

    public struct OrderKey: Comparable, Sendable {
        let high: UInt64
        let low: UInt64
        public static func < (a: OrderKey, b: OrderKey) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }
    }

    /// Byte order, for stable tie-breaks without building strings.
    public func precedes(_ other: UUID) -> Bool { orderKey < other.orderKey }
}

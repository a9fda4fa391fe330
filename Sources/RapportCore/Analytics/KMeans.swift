import Foundation

/// The behavioural features clustering reads per party.
public enum ClusterFeature: String, ClosedVocabulary {
    /// Days since the last order (a party without orders counts as the whole window).
    case recencyDays = "recency_days"
    case orders
    case revenueMinor = "revenue_minor"
    case interactions
    /// Share of interactions on digital channels (e-mail, web form, chat, messenger, social).
    case digitalShare = "digital_share"
    case complaints

    public var label: (en: String, ru: String, high: (en: String, ru: String), low: (en: String, ru: String)) {
        switch self {
        case .recencyDays: ("days since last order", "дней с последнего заказа", ("lapsed", "давно не покупали"), ("recent buyers", "покупали недавно"))
        case .orders: ("orders", "заказы", ("frequent buyers", "часто покупают"), ("rare buyers", "покупают редко"))
        case .revenueMinor: ("revenue", "выручка", ("high spend", "тратят много"), ("low spend", "тратят мало"))
        case .interactions: ("contacts", "обращения", ("contact us often", "часто обращаются"), ("rarely in touch", "редко обращаются"))
        case .digitalShare: ("digital share", "доля цифровых каналов", ("prefer digital channels", "предпочитают цифровые каналы"),
                             ("prefer phone and visits", "предпочитают телефон и визиты"))
        case .complaints: ("complaints", "жалобы", ("complain often", "часто жалуются"), ("rarely complain", "редко жалуются"))
        }
    }
}

/// The profile of one cluster: its size, its centre in the features' own units, and words for
/// what sets it apart from everyone (features more than half a standard deviation off the mean).
public struct ClusterProfile: Codable, Sendable, Equatable {
    public var cluster: Int
    public var parties: Int
    public var centre: [String: Double]
    public var traits: [String]
    public var traitsRu: [String]
    public var label: String
    public var labelRu: String
}

/// K-means (k-means++ seeding, Lloyd iterations) on standardised features. Deterministic for a seed.
public enum KMeans {
    public struct Result: Sendable {
        public var assignments: [Int]
        public var profiles: [ClusterProfile]
        public var iterations: Int
    }

    /// `rows` holds one vector per party, in `features` order.
    public static func cluster(_ rows: [[Double]], features: [ClusterFeature], k: Int, seed: UInt64 = 42, maxIterations: Int = 50) -> Result {
        let n = rows.count, d = features.count
        guard n > 0, d > 0 else { return Result(assignments: [], profiles: [], iterations: 0) }
        let k = min(k, n)
        var mean = [Double](repeating: 0, count: d), sd = [Double](repeating: 0, count: d)
        for r in rows { for j in 0..<d { mean[j] += r[j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        for r in rows { for j in 0..<d { sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) } }
        for j in 0..<d { sd[j] = sd[j] > 0 ? (sd[j] / Double(n)).squareRoot() : 1 }
        var z = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { z[i * d + j] = (rows[i][j] - mean[j]) / sd[j] } }
        func dist(_ i: Int, _ c: [Double], _ ci: Int) -> Double {
            var s = 0.0
            for j in 0..<d { let x = z[i * d + j] - c[ci * d + j]; s += x * x }
            return s
        }
        var rng = SplitMix64(seed: seed)
        var centres = [Double](repeating: 0, count: k * d)
        let first = Int(rng.next() % UInt64(n))
        for j in 0..<d { centres[j] = z[first * d + j] }
        var nearest = [Double](repeating: .infinity, count: n)
        for c in 1..<max(k, 1) {
            var total = 0.0
            for i in 0..<n { nearest[i] = min(nearest[i], dist(i, centres, c - 1)); total += nearest[i] }
            var pick = Int(rng.next() % UInt64(n))
            if total > 0 {
                var target = Double(rng.next() % 1_000_000_007) / 1_000_000_007 * total
                for i in 0..<n { target -= nearest[i]; if target <= 0 { pick = i; break } }
            }
            for j in 0..<d { centres[c * d + j] = z[pick * d + j] }
        }
        var assign = [Int](repeating: -1, count: n)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            var changed = false
            for i in 0..<n {
                var best = 0, bestD = Double.infinity
                for c in 0..<k { let dd = dist(i, centres, c); if dd < bestD { bestD = dd; best = c } }
                if assign[i] != best { assign[i] = best; changed = true }
            }
            var sums = [Double](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
            for i in 0..<n { counts[assign[i]] += 1; for j in 0..<d { sums[assign[i] * d + j] += z[i * d + j] } }
            for c in 0..<k where counts[c] > 0 { for j in 0..<d { centres[c * d + j] = sums[c * d + j] / Double(counts[c]) } }
            if !changed { break }
        }
        // Number clusters by size, largest first, so the same data gives the same numbering.
        var counts = [Int](repeating: 0, count: k)
        for a in assign { counts[a] += 1 }
        let order = (0..<k).sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        var renumber = [Int](repeating: 0, count: k)
        for (new, old) in order.enumerated() { renumber[old] = new }
        let assignments = assign.map { renumber[$0] }
        var profiles: [ClusterProfile] = []
        for (new, old) in order.enumerated() where counts[old] > 0 {
            var centre: [String: Double] = [:], traits: [String] = [], traitsRu: [String] = []
            for (j, f) in features.enumerated() {
                let zc = centres[old * d + j]
                centre[f.rawValue] = ((zc * sd[j] + mean[j]) * 100).rounded() / 100
                if zc > 0.5 { traits.append(f.label.high.en); traitsRu.append(f.label.high.ru) }
                if zc < -0.5 { traits.append(f.label.low.en); traitsRu.append(f.label.low.ru) }
            }
            let label = traits.isEmpty ? "Typical customers" : traits.prefix(3).joined(separator: ", ").capitalisedFirst
            let labelRu = traitsRu.isEmpty ? "Типичные клиенты" : traitsRu.prefix(3).joined(separator: ", ").capitalisedFirst
            profiles.append(ClusterProfile(cluster: new, parties: counts[old], centre: centre, traits: traits, traitsRu: traitsRu,
                                           label: label, labelRu: labelRu))
        }
        return Result(assignments: assignments, profiles: profiles, iterations: iterations)
    }
}

extension String {
    var capitalisedFirst: String { prefix(1).uppercased() + dropFirst() }
}

import Foundation
import RapportCore
import SQLKit

/// Turns a segment definition into a condition on `parties p`. Conditions on orders, interactions
/// and requests are set-based (`p.id IN (SELECT party_id … GROUP BY party_id HAVING …)`), so a
/// count over a million parties is a few scans, not a million lookups. The definition was
/// validated when it was saved; this only builds SQL from it.
struct SegmentSQL {
    let engine: SQLEngine
    let now: Date
    /// The latest cluster run, for `cluster.latest`.
    let clusterRun: UUID?

    /// Live parties only: not merged away, not erased.
    static let live: SQLQueryString = "p.merged_into_id IS NULL AND p.erased_at IS NULL"

    func whereClause(_ d: SegmentDefinition) -> SQLQueryString {
        guard !d.conditions.isEmpty else { return Self.live }
        var out: SQLQueryString = Self.live + " AND ("
        for (i, c) in d.conditions.enumerated() {
            if i > 0 { out = out + (d.match == .all ? " AND " : " OR ") }
            out = out + "(" + condition(c) + ")"
        }
        return out + ")"
    }

    private func number(_ c: SegmentCondition) -> Double { c.value?.text.flatMap(Double.init) ?? 0 }

    private func op(_ o: ConditionOperator) -> String {
        switch o {
        case .eq: "="
        case .ne: "<>"
        case .gt: ">"
        case .gte: ">="
        case .lt: "<"
        case .lte: "<="
        default: "="
        }
    }

    /// Whether the condition holds for a value of 0.
    private func zeroMatches(_ c: SegmentCondition) -> Bool {
        if c.op == .in { return (c.values ?? []).contains { Double($0) == 0 } }
        return holdsForZero(c.op, number(c))
    }

    /// Whether `x op n` holds for x = 0 (a party with no rows at all).
    private func holdsForZero(_ o: ConditionOperator, _ n: Double) -> Bool {
        switch o {
        case .eq: n == 0
        case .ne: n != 0
        case .gt: 0 > n
        case .gte: 0 >= n
        case .lt: 0 < n
        case .lte: 0 <= n
        default: false
        }
    }

    /// `aggregate op n` over the party's rows of `from` (rows filtered by `filter`): parties with
    /// rows whose aggregate matches, plus — when zero matches — parties without rows.
    private func aggregate(_ aggregate: String, from table: String, filter: SQLQueryString, _ c: SegmentCondition) -> SQLQueryString {
        let n = number(c)
        let inner: SQLQueryString = "SELECT party_id FROM \(unsafeRaw: table) WHERE " + filter + " GROUP BY party_id HAVING "
        if holdsForZero(c.op, n) {
            return "p.id NOT IN (" + inner + "NOT (\(unsafeRaw: aggregate) \(unsafeRaw: op(c.op)) \(bind: n)))"
        }
        return "p.id IN (" + inner + "\(unsafeRaw: aggregate) \(unsafeRaw: op(c.op)) \(bind: n))"
    }

    private func textCompare(_ column: String, _ c: SegmentCondition) -> SQLQueryString {
        switch c.op {
        case .exists: return "\(unsafeRaw: column) IS NOT NULL"
        case .notExists: return "\(unsafeRaw: column) IS NULL"
        case .in: return "\(unsafeRaw: column) IN (" + list(c.values ?? []) + ")"
        default: return "\(unsafeRaw: column) \(unsafeRaw: op(c.op)) \(bind: c.value?.text ?? "")"
        }
    }

    private func list(_ values: [String]) -> SQLQueryString {
        var out: SQLQueryString = ""
        for (i, v) in values.enumerated() { out = out + (i == 0 ? "" : ", ") + "\(bind: v)" }
        return out
    }

    private func numberCompare(_ expression: String, _ c: SegmentCondition) -> SQLQueryString {
        switch c.op {
        case .exists: return "\(unsafeRaw: expression) IS NOT NULL"
        case .notExists: return "\(unsafeRaw: expression) IS NULL"
        case .in:
            var out: SQLQueryString = "\(unsafeRaw: expression) IN ("
            for (i, v) in (c.values ?? []).enumerated() { out = out + (i == 0 ? "" : ", ") + "\(bind: Double(v) ?? 0)" }
            return out + ")"
        default: return "\(unsafeRaw: expression) \(unsafeRaw: op(c.op)) \(bind: number(c))"
        }
    }

    /// A date compared with a time column: the day runs from its UTC midnight to the next.
    private func dayCompare(_ column: String, _ c: SegmentCondition) -> SQLQueryString {
        switch c.op {
        case .exists: return "\(unsafeRaw: column) IS NOT NULL"
        case .notExists: return "\(unsafeRaw: column) IS NULL"
        default: break
        }
        guard let text = c.value?.text, let day = try? CivilDate(parsing: text) else { return "1 = 0" }
        let start = day.startOfDayUTC, end = start.addingTimeInterval(86_400)
        switch c.op {
        case .eq: return "\(unsafeRaw: column) >= \(bind: start) AND \(unsafeRaw: column) < \(bind: end)"
        case .ne: return "(\(unsafeRaw: column) < \(bind: start) OR \(unsafeRaw: column) >= \(bind: end))"
        case .gt: return "\(unsafeRaw: column) >= \(bind: end)"
        case .gte: return "\(unsafeRaw: column) >= \(bind: start)"
        case .lt: return "\(unsafeRaw: column) < \(bind: start)"
        case .lte: return "\(unsafeRaw: column) < \(bind: end)"
        default: return "1 = 0"
        }
    }

    private func since(_ column: String, _ c: SegmentCondition) -> SQLQueryString {
        guard let days = c.withinDays else { return "1 = 1" }
        return "\(unsafeRaw: column) >= \(bind: now.addingTimeInterval(-Double(days) * 86_400))"
    }

    /// A date aggregate (`MAX(placed_at)`) against a day: parties whose rows' aggregate matches.
    private func lastDay(_ column: String, table: String, filter: SQLQueryString, _ c: SegmentCondition) -> SQLQueryString {
        switch c.op {
        case .exists: return "p.id IN (SELECT party_id FROM \(unsafeRaw: table) WHERE " + filter + ")"
        case .notExists: return "p.id NOT IN (SELECT party_id FROM \(unsafeRaw: table) WHERE " + filter + ")"
        default:
            return "p.id IN (SELECT party_id FROM \(unsafeRaw: table) WHERE " + filter + " GROUP BY party_id HAVING "
                + dayCompare("MAX(\(column))", c) + ")"
        }
    }

    func condition(_ c: SegmentCondition) -> SQLQueryString {
        let liveOrders: SQLQueryString = "status NOT IN ('cancelled', 'returned') AND " + since("placed_at", c)
        var interactionsFilter: SQLQueryString = "party_id IS NOT NULL AND " + since("occurred_at", c)
        if let channel = c.channel { interactionsFilter = interactionsFilter + " AND channel = \(bind: channel)" }
        switch c.field {
        case "party.kind": return textCompare("p.kind", c)
        case "party.lifecycle_stage": return textCompare("p.lifecycle_stage", c)
        case "party.value_tier": return textCompare("p.value_tier", c)
        case "party.language": return textCompare("p.language", c)
        case "party.country": return textCompare("p.country", c)
        case "party.birth_date": return textCompare("p.birth_date", c)
        case "party.created_at": return dayCompare("p.created_at", c)
        case "party.age": return age(c)
        case "value.actual_minor", "value.potential_minor", "value.recency_score", "value.frequency_score", "value.monetary_score", "value.rank":
            // Set-based like the orders: the parties whose stored value matches (plus, when zero
            // matches, those without a value yet — their value is 0; a rank they do not have).
            let column = String(c.field.dropFirst("value.".count))
            let matching: SQLQueryString = "SELECT party_id FROM party_values WHERE " + numberCompare(column, c)
            switch c.op {
            case .exists: return column == "rank" ? "p.id IN (SELECT party_id FROM party_values)" : "1 = 1"
            case .notExists: return column == "rank" ? "p.id NOT IN (SELECT party_id FROM party_values)" : "1 = 0"
            default: break
            }
            if column != "rank" && zeroMatches(c) {
                return "p.id NOT IN (SELECT party_id FROM party_values WHERE NOT (" + numberCompare(column, c) + "))"
            }
            return "p.id IN (" + matching + ")"
        case "orders.count":
            if c.op == .exists || c.op == .notExists { return lastDay("placed_at", table: "orders", filter: liveOrders, c) }
            return aggregate("COUNT(*)", from: "orders", filter: liveOrders, c)
        case "orders.total_minor":
            if c.op == .exists || c.op == .notExists { return lastDay("placed_at", table: "orders", filter: liveOrders, c) }
            return aggregate("SUM(total_minor)", from: "orders", filter: liveOrders, c)
        case "orders.last_placed_on": return lastDay("placed_at", table: "orders", filter: liveOrders, c)
        case "interactions.count":
            if c.op == .exists || c.op == .notExists { return lastDay("occurred_at", table: "interactions", filter: interactionsFilter, c) }
            return aggregate("COUNT(*)", from: "interactions", filter: interactionsFilter, c)
        case "interactions.last_on": return lastDay("occurred_at", table: "interactions", filter: interactionsFilter, c)
        case "requests.open":
            if c.op == .exists || c.op == .notExists { return lastDay("opened_at", table: "requests", filter: "status IN ('open', 'in_progress')", c) }
            return aggregate("COUNT(*)", from: "requests", filter: "status IN ('open', 'in_progress')", c)
        case "cluster.latest":
            guard let run = clusterRun else { return c.op == .notExists ? "1 = 1" : "1 = 0" }
            return numberCompare("(SELECT pc.cluster FROM party_clusters pc WHERE pc.run_id = '\(run.uuidString)' AND pc.party_id = p.id)", c)
        default:
            if c.field.hasPrefix("fact.") { return fact(String(c.field.dropFirst(5)), c) }
            if c.field.hasPrefix("consent.") { return consent(String(c.field.dropFirst(8)), c) }
            return "1 = 0"
        }
    }

    /// Age in whole years compared through the birth date, so it stays a plain text comparison.
    private func age(_ c: SegmentCondition) -> SQLQueryString {
        let today = CivilDate(now)
        func bornBy(_ years: Int) -> String {
            // The latest birth date of someone at least `years` old today.
            let y = today.year - years
            let d = min(today.day, CivilDate.daysIn(month: today.month, year: y))
            return (try? CivilDate(year: y, month: today.month, day: d))?.description ?? "0000-01-01"
        }
        let n = Int(number(c).rounded(.down))
        let atLeast: (Int) -> SQLQueryString = { "p.birth_date <= \(bind: bornBy($0))" }
        let below: (Int) -> SQLQueryString = { "p.birth_date > \(bind: bornBy($0))" }
        switch c.op {
        case .exists: return "p.birth_date IS NOT NULL"
        case .notExists: return "p.birth_date IS NULL"
        case .gte: return atLeast(n)
        case .gt: return atLeast(n + 1)
        case .lt: return below(n)
        case .lte: return below(n + 1)
        case .eq: return atLeast(n) + " AND " + below(n + 1)
        case .ne: return "(" + below(n) + " OR " + atLeast(n + 1) + ")"
        case .in:
            var out: SQLQueryString = "("
            for (i, v) in (c.values ?? []).enumerated() {
                let k = Int(Double(v) ?? -1)
                out = out + (i == 0 ? "" : " OR ") + "(" + atLeast(k) + " AND " + below(k + 1) + ")"
            }
            return out + ")"
        default: return "1 = 0"
        }
    }

    private func fact(_ key: String, _ c: SegmentCondition) -> SQLQueryString {
        let current: SQLQueryString = "SELECT f.party_id FROM party_facts f WHERE f.key = \(bind: key) AND f.status = 'answered' AND f.superseded_at IS NULL"
        switch c.op {
        case .exists: return "p.id IN (" + current + ")"
        case .notExists: return "p.id NOT IN (" + current + ")"
        default: break
        }
        if c.type == .number {
            let numeric = engine == .postgres
                ? "CASE WHEN f.value ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN CAST(f.value AS DOUBLE PRECISION) END"
                : "CASE WHEN f.value GLOB '[0-9]*' OR f.value GLOB '-[0-9]*' THEN CAST(f.value AS REAL) END"
            return "p.id IN (" + current + " AND " + numberCompare(numeric, c) + ")"
        }
        return "p.id IN (" + current + " AND " + textCompare("f.value", c) + ")"
    }

    /// `consent.<purpose> eq true`: the party agreed to the purpose on some channel (or on
    /// `channel`), reading only the answers in force — the latest per channel or for all channels.
    private func consent(_ purpose: String, _ c: SegmentCondition) -> SQLQueryString {
        let wantsYes = (c.value?.text == "true") == (c.op == .eq)
        let sameChannel = engine == .postgres ? "c2.channel IS NOT DISTINCT FROM c.channel" : "c2.channel IS c.channel"
        let latest: SQLQueryString = """
            NOT EXISTS (SELECT 1 FROM consents c2 WHERE c2.party_id = c.party_id AND c2.purpose = c.purpose AND \(unsafeRaw: sameChannel)
                        AND (c2.recorded_at > c.recorded_at OR (c2.recorded_at = c.recorded_at AND c2.id > c.id)))
            """
        let yes: SQLQueryString
        if let channel = c.channel {
            // The channel's own answer when there is one, else the all-channel answer.
            yes = "p.id IN (SELECT c.party_id FROM consents c WHERE c.purpose = \(bind: purpose) AND c.granted = \(bind: true) AND " + latest
                + " AND (c.channel = \(bind: channel) OR (c.channel IS NULL AND NOT EXISTS (SELECT 1 FROM consents c3 WHERE c3.party_id = c.party_id"
                + " AND c3.purpose = c.purpose AND c3.channel = \(bind: channel)))))"
        } else {
            yes = "p.id IN (SELECT c.party_id FROM consents c WHERE c.purpose = \(bind: purpose) AND c.granted = \(bind: true) AND " + latest + ")"
        }
        return wantsYes ? yes : "NOT (" + yes + ")"
    }
}

extension CivilDate {
    /// Midnight UTC at the start of the day.
    var startOfDayUTC: Date { Date(timeIntervalSince1970: Double(daysSince1970) * 86_400) }
}

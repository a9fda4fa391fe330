import Foundation
import RapportCore
import SQLKit

/// Date rules: the occurrences due today (birthdays, ages reached, contract ends), decided and
/// queued once each — the unique key of (rule, customer, occurrence) makes a second run, on
/// this node or another, a no-op.
extension ProactiveStore {
    /// Decides every occurrence of `rule` due on `today`; returns how many new messages (queued or
    /// suppressed) it wrote. Occurrences decided before are skipped.
    public func fireDateRule(_ rule: ProactiveRule, today: CivilDate, now: Date, defaultTimeZone: TimeZone) async throws -> Int {
        guard rule.trigger == .date, let trigger = rule.dateTrigger else { return 0 }
        let engine = database.engine
        return try await database.write { db in
            let days = rule.daysBefore ?? 0
            let (select, extra) = try await Self.occurrences(trigger, rule: rule, today: today, days: days, on: db)
            guard !extra.isEmpty else { return 0 }
            let audience = Audience(select: select, refVariable: nil)
            // Only the rows whose occurrence is due (the SQL filter can be wider, e.g. a birth year span).
            let recipients = try await Self.recipients(audience, rule: rule, now: now, extra: extra, on: db, engine: engine)
                .filter { $0.occurrence != nil }
            var planner = MessagePlanner(rule: rule, eventType: nil, eventValues: [:], eventId: nil, now: now, defaultTimeZone: defaultTimeZone)
            let messages = recipients.compactMap { planner.plan($0, id: .timeOrdered(at: now)) }
            var fresh = 0
            for chunk in messages.chunked(1000) {
                let before = try await Self.count(dedupKeys: chunk.map(\.dedupKey), on: db)
                try await db.insert(into: "outbound_messages").models(Array(chunk), with: recordEncoder).ignoringConflicts(with: ["dedup_key"]).run()
                fresh += chunk.count - before
            }
            return fresh
        }
    }

    static func count(dedupKeys: [String], on db: any SQLDatabase) async throws -> Int {
        try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("outbound_messages")
            .where("dedup_key", .in, SQLBind.group(dedupKeys)).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The rows whose occurrence is due, as an audience statement plus each row's values and key.
    static func occurrences(_ trigger: DateTrigger, rule: ProactiveRule, today: CivilDate, days: Int,
                            on db: any SQLDatabase) async throws -> (SQLQueryString, [String: (occurrence: String, values: [String: String])]) {
        let window = (0...days).map { today.adding(days: $0) }
        var monthDays = Set(window.map { String($0.description.dropFirst(5)) })
        // 29 February birthdays fall on 28 February in other years.
        for d in window where d.month == 2 && d.day == 28 && CivilDate.daysIn(month: 2, year: d.year) == 28 { monthDays.insert("02-29") }
        let md = SQLBind.group(monthDays.sorted())
        var extra: [String: (occurrence: String, values: [String: String])] = [:]
        let filter: SQLQueryString
        switch trigger {
        case .birthday:
            filter = "SELECT id AS party_id, CAST(id AS TEXT) AS ref FROM parties WHERE kind = 'person' AND birth_date IS NOT NULL AND substr(birth_date, 6, 5) IN \(md)"
            for row in try await db.raw("SELECT CAST(id AS TEXT) AS ref, birth_date FROM parties WHERE kind = 'person' AND birth_date IS NOT NULL AND substr(birth_date, 6, 5) IN \(md)").all() {
                let born = try CivilDate(parsing: try row.decode(column: "birth_date", as: String.self))
                let day = DateOccurrence.nextAnniversary(of: born, onOrAfter: today)
                guard DateOccurrence.isDue(day, today: today, daysBefore: days) else { continue }
                extra[try row.decode(column: "ref", as: String.self).lowercased()] = ("birthday:\(day)", ["party.birth_date": Self.dayMonth(day)])
            }
        case .relatedBirthday, .relatedAge:
            // A related person linked as a party of their own has their birth date and name there.
            let born: SQLQueryString = "COALESCE(related_birth_date, (SELECT birth_date FROM parties rp WHERE rp.id = related_party_id))"
            var where_: SQLQueryString
            if trigger == .relatedBirthday {
                where_ = born + " IS NOT NULL AND substr(" + born + ", 6, 5) IN \(md)"
            } else {
                let age = rule.age ?? 0
                let from = try CivilDate(year: today.year - age, month: 1, day: 1), to = try CivilDate(year: today.year - age + 2, month: 1, day: 1)
                where_ = born + " >= \(bind: from.description) AND " + born + " < \(bind: to.description)"
            }
            if let kinds = rule.relationshipKinds, !kinds.isEmpty {
                where_ = where_ + " AND kind IN \(SQLBind.group(kinds.map(\.rawValue)))"
            }
            filter = "SELECT party_id, CAST(id AS TEXT) AS ref FROM relationships WHERE " + where_
            for row in try await db.raw("SELECT CAST(id AS TEXT) AS ref, kind, COALESCE(related_name, (SELECT display_name FROM parties rp WHERE rp.id = related_party_id)) AS related_name, "
                                        + born + " AS born FROM relationships WHERE " + where_).all() {
                let born = try CivilDate(parsing: try row.decode(column: "born", as: String.self))
                let day: CivilDate
                if trigger == .relatedBirthday { day = DateOccurrence.nextAnniversary(of: born, onOrAfter: today) }
                else { guard let d = DateOccurrence.reaching(age: rule.age ?? 0, born: born) else { continue }; day = d }
                guard DateOccurrence.isDue(day, today: today, daysBefore: days) else { continue }
                let ref = try row.decode(column: "ref", as: String.self).lowercased()
                var values = ["related.date": Self.dayMonth(day), "related.kind": try row.decode(column: "kind", as: String.self)]
                if let name = try row.decode(column: "related_name", as: String?.self) { values["related.name"] = name }
                if let age = rule.age, trigger == .relatedAge { values["related.age"] = String(age) }
                extra[ref] = ("\(ref):\(day)", values)
            }
        case .contractRenewal:
            let last = today.adding(days: days)
            let where_: SQLQueryString = "status = 'active' AND ends_on >= \(bind: today.description) AND ends_on <= \(bind: last.description)"
            filter = "SELECT party_id, CAST(id AS TEXT) AS ref FROM contracts WHERE " + where_
            for row in try await db.raw("SELECT CAST(id AS TEXT) AS ref, number, ends_on FROM contracts WHERE " + where_).all() {
                let ends = try CivilDate(parsing: try row.decode(column: "ends_on", as: String.self))
                let ref = try row.decode(column: "ref", as: String.self).lowercased()
                extra[ref] = ("\(ref):\(ends)", ["contract.number": try row.decode(column: "number", as: String.self),
                                                 "contract.ends_on": Self.dayMonthYear(ends)])
            }
        }
        return (filter, extra)
    }

    static func dayMonth(_ d: CivilDate) -> String { String(format: "%02d.%02d", d.day, d.month) }
    static func dayMonthYear(_ d: CivilDate) -> String { String(format: "%02d.%02d.%04d", d.day, d.month, d.year) }
}

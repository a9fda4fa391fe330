import Foundation

/// The dates date rules watch. A rule with `days_before` N fires for an occurrence on day D on any
/// day from D − N to D (so a scheduler that was down on D − N still fires on its next run), and the
/// occurrence's key (rule, customer, subject, D) makes sure it fires only once.
public enum DateOccurrence {
    /// The next anniversary of `date` (a birthday) on or after `today`; 29 February falls on 28 February in other years.
    public static func nextAnniversary(of date: CivilDate, onOrAfter today: CivilDate) -> CivilDate {
        for year in [today.year, today.year + 1] {
            let day = min(date.day, CivilDate.daysIn(month: date.month, year: year))
            if let d = try? CivilDate(year: year, month: date.month, day: day), d >= today { return d }
        }
        return today
    }

    /// The day a person born on `birth` reaches `age`.
    public static func reaching(age: Int, born birth: CivilDate) -> CivilDate? {
        let year = birth.year + age
        return try? CivilDate(year: year, month: birth.month, day: min(birth.day, CivilDate.daysIn(month: birth.month, year: year)))
    }

    /// Whether an occurrence on `day` is due on `today` for a rule firing `daysBefore` days ahead.
    public static func isDue(_ day: CivilDate, today: CivilDate, daysBefore: Int) -> Bool {
        guard day >= today else { return false }
        return today.adding(days: daysBefore) >= day
    }
}

extension CivilDate {
    /// The date `days` later (earlier when negative).
    public func adding(days: Int) -> CivilDate {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let start = cal.date(from: DateComponents(year: year, month: month, day: day))!
        return CivilDate(cal.date(byAdding: .day, value: days, to: start)!)
    }
}

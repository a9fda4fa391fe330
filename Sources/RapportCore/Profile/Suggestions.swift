import Foundation

/// How to greet a person: Russian custom is given name + patronymic («Иван Сергеевич»); without
/// a patronymic, the given name; an organisation is not greeted, its contact person is.
public struct Greeting: Codable, Sendable, Equatable {
    public var name: String
    /// `given_name_patronymic`, `given_name`, `surname` or `form_of_address` (a contact role's own preference).
    public var form: String

    public init(name: String, form: String) { self.name = name; self.form = form }

    public static func of(_ party: Party, preferredFormOfAddress: String? = nil) -> Greeting? {
        if let preferred = preferredFormOfAddress?.trimmingCharacters(in: .whitespaces), !preferred.isEmpty {
            return Greeting(name: preferred, form: "form_of_address")
        }
        guard party.kind == .person else { return nil }
        let given = party.givenName.flatMap { $0.isEmpty ? nil : $0 }
        if let given, let patronymic = party.patronymic { return Greeting(name: "\(given) \(patronymic)", form: "given_name_patronymic") }
        if let given { return Greeting(name: given, form: "given_name") }
        if let surname = party.surname { return Greeting(name: surname, form: "surname") }
        return nil
    }
}

/// A rule that turns a life event of a related person into an offer to suggest.
public struct LifeEventRule: Codable, Sendable, Equatable {
    public var name: String
    public var relationshipKinds: [RelationshipKind]
    /// The age the related person reaches.
    public var age: Int
    /// How many days ahead the birthday may be (a birthday earlier this month also counts).
    public var windowDays: Int
    public var offer: String
    public var titleEn: String
    public var titleRu: String

    public init(name: String, relationshipKinds: [RelationshipKind], age: Int, windowDays: Int, offer: String, titleEn: String, titleRu: String) {
        self.name = name; self.relationshipKinds = relationshipKinds; self.age = age; self.windowDays = windowDays
        self.offer = offer; self.titleEn = titleEn; self.titleRu = titleRu
    }

    public static let standard: [LifeEventRule] = [
        LifeEventRule(name: "child_turns_17", relationshipKinds: [.child], age: 17, windowDays: 31, offer: "education_loan",
                      titleEn: "Education loan: the child turns 17", titleRu: "Образовательный кредит: ребёнку исполняется 17"),
        LifeEventRule(name: "child_turns_18", relationshipKinds: [.child], age: 18, windowDays: 31, offer: "youth_card",
                      titleEn: "First own card: the child turns 18", titleRu: "Первая собственная карта: ребёнку исполняется 18"),
    ]
}

public struct Suggestion: Codable, Sendable, Equatable {
    public var rule: String
    public var offer: String
    public var title: String
    public var titleRu: String
    /// Why, in words an agent can say: "Alexei turns 17 on 2026-11-30".
    public var reason: String
    public var reasonRu: String
    public var relationshipId: UUID?
    public var eventDate: CivilDate?

    public init(rule: String, offer: String, title: String, titleRu: String, reason: String, reasonRu: String, relationshipId: UUID?, eventDate: CivilDate?) {
        self.rule = rule; self.offer = offer; self.title = title; self.titleRu = titleRu; self.reason = reason; self.reasonRu = reasonRu
        self.relationshipId = relationshipId; self.eventDate = eventDate
    }
}

public enum LifeEventSuggestions {
    /// Suggestions from relationships whose person reaches a rule's age between the first day of
    /// `today`'s month and `windowDays` after today.
    public static func suggest(_ relationships: [Relationship], rules: [LifeEventRule], today: CivilDate) -> [Suggestion] {
        var out: [Suggestion] = []
        for r in relationships {
            guard let born = r.relatedBirthDate else { continue }
            for rule in rules where rule.relationshipKinds.contains(r.kind) {
                let year = born.year + rule.age
                let day = min(born.day, CivilDate.daysIn(month: born.month, year: year))
                guard let birthday = try? CivilDate(year: year, month: born.month, day: day) else { continue }
                let monthStart = try! CivilDate(year: today.year, month: today.month, day: 1)
                guard birthday >= monthStart, birthday.daysSince1970 - today.daysSince1970 <= rule.windowDays else { continue }
                let who = r.relatedName ?? r.kind.rawValue
                out.append(Suggestion(rule: rule.name, offer: rule.offer, title: rule.titleEn, titleRu: rule.titleRu,
                                      reason: "\(who) turns \(rule.age) on \(birthday)",
                                      reasonRu: "\(who): \(rule.age) лет исполняется \(birthday)",
                                      relationshipId: r.id, eventDate: birthday))
            }
        }
        return out.sorted { ($0.eventDate ?? today) < ($1.eventDate ?? today) }
    }
}

extension CivilDate {
    /// Days since 1970-01-01 (proleptic Gregorian), for date arithmetic without time zones.
    public var daysSince1970: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

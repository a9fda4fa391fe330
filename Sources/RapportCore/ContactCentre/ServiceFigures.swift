import Foundation

/// How service figures are grouped.
/// `hour`: the UTC hour a contact was offered in, `YYYY-MM-DDTHH` (the wallboard draws contacts per hour from it).
public enum FigureGrouping: String, ClosedVocabulary { case total, queue, agent, channel, day, hour }

/// Sums over a set of contacts, from which every figure is computed. Storage adds them up in SQL;
/// `ServiceFigures` turns them into rates. Definitions: `docs/contact-centre.md`.
public struct ServiceTotals: Codable, Sendable, Equatable {
    /// Contacts offered in the range.
    public var offered = 0
    public var answered = 0
    public var abandoned = 0
    /// Answered within the service-level threshold (counted from entering the queue, or from the offer).
    public var answeredWithinThreshold = 0
    /// Sum of waits of answered contacts, seconds.
    public var answerWaitSeconds = 0.0
    /// Contacts answered and ended (talk, hold and wrap-up known).
    public var handled = 0
    /// Sum of handling times (answer to wrap-up, or to the end when not wrapped up), seconds.
    public var handleSeconds = 0.0
    /// Answered contacts wrapped up with a resolution flag.
    public var wrappedUp = 0
    /// Of those, marked resolved and with no repeat contact from the same party within the window.
    public var resolvedFirstContact = 0
    public var surveyAnswers = 0
    /// Survey answers of 4 or 5.
    public var surveySatisfied = 0
    public var surveyScoreSum = 0

    public init() {}

    public static func + (a: ServiceTotals, b: ServiceTotals) -> ServiceTotals {
        var s = a
        s.offered += b.offered; s.answered += b.answered; s.abandoned += b.abandoned
        s.answeredWithinThreshold += b.answeredWithinThreshold; s.answerWaitSeconds += b.answerWaitSeconds
        s.handled += b.handled; s.handleSeconds += b.handleSeconds; s.wrappedUp += b.wrappedUp
        s.resolvedFirstContact += b.resolvedFirstContact; s.surveyAnswers += b.surveyAnswers
        s.surveySatisfied += b.surveySatisfied; s.surveyScoreSum += b.surveyScoreSum
        return s
    }
}

/// The figures of one group. A rate with nothing to divide by is nil, not zero.
public struct ServiceFigures: Codable, Sendable, Equatable {
    /// The group's key: queue or agent id, channel, day (YYYY-MM-DD, UTC), or "total".
    public var key: String
    public var label: String?
    public var contacts: Int
    public var answered: Int
    public var abandoned: Int
    /// Average speed of answer, seconds.
    public var averageSpeedOfAnswerSeconds: Double?
    /// Average handling time (talk + hold + wrap-up), seconds.
    public var averageHandlingSeconds: Double?
    /// Abandoned ÷ offered.
    public var abandonmentRate: Double?
    /// Answered within the threshold ÷ (answered + abandoned).
    public var serviceLevel: Double?
    /// Resolved on first contact ÷ answered contacts wrapped up.
    public var firstContactResolution: Double?
    /// Survey answers of 4–5 ÷ all answers.
    public var csat: Double?
    public var csatAverage: Double?
    public var surveyAnswers: Int
    public var totals: ServiceTotals

    public init(key: String, label: String? = nil, totals t: ServiceTotals) {
        func ratio(_ a: Double, _ b: Int) -> Double? { b == 0 ? nil : a / Double(b) }
        self.key = key; self.label = label; totals = t
        contacts = t.offered; answered = t.answered; abandoned = t.abandoned; surveyAnswers = t.surveyAnswers
        averageSpeedOfAnswerSeconds = ratio(t.answerWaitSeconds, t.answered)
        averageHandlingSeconds = ratio(t.handleSeconds, t.handled)
        abandonmentRate = ratio(Double(t.abandoned), t.offered)
        serviceLevel = ratio(Double(t.answeredWithinThreshold), t.answered + t.abandoned)
        firstContactResolution = ratio(Double(t.resolvedFirstContact), t.wrappedUp)
        csat = ratio(Double(t.surveySatisfied), t.surveyAnswers)
        csatAverage = ratio(Double(t.surveyScoreSum), t.surveyAnswers)
    }
}

/// Complaints (requests of type complaint) opened in a range: how many were resolved and how fast.
public struct ComplaintFigures: Codable, Sendable, Equatable {
    public var opened: Int
    public var resolved: Int
    /// Resolved (or closed) ÷ opened.
    public var resolutionRate: Double?
    /// Average time from opening to closing of the resolved ones, hours.
    public var averageResolutionHours: Double?

    public init(opened: Int, resolved: Int, resolutionSecondsSum: Double) {
        self.opened = opened; self.resolved = resolved
        resolutionRate = opened == 0 ? nil : Double(resolved) / Double(opened)
        averageResolutionHours = resolved == 0 ? nil : resolutionSecondsSum / Double(resolved) / 3600
    }
}

/// What the figures are asked for: a range, a grouping, the thresholds.
public struct FigureQuery: Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var groupBy: FigureGrouping
    public var serviceLevelSeconds: Int
    public var resolutionWindowDays: Int
    public var queueId: UUID?
    public var agentId: UUID?
    public var channel: Channel?

    public init(from: Date, to: Date, groupBy: FigureGrouping = .total, serviceLevelSeconds: Int = 20, resolutionWindowDays: Int = 7,
                queueId: UUID? = nil, agentId: UUID? = nil, channel: Channel? = nil) {
        self.from = from; self.to = to; self.groupBy = groupBy; self.serviceLevelSeconds = serviceLevelSeconds
        self.resolutionWindowDays = resolutionWindowDays; self.queueId = queueId; self.agentId = agentId; self.channel = channel
    }

    public func validated() throws -> FigureQuery {
        guard from < to else {
            throw RapportError.invalidField("to", code: "invalid_range", "must be after from", "должно быть позже from")
        }
        guard to.timeIntervalSince(from) <= 366 * 86_400 else {
            throw RapportError.invalidField("to", code: "range_too_long", "at most 366 days", "не больше 366 дней")
        }
        guard (1...3600).contains(serviceLevelSeconds) else {
            throw RapportError.invalidField("service_level_seconds", code: "invalid_seconds", "must be between 1 and 3600", "должно быть от 1 до 3600")
        }
        guard (1...90).contains(resolutionWindowDays) else {
            throw RapportError.invalidField("resolution_window_days", code: "invalid_days", "must be between 1 and 90", "должно быть от 1 до 90")
        }
        return self
    }
}

/// The answer: one line per group, the total, complaints.
public struct ServiceReport: Codable, Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var groupBy: FigureGrouping
    public var serviceLevelSeconds: Int
    public var resolutionWindowDays: Int
    public var groups: [ServiceFigures]
    public var total: ServiceFigures
    public var complaints: ComplaintFigures

    public init(query: FigureQuery, groups: [ServiceFigures], complaints: ComplaintFigures) {
        from = query.from; to = query.to; groupBy = query.groupBy; serviceLevelSeconds = query.serviceLevelSeconds
        resolutionWindowDays = query.resolutionWindowDays; self.groups = groups; self.complaints = complaints
        total = ServiceFigures(key: "total", totals: groups.map(\.totals).reduce(ServiceTotals(), +))
    }
}

import Foundation

public enum CampaignStatus: String, ClosedVocabulary { case draft, launched, closed }

/// How the target arm is worked: a calling list for agents (in-house or an outside team), or
/// messages through the outbox.
public enum CampaignChannel: String, ClosedVocabulary {
    case callList = "call_list"
    case email, sms
}

/// What a campaign says and how its calls are judged.
public struct CampaignDefinition: Codable, Sendable, Equatable {
    /// The call script, step by step.
    public var script: [ScriptStep]
    /// Outcomes an agent may record; `positive` ones count as responses.
    public var outcomes: [CampaignOutcome]
    /// The in-house reviewer's scorecard for sampled calls.
    public var scorecard: [ScoreCriterion]
    /// A reviewed call passes at this share of the maximum score.
    public var qaPassPercent: Double
    /// The outside company working the list, if any (informational).
    public var team: String?
    /// For e-mail and SMS campaigns.
    public var subject: String?
    public var subjectRu: String?
    public var body: String?
    public var bodyRu: String?

    public init(script: [ScriptStep] = [], outcomes: [CampaignOutcome] = CampaignOutcome.standard, scorecard: [ScoreCriterion] = ScoreCriterion.standard,
                qaPassPercent: Double = 80, team: String? = nil, subject: String? = nil, subjectRu: String? = nil, body: String? = nil, bodyRu: String? = nil) {
        self.script = script; self.outcomes = outcomes; self.scorecard = scorecard; self.qaPassPercent = qaPassPercent; self.team = team
        self.subject = subject; self.subjectRu = subjectRu; self.body = body; self.bodyRu = bodyRu
    }
}

extension CampaignDefinition {
    /// The message of an e-mail or SMS campaign as an in-memory rule, so the outbox's planner
    /// decides it like any proactive message: marketing consent per channel, the customer's
    /// language, quiet hours 21:00–09:00 in their zone; template variables are the party's
    /// (`{{party.greeting}}`, …). Its dedup key is `d:campaign.<key>:<party>:` — one per customer.
    public func messageRule(key: String, channel: CampaignChannel, now: Date) throws -> ProactiveRule {
        let outbound: OutboundChannel = channel == .sms ? .sms : .email
        let en = body.map { MessageText(subject: subject, body: $0) }
        let ru = (bodyRu ?? body).map { MessageText(subject: subjectRu ?? subject, body: $0) }
        let input = ProactiveRuleInput(key: "campaign.\(key)", name: key, trigger: .date, dateTrigger: .birthday, purpose: "marketing",
                                       channels: [outbound], template: MessageTemplate(ru: ru, en: en),
                                       quietHours: QuietHours(start: "21:00", end: "09:00"), smsMaxParts: 4)
        return try input.make(id: UUID(), version: 1, eventType: nil, now: now, createdBy: nil)
    }
}

public struct ScriptStep: Codable, Sendable, Equatable {
    public var text: String
    public var textRu: String
    public init(text: String, textRu: String) { self.text = text; self.textRu = textRu }
}

public struct CampaignOutcome: Codable, Sendable, Equatable {
    public var code: String
    public var positive: Bool
    public init(code: String, positive: Bool) { self.code = code; self.positive = positive }
    public static let standard = [CampaignOutcome(code: "interested", positive: true), CampaignOutcome(code: "purchased", positive: true),
                                  CampaignOutcome(code: "not_interested", positive: false), CampaignOutcome(code: "call_back", positive: false),
                                  CampaignOutcome(code: "no_answer", positive: false), CampaignOutcome(code: "wrong_number", positive: false)]
}

public struct ScoreCriterion: Codable, Sendable, Equatable {
    public var key: String
    public var label: String
    public var labelRu: String
    public var max: Int
    public init(key: String, label: String, labelRu: String, max: Int) { self.key = key; self.label = label; self.labelRu = labelRu; self.max = max }
    public static let standard = [
        ScoreCriterion(key: "greeting", label: "Greeted and introduced", labelRu: "Поздоровался и представился", max: 2),
        ScoreCriterion(key: "script", label: "Followed the script", labelRu: "Следовал сценарию", max: 3),
        ScoreCriterion(key: "accuracy", label: "Offer explained correctly", labelRu: "Верно объяснил предложение", max: 3),
        ScoreCriterion(key: "outcome", label: "Outcome recorded truthfully", labelRu: "Итог записан верно", max: 2),
    ]
}

public struct CampaignInput: Codable, Sendable {
    public var key: String?
    public var name: String?
    public var segment: String?
    public var channel: CampaignChannel?
    public var offer: String?
    public var controlPercent: Double?
    public var qaPercent: Double?
    public var responseWindowDays: Int?
    public var script: [ScriptStep]?
    public var outcomes: [CampaignOutcome]?
    public var scorecard: [ScoreCriterion]?
    public var qaPassPercent: Double?
    public var team: String?
    public var subject: String?
    public var subjectRu: String?
    public var body: String?
    public var bodyRu: String?

    public init(key: String? = nil, name: String? = nil, segment: String? = nil, channel: CampaignChannel? = nil, offer: String? = nil,
                controlPercent: Double? = nil, qaPercent: Double? = nil, responseWindowDays: Int? = nil, script: [ScriptStep]? = nil,
                outcomes: [CampaignOutcome]? = nil, scorecard: [ScoreCriterion]? = nil, qaPassPercent: Double? = nil, team: String? = nil,
                subject: String? = nil, subjectRu: String? = nil, body: String? = nil, bodyRu: String? = nil) {
        self.key = key; self.name = name; self.segment = segment; self.channel = channel; self.offer = offer; self.controlPercent = controlPercent
        self.qaPercent = qaPercent; self.responseWindowDays = responseWindowDays; self.script = script; self.outcomes = outcomes
        self.scorecard = scorecard; self.qaPassPercent = qaPassPercent; self.team = team; self.subject = subject; self.subjectRu = subjectRu
        self.body = body; self.bodyRu = bodyRu
    }

    /// A measured campaign in draft; the segment and offer are resolved by the caller.
    public func make(id: UUID, segmentId: UUID, offerId: UUID?, now: Date) throws -> Campaign {
        let control = controlPercent ?? 10
        guard control.isFinite, (0...50).contains(control) else {
            throw RapportError.invalidField("control_percent", code: "control_share_out_of_range", "the control group is 0–50 % of the target",
                                            "контрольная группа — от 0 до 50 % целевой")
        }
        let qa = qaPercent ?? 0
        guard qa.isFinite, (0...100).contains(qa) else {
            throw RapportError.invalidField("qa_percent", code: "out_of_range", "must be 0–100", "допустимо 0–100")
        }
        let window = responseWindowDays ?? 30
        guard (1...365).contains(window) else {
            throw RapportError.invalidField("response_window_days", code: "out_of_range", "must be 1–365", "допустимо 1–365")
        }
        let channel = channel ?? .callList
        var d = CampaignDefinition(script: script ?? [], outcomes: outcomes ?? CampaignOutcome.standard, scorecard: scorecard ?? ScoreCriterion.standard,
                                   qaPassPercent: qaPassPercent ?? 80, team: try Validate.optionalText(team, "team", max: 200))
        guard !d.outcomes.isEmpty, d.outcomes.count <= 30, Set(d.outcomes.map(\.code)).count == d.outcomes.count else {
            throw RapportError.invalidField("outcomes", code: "invalid_outcomes", "1–30 outcomes with distinct codes", "от 1 до 30 итогов с разными кодами")
        }
        for (i, o) in d.outcomes.enumerated() { _ = try EventTypeInput.validateKey(o.code, field: "outcomes[\(i)].code") }
        guard !d.scorecard.isEmpty, d.scorecard.allSatisfy({ (1...100).contains($0.max) }), Set(d.scorecard.map(\.key)).count == d.scorecard.count else {
            throw RapportError.invalidField("scorecard", code: "invalid_scorecard", "criteria need distinct keys and a maximum of 1–100",
                                            "критериям нужны разные ключи и максимум от 1 до 100")
        }
        guard (0...100).contains(d.qaPassPercent) else {
            throw RapportError.invalidField("qa_pass_percent", code: "out_of_range", "must be 0–100", "допустимо 0–100")
        }
        guard script?.count ?? 0 <= 50 else {
            throw RapportError.invalidField("script", code: "too_long", "at most 50 steps", "не больше 50 шагов")
        }
        d.script = try d.script.enumerated().map { i, step in
            ScriptStep(text: try Validate.text(step.text, "script[\(i)].text", max: 2000), textRu: try Validate.text(step.textRu, "script[\(i)].text_ru", max: 2000))
        }
        d.scorecard = try d.scorecard.enumerated().map { i, c in
            ScoreCriterion(key: try EventTypeInput.validateKey(c.key, field: "scorecard[\(i)].key"), label: try Validate.text(c.label, "scorecard[\(i)].label", max: 200),
                           labelRu: try Validate.text(c.labelRu, "scorecard[\(i)].label_ru", max: 200), max: c.max)
        }
        let key = try EventTypeInput.validateKey(try Validate.text(key, "key", max: 100), field: "key")
        if channel != .callList {
            d.body = try Validate.text(body, "body", max: channel == .sms ? 1000 : 10_000)
            d.bodyRu = try Validate.optionalText(bodyRu, "body_ru", max: channel == .sms ? 1000 : 10_000)
            if channel == .email { d.subject = try Validate.text(subject, "subject", max: 200) }
            d.subjectRu = try Validate.optionalText(subjectRu, "subject_ru", max: 200)
            // Checked now as a rule would be: known variables only, and an SMS that fits.
            _ = try d.messageRule(key: key, channel: channel, now: now)
        }
        return Campaign(id: id, name: try Validate.text(name, "name", max: 200), createdAt: now,
                        key: key, status: .draft, channel: channel,
                        segmentId: segmentId, offerId: offerId, controlPercent: control, qaPercent: qa, responseWindowDays: window, definition: d)
    }
}

public enum CampaignArm: String, ClosedVocabulary { case target, control }

/// Splits a campaign's audience into target and control, stratified by value tier: within each
/// tier the same share is held out, so both arms have the same mix of customers. Each tier holds
/// out its share rounded down; the members still needed for the whole control group (the total
/// share, rounded) come from the tiers with the largest remainders — so small tiers do not round
/// the control group away. Deterministic for a seed (the campaign's id).
public enum ControlGroup {
    public static func assign(_ members: [(partyId: UUID, stratum: String)], controlPercent: Double, seed: UInt64) -> [UUID: CampaignArm] {
        var byStratum: [String: [UUID]] = [:]
        for m in members { byStratum[m.stratum, default: []].append(m.partyId) }
        let strata = byStratum.keys.sorted()
        var quota: [String: Int] = [:]
        var remainders: [(String, Double)] = []
        for s in strata {
            let exact = Double(byStratum[s]!.count) * controlPercent / 100
            quota[s] = Int(exact.rounded(.down))
            remainders.append((s, exact - exact.rounded(.down)))
        }
        let total = Int((Double(members.count) * controlPercent / 100).rounded())
        var missing = total - quota.values.reduce(0, +)
        for (s, _) in remainders.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }) where missing > 0 {
            quota[s]! += 1
            missing -= 1
        }
        var out: [UUID: CampaignArm] = [:]
        out.reserveCapacity(members.count)
        var rng = SplitMix64(seed: seed)
        for stratum in strata {
            var ids = byStratum[stratum]!.sorted { $0.precedes($1) }
            ids.shuffle(using: &rng)
            for (i, id) in ids.enumerated() { out[id] = i < quota[stratum]! ? .control : .target }
        }
        return out
    }

    /// Whether a call goes to the reviewer's sample: a stable draw from the call's id, so the share holds over many calls.
    public static func sampled(_ id: UUID, percent: Double) -> Bool {
        guard percent > 0 else { return false }
        let halves = withUnsafeBytes(of: id.uuid) { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        var rng = SplitMix64(seed: halves.0 ^ halves.1)
        return Double(rng.next() % 10_000) < percent * 100
    }
}

/// The effect of a campaign: response rates of the arms and the difference with a 95 % interval.
public struct CampaignEffect: Codable, Sendable, Equatable {
    public var targetSize: Int
    public var targetResponders: Int
    public var controlSize: Int
    public var controlResponders: Int
    public var targetRate: Double?
    public var controlRate: Double?
    /// Target rate − control rate, in percentage points ÷ 100.
    public var uplift: Double?
    public var upliftLow: Double?
    public var upliftHigh: Double?
    /// The interval excludes zero.
    public var significant: Bool

    /// Wald interval for a difference of two proportions: d ± 1.96·√(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂).
    public init(targetSize: Int, targetResponders: Int, controlSize: Int, controlResponders: Int) {
        self.targetSize = targetSize; self.targetResponders = targetResponders; self.controlSize = controlSize; self.controlResponders = controlResponders
        let pt = targetSize > 0 ? Double(targetResponders) / Double(targetSize) : nil
        let pc = controlSize > 0 ? Double(controlResponders) / Double(controlSize) : nil
        targetRate = pt; controlRate = pc
        if let pt, let pc {
            let d = pt - pc
            let se = (pt * (1 - pt) / Double(targetSize) + pc * (1 - pc) / Double(controlSize)).squareRoot()
            uplift = d; upliftLow = d - 1.96 * se; upliftHigh = d + 1.96 * se
            significant = upliftLow! > 0 || upliftHigh! < 0
        } else {
            uplift = nil; upliftLow = nil; upliftHigh = nil; significant = false
        }
    }
}

/// An in-house reviewer's verdict on one sampled call.
public struct QAReview: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var campaignId: UUID
    public var partyId: UUID
    public var interactionId: UUID
    public var reviewer: String
    public var scores: [String: Int]
    public var scorePercent: Double
    public var passed: Bool
    public var comment: String?
    public var createdAt: Date

    public init(id: UUID, campaignId: UUID, partyId: UUID, interactionId: UUID, reviewer: String, scores: [String: Int], scorePercent: Double,
                passed: Bool, comment: String?, createdAt: Date) {
        self.id = id; self.campaignId = campaignId; self.partyId = partyId; self.interactionId = interactionId; self.reviewer = reviewer
        self.scores = scores; self.scorePercent = scorePercent; self.passed = passed; self.comment = comment; self.createdAt = createdAt
    }

    /// Scores checked against the scorecard: every criterion scored, within its maximum.
    public static func score(_ scores: [String: Int], card: [ScoreCriterion], passPercent: Double) throws -> (percent: Double, passed: Bool) {
        let known = Set(card.map(\.key))
        if let unknown = scores.keys.sorted().first(where: { !known.contains($0) }) {
            throw RapportError.invalidField("scores.\(unknown)", code: "unknown_criterion", "not on the campaign's scorecard", "нет в оценочном листе кампании")
        }
        var got = 0, max = 0
        for c in card {
            guard let s = scores[c.key] else { throw RapportError.missingField("scores.\(c.key)") }
            guard (0...c.max).contains(s) else {
                throw RapportError.invalidField("scores.\(c.key)", code: "out_of_range", "must be 0–\(c.max)", "допустимо 0–\(c.max)")
            }
            got += s; max += c.max
        }
        let percent = max > 0 ? (Double(got) / Double(max) * 1000).rounded() / 10 : 0
        return (percent, percent >= passPercent)
    }
}

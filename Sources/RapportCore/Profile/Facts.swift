import Foundation

public enum AnswerType: String, ClosedVocabulary { case text, number, boolean, date, choice }

/// A question in the bank: asked once, remembered everywhere.
public struct Question: Codable, Sendable, Equatable {
    public var key: String
    public var wordingEn: String
    public var wordingRu: String
    public var answerType: AnswerType
    /// For `choice`: the allowed answers.
    public var choices: [String]?
    /// Scripts that ask this question (e.g. `inbound_call`, `mortgage`); empty = every script.
    public var scripts: [String]
    /// An answer older than this many days is stale and may be asked again (nil = never stale).
    public var staleAfterDays: Int?
    /// Order in a script.
    public var position: Int
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(key: String, wordingEn: String, wordingRu: String, answerType: AnswerType, choices: [String]? = nil, scripts: [String] = [],
                staleAfterDays: Int? = nil, position: Int = 0, active: Bool = true, createdAt: Date, updatedAt: Date) {
        self.key = key; self.wordingEn = wordingEn; self.wordingRu = wordingRu; self.answerType = answerType; self.choices = choices
        self.scripts = scripts; self.staleAfterDays = staleAfterDays; self.position = position; self.active = active
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// Checks an answer against the question's type; returns it in canonical form.
    public func canonical(_ value: String) throws -> String {
        let v = value.trimmingCharacters(in: .whitespacesAndNewlines)
        func bad(_ en: String, _ ru: String) -> RapportError {
            RapportError.invalidField("value", code: "invalid_answer", "the answer to \(key) \(en)", "ответ на вопрос \(key) \(ru)")
        }
        switch answerType {
        case .text:
            guard !v.isEmpty, v.count <= 2000 else { throw bad("must be 1–2000 characters", "должен быть от 1 до 2000 символов") }
            return v
        case .number:
            guard v.count <= 30, v.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?/) != nil,
                  let n = Decimal(string: v, locale: Locale(identifier: "en_US_POSIX")) else { throw bad("must be a number", "должен быть числом") }
            return "\(n)"
        case .boolean:
            switch v.lowercased() {
            case "true", "yes", "да": return "true"
            case "false", "no", "нет": return "false"
            default: throw bad("must be yes or no", "должен быть «да» или «нет»")
            }
        case .date:
            guard let d = try? CivilDate(parsing: v) else { throw bad("must be a date YYYY-MM-DD", "должен быть датой ГГГГ-ММ-ДД") }
            return d.description
        case .choice:
            guard let match = (choices ?? []).first(where: { $0.caseInsensitiveCompare(v) == .orderedSame }) else {
                throw bad("must be one of: \((choices ?? []).joined(separator: ", "))", "должен быть одним из: \((choices ?? []).joined(separator: ", "))")
            }
            return match
        }
    }
}

public struct QuestionInput: Codable, Sendable {
    public var key: String?
    public var wordingEn: String?
    public var wordingRu: String?
    public var answerType: AnswerType?
    public var choices: [String]?
    public var scripts: [String]?
    public var staleAfterDays: Int?
    public var position: Int?
    public var active: Bool?

    public init(key: String? = nil, wordingEn: String? = nil, wordingRu: String? = nil, answerType: AnswerType? = nil, choices: [String]? = nil,
                scripts: [String]? = nil, staleAfterDays: Int? = nil, position: Int? = nil, active: Bool? = nil) {
        self.key = key; self.wordingEn = wordingEn; self.wordingRu = wordingRu; self.answerType = answerType; self.choices = choices
        self.scripts = scripts; self.staleAfterDays = staleAfterDays; self.position = position; self.active = active
    }

    public func make(now: Date) throws -> Question {
        guard let key else { throw RapportError.missingField("key") }
        var q = Question(key: try FactKey.validate(key), wordingEn: "", wordingRu: "", answerType: try Validate.required(answerType, "answer_type"),
                         createdAt: now, updatedAt: now)
        guard wordingEn != nil else { throw RapportError.missingField("wording_en") }
        guard wordingRu != nil else { throw RapportError.missingField("wording_ru") }
        try apply(to: &q, now: now)
        return q
    }

    public func apply(to q: inout Question, now: Date) throws {
        if let key, key != q.key {
            throw RapportError.invalidField("key", code: "key_immutable", "a question's key cannot change", "ключ вопроса изменить нельзя")
        }
        if let wordingEn { q.wordingEn = try Validate.text(wordingEn, "wording_en", max: 500) }
        if let wordingRu { q.wordingRu = try Validate.text(wordingRu, "wording_ru", max: 500) }
        if let answerType { q.answerType = answerType }
        if let choices { q.choices = try choices.map { try Validate.text($0, "choices", max: 200) } }
        if let scripts { q.scripts = try scripts.map { try FactKey.validate($0, field: "scripts") } }
        if let staleAfterDays {
            guard (1...36_500).contains(staleAfterDays) else {
                throw RapportError.invalidField("stale_after_days", code: "out_of_range", "between 1 and 36500 days", "от 1 до 36500 дней")
            }
            q.staleAfterDays = staleAfterDays
        }
        if let position {
            guard (0...1_000_000).contains(position) else {
                throw RapportError.invalidField("position", code: "out_of_range", "between 0 and 1000000", "от 0 до 1000000")
            }
            q.position = position
        }
        if let active { q.active = active }
        if q.answerType == .choice, (q.choices ?? []).isEmpty {
            throw RapportError.missingField("choices")
        }
        q.updatedAt = now
    }
}

public enum FactKey {
    /// Keys are lower-case words with underscores: `children_count`, `preferred_contact_time`.
    public static func validate(_ key: String, field: String = "key") throws -> String {
        let k = key.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(k.count), k.first?.isLetter == true,
              k.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }) else {
            throw RapportError.invalidField(field, code: "invalid_key", "a key is 1–64 lower-case Latin letters, digits and underscores", "ключ — от 1 до 64 строчных латинских букв, цифр и подчёркиваний")
        }
        return k
    }
}

public enum FactStatus: String, ClosedVocabulary {
    case answered
    /// Asked; the customer declined to answer. Remembered so it is not asked again at once.
    case declined
}

public enum FactSource: String, ClosedVocabulary { case agent, selfService = "self_service", `import`, system, merge }

/// One thing known about a party, where it came from and when. A newer value supersedes, never erases.
public struct Fact: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var key: String
    public var value: String?
    public var status: FactStatus
    public var source: FactSource
    public var channel: Channel?
    public var interactionId: UUID?
    public var agent: String?
    public var recordedAt: Date
    /// Set when a newer fact with the same key replaced this one.
    public var supersededAt: Date?
    public var supersededBy: UUID?

    public init(id: UUID, partyId: UUID, key: String, value: String?, status: FactStatus, source: FactSource, channel: Channel?,
                interactionId: UUID?, agent: String?, recordedAt: Date, supersededAt: Date? = nil, supersededBy: UUID? = nil) {
        self.id = id; self.partyId = partyId; self.key = key; self.value = value; self.status = status; self.source = source
        self.channel = channel; self.interactionId = interactionId; self.agent = agent; self.recordedAt = recordedAt
        self.supersededAt = supersededAt; self.supersededBy = supersededBy
    }
}

public struct FactInput: Codable, Sendable {
    public var key: String?
    public var value: String?
    /// True when the customer was asked and declined to answer.
    public var declined: Bool?
    public var source: FactSource?
    public var channel: Channel?
    public var interactionId: UUID?
    public var agent: String?
    public var recordedAt: Date?

    public init(key: String? = nil, value: String? = nil, declined: Bool? = nil, source: FactSource? = nil, channel: Channel? = nil,
                interactionId: UUID? = nil, agent: String? = nil, recordedAt: Date? = nil) {
        self.key = key; self.value = value; self.declined = declined; self.source = source; self.channel = channel
        self.interactionId = interactionId; self.agent = agent; self.recordedAt = recordedAt
    }

    /// A fact from input, its value checked against the question bank's type when the key is a question.
    public func make(partyId: UUID, question: Question?, id: UUID, now: Date) throws -> Fact {
        guard let key else { throw RapportError.missingField("key") }
        let k = try FactKey.validate(key)
        let declined = declined ?? false
        var canonical: String? = nil
        if declined {
            guard value == nil else {
                throw RapportError.invalidField("value", code: "declined_with_value", "a declined question has no value", "у вопроса, на который отказались отвечать, нет значения")
            }
        } else {
            guard let value else { throw RapportError.missingField("value") }
            canonical = try question.map { try $0.canonical(value) } ?? Validate.text(value, "value", max: 2000)
        }
        return Fact(id: id, partyId: partyId, key: k, value: canonical, status: declined ? .declined : .answered,
                    source: source ?? .agent, channel: channel, interactionId: interactionId,
                    agent: try Validate.optionalText(agent, "agent", max: 200), recordedAt: min(recordedAt ?? now, now))
    }
}

/// Which questions a script still has to ask, given what is known.
public enum QuestionsToAsk {
    /// Active questions of the script (or of every script) with no current fact, or whose answer is
    /// stale; a declined question counts as known until it is stale.
    public static func select(_ questions: [Question], facts: [Fact], script: String?, now: Date) -> [Question] {
        let current = Dictionary(facts.filter { $0.supersededAt == nil }.map { ($0.key, $0) }, uniquingKeysWith: { a, b in a.recordedAt >= b.recordedAt ? a : b })
        return questions.filter { q in
            guard q.active else { return false }
            if let script, !q.scripts.isEmpty, !q.scripts.contains(script) { return false }
            guard let fact = current[q.key] else { return true }
            guard let days = q.staleAfterDays else { return false }
            return now.timeIntervalSince(fact.recordedAt) > Double(days) * 86_400
        }.sorted { ($0.position, $0.key) < ($1.position, $1.key) }
    }
}

import Foundation
import RapportCore
import SQLKit

/// The question bank as stored: lists as JSON text.
struct QuestionRow: Codable, Sendable {
    var key: String
    var wordingEn: String
    var wordingRu: String
    var answerType: AnswerType
    var choices: String?
    var scripts: String
    var staleAfterDays: Int?
    var position: Int
    var active: Bool
    var createdAt: Date
    var updatedAt: Date

    init(_ q: Question) throws {
        key = q.key; wordingEn = q.wordingEn; wordingRu = q.wordingRu; answerType = q.answerType
        choices = try q.choices.map(Self.json); scripts = try Self.json(q.scripts); staleAfterDays = q.staleAfterDays
        position = q.position; active = q.active; createdAt = q.createdAt; updatedAt = q.updatedAt
    }

    var question: Question {
        get throws {
            Question(key: key, wordingEn: wordingEn, wordingRu: wordingRu, answerType: answerType,
                     choices: try choices.map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) },
                     scripts: try JSONDecoder().decode([String].self, from: Data(scripts.utf8)), staleAfterDays: staleAfterDays,
                     position: position, active: active, createdAt: createdAt, updatedAt: updatedAt)
        }
    }

    static func json(_ list: [String]) throws -> String { String(decoding: try JSONEncoder().encode(list), as: UTF8.self) }
}

/// Profile facts (with history), the question bank and the small settings documents
/// (matching rules, unknown-contact policy).
public struct ProfileStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    // MARK: Facts

    /// Records a fact; the current fact with the same key (if any) is superseded, not erased.
    public func record(_ fact: Fact) async throws -> Fact {
        try await database.write { db in
            try await RecordTable<Fact>.check([
                Reference(table: "parties", id: fact.partyId, entity: "party"),
                Reference(table: "interactions", id: fact.interactionId, entity: "interaction"),
            ], on: db)
            var fact = fact
            let current = try await db.select().column("*").from("party_facts").where("party_id", .equal, SQLBind(fact.partyId))
                .where("key", .equal, SQLBind(fact.key)).where("superseded_at", .is, SQLLiteral.null).first()?
                .decode(model: Fact.self, with: recordDecoder)
            if let current, current.recordedAt > fact.recordedAt {
                // Told earlier than what we already know: it goes into the history, the current value stays.
                fact.supersededAt = current.recordedAt
                fact.supersededBy = current.id
            } else if let current {
                try await db.update("party_facts").set("superseded_at", to: SQLBind(fact.recordedAt)).set("superseded_by", to: SQLBind(fact.id))
                    .where("id", .equal, SQLBind(current.id)).run()
            }
            try await db.insertRecord("party_facts", fact)
            try await db.appendEvent("fact.recorded", aggregateId: fact.partyId, at: fact.recordedAt, payload: ["key": fact.key])
            return fact
        }
    }

    /// Current facts, or with `history` every fact ever recorded, newest first per key.
    public func facts(of partyId: UUID, history: Bool = false) async throws -> [Fact] {
        try await database.read { db in try await Self.facts(of: partyId, history: history, on: db) }
    }

    /// Makes each key's newest fact the party's current one and every older one history of it
    /// (after facts moved between parties, e.g. an undone merge).
    static func settleCurrentFacts(of partyId: UUID, at now: Date, on db: any SQLDatabase) async throws {
        let all = try await facts(of: partyId, history: true, on: db)  // per key, newest first
        for (_, versions) in Dictionary(grouping: all, by: \.key) {
            let ordered = versions.sorted { ($0.recordedAt, $0.id.uuidString) > ($1.recordedAt, $1.id.uuidString) }
            guard let newest = ordered.first else { continue }
            if newest.supersededAt != nil {
                try await db.update("party_facts").set("superseded_at", to: SQLLiteral.null).set("superseded_by", to: SQLLiteral.null)
                    .where("id", .equal, SQLBind(newest.id)).run()
            }
            for older in ordered.dropFirst() where older.supersededAt == nil || !ordered.contains(where: { $0.id == older.supersededBy }) {
                try await db.update("party_facts").set("superseded_at", to: SQLBind(older.supersededAt ?? now)).set("superseded_by", to: SQLBind(newest.id))
                    .where("id", .equal, SQLBind(older.id)).run()
            }
        }
    }

    static func facts(of partyId: UUID, history: Bool, on db: any SQLDatabase) async throws -> [Fact] {
        var q = db.select().column("*").from("party_facts").where("party_id", .equal, SQLBind(partyId))
        if !history { q = q.where("superseded_at", .is, SQLLiteral.null) }
        return try await q.orderBy("key").orderBy("recorded_at", .descending).orderBy("id", .descending).all().records(Fact.self)
    }

    // MARK: Consents

    /// Appends a consent record; earlier ones stay as history.
    public func record(_ consent: Consent) async throws -> Consent {
        try await database.write { db in
            try await RecordTable<Consent>.check([
                Reference(table: "parties", id: consent.partyId, entity: "party"),
                Reference(table: "interactions", id: consent.interactionId, entity: "interaction"),
            ], on: db)
            try await db.insertRecord("consents", consent)
            try await db.appendEvent(consent.granted ? "consent.granted" : "consent.withdrawn", aggregateId: consent.partyId,
                                     at: consent.recordedAt, payload: ["purpose": consent.purpose])
            if !consent.granted { try await ProactiveStore.cancelQueued(after: consent, on: db) }
            return consent
        }
    }

    /// Every consent record of the party, oldest first.
    public func consents(of partyId: UUID) async throws -> [Consent] {
        try await database.read { db in try await Self.consents(of: partyId, on: db) }
    }

    static func consents(of partyId: UUID, on db: any SQLDatabase) async throws -> [Consent] {
        try await db.select().column("*").from("consents").where("party_id", .equal, SQLBind(partyId))
            .orderBy("recorded_at").orderBy("id").limit(1000).all().records(Consent.self)
    }

    // MARK: Consent texts

    /// Every published consent text, newest first.
    public func consentTexts() async throws -> [ConsentText] {
        try await database.read { db in
            try await db.select().column("*").from("consent_texts").orderBy("published_at", .descending).orderBy("purpose").orderBy("version", .descending)
                .limit(10_000).all().records(ConsentText.self)
        }
    }

    public func publish(_ text: ConsentText) async throws -> ConsentText {
        try await database.write { db in
            do {
                try await db.insertRecord("consent_texts", text)
            } catch where ConstraintViolation(error) == .unique {
                throw ConsentTextInput.versionExists(purpose: text.purpose, version: text.version)
            }
        }
        return text
    }

    // MARK: Question bank

    public func createQuestion(_ q: Question) async throws -> Question {
        try await database.write { db in
            do {
                try await db.insertRecord("questions", try QuestionRow(q))
            } catch where ConstraintViolation(error) == .unique {
                throw RapportError(.conflict, code: "question_exists", message: "a question with key \(q.key) already exists", messageRu: "вопрос с ключом \(q.key) уже есть")
            }
            return q
        }
    }

    public func question(_ key: String) async throws -> Question? {
        try await database.read { db in try await Self.question(key, on: db) }
    }

    static func question(_ key: String, on db: any SQLDatabase) async throws -> Question? {
        try await db.select().column("*").from("questions").where("key", .equal, SQLBind(key)).first()?
            .decode(model: QuestionRow.self, with: recordDecoder).question
    }

    public func updateQuestion(_ key: String, _ change: @escaping @Sendable (inout Question) throws -> Void) async throws -> Question {
        try await database.write { db in
            guard var q = try await Self.question(key, on: db) else { throw RapportError.notFound("question", key) }
            try change(&q)
            try await db.update("questions").set(model: try QuestionRow(q), with: recordEncoder).where("key", .equal, SQLBind(key)).run()
            return q
        }
    }

    public func questions() async throws -> [Question] {
        try await database.read { db in try await Self.questions(on: db) }
    }

    static func questions(on db: any SQLDatabase) async throws -> [Question] {
        try await db.select().column("*").from("questions").orderBy("position").orderBy("key").all()
            .map { try $0.decode(model: QuestionRow.self, with: recordDecoder).question }
    }

    // MARK: Settings

    public func setting<T: Decodable & Sendable>(_ key: String, as type: T.Type) async throws -> T? {
        try await database.read { db in
            guard let text = try await db.select().column("value").from("settings").where("key", .equal, SQLBind(key)).first()?
                .decode(column: "value", as: String.self) else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        }
    }

    public func setSetting<T: Encodable & Sendable>(_ key: String, _ value: T, at now: Date) async throws {
        let text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        try await database.write { db in
            try await db.delete(from: "settings").where("key", .equal, SQLBind(key)).run()
            try await db.insert(into: "settings").columns("key", "value", "updated_at").values(SQLBind(key), SQLBind(text), SQLBind(now)).run()
            try await db.appendEvent("setting.changed", aggregateId: UUID.timeOrdered(at: now), at: now, payload: ["key": key])
        }
    }
}

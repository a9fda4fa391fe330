import Foundation
import RapportCore
import SQLKit

/// The full-text index over parties and interactions: FTS5 on SQLite, a GIN-indexed tsvector on
/// PostgreSQL. Both hold the same pre-folded terms (`SearchTerms`), so a query finds the same rows
/// on either engine. Maintained in the transaction of the change it reflects.
enum SearchIndex {
    static func refreshParty(_ id: UUID, on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await removeParty(id, on: db, engine: engine)
        guard let party = try await db.record(Party.self, from: "parties", id: id), party.mergedIntoId == nil else { return }
        let terms = SearchTerms.party(party, identities: try await PartyStore.identities(of: id, on: db))
        try await insertParty(id, terms: terms, on: db, engine: engine)
    }

    static func removeParty(_ id: UUID, on db: any SQLDatabase, engine: SQLEngine) async throws {
        switch engine {
        case .sqlite:
            try await db.raw("DELETE FROM party_search WHERE rowid = (SELECT doc FROM party_search_docs WHERE party_id = \(bind: id))").run()
        case .postgres:
            try await db.raw("DELETE FROM party_search WHERE party_id = \(bind: id)").run()
        }
    }

    static func removeInteractions(_ ids: [UUID], on db: any SQLDatabase, engine: SQLEngine) async throws {
        guard !ids.isEmpty else { return }
        switch engine {
        case .sqlite:
            let docs = try await db.select().column("doc").from("interaction_search_docs").where("interaction_id", .in, SQLBind.group(ids)).all()
                .map { try $0.decode(column: "doc", as: Int.self) }
            if !docs.isEmpty { try await db.delete(from: "interaction_search").where(SQLIdentifier("rowid"), .in, SQLBind.group(docs)).run() }
            try await db.delete(from: "interaction_search_docs").where("interaction_id", .in, SQLBind.group(ids)).run()
        case .postgres:
            try await db.delete(from: "interaction_search").where("interaction_id", .in, SQLBind.group(ids)).run()
        }
    }

    static func insertParty(_ id: UUID, terms: String, on db: any SQLDatabase, engine: SQLEngine) async throws {
        guard !terms.isEmpty else { return }
        switch engine {
        case .sqlite:
            try await db.raw("INSERT OR IGNORE INTO party_search_docs (party_id) VALUES (\(bind: id))").run()
            try await db.raw("INSERT INTO party_search (rowid, terms) SELECT doc, \(bind: terms) FROM party_search_docs WHERE party_id = \(bind: id)").run()
        case .postgres:
            try await db.raw("INSERT INTO party_search (party_id, terms) VALUES (\(bind: id), to_tsvector('simple', \(bind: terms)))").run()
        }
    }

    static func indexInteraction(_ interaction: Interaction, on db: any SQLDatabase, engine: SQLEngine) async throws {
        let terms = SearchTerms.interaction(subject: interaction.subject, summary: interaction.summary)
        guard !terms.isEmpty else { return }
        switch engine {
        case .sqlite:
            try await db.raw("INSERT INTO interaction_search_docs (interaction_id) VALUES (\(bind: interaction.id))").run()
            try await db.raw("INSERT INTO interaction_search (rowid, terms) SELECT doc, \(bind: terms) FROM interaction_search_docs WHERE interaction_id = \(bind: interaction.id)").run()
        case .postgres:
            try await db.raw("INSERT INTO interaction_search (interaction_id, terms) VALUES (\(bind: interaction.id), to_tsvector('simple', \(bind: terms)))").run()
        }
    }

    /// Indexes many interactions with a few multi-row statements (a dispatcher's batch of sent messages).
    static func indexInteractions(_ interactions: [Interaction], on db: any SQLDatabase, engine: SQLEngine) async throws {
        let rows = interactions.compactMap { i -> (UUID, String)? in
            let terms = SearchTerms.interaction(subject: i.subject, summary: i.summary)
            return terms.isEmpty ? nil : (i.id, terms)
        }
        for chunk in rows.chunked(400) {
            switch engine {
            case .sqlite:
                let docs: [SQLQueryString] = chunk.map { "(\(bind: $0.0))" }
                try await db.raw("INSERT INTO interaction_search_docs (interaction_id) VALUES " + docs.joined(separator: ", ")).run()
                let terms: [SQLQueryString] = chunk.map { "((SELECT doc FROM interaction_search_docs WHERE interaction_id = \(bind: $0.0)), \(bind: $0.1))" }
                try await db.raw("INSERT INTO interaction_search (rowid, terms) VALUES " + terms.joined(separator: ", ")).run()
            case .postgres:
                let values: [SQLQueryString] = chunk.map { "(\(bind: $0.0), to_tsvector('simple', \(bind: $0.1)))" }
                try await db.raw("INSERT INTO interaction_search (interaction_id, terms) VALUES " + values.joined(separator: ", ")).run()
            }
        }
    }

    /// Recomputes every party's name key and index entry (after the migration that introduced them).
    static func rebuildAll(on db: any SQLDatabase, engine: SQLEngine) async throws {
        var after: UUID? = nil
        while true {
            var q = db.select().column("*").from("parties")
            if let after { q = q.where("id", .greaterThan, SQLBind(after)) }
            let parties = try await q.orderBy("id").limit(2000).all().records(Party.self)
            guard let last = parties.last else { break }
            for party in parties {
                let key = Party.nameKey(kind: party.kind, parts: [party.surname, party.givenName, party.patronymic, party.legalName])
                try await db.update("parties").set("name_key", to: SQLBind(key)).where("id", .equal, SQLBind(party.id)).run()
                try await refreshParty(party.id, on: db, engine: engine)
            }
            after = last.id
        }
        var afterInteraction: UUID? = nil
        while true {
            var q = db.select().column("*").from("interactions")
            if let afterInteraction { q = q.where("id", .greaterThan, SQLBind(afterInteraction)) }
            let rows = try await q.orderBy("id").limit(2000).all().records(Interaction.self)
            guard let last = rows.last else { break }
            for interaction in rows { try await indexInteraction(interaction, on: db, engine: engine) }
            afterInteraction = last.id
        }
    }

    /// The match expression for the engine: groups joined by AND, alternatives by OR, each a prefix.
    static func expression(_ query: SearchQuery, engine: SQLEngine) -> String {
        switch engine {
        case .sqlite:
            return query.groups.map { "(" + $0.map { "\"\($0)\"*" }.joined(separator: " OR ") + ")" }.joined(separator: " AND ")
        case .postgres:
            return query.groups.map { "(" + $0.map { "\($0):*" }.joined(separator: " | ") + ")" }.joined(separator: " & ")
        }
    }

    static func parties(_ query: SearchQuery, limit: Int, on db: any SQLDatabase, engine: SQLEngine) async throws -> [Party] {
        if let email = query.email {
            return try await db.raw("""
                SELECT p.* FROM identities i JOIN parties p ON p.id = i.party_id
                WHERE i.kind = 'email' AND i.normalized = \(bind: email)
                """).all().records(Party.self)
        }
        let match = expression(query, engine: engine)
        switch engine {
        case .sqlite:
            return try await db.raw("""
                SELECT p.* FROM party_search JOIN party_search_docs d ON d.doc = party_search.rowid JOIN parties p ON p.id = d.party_id
                WHERE party_search MATCH \(bind: match) LIMIT \(literal: limit)
                """).all().records(Party.self)
        case .postgres:
            return try await db.raw("""
                SELECT p.* FROM party_search s JOIN parties p ON p.id = s.party_id
                WHERE s.terms @@ to_tsquery('simple', \(bind: match)) LIMIT \(literal: limit)
                """).all().records(Party.self)
        }
    }

    static func interactions(_ query: SearchQuery, partyId: UUID?, limit: Int, on db: any SQLDatabase, engine: SQLEngine) async throws -> [Interaction] {
        guard query.email == nil else { return [] }
        let match = expression(query, engine: engine)
        switch engine {
        case .sqlite:
            if let partyId {
                return try await db.raw("""
                    SELECT i.* FROM interaction_search JOIN interaction_search_docs d ON d.doc = interaction_search.rowid
                    JOIN interactions i ON i.id = d.interaction_id
                    WHERE interaction_search MATCH \(bind: match) AND i.party_id = \(bind: partyId)
                    ORDER BY interaction_search.rowid DESC LIMIT \(literal: limit)
                    """).all().records(Interaction.self)
            }
            return try await db.raw("""
                SELECT i.* FROM interaction_search JOIN interaction_search_docs d ON d.doc = interaction_search.rowid
                JOIN interactions i ON i.id = d.interaction_id
                WHERE interaction_search MATCH \(bind: match) ORDER BY interaction_search.rowid DESC LIMIT \(literal: limit)
                """).all().records(Interaction.self)
        case .postgres:
            if let partyId {
                return try await db.raw("""
                    SELECT i.* FROM interaction_search s JOIN interactions i ON i.id = s.interaction_id
                    WHERE s.terms @@ to_tsquery('simple', \(bind: match)) AND i.party_id = \(bind: partyId)
                    ORDER BY i.id DESC LIMIT \(literal: limit)
                    """).all().records(Interaction.self)
            }
            return try await db.raw("""
                SELECT i.* FROM interaction_search s JOIN interactions i ON i.id = s.interaction_id
                WHERE s.terms @@ to_tsquery('simple', \(bind: match)) ORDER BY i.id DESC LIMIT \(literal: limit)
                """).all().records(Interaction.self)
        }
    }
}

/// Full-text search over parties and the trail.
public struct SearchStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    public func parties(_ query: SearchQuery, limit: Int) async throws -> [Party] {
        let engine = database.engine
        return try await database.read { db in try await SearchIndex.parties(query, limit: limit, on: db, engine: engine) }
    }

    public func interactions(_ query: SearchQuery, partyId: UUID?, limit: Int) async throws -> [Interaction] {
        let engine = database.engine
        return try await database.read { db in try await SearchIndex.interactions(query, partyId: partyId, limit: limit, on: db, engine: engine) }
    }
}

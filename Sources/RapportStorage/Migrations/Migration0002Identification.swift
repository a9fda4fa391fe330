import Foundation
import RapportCore
import SQLKit

/// Identification, the 360 card, never-ask-twice, merge and search.
enum Migration0002Identification {
    static let migration = Migration(id: "0002-identification", statements: [
        "ALTER TABLE parties ADD COLUMN name_key TEXT",
        "ALTER TABLE parties ADD COLUMN value_tier TEXT",
        "ALTER TABLE parties ADD COLUMN merged_into_id {id}",
        "CREATE INDEX idx_parties_name_key_birth_date ON parties (name_key, birth_date)",
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE questions (
            key TEXT PRIMARY KEY,
            wording_en TEXT NOT NULL,
            wording_ru TEXT NOT NULL,
            answer_type TEXT NOT NULL CHECK (answer_type IN ('text', 'number', 'boolean', 'date', 'choice')),
            choices TEXT,
            scripts TEXT NOT NULL,
            stale_after_days INTEGER,
            position INTEGER NOT NULL,
            active {bool} NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE party_facts (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            key TEXT NOT NULL,
            value TEXT,
            status TEXT NOT NULL CHECK (status IN ('answered', 'declined')),
            source TEXT NOT NULL CHECK (source IN ('agent', 'self_service', 'import', 'system', 'merge')),
            channel TEXT,
            interaction_id {id} REFERENCES interactions (id),
            agent TEXT,
            recorded_at {ts} NOT NULL,
            superseded_at {ts},
            superseded_by {id},
            CHECK (status = 'declined' OR value IS NOT NULL)
        )
        """,
        "CREATE INDEX idx_party_facts_party_id_key ON party_facts (party_id, key)",
        """
        CREATE TABLE consents (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            purpose TEXT NOT NULL,
            channel TEXT CHECK (channel IN ('phone', 'email', 'sms', 'messenger', 'letter', 'fax')),
            granted {bool} NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('agent', 'self_service', 'import', 'system', 'merge')),
            interaction_id {id} REFERENCES interactions (id),
            text_version TEXT,
            recorded_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_consents_party_id_purpose ON consents (party_id, purpose)",
        """
        CREATE TABLE merges (
            id {id} PRIMARY KEY,
            survivor_id {id} NOT NULL REFERENCES parties (id),
            merged_id {id} NOT NULL REFERENCES parties (id),
            rule TEXT NOT NULL CHECK (rule IN ('newest_wins', 'survivor_wins')),
            position INTEGER NOT NULL,
            moved TEXT NOT NULL,
            field_conflicts TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            merged_at {ts} NOT NULL,
            undone_at {ts},
            CHECK (survivor_id <> merged_id)
        )
        """,
        "CREATE UNIQUE INDEX idx_merges_survivor_id_position ON merges (survivor_id, position)",
        "CREATE INDEX idx_merges_merged_id ON merges (merged_id)",
        """
        CREATE TABLE duplicate_hints (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            other_party_id {id} NOT NULL REFERENCES parties (id),
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            created_at {ts} NOT NULL,
            CHECK (party_id <> other_party_id)
        )
        """,
        "CREATE INDEX idx_duplicate_hints_party_id ON duplicate_hints (party_id)",
    ], sqlite: [
        // Terms are pre-folded by SearchTerms (Latin letters and digits). An FTS5 row's rowid is a
        // `doc` number of its own (INTEGER PRIMARY KEY, so VACUUM never renumbers it), mapped to the id.
        // Prefix indexes for 2 and 3 characters keep short typed prefixes ("ив") fast on a large registry.
        "CREATE TABLE party_search_docs (doc INTEGER PRIMARY KEY, party_id TEXT NOT NULL UNIQUE)",
        "CREATE VIRTUAL TABLE party_search USING fts5(terms, tokenize = 'unicode61', detail = none, prefix = '2 3')",
        "CREATE TABLE interaction_search_docs (doc INTEGER PRIMARY KEY, interaction_id TEXT NOT NULL UNIQUE)",
        "CREATE VIRTUAL TABLE interaction_search USING fts5(terms, tokenize = 'unicode61', detail = none, prefix = '2 3')",
    ], postgres: [
        "CREATE TABLE party_search (party_id UUID PRIMARY KEY REFERENCES parties (id), terms TSVECTOR NOT NULL)",
        "CREATE INDEX idx_party_search_terms ON party_search USING GIN (terms)",
        "CREATE TABLE interaction_search (interaction_id UUID PRIMARY KEY REFERENCES interactions (id), terms TSVECTOR NOT NULL)",
        "CREATE INDEX idx_interaction_search_terms ON interaction_search USING GIN (terms)",
    ], backfill: { db, engine in
        try await SearchIndex.rebuildAll(on: db, engine: engine)
    })
}

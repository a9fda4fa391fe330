import Foundation
import RapportCore
import SQLKit

/// The contact-centre layer: agents and their states, queues, contacts with their lifecycle
/// times, the platforms' events (idempotent on their id), survey answers, IVR calls, and each
/// order's number as digits (what a caller can key in on a phone).
enum Migration0004ContactCentre {
    static let migration = Migration(id: "0004-contact-centre", statements: [
        """
        CREATE TABLE agents (
            id {id} PRIMARY KEY,
            key TEXT NOT NULL,
            display_name TEXT NOT NULL,
            user_id {id} REFERENCES users (id),
            skills TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('available', 'on_contact', 'wrap_up', 'away', 'offline')),
            state_since {ts} NOT NULL,
            contact_id {id},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_agents_key ON agents (key)",
        "CREATE UNIQUE INDEX idx_agents_user_id ON agents (user_id)",
        "CREATE INDEX idx_agents_state ON agents (state)",
        """
        CREATE TABLE agent_state_changes (
            id {id} PRIMARY KEY,
            agent_id {id} NOT NULL REFERENCES agents (id),
            state TEXT NOT NULL CHECK (state IN ('available', 'on_contact', 'wrap_up', 'away', 'offline')),
            at {ts} NOT NULL,
            contact_id {id}
        )
        """,
        "CREATE INDEX idx_agent_state_changes_agent_id_at ON agent_state_changes (agent_id, at)",
        """
        CREATE TABLE contact_queues (
            id {id} PRIMARY KEY,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'web_form', 'chat', 'sms', 'ivr', 'fax', 'point_of_sale', 'letter', 'social')),
            skills TEXT NOT NULL,
            service_level_seconds INTEGER NOT NULL CHECK (service_level_seconds > 0),
            max_wait_seconds INTEGER NOT NULL CHECK (max_wait_seconds > 0),
            working_hours TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_contact_queues_key ON contact_queues (key)",
        """
        CREATE TABLE service_contacts (
            id {id} PRIMARY KEY,
            external_id TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'web_form', 'chat', 'sms', 'ivr', 'fax', 'point_of_sale', 'letter', 'social')),
            party_id {id} REFERENCES parties (id),
            interaction_id {id} NOT NULL REFERENCES interactions (id),
            queue_id {id} REFERENCES contact_queues (id),
            agent_id {id} REFERENCES agents (id),
            value_tier TEXT,
            language TEXT,
            state TEXT NOT NULL CHECK (state IN ('offered', 'queued', 'routed', 'answered', 'held', 'ended', 'abandoned', 'wrapped')),
            offered_at {ts} NOT NULL,
            queued_at {ts},
            routed_at {ts},
            answered_at {ts},
            ended_at {ts},
            abandoned_at {ts},
            wrapped_at {ts},
            hold_started_at {ts},
            hold_seconds REAL NOT NULL,
            transfers INTEGER NOT NULL,
            outcome TEXT,
            resolved {bool},
            request_id {id} REFERENCES requests (id),
            next_contact_at {ts},
            last_event_at {ts} NOT NULL,
            event_count INTEGER NOT NULL,
            survey_score INTEGER CHECK (survey_score BETWEEN 1 AND 5)
        )
        """,
        "CREATE UNIQUE INDEX idx_service_contacts_external_id ON service_contacts (external_id)",
        "CREATE INDEX idx_service_contacts_offered_at ON service_contacts (offered_at)",
        "CREATE INDEX idx_service_contacts_party_id_offered_at ON service_contacts (party_id, offered_at)",
        "CREATE INDEX idx_service_contacts_state_queue_id ON service_contacts (state, queue_id)",
        """
        CREATE TABLE contact_events (
            id {id} PRIMARY KEY,
            event_id TEXT NOT NULL,
            contact_id {id} NOT NULL REFERENCES service_contacts (id),
            seq INTEGER NOT NULL,
            type TEXT NOT NULL CHECK (type IN ('offered', 'queued', 'routed', 'answered', 'held', 'resumed', 'transferred', 'abandoned', 'ended', 'wrap_up')),
            occurred_at {ts} NOT NULL,
            agent_id {id} REFERENCES agents (id),
            queue_id {id} REFERENCES contact_queues (id),
            state TEXT NOT NULL,
            received_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_contact_events_event_id ON contact_events (event_id)",
        "CREATE UNIQUE INDEX idx_contact_events_contact_id_seq ON contact_events (contact_id, seq)",
        """
        CREATE TABLE survey_answers (
            id {id} PRIMARY KEY,
            contact_id {id} NOT NULL REFERENCES service_contacts (id),
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            channel TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'ivr', 'web_form', 'chat')),
            interaction_id {id} REFERENCES interactions (id),
            answered_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_survey_answers_contact_id ON survey_answers (contact_id)",
        """
        CREATE TABLE ivr_calls (
            call_id TEXT PRIMARY KEY,
            party_id {id} REFERENCES parties (id),
            failed_attempts INTEGER NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "ALTER TABLE orders ADD COLUMN keypad_number TEXT",
        "CREATE INDEX idx_orders_keypad_number ON orders (keypad_number)",
    ], backfill: { db, _ in
        for row in try await db.select().column("id").column("number").from("orders").all() {
            let number = try row.decode(column: "number", as: String.self)
            try await db.update("orders").set("keypad_number", to: SQLBind(KeypadNumber.of(number)))
                .where("id", .equal, SQLBind(try row.decode(column: "id", as: UUID.self))).run()
        }
    })
}

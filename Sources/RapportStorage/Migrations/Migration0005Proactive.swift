import Foundation
import RapportCore
import SQLKit

/// Proactive service: business event types (payload schemas as data), the events other systems
/// post, versioned rules, flight bookings (the airline's audience), the outbound messages — the
/// durable outbox a dispatcher sends from — and what a consent was rewarded with.
enum Migration0005Proactive {
    static let migration = Migration(id: "0005-proactive", statements: [
        """
        CREATE TABLE event_types (
            id {id} PRIMARY KEY,
            key TEXT NOT NULL,
            description TEXT,
            fields TEXT NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_event_types_key ON event_types (key)",
        """
        CREATE TABLE proactive_rules (
            id {id} PRIMARY KEY,
            key TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version > 0),
            enabled {bool} NOT NULL,
            name TEXT NOT NULL,
            trigger_kind TEXT NOT NULL CHECK (trigger_kind IN ('event', 'date')),
            event_type TEXT,
            date_trigger TEXT CHECK (date_trigger IN ('birthday', 'related_birthday', 'related_age', 'contract_renewal')),
            definition TEXT NOT NULL,
            superseded {bool} NOT NULL,
            created_at {ts} NOT NULL,
            created_by TEXT,
            CHECK ((trigger_kind = 'event' AND event_type IS NOT NULL) OR (trigger_kind = 'date' AND date_trigger IS NOT NULL))
        )
        """,
        "CREATE UNIQUE INDEX idx_proactive_rules_key_version ON proactive_rules (key, version)",
        "CREATE INDEX idx_proactive_rules_event_type ON proactive_rules (event_type, superseded)",
        """
        CREATE TABLE business_events (
            id {id} PRIMARY KEY,
            event_type TEXT NOT NULL REFERENCES event_types (key),
            external_id TEXT,
            payload TEXT NOT NULL,
            occurred_at {ts} NOT NULL,
            received_at {ts} NOT NULL,
            outcome TEXT NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_business_events_event_type_external_id ON business_events (event_type, external_id)",
        "CREATE INDEX idx_business_events_received_at ON business_events (received_at)",
        """
        CREATE TABLE bookings (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            booking_ref TEXT NOT NULL,
            flight_number TEXT NOT NULL,
            flight_date TEXT NOT NULL,
            origin TEXT,
            destination TEXT,
            seat TEXT,
            created_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_bookings_booking_ref_flight ON bookings (booking_ref, flight_number, flight_date)",
        "CREATE INDEX idx_bookings_flight_number_flight_date ON bookings (flight_number, flight_date)",
        "CREATE INDEX idx_bookings_party_id ON bookings (party_id)",
        """
        CREATE TABLE outbound_messages (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            rule_id {id} REFERENCES proactive_rules (id),
            rule_key TEXT,
            event_id {id} REFERENCES business_events (id),
            dedup_key TEXT NOT NULL,
            channel TEXT CHECK (channel IN ('sms', 'email', 'webhook')),
            address TEXT,
            purpose TEXT NOT NULL,
            language TEXT,
            subject TEXT,
            body TEXT,
            status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'dead', 'suppressed', 'cancelled')),
            reason TEXT,
            attempts INTEGER NOT NULL CHECK (attempts >= 0),
            not_before {ts} NOT NULL,
            lease_until {ts},
            last_error TEXT,
            provider_id TEXT,
            interaction_id {id} REFERENCES interactions (id),
            created_at {ts} NOT NULL,
            sent_at {ts},
            delivered_at {ts},
            updated_at {ts} NOT NULL,
            CHECK (status = 'suppressed' OR (channel IS NOT NULL AND address IS NOT NULL AND body IS NOT NULL))
        )
        """,
        "CREATE UNIQUE INDEX idx_outbound_messages_dedup_key ON outbound_messages (dedup_key)",
        "CREATE INDEX idx_outbound_messages_status_not_before ON outbound_messages (status, not_before)",
        "CREATE INDEX idx_outbound_messages_party_id_created_at ON outbound_messages (party_id, created_at)",
        "CREATE INDEX idx_outbound_messages_event_id ON outbound_messages (event_id)",
        "CREATE INDEX idx_outbound_messages_provider_id ON outbound_messages (provider_id) WHERE provider_id IS NOT NULL",
        "ALTER TABLE consents ADD COLUMN reward TEXT",
        "ALTER TABLE consents ADD COLUMN document TEXT",
    ])
}

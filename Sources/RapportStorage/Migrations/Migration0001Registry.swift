/// The registry and the information trail.
enum Migration0001Registry {
    static let migration = Migration(id: "0001-registry", statements: [
        """
        CREATE TABLE parties (
            id {id} PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
            display_name TEXT NOT NULL,
            surname TEXT, given_name TEXT, patronymic TEXT, birth_date TEXT, language TEXT,
            legal_name TEXT, inn TEXT, kpp TEXT, foreign_tax_id TEXT, country TEXT,
            time_zone TEXT,
            lifecycle_stage TEXT NOT NULL CHECK (lifecycle_stage IN ('prospect', 'customer')),
            stage_changed_at {ts} NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            CHECK (kind = 'organisation' OR surname IS NOT NULL OR given_name IS NOT NULL),
            CHECK (kind = 'person' OR legal_name IS NOT NULL)
        )
        """,
        "CREATE INDEX idx_parties_inn ON parties (inn)",
        """
        CREATE TABLE identities (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            kind TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'web_login', 'messenger', 'fax')),
            value TEXT NOT NULL,
            normalized TEXT NOT NULL,
            label TEXT,
            created_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_identities_kind_normalized ON identities (kind, normalized)",
        "CREATE INDEX idx_identities_party_id ON identities (party_id)",
        """
        CREATE TABLE contact_roles (
            id {id} PRIMARY KEY,
            organisation_id {id} NOT NULL REFERENCES parties (id),
            person_id {id} NOT NULL REFERENCES parties (id),
            role TEXT NOT NULL,
            preferred_channel TEXT CHECK (preferred_channel IN ('phone', 'email', 'sms', 'messenger', 'letter', 'fax')),
            form_of_address TEXT,
            notes TEXT,
            created_at {ts} NOT NULL,
            CHECK (organisation_id <> person_id)
        )
        """,
        "CREATE UNIQUE INDEX idx_contact_roles_organisation_id_person_id ON contact_roles (organisation_id, person_id)",
        "CREATE INDEX idx_contact_roles_person_id ON contact_roles (person_id)",
        """
        CREATE TABLE relationships (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            kind TEXT NOT NULL CHECK (kind IN ('parent', 'child', 'spouse', 'friend', 'colleague', 'sibling', 'other')),
            related_party_id {id} REFERENCES parties (id),
            related_name TEXT,
            related_birth_date TEXT,
            created_at {ts} NOT NULL,
            CHECK (related_party_id IS NOT NULL OR related_name IS NOT NULL)
        )
        """,
        "CREATE INDEX idx_relationships_party_id ON relationships (party_id)",
        """
        CREATE TABLE accounts (
            party_id {id} PRIMARY KEY REFERENCES parties (id),
            balance_minor BIGINT NOT NULL,
            credit_limit_minor BIGINT NOT NULL CHECK (credit_limit_minor >= 0),
            currency TEXT NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE catalogue_items (
            id {id} PRIMARY KEY,
            sku TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('product', 'service', 'tariff')),
            price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
            currency TEXT NOT NULL,
            active {bool} NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_catalogue_items_sku ON catalogue_items (sku)",
        """
        CREATE TABLE contracts (
            id {id} PRIMARY KEY,
            number TEXT NOT NULL,
            party_id {id} NOT NULL REFERENCES parties (id),
            starts_on TEXT NOT NULL,
            ends_on TEXT,
            status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'suspended', 'terminated', 'expired')),
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            CHECK (ends_on IS NULL OR ends_on >= starts_on)
        )
        """,
        "CREATE UNIQUE INDEX idx_contracts_number ON contracts (number)",
        "CREATE INDEX idx_contracts_party_id ON contracts (party_id)",
        """
        CREATE TABLE contract_lines (
            contract_id {id} NOT NULL REFERENCES contracts (id),
            position INTEGER NOT NULL,
            item_id {id} NOT NULL REFERENCES catalogue_items (id),
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
            currency TEXT NOT NULL,
            PRIMARY KEY (contract_id, position)
        )
        """,
        """
        CREATE TABLE bundles (
            id {id} PRIMARY KEY,
            name TEXT NOT NULL,
            party_id {id} REFERENCES parties (id),
            contract_id {id} REFERENCES contracts (id),
            created_at {ts} NOT NULL,
            CHECK (party_id IS NOT NULL OR contract_id IS NOT NULL)
        )
        """,
        "CREATE INDEX idx_bundles_party_id ON bundles (party_id)",
        """
        CREATE TABLE bundle_items (
            bundle_id {id} NOT NULL REFERENCES bundles (id),
            position INTEGER NOT NULL,
            item_id {id} NOT NULL REFERENCES catalogue_items (id),
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            PRIMARY KEY (bundle_id, position)
        )
        """,
        """
        CREATE TABLE orders (
            id {id} PRIMARY KEY,
            number TEXT NOT NULL,
            party_id {id} NOT NULL REFERENCES parties (id),
            status TEXT NOT NULL CHECK (status IN ('placed', 'confirmed', 'shipped', 'delivered', 'cancelled', 'returned')),
            placed_at {ts} NOT NULL,
            total_minor BIGINT NOT NULL CHECK (total_minor >= 0),
            currency TEXT NOT NULL,
            recipient_name TEXT,
            occasion TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_orders_number ON orders (number)",
        "CREATE INDEX idx_orders_party_id_placed_at ON orders (party_id, placed_at)",
        """
        CREATE TABLE order_lines (
            order_id {id} NOT NULL REFERENCES orders (id),
            position INTEGER NOT NULL,
            item_id {id} REFERENCES catalogue_items (id),
            description TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            unit_price_minor BIGINT NOT NULL CHECK (unit_price_minor >= 0),
            PRIMARY KEY (order_id, position)
        )
        """,
        """
        CREATE TABLE shipments (
            id {id} PRIMARY KEY,
            order_id {id} NOT NULL REFERENCES orders (id),
            status TEXT NOT NULL CHECK (status IN ('pending', 'dispatched', 'in_transit', 'delayed', 'delivered', 'lost')),
            carrier TEXT, tracking_number TEXT, tracking_url TEXT,
            promised_on TEXT, delivered_on TEXT,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_shipments_order_id ON shipments (order_id)",
        """
        CREATE TABLE order_returns (
            id {id} PRIMARY KEY,
            order_id {id} NOT NULL REFERENCES orders (id),
            reason TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('requested', 'received', 'refunded', 'rejected')),
            amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_order_returns_order_id ON order_returns (order_id)",
        """
        CREATE TABLE invoices (
            id {id} PRIMARY KEY,
            number TEXT NOT NULL,
            party_id {id} NOT NULL REFERENCES parties (id),
            contract_id {id} REFERENCES contracts (id),
            issued_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
            paid_minor BIGINT NOT NULL CHECK (paid_minor >= 0),
            currency TEXT NOT NULL,
            cancelled {bool} NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            CHECK (due_on >= issued_on)
        )
        """,
        "CREATE UNIQUE INDEX idx_invoices_number ON invoices (number)",
        "CREATE INDEX idx_invoices_party_id ON invoices (party_id)",
        """
        CREATE TABLE payments (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            invoice_id {id} REFERENCES invoices (id),
            amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
            currency TEXT NOT NULL,
            paid_at {ts} NOT NULL,
            created_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_payments_party_id ON payments (party_id)",
        """
        CREATE TABLE requests (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            type TEXT NOT NULL CHECK (type IN ('application', 'complaint', 'question', 'other')),
            subject TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
            opened_at {ts} NOT NULL,
            closed_at {ts},
            opened_by_interaction_id {id},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_requests_party_id_status ON requests (party_id, status)",
        """
        CREATE TABLE interactions (
            id {id} PRIMARY KEY,
            party_id {id} REFERENCES parties (id),
            channel TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'web_form', 'chat', 'sms', 'ivr', 'fax', 'point_of_sale', 'letter', 'social')),
            direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
            occurred_at {ts} NOT NULL,
            address TEXT, agent TEXT, subject TEXT, summary TEXT, outcome TEXT,
            request_id {id} REFERENCES requests (id),
            order_id {id} REFERENCES orders (id),
            campaign_id {id},
            corrects_id {id} REFERENCES interactions (id),
            created_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_interactions_party_id_occurred_at ON interactions (party_id, occurred_at, id)",
        "CREATE INDEX idx_interactions_request_id ON interactions (request_id)",
        """
        CREATE TABLE outbox_events (
            id {id} PRIMARY KEY,
            topic TEXT NOT NULL,
            aggregate_id {id} NOT NULL,
            payload {json} NOT NULL,
            created_at {ts} NOT NULL,
            dispatched_at {ts}
        )
        """,
        "CREATE INDEX idx_outbox_events_dispatched_at_created_at ON outbox_events (dispatched_at, created_at)",
    ])
}

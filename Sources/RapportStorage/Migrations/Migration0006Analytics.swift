/// Analytics and personalisation: each party's computed value (and the runs that computed it),
/// saved segments, k-means cluster runs, call detail records and tariff rates, the offer
/// catalogue and every offer presented, accepted or declined, measured campaigns (target and
/// control arms, call outcomes, quality reviews), and indexes the warehouse export reads by.
enum Migration0006Analytics {
    static let migration = Migration(id: "0006-analytics", statements: [
        // The margin an order earned; NULL means "not known": the value model then applies its default margin rate.
        "ALTER TABLE orders ADD COLUMN margin_minor BIGINT",
        // The value model reads every order of the window per party: a covering index turns that into
        // one ordered index scan (measured: 10 s → 2 s for 10 M orders, docs/benchmarks.md). It starts
        // with the old index's columns, so it serves its queries and replaces it.
        "CREATE INDEX idx_orders_party_id_placed_at_value ON orders (party_id, placed_at, status, total_minor, margin_minor)",
        "DROP INDEX idx_orders_party_id_placed_at",
        """
        CREATE TABLE value_runs (
            id {id} PRIMARY KEY,
            started_at {ts} NOT NULL,
            finished_at {ts} NOT NULL,
            parties INTEGER NOT NULL,
            settings TEXT NOT NULL,
            tiers TEXT NOT NULL,
            cause TEXT NOT NULL CHECK (cause IN ('schedule', 'on_demand'))
        )
        """,
        "CREATE INDEX idx_value_runs_started_at ON value_runs (started_at)",
        // Derived data, replaced whole by each run: no foreign key, which would stop SQLite from
        // emptying the table in one step (a million-row delete took 4 s instead of 0.3 s).
        """
        CREATE TABLE party_values (
            party_id {id} PRIMARY KEY,
            actual_minor BIGINT NOT NULL,
            orders INTEGER NOT NULL,
            revenue_minor BIGINT NOT NULL,
            last_order_at {ts},
            recency_score INTEGER NOT NULL CHECK (recency_score BETWEEN 0 AND 5),
            frequency_score INTEGER NOT NULL CHECK (frequency_score BETWEEN 0 AND 5),
            monetary_score INTEGER NOT NULL CHECK (monetary_score BETWEEN 0 AND 5),
            potential_minor BIGINT NOT NULL,
            tier TEXT NOT NULL,
            rank INTEGER NOT NULL,
            computed_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_party_values_rank ON party_values (rank)",
        """
        CREATE TABLE segments (
            id {id} PRIMARY KEY,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            definition TEXT NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_segments_key ON segments (key)",
        """
        CREATE TABLE cluster_runs (
            id {id} PRIMARY KEY,
            k INTEGER NOT NULL CHECK (k BETWEEN 2 AND 20),
            features TEXT NOT NULL,
            profiles TEXT NOT NULL,
            parties INTEGER NOT NULL,
            iterations INTEGER NOT NULL,
            created_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE party_clusters (
            run_id {id} NOT NULL REFERENCES cluster_runs (id),
            party_id {id} NOT NULL REFERENCES parties (id),
            cluster INTEGER NOT NULL,
            PRIMARY KEY (run_id, party_id)
        )
        """,
        "CREATE INDEX idx_party_clusters_run_id_cluster ON party_clusters (run_id, cluster)",
        """
        CREATE TABLE usage_records (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            external_id TEXT,
            occurred_on TEXT NOT NULL,
            destination TEXT NOT NULL,
            seconds INTEGER NOT NULL CHECK (seconds >= 0),
            cost_minor BIGINT NOT NULL CHECK (cost_minor >= 0),
            created_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_usage_records_party_id_occurred_on ON usage_records (party_id, occurred_on)",
        "CREATE UNIQUE INDEX idx_usage_records_external_id ON usage_records (external_id)",
        """
        CREATE TABLE tariff_rates (
            item_id {id} NOT NULL REFERENCES catalogue_items (id),
            destination TEXT NOT NULL,
            per_minute_minor BIGINT NOT NULL CHECK (per_minute_minor >= 0),
            included_minutes INTEGER NOT NULL CHECK (included_minutes >= 0),
            PRIMARY KEY (item_id, destination)
        )
        """,
        """
        CREATE TABLE offers (
            id {id} PRIMARY KEY,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            name_ru TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('product', 'tariff_saving', 'life_event')),
            item_id {id} REFERENCES catalogue_items (id),
            purpose TEXT NOT NULL,
            definition TEXT NOT NULL,
            active {bool} NOT NULL,
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_offers_key ON offers (key)",
        """
        CREATE TABLE offer_responses (
            id {id} PRIMARY KEY,
            offer_id {id} NOT NULL REFERENCES offers (id),
            party_id {id} NOT NULL REFERENCES parties (id),
            response TEXT NOT NULL CHECK (response IN ('presented', 'accepted', 'declined')),
            benefit_minor BIGINT,
            currency TEXT,
            detail TEXT,
            channel TEXT NOT NULL,
            interaction_id {id} REFERENCES interactions (id),
            campaign_id {id} REFERENCES campaigns (id),
            recorded_by TEXT,
            recorded_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_offer_responses_offer_id_response ON offer_responses (offer_id, response)",
        "CREATE INDEX idx_offer_responses_party_id_recorded_at ON offer_responses (party_id, recorded_at)",
        "CREATE INDEX idx_offer_responses_recorded_at ON offer_responses (recorded_at)",
        // Campaigns made before this migration are plain calling lists already worked: launched, all target.
        "ALTER TABLE campaigns ADD COLUMN key TEXT",
        "ALTER TABLE campaigns ADD COLUMN status TEXT NOT NULL DEFAULT 'launched' CHECK (status IN ('draft', 'launched', 'closed'))",
        "ALTER TABLE campaigns ADD COLUMN channel TEXT NOT NULL DEFAULT 'call_list' CHECK (channel IN ('call_list', 'email', 'sms'))",
        "ALTER TABLE campaigns ADD COLUMN segment_id {id} REFERENCES segments (id)",
        "ALTER TABLE campaigns ADD COLUMN offer_id {id} REFERENCES offers (id)",
        "ALTER TABLE campaigns ADD COLUMN control_permille INTEGER NOT NULL DEFAULT 0 CHECK (control_permille BETWEEN 0 AND 500)",
        "ALTER TABLE campaigns ADD COLUMN qa_permille INTEGER NOT NULL DEFAULT 0 CHECK (qa_permille BETWEEN 0 AND 1000)",
        "ALTER TABLE campaigns ADD COLUMN response_window_days INTEGER NOT NULL DEFAULT 30 CHECK (response_window_days > 0)",
        "ALTER TABLE campaigns ADD COLUMN definition TEXT",
        "ALTER TABLE campaigns ADD COLUMN launched_at {ts}",
        "ALTER TABLE campaigns ADD COLUMN closed_at {ts}",
        "ALTER TABLE campaigns ADD COLUMN updated_at {ts}",
        "CREATE UNIQUE INDEX idx_campaigns_key ON campaigns (key)",
        "ALTER TABLE campaign_parties ADD COLUMN arm TEXT NOT NULL DEFAULT 'target' CHECK (arm IN ('target', 'control'))",
        "ALTER TABLE campaign_parties ADD COLUMN stratum TEXT",
        "ALTER TABLE campaign_parties ADD COLUMN outcome TEXT",
        "ALTER TABLE campaign_parties ADD COLUMN outcome_at {ts}",
        "ALTER TABLE campaign_parties ADD COLUMN interaction_id {id} REFERENCES interactions (id)",
        "ALTER TABLE campaign_parties ADD COLUMN qa_sampled {bool}",
        "ALTER TABLE campaign_parties ADD COLUMN updated_at {ts}",
        "CREATE INDEX idx_campaign_parties_party_id ON campaign_parties (party_id)",
        """
        CREATE TABLE qa_reviews (
            id {id} PRIMARY KEY,
            campaign_id {id} NOT NULL REFERENCES campaigns (id),
            party_id {id} NOT NULL REFERENCES parties (id),
            interaction_id {id} NOT NULL REFERENCES interactions (id),
            reviewer TEXT NOT NULL,
            scores TEXT NOT NULL,
            score_permille INTEGER NOT NULL CHECK (score_permille BETWEEN 0 AND 1000),
            passed {bool} NOT NULL,
            comment TEXT,
            created_at {ts} NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_qa_reviews_interaction_id ON qa_reviews (interaction_id)",
        "ALTER TABLE outbound_messages ADD COLUMN campaign_id {id} REFERENCES campaigns (id)",
        // The warehouse export reads changes since a watermark.
        "CREATE INDEX idx_interactions_created_at ON interactions (created_at)",
        "CREATE INDEX idx_orders_updated_at ON orders (updated_at)",
        "CREATE INDEX idx_parties_updated_at ON parties (updated_at)",
        "CREATE INDEX idx_outbound_messages_updated_at ON outbound_messages (updated_at)",
    ])
}

/// Users, sessions, API tokens, the audit trail, erasures, retention, and calling lists for
/// outside agents.
enum Migration0003Access {
    static let migration = Migration(id: "0003-access", statements: [
        """
        CREATE TABLE campaigns (
            id {id} PRIMARY KEY,
            name TEXT NOT NULL,
            created_at {ts} NOT NULL
        )
        """,
        """
        CREATE TABLE campaign_parties (
            campaign_id {id} NOT NULL REFERENCES campaigns (id),
            party_id {id} NOT NULL REFERENCES parties (id),
            added_at {ts} NOT NULL,
            PRIMARY KEY (campaign_id, party_id)
        )
        """,
        """
        CREATE TABLE users (
            id {id} PRIMARY KEY,
            login TEXT NOT NULL,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'account_manager', 'marketer', 'administrator', 'outside_agent')),
            campaign_id {id} REFERENCES campaigns (id),
            language TEXT NOT NULL CHECK (language IN ('en', 'ru')),
            password_hash TEXT NOT NULL,
            failed_sign_ins INTEGER NOT NULL,
            locked_until {ts},
            disabled_at {ts},
            created_at {ts} NOT NULL,
            updated_at {ts} NOT NULL,
            CHECK (role <> 'outside_agent' OR campaign_id IS NOT NULL)
        )
        """,
        "CREATE UNIQUE INDEX idx_users_login ON users (login)",
        "ALTER TABLE parties ADD COLUMN account_manager_id {id} REFERENCES users (id)",
        "ALTER TABLE parties ADD COLUMN erased_at {ts}",
        """
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id {id} NOT NULL REFERENCES users (id),
            csrf_token TEXT NOT NULL,
            created_at {ts} NOT NULL,
            expires_at {ts} NOT NULL,
            ended_at {ts}
        )
        """,
        "CREATE INDEX idx_sessions_user_id ON sessions (user_id)",
        """
        CREATE TABLE api_tokens (
            id {id} PRIMARY KEY,
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,
            token_hash TEXT NOT NULL,
            scopes TEXT NOT NULL,
            created_by {id} REFERENCES users (id),
            created_at {ts} NOT NULL,
            expires_at {ts},
            revoked_at {ts}
        )
        """,
        "CREATE UNIQUE INDEX idx_api_tokens_token_hash ON api_tokens (token_hash)",
        """
        CREATE TABLE audit_events (
            id {id} PRIMARY KEY,
            at {ts} NOT NULL,
            actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'token', 'anonymous', 'system')),
            actor_id {id},
            action TEXT NOT NULL,
            route TEXT NOT NULL,
            party_id {id},
            status INTEGER NOT NULL,
            request_id TEXT
        )
        """,
        "CREATE INDEX idx_audit_events_party_id_at ON audit_events (party_id, at)",
        "CREATE INDEX idx_audit_events_actor_id_at ON audit_events (actor_id, at)",
        "CREATE INDEX idx_audit_events_at ON audit_events (at)",
        """
        CREATE TABLE erasures (
            id {id} PRIMARY KEY,
            party_id {id} NOT NULL REFERENCES parties (id),
            requested_by {id},
            reference TEXT,
            counts TEXT NOT NULL,
            erased_at {ts} NOT NULL
        )
        """,
        "CREATE INDEX idx_erasures_party_id ON erasures (party_id)",
    ], sqlite: [
        // The audit trail is append-only for the application: only retention (which announces
        // itself by setting `audit_retention` in the same transaction) may delete old lines.
        "CREATE TABLE audit_retention (cutoff REAL NOT NULL)",
        """
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
        """,
        """
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        WHEN NOT EXISTS (SELECT 1 FROM audit_retention WHERE OLD.at < cutoff)
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
        """,
    ], postgres: [
        "CREATE TABLE audit_retention (cutoff TIMESTAMPTZ NOT NULL)",
        """
        CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_retention WHERE OLD.at < cutoff) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'audit_events is append-only';
        END $$
        """,
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    ])
}

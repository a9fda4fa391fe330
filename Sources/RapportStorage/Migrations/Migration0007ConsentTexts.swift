/// The consent texts customers agree to, per purpose and version, in Russian and English. A
/// version is written once: the primary key refuses a second text under the same version.
enum Migration0007ConsentTexts {
    static let migration = Migration(id: "0007-consent-texts", statements: [
        """
        CREATE TABLE consent_texts (
            purpose TEXT NOT NULL,
            version TEXT NOT NULL,
            text_en TEXT NOT NULL,
            text_ru TEXT NOT NULL,
            published_at {ts} NOT NULL,
            PRIMARY KEY (purpose, version)
        )
        """,
        "CREATE INDEX idx_consent_texts_published_at ON consent_texts (published_at)",
    ])
}

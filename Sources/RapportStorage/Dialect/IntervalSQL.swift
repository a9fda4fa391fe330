import SQLKit

/// Time arithmetic in SQL: SQLite keeps times as seconds since 1970 (REAL), PostgreSQL as
/// TIMESTAMPTZ. Column names here are fixed identifiers, never input.
enum IntervalSQL {
    /// Seconds from `start` to `end`.
    static func seconds(from start: String, to end: String, engine: SQLEngine) -> String {
        switch engine {
        case .sqlite: "(\(end) - \(start))"
        case .postgres: "EXTRACT(EPOCH FROM (\(end) - \(start)))"
        }
    }

    /// `column` plus a bound number of seconds (a `$n`/`?` placeholder is appended by the caller).
    static func plusSeconds(_ column: String, engine: SQLEngine) -> (prefix: String, suffix: String) {
        switch engine {
        case .sqlite: ("(\(column) + ", ")")
        case .postgres: ("(\(column) + make_interval(secs => ", "))")
        }
    }

    /// The UTC day of `column` as YYYY-MM-DD.
    /// `YYYY-MM-DDTHH` of a time column, in UTC.
    static func utcHour(_ column: String, engine: SQLEngine) -> String {
        switch engine {
        case .sqlite: "strftime('%Y-%m-%dT%H', \(column), 'unixepoch')"
        case .postgres: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"
        }
    }

    static func utcDay(_ column: String, engine: SQLEngine) -> String {
        switch engine {
        case .sqlite: "date(\(column), 'unixepoch')"
        case .postgres: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        }
    }
}

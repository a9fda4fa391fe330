import Foundation
import SQLKit

/// Keyset cursors on a time column need the value exactly as stored, or `=` misses the boundary
/// row and a page repeats or skips entries.
///
/// SQLite stores the `Double` the driver wrote; converting it to `Date` and back can move it by
/// one ulp, so the cursor keeps the raw `REAL` and binds it as a `Double`. PostgreSQL keeps whole
/// microseconds and its driver truncates when it converts a `Date`, so the cursor keeps the
/// microsecond and binds half a microsecond above it, which truncates back onto it exactly.
enum TimeBinding {
    /// The stored time of `column` in `row`, as seconds since 1970, exact for comparison.
    static func cursorSeconds(_ row: any SQLRow, column: String, engine: SQLEngine) throws -> Double {
        switch engine {
        case .sqlite:
            return try row.decode(column: column, as: Double.self)
        case .postgres:
            let date = try row.decode(column: column, as: Date.self)
            return (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000
        }
    }

    /// The value to bind when comparing `column` with a cursor's seconds.
    static func bind(_ seconds: Double, engine: SQLEngine) -> any Encodable & Sendable {
        switch engine {
        case .sqlite:
            return seconds
        case .postgres:
            return Date(timeIntervalSince1970: ((seconds * 1_000_000).rounded() + 0.5) / 1_000_000)
        }
    }
}

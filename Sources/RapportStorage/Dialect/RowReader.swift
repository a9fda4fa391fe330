import Foundation
import SQLiteNIO
import SQLKit

/// Reads columns of a result row. On SQLite it takes the driver's values as they are (a row read
/// through the generic decoder costs several microseconds per column, which dominated large
/// fan-outs); elsewhere it uses the generic decoder. Values are read exactly as the generic path
/// writes them: UUIDs as text, times as seconds since 1970, booleans as integers.
struct RowReader {
    let row: any SQLRow
    let sqlite: SQLiteRow?

    init(_ row: any SQLRow) { self.row = row; self.sqlite = row as? SQLiteRow }

    private func raw(_ column: String) throws -> SQLiteData? {
        guard let sqlite else { return nil }
        guard let value = sqlite.column(column) else { throw RowReaderError(column: column) }
        return value
    }

    func string(_ column: String) throws -> String? {
        if sqlite != nil { if case .null = try raw(column)! { return nil }; return try raw(column)!.string }
        return try row.decode(column: column, as: String?.self)
    }

    func uuid(_ column: String) throws -> UUID? {
        if sqlite != nil { return try string(column).flatMap { UUID(text: $0) } }
        return try row.decode(column: column, as: UUID?.self)
    }

    func date(_ column: String) throws -> Date? {
        if let value = try raw(column) {
            switch value {
            case .float(let seconds): return Date(timeIntervalSince1970: seconds)
            case .integer(let seconds): return Date(timeIntervalSince1970: Double(seconds))
            default: return nil
            }
        }
        return try row.decode(column: column, as: Date?.self)
    }

    func bool(_ column: String) throws -> Bool? {
        if let value = try raw(column) { if case .null = value { return nil }; return value.bool }
        return try row.decode(column: column, as: Bool?.self)
    }

    func int(_ column: String) throws -> Int? {
        if let value = try raw(column) { if case .null = value { return nil }; return value.integer.map { Int($0) } }
        return try row.decode(column: column, as: Int?.self)
    }

    func required<T>(_ value: T?, _ column: String) throws -> T {
        guard let value else { throw RowReaderError(column: column) }
        return value
    }
}

struct RowReaderError: Error, CustomStringConvertible {
    let column: String
    var description: String { "column \(column) is missing or null" }
}

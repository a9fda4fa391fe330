import RapportCore
import PostgresNIO
import SQLiteNIO

/// Recognises constraint failures of either engine, so stores can turn them into clear errors.
enum ConstraintViolation {
    case unique
    case foreignKey
    case check

    init?(_ error: any Error) {
        if let e = error as? SQLiteError {
            switch e.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed: self = .unique
            case .constraintForeignKeyFailed: self = .foreignKey
            case .constraintCheckFailed, .constraintNotNullFailed: self = .check
            default: return nil
            }
        } else if let e = error as? PSQLError, let state = e.serverInfo?[.sqlState] {
            switch state {
            case PostgresError.Code.uniqueViolation.raw: self = .unique
            case PostgresError.Code.foreignKeyViolation.raw: self = .foreignKey
            case PostgresError.Code.checkViolation.raw, PostgresError.Code.notNullViolation.raw: self = .check
            default: return nil
            }
        } else {
            return nil
        }
    }
}

extension Database {
    /// Whether a write failed only because another transaction got there first: PostgreSQL chose it
    /// as a deadlock's or a serialization conflict's victim, or a unique key was taken meanwhile
    /// (`write` reports that as `already_exists`). Such a write can simply run again.
    public static func lostRace(_ error: any Error) -> Bool {
        if let e = error as? RapportError { return e.code == "already_exists" }
        if let e = error as? PSQLError, let state = e.serverInfo?[.sqlState] {
            return state == PostgresError.Code.deadlockDetected.raw || state == PostgresError.Code.serializationFailure.raw
        }
        return false
    }
}

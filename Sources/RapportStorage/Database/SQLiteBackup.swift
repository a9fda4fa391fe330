import Foundation
import Logging
import NIOCore
import SQLiteNIO

/// Backup and restore of a SQLite database file, and a digest to compare two copies.
///
/// The backup is online: `VACUUM INTO` reads one consistent snapshot (WAL mode lets a running
/// server keep writing meanwhile) into a new, compact file. PostgreSQL is backed up with its own
/// tools (docs/operations.md).
public enum SQLiteBackup {
    /// One table's row count and an order-independent checksum of its rows.
    public struct TableDigest: Sendable, Equatable, Codable {
        public var table: String
        public var rows: Int
        public var checksum: String
    }

    public enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case exists(String)
        case wouldReplace(String)
        case notRapport(String)
        case damaged(String, String)
        case inUse(String)

        public var description: String {
            switch self {
            case .missing(let path): "\(path) does not exist"
            case .exists(let path): "\(path) already exists; choose a new file"
            case .wouldReplace(let path): "\(path) already exists; pass --force to replace it (its contents are lost)"
            case .notRapport(let path): "\(path) is not a Rapport database (no applied migrations found)"
            case .damaged(let path, let why): "\(path) failed SQLite's integrity check: \(why)"
            case .inUse(let path): "\(path) is in use; stop Rapport on it before restoring"
            }
        }
    }

    /// Copies the database at `source` into a new file at `target`, consistent as of one moment,
    /// then checks the copy. Returns the copy's digest.
    public static func backup(from source: String, to target: String, logger: Logger = Logger(label: "rapport.backup")) async throws -> [TableDigest] {
        guard FileManager.default.fileExists(atPath: source) else { throw Failure.missing(source) }
        guard !FileManager.default.fileExists(atPath: target) else { throw Failure.exists(target) }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: target).deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            try await withConnection(source, logger: logger) { connection in
                _ = try await connection.query("PRAGMA busy_timeout=10000", [])
                _ = try await connection.query("VACUUM INTO ?", [.text(target)])
            }
        } catch {
            try? FileManager.default.removeItem(atPath: target)
            throw error
        }
        return try await verified(target, logger: logger)
    }

    /// Puts the backup at `source` in place of the database at `target` (Rapport must not be running
    /// on it): checked first, written beside the target, flushed, then renamed over it, so a crash
    /// midway leaves the old database or the new one, never a mix. Returns the restored digest.
    public static func restore(from source: String, to target: String, replace: Bool,
                               logger: Logger = Logger(label: "rapport.backup")) async throws -> [TableDigest] {
        guard FileManager.default.fileExists(atPath: source) else { throw Failure.missing(source) }
        if FileManager.default.fileExists(atPath: target), !replace { throw Failure.wouldReplace(target) }
        let expected = try await verified(source, logger: logger)
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: target).deletingLastPathComponent(), withIntermediateDirectories: true)
        let staging = target + ".restoring"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.copyItem(atPath: source, toPath: staging)
        try flush(staging)
        // The old database's log belongs to the old file and must not be replayed into the new one:
        // first everything in it goes into the old file (so a crash before the rename leaves the old
        // database whole), then the emptied log is removed.
        if FileManager.default.fileExists(atPath: target) { try await checkpoint(target, logger: logger) }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
        guard rename(staging, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
        try flush(URL(fileURLWithPath: target).deletingLastPathComponent().path)
        let restored = try await digest(target, logger: logger)
        guard restored == expected else { throw Failure.damaged(target, "the restored copy differs from the backup") }
        return restored
    }

    /// Moves the write-ahead log into the database file and truncates it; refuses while another
    /// connection reads or writes (Rapport still running on the file).
    static func checkpoint(_ path: String, logger: Logger) async throws {
        try await withConnection(path, logger: logger) { connection in
            _ = try await connection.query("PRAGMA busy_timeout=2000", [])
            let busy = try await connection.query("PRAGMA wal_checkpoint(TRUNCATE)", []).first?.columns.first?.data.integer ?? 0
            guard busy == 0 else { throw Failure.inUse(path) }
        }
    }

    /// Every table's row count and checksum (FTS index tables left out: they are derived).
    public static func digest(_ path: String, logger: Logger = Logger(label: "rapport.backup")) async throws -> [TableDigest] {
        try await withConnection(path, logger: logger) { try await digest($0) }
    }

    /// `body` on a connection of its own to the file, closed afterwards whatever happens.
    static func withConnection<T>(_ path: String, logger: Logger, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func digest(_ connection: SQLiteConnection) async throws -> [TableDigest] {
        let tables = try await connection.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name", [])
        let virtual = tables.compactMap { row -> String? in
            guard row.column("sql")?.string?.uppercased().hasPrefix("CREATE VIRTUAL") == true else { return nil }
            return row.column("name")?.string
        }
        var result: [TableDigest] = []
        for row in tables {
            guard let name = row.column("name")?.string, !name.hasPrefix("sqlite_"),
                  !virtual.contains(where: { name == $0 || name.hasPrefix($0 + "_") }) else { continue }
            let sum = RowChecksum()
            try await connection.query("SELECT * FROM \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"", []) { sum.add($0) }
            result.append(TableDigest(table: name, rows: sum.rows, checksum: String(format: "%016llx", sum.total)))
        }
        return result
    }

    /// Integrity check plus "is this ours", then the digest.
    static func verified(_ path: String, logger: Logger) async throws -> [TableDigest] {
        try await withConnection(path, logger: logger) { connection in
            let check = try await connection.query("PRAGMA integrity_check", []).first?.columns.first?.data.string ?? "no answer"
            guard check == "ok" else { throw Failure.damaged(path, check) }
            let migrations = try await connection.query(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", []).first?.column("n")?.integer ?? 0
            guard migrations == 1 else { throw Failure.notRapport(path) }
            return try await digest(connection)
        }
    }

    private static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadUnknown) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

/// FNV-1a per row, summed: the same rows in any order give the same checksum.
private final class RowChecksum: @unchecked Sendable {
    var rows = 0
    var total: UInt64 = 0

    func add(_ row: SQLiteRow) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        for column in row.columns {
            switch column.data {
            case .integer(let v): mix([1]); withUnsafeBytes(of: Int64(v).littleEndian) { mix($0) }
            case .float(let v): mix([2]); withUnsafeBytes(of: v.bitPattern.littleEndian) { mix($0) }
            case .text(let v): mix([3]); mix(v.utf8); mix([0])
            case .blob(let v): mix([4]); mix(v.readableBytesView); mix([0])
            case .null: mix([5])
            }
        }
        rows += 1
        total = total &+ h
    }
}

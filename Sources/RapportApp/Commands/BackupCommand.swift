import ArgumentParser
import Foundation
import RapportStorage

/// The database location these commands act on, as a SQLite path (PostgreSQL has its own tools).
private func sqlitePath(_ option: String?, command: String) throws -> String {
    let config = try AppConfig(database: option)
    guard case .sqlite(let path) = config.database else {
        throw CommandFailure("`rapport \(command)` works on the embedded SQLite database; for PostgreSQL use pg_dump and pg_restore "
            + "(docs/operations.md, section Backup and restore)")
    }
    return path
}

private func sayDigest(_ digest: [SQLiteBackup.TableDigest], json: Bool) throws {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        say(String(decoding: try encoder.encode(digest), as: UTF8.self))
    } else {
        for t in digest where t.rows > 0 { say("  \(t.table.padding(toLength: 28, withPad: " ", startingAt: 0)) \(t.rows) rows  \(t.checksum)") }
        say("  (\(digest.count) tables, \(digest.reduce(0) { $0 + $1.rows }) rows in all)")
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database to a new file while Rapport keeps running, then check the copy.",
        discussion: "The copy is one consistent snapshot (SQLite's VACUUM INTO), compacted, and checked with SQLite's integrity "
            + "check; it prints each table's row count and checksum (--json: as one JSON array), which `rapport restore` "
            + "prints too. For PostgreSQL use pg_dump (docs/operations.md).")

    @OptionGroup var db: DatabaseOptions
    @Option(name: .customLong("to"), help: "The new backup file (must not exist).") var target: String
    @Flag(help: "Print the digest as one JSON array.") var json = false

    func run() async throws {
        let source = try sqlitePath(db.database, command: "backup")
        do {
            let digest = try await SQLiteBackup.backup(from: source, to: target)
            if !json { say("Backed up \(source) to \(target):") }
            try sayDigest(digest, json: json)
        } catch let failure as SQLiteBackup.Failure {
            throw CommandFailure(failure.description)
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup made by `rapport backup` in place of the SQLite database. Stop Rapport on it first.",
        discussion: "The backup is checked first (integrity, a Rapport schema); the database is replaced in one rename, so an "
            + "interrupted restore leaves the old database or the new one. Prints the restored digest, which must match the "
            + "one `rapport backup` printed. Newer migrations are applied when Rapport next starts.")

    @OptionGroup var db: DatabaseOptions
    @Option(name: .customLong("from"), help: "The backup file.") var source: String
    @Flag(help: "Replace an existing database (its current contents are lost).") var force = false
    @Flag(help: "Print the digest as one JSON array.") var json = false

    func run() async throws {
        let target = try sqlitePath(db.database, command: "restore")
        do {
            let digest = try await SQLiteBackup.restore(from: source, to: target, replace: force)
            if !json { say("Restored \(source) to \(target):") }
            try sayDigest(digest, json: json)
        } catch let failure as SQLiteBackup.Failure {
            throw CommandFailure(failure.description)
        }
    }
}

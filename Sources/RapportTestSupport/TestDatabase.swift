import Foundation
import RapportCore
import RapportStorage

/// The engines a storage contract test runs on: SQLite always, PostgreSQL when
/// `RAPPORT_TEST_POSTGRES_URL` points at a server (CI starts one).
public enum TestEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    public static var available: [TestEngine] {
        ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES_URL"].map { !$0.isEmpty } == true ? [.sqlite, .postgres] : [.sqlite]
    }
}

/// A fresh, migrated database for one test: a temporary SQLite file, or a new PostgreSQL database
/// created on the test server and dropped afterwards.
public func withTestDatabase<T: Sendable>(_ engine: TestEngine, _ body: (Database) async throws -> T) async throws -> T {
    switch engine {
    case .sqlite:
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try await Database.open(.sqlite(path: dir.appendingPathComponent("test.sqlite").path), readers: 2)
        do {
            try await Migrator(database: db).migrate()
            let result = try await body(db)
            await db.close()
            return result
        } catch {
            await db.close()
            throw error
        }
    case .postgres:
        guard let base = ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES_URL"], var comps = URLComponents(string: base) else {
            throw TestSupportError("RAPPORT_TEST_POSTGRES_URL is not set")
        }
        let name = "rapport_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try await Database.open(.postgres(url: base))
        try await admin.execute(unsafeStatement: "CREATE DATABASE \(name)")
        comps.path = "/" + name
        let db = try await Database.open(.postgres(url: comps.string!))
        func cleanup() async {
            await db.close()
            try? await admin.execute(unsafeStatement: "DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
        }
        do {
            try await Migrator(database: db).migrate()
            let result = try await body(db)
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }
}

/// `count` fresh PostgreSQL databases on the test server (migrated unless `migrated` is false), by
/// URL, dropped afterwards: for tests that open several handles, as several Rapport nodes or a
/// primary and a replica would.
public func withPostgresTestDatabases<T: Sendable>(count: Int, migrated: Bool = true, _ body: ([String]) async throws -> T) async throws -> T {
    guard let base = ProcessInfo.processInfo.environment["RAPPORT_TEST_POSTGRES_URL"], let comps = URLComponents(string: base) else {
        throw TestSupportError("RAPPORT_TEST_POSTGRES_URL is not set")
    }
    let admin = try await Database.open(.postgres(url: base))
    var names: [String] = []
    func cleanup() async {
        for name in names { try? await admin.execute(unsafeStatement: "DROP DATABASE \(name) WITH (FORCE)") }
        await admin.close()
    }
    do {
        var urls: [String] = []
        for _ in 0..<count {
            let name = "rapport_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try await admin.execute(unsafeStatement: "CREATE DATABASE \(name)")
            names.append(name)
            var c = comps
            c.path = "/" + name
            if migrated {
                let db = try await Database.open(.postgres(url: c.string!))
                do { try await Migrator(database: db).migrate() } catch { await db.close(); throw error }
                await db.close()
            }
            urls.append(c.string!)
        }
        let result = try await body(urls)
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A clock the test moves by hand.
public final class FixedClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ date: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        current = date
    }

    public func now() -> Date {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    public func advance(by seconds: TimeInterval) {
        lock.lock(); defer { lock.unlock() }
        current = current.addingTimeInterval(seconds)
    }
}

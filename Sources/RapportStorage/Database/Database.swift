import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import RapportCore
import SQLKit
import SQLiteKit
import SQLiteNIO

/// Where the data lives. SQLite by default (a file under `./data`), PostgreSQL for larger deployments.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path
    /// (`sqlite://path` or a bare path).
    public init(_ text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite://") {
            self = .sqlite(path: String(text.dropFirst("sqlite://".count)))
        } else {
            self = .sqlite(path: text)
        }
    }
}

/// How hard a write is pushed to disk before it is acknowledged.
public enum Durability: String, Sendable, CaseIterable {
    /// Survives a crash or `kill -9` of the process (WAL, synchronous=NORMAL on SQLite).
    case process
    /// Also survives power loss: fsync before the acknowledgement (synchronous=FULL; PostgreSQL's default).
    case full
}

/// The one handle on storage: reads go to a reader connection, writes are queued and committed in
/// groups (one transaction and one fsync for all writes that arrived together).
public final class Database: Sendable {
    public let engine: SQLEngine
    let logger: Logger
    let backend: Backend
    private let writer: GroupCommitWriter
    /// A PostgreSQL streaming replica for reporting reads (`readReport`), when configured.
    private let replica: (client: PostgresClient, runner: Task<Void, Never>)?
    /// The SQLite writer's page cache in KiB (readers get half each).
    static let writerCacheKiB = 32_000

    enum Backend: Sendable {
        case sqlite(writer: SQLiteConnection, readers: [SQLiteConnection], next: NIOLockedValueBox<Int>)
        case postgres(client: PostgresClient, runner: Task<Void, Never>)
    }

    private init(engine: SQLEngine, backend: Backend, writer: GroupCommitWriter, logger: Logger,
                 replica: (client: PostgresClient, runner: Task<Void, Never>)? = nil) {
        self.engine = engine
        self.backend = backend
        self.writer = writer
        self.logger = logger
        self.replica = replica
    }

    /// Opens storage. `replica`, PostgreSQL only: a read-only server (a streaming replica) that
    /// reporting reads go to; everything else stays on the primary.
    public static func open(_ location: DatabaseLocation, durability: Durability = .process, readers: Int = 4,
                            replica replicaURL: String? = nil,
                            logger: Logger = Logger(label: "rapport.storage")) async throws -> Database {
        switch location {
        case .sqlite(let path):
            if replicaURL != nil { throw StorageError.invalidURL("a read replica needs PostgreSQL as the primary database") }
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let sync = durability == .full ? "FULL" : "NORMAL"
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=\(sync)", "PRAGMA foreign_keys=ON",
                           "PRAGMA busy_timeout=10000", "PRAGMA cache_size=-\(Self.writerCacheKiB)", "PRAGMA temp_store=MEMORY"] {
                _ = try await writer.query(pragma, [])
            }
            var readerConnections: [SQLiteConnection] = []
            for _ in 0..<max(1, readers) {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                for pragma in ["PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000", "PRAGMA cache_size=-16000", "PRAGMA query_only=ON"] {
                    _ = try await reader.query(pragma, [])
                }
                readerConnections.append(reader)
            }
            let sql = writer.sql(queryLogLevel: nil)
            return Database(engine: .sqlite,
                            backend: .sqlite(writer: writer, readers: readerConnections, next: NIOLockedValueBox(0)),
                            writer: GroupCommitWriter(engine: .sqlite, connection: .single(sql)), logger: logger)
        case .postgres(let url):
            let config = try PostgresURL(url).configuration()
            var replicaConfig: PostgresClient.Configuration? = nil
            if let replicaURL {
                guard case .postgres(let r) = DatabaseLocation(replicaURL) else {
                    throw StorageError.invalidURL("the read replica must be a postgres:// URL")
                }
                replicaConfig = try PostgresURL(r).configuration()
            }
            let client = PostgresClient(configuration: config, backgroundLogger: logger)
            let runner = Task { await client.run() }
            // Let the client's run loop start before the first lease (it warns otherwise).
            try? await Task.sleep(for: .milliseconds(20))
            var replica: (client: PostgresClient, runner: Task<Void, Never>)? = nil
            if let replicaConfig {
                let replicaClient = PostgresClient(configuration: replicaConfig, backgroundLogger: logger)
                replica = (replicaClient, Task { await replicaClient.run() })
            }
            let db = Database(engine: .postgres, backend: .postgres(client: client, runner: runner),
                              writer: GroupCommitWriter(engine: .postgres, connection: .postgres(client)), logger: logger,
                              replica: replica)
            // Fail fast with a clear message when a server is unreachable.
            do {
                _ = try await db.read { try await $0.raw("SELECT 1 AS one").all() }
                _ = try await db.readReport { try await $0.raw("SELECT 1 AS one").all() }
            } catch {
                runner.cancel()
                replica?.runner.cancel()
                throw StorageError.unreachable(String(describing: type(of: error)))
            }
            return db
        }
    }

    /// The SQLite writer connection, for the specialised bulk path (nil on PostgreSQL).
    var sqliteWriter: SQLiteConnection? {
        if case .sqlite(let writer, _, _) = backend { return writer }
        return nil
    }

    /// The rows of a query on a reader: on SQLite stepped and mapped on the reader's thread
    /// (`sqliteRows`), elsewhere through SQLKit. For reads of many rows.
    func rows<T: Sendable>(_ query: SQLQueryString, _ map: @escaping @Sendable (any SQLRow) throws -> T) async throws -> [T] {
        if case .sqlite(_, let readers, _) = backend {
            var serializer = SQLSerializer(database: readers[0].sql(queryLogLevel: nil))
            query.serialize(to: &serializer)
            let encoder = SQLiteDataEncoder()
            let binds = try serializer.binds.map { try encoder.encode($0) }
            if let rows = try await sqliteRows(serializer.sql, binds, { try map($0) }) { return rows }
        }
        return try await read { db in try await db.raw(query).all().map(map) }
    }

    /// Large reads on SQLite: the rows of `sql` mapped on the reader's own thread as they are
    /// stepped. SQLKit's path hands every row to the event loop as a future of its own, which cost
    /// about 7 µs a row — seconds for a million (docs/benchmarks.md). nil on PostgreSQL.
    func sqliteRows<T: Sendable>(_ sql: String, _ binds: [SQLiteData], _ map: @escaping @Sendable (SQLiteRow) throws -> T) async throws -> [T]? {
        guard case .sqlite(_, let readers, let next) = backend else { return nil }
        let index = next.withLockedValue { value -> Int in
            value = (value + 1) % readers.count
            return value
        }
        let box = RowBox<T>()
        try await readers[index].query(sql, binds) { row in box.take(Result { try map(row) }) }
        return try box.result()
    }

    /// Runs `body` against a reader. It must not write.
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(_, let readers, let next):
            let index = next.withLockedValue { value -> Int in
                value = (value + 1) % readers.count
                return value
            }
            return try await body(readers[index].sql(queryLogLevel: nil))
        case .postgres(let client, _):
            return try await client.withConnection { conn in
                try await body(conn.sql(queryLogLevel: nil))
            }
        }
    }

    /// Runs `body` against the read replica when one is configured, else like `read`. For reporting
    /// queries that may lag the primary by the replica's delay (figures, segment counts).
    public func readReport<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard let replica else { return try await read(body) }
        return try await replica.client.withConnection { conn in
            try await body(conn.sql(queryLogLevel: nil))
        }
    }

    /// Whether reporting reads go to a replica.
    public var hasReplica: Bool { replica != nil }

    /// Runs `body` inside a transaction shared with other writes that arrived at the same time.
    /// If `body` throws, its own changes are rolled back (a savepoint) and the error is rethrown;
    /// the others commit. Returns only after the commit.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await writer.submit(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    /// A rule the schema enforces and the code did not check first: still a clear 4xx.
    static func mapped(_ error: any Error) -> any Error {
        if error is RapportError { return error }
        switch ConstraintViolation(error) {
        case .unique?:
            return RapportError(.conflict, code: "already_exists", message: "a record with these values already exists", messageRu: "такая запись уже существует")
        case .foreignKey?:
            return RapportError(.notFound, code: "reference_not_found", message: "a referenced record does not exist", messageRu: "связанная запись не найдена")
        case .check?:
            return RapportError(.invalid, code: "constraint_violated", message: "the values break a rule of the data model", messageRu: "значения нарушают правило модели данных")
        case nil:
            return error
        }
    }

    /// Runs `body` in a transaction of its own: it waits its turn in the write queue but is never
    /// grouped with other writes (bulk loads, migrations).
    public func exclusiveWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await writer.exclusive(body)
        } catch {
            throw Self.mapped(error)
        }
    }

    public func close() async {
        await writer.stop()
        switch backend {
        case .sqlite(let writer, let readers, _):
            for r in readers { try? await r.close() }
            try? await writer.close()
        case .postgres(_, let runner):
            runner.cancel()
            replica?.runner.cancel()
        }
    }
}

public enum SQLEngine: String, Sendable {
    case sqlite
    case postgres
}

public enum StorageError: Error, CustomStringConvertible {
    case unreachable(String)
    case invalidURL(String)
    case closed

    public var description: String {
        switch self {
        case .unreachable(let kind): "the database server could not be reached (\(kind))"
        case .invalidURL(let why): "the database URL is not valid: \(why)"
        case .closed: "the database is closing; the write was not accepted"
        }
    }
}

/// Parses `postgres://user:password@host:port/database?sslmode=disable`.
struct PostgresURL {
    let host: String
    let port: Int
    let user: String
    let password: String?
    let database: String?

    init(_ text: String) throws {
        guard let comps = URLComponents(string: text), let host = comps.host, !host.isEmpty else {
            throw StorageError.invalidURL("expected postgres://user:password@host:port/database")
        }
        self.host = host
        self.port = comps.port ?? 5432
        self.user = comps.user?.removingPercentEncoding ?? "postgres"
        self.password = comps.password?.removingPercentEncoding
        let path = comps.path.hasPrefix("/") ? String(comps.path.dropFirst()) : comps.path
        self.database = path.isEmpty ? nil : path
    }

    func configuration() -> PostgresClient.Configuration {
        var config = PostgresClient.Configuration(host: host, port: port, username: user, password: password,
                                                  database: database, tls: .disable)
        config.options.maximumConnections = 16
        return config
    }
}

extension Database {
    /// Runs one statement outside any transaction (administrative statements such as CREATE
    /// DATABASE). Never pass input from outside: it is not bound.
    public func execute(unsafeStatement sql: String) async throws {
        try await read { db in try await db.raw(SQLQueryString(sql)).run() }
    }
}

/// Rows collected on a reader's thread (one statement steps on one thread at a time).
private final class RowBox<T: Sendable>: @unchecked Sendable {
    private var rows: [T] = []
    private var error: (any Error)?
    func take(_ r: Result<T, any Error>) {
        guard error == nil else { return }
        switch r {
        case .success(let v): rows.append(v)
        case .failure(let e): error = e
        }
    }
    func result() throws -> [T] {
        if let error { throw error }
        return rows
    }
}

import NIOConcurrencyHelpers
import PostgresKit
import PostgresNIO
import SQLKit

/// Serialises writes and commits those that queue up together in one transaction.
///
/// An fsync costs milliseconds; committing each write alone caps durable throughput at a few
/// hundred per second. Here every write waiting when the previous commit ends joins the next
/// transaction, each inside its own savepoint so one failing write does not undo the others.
/// A caller is resumed only after the commit that holds its write has returned.
final class GroupCommitWriter: Sendable {
    enum Connection: Sendable {
        case single(any SQLDatabase)
        case postgres(PostgresClient)
    }

    private final class Job: @unchecked Sendable {
        let exclusive: Bool
        let execute: @Sendable (any SQLDatabase) async throws -> Void
        let complete: @Sendable ((any Error)?) -> Void
        init(exclusive: Bool, execute: @escaping @Sendable (any SQLDatabase) async throws -> Void,
             complete: @escaping @Sendable ((any Error)?) -> Void) {
            self.exclusive = exclusive
            self.execute = execute
            self.complete = complete
        }
    }

    private struct State {
        var pending: [Job] = []
        var running = false
        var stopped = false
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }

    static let maxBatch = 1024

    let engine: SQLEngine
    let connection: Connection
    private let state = NIOLockedValueBox(State())

    init(engine: SQLEngine, connection: Connection) {
        self.engine = engine
        self.connection = connection
    }

    func submit<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await enqueue(exclusive: false, body)
    }

    func exclusive<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await enqueue(exclusive: true, body)
    }

    func stop() async {
        state.withLockedValue { $0.stopped = true }
        // Wait until the queue is empty so no acknowledged write is in flight.
        while state.withLockedValue({ $0.running || !$0.pending.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func enqueue<T: Sendable>(exclusive: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let box = ResultBox<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(exclusive: exclusive, execute: { db in box.value = try await body(db) }, complete: { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: box.value!) }
            })
            let start = state.withLockedValue { s -> Bool? in
                if s.stopped { return nil }
                s.pending.append(job)
                if s.running { return false }
                s.running = true
                return true
            }
            switch start {
            case nil: job.complete(StorageError.closed)
            case true?: Task { await self.drain() }
            case false?: break
            }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLockedValue { s -> [Job] in
                guard !s.pending.isEmpty else {
                    s.running = false
                    return []
                }
                // An exclusive job runs alone; otherwise take everything up to the batch limit.
                if s.pending[0].exclusive {
                    return [s.pending.removeFirst()]
                }
                let end = s.pending.prefix(Self.maxBatch).firstIndex(where: \.exclusive) ?? min(s.pending.count, Self.maxBatch)
                let taken = Array(s.pending[..<end])
                s.pending.removeFirst(end)
                return taken
            }
            if batch.isEmpty { return }
            await run(batch)
        }
    }

    private func run(_ batch: [Job]) async {
        do {
            switch connection {
            case .single(let db):
                try await commit(batch, on: db)
            case .postgres(let client):
                try await client.withConnection { conn in
                    try await self.commit(batch, on: conn.sql(queryLogLevel: nil))
                }
            }
        } catch {
            // The transaction itself failed (BEGIN or COMMIT): nothing of the batch is durable.
            for job in batch { job.complete(error) }
        }
    }

    /// Runs the batch in one transaction; completes each job once the outcome is known.
    private func commit(_ batch: [Job], on db: any SQLDatabase) async throws {
        try await db.raw(SQLQueryString(engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")).run()
        var outcomes: [(any Error)?] = []
        outcomes.reserveCapacity(batch.count)
        do {
            if batch.count == 1 {
                do {
                    try await batch[0].execute(db)
                    outcomes.append(nil)
                } catch {
                    try await db.raw("ROLLBACK").run()
                    batch[0].complete(error)
                    return
                }
            } else {
                for job in batch {
                    try await db.raw("SAVEPOINT rapport_write").run()
                    do {
                        try await job.execute(db)
                        try await db.raw("RELEASE SAVEPOINT rapport_write").run()
                        outcomes.append(nil)
                    } catch {
                        try await db.raw("ROLLBACK TO SAVEPOINT rapport_write").run()
                        try await db.raw("RELEASE SAVEPOINT rapport_write").run()
                        outcomes.append(error)
                    }
                }
            }
            try await db.raw("COMMIT").run()
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
        for (job, outcome) in zip(batch, outcomes) { job.complete(outcome) }
    }
}

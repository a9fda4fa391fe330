import Foundation
import Logging
import PostgresNIO
import SQLKit

/// Signals between Rapport nodes sharing one PostgreSQL: `NOTIFY` to send, `LISTEN` to receive.
/// SQLite serves one process, so there they are not needed and not sent.
extension Database {
    /// Whether other nodes may share this database (signals travel only then).
    public var isShared: Bool { engine == .postgres }

    /// Sends `payload` (under 8 000 bytes) to every node listening on `channel`, this one included.
    /// A notification sent outside a transaction is delivered at once.
    public func notify(channel: String, payload: String) async throws {
        guard isShared else { return }
        try await read { db in
            _ = try await db.raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").all()
        }
    }

    /// Delivers every notification on `channel` to `handle` until the task is cancelled. A lost
    /// connection is reopened after a second (notifications sent meanwhile are missed: receivers
    /// must treat them as hints and read the state from the database). Returns at once on SQLite.
    public func listen(channel: String, _ handle: @escaping @Sendable (String) async -> Void) async {
        guard case .postgres(let client, _) = backend else { return }
        while !Task.isCancelled {
            do {
                try await client.withConnection { conn in
                    try await conn.listen(on: channel) { notifications in
                        for try await n in notifications { await handle(n.payload) }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("listening for node signals failed; retrying", metadata: ["error_type": .string(String(describing: type(of: error)))])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

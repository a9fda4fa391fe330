import Foundation
import Logging
import RapportCore
import RapportStorage

/// Collects audit events and writes them in batches (one transaction per ~200 ms, or sooner when
/// many wait), so that auditing every read does not cost every read a write. A query flushes first.
/// Events still in memory when the process is killed are lost (at most one batch window); a
/// regular shutdown flushes them.
public final class AuditTrail: @unchecked Sendable {
    let store: AuditStore
    let clock: any Clock
    let logger: Logger
    private let lock = NSLock()
    private var pending: [AuditEvent] = []
    private var scheduled = false
    private var closed = false
    private var tail: Task<Void, Never>?
    let window: Duration = .milliseconds(200)
    static let maxPending = 100_000

    public init(store: AuditStore, clock: any Clock, logger: Logger = Logger(label: "rapport.audit")) {
        self.store = store; self.clock = clock; self.logger = logger
    }

    public func record(actor: Principal?, action: AuditEvent.Action, route: String, partyId: UUID?, status: Int, requestId: String?) {
        let now = clock.now()
        let event = AuditEvent(id: .timeOrdered(at: now), at: now, actorKind: actor?.kind.rawValue ?? "anonymous", actorId: actor?.id,
                               action: action, route: route, partyId: partyId, status: status, requestId: requestId)
        let schedule: Bool = lock.withLock {
            if pending.count < Self.maxPending { pending.append(event) }
            if scheduled { return false }
            scheduled = true
            return true
        }
        if schedule {
            Task { [self] in
                try? await Task.sleep(for: window)
                await flush()
            }
        }
    }

    /// Writes what is waiting. Flushes run one after another: a flush returns only after every
    /// event recorded before it was called is stored (or kept for a retry), even when a timer's
    /// flush had already taken those events and was still writing them.
    public func flush() async {
        let task: Task<Void, Never> = lock.withLock {
            let previous = tail
            let next = Task { [self] in
                await previous?.value
                await writePending()
            }
            tail = next
            return next
        }
        await task.value
    }

    /// Flushes and stops retrying: after this, a batch that cannot be written is dropped with an
    /// error in the log instead of being retried against a database that is going away.
    public func close() async {
        await flush()
        lock.withLock { closed = true }
    }

    private func writePending() async {
        let batch: [AuditEvent] = lock.withLock {
            defer { pending.removeAll(keepingCapacity: true); scheduled = false }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await store.append(batch)
        } catch {
            let isClosed = lock.withLock { closed }
            logger.error(isClosed ? "audit batch not written after close; dropped" : "audit batch not written; retrying",
                         metadata: ["events": .stringConvertible(batch.count),
                                    "error_type": .string(String(describing: type(of: error)))])
            guard !isClosed else { return }
            let reschedule: Bool = lock.withLock {
                pending.insert(contentsOf: batch.prefix(Self.maxPending - pending.count), at: 0)
                if scheduled { return false }
                scheduled = true
                return true
            }
            if reschedule {
                Task { [self] in
                    try? await Task.sleep(for: .seconds(1))
                    await flush()
                }
            }
        }
    }

    public func query(_ q: AuditQuery) async throws -> Page<AuditEvent> {
        guard (1...PageRequest.maxLimit).contains(q.limit) else {
            throw RapportError.invalidField("limit", "must be between 1 and \(PageRequest.maxLimit)", "должно быть от 1 до \(PageRequest.maxLimit)")
        }
        await flush()
        return try await store.query(q)
    }
}

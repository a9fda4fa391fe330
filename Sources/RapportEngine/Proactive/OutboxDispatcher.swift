import Foundation
import Logging
import RapportCore
import RapportStorage

/// Sends what the outbox holds: claims due messages under a lease, hands each to its channel
/// (many at once), and records the results in one transaction per batch. At least once: a node
/// killed between sending and recording leaves its messages leased; when the lease runs out they
/// go again with the same idempotency key, which the receiver uses to drop the repeat.
public actor OutboxDispatcher {
    public struct Settings: Sendable {
        public var batchSize: Int
        public var concurrency: Int
        public var leaseSeconds: Double
        public var idleSeconds: Double
        public var retry: RetryPolicy

        public init(batchSize: Int = 500, concurrency: Int = 64, leaseSeconds: Double = 60, idleSeconds: Double = 0.5, retry: RetryPolicy = RetryPolicy()) {
            self.batchSize = batchSize; self.concurrency = concurrency; self.leaseSeconds = leaseSeconds; self.idleSeconds = idleSeconds
            self.retry = retry
        }
    }

    let store: ProactiveStore
    let channels: ChannelSet
    let clock: any Clock
    let settings: Settings
    let logger: Logger
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var pendingWake = false

    public init(store: ProactiveStore, channels: ChannelSet, clock: any Clock, settings: Settings = Settings(),
                logger: Logger = Logger(label: "rapport.outbox")) {
        self.store = store; self.channels = channels; self.clock = clock; self.settings = settings; self.logger = logger
    }

    /// Runs until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            let sent: Int
            do { sent = try await runOnce() } catch {
                logger.error("outbox batch failed", metadata: ["error": "\(type(of: error))"])
                sent = 0
            }
            if sent == 0 { await idle() }
        }
    }

    /// Something was queued: look now instead of at the next poll.
    public func wake() {
        if let w = wakeUp { wakeUp = nil; w.resume() } else { pendingWake = true }
    }

    private func idle() async {
        if pendingWake { pendingWake = false; return }
        let nanos = UInt64(settings.idleSeconds * 1_000_000_000)
        let timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: nanos)
            await self?.wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { wakeUp = $0 }
        } onCancel: {
            Task { await self.wake() }
        }
        timer.cancel()
    }

    /// One batch: claim, send, record. Returns how many messages it handled.
    @discardableResult
    public func runOnce() async throws -> Int {
        let now = clock.now()
        var claimed = try await store.claim(limit: settings.batchSize, now: now, leaseUntil: now.addingTimeInterval(settings.leaseSeconds),
                                            channels: channels.configured, maxAttempts: settings.retry.maxAttempts)
        // Sends are not started once most of the lease is gone: another node may take the messages
        // over when it runs out, and a send started late could then go twice at once.
        let lastStart = ContinuousClock.now + .milliseconds(Int64(settings.leaseSeconds * 700))
        guard !claimed.isEmpty else { return 0 }
        let channels = self.channels
        var results: [ProactiveStore.Attempt] = []
        results.reserveCapacity(claimed.count)
        await withTaskGroup(of: ProactiveStore.Attempt.self) { group in
            var inFlight = 0
            while !claimed.isEmpty || inFlight > 0 {
                while inFlight < settings.concurrency, let m = claimed.popLast() {
                    if ContinuousClock.now > lastStart {
                        results.append(ProactiveStore.Attempt(message: m, outcome: .retry("lease ran out before sending")))
                        continue
                    }
                    inFlight += 1
                    group.addTask {
                        guard let c = m.channel, let channel = channels.channel(c) else {
                            return ProactiveStore.Attempt(message: m, outcome: .retry("channel not configured"))
                        }
                        return ProactiveStore.Attempt(message: m, outcome: await channel.send(m))
                    }
                }
                if let done = await group.next() { results.append(done); inFlight -= 1 }
            }
        }
        try await store.complete(results, retry: settings.retry, now: clock.now())
        let failed = results.filter { if case .sent = $0.outcome { false } else { true } }.count
        if failed > 0 { logger.notice("outbox attempts failed", metadata: ["failed": "\(failed)", "batch": "\(results.count)"]) }
        return results.count
    }

    /// Sends until nothing is due (tests and the CLI).
    public func drain(maxBatches: Int = 10_000) async throws -> Int {
        var total = 0
        for _ in 0..<maxBatches {
            let n = try await runOnce()
            if n == 0 { break }
            total += n
        }
        return total
    }
}

/// Lets writers nudge the dispatchers of this process (others find the work at their next poll).
public actor OutboxDoorbell {
    private var dispatchers: [OutboxDispatcher] = []
    public init() {}
    public func register(_ d: OutboxDispatcher) { dispatchers.append(d) }
    public func ring() async { for d in dispatchers { await d.wake() } }
}

/// Fires date rules: at start and then every `interval`, every enabled date rule decides the
/// occurrences due today. Restarts are safe: an occurrence decided once is never decided again.
public struct ReminderScheduler: Sendable {
    let proactive: ProactiveService
    let interval: Double
    let logger: Logger

    public init(proactive: ProactiveService, interval: Double = 3600, logger: Logger = Logger(label: "rapport.reminders")) {
        self.proactive = proactive; self.interval = interval; self.logger = logger
    }

    public func run() async {
        while !Task.isCancelled {
            do { _ = try await proactive.fireDateRules() } catch { logger.error("date rules failed", metadata: ["error": "\(type(of: error))"]) }
            try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
        }
    }
}

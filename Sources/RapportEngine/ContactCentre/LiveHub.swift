import Foundation
import RapportCore

/// A contact offered to an agent, with everything the screen needs at once.
public struct ContactOffer: Encodable, Sendable {
    public var contact: ServiceContact
    public var card: Card?
}

/// The supervisor's picture: queues with their waiting contacts and longest wait, agents by state.
public struct Wallboard: Encodable, Sendable {
    public struct QueueLine: Encodable, Sendable {
        public var queueId: UUID
        public var key: String
        public var name: String
        public var open: Bool
        public var waiting: Int
        public var longestWaitSeconds: Double
    }
    public struct AgentLine: Encodable, Sendable {
        public var agentId: UUID
        public var key: String
        public var displayName: String
        public var state: AgentState
        public var stateSince: Date
    }
    public var at: Date
    public var queues: [QueueLine]
    /// Count of agents per state (every state present, zero included).
    public var agentsByState: [String: Int]
    public var agents: [AgentLine]
}

/// What a live stream carries.
public enum LiveMessage: Sendable {
    /// To one agent: a contact was routed or transferred to them.
    case offer(ContactOffer)
    /// To one agent: their own state changed.
    case agentState(Agent)
    /// To supervisors: the wallboard changed.
    case wallboard(Wallboard)

    public var name: String {
        switch self {
        case .offer: "offer"
        case .agentState: "agent_state"
        case .wallboard: "wallboard"
        }
    }
}

/// Fans live messages out to the streams open on this node: each agent's, and every supervisor's.
/// A slow reader loses old messages rather than holding the others up (each stream keeps the
/// newest 64).
public final class LiveHub: @unchecked Sendable {
    private let lock = NSLock()
    private var agentStreams: [UUID: [UUID: AsyncStream<LiveMessage>.Continuation]] = [:]
    private var supervisorStreams: [UUID: AsyncStream<LiveMessage>.Continuation] = [:]

    public init() {}

    /// A stream for one agent (offers, their state) or, with `agentId` nil, for a supervisor.
    public func subscribe(agentId: UUID?) -> AsyncStream<LiveMessage> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: LiveMessage.self, bufferingPolicy: .bufferingNewest(64))
        lock.withLock {
            if let agentId { agentStreams[agentId, default: [:]][id] = continuation } else { supervisorStreams[id] = continuation }
        }
        continuation.onTermination = { [weak self] _ in
            self?.lock.withLock {
                if let agentId {
                    self?.agentStreams[agentId]?[id] = nil
                    if self?.agentStreams[agentId]?.isEmpty == true { self?.agentStreams[agentId] = nil }
                } else {
                    self?.supervisorStreams[id] = nil
                }
            }
        }
        return stream
    }

    public func send(_ message: LiveMessage, toAgent agentId: UUID) {
        let targets = lock.withLock { Array((agentStreams[agentId] ?? [:]).values) }
        for t in targets { t.yield(message) }
    }

    public func sendToSupervisors(_ message: LiveMessage) {
        let targets = lock.withLock { Array(supervisorStreams.values) }
        for t in targets { t.yield(message) }
    }

    public var supervisorCount: Int { lock.withLock { supervisorStreams.count } }

    /// Whether this agent has a stream open here (nothing to build for them otherwise).
    public func isWatched(agentId: UUID) -> Bool { lock.withLock { agentStreams[agentId] != nil } }

    /// Ends every stream (shutdown).
    public func finishAll() {
        let all = lock.withLock { Array(supervisorStreams.values) + agentStreams.values.flatMap(\.values) }
        for c in all { c.finish() }
    }
}

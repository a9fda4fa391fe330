import Foundation
import Logging
import RapportCore
import RapportStorage

/// A change the live view must show, told to the other nodes on the same PostgreSQL: an agent's
/// browser may be connected to any node, and a supervisor's wallboard too. Signals carry ids only;
/// the node that holds the stream reads the contact, the card or the agent from the database, so
/// no node keeps state of its own (and a missed signal costs one stale screen, not wrong data).
public struct LiveSignal: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A contact routed or transferred to an agent: their screen pops its card.
        case offer
        /// An agent's own state changed.
        case agent
        /// Something on the wallboard changed.
        case board
    }

    public var kind: Kind
    public var agent: UUID?
    public var contact: UUID?

    public static func offer(agent: UUID, contact: UUID) -> LiveSignal { LiveSignal(kind: .offer, agent: agent, contact: contact) }
    public static func agentState(_ agent: UUID) -> LiveSignal { LiveSignal(kind: .agent, agent: agent, contact: nil) }
    public static let board = LiveSignal(kind: .board, agent: nil, contact: nil)
}

/// Sends live signals to the other nodes with PostgreSQL's `NOTIFY` and receives theirs with
/// `LISTEN`. On SQLite there is one node and nothing travels.
public struct LiveBus: Sendable {
    static let channel = "rapport_live"
    /// pg_notify refuses payloads of 8 000 bytes or more; a signal is about 120.
    static let signalsPerNotification = 40

    struct Envelope: Codable { var node: UUID; var signals: [LiveSignal] }

    let database: Database
    /// This node: its own notifications come back to it and are skipped (it has shown them already).
    public let node = UUID()

    public init(database: Database) { self.database = database }

    public var isActive: Bool { database.isShared }

    /// Tells the other nodes, in order. A failure is logged, never thrown: the change itself is stored.
    public func publish(_ signals: [LiveSignal]) async {
        guard isActive, !signals.isEmpty else { return }
        let encoder = JSONEncoder()
        for start in stride(from: 0, to: signals.count, by: Self.signalsPerNotification) {
            let part = Array(signals[start..<min(signals.count, start + Self.signalsPerNotification)])
            do {
                let payload = String(decoding: try encoder.encode(Envelope(node: node, signals: part)), as: UTF8.self)
                try await database.notify(channel: Self.channel, payload: payload)
            } catch {
                Logger(label: "rapport.live").warning("a live signal could not be sent to the other nodes",
                                                      metadata: ["error_type": .string(String(describing: type(of: error)))])
            }
        }
    }

    /// Hands the other nodes' signals to `handle`, in the order they were sent, until cancelled.
    public func receive(_ handle: @escaping @Sendable (LiveSignal) async -> Void) async {
        let node = self.node
        await database.listen(channel: Self.channel) { payload in
            guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(payload.utf8)), envelope.node != node else { return }
            for signal in envelope.signals { await handle(signal) }
        }
    }
}

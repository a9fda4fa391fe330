import Foundation

/// The record kept of an erasure: that it happened, when, on whose request, and how much was
/// removed — never what was removed.
public struct Erasure: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var requestedBy: UUID?
    /// Free reference to the data subject's request (a ticket number), not personal data.
    public var reference: String?
    /// Rows removed or anonymised, per kind (`interactions`, `identities`, `facts`, …).
    public var counts: [String: Int]
    public var erasedAt: Date

    public init(id: UUID, partyId: UUID, requestedBy: UUID?, reference: String?, counts: [String: Int], erasedAt: Date) {
        self.id = id; self.partyId = partyId; self.requestedBy = requestedBy; self.reference = reference
        self.counts = counts; self.erasedAt = erasedAt
    }

    /// The name an erased person keeps: the row stays so that aggregates (orders, sums, counts) hold.
    public static let erasedName = "Erased person"
}

/// Keep a kind of personal data only so long: applied by `rapport retention apply` and daily by a serving node.
public struct RetentionRule: Codable, Sendable, Equatable {
    public enum DataKind: String, ClosedVocabulary {
        /// Subjects, summaries, outcomes and addresses of interactions (e.g. call summaries).
        case interactionText = "interaction_text"
        /// Facts replaced by newer answers (the history of a profile).
        case factHistory = "fact_history"
        /// Payloads of outbox events already dispatched.
        case eventPayloads = "event_payloads"
        /// Audit events.
        case auditEvents = "audit_events"
    }

    public var kind: DataKind
    /// For `interaction_text`: only this channel (e.g. `phone` for call summaries); nil = all channels.
    public var channel: Channel?
    public var keepDays: Int

    public init(kind: DataKind, channel: Channel? = nil, keepDays: Int) {
        self.kind = kind; self.channel = channel; self.keepDays = keepDays
    }

    public static func validate(_ rules: [RetentionRule]) throws {
        for (i, rule) in rules.enumerated() {
            guard rule.keepDays >= 1, rule.keepDays <= 36_500 else {
                throw RapportError.invalidField("rules[\(i)].keep_days", "must be between 1 and 36500", "должно быть от 1 до 36500")
            }
            if rule.channel != nil && rule.kind != .interactionText {
                throw RapportError.invalidField("rules[\(i)].channel", "only interaction_text rules take a channel",
                                                "канал указывается только для правил interaction_text")
            }
            if rule.kind == .auditEvents && rule.keepDays < 365 {
                throw RapportError.invalidField("rules[\(i)].keep_days", "the audit trail is kept at least 365 days",
                                                "журнал аудита хранится не меньше 365 дней")
            }
        }
    }
}

/// What one application of the retention rules removed, per rule.
public struct RetentionReport: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var kind: RetentionRule.DataKind
        public var channel: Channel?
        public var cutoff: Date
        public var rows: Int
        public init(kind: RetentionRule.DataKind, channel: Channel?, cutoff: Date, rows: Int) {
            self.kind = kind; self.channel = channel; self.cutoff = cutoff; self.rows = rows
        }
    }
    public var appliedAt: Date
    public var lines: [Line]
    public init(appliedAt: Date, lines: [Line]) { self.appliedAt = appliedAt; self.lines = lines }
}

/// A campaign's calling list, as much as access control needs: which parties an outside agent may see.
public struct Campaign: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var name: String
    public var createdAt: Date
    /// Parties on the list (target and control).
    public var size: Int
    /// A measured campaign's key; nil for a plain calling list.
    public var key: String?
    public var status: CampaignStatus
    public var channel: CampaignChannel
    public var segmentId: UUID?
    public var offerId: UUID?
    public var controlPercent: Double
    public var qaPercent: Double
    public var responseWindowDays: Int
    public var definition: CampaignDefinition?
    public var launchedAt: Date?
    public var closedAt: Date?
    public var targetSize: Int
    public var controlSize: Int

    public init(id: UUID, name: String, createdAt: Date, size: Int = 0, key: String? = nil, status: CampaignStatus = .launched,
                channel: CampaignChannel = .callList, segmentId: UUID? = nil, offerId: UUID? = nil, controlPercent: Double = 0, qaPercent: Double = 0,
                responseWindowDays: Int = 30, definition: CampaignDefinition? = nil, launchedAt: Date? = nil, closedAt: Date? = nil,
                targetSize: Int = 0, controlSize: Int = 0) {
        self.id = id; self.name = name; self.createdAt = createdAt; self.size = size; self.key = key; self.status = status; self.channel = channel
        self.segmentId = segmentId; self.offerId = offerId; self.controlPercent = controlPercent; self.qaPercent = qaPercent
        self.responseWindowDays = responseWindowDays; self.definition = definition; self.launchedAt = launchedAt; self.closedAt = closedAt
        self.targetSize = targetSize; self.controlSize = controlSize
    }
}

/// One line of an outside agent's calling list: only what the script needs.
public struct CallingListEntry: Codable, Sendable, Equatable {
    public var partyId: UUID
    public var displayName: String
    public var language: String?
    public var phone: String?
    public var lastOutcome: String?
    public init(partyId: UUID, displayName: String, language: String?, phone: String?, lastOutcome: String?) {
        self.partyId = partyId; self.displayName = displayName; self.language = language; self.phone = phone; self.lastOutcome = lastOutcome
    }
}

import Foundation

/// `queued` → `sending` (leased by a dispatcher) → `sent` (accepted by the gateway or mail server)
/// → `delivered` (a receipt said so). `failed` is a receipt's "not delivered"; `dead` means every
/// attempt failed (or the failure was permanent); `suppressed` was decided but not sent, with the
/// reason; `cancelled` was queued when the customer withdrew the consent it relied on.
public enum MessageStatus: String, ClosedVocabulary {
    case queued, sending, sent, delivered, failed, dead, suppressed, cancelled
}

/// One message Rapport decided to send (or decided not to, and why): the durable outbox row.
public struct OutboundMessage: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var ruleId: UUID?
    public var ruleKey: String?
    public var eventId: UUID?
    /// One message per event (or date occurrence) per customer: a unique key.
    public var dedupKey: String
    public var channel: OutboundChannel?
    public var address: String?
    public var purpose: String
    public var language: String?
    public var subject: String?
    public var body: String?
    public var status: MessageStatus
    /// Machine-readable reason for `suppressed`, `cancelled`, `dead`: `no_consent`, `no_address`, …
    public var reason: String?
    public var attempts: Int
    public var notBefore: Date
    public var leaseUntil: Date?
    public var lastError: String?
    public var providerId: String?
    public var interactionId: UUID?
    public var createdAt: Date
    public var sentAt: Date?
    public var deliveredAt: Date?
    public var updatedAt: Date
    /// The campaign that sent it (nil for rule-driven messages).
    public var campaignId: UUID?

    public init(id: UUID, partyId: UUID, ruleId: UUID?, ruleKey: String?, eventId: UUID?, dedupKey: String, channel: OutboundChannel?,
                address: String?, purpose: String, language: String?, subject: String?, body: String?, status: MessageStatus, reason: String?,
                attempts: Int = 0, notBefore: Date, leaseUntil: Date? = nil, lastError: String? = nil, providerId: String? = nil,
                interactionId: UUID? = nil, createdAt: Date, sentAt: Date? = nil, deliveredAt: Date? = nil, updatedAt: Date, campaignId: UUID? = nil) {
        self.id = id; self.partyId = partyId; self.ruleId = ruleId; self.ruleKey = ruleKey; self.eventId = eventId; self.dedupKey = dedupKey
        self.channel = channel; self.address = address; self.purpose = purpose; self.language = language; self.subject = subject
        self.body = body; self.status = status; self.reason = reason; self.attempts = attempts; self.notBefore = notBefore
        self.leaseUntil = leaseUntil; self.lastError = lastError; self.providerId = providerId; self.interactionId = interactionId
        self.createdAt = createdAt; self.sentAt = sentAt; self.deliveredAt = deliveredAt; self.updatedAt = updatedAt; self.campaignId = campaignId
    }

    /// Sent with the message (header or field) so a receiver can drop a repeat delivery.
    public var idempotencyKey: String { id.text(lowercase: true) }
}

/// What one send attempt came to.
public enum SendOutcome: Sendable, Equatable {
    case sent(providerId: String?)
    /// Worth trying again later (timeouts, 5xx, 429, SMTP 4xx).
    case retry(String)
    /// Trying again cannot help (a 4xx from the gateway, SMTP 5xx, a bad address).
    case permanent(String)
}

/// Retries with exponential backoff: 30 s, 1 min, 2 min, … capped at an hour, with a little
/// spread taken from the message id so a failed burst does not return in lockstep.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseSeconds: Double
    public var capSeconds: Double

    public init(maxAttempts: Int = 8, baseSeconds: Double = 30, capSeconds: Double = 3600) {
        self.maxAttempts = maxAttempts; self.baseSeconds = baseSeconds; self.capSeconds = capSeconds
    }

    public func delay(afterAttempt attempt: Int, id: UUID) -> Double {
        let raw = min(capSeconds, baseSeconds * pow(2, Double(max(0, attempt - 1))))
        let spread = Double(id.uuid.15) / 255 * 0.2   // up to +20 %
        return raw * (1 + spread)
    }

    /// The message's next state after a failed attempt number `attempt`.
    public func afterFailure(attempt: Int, permanent: Bool, id: UUID, now: Date) -> (status: MessageStatus, notBefore: Date) {
        if permanent || attempt >= maxAttempts { return (.dead, now) }
        return (.queued, now.addingTimeInterval(delay(afterAttempt: attempt, id: id)))
    }
}

/// A delivery receipt from a gateway's callback.
public struct DeliveryReceipt: Codable, Sendable, Equatable {
    public var messageId: UUID?
    public var providerId: String?
    public var status: String?
    public var error: String?
    public var at: Date?

    public init(messageId: UUID? = nil, providerId: String? = nil, status: String? = nil, error: String? = nil, at: Date? = nil) {
        self.messageId = messageId; self.providerId = providerId; self.status = status; self.error = error; self.at = at
    }

    public func validated() throws -> (delivered: Bool, error: String?) {
        guard messageId != nil || providerId != nil else { throw RapportError.missingField("message_id") }
        switch try Validate.required(status, "status") {
        case "delivered": return (true, nil)
        case "failed", "undelivered", "rejected", "expired":
            return (false, try Validate.optionalText(error, "error", max: 500) ?? status)
        case let s:
            throw RapportError.invalidField("status", code: "invalid_enum", "\(s) is not one of: delivered, failed, undelivered, rejected, expired",
                                            "\(s) — допустимые значения: delivered, failed, undelivered, rejected, expired")
        }
    }
}

/// Filters for the message list.
public struct MessageQuery: Sendable {
    public var partyId: UUID?
    public var eventId: UUID?
    public var status: MessageStatus?
    public var ruleKey: String?
    public var page: PageRequest

    public init(partyId: UUID? = nil, eventId: UUID? = nil, status: MessageStatus? = nil, ruleKey: String? = nil, page: PageRequest) {
        self.partyId = partyId; self.eventId = eventId; self.status = status; self.ruleKey = ruleKey; self.page = page
    }
}

import Foundation

public enum Channel: String, ClosedVocabulary {
    case phone, email, webForm = "web_form", chat, sms, ivr, fax, pointOfSale = "point_of_sale", letter, social
}

public enum Direction: String, ClosedVocabulary { case inbound, outbound }

/// One entry of the information trail. Append-only: a correction is a new entry whose
/// `correctsId` points at the entry it corrects.
public struct Interaction: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID?
    public var channel: Channel
    public var direction: Direction
    public var occurredAt: Date
    public var address: String?
    public var agent: String?
    public var subject: String?
    public var summary: String?
    public var outcome: String?
    public var requestId: UUID?
    public var orderId: UUID?
    public var campaignId: UUID?
    public var correctsId: UUID?
    public var createdAt: Date

    public init(id: UUID, partyId: UUID?, channel: Channel, direction: Direction, occurredAt: Date, address: String? = nil,
                agent: String? = nil, subject: String? = nil, summary: String? = nil, outcome: String? = nil, requestId: UUID? = nil,
                orderId: UUID? = nil, campaignId: UUID? = nil, correctsId: UUID? = nil, createdAt: Date) {
        self.id = id; self.partyId = partyId; self.channel = channel; self.direction = direction; self.occurredAt = occurredAt
        self.address = address; self.agent = agent; self.subject = subject; self.summary = summary; self.outcome = outcome
        self.requestId = requestId; self.orderId = orderId; self.campaignId = campaignId; self.correctsId = correctsId; self.createdAt = createdAt
    }
}

public struct InteractionInput: Codable, Sendable {
    public var partyId: UUID?
    public var channel: Channel?
    public var direction: Direction?
    public var occurredAt: Date?
    public var address: String?
    public var agent: String?
    public var subject: String?
    public var summary: String?
    public var outcome: String?
    public var requestId: UUID?
    public var orderId: UUID?
    public var campaignId: UUID?
    public var correctsId: UUID?

    public init(partyId: UUID?, channel: Channel?, direction: Direction?, occurredAt: Date? = nil, address: String? = nil,
                agent: String? = nil, subject: String? = nil, summary: String? = nil, outcome: String? = nil,
                requestId: UUID? = nil, orderId: UUID? = nil, correctsId: UUID? = nil) {
        self.partyId = partyId; self.channel = channel; self.direction = direction; self.occurredAt = occurredAt
        self.address = address; self.agent = agent; self.subject = subject; self.summary = summary; self.outcome = outcome
        self.requestId = requestId; self.orderId = orderId; self.correctsId = correctsId
    }

    public func make(id: UUID, now: Date) throws -> Interaction {
        Interaction(id: id, partyId: partyId, channel: try Validate.required(channel, "channel"),
                    direction: try Validate.required(direction, "direction"), occurredAt: occurredAt ?? now,
                    address: try Validate.optionalText(address, "address", max: 500), agent: try Validate.optionalText(agent, "agent", max: 200),
                    subject: try Validate.optionalText(subject, "subject", max: 500), summary: try Validate.optionalText(summary, "summary", max: 100_000),
                    outcome: try Validate.optionalText(outcome, "outcome", max: 500), requestId: requestId, orderId: orderId,
                    campaignId: campaignId, correctsId: correctsId, createdAt: now)
    }
}

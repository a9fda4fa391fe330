import Foundation

public enum RequestType: String, ClosedVocabulary { case application, complaint, question, other }
public enum RequestStatus: String, ClosedVocabulary { case open, inProgress = "in_progress", resolved, closed }

/// A case: an application (e.g. a mortgage), a complaint, a question.
public struct CustomerRequest: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var type: RequestType
    public var subject: String
    public var status: RequestStatus
    public var openedAt: Date
    public var closedAt: Date?
    public var openedByInteractionId: UUID?
    public var createdAt: Date
    public var updatedAt: Date
}

public struct CustomerRequestInput: Codable, Sendable {
    public var partyId: UUID?
    public var type: RequestType?
    public var subject: String?
    public var status: RequestStatus?
    public var openedAt: Date?
    public var openedByInteractionId: UUID?

    public init(partyId: UUID?, type: RequestType?, subject: String?, status: RequestStatus? = nil, openedAt: Date? = nil, openedByInteractionId: UUID? = nil) {
        self.partyId = partyId; self.type = type; self.subject = subject; self.status = status
        self.openedAt = openedAt; self.openedByInteractionId = openedByInteractionId
    }

    public func make(id: UUID, now: Date) throws -> CustomerRequest {
        let status = status ?? .open
        let opened = openedAt ?? now
        return CustomerRequest(id: id, partyId: try Validate.required(partyId, "party_id"), type: try Validate.required(type, "type"),
                               subject: try Validate.text(subject, "subject"), status: status, openedAt: opened,
                               closedAt: status.isFinal ? now : nil, openedByInteractionId: openedByInteractionId, createdAt: now, updatedAt: now)
    }

    public func apply(to r: inout CustomerRequest, now: Date) throws {
        if partyId != nil && partyId != r.partyId {
            throw RapportError.invalidField("party_id", code: "immutable_field", "a request's party cannot change", "заявителя изменить нельзя")
        }
        if let type { r.type = type }
        if subject != nil { r.subject = try Validate.text(subject, "subject") }
        if let status, status != r.status {
            r.status = status
            r.closedAt = status.isFinal ? now : nil
        }
        r.updatedAt = now
    }
}

extension RequestStatus {
    public var isFinal: Bool { self == .resolved || self == .closed }
}

import Foundation

public enum ContractStatus: String, ClosedVocabulary { case draft, active, suspended, terminated, expired }

public struct Contract: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var number: String
    public var partyId: UUID
    public var startsOn: CivilDate
    public var endsOn: CivilDate?
    public var status: ContractStatus
    public var lines: [ContractLine]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, number: String, partyId: UUID, startsOn: CivilDate, endsOn: CivilDate?, status: ContractStatus, lines: [ContractLine], createdAt: Date, updatedAt: Date) {
        self.id = id; self.number = number; self.partyId = partyId; self.startsOn = startsOn; self.endsOn = endsOn; self.status = status; self.lines = lines; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

public struct ContractLine: Codable, Sendable, Equatable {
    public var itemId: UUID
    public var quantity: Int
    public var priceMinor: Int64
    public var currency: String
    public init(itemId: UUID, quantity: Int, priceMinor: Int64, currency: String) {
        self.itemId = itemId; self.quantity = quantity; self.priceMinor = priceMinor; self.currency = currency
    }
}

public struct ContractInput: Codable, Sendable {
    public var number: String?
    public var partyId: UUID?
    public var startsOn: CivilDate?
    public var endsOn: CivilDate?
    public var status: ContractStatus?
    public var lines: [ContractLine]?

    public init(number: String?, partyId: UUID?, startsOn: CivilDate?, endsOn: CivilDate? = nil, status: ContractStatus? = .active, lines: [ContractLine]? = []) {
        self.number = number; self.partyId = partyId; self.startsOn = startsOn; self.endsOn = endsOn; self.status = status; self.lines = lines
    }

    public func make(id: UUID, now: Date) throws -> Contract {
        try Validate.order(startsOn, before: endsOn, "ends_on")
        for line in lines ?? [] {
            _ = try Validate.quantity(line.quantity, "lines.quantity")
            _ = try Validate.nonNegative(line.priceMinor, "lines.price_minor")
            _ = try Validate.currency(line.currency)
        }
        return Contract(id: id, number: try Validate.text(number, "number", max: 100), partyId: try Validate.required(partyId, "party_id"),
                        startsOn: try Validate.required(startsOn, "starts_on"), endsOn: endsOn, status: status ?? .active,
                        lines: lines ?? [], createdAt: now, updatedAt: now)
    }

    /// Status and end date are what changes over a contract's life; number and party do not.
    public func apply(to c: inout Contract, now: Date) throws {
        if number != nil && number != c.number || partyId != nil && partyId != c.partyId {
            throw RapportError.invalidField("number", code: "immutable_field", "a contract's number and party cannot change", "номер и сторону договора изменить нельзя")
        }
        if let status { c.status = status }
        if let startsOn { c.startsOn = startsOn }
        if let endsOn { c.endsOn = endsOn }
        try Validate.order(c.startsOn, before: c.endsOn, "ends_on")
        c.updatedAt = now
    }
}

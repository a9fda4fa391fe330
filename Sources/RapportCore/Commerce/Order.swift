import Foundation

public enum OrderStatus: String, ClosedVocabulary { case placed, confirmed, shipped, delivered, cancelled, returned }

public struct Order: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var number: String
    public var partyId: UUID
    public var status: OrderStatus
    public var placedAt: Date
    public var totalMinor: Int64
    public var currency: String
    public var recipientName: String?
    public var occasion: String?
    public var lines: [OrderLine]
    public var createdAt: Date
    public var updatedAt: Date
    /// What the order earned (total less cost), when the selling system knows it; the value
    /// model assumes its default margin rate otherwise.
    public var marginMinor: Int64?

    public init(id: UUID, number: String, partyId: UUID, status: OrderStatus, placedAt: Date, totalMinor: Int64, currency: String, recipientName: String?, occasion: String?, lines: [OrderLine], createdAt: Date, updatedAt: Date, marginMinor: Int64? = nil) {
        self.marginMinor = marginMinor
        self.id = id; self.number = number; self.partyId = partyId; self.status = status; self.placedAt = placedAt; self.totalMinor = totalMinor; self.currency = currency; self.recipientName = recipientName; self.occasion = occasion; self.lines = lines; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

public struct OrderLine: Codable, Sendable, Equatable {
    public var itemId: UUID?
    public var description: String
    public var quantity: Int
    public var unitPriceMinor: Int64
    public init(itemId: UUID?, description: String, quantity: Int, unitPriceMinor: Int64) {
        self.itemId = itemId; self.description = description; self.quantity = quantity; self.unitPriceMinor = unitPriceMinor
    }
}

public struct OrderInput: Codable, Sendable {
    public var number: String?
    public var partyId: UUID?
    public var status: OrderStatus?
    public var placedAt: Date?
    public var currency: String?
    public var recipientName: String?
    public var occasion: String?
    public var lines: [OrderLine]?
    public var marginMinor: Int64?

    public init(number: String?, partyId: UUID?, status: OrderStatus? = .placed, placedAt: Date? = nil, currency: String? = "RUB",
                recipientName: String? = nil, occasion: String? = nil, lines: [OrderLine]?, marginMinor: Int64? = nil) {
        self.marginMinor = marginMinor
        self.number = number; self.partyId = partyId; self.status = status; self.placedAt = placedAt; self.currency = currency
        self.recipientName = recipientName; self.occasion = occasion; self.lines = lines
    }

    public func make(id: UUID, now: Date) throws -> Order {
        let lines = try Validate.required(lines, "lines")
        guard !lines.isEmpty else { throw RapportError.missingField("lines") }
        var total: Int64 = 0
        for line in lines {
            _ = try Validate.text(line.description, "lines.description")
            let quantity = Int64(try Validate.quantity(line.quantity, "lines.quantity"))
            let (lineTotal, o1) = quantity.multipliedReportingOverflow(by: try Validate.nonNegative(line.unitPriceMinor, "lines.unit_price_minor"))
            let (sum, o2) = total.addingReportingOverflow(lineTotal)
            guard !o1, !o2, sum <= Validate.maxAmountMinor else {
                throw RapportError.invalidField("lines", code: "amount_too_large", "the order total is too large", "сумма заказа слишком велика")
            }
            total = sum
        }
        return Order(id: id, number: try Validate.text(number, "number", max: 100), partyId: try Validate.required(partyId, "party_id"),
                     status: status ?? .placed, placedAt: placedAt ?? now, totalMinor: total, currency: try Validate.currency(currency),
                     recipientName: try Validate.optionalText(recipientName, "recipient_name", max: 300),
                     occasion: try Validate.optionalText(occasion, "occasion", max: 300), lines: lines, createdAt: now, updatedAt: now,
                     marginMinor: try marginMinor.map { m in
                         guard m <= total else {
                             throw RapportError.invalidField("margin_minor", code: "margin_exceeds_total", "the margin cannot exceed the order total",
                                                             "маржа не может превышать сумму заказа")
                         }
                         return m
                     })
    }

    public func apply(to o: inout Order, now: Date) throws {
        if lines != nil || number != nil && number != o.number || partyId != nil && partyId != o.partyId {
            throw RapportError.invalidField("lines", code: "immutable_field", "an order's number, party and lines cannot change; record a return instead", "номер, покупателя и строки заказа изменить нельзя; оформите возврат")
        }
        if let status { o.status = status }
        if let marginMinor {
            guard marginMinor <= o.totalMinor else {
                throw RapportError.invalidField("margin_minor", code: "margin_exceeds_total", "the margin cannot exceed the order total", "маржа не может превышать сумму заказа")
            }
            o.marginMinor = marginMinor
        }
        if recipientName != nil { o.recipientName = try Validate.optionalText(recipientName, "recipient_name", max: 300) }
        if occasion != nil { o.occasion = try Validate.optionalText(occasion, "occasion", max: 300) }
        o.updatedAt = now
    }
}

public enum ShipmentStatus: String, ClosedVocabulary { case pending, dispatched, inTransit = "in_transit", delayed, delivered, lost }

public struct Shipment: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var orderId: UUID
    public var status: ShipmentStatus
    public var carrier: String?
    public var trackingNumber: String?
    public var trackingUrl: String?
    public var promisedOn: CivilDate?
    public var deliveredOn: CivilDate?
    public var createdAt: Date
    public var updatedAt: Date
}

public struct ShipmentInput: Codable, Sendable {
    public var orderId: UUID?
    public var status: ShipmentStatus?
    public var carrier: String?
    public var trackingNumber: String?
    public var trackingUrl: String?
    public var promisedOn: CivilDate?
    public var deliveredOn: CivilDate?

    public init(orderId: UUID?, status: ShipmentStatus? = .pending, carrier: String? = nil, trackingNumber: String? = nil,
                trackingUrl: String? = nil, promisedOn: CivilDate? = nil, deliveredOn: CivilDate? = nil) {
        self.orderId = orderId; self.status = status; self.carrier = carrier; self.trackingNumber = trackingNumber
        self.trackingUrl = trackingUrl; self.promisedOn = promisedOn; self.deliveredOn = deliveredOn
    }

    public func make(id: UUID, now: Date) throws -> Shipment {
        Shipment(id: id, orderId: try Validate.required(orderId, "order_id"), status: status ?? .pending,
                 carrier: try Validate.optionalText(carrier, "carrier", max: 200), trackingNumber: try Validate.optionalText(trackingNumber, "tracking_number", max: 200),
                 trackingUrl: try Validate.optionalText(trackingUrl, "tracking_url", max: 2000), promisedOn: promisedOn,
                 deliveredOn: deliveredOn, createdAt: now, updatedAt: now)
    }

    public func apply(to s: inout Shipment, now: Date) throws {
        if let status { s.status = status }
        if carrier != nil { s.carrier = try Validate.optionalText(carrier, "carrier", max: 200) }
        if trackingNumber != nil { s.trackingNumber = try Validate.optionalText(trackingNumber, "tracking_number", max: 200) }
        if trackingUrl != nil { s.trackingUrl = try Validate.optionalText(trackingUrl, "tracking_url", max: 2000) }
        if let promisedOn { s.promisedOn = promisedOn }
        if let deliveredOn { s.deliveredOn = deliveredOn }
        s.updatedAt = now
    }
}

public enum ReturnStatus: String, ClosedVocabulary { case requested, received, refunded, rejected }

public struct OrderReturn: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var orderId: UUID
    public var reason: String
    public var status: ReturnStatus
    public var amountMinor: Int64
    public var createdAt: Date
    public var updatedAt: Date
}

public struct OrderReturnInput: Codable, Sendable {
    public var orderId: UUID?
    public var reason: String?
    public var status: ReturnStatus?
    public var amountMinor: Int64?

    public func make(id: UUID, now: Date) throws -> OrderReturn {
        OrderReturn(id: id, orderId: try Validate.required(orderId, "order_id"), reason: try Validate.text(reason, "reason", max: 2000),
                    status: status ?? .requested, amountMinor: try Validate.nonNegative(amountMinor ?? 0, "amount_minor"), createdAt: now, updatedAt: now)
    }

    public func apply(to r: inout OrderReturn, now: Date) throws {
        if let status { r.status = status }
        if let amountMinor { r.amountMinor = try Validate.nonNegative(amountMinor, "amount_minor") }
        if reason != nil { r.reason = try Validate.text(reason, "reason", max: 2000) }
        r.updatedAt = now
    }
}

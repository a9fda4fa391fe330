import Foundation

/// Something that happened in another system (a flight's gate changed, an order was delayed),
/// posted to Rapport, with the payload checked against its event type.
public struct BusinessEvent: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var eventType: String
    /// The sender's own id: posting the same event again changes nothing.
    public var externalId: String?
    /// Canonical text of each payload field.
    public var payload: [String: String]
    public var occurredAt: Date
    public var receivedAt: Date
    /// What each rule did with it.
    public var outcome: EventOutcome

    public init(id: UUID, eventType: String, externalId: String?, payload: [String: String], occurredAt: Date, receivedAt: Date,
                outcome: EventOutcome) {
        self.id = id; self.eventType = eventType; self.externalId = externalId; self.payload = payload; self.occurredAt = occurredAt
        self.receivedAt = receivedAt; self.outcome = outcome
    }
}

public struct EventOutcome: Codable, Sendable, Equatable {
    public var rules: [RuleOutcome]

    public init(rules: [RuleOutcome]) { self.rules = rules }

    public var queued: Int { rules.reduce(0) { $0 + $1.queued } }
    public var suppressed: Int { rules.reduce(0) { $0 + $1.suppressed.values.reduce(0, +) } }
}

/// One rule's part in an event: how many customers it reached, how many messages it queued, and
/// why the others got none (`no_consent`, `no_address`, `frequency_cap`, `conditions_not_met`).
public struct RuleOutcome: Codable, Sendable, Equatable {
    public var ruleKey: String
    public var ruleVersion: Int
    /// False when the event's own fields did not meet the rule's conditions.
    public var fired: Bool
    public var audience: Int
    public var queued: Int
    public var suppressed: [String: Int]

    public init(ruleKey: String, ruleVersion: Int, fired: Bool, audience: Int, queued: Int, suppressed: [String: Int]) {
        self.ruleKey = ruleKey; self.ruleVersion = ruleVersion; self.fired = fired; self.audience = audience; self.queued = queued
        self.suppressed = suppressed
    }
}

public struct BusinessEventInput: Codable, Sendable {
    public var eventType: String?
    public var externalId: String?
    public var occurredAt: Date?
    public var payload: [String: PayloadValue]?

    public init(eventType: String? = nil, externalId: String? = nil, occurredAt: Date? = nil, payload: [String: PayloadValue]? = nil) {
        self.eventType = eventType; self.externalId = externalId; self.occurredAt = occurredAt; self.payload = payload
    }
}

/// A passenger's seat on a flight: how the airline's events find the people they affect.
public struct Booking: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var bookingRef: String
    public var flightNumber: String
    public var flightDate: CivilDate
    public var origin: String?
    public var destination: String?
    public var seat: String?
    public var createdAt: Date

    public init(id: UUID, partyId: UUID, bookingRef: String, flightNumber: String, flightDate: CivilDate, origin: String?, destination: String?,
                seat: String?, createdAt: Date) {
        self.id = id; self.partyId = partyId; self.bookingRef = bookingRef; self.flightNumber = flightNumber; self.flightDate = flightDate
        self.origin = origin; self.destination = destination; self.seat = seat; self.createdAt = createdAt
    }
}

public struct BookingInput: Codable, Sendable {
    public var partyId: UUID?
    public var bookingRef: String?
    public var flightNumber: String?
    public var flightDate: CivilDate?
    public var origin: String?
    public var destination: String?
    public var seat: String?

    public init(partyId: UUID? = nil, bookingRef: String? = nil, flightNumber: String? = nil, flightDate: CivilDate? = nil, origin: String? = nil,
                destination: String? = nil, seat: String? = nil) {
        self.partyId = partyId; self.bookingRef = bookingRef; self.flightNumber = flightNumber; self.flightDate = flightDate
        self.origin = origin; self.destination = destination; self.seat = seat
    }

    public func make(id: UUID, now: Date) throws -> Booking {
        Booking(id: id, partyId: try Validate.required(partyId, "party_id"),
                bookingRef: try Validate.text(bookingRef, "booking_ref", max: 20).uppercased(),
                flightNumber: try Self.flight(try Validate.text(flightNumber, "flight_number", max: 10)),
                flightDate: try Validate.required(flightDate, "flight_date"),
                origin: try Validate.optionalText(origin, "origin", max: 10), destination: try Validate.optionalText(destination, "destination", max: 10),
                seat: try Validate.optionalText(seat, "seat", max: 10), createdAt: now)
    }

    /// `su 1234` → `SU1234`: how events and bookings name the same flight.
    public static func flight(_ text: String) throws -> String {
        let f = text.uppercased().filter { !$0.isWhitespace }
        guard f.range(of: #"^[A-Z0-9]{2,3}[0-9]{1,5}[A-Z]?$"#, options: .regularExpression) != nil else {
            throw RapportError.invalidField("flight_number", "\(text) is not a flight number like SU1234", "\(text) — не номер рейса вида SU1234")
        }
        return f
    }
}

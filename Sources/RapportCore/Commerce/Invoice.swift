import Foundation

public enum InvoiceStatus: String, ClosedVocabulary { case open, paid, overdue, cancelled }

/// An invoice; `paidMinor` grows with payments. Whether it is overdue depends on the day asked.
public struct Invoice: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var number: String
    public var partyId: UUID
    public var contractId: UUID?
    public var issuedOn: CivilDate
    public var dueOn: CivilDate
    public var amountMinor: Int64
    public var paidMinor: Int64
    public var currency: String
    public var cancelled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public func status(on today: CivilDate) -> InvoiceStatus {
        if cancelled { return .cancelled }
        if paidMinor >= amountMinor { return .paid }
        return dueOn < today ? .overdue : .open
    }
}

public struct InvoiceInput: Codable, Sendable {
    public var number: String?
    public var partyId: UUID?
    public var contractId: UUID?
    public var issuedOn: CivilDate?
    public var dueOn: CivilDate?
    public var amountMinor: Int64?
    public var currency: String?
    public var cancelled: Bool?

    public init(number: String?, partyId: UUID?, contractId: UUID? = nil, issuedOn: CivilDate?, dueOn: CivilDate?, amountMinor: Int64?, currency: String? = "RUB") {
        self.number = number; self.partyId = partyId; self.contractId = contractId; self.issuedOn = issuedOn
        self.dueOn = dueOn; self.amountMinor = amountMinor; self.currency = currency
    }

    public func make(id: UUID, now: Date) throws -> Invoice {
        let issued = try Validate.required(issuedOn, "issued_on")
        let due = try Validate.required(dueOn, "due_on")
        try Validate.order(issued, before: due, "due_on")
        return Invoice(id: id, number: try Validate.text(number, "number", max: 100), partyId: try Validate.required(partyId, "party_id"),
                       contractId: contractId, issuedOn: issued, dueOn: due,
                       amountMinor: try Validate.nonNegative(try Validate.required(amountMinor, "amount_minor"), "amount_minor"),
                       paidMinor: 0, currency: try Validate.currency(currency), cancelled: cancelled ?? false, createdAt: now, updatedAt: now)
    }

    public func apply(to i: inout Invoice, now: Date) throws {
        if amountMinor != nil || number != nil && number != i.number || partyId != nil && partyId != i.partyId {
            throw RapportError.invalidField("amount_minor", code: "immutable_field", "an invoice's number, party and amount cannot change", "номер, плательщика и сумму счёта изменить нельзя")
        }
        if let dueOn { i.dueOn = dueOn }
        if let cancelled { i.cancelled = cancelled }
        try Validate.order(i.issuedOn, before: i.dueOn, "due_on")
        i.updatedAt = now
    }
}

public struct Payment: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var invoiceId: UUID?
    public var amountMinor: Int64
    public var currency: String
    public var paidAt: Date
    public var createdAt: Date
}

public struct PaymentInput: Codable, Sendable {
    public var partyId: UUID?
    public var invoiceId: UUID?
    public var amountMinor: Int64?
    public var currency: String?
    public var paidAt: Date?

    public init(partyId: UUID?, invoiceId: UUID?, amountMinor: Int64?, currency: String? = "RUB", paidAt: Date? = nil) {
        self.partyId = partyId; self.invoiceId = invoiceId; self.amountMinor = amountMinor; self.currency = currency; self.paidAt = paidAt
    }

    public func make(id: UUID, now: Date) throws -> Payment {
        let amount = try Validate.required(amountMinor, "amount_minor")
        guard amount > 0 else {
            throw RapportError.invalidField("amount_minor", code: "not_positive", "must be greater than zero", "должно быть больше нуля")
        }
        _ = try Validate.nonNegative(amount, "amount_minor")
        return Payment(id: id, partyId: try Validate.required(partyId, "party_id"), invoiceId: invoiceId, amountMinor: amount,
                       currency: try Validate.currency(currency), paidAt: paidAt ?? now, createdAt: now)
    }
}

/// The customer's account: balance (positive = in credit) and credit limit.
public struct Account: Codable, Sendable, Equatable {
    public var partyId: UUID
    public var balanceMinor: Int64
    public var creditLimitMinor: Int64
    public var currency: String
    public var updatedAt: Date
}

public struct AccountInput: Codable, Sendable {
    public var balanceMinor: Int64?
    public var creditLimitMinor: Int64?
    public var currency: String?

    public init(balanceMinor: Int64?, creditLimitMinor: Int64?, currency: String? = "RUB") {
        self.balanceMinor = balanceMinor; self.creditLimitMinor = creditLimitMinor; self.currency = currency
    }

    public func make(partyId: UUID, existing: Account?, now: Date) throws -> Account {
        let balance = balanceMinor ?? existing?.balanceMinor ?? 0
        guard (-Validate.maxAmountMinor...Validate.maxAmountMinor).contains(balance) else {
            throw RapportError.invalidField("balance_minor", code: "amount_too_large", "is out of range", "вне допустимого диапазона")
        }
        return Account(partyId: partyId, balanceMinor: balance,
                creditLimitMinor: try Validate.nonNegative(creditLimitMinor ?? existing?.creditLimitMinor ?? 0, "credit_limit_minor"),
                currency: try Validate.currency(currency ?? existing?.currency), updatedAt: now)
    }
}

/// An invoice with its status as of a day (open, paid, overdue, cancelled): what callers read.
public struct InvoiceView: Encodable, Sendable {
    public let invoice: Invoice
    public let status: InvoiceStatus

    public init(_ invoice: Invoice, today: CivilDate) {
        self.invoice = invoice
        self.status = invoice.status(on: today)
    }

    public func encode(to encoder: any Encoder) throws {
        try invoice.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(status, forKey: .status)
    }
    enum Keys: String, CodingKey { case status }
}

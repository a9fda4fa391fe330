import Foundation

/// One call detail record as imported: a customer (by party id, phone number or contract
/// number), the day, the destination country, the minutes and what it cost.
public struct UsageRecordInput: Codable, Sendable {
    public var partyId: UUID?
    public var phone: String?
    public var contractNumber: String?
    public var externalId: String?
    public var date: CivilDate?
    public var destination: String?
    public var minutes: Double?
    public var costMinor: Int64?

    public init(partyId: UUID? = nil, phone: String? = nil, contractNumber: String? = nil, externalId: String? = nil, date: CivilDate?,
                destination: String?, minutes: Double?, costMinor: Int64?) {
        self.partyId = partyId; self.phone = phone; self.contractNumber = contractNumber; self.externalId = externalId; self.date = date
        self.destination = destination; self.minutes = minutes; self.costMinor = costMinor
    }

    /// The validated record with its customer still to resolve: seconds (minutes × 60, rounded), an upper-case country.
    public func validated(at path: String) throws -> (date: CivilDate, destination: String, seconds: Int, costMinor: Int64, externalId: String?) {
        let date = try Validate.required(date, "\(path).date")
        let destination = try Validate.text(destination, "\(path).destination", max: 100).uppercased()
        guard (2...3).contains(destination.count), destination.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw RapportError.invalidField("\(path).destination", code: "invalid_country", "use an ISO 3166 country code (RU, DE, …)",
                                            "укажите код страны ISO 3166 (RU, DE, …)")
        }
        let minutes = try Validate.required(minutes, "\(path).minutes")
        guard minutes.isFinite, minutes >= 0 else {
            throw RapportError.invalidField("\(path).minutes", code: "negative_minutes", "minutes cannot be negative", "минуты не могут быть отрицательными")
        }
        guard minutes <= 24 * 60 else {
            throw RapportError.invalidField("\(path).minutes", code: "out_of_range", "one call lasts at most 1 440 minutes", "звонок длится не больше 1 440 минут")
        }
        let cost = try Validate.nonNegative(try Validate.required(costMinor, "\(path).cost_minor"), "\(path).cost_minor")
        guard cost <= 1_000_000_000 else {
            throw RapportError.invalidField("\(path).cost_minor", code: "out_of_range", "one call costs at most 1 000 000 000 minor units",
                                            "звонок стоит не больше 1 000 000 000 копеек")
        }
        let external = try Validate.optionalText(externalId, "\(path).external_id", max: 200)
        guard partyId != nil || phone != nil || contractNumber != nil else { throw RapportError.missingField("\(path).party_id") }
        return (date, destination, Int((minutes * 60).rounded()), cost, external)
    }
}

/// A tariff: its monthly fee (the catalogue item's price) and per-destination rates; `*` prices
/// every destination without its own rate.
public struct TariffPlan: Codable, Sendable, Equatable {
    public var itemId: UUID
    public var sku: String
    public var name: String
    public var monthlyFeeMinor: Int64
    public var currency: String
    public var rates: [TariffRate]

    public init(itemId: UUID, sku: String, name: String, monthlyFeeMinor: Int64, currency: String, rates: [TariffRate]) {
        self.itemId = itemId; self.sku = sku; self.name = name; self.monthlyFeeMinor = monthlyFeeMinor; self.currency = currency; self.rates = rates
    }

    func rate(_ destination: String) -> TariffRate? {
        rates.first { $0.destination == destination } ?? rates.first { $0.destination == "*" }
    }
}

public struct TariffRate: Codable, Sendable, Equatable {
    public var destination: String
    public var perMinuteMinor: Int64
    /// Minutes to this destination included in the monthly fee.
    public var includedMinutes: Int

    public init(destination: String, perMinuteMinor: Int64, includedMinutes: Int = 0) {
        self.destination = destination; self.perMinuteMinor = perMinuteMinor; self.includedMinutes = includedMinutes
    }

    enum CodingKeys: String, CodingKey { case destination, perMinuteMinor, includedMinutes }

    /// `included_minutes` may be left out (none included).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(destination: try c.decode(String.self, forKey: .destination), perMinuteMinor: try c.decode(Int64.self, forKey: .perMinuteMinor),
                  includedMinutes: try c.decodeIfPresent(Int.self, forKey: .includedMinutes) ?? 0)
    }

    public func validated(at path: String) throws -> TariffRate {
        let d = try Validate.text(destination, "\(path).destination", max: 100).uppercased()
        guard d == "*" || ((2...3).contains(d.count) && d.allSatisfy({ $0.isASCII && $0.isLetter })) else {
            throw RapportError.invalidField("\(path).destination", code: "invalid_country", "use an ISO 3166 country code or *", "укажите код страны ISO 3166 или *")
        }
        guard (0...10_000_000).contains(perMinuteMinor), (0...1_000_000).contains(includedMinutes) else {
            throw RapportError.invalidField(path, code: "out_of_range", "a rate is 0–10 000 000 minor units a minute, included minutes 0–1 000 000",
                                            "тариф — от 0 до 10 000 000 копеек за минуту, включённых минут — от 0 до 1 000 000")
        }
        return TariffRate(destination: d, perMinuteMinor: perMinuteMinor, includedMinutes: includedMinutes)
    }
}

/// One customer's usage over the period, per month and destination, with billed (started) minutes.
public struct UsageSummary: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var month: String
        public var destination: String
        public var billedMinutes: Int
        public var costMinor: Int64
        public init(month: String, destination: String, billedMinutes: Int, costMinor: Int64) {
            self.month = month; self.destination = destination; self.billedMinutes = billedMinutes; self.costMinor = costMinor
        }
    }
    public var partyId: UUID
    public var lines: [Line]
    /// The tariff the customer is on (from an active contract), if known.
    public var currentItemId: UUID?

    public init(partyId: UUID, lines: [Line], currentItemId: UUID?) { self.partyId = partyId; self.lines = lines; self.currentItemId = currentItemId }
}

/// What the customer would have saved on another tariff over the period.
public struct TariffSaving: Codable, Sendable, Equatable {
    public var partyId: UUID
    public var itemId: UUID
    public var sku: String
    public var name: String
    public var months: Int
    /// What the customer paid: call charges plus the current tariff's fee for each month.
    public var actualMinor: Int64
    /// What the same calls would have cost on the proposed tariff, fees included.
    public var proposedMinor: Int64
    public var savingMinor: Int64
    public var monthlySavingMinor: Int64
    public var currency: String
}

public enum TariffAdvisor {
    /// The cost of the usage on a plan over `months` months, or nil when some destination has no rate.
    public static func cost(_ usage: UsageSummary, on plan: TariffPlan, months: Int) -> Int64? {
        var total = plan.monthlyFeeMinor * Int64(months)
        var byMonthDestination: [String: [String: Int]] = [:]
        for line in usage.lines { byMonthDestination[line.month, default: [:]][line.destination, default: 0] += line.billedMinutes }
        for (_, destinations) in byMonthDestination {
            for (destination, minutes) in destinations {
                guard let rate = plan.rate(destination) else { return nil }
                total += Int64(max(0, minutes - rate.includedMinutes)) * rate.perMinuteMinor
            }
        }
        return total
    }

    /// The plan that would have cost least, when it saves at least `thresholdMinor` against what
    /// was actually paid (call charges + the current plan's fees).
    public static func best(_ usage: UsageSummary, plans: [TariffPlan], months: Int, thresholdMinor: Int64) -> TariffSaving? {
        let charges = usage.lines.reduce(Int64(0)) { $0 + $1.costMinor }
        let fee = plans.first { $0.itemId == usage.currentItemId }?.monthlyFeeMinor ?? 0
        let actual = charges + fee * Int64(months)
        var best: (TariffPlan, Int64)? = nil
        for plan in plans where plan.itemId != usage.currentItemId {
            guard let c = cost(usage, on: plan, months: months) else { continue }
            if best == nil || c < best!.1 || (c == best!.1 && plan.sku < best!.0.sku) { best = (plan, c) }
        }
        guard let (plan, proposed) = best, actual - proposed >= max(thresholdMinor, 1) else { return nil }
        let saving = actual - proposed
        return TariffSaving(partyId: usage.partyId, itemId: plan.itemId, sku: plan.sku, name: plan.name, months: months, actualMinor: actual,
                            proposedMinor: proposed, savingMinor: saving, monthlySavingMinor: saving / Int64(max(months, 1)), currency: plan.currency)
    }
}

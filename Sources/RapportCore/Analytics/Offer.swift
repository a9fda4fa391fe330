import Foundation

/// How an offer's benefit for one customer is found.
public enum OfferKind: String, ClosedVocabulary {
    /// A product or service with a stated benefit (`benefit_minor`), for customers meeting the conditions.
    case product
    /// The tariff that would have cost least over the last `months` months of usage, when it saves at least `threshold_minor` (S2).
    case tariffSaving = "tariff_saving"
    /// A related person reaches `age` within `window_days` (S1: a child turning 17 → an education loan).
    case lifeEvent = "life_event"
}

public struct OfferDefinition: Codable, Sendable, Equatable {
    public var match: SegmentMatch
    /// Eligibility: the segment conditions the customer must meet (none: everyone).
    public var conditions: [SegmentCondition]
    public var thresholdMinor: Int64?
    public var months: Int?
    public var relationshipKinds: [RelationshipKind]?
    public var age: Int?
    public var windowDays: Int?
    public var benefitMinor: Int64?
    public var currency: String?
    /// What the agent says: "a 10 % discount on the first year".
    public var benefitText: String?
    public var benefitTextRu: String?
    /// Among offers of equal benefit, the higher priority first.
    public var priority: Int

    public init(match: SegmentMatch = .all, conditions: [SegmentCondition] = [], thresholdMinor: Int64? = nil, months: Int? = nil,
                relationshipKinds: [RelationshipKind]? = nil, age: Int? = nil, windowDays: Int? = nil, benefitMinor: Int64? = nil,
                currency: String? = nil, benefitText: String? = nil, benefitTextRu: String? = nil, priority: Int = 0) {
        self.match = match; self.conditions = conditions; self.thresholdMinor = thresholdMinor; self.months = months
        self.relationshipKinds = relationshipKinds; self.age = age; self.windowDays = windowDays; self.benefitMinor = benefitMinor
        self.currency = currency; self.benefitText = benefitText; self.benefitTextRu = benefitTextRu; self.priority = priority
    }

    public var eligibility: SegmentDefinition { SegmentDefinition(match: match, conditions: conditions) }

    /// The life-event rule of a `life_event` offer.
    public func lifeEventRule(offerKey: String, name: String, nameRu: String) -> LifeEventRule {
        LifeEventRule(name: offerKey, relationshipKinds: relationshipKinds ?? [.child], age: age ?? 17, windowDays: windowDays ?? 31,
                      offer: offerKey, titleEn: name, titleRu: nameRu)
    }
}

/// An entry of the offer catalogue.
public struct Offer: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var name: String
    public var nameRu: String
    public var kind: OfferKind
    /// The catalogue item offered (a tariff offer proposes the best tariff instead).
    public var itemId: UUID?
    /// The consent purpose a customer must have agreed to (default `marketing`).
    public var purpose: String
    public var definition: OfferDefinition
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, key: String, name: String, nameRu: String, kind: OfferKind, itemId: UUID?, purpose: String, definition: OfferDefinition,
                active: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id; self.key = key; self.name = name; self.nameRu = nameRu; self.kind = kind; self.itemId = itemId; self.purpose = purpose
        self.definition = definition; self.active = active; self.createdAt = createdAt; self.updatedAt = updatedAt
    }
}

public struct OfferInput: Codable, Sendable {
    public var key: String?
    public var name: String?
    public var nameRu: String?
    public var kind: OfferKind?
    public var itemId: UUID?
    public var purpose: String?
    public var match: SegmentMatch?
    public var conditions: [SegmentCondition]?
    public var thresholdMinor: Int64?
    public var months: Int?
    public var relationshipKinds: [RelationshipKind]?
    public var age: Int?
    public var windowDays: Int?
    public var benefitMinor: Int64?
    public var currency: String?
    public var benefitText: String?
    public var benefitTextRu: String?
    public var priority: Int?
    public var active: Bool?

    public init(key: String? = nil, name: String? = nil, nameRu: String? = nil, kind: OfferKind? = nil, itemId: UUID? = nil, purpose: String? = nil,
                match: SegmentMatch? = nil, conditions: [SegmentCondition]? = nil, thresholdMinor: Int64? = nil, months: Int? = nil,
                relationshipKinds: [RelationshipKind]? = nil, age: Int? = nil, windowDays: Int? = nil, benefitMinor: Int64? = nil, currency: String? = nil,
                benefitText: String? = nil, benefitTextRu: String? = nil, priority: Int? = nil, active: Bool? = nil) {
        self.key = key; self.name = name; self.nameRu = nameRu; self.kind = kind; self.itemId = itemId; self.purpose = purpose; self.match = match
        self.conditions = conditions; self.thresholdMinor = thresholdMinor; self.months = months; self.relationshipKinds = relationshipKinds
        self.age = age; self.windowDays = windowDays; self.benefitMinor = benefitMinor; self.currency = currency; self.benefitText = benefitText
        self.benefitTextRu = benefitTextRu; self.priority = priority; self.active = active
    }

    public func make(id: UUID, now: Date) throws -> Offer {
        let kind = try Validate.required(kind, "kind")
        let name = try Validate.text(name, "name", max: 200)
        var d = OfferDefinition(match: match ?? .all, conditions: try SegmentDefinition(match: match ?? .all, conditions: conditions ?? []).validated().conditions,
                                thresholdMinor: thresholdMinor, months: months, relationshipKinds: relationshipKinds, age: age, windowDays: windowDays,
                                benefitMinor: benefitMinor, currency: currency, benefitText: try Validate.optionalText(benefitText, "benefit_text", max: 500),
                                benefitTextRu: try Validate.optionalText(benefitTextRu, "benefit_text_ru", max: 500), priority: priority ?? 0)
        switch kind {
        case .tariffSaving:
            d.thresholdMinor = try Validate.nonNegative(try Validate.required(thresholdMinor, "threshold_minor"), "threshold_minor")
            d.months = months ?? 3
            guard (1...12).contains(d.months!) else {
                throw RapportError.invalidField("months", code: "out_of_range", "must be 1–12", "допустимо 1–12")
            }
        case .lifeEvent:
            let age = try Validate.required(age, "age")
            guard (0...120).contains(age) else { throw RapportError.invalidField("age", code: "out_of_range", "must be 0–120", "допустимо 0–120") }
            d.windowDays = windowDays ?? 31
            guard (1...366).contains(d.windowDays!) else {
                throw RapportError.invalidField("window_days", code: "out_of_range", "must be 1–366", "допустимо 1–366")
            }
            d.relationshipKinds = relationshipKinds ?? [.child]
        case .product:
            if let b = benefitMinor { _ = try Validate.nonNegative(b, "benefit_minor") }
        }
        if d.benefitMinor != nil || d.thresholdMinor != nil { d.currency = try Validate.currency(currency ?? "RUB") }
        return Offer(id: id, key: try EventTypeInput.validateKey(try Validate.text(key, "key", max: 100), field: "key"), name: name,
                     nameRu: try Validate.text(nameRu ?? name, "name_ru", max: 200), kind: kind, itemId: itemId,
                     purpose: try Validate.text(purpose ?? "marketing", "purpose", max: 100), definition: d, active: active ?? true,
                     createdAt: now, updatedAt: now)
    }
}

/// One offer for one customer, with what it is worth to them.
public struct RankedOffer: Codable, Sendable, Equatable {
    public var offerId: UUID
    public var key: String
    public var name: String
    public var nameRu: String
    public var kind: OfferKind
    public var itemId: UUID?
    public var benefitMinor: Int64?
    public var currency: String?
    /// Why, in words an agent can say.
    public var reason: String
    public var reasonRu: String
    public var tariff: TariffSaving?
    public var eventDate: CivilDate?
    public var priority: Int

    public init(offer: Offer, benefitMinor: Int64?, reason: String, reasonRu: String, tariff: TariffSaving? = nil, eventDate: CivilDate? = nil) {
        offerId = offer.id; key = offer.key; name = offer.name; nameRu = offer.nameRu; kind = offer.kind
        itemId = tariff?.itemId ?? offer.itemId; self.benefitMinor = benefitMinor
        currency = tariff?.currency ?? offer.definition.currency; self.reason = reason; self.reasonRu = reasonRu; self.tariff = tariff
        self.eventDate = eventDate; priority = offer.definition.priority
    }

    /// Highest benefit first (offers without a money benefit after those with one), then priority, then key.
    public static func ranked(_ offers: [RankedOffer]) -> [RankedOffer] {
        offers.sorted { a, b in
            switch (a.benefitMinor, b.benefitMinor) {
            case let (x?, y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.priority != b.priority ? a.priority > b.priority : a.key < b.key
            }
        }
    }
}

public enum OfferResponseKind: String, ClosedVocabulary { case presented, accepted, declined }

/// An offer presented to, accepted or declined by a customer: on the trail and in acceptance rates.
public struct OfferResponse: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var offerId: UUID
    public var offerKey: String
    public var partyId: UUID
    public var response: OfferResponseKind
    public var benefitMinor: Int64?
    public var currency: String?
    public var channel: Channel
    public var interactionId: UUID?
    public var campaignId: UUID?
    public var recordedBy: String?
    public var recordedAt: Date

    public init(id: UUID, offerId: UUID, offerKey: String, partyId: UUID, response: OfferResponseKind, benefitMinor: Int64?, currency: String?, channel: Channel,
                interactionId: UUID?, campaignId: UUID?, recordedBy: String?, recordedAt: Date) {
        self.id = id; self.offerId = offerId; self.offerKey = offerKey; self.partyId = partyId; self.response = response
        self.benefitMinor = benefitMinor; self.currency = currency; self.channel = channel; self.interactionId = interactionId
        self.campaignId = campaignId; self.recordedBy = recordedBy; self.recordedAt = recordedAt
    }
}

public struct OfferResponseInput: Codable, Sendable {
    public var offerKey: String?
    public var response: OfferResponseKind?
    public var channel: Channel?
    public var campaignId: UUID?
    public var note: String?
    public init(offerKey: String?, response: OfferResponseKind?, channel: Channel? = nil, campaignId: UUID? = nil, note: String? = nil) {
        self.offerKey = offerKey; self.response = response; self.channel = channel; self.campaignId = campaignId; self.note = note
    }
}

/// Acceptance per offer: presented, accepted, declined, and accepted ÷ (accepted + declined + presented without answer).
public struct OfferAcceptance: Codable, Sendable, Equatable {
    public var offerId: UUID
    public var key: String
    public var name: String
    public var presented: Int
    public var accepted: Int
    public var declined: Int
    /// Customers who were offered it at all (any response).
    public var customers: Int
    /// Accepting customers ÷ customers offered; nil when nobody was.
    public var acceptanceRate: Double?

    public init(offerId: UUID, key: String, name: String, presented: Int, accepted: Int, declined: Int, customers: Int, acceptingCustomers: Int) {
        self.offerId = offerId; self.key = key; self.name = name; self.presented = presented; self.accepted = accepted; self.declined = declined
        self.customers = customers; acceptanceRate = customers > 0 ? Double(acceptingCustomers) / Double(customers) : nil
    }
}

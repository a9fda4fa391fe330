import Foundation
import RapportCore
import RapportStorage

/// Next-best offers: the catalogue, what each is worth to one customer, tariff savings from call
/// records, and every response on the trail.
public struct OfferService: Sendable {
    let store: OfferStore
    let analytics: AnalyticsService
    let parties: PartyStore
    let normalizer: IdentityNormalizer
    let clock: any Clock
    let timeZone: TimeZone
    /// An offer accepted or declined is not offered again for this many days.
    public var quietDays = 30
    /// The active catalogue, read once per 2 s rather than on every card (like the question bank);
    /// a change made here drops it at once, another node sees it within 2 s.
    let active = TimedCache<[Offer]>()

    init(store: OfferStore, analytics: AnalyticsService, parties: PartyStore, normalizer: IdentityNormalizer, clock: any Clock, timeZone: TimeZone) {
        self.store = store; self.analytics = analytics; self.parties = parties; self.normalizer = normalizer; self.clock = clock; self.timeZone = timeZone
    }

    var today: CivilDate { CivilDate(clock.now(), in: timeZone) }

    // MARK: Catalogue

    public func create(_ input: OfferInput) async throws -> Offer {
        let now = clock.now()
        defer { active.invalidate() }
        return try await store.create(try input.make(id: .timeOrdered(at: now), now: now))
    }

    /// Replaces an offer's definition (the key stays).
    public func replace(_ key: String, _ input: OfferInput) async throws -> Offer {
        let old = try await offer(key)
        var input = input
        input.key = key
        var o = try input.make(id: old.id, now: clock.now())
        o.createdAt = old.createdAt
        defer { active.invalidate() }
        return try await store.update(o)
    }

    public func offer(_ key: String) async throws -> Offer {
        guard let o = try await store.offer(key) else { throw RapportError.notFound("offer", key) }
        return o
    }

    public func offers() async throws -> [Offer] { try await store.offers() }

    // MARK: Tariffs and usage

    public func setRates(item: UUID, rates: [TariffRate]) async throws -> TariffPlan {
        guard !rates.isEmpty, rates.count <= 300 else {
            throw RapportError.invalidField("rates", code: "invalid_rates", "give 1–300 rates", "укажите от 1 до 300 тарифов")
        }
        let valid = try rates.enumerated().map { try $1.validated(at: "rates[\($0)]") }
        guard Set(valid.map(\.destination)).count == valid.count else {
            throw RapportError.invalidField("rates", code: "duplicate_destination", "one rate per destination", "по одному тарифу на направление")
        }
        return try await store.setRates(item: item, rates: valid)
    }

    public func plans() async throws -> [TariffPlan] { try await store.plans() }

    /// Imports call detail records, all or nothing. Phone numbers in any format a switch writes.
    public func importUsage(_ records: [UsageRecordInput]) async throws -> (imported: Int, skipped: Int) {
        guard !records.isEmpty else { throw RapportError.invalidField("records", code: "empty_import", "no records", "нет записей") }
        guard records.count <= 100_000 else {
            throw RapportError(.tooLarge, code: "too_many_records", message: "at most 100 000 records per request", messageRu: "не больше 100 000 записей за запрос")
        }
        let normalised = try records.enumerated().map { i, r -> UsageRecordInput in
            var r = r
            if r.partyId == nil, let phone = r.phone {
                do { r.phone = try normalizer.normalize(kind: .phone, value: phone) } catch {
                    throw RapportError.invalidField("records[\(i)].phone", code: "invalid_phone", "not a phone number", "это не номер телефона")
                }
            }
            return r
        }
        return try await store.importUsage(normalised, now: clock.now())
    }

    /// The last `months` whole months before today's month: (first day, last day).
    func period(months: Int, endingBefore day: CivilDate) -> (CivilDate, CivilDate) {
        var y = day.year, m = day.month - months
        while m < 1 { m += 12; y -= 1 }
        let start = try! CivilDate(year: y, month: m, day: 1)
        var ey = day.year, em = day.month - 1
        if em < 1 { em = 12; ey -= 1 }
        let end = try! CivilDate(year: ey, month: em, day: CivilDate.daysIn(month: em, year: ey))
        return (start, end)
    }

    /// Tariff savings for every customer with usage in the offer's period who agreed to its
    /// purpose, biggest saving first (S2's monthly statement run).
    public func tariffSavings(_ key: String) async throws -> [TariffSaving] {
        let o = try await offer(key)
        guard o.kind == .tariffSaving else {
            throw RapportError(.invalid, code: "not_a_tariff_offer", message: "offer \(key) is not a tariff_saving offer",
                               messageRu: "предложение \(key) — не tariff_saving")
        }
        let months = o.definition.months ?? 3
        let (from, to) = period(months: months, endingBefore: today)
        async let usage = store.usage(from: from, to: to)
        async let plans = store.plans()
        async let consenting = store.consenting(purpose: o.purpose, parties: nil)
        async let gone = store.gone()
        let (u, p, c, g) = (try await usage, try await plans, try await consenting, try await gone)
        var out: [TariffSaving] = []
        for summary in u where c.contains(summary.partyId) && !g.contains(summary.partyId) {
            if let s = TariffAdvisor.best(summary, plans: p, months: months, thresholdMinor: o.definition.thresholdMinor ?? 0) { out.append(s) }
        }
        if !o.definition.conditions.isEmpty {
            var kept: [TariffSaving] = []
            for s in out where try await analytics.matches(o.definition.eligibility, party: s.partyId) { kept.append(s) }
            out = kept
        }
        return out.sorted { $0.savingMinor != $1.savingMinor ? $0.savingMinor > $1.savingMinor : $0.partyId.precedes($1.partyId) }
    }

    // MARK: One customer

    /// The eligible offers for one customer, best first, each with its benefit for this customer.
    /// Offers the customer has not agreed to (by purpose), or answered within `quietDays`, are left out.
    public func ranked(for partyId: UUID) async throws -> [RankedOffer] {
        let offers = try await active.get { try await store.offers(activeOnly: true) }
        guard !offers.isEmpty else { return [] }
        let purposes = Set(offers.map(\.purpose))
        var allowed: Set<String> = []
        for p in purposes where try await store.consenting(purpose: p, parties: [partyId]).contains(partyId) { allowed.insert(p) }
        let answered = try await store.recentlyDeclined(party: partyId, since: clock.now().addingTimeInterval(-Double(quietDays) * 86_400))
        var out: [RankedOffer] = []
        var relationships: [Relationship]? = nil
        var plans: [TariffPlan]? = nil
        for o in offers where allowed.contains(o.purpose) && !answered.contains(o.id) {
            guard try await analytics.matches(o.definition.eligibility, party: partyId) else { continue }
            switch o.kind {
            case .product:
                out.append(RankedOffer(offer: o, benefitMinor: o.definition.benefitMinor, reason: o.definition.benefitText ?? o.name,
                                       reasonRu: o.definition.benefitTextRu ?? o.nameRu))
            case .lifeEvent:
                if relationships == nil { relationships = try await parties.relationships(of: partyId) }
                let rule = o.definition.lifeEventRule(offerKey: o.key, name: o.name, nameRu: o.nameRu)
                for s in LifeEventSuggestions.suggest(relationships!, rules: [rule], today: today).prefix(1) {
                    out.append(RankedOffer(offer: o, benefitMinor: o.definition.benefitMinor, reason: s.reason, reasonRu: s.reasonRu, eventDate: s.eventDate))
                }
            case .tariffSaving:
                let months = o.definition.months ?? 3
                let (from, to) = period(months: months, endingBefore: today)
                guard let usage = try await store.usage(from: from, to: to, party: partyId).first else { continue }
                if plans == nil { plans = try await store.plans() }
                guard let s = TariffAdvisor.best(usage, plans: plans!, months: months, thresholdMinor: o.definition.thresholdMinor ?? 0) else { continue }
                let money = Self.money(s.savingMinor, s.currency)
                out.append(RankedOffer(offer: o, benefitMinor: s.savingMinor,
                                       reason: "\(s.name) would have cost \(money) less over the last \(months) months",
                                       reasonRu: "На тарифе «\(s.name)» последние \(months) мес. обошлись бы на \(money) дешевле", tariff: s))
            }
        }
        return RankedOffer.ranked(out)
    }

    static func money(_ minor: Int64, _ currency: String) -> String {
        String(format: "%lld.%02lld %@", minor / 100, abs(minor % 100), currency)
    }

    /// Records that an offer was presented, accepted or declined, with its trail entry.
    public func respond(party partyId: UUID, _ input: OfferResponseInput, agent: String?) async throws -> OfferResponse {
        let key = try Validate.text(input.offerKey, "offer_key", max: 100)
        let kind = try Validate.required(input.response, "response")
        let o = try await offer(key)
        guard let record = try await parties.get(partyId) else { throw RapportError.notFound("party", partyId.uuidString.lowercased()) }
        let party = record.party.mergedIntoId.map { (id: $0, ()) } ?? (id: record.party.id, ())
        // The benefit as it stands now for this customer (nil when the offer no longer applies to them).
        let benefit = try await ranked(for: party.id).first { $0.offerId == o.id }
        let now = clock.now()
        let channel = input.channel ?? .phone
        let words: [OfferResponseKind: String] = [.presented: "presented", .accepted: "accepted", .declined: "declined"]
        let entry = Interaction(id: .timeOrdered(at: now), partyId: party.id, channel: channel, direction: kind == .presented ? .outbound : .inbound,
                                occurredAt: now, agent: agent, subject: "Offer \(words[kind]!): \(o.name)",
                                summary: try Validate.optionalText(input.note, "note", max: 2000) ?? benefit?.reason,
                                outcome: "offer_\(kind.rawValue)", campaignId: input.campaignId, createdAt: now)
        return try await store.record(OfferResponse(id: .timeOrdered(at: now), offerId: o.id, offerKey: o.key, partyId: party.id, response: kind,
                                                    benefitMinor: benefit?.benefitMinor, currency: benefit?.currency, channel: channel,
                                                    interactionId: entry.id, campaignId: input.campaignId, recordedBy: agent, recordedAt: now),
                                      entry: entry)
    }

    public func responses(party: UUID) async throws -> [OfferResponse] { try await store.responses(party: party) }

    public func acceptance(from: CivilDate?, to: CivilDate?) async throws -> [OfferAcceptance] {
        let end = (to ?? today).startOfDay(in: timeZone).addingTimeInterval(86_400)
        let start = from?.startOfDay(in: timeZone) ?? Date(timeIntervalSince1970: 0)
        guard start < end else { throw RapportError.invalidField("from", code: "invalid_range", "from must not be after to", "from не может быть позже to") }
        return try await store.acceptance(from: start, to: end)
    }

    /// One month's statement: calls by destination, charges, the tariff's fee, and the tariff
    /// that would have cost less over the last months when it saves enough (S2).
    public func statement(party partyId: UUID, month: String) async throws -> Statement {
        guard let first = try? CivilDate(parsing: month + "-01") else {
            throw RapportError.invalidField("month", code: "invalid_month", "use YYYY-MM", "укажите месяц как ГГГГ-ММ")
        }
        guard try await parties.get(partyId) != nil else { throw RapportError.notFound("party", partyId.uuidString.lowercased()) }
        let last = try CivilDate(year: first.year, month: first.month, day: CivilDate.daysIn(month: first.month, year: first.year))
        let usage = try await store.usage(from: first, to: last, party: partyId).first
        let plans = try await store.plans()
        let plan = plans.first { $0.itemId == usage?.currentItemId }
        var lines: [Statement.Line] = []
        for l in usage?.lines ?? [] { lines.append(Statement.Line(destination: l.destination, minutes: l.billedMinutes, chargesMinor: l.costMinor)) }
        let next = first.month == 12 ? try CivilDate(year: first.year + 1, month: 1, day: 1) : try CivilDate(year: first.year, month: first.month + 1, day: 1)
        var proposal: TariffSaving? = nil
        for o in try await active.get({ try await store.offers(activeOnly: true) }) where o.kind == .tariffSaving {
            guard try await store.consenting(purpose: o.purpose, parties: [partyId]).contains(partyId) else { continue }
            let months = o.definition.months ?? 3
            let (from, to) = period(months: months, endingBefore: next)
            guard let u = try await store.usage(from: from, to: to, party: partyId).first,
                  let s = TariffAdvisor.best(u, plans: plans, months: months, thresholdMinor: o.definition.thresholdMinor ?? 0) else { continue }
            if proposal == nil || s.savingMinor > proposal!.savingMinor { proposal = s }
        }
        let charges = lines.reduce(Int64(0)) { $0 + $1.chargesMinor }
        return Statement(partyId: partyId, month: month, tariff: plan?.name, feeMinor: plan?.monthlyFeeMinor ?? 0, lines: lines, chargesMinor: charges,
                         totalMinor: charges + (plan?.monthlyFeeMinor ?? 0), currency: plan?.currency ?? plans.first?.currency ?? "RUB", proposal: proposal)
    }
}

/// A customer's monthly statement with the tariff proposal.
public struct Statement: Codable, Sendable {
    public struct Line: Codable, Sendable { public var destination: String; public var minutes: Int; public var chargesMinor: Int64 }
    public var partyId: UUID
    public var month: String
    public var tariff: String?
    public var feeMinor: Int64
    public var lines: [Line]
    public var chargesMinor: Int64
    public var totalMinor: Int64
    public var currency: String
    public var proposal: TariffSaving?
}

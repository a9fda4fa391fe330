import Foundation
import RapportCore

/// What the analytics part of the demo builds on.
struct DemoAnalytics {
    let now: Date
    let ivan: UUID
    let organisation: UUID
    let anna: UUID
    let sergey: UUID
    /// Olga Smirnova, Dmitry Kuznetsov, Emily Brown: on the basic tariff.
    let telecom: [UUID]
    let tariffBasic: UUID
    let tariffWorld: UUID
    let educationLoan: UUID
}

extension DemoDataSet {
    /// S1, S2, S7, S11: purchase history for value ranking (the organisation and Ivan Petrov on
    /// top), tariff rates and three months of call records (Olga calls Germany a lot and would
    /// save on "World"; Dmitry calls at home and is best where he is; Emily would save too but
    /// never agreed to offers), the offer catalogue, a segment and a draft campaign.
    func loadAnalytics(_ d: DemoAnalytics) async throws {
        let c = services.commerce, pf = services.profile
        func at(daysAgo days: Double) -> Date { d.now.addingTimeInterval(-days * 86_400) }
        // Value: a small population, so the tiers take larger shares than the 1/5/20 % default.
        _ = try await services.analytics.setValueSettings(ValueSettings(tiers: [ValueSettings.TierCut(tier: "platinum", topPercent: 10),
                                                                                ValueSettings.TierCut(tier: "gold", topPercent: 20),
                                                                                ValueSettings.TierCut(tier: "silver", topPercent: 50)]))
        for month in 0..<6 {
            _ = try await c.recordPayment(PaymentInput(partyId: d.organisation, invoiceId: nil, amountMinor: 30_000_000, paidAt: at(daysAgo: Double(20 + 30 * month))))
        }
        for month in 0..<12 {
            _ = try await c.recordPayment(PaymentInput(partyId: d.ivan, invoiceId: nil, amountMinor: 4_500_000, paidAt: at(daysAgo: Double(5 + 30 * month))))
        }
        for (n, days) in [(1, 300.0), (2, 120.0), (3, 45.0)] {
            _ = try await c.createOrder(OrderInput(number: "FL-0900\(n)", partyId: d.anna, status: .delivered, placedAt: at(daysAgo: days),
                                                   lines: [OrderLine(itemId: nil, description: "Bouquet / Букет", quantity: 1, unitPriceMinor: 350_000)],
                                                   marginMinor: 140_000))
        }

        // S2: tariff rates. Basic: 350 ₽ a month, 200 minutes at home included then 1.50 ₽, abroad 45 ₽/min.
        // World: 790 ₽ a month, the same at home, abroad 9 ₽/min.
        _ = try await services.offers.setRates(item: d.tariffBasic, rates: [TariffRate(destination: "RU", perMinuteMinor: 150, includedMinutes: 200),
                                                                           TariffRate(destination: "*", perMinuteMinor: 4_500)])
        _ = try await services.offers.setRates(item: d.tariffWorld, rates: [TariffRate(destination: "RU", perMinuteMinor: 150, includedMinutes: 200),
                                                                           TariffRate(destination: "*", perMinuteMinor: 900)])
        // Three whole months of calls before this month, priced on Basic.
        var records: [UsageRecordInput] = []
        let today = CivilDate(d.now)
        for back in 1...3 {
            var y = today.year, m = today.month - back
            if m < 1 { m += 12; y -= 1 }
            for (index, party) in d.telecom.enumerated() {
                let abroad = index == 1 ? 0 : 6          // Dmitry calls only at home
                for call in 0..<15 {
                    records.append(UsageRecordInput(partyId: party, externalId: "cdr-\(index)-\(y)-\(m)-ru-\(call)",
                                                    date: try CivilDate(year: y, month: m, day: 1 + call), destination: "RU", minutes: 10, costMinor: 0))
                }
                for call in 0..<abroad {
                    records.append(UsageRecordInput(partyId: party, externalId: "cdr-\(index)-\(y)-\(m)-de-\(call)",
                                                    date: try CivilDate(year: y, month: m, day: 2 + call), destination: index == 2 ? "US" : "DE",
                                                    minutes: 10, costMinor: 45_000))
                }
            }
        }
        _ = try await services.offers.importUsage(records)
        _ = try await pf.recordConsent(partyId: d.telecom[0], ConsentInput(purpose: "marketing", granted: true, source: .selfService,
                                                                          textVersion: "marketing-2026-01", recordedAt: at(daysAgo: 100)))
        _ = try await pf.recordConsent(partyId: d.telecom[1], ConsentInput(purpose: "marketing", granted: true, source: .selfService,
                                                                          textVersion: "marketing-2026-01", recordedAt: at(daysAgo: 100)))

        // The offer catalogue.
        _ = try await services.offers.create(OfferInput(key: "tariff-advice", name: "A cheaper tariff for your calls", nameRu: "Тариф выгоднее для ваших звонков",
                                                        kind: .tariffSaving, thresholdMinor: 50_000, months: 3))
        _ = try await services.offers.create(OfferInput(key: "education-loan", name: "Education loan", nameRu: "Образовательный кредит", kind: .lifeEvent,
                                                        itemId: d.educationLoan, relationshipKinds: [.child], age: 17, windowDays: 31,
                                                        benefitText: "9.9 % for the whole course, no payments while studying",
                                                        benefitTextRu: "9,9 % на весь срок обучения, без платежей во время учёбы", priority: 10))
        _ = try await services.offers.create(OfferInput(key: "premium-card", name: "Premium card with cashback", nameRu: "Премиальная карта с кэшбэком",
                                                        kind: .product,
                                                        conditions: [SegmentCondition(field: "party.value_tier", op: .in, values: ["gold", "platinum"])],
                                                        benefitMinor: 1_200_000, benefitText: "about 12 000 ₽ cashback a year at your spending",
                                                        benefitTextRu: "около 12 000 ₽ кэшбэка в год при ваших тратах"))
        _ = try await services.analytics.recomputeValues()

        // S11: a segment of customers who agreed to marketing, and a draft call campaign on it for an outside team.
        _ = try await services.analytics.createSegment(SegmentInput(key: "marketing-ok", name: "Agreed to marketing / Согласны на рекламу",
                                                                    conditions: [SegmentCondition(field: "consent.marketing", op: .eq, value: .bool(true))]))
        _ = try await services.campaigns.create(CampaignInput(key: "winter-card", name: "Winter premium card / Зимняя премиальная карта",
                                                              segment: "marketing-ok", channel: .callList, offer: "premium-card", controlPercent: 20,
                                                              qaPercent: 25, responseWindowDays: 30,
                                                              script: [ScriptStep(text: "Greet by name and introduce yourself", textRu: "Поздоровайтесь по имени и представьтесь"),
                                                                       ScriptStep(text: "Offer the premium card with cashback", textRu: "Предложите премиальную карту с кэшбэком")],
                                                              team: "CallPro Outsourcing"))
    }
}

import Foundation
import RapportCore
import Testing

/// The pure parts of analytics, checked against values worked out by hand.
@Suite struct AnalyticsTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))! }
    func daysAgo(_ d: Double) -> Date { now.addingTimeInterval(-d * 86_400) }

    // MARK: Value

    @Test func partiesRankByMarginWithQuintileScoresAndTiersByShareOfTheRanking() {
        let settings = ValueSettings(windowDays: 365, tiers: [.init(tier: "platinum", topPercent: 10), .init(tier: "gold", topPercent: 30)])
        let activity = [
            PartyActivity(partyId: id(1), orders: 2, revenueMinor: 4_000, marginMinor: 1_000, lastOrderAt: now),
            PartyActivity(partyId: id(2), orders: 8, revenueMinor: 9_000, marginMinor: 800, lastOrderAt: daysAgo(10)),
            PartyActivity(partyId: id(3), orders: 1, revenueMinor: 2_000, marginMinor: 600, lastOrderAt: daysAgo(300)),
            PartyActivity(partyId: id(4), orders: 4, revenueMinor: 1_500, marginMinor: 400, lastOrderAt: daysAgo(30)),
            PartyActivity(partyId: id(5), orders: 3, revenueMinor: 1_000, marginMinor: 200, lastOrderAt: daysAgo(100)),
        ]
        // Given in reverse: the answer keeps the given order, with ranks.
        let values = ValueModel.rank(partyIds: (1...10).reversed().map(id), activity: activity, settings: settings, now: now)
            .sorted { $0.rank < $1.rank }
        #expect(values.map(\.partyId).prefix(5) == [id(1), id(2), id(3), id(4), id(5)])
        #expect(values.map(\.rank) == Array(1...10))
        // 1 of 10 is the top 10 %; ranks 2–3 within 30 %; the rest, and everyone without value, the base tier.
        #expect(values.map(\.tier) == ["platinum", "gold", "gold"] + Array(repeating: "bronze", count: 7))
        let byId = Dictionary(uniqueKeysWithValues: values.map { ($0.partyId, $0) })
        // Five buyers: one per quintile. Frequency 8 > 4 > 3 > 2 > 1; recency: id1 latest, id3 oldest.
        #expect([1, 2, 3, 4, 5].map { byId[id($0)]!.frequencyScore } == [2, 5, 1, 4, 3])
        #expect([1, 2, 3, 4, 5].map { byId[id($0)]!.recencyScore } == [5, 4, 1, 3, 2])
        #expect([1, 2, 3, 4, 5].map { byId[id($0)]!.monetaryScore } == [4, 5, 3, 2, 1])
        #expect(byId[id(7)]!.recencyScore == 0 && byId[id(7)]!.actualMinor == 0 && byId[id(7)]!.potentialMinor == 0)
        // Potential: margin/day × horizon × exp(−recency / mean gap). id1: bought today → the full 1 000.
        #expect(byId[id(1)]!.potentialMinor == 1_000)
        // id3: one order 300 days ago, mean gap 365 days: 600 × e^(−300/365) = 263.7…
        #expect(byId[id(3)]!.potentialMinor == 264)
        let tiers = ValueModel.distribution(values, settings: settings)
        #expect(tiers == [TierCount(tier: "platinum", parties: 1, actualMinor: 1_000), TierCount(tier: "gold", parties: 2, actualMinor: 1_400),
                          TierCount(tier: "bronze", parties: 7, actualMinor: 600)])
    }

    @Test func aContactPersonIsServedAtTheOrganisationsTierWhenItIsHigher() {
        let settings = ValueSettings(tiers: [.init(tier: "platinum", topPercent: 34)])
        let activity = [PartyActivity(partyId: id(1), orders: 1, revenueMinor: 10_000, marginMinor: 5_000, lastOrderAt: now)]
        let values = ValueModel.rank(partyIds: [id(1), id(2), id(3)], activity: activity, settings: settings, now: now,
                                     contacts: [(person: id(2), organisation: id(1))])
        let tier = Dictionary(uniqueKeysWithValues: values.map { ($0.partyId, $0.tier) })
        #expect(tier == [id(1): "platinum", id(2): "platinum", id(3): "bronze"])
    }

    @Test func valueSettingsThatCouldNotRankAnyoneAreRefused() {
        #expect(throws: RapportError.self) { try ValueSettings(tiers: [.init(tier: "a", topPercent: 20), .init(tier: "b", topPercent: 10)]).validated() }
        #expect(throws: RapportError.self) { try ValueSettings(tiers: [.init(tier: "bronze", topPercent: 5)]).validated() }
        #expect(throws: RapportError.self) { try ValueSettings(windowDays: 0).validated() }
        #expect((try? ValueSettings().validated()) != nil)
    }

    // MARK: Segments

    func code(_ body: () throws -> Any) -> String? {
        do { _ = try body(); return nil } catch let e as RapportError { return e.code } catch { return "\(error)" }
    }

    @Test func segmentConditionsAreCheckedWhenTheSegmentIsSaved() {
        func check(_ c: SegmentCondition) -> String? { code { try SegmentDefinition(conditions: [c]).validated() } }
        #expect(check(SegmentCondition(field: "party.shoe_size", op: .eq, value: .string("42"))) == "unknown_segment_field")
        #expect(check(SegmentCondition(field: "fact.bad key", op: .exists)) == "unknown_segment_field")
        #expect(check(SegmentCondition(field: "orders.count", op: .gte, value: .string("many"))) == "invalid_condition")
        #expect(check(SegmentCondition(field: "party.created_at", op: .gte, value: .string("yesterday"))) == "invalid_condition")
        #expect(check(SegmentCondition(field: "party.kind", op: .eq, value: .string("person"), withinDays: 30)) == "invalid_condition")
        #expect(check(SegmentCondition(field: "party.value_tier", op: .in, values: [])) == "invalid_condition")
        #expect(check(SegmentCondition(field: "consent.marketing", op: .eq, value: .string("yes"))) == "invalid_condition")
        #expect(check(SegmentCondition(field: "interactions.count", op: .gte, value: .number(2), channel: "pigeon")) == "invalid_enum")
        // Operators a field cannot answer: refused rather than matching nobody (or the wrong people).
        #expect(check(SegmentCondition(field: "consent.marketing", op: .notExists)) == "invalid_condition")
        #expect(check(SegmentCondition(field: "orders.count", op: .in, values: ["0", "1"])) == "invalid_condition")
        #expect(check(SegmentCondition(field: "party.created_at", op: .in, values: ["2026-01-01"])) == "invalid_condition")
        #expect(check(SegmentCondition(field: "fact.children_count", op: .gte, value: .number(1))) == nil)
        #expect(check(SegmentCondition(field: "orders.total_minor", op: .gte, value: .number(100_000), withinDays: 90)) == nil)
        #expect(check(SegmentCondition(field: "consent.marketing", op: .eq, value: .bool(true), channel: "email")) == nil)
    }

    // MARK: Clusters

    @Test func kMeansSeparatesFrequentRecentBuyersFromLapsedOnesAndNamesWhatSetsThemApart() {
        var rows: [[Double]] = []
        for i in 0..<12 { rows.append([Double(5 + i % 3), Double(20 + i % 4), 100_000 + Double(i) * 1_000]) }   // frequent, recent, spend a lot
        for i in 0..<24 { rows.append([Double(300 + i % 5), Double(i % 2), 2_000 + Double(i) * 10]) }          // lapsed
        let features: [ClusterFeature] = [.recencyDays, .orders, .revenueMinor]
        let r = KMeans.cluster(rows, features: features, k: 2)
        // The larger group is numbered 0.
        #expect(Set(r.assignments.prefix(12)) == [1] && Set(r.assignments.suffix(24)) == [0])
        #expect(r.profiles.map(\.parties) == [24, 12])
        #expect(r.profiles[1].traits.contains("frequent buyers") && r.profiles[1].traits.contains("recent buyers"))
        #expect(r.profiles[0].traitsRu.contains("давно не покупали"))
        #expect(r.profiles[1].centre["orders"] == 21.5)
        #expect(KMeans.cluster(rows, features: features, k: 2).assignments == r.assignments)
    }

    // MARK: Tariffs

    let basic = TariffPlan(itemId: UUID(uuidString: "00000000-0000-0000-0000-0000000000B1")!, sku: "TEL-BASIC", name: "Basic", monthlyFeeMinor: 35_000,
                           currency: "RUB", rates: [TariffRate(destination: "RU", perMinuteMinor: 150, includedMinutes: 200),
                                                    TariffRate(destination: "*", perMinuteMinor: 4_500)])
    let world = TariffPlan(itemId: UUID(uuidString: "00000000-0000-0000-0000-0000000000B2")!, sku: "TEL-WORLD", name: "World", monthlyFeeMinor: 79_000,
                           currency: "RUB", rates: [TariffRate(destination: "RU", perMinuteMinor: 150, includedMinutes: 200),
                                                    TariffRate(destination: "*", perMinuteMinor: 900)])
    let home = TariffPlan(itemId: UUID(uuidString: "00000000-0000-0000-0000-0000000000B3")!, sku: "TEL-HOME", name: "Home", monthlyFeeMinor: 10_000,
                          currency: "RUB", rates: [TariffRate(destination: "RU", perMinuteMinor: 100)])

    func usage(ru: Int, de: Int) -> UsageSummary {
        let lines = ["2026-08", "2026-09", "2026-10"].flatMap { m in
            [UsageSummary.Line(month: m, destination: "RU", billedMinutes: ru, costMinor: Int64(max(0, ru - 200) * 150)),
             UsageSummary.Line(month: m, destination: "DE", billedMinutes: de, costMinor: Int64(de * 4_500))].filter { $0.billedMinutes > 0 }
        }
        return UsageSummary(partyId: id(1), lines: lines, currentItemId: basic.itemId)
    }

    @Test func aCustomerCallingAbroadIsProposedTheTariffThatWouldHaveCostLessWithTheSavingInMoney() throws {
        // Paid on Basic: 3 × (350 ₽ fee + 60 min × 45 ₽) = 9 150 ₽. On World: 3 × (790 ₽ + 60 × 9 ₽) = 3 990 ₽.
        // Home cannot price calls to Germany and is not considered.
        let s = try #require(TariffAdvisor.best(usage(ru: 150, de: 60), plans: [basic, world, home], months: 3, thresholdMinor: 50_000))
        #expect(s.sku == "TEL-WORLD" && s.actualMinor == 915_000 && s.proposedMinor == 399_000)
        #expect(s.savingMinor == 516_000 && s.monthlySavingMinor == 172_000)
        // Below the threshold: nothing.
        #expect(TariffAdvisor.best(usage(ru: 150, de: 60), plans: [basic, world, home], months: 3, thresholdMinor: 600_000) == nil)
    }

    @Test func includedMinutesAreFreeAndOnlyTheExcessIsCharged() {
        // 250 minutes at home a month on Basic: 50 over the 200 included, at 1.50 ₽: 3 × (350 + 75) ₽.
        #expect(TariffAdvisor.cost(usage(ru: 250, de: 0), on: basic, months: 3) == 127_500)
        // Home: no minutes included, 1 ₽ a minute: 3 × (100 + 250) ₽; a home-only caller saves by moving there.
        #expect(TariffAdvisor.cost(usage(ru: 250, de: 0), on: home, months: 3) == 105_000)
        #expect(TariffAdvisor.best(usage(ru: 150, de: 0), plans: [basic, world], months: 3, thresholdMinor: 0) == nil)
    }

    @Test func usageRecordsWithNegativeMinutesOrWithoutACustomerAreRefused() {
        let day = try! CivilDate(year: 2026, month: 10, day: 1)
        #expect(code { try UsageRecordInput(partyId: id(1), date: day, destination: "DE", minutes: -1, costMinor: 0).validated(at: "records[0]") }
                == "negative_minutes")
        #expect(code { try UsageRecordInput(date: day, destination: "DE", minutes: 3, costMinor: 0).validated(at: "records[0]") } == "missing_field")
        #expect(code { try UsageRecordInput(partyId: id(1), date: day, destination: "Germany", minutes: 3, costMinor: 0).validated(at: "records[0]") }
                == "invalid_country")
        #expect(code { try UsageRecordInput(partyId: id(1), date: day, destination: "D1", minutes: 3, costMinor: 0).validated(at: "records[0]") }
                == "invalid_country")
        #expect(code { try UsageRecordInput(partyId: id(1), date: day, destination: "DE", minutes: 3, costMinor: 10_000_000_000).validated(at: "records[0]") }
                == "out_of_range")
        #expect(code { try TariffRate(destination: "DE", perMinuteMinor: 1_000_000_000_000).validated(at: "rates[0]") } == "out_of_range")
    }

    // MARK: Campaigns

    @Test func theControlGroupHoldsTheSameShareOfEveryValueTier() {
        let members = (0..<1_000).map { (partyId: id($0), stratum: $0 < 100 ? "gold" : "bronze") }
        let arms = ControlGroup.assign(members, controlPercent: 20, seed: 7)
        let control = members.filter { arms[$0.partyId] == .control }
        #expect(control.filter { $0.stratum == "gold" }.count == 20 && control.filter { $0.stratum == "bronze" }.count == 180)
        #expect(ControlGroup.assign(members, controlPercent: 20, seed: 7) == arms)
        #expect(ControlGroup.assign(members, controlPercent: 20, seed: 8) != arms)
        #expect(ControlGroup.assign(members, controlPercent: 0, seed: 7).values.allSatisfy { $0 == .target })
        // Small tiers: 1 gold, 2 bronze, 1 silver at 20 %: no tier's share reaches a whole member, yet the group holds 1 of 4.
        let few = [(partyId: id(1), stratum: "gold"), (partyId: id(2), stratum: "bronze"), (partyId: id(3), stratum: "bronze"),
                   (partyId: id(4), stratum: "silver")]
        let small = ControlGroup.assign(few, controlPercent: 20, seed: 1)
        #expect(small.values.filter { $0 == .control }.count == 1)
        // The largest remainder (bronze: 0.4) gives it.
        #expect(small[id(2)] == .control || small[id(3)] == .control)
    }

    @Test func aboutTheConfiguredShareOfCallsIsSampledForReviewAndTheDrawIsStable() {
        var rng = SplitMix64(seed: 3)
        let ids = (0..<10_000).map { _ in UUID(uuid: withUnsafeBytes(of: (rng.next(), rng.next())) { $0.load(as: uuid_t.self) }) }
        let share = Double(ids.filter { ControlGroup.sampled($0, percent: 25) }.count) / 10_000
        #expect(share > 0.23 && share < 0.27)
        #expect(ids.prefix(100).map { ControlGroup.sampled($0, percent: 25) } == ids.prefix(100).map { ControlGroup.sampled($0, percent: 25) })
        #expect(!ids.contains { ControlGroup.sampled($0, percent: 0) })
    }

    @Test func upliftComesWithANinetyFivePercentInterval() throws {
        // 12 % of 1 000 bought in the target, 8 % of 250 in the control: +4 points, SE = √(.12·.88/1000 + .08·.92/250) = 0.02.
        let e = CampaignEffect(targetSize: 1_000, targetResponders: 120, controlSize: 250, controlResponders: 20)
        let uplift = try #require(e.uplift), low = try #require(e.upliftLow), high = try #require(e.upliftHigh)
        #expect(abs(uplift - 0.04) < 1e-12)
        #expect(abs(low - 0.0008) < 1e-9 && abs(high - 0.0792) < 1e-9)
        #expect(e.significant)
        let flat = CampaignEffect(targetSize: 100, targetResponders: 10, controlSize: 100, controlResponders: 9)
        #expect(!flat.significant)
        #expect(CampaignEffect(targetSize: 10, targetResponders: 1, controlSize: 0, controlResponders: 0).uplift == nil)
    }

    @Test func aCampaignNeedsAControlShareOfAtMostHalfAndMessagesThatFit() {
        let segment = id(9)
        #expect(code { try CampaignInput(key: "x", name: "X", segment: "s", controlPercent: 60).make(id: id(1), segmentId: segment, offerId: nil, now: now) }
                == "control_share_out_of_range")
        #expect(code { try CampaignInput(key: "x", name: "X", segment: "s", controlPercent: -1).make(id: id(1), segmentId: segment, offerId: nil, now: now) }
                == "control_share_out_of_range")
        #expect(code { try CampaignInput(key: "x", name: "X", segment: "s", channel: .sms, body: "Hi {{party.shoe_size}}")
            .make(id: id(1), segmentId: segment, offerId: nil, now: now) } == "unknown_template_variable")
        #expect(code { try CampaignInput(key: "x", name: "X", segment: "s", channel: .email, body: "Hello")
            .make(id: id(1), segmentId: segment, offerId: nil, now: now) } == "missing_field")
        let ok = try? CampaignInput(key: "x", name: "X", segment: "s", channel: .sms, controlPercent: 50, body: "{{party.greeting}}, -20 % today")
            .make(id: id(1), segmentId: segment, offerId: nil, now: now)
        #expect(ok?.status == .draft && ok?.controlPercent == 50)
    }

    @Test func aReviewScoresEveryCriterionOfTheScorecard() throws {
        let card = ScoreCriterion.standard   // maxima 2, 3, 3, 2
        let r = try QAReview.score(["greeting": 2, "script": 2, "accuracy": 2, "outcome": 2], card: card, passPercent: 80)
        #expect(r.percent == 80 && r.passed)
        #expect(try QAReview.score(["greeting": 2, "script": 2, "accuracy": 1, "outcome": 2], card: card, passPercent: 80).passed == false)
        #expect(code { try QAReview.score(["greeting": 2, "script": 2, "accuracy": 2], card: card, passPercent: 80) } == "missing_field")
        #expect(code { try QAReview.score(["greeting": 3, "script": 2, "accuracy": 2, "outcome": 2], card: card, passPercent: 80) } == "out_of_range")
        #expect(code { try QAReview.score(["greeting": 2, "script": 2, "accuracy": 2, "outcome": 2, "smile": 1], card: card, passPercent: 80) }
                == "unknown_criterion")
    }

    // MARK: Offers

    @Test func offersRankByBenefitThenPriority() throws {
        func offer(_ key: String, priority: Int) throws -> Offer {
            try OfferInput(key: key, name: key, kind: .product, benefitMinor: 1, priority: priority).make(id: UUID(), now: now)
        }
        let a = RankedOffer(offer: try offer("a", priority: 0), benefitMinor: 5_000, reason: "", reasonRu: "")
        let b = RankedOffer(offer: try offer("b", priority: 9), benefitMinor: nil, reason: "", reasonRu: "")
        let c = RankedOffer(offer: try offer("c", priority: 0), benefitMinor: 9_000, reason: "", reasonRu: "")
        let d = RankedOffer(offer: try offer("d", priority: 1), benefitMinor: nil, reason: "", reasonRu: "")
        #expect(RankedOffer.ranked([a, b, c, d]).map(\.key) == ["c", "a", "b", "d"])
        #expect(code { try OfferInput(key: "t", name: "T", kind: .tariffSaving).make(id: UUID(), now: now) } == "missing_field")
        #expect(code { try OfferInput(key: "t", name: "T", kind: .lifeEvent, age: 200).make(id: UUID(), now: now) } == "out_of_range")
    }
}

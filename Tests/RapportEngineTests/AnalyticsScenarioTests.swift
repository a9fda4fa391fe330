import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

/// The brief's scenarios S1 (suggestion), S2, S7 and S11 on the demo data set, on every storage
/// engine: value ranking and tiers, segments, clusters, offers with their benefit, campaigns.
@Suite struct AnalyticsScenarioTests {
    func withDemo(_ engine: TestEngine, _ body: @Sendable (Services, FixedClock) async throws -> Void) async throws {
        try await withTestDatabase(engine) { db in
            let clock = FixedClock(IdentificationScenarioTests.now)
            let services = Services(database: db, clock: clock, normalizer: IdentityNormalizer())
            _ = try await DemoDataSet(services: services).load()
            try await body(services, clock)
        }
    }

    func party(_ services: Services, _ kind: IdentityKind, _ address: String) async throws -> UUID {
        try #require(try await services.parties.owner(of: kind, address: address)).partyId
    }

    func errorCode(_ body: () async throws -> Any) async -> String? {
        do { _ = try await body(); return nil } catch let e as RapportError { return e.code } catch { return "\(error)" }
    }

    @Test(arguments: TestEngine.available)
    func s7CustomersRankByPastMarginAndTheTierRoutingReadsFollowsTheComputation(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let ivan = try await party(services, .phone, DemoDataSet.ivanPhone)
            let org = try await party(services, .email, "office@sever-veter.example.ru")
            let elena = try await party(services, .email, "e.ivanova@sever-veter.example.ru")
            let anna = try await party(services, .email, "anna.sokolova@example.ru")
            let top = try await services.analytics.ranking(tier: nil, limit: 3, offset: 0)
            // The organisation paid 6 × 300 000 ₽ (+30 000 ₽) in the year, Ivan 12 × 45 000 ₽: 25 % margin assumed on each.
            #expect(top.map(\.value.partyId) == [org, ivan, try await party(services, .email, "s.orlov@example.com")])
            #expect(top[0].value.actualMinor == 45_750_000 && top[1].value.actualMinor == 13_500_000)
            #expect(top[0].value.tier == "platinum" && top[1].value.tier == "gold")
            // The contact person is served at her organisation's tier; the card shows the value.
            #expect(try await services.parties.get(elena).party.valueTier == "platinum")
            let card = try await services.cards.card(ivan)
            #expect(card.value?.rank == 2 && card.value?.tier == "gold" && card.party.valueTier == "gold")
            // Anna orders big (margin recorded): on demand the ranking moves her to the top and her stored tier with it.
            _ = try await services.commerce.createOrder(OrderInput(number: "FL-77777", partyId: anna, status: .confirmed, placedAt: clock.now(),
                                                                   lines: [OrderLine(itemId: nil, description: "Wedding flowers", quantity: 1,
                                                                                     unitPriceMinor: 90_000_000)], marginMinor: 60_000_000))
            let run = try await services.analytics.recomputeValues()
            #expect(run.cause == "on_demand" && run.tiers.first?.tier == "platinum")
            #expect(try await services.analytics.value(of: anna)?.rank == 1)
            #expect(try await services.parties.get(anna).party.valueTier == "platinum")
            // The tier counts add up to every live party.
            let tiers = try await services.analytics.tierCounts()
            #expect(tiers.map(\.tier) == ["platinum", "gold", "silver", "bronze"] && tiers.reduce(0) { $0 + $1.parties } == run.parties)
            #expect(try await services.analytics.valuesDue() == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func segmentsCountLiveAndAgreeWithTheirMemberLists(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            func count(_ conditions: [SegmentCondition], match: SegmentMatch = .all) async throws -> Int {
                try await services.analytics.count(SegmentDefinition(match: match, conditions: conditions))
            }
            let live = try await count([])
            // Ivan and Anna (by e-mail), Olga and Dmitry agreed to marketing; Sergey agreed and withdrew.
            #expect(try await services.analytics.count(try await services.analytics.segment("marketing-ok").definition) == 4)
            #expect(try await count([SegmentCondition(field: "consent.marketing", op: .eq, value: .bool(false))]) == live - 4)
            #expect(try await count([SegmentCondition(field: "consent.marketing", op: .eq, value: .bool(true), channel: "sms")]) == 2)
            #expect(try await count([SegmentCondition(field: "party.value_tier", op: .in, values: ["gold", "platinum"])]) == 3)
            // Anna: four orders (three bouquets and the S3 flowers); within 100 days: two.
            #expect(try await count([SegmentCondition(field: "orders.count", op: .gte, value: .number(4))]) == 1)
            #expect(try await count([SegmentCondition(field: "orders.count", op: .eq, value: .number(2), withinDays: 100),
                                     SegmentCondition(field: "party.language", op: .eq, value: .string("ru"))]) == 1)
            // Nobody without orders is lost when zero matches: everyone but Anna and Sergey has fewer than 1 order.
            #expect(try await count([SegmentCondition(field: "orders.count", op: .lt, value: .number(1))]) == live - 2)
            #expect(try await count([SegmentCondition(field: "fact.children_count", op: .gte, value: .number(1))]) == 1)
            #expect(try await count([SegmentCondition(field: "fact.employer", op: .exists)]) == 1)
            // Ivan was born in 1980; his son turns 17 in three days and is 16 today.
            #expect(try await count([SegmentCondition(field: "party.age", op: .gte, value: .number(17))]) == 1)
            #expect(try await count([SegmentCondition(field: "party.age", op: .eq, value: .number(16))]) == 1)
            #expect(try await count([SegmentCondition(field: "interactions.count", op: .gte, value: .number(1), channel: "fax")]) == 1)
            #expect(try await count([SegmentCondition(field: "requests.open", op: .gte, value: .number(1))]) == 1)
            #expect(try await count([SegmentCondition(field: "value.actual_minor", op: .gt, value: .number(10_000_000))]) == 2)
            // The organisation, Ivan, Sergey and Anna have value (Elena has her organisation's tier, no value of her own): zero matches the rest.
            #expect(try await count([SegmentCondition(field: "value.actual_minor", op: .eq, value: .number(0))]) == live - 4)
            #expect(try await count([SegmentCondition(field: "value.rank", op: .lte, value: .number(2))]) == 2)
            #expect(try await count([SegmentCondition(field: "party.kind", op: .eq, value: .string("organisation")),
                                     SegmentCondition(field: "fact.children_count", op: .exists)], match: .any) == 2)
            let members = try await services.analytics.members("marketing-ok", after: nil, limit: 100)
            #expect(Set(members.map(\.partyId)) == Set([try await party(services, .phone, DemoDataSet.ivanPhone),
                                                         try await party(services, .email, "anna.sokolova@example.ru"),
                                                         try await party(services, .phone, "+7 903 555 01 01"),
                                                         try await party(services, .phone, "+7 903 555 02 02")]))
            #expect(await errorCode { try await services.analytics.createSegment(SegmentInput(key: "bad", name: "Bad",
                conditions: [SegmentCondition(field: "party.shoe_size", op: .eq, value: .string("42"))])) } == "unknown_segment_field")
            #expect(await errorCode { try await services.analytics.segment("bad") } == "segment_not_found")
        }
    }

    @Test(arguments: TestEngine.available)
    func clustersCoverEveryLivePartyAndListTheirMembers(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            let run = try await services.analytics.cluster(k: 3)
            #expect(run.profiles.count == 3 && run.profiles.reduce(0) { $0 + $1.parties } == run.parties)
            #expect(run.parties == (try await services.analytics.count(SegmentDefinition(conditions: []))))
            for p in run.profiles {
                #expect(try await services.analytics.clusterMembers(run: nil, cluster: p.cluster, after: nil, limit: 1_000).count == p.parties)
                #expect(!p.label.isEmpty && !p.labelRu.isEmpty)
            }
            // A segment may name the latest clustering.
            #expect(try await services.analytics.count(SegmentDefinition(conditions: [SegmentCondition(field: "cluster.latest", op: .eq,
                                                                                                         value: .number(0))])) == run.profiles[0].parties)
            #expect(await errorCode { try await services.analytics.cluster(k: 1) } == "out_of_range")
        }
    }

    @Test(arguments: TestEngine.available)
    func s1TheCardSuggestsTheEducationLoanAndAWithdrawalStopsOffersAtOnce(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            let ivan = try await party(services, .phone, "8 (916) 123-45-67")
            let card = try await services.cards.card(ivan)
            let loan = try #require(card.offers.first { $0.key == "education-loan" })
            #expect(loan.reason == "Алексей turns 17 on 2026-11-30" && loan.eventDate?.description == "2026-11-30")
            // Ivan is gold, so the premium card is eligible too, and its money benefit ranks it first.
            #expect(card.offers.map(\.key) == ["premium-card", "education-loan"])
            // Presented and accepted on the phone: both on the trail, and in the acceptance rate.
            _ = try await services.offers.respond(party: ivan, OfferResponseInput(offerKey: "education-loan", response: .presented), agent: "irina")
            clock.advance(by: 60)
            let accepted = try await services.offers.respond(party: ivan, OfferResponseInput(offerKey: "education-loan", response: .accepted), agent: "irina")
            let timeline = try await services.interactions.timeline(partyId: ivan, channels: [], page: try PageRequest(limit: 5))
            #expect(timeline.items.first?.id == accepted.interactionId && timeline.items.first?.outcome == "offer_accepted")
            let rate = try #require(try await services.offers.acceptance(from: nil, to: nil).first { $0.key == "education-loan" })
            #expect(rate.presented == 1 && rate.accepted == 1 && rate.customers == 1 && rate.acceptanceRate == 1)
            // Answered offers are not offered again for a while.
            #expect(!(try await services.offers.ranked(for: ivan)).contains { $0.key == "education-loan" })
            // Withdrawing marketing consent stops every offer at once.
            _ = try await services.profile.recordConsent(partyId: ivan, ConsentInput(purpose: "marketing", channel: .email, granted: false, source: .agent))
            #expect(try await services.cards.card(ivan).offers.isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func s2TheStatementProposesTheCheaperTariffOnlyWhereItSavesEnoughAndTheCustomerAgreed(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            let olga = try await party(services, .phone, "+7 903 555 01 01"), dmitry = try await party(services, .phone, "+7 903 555 02 02")
            let emily = try await party(services, .phone, "+44 7700 900123")
            // Paid on Basic over August–October: 3 × (350 ₽ + 6 calls × 10 min × 45 ₽) = 9 150 ₽; World: 3 × (790 ₽ + 60 min × 9 ₽) = 3 990 ₽.
            let savings = try await services.offers.tariffSavings("tariff-advice")
            #expect(savings.map(\.partyId) == [olga])   // Emily would save too, but never agreed to offers; Dmitry is best where he is
            #expect(savings.first?.sku == "TEL-WORLD" && savings.first?.savingMinor == 516_000 && savings.first?.monthlySavingMinor == 172_000)
            let statement = try await services.offers.statement(party: olga, month: "2026-10")
            #expect(statement.tariff == "Tariff Basic / Тариф «Базовый»" && statement.feeMinor == 35_000 && statement.chargesMinor == 270_000)
            #expect(statement.lines.map(\.destination).sorted() == ["DE", "RU"] && statement.totalMinor == 305_000)
            #expect(statement.proposal?.sku == "TEL-WORLD" && statement.proposal?.savingMinor == 516_000)
            #expect(try await services.offers.statement(party: dmitry, month: "2026-10").proposal == nil)
            #expect(try await services.offers.statement(party: emily, month: "2026-10").proposal == nil)
            // On the card, with the reason an agent can read out.
            let offer = try #require(try await services.cards.card(olga).offers.first { $0.key == "tariff-advice" })
            #expect(offer.benefitMinor == 516_000 && offer.reason == "Tariff World / Тариф «Мир» would have cost 5160.00 RUB less over the last 3 months")
            // Bad usage records change nothing: negative minutes, unknown customers.
            let before = try await services.offers.statement(party: olga, month: "2026-11").lines.count
            let day = try CivilDate(year: 2026, month: 11, day: 2)
            #expect(await errorCode { try await services.offers.importUsage([
                UsageRecordInput(partyId: olga, date: day, destination: "DE", minutes: 5, costMinor: 22_500),
                UsageRecordInput(phone: "+7 999 000 00 00", date: day, destination: "DE", minutes: 5, costMinor: 22_500)]) } == "unknown_customer")
            #expect(await errorCode { try await services.offers.importUsage([
                UsageRecordInput(partyId: olga, date: day, destination: "DE", minutes: -5, costMinor: 0)]) } == "negative_minutes")
            #expect(try await services.offers.statement(party: olga, month: "2026-11").lines.count == before)
            // A phone number in the switch's format finds the customer; a repeated record id is skipped.
            let imported = try await services.offers.importUsage([
                UsageRecordInput(phone: "8 (903) 555-01-01", externalId: "cdr-x-1", date: day, destination: "DE", minutes: 2.5, costMinor: 13_500),
                UsageRecordInput(phone: "8 (903) 555-01-01", externalId: "cdr-x-1", date: day, destination: "DE", minutes: 2.5, costMinor: 13_500)])
            #expect(imported.imported == 1 && imported.skipped == 1)
            #expect(try await services.offers.statement(party: olga, month: "2026-11").lines.first?.minutes == 3)   // 2.5 min billed as 3 started minutes
        }
    }

    @Test(arguments: TestEngine.available)
    func s11ACampaignHoldsOutAControlGroupIsWorkedByAnOutsideTeamReviewedInHouseAndReportsUplift(engine: TestEngine) async throws {
        try await withDemo(engine) { services, clock in
            // A segment of everyone with a phone-channel contact history, 50 % held out, every outside call reviewed.
            _ = try await services.analytics.createSegment(SegmentInput(key: "everyone", name: "Everyone", conditions: []))
            let draft = try await services.campaigns.create(CampaignInput(key: "spring", name: "Spring", segment: "everyone", controlPercent: 50, qaPercent: 100))
            let campaign = try await services.campaigns.launch(draft.id)
            #expect(campaign.status == .launched && campaign.targetSize + campaign.controlSize == campaign.size)
            // Stratified by tier: within every tier, half (rounded) is held out.
            #expect(abs(campaign.targetSize - campaign.controlSize) <= 4)
            #expect(await errorCode { try await services.campaigns.launch(draft.id) } == "campaign_not_draft")
            let outside = Principal(kind: .user, id: UUID(), role: .outsideAgent, capabilities: AccessPolicy.capabilities(of: .outsideAgent),
                                    campaignId: campaign.id)
            let list = try await services.access.callingList(for: outside, campaign: nil, limit: 500)
            #expect(list.count == campaign.targetSize)
            // Calls on the list; the control group is never called.
            var called: [UUID] = []
            for entry in list.prefix(3) {
                let r = try await services.campaigns.recordCall(campaign.id, party: entry.partyId, outcome: "interested", summary: "Liked the offer",
                                                                principal: outside)
                #expect(r.sampledForReview && r.interaction.campaignId == campaign.id)
                called.append(entry.partyId)
            }
            let live = try await services.analytics.members("everyone", after: nil, limit: 1_000).map(\.partyId)
            let control = Set(live).subtracting(list.map(\.partyId))
            #expect(await errorCode { try await services.campaigns.recordCall(campaign.id, party: control.first!, outcome: "interested", summary: nil,
                                                                              principal: outside) } == "control_group_member")
            #expect(await errorCode { try await services.campaigns.recordCall(campaign.id, party: called[0], outcome: "maybe", summary: nil,
                                                                              principal: outside) } == "unknown_outcome")
            // The in-house reviewer scores the sampled calls.
            // A second call to a sampled customer does not take the first out of the reviewer's queue.
            _ = try await services.campaigns.recordCall(campaign.id, party: called[2], outcome: "call_back", summary: nil,
                                                        principal: Principal(kind: .user, id: UUID(), role: .agent,
                                                                             capabilities: AccessPolicy.capabilities(of: .agent)))
            let queue = try await services.campaigns.qaQueue(campaign.id, limit: 10)
            #expect(queue.count == 3 && queue.contains { $0.partyId == called[2] && $0.outcome == "call_back" })
            let review = try await services.campaigns.review(campaign.id, interaction: queue[0].interactionId,
                                                             scores: ["greeting": 2, "script": 3, "accuracy": 2, "outcome": 2], comment: nil, reviewer: "qa")
            #expect(review.passed && review.scorePercent == 90)
            #expect(await errorCode { try await services.campaigns.review(campaign.id, interaction: queue[0].interactionId,
                scores: ["greeting": 2, "script": 3, "accuracy": 2, "outcome": 2], comment: nil, reviewer: "qa") } == "already_reviewed")
            #expect(try await services.campaigns.qaQueue(campaign.id, limit: 10).count == 2)
            // Two of the called customers buy within the window, one control member too.
            clock.advance(by: 86_400)
            for (n, p) in [called[0], called[1], control.first!].enumerated() {
                _ = try await services.commerce.createOrder(OrderInput(number: "SPR-\(n)", partyId: p, placedAt: clock.now(),
                                                                       lines: [OrderLine(itemId: nil, description: "Card", quantity: 1, unitPriceMinor: 100_000)]))
            }
            let report = try await services.campaigns.effect(campaign.id)
            #expect(report.purchases.targetSize == campaign.targetSize && report.purchases.targetResponders == 2)
            #expect(report.purchases.controlSize == campaign.controlSize && report.purchases.controlResponders == 1)
            let expected = 2.0 / Double(campaign.targetSize) - 1.0 / Double(campaign.controlSize)
            #expect(abs((report.purchases.uplift ?? 0) - expected) < 1e-12 && (report.purchases.upliftLow ?? 1) < expected)
            // Latest outcomes: two interested, one asked to call back.
            #expect(report.callResponses?.targetResponders == 2 && report.reviewed == 1 && report.reviewsPassed == 1)
            // An empty target is refused, and so is a control group above half.
            _ = try await services.analytics.createSegment(SegmentInput(key: "nobody", name: "Nobody",
                conditions: [SegmentCondition(field: "party.age", op: .gt, value: .number(150))]))
            #expect(await errorCode { try await services.campaigns.create(CampaignInput(key: "void", name: "Void", segment: "nobody")) } == "empty_target")
            #expect(await errorCode { try await services.campaigns.create(CampaignInput(key: "big", name: "Big", segment: "everyone", controlPercent: 51)) }
                    == "control_share_out_of_range")
            #expect(try await services.access.campaigns().contains { $0.key == "void" } == false)
        }
    }

    @Test(arguments: TestEngine.available)
    func anEmailCampaignQueuesItsTargetArmThroughTheOutboxWithMarketingConsentOnly(engine: TestEngine) async throws {
        try await withDemo(engine) { services, _ in
            let draft = try await services.campaigns.create(CampaignInput(key: "newsletter", name: "Newsletter", segment: "marketing-ok", channel: .email,
                                                                          controlPercent: 0, subject: "Winter news", subjectRu: "Зимние новости",
                                                                          body: "{{party.greeting}}, our winter offers are here.",
                                                                          bodyRu: "{{party.greeting}}, зимние предложения уже здесь."))
            _ = try await services.campaigns.launch(draft.id)
            let ivan = try await party(services, .phone, DemoDataSet.ivanPhone), olga = try await party(services, .phone, "+7 903 555 01 01")
            let toIvan = try await services.proactive.messages(MessageQuery(partyId: ivan, page: try PageRequest(limit: 50))).items
                .filter { $0.ruleKey == "campaign.newsletter" }
            #expect(toIvan.count == 1 && toIvan.first?.status == .queued && toIvan.first?.channel == .email)
            #expect(toIvan.first?.body == "Иван Сергеевич, зимние предложения уже здесь." && toIvan.first?.subject == "Зимние новости")
            // Olga agreed to marketing but has no e-mail address: decided and suppressed, with the reason.
            let toOlga = try await services.proactive.messages(MessageQuery(partyId: olga, page: try PageRequest(limit: 50))).items
                .filter { $0.ruleKey == "campaign.newsletter" }
            #expect(toOlga.count == 1 && toOlga.first?.status == .suppressed && toOlga.first?.reason == "no_address")
        }
    }
}

import Foundation
import RapportCore
import RapportStorage

/// Measured campaigns (S11): a segment split into target and a held-out control group stratified
/// by value tier, calls worked by agents (or an outside team), a reviewer's sample, and the uplift.
public struct CampaignService: Sendable {
    let store: CampaignStore
    let analytics: AnalyticsService
    let offers: OfferService
    let clock: any Clock
    let timeZone: TimeZone

    init(store: CampaignStore, analytics: AnalyticsService, offers: OfferService, clock: any Clock, timeZone: TimeZone) {
        self.store = store; self.analytics = analytics; self.offers = offers; self.clock = clock; self.timeZone = timeZone
    }

    /// A draft campaign over a segment that has members now.
    public func create(_ input: CampaignInput) async throws -> Campaign {
        let segment = try await analytics.segment(try Validate.text(input.segment, "segment", max: 100))
        let offerId = try await input.offer.asyncMap { try await offers.offer($0).id }
        let now = clock.now()
        let campaign = try input.make(id: .timeOrdered(at: now), segmentId: segment.id, offerId: offerId, now: now)
        guard try await analytics.count(segment.definition) > 0 else {
            throw RapportError(.invalid, code: "empty_target", message: "segment \(segment.key) has no members", messageRu: "в сегменте \(segment.key) никого нет")
        }
        return try await store.create(campaign)
    }

    public func campaign(_ id: UUID) async throws -> Campaign {
        guard let c = try await store.campaign(id) else { throw RapportError.notFound("campaign", id.uuidString.lowercased()) }
        return c
    }

    public func launch(_ id: UUID) async throws -> Campaign {
        let c = try await campaign(id)
        let seed = withUnsafeBytes(of: c.id.uuid) { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        let percent = c.controlPercent
        let now = clock.now()
        var message: (ProactiveRule, TimeZone)? = nil
        if c.channel != .callList, let key = c.key, let d = c.definition { message = (try d.messageRule(key: key, channel: c.channel, now: now), timeZone) }
        return try await store.launch(id, now: now, message: message) { members in ControlGroup.assign(members, controlPercent: percent, seed: seed) }
    }

    public func close(_ id: UUID) async throws -> Campaign { try await store.close(id, now: clock.now()) }

    /// An agent's call on the list: the outcome (one of the campaign's), on the trail; calls by
    /// outside agents go to the reviewer's sample at the campaign's share.
    public func recordCall(_ id: UUID, party: UUID, outcome: String?, summary: String?, principal: Principal) async throws -> CallRecorded {
        let c = try await campaign(id)
        guard c.status == .launched else {
            throw RapportError(.conflict, code: "campaign_not_launched", message: "calls are recorded on a launched campaign", messageRu: "звонки записываются только в запущенной кампании")
        }
        let outcome = try Validate.text(outcome, "outcome", max: 100)
        let definition = c.definition ?? CampaignDefinition()
        guard definition.outcomes.contains(where: { $0.code == outcome }) else {
            let allowed = definition.outcomes.map(\.code).joined(separator: ", ")
            throw RapportError.invalidField("outcome", code: "unknown_outcome", "use one of: \(allowed)", "допустимые итоги: \(allowed)")
        }
        let now = clock.now()
        let entry = Interaction(id: .timeOrdered(at: now), partyId: party, channel: .phone, direction: .outbound, occurredAt: now,
                                agent: principal.id.text(lowercase: true), subject: "Campaign call: \(c.name)", summary: try Validate.optionalText(summary, "summary", max: 4000),
                                outcome: outcome, campaignId: c.id, createdAt: now)
        let sampled = principal.role == .outsideAgent && ControlGroup.sampled(entry.id, percent: c.qaPercent)
        try await store.recordCall(campaign: c.id, entry: entry, outcome: outcome, sampled: sampled)
        return CallRecorded(interaction: entry, sampledForReview: sampled)
    }

    public func qaQueue(_ id: UUID, limit: Int) async throws -> [QASample] {
        _ = try await campaign(id)
        return try await store.qaQueue(campaign: id, limit: limit)
    }

    public func review(_ id: UUID, interaction: UUID, scores: [String: Int]?, comment: String?, reviewer: String) async throws -> QAReview {
        let c = try await campaign(id)
        let definition = c.definition ?? CampaignDefinition()
        let (percent, passed) = try QAReview.score(try Validate.required(scores, "scores"), card: definition.scorecard, passPercent: definition.qaPassPercent)
        let queue = try await store.qaQueue(campaign: id, limit: 100_000)
        guard let sample = queue.first(where: { $0.interactionId == interaction }) else {
            let reviewed = try await store.reviews(campaign: id).contains { $0.interactionId == interaction }
            throw reviewed ? RapportError(.conflict, code: "already_reviewed", message: "this call has been reviewed", messageRu: "этот звонок уже проверен")
                : RapportError(.notFound, code: "call_not_sampled", message: "this call is not in the campaign's review sample", messageRu: "этого звонка нет в выборке на проверку")
        }
        let now = clock.now()
        return try await store.review(QAReview(id: .timeOrdered(at: now), campaignId: id, partyId: sample.partyId, interactionId: interaction,
                                               reviewer: reviewer, scores: scores!, scorePercent: percent, passed: passed,
                                               comment: try Validate.optionalText(comment, "comment", max: 4000), createdAt: now))
    }

    public func reviews(_ id: UUID) async throws -> [QAReview] { try await store.reviews(campaign: try await campaign(id).id) }

    /// Purchases of target vs control within the response window after launch, and the call response rate.
    public func effect(_ id: UUID) async throws -> CampaignReport {
        let c = try await campaign(id)
        let positive = (c.definition ?? CampaignDefinition()).outcomes.filter(\.positive).map(\.code)
        let (purchase, response) = try await store.effect(c, positiveOutcomes: positive, until: clock.now())
        let reviews = try await store.reviews(campaign: id)
        return CampaignReport(campaign: c, purchases: purchase, callResponses: response, reviewed: reviews.count,
                              reviewsPassed: reviews.filter(\.passed).count)
    }
}

public struct CallRecorded: Codable, Sendable {
    public var interaction: Interaction
    public var sampledForReview: Bool
}

public struct CampaignReport: Codable, Sendable {
    public var campaign: Campaign
    /// Share of each arm that bought within the window, and the uplift with its 95 % interval.
    public var purchases: CampaignEffect
    /// Share of the target arm whose call ended with a positive outcome (call lists only).
    public var callResponses: CampaignEffect?
    public var reviewed: Int
    public var reviewsPassed: Int
}

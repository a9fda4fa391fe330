import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Value ranking, segments, clusters, offers, tariffs and usage, measured campaigns.
struct AnalyticsController {
    let services: Services

    struct ClusterBody: Decodable { var k: Int?; var windowDays: Int?; var features: [ClusterFeature]? }
    struct RatesBody: Decodable { var rates: [TariffRate]? }
    struct UsageBody: Decodable { var records: [UsageRecordInput]? }
    struct ImportAnswer: Encodable { var imported: Int; var skipped: Int }
    struct CountAnswer: Encodable { var count: Int }
    struct CallBody: Decodable { var partyId: UUID?; var outcome: String?; var summary: String? }
    struct ReviewBody: Decodable { var scores: [String: Int]?; var comment: String? }
    struct TiersAnswer: Encodable { var tiers: [TierCount]; var lastRun: ValueRun? }

    func limit(_ request: Request, max: Int = 1000, default value: Int = 100) throws -> Int {
        let n = try request.intQuery("limit") ?? value
        guard (1...max).contains(n) else {
            throw RapportError.invalidField("limit", code: "invalid_limit", "must be between 1 and \(max)", "должно быть от 1 до \(max)")
        }
        return n
    }

    static func membersCSV(_ members: [SegmentMember], filename: String) -> Response {
        CSV.response(["party_id,display_name,language,value_tier,phone,email"] + members.map { m in
            [m.partyId.uuidString.lowercased(), m.displayName, m.language ?? "", m.valueTier ?? "", m.phone ?? "", m.email ?? ""].map(CSV.field)
                .joined(separator: ",")
        }, filename: filename)
    }

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        let analytics = services.analytics, offers = services.offers, campaigns = services.campaigns
        // Value
        group.get("value/settings") { _, _ in try APIJSON.response(try await analytics.valueSettings()) }
        group.put("value/settings") { request, _ in
            try APIJSON.response(try await analytics.setValueSettings(try await request.decodeJSON(ValueSettings.self)))
        }
        group.post("value/recompute") { _, _ in try APIJSON.response(try await analytics.recomputeValues()) }
        group.get("value/tiers") { _, _ in
            try APIJSON.response(TiersAnswer(tiers: try await analytics.tierCounts(), lastRun: try await analytics.lastValueRun()))
        }
        group.get("value/ranking") { request, _ in
            try APIJSON.response(ListBody(items: try await analytics.ranking(tier: request.query("tier"), limit: try limit(request),
                                                                               offset: try request.intQuery("offset") ?? 0)))
        }
        // Segments
        group.get("segments") { _, _ in try APIJSON.response(ListBody(items: try await analytics.segments())) }
        group.post("segments") { request, _ in
            try APIJSON.response(try await analytics.createSegment(try await request.decodeJSON(SegmentInput.self)), status: .created)
        }
        group.post("segments/count") { request, _ in
            let d = try await request.decodeJSON(SegmentDefinitionBody.self)
            return try APIJSON.response(CountAnswer(count: try await analytics.count(SegmentDefinition(match: d.match ?? .all,
                                                                                                        conditions: try Validate.required(d.conditions, "conditions")),
                                                                                      onReplica: true)))
        }
        group.get("segments/:key") { _, context in try APIJSON.response(try await analytics.segment(try context.parameters.require("key"))) }
        group.patch("segments/:key") { request, context in
            try APIJSON.response(try await analytics.updateSegment(try context.parameters.require("key"), try await request.decodeJSON(SegmentInput.self)))
        }
        group.get("segments/:key/count") { _, context in
            let s = try await analytics.segment(try context.parameters.require("key"))
            return try APIJSON.response(CountAnswer(count: try await analytics.count(s.definition, onReplica: true)))
        }
        group.get("segments/:key/members") { request, context in
            let key = try context.parameters.require("key")
            let members = try await analytics.members(key, after: try request.uuidQuery("after"), limit: try limit(request, max: 100_000))
            if request.query("format") == "csv" { return Self.membersCSV(members, filename: "segment-\(key).csv") }
            return try APIJSON.response(ListBody(items: members))
        }
        // Clusters
        group.post("clusters") { request, _ in
            let b = try await request.decodeJSON(ClusterBody.self)
            return try APIJSON.response(try await analytics.cluster(k: b.k ?? 4, windowDays: b.windowDays ?? 365,
                                                                    features: b.features ?? ClusterFeature.allCases), status: .created)
        }
        group.get("clusters/latest") { _, _ in try APIJSON.response(try await analytics.clusterRun(nil)) }
        group.get("clusters/:id") { request, context in
            try APIJSON.response(try await analytics.clusterRun(try request.uuidParameter("id", context: context)))
        }
        group.get("clusters/:id/members") { request, context in
            let id = try request.uuidParameter("id", context: context)
            guard let cluster = try request.intQuery("cluster") else { throw RapportError.missingField("cluster") }
            let members = try await analytics.clusterMembers(run: id, cluster: cluster, after: try request.uuidQuery("after"),
                                                             limit: try limit(request, max: 100_000))
            if request.query("format") == "csv" { return Self.membersCSV(members, filename: "cluster-\(cluster).csv") }
            return try APIJSON.response(ListBody(items: members))
        }
        // Offers
        group.get("offers") { _, _ in try APIJSON.response(ListBody(items: try await offers.offers())) }
        group.post("offers") { request, _ in
            try APIJSON.response(try await offers.create(try await request.decodeJSON(OfferInput.self)), status: .created)
        }
        group.get("offers/acceptance") { request, _ in
            try APIJSON.response(ListBody(items: try await offers.acceptance(from: try request.query("from").map { try CivilDate(parsing: $0, field: "from") },
                                                                             to: try request.query("to").map { try CivilDate(parsing: $0, field: "to") })))
        }
        group.get("offers/:key") { _, context in try APIJSON.response(try await offers.offer(try context.parameters.require("key"))) }
        group.put("offers/:key") { request, context in
            try APIJSON.response(try await offers.replace(try context.parameters.require("key"), try await request.decodeJSON(OfferInput.self)))
        }
        group.get("offers/:key/savings") { request, context in
            let key = try context.parameters.require("key")
            let savings = try await offers.tariffSavings(key)
            if request.query("format") == "csv" {
                return CSV.response(["party_id,tariff_sku,tariff,months,actual_minor,proposed_minor,saving_minor,monthly_saving_minor,currency"] + savings.map { s in
                    [s.partyId.uuidString.lowercased(), s.sku, s.name, String(s.months), String(s.actualMinor), String(s.proposedMinor),
                     String(s.savingMinor), String(s.monthlySavingMinor), s.currency].map(CSV.field).joined(separator: ",")
                }, filename: "tariff-savings-\(key).csv")
            }
            return try APIJSON.response(ListBody(items: savings))
        }
        group.get("parties/:id/offers") { request, context in
            let id = try request.uuidParameter("id", context: context)
            _ = try await services.parties.get(id)   // 404 for an unknown party
            return try APIJSON.response(ListBody(items: try await offers.ranked(for: id)))
        }
        group.post("parties/:id/offer-responses") { request, context in
            let p = try context.acting()
            let party = try request.uuidParameter("id", context: context)
            var input = try await request.decodeJSON(OfferResponseInput.self)
            if p.role == .outsideAgent {
                // An outside agent answers only for customers on their list, and always for their campaign.
                try await services.access.requireOnList(p, party: party)
                input.campaignId = p.campaignId
            }
            return try APIJSON.response(try await offers.respond(party: party, input, agent: "\(p.kind.rawValue):\(p.id.uuidString.lowercased())"),
                                        status: .created)
        }
        group.get("parties/:id/statement") { request, context in
            guard let month = request.query("month") else { throw RapportError.missingField("month") }
            return try APIJSON.response(try await offers.statement(party: try request.uuidParameter("id", context: context), month: month))
        }
        // Tariffs and usage
        group.get("tariffs") { _, _ in try APIJSON.response(ListBody(items: try await offers.plans())) }
        group.put("catalogue/items/:id/rates") { request, context in
            try APIJSON.response(try await offers.setRates(item: try request.uuidParameter("id", context: context),
                                                           rates: try Validate.required(try await request.decodeJSON(RatesBody.self).rates, "rates")))
        }
        group.post("usage-records") { request, _ in
            let r = try await offers.importUsage(try Validate.required(try await request.decodeJSON(UsageBody.self).records, "records"))
            return try APIJSON.response(ImportAnswer(imported: r.imported, skipped: r.skipped), status: .created)
        }
        // Campaigns (creation is on POST /campaigns, shared with plain calling lists)
        group.get("campaigns/:id") { request, context in
            try APIJSON.response(try await campaigns.campaign(try request.uuidParameter("id", context: context)))
        }
        group.post("campaigns/:id/launch") { request, context in
            try APIJSON.response(try await campaigns.launch(try request.uuidParameter("id", context: context)))
        }
        group.post("campaigns/:id/close") { request, context in
            try APIJSON.response(try await campaigns.close(try request.uuidParameter("id", context: context)))
        }
        group.post("campaigns/:id/calls") { request, context in
            let p = try context.acting()
            let id = try request.uuidParameter("id", context: context)
            if p.role == .outsideAgent && p.campaignId != id {
                throw RapportError(.forbidden, code: "not_your_campaign", message: "you may work only your own campaign's list",
                                   messageRu: "можно работать только со списком своей кампании")
            }
            let b = try await request.decodeJSON(CallBody.self)
            return try APIJSON.response(try await campaigns.recordCall(id, party: try Validate.required(b.partyId, "party_id"), outcome: b.outcome,
                                                                       summary: b.summary, principal: p), status: .created)
        }
        group.get("campaigns/:id/qa") { request, context in
            try APIJSON.response(ListBody(items: try await campaigns.qaQueue(try request.uuidParameter("id", context: context), limit: try limit(request))))
        }
        group.get("campaigns/:id/reviews") { request, context in
            try APIJSON.response(ListBody(items: try await campaigns.reviews(try request.uuidParameter("id", context: context))))
        }
        group.post("campaigns/:id/reviews/:interactionId") { request, context in
            let p = try context.acting()
            let b = try await request.decodeJSON(ReviewBody.self)
            return try APIJSON.response(try await campaigns.review(try request.uuidParameter("id", context: context),
                                                                   interaction: try request.uuidParameter("interactionId", context: context),
                                                                   scores: b.scores, comment: b.comment,
                                                                   reviewer: "\(p.kind.rawValue):\(p.id.uuidString.lowercased())"), status: .created)
        }
        group.get("campaigns/:id/effect") { request, context in
            try APIJSON.response(try await campaigns.effect(try request.uuidParameter("id", context: context)))
        }
    }
}

struct SegmentDefinitionBody: Decodable { var match: SegmentMatch?; var conditions: [SegmentCondition]? }

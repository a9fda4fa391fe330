import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RapportCore
import RapportEngine
import RapportServer
import RapportTestSupport
import Testing

/// Value, segments, offers, usage and campaigns over HTTP on the demo data: the answers, the CSV
/// lists, the errors for bad input, and who may do what.
@Suite struct AnalyticsAPITests {
    let api = APITests()

    static func get(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> [String: Any] {
        let r = try await client.execute(uri: uri, method: .get, headers: headers)
        #expect(r.status == .ok, "\(uri) → \(String(buffer: r.body))")
        return try APITests.object(r)
    }

    static func refused(_ client: any TestClientProtocol, _ uri: String, _ json: String, _ code: String,
                        status: HTTPResponse.Status = .badRequest) async throws {
        let r = try await client.execute(uri: uri, method: .post, body: APITests.json(json))
        #expect(r.status == status, "\(json) → \(String(buffer: r.body))")
        #expect(try APITests.errorCode(r) == code, "\(String(buffer: r.body))")
    }

    func party(_ services: Services, _ kind: IdentityKind, _ address: String) async throws -> String {
        try #require(try await services.parties.owner(of: kind, address: address)).partyId.uuidString
    }

    @Test func valueSegmentsAndOffersOverHTTP() async throws {
        try await api.withAPI { client, services in
            _ = try await DemoDataSet(services: services).load()
            let run = try APITests.object(try await client.execute(uri: "/api/v1/value/recompute", method: .post))
            #expect(run["parties"] as? Int ?? 0 > 10 && run["cause"] as? String == "on_demand")
            let ranking = try await Self.get(client, "/api/v1/value/ranking?limit=2")["items"] as? [[String: Any]]
            #expect(ranking?.first?["display_name"] as? String == "ООО «Северный ветер»")
            #expect((ranking?.first?["value"] as? [String: Any])?["tier"] as? String == "platinum")
            let tiers = try await Self.get(client, "/api/v1/value/tiers")["tiers"] as? [[String: Any]]
            #expect(tiers?.map { $0["tier"] as? String } == ["platinum", "gold", "silver", "bronze"])

            // Segments: a bad field is refused and nothing is saved; a good one counts and lists as CSV.
            try await Self.refused(client, "/api/v1/segments",
                                   #"{"key":"bad","name":"Bad","conditions":[{"field":"party.shoe_size","op":"eq","value":"42"}]}"#, "unknown_segment_field")
            #expect((try await Self.get(client, "/api/v1/segments")["items"] as? [Any])?.count == 1)   // the demo's marketing-ok
            _ = try await ProactiveAPITests.created(client, "/api/v1/segments", #"""
                {"key":"gold-up","name":"Gold and above / Золото и выше","conditions":[{"field":"party.value_tier","op":"in","values":["gold","platinum"]}]}
                """#)
            #expect(try await Self.get(client, "/api/v1/segments/gold-up/count")["count"] as? Int == 3)
            let csv = try await client.execute(uri: "/api/v1/segments/gold-up/members?format=csv", method: .get)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = String(buffer: csv.body).split(separator: "\n")
            #expect(lines.first == "party_id,display_name,language,value_tier,phone,email" && lines.count == 4)
            let adHoc = try await client.execute(uri: "/api/v1/segments/count", method: .post,
                                                 body: APITests.json(#"{"conditions":[{"field":"orders.count","op":"gte","value":4}]}"#))
            #expect(try APITests.object(adHoc)["count"] as? Int == 1)
            #expect(try await client.execute(uri: "/api/v1/segments/nope/count", method: .get).status == .notFound)

            // S2 through the statement and the savings list.
            let olga = try await party(services, .phone, "+7 903 555 01 01")
            let statement = try await Self.get(client, "/api/v1/parties/\(olga)/statement?month=2026-10")
            #expect((statement["proposal"] as? [String: Any])?["saving_minor"] as? Int == 516_000)
            let bad = try await client.execute(uri: "/api/v1/parties/\(olga)/statement?month=October", method: .get)
            let badCode = try APITests.errorCode(bad)
            #expect(bad.status == .badRequest && badCode == "invalid_month")
            let savings = String(buffer: try await client.execute(uri: "/api/v1/offers/tariff-advice/savings?format=csv", method: .get).body)
            #expect(savings.split(separator: "\n").count == 2 && savings.contains(",TEL-WORLD,"))
            try await Self.refused(client, "/api/v1/usage-records",
                                   #"{"records":[{"party_id":"\#(olga)","date":"2026-11-02","destination":"DE","minutes":-3,"cost_minor":0}]}"#,
                                   "negative_minutes")
            try await Self.refused(client, "/api/v1/usage-records",
                                   #"{"records":[{"phone":"+7 999 000 00 00","date":"2026-11-02","destination":"DE","minutes":3,"cost_minor":13500}]}"#,
                                   "unknown_customer")

            // S1 through the card, and a response on the trail.
            let ivan = try await party(services, .phone, DemoDataSet.ivanPhone)
            let card = try await Self.get(client, "/api/v1/parties/\(ivan)/card")
            let offers = (card["offers"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
            #expect(offers?.contains("education-loan") == true && (card["value"] as? [String: Any])?["tier"] as? String == "gold")
            _ = try await ProactiveAPITests.created(client, "/api/v1/parties/\(ivan)/offer-responses", #"{"offer_key":"education-loan","response":"accepted"}"#)
            let acceptance = try await Self.get(client, "/api/v1/offers/acceptance")["items"] as? [[String: Any]]
            #expect(acceptance?.first { $0["key"] as? String == "education-loan" }?["accepted"] as? Int == 1)
            try await Self.refused(client, "/api/v1/parties/\(ivan)/offer-responses", #"{"offer_key":"nope","response":"accepted"}"#,
                                   "offer_not_found", status: .notFound)
        }
    }

    @Test func aCampaignIsCreatedLaunchedWorkedByAnOutsideAgentReviewedAndMeasured() async throws {
        try await api.withAPI { client, services in
            _ = try await DemoDataSet(services: services).load()
            _ = try await services.analytics.recomputeValues()
            _ = try await services.analytics.createSegment(SegmentInput(key: "gold-up", name: "Gold and above",
                conditions: [SegmentCondition(field: "party.value_tier", op: .in, values: ["gold", "platinum"])]))
            try await Self.refused(client, "/api/v1/campaigns", #"{"key":"big","name":"Big","segment":"gold-up","control_percent":70}"#,
                                   "control_share_out_of_range")
            let draft = try await ProactiveAPITests.created(client, "/api/v1/campaigns",
                                                            #"{"key":"gold-call","name":"Gold call","segment":"gold-up","control_percent":0,"qa_percent":100}"#)
            #expect(draft["status"] as? String == "draft")
            let id = try #require(draft["id"] as? String)
            let launched = try APITests.object(try await client.execute(uri: "/api/v1/campaigns/\(id)/launch", method: .post))
            #expect(launched["status"] as? String == "launched" && launched["target_size"] as? Int == 3)
            let again = try await client.execute(uri: "/api/v1/campaigns/\(id)/launch", method: .post)
            let againCode = try APITests.errorCode(again)
            #expect(again.status == .conflict && againCode == "campaign_not_draft")

            // An outside agent works only this campaign's list.
            try await AccessAPITests.user(services, "callpro", .outsideAgent, campaign: UUID(uuidString: id))
            let session = try await AccessAPITests.signIn(client, "callpro")
            let list = try await Self.get(client, "/api/v1/calling-list", headers: session.cookieOnly)["items"] as? [[String: Any]]
            let first = try #require(list?.first?["party_id"] as? String)
            let call = try await client.execute(uri: "/api/v1/campaigns/\(id)/calls", method: .post, headers: session.headers,
                                                body: APITests.json(#"{"party_id":"\#(first)","outcome":"interested","summary":"Wants a call back"}"#))
            let sampled = try APITests.object(call)["sampled_for_review"] as? Bool
            #expect(call.status == .created && sampled == true)
            let other = try await services.campaigns.create(CampaignInput(key: "other", name: "Other", segment: "gold-up"))
            let foreign = try await client.execute(uri: "/api/v1/campaigns/\(other.id.uuidString)/calls", method: .post, headers: session.headers,
                                                   body: APITests.json(#"{"party_id":"\#(first)","outcome":"interested"}"#))
            #expect(foreign.status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/segments", method: .get, headers: session.cookieOnly).status == .forbidden)
            // Nor answer offers for customers off their list.
            let stranger = try #require(try await services.parties.owner(of: .phone, address: "+7 903 555 02 02")).partyId.uuidString
            let offer = try await client.execute(uri: "/api/v1/parties/\(stranger)/offer-responses", method: .post, headers: session.headers,
                                                 body: APITests.json(#"{"offer_key":"premium-card","response":"presented"}"#))
            #expect(offer.status == .forbidden)
            // A measured campaign's list is its segment: no parties added by hand.
            let added = try await client.execute(uri: "/api/v1/campaigns/\(id)/parties", method: .post,
                                                 body: APITests.json(#"{"party_ids":["\#(stranger)"]}"#))
            let addedCode = try APITests.errorCode(added)
            #expect(added.status == .conflict && addedCode == "measured_campaign")

            // The in-house reviewer's queue, a review, the effect.
            let queue = try await Self.get(client, "/api/v1/campaigns/\(id)/qa")["items"] as? [[String: Any]]
            let interaction = try #require(queue?.first?["interaction_id"] as? String)
            let review = try await ProactiveAPITests.created(client, "/api/v1/campaigns/\(id)/reviews/\(interaction)",
                                                             #"{"scores":{"greeting":2,"script":3,"accuracy":3,"outcome":2},"comment":"Clean call"}"#)
            #expect(review["passed"] as? Bool == true && review["score_percent"] as? Double == 100)
            try await Self.refused(client, "/api/v1/campaigns/\(id)/reviews/\(interaction)", #"{"scores":{"greeting":2,"script":3,"accuracy":3,"outcome":2}}"#,
                                   "already_reviewed", status: .conflict)
            let effect = try await Self.get(client, "/api/v1/campaigns/\(id)/effect")
            #expect((effect["purchases"] as? [String: Any])?["target_size"] as? Int == 3 && effect["reviewed"] as? Int == 1)
            #expect((effect["call_responses"] as? [String: Any])?["target_responders"] as? Int == 1)
        }
    }
}

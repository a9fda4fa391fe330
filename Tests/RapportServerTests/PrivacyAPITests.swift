import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RapportCore
import RapportEngine
import RapportServer
import RapportTestSupport
import Testing

/// The audit trail, data-subject export and erasure, retention — through the API.
@Suite struct PrivacyAPITests {
    let api = APITests()

    /// Ivan with a phone, an e-mail, a call whose summary names him, an answered question and a consent.
    static func ivanWithHistory(_ client: any TestClientProtocol) async throws -> String {
        let id = try #require(try APITests.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: APITests.json(
            #"{"kind":"person","surname":"Петров","given_name":"Иван","birth_date":"1980-04-12","identities":[{"kind":"phone","value":"+7 916 123 45 67"},{"kind":"email","value":"ivan@example.ru"}]}"#
        )))["id"] as? String)
        let call = try await client.execute(uri: "/api/v1/interactions", method: .post, body: APITests.json(
            #"{"party_id":"\#(id)","channel":"phone","direction":"inbound","address":"+79161234567","subject":"Ипотека Петрова","summary":"Иван Петров просит перезвонить"}"#))
        #expect(call.status == .created)
        #expect(try await client.execute(uri: "/api/v1/questions", method: .post, body: APITests.json(
            #"{"key":"hobby","wording_en":"Hobby?","wording_ru":"Хобби?","answer_type":"text"}"#)).status == .created)
        #expect(try await client.execute(uri: "/api/v1/parties/\(id)/facts", method: .post, body: APITests.json(
            #"{"key":"hobby","value":"рыбалка на Волге"}"#)).status == .created)
        #expect(try await client.execute(uri: "/api/v1/parties/\(id)/consents", method: .post, body: APITests.json(
            #"{"purpose":"marketing","channel":"sms","granted":true}"#)).status == .created)
        return id
    }

    @Test func theAuditTrailSaysWhoReadWhichCustomerThroughWhichRouteWithoutTheData() async throws {
        try await api.withAPI { client, services in
            let id = try await Self.ivanWithHistory(client)
            let agent = try await AccessAPITests.user(services, "olga", .agent)
            let session = try await AccessAPITests.signIn(client, "olga")
            #expect(try await client.execute(uri: "/api/v1/parties/\(id)/card", method: .get, headers: session.cookieOnly).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/identify", method: .post, headers: session.headers,
                                             body: APITests.json(#"{"channel":"phone","address":"8 916 123-45-67"}"#)).status == .ok)
            // The agent may not read the trail; an administrator may
            #expect(try await client.execute(uri: "/api/v1/audit", method: .get, headers: session.cookieOnly).status == .forbidden)
            let response = try await client.execute(uri: "/api/v1/audit?party_id=\(id)&actor_id=\(agent.id)", method: .get)
            let events = try #require(try APITests.object(response)["items"] as? [[String: Any]])
            let routes = Set(events.compactMap { $0["route"] as? String })
            #expect(routes == ["GET /api/v1/parties/{id}/card", "POST /api/v1/identify"])
            #expect(events.allSatisfy { $0["action"] as? String == "read" && $0["actor_kind"] as? String == "user" })
            let text = String(buffer: response.body)
            for secret in ["Петров", "+7 916", "8 916", "ivan@", "рыбалка"] { #expect(!text.contains(secret), "\(secret) in the audit trail") }
            // Sign-ins are on the trail too
            let signIns = try APITests.object(try await client.execute(uri: "/api/v1/audit?action=sign_in", method: .get))
            #expect((signIns["items"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func aPersonsExportHoldsEverythingAndErasureRemovesItEverywhereButKeepsOthers() async throws {
        try await api.withAPI { client, services in
            let id = try await Self.ivanWithHistory(client)
            let olga = try #require(try APITests.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: APITests.json(
                #"{"kind":"person","surname":"Смирнова","given_name":"Ольга","identities":[{"kind":"phone","value":"+7 903 111 22 33"}]}"#)))["id"] as? String)
            _ = try await client.execute(uri: "/api/v1/interactions", method: .post, body: APITests.json(
                #"{"party_id":"\#(olga)","channel":"email","direction":"inbound","summary":"Ольга спрашивает про доставку"}"#))

            // Export: the person, the trail, facts, consents, identities
            let export = try await client.execute(uri: "/api/v1/parties/\(id)/export", method: .get)
            #expect(export.status == .ok)
            let copy = try APITests.object(export)
            #expect((copy["party"] as? [String: Any])?["surname"] as? String == "Петров")
            #expect((copy["identities"] as? [Any])?.count == 2)
            #expect((copy["interactions"] as? [[String: Any]])?.first?["summary"] as? String == "Иван Петров просит перезвонить")
            #expect((copy["facts"] as? [Any])?.count == 1)
            #expect((copy["consents"] as? [Any])?.count == 1)
            #expect(((copy["events"] as? [Any])?.count ?? 0) > 0)

            // Erasure needs an explicit confirmation; without it nothing changes
            let unconfirmed = try await client.execute(uri: "/api/v1/parties/\(id)/erasure", method: .post, body: APITests.json(#"{"reference":"DSR-7"}"#))
            #expect(try APITests.errorCode(unconfirmed) == "confirmation_required")
            #expect(try await services.parties.get(UUID(uuidString: id)!).party.surname == "Петров")

            let erased = try await client.execute(uri: "/api/v1/parties/\(id)/erasure", method: .post,
                                                  body: APITests.json(#"{"reference":"DSR-7","confirm":true}"#))
            #expect(erased.status == .created)
            let counts = try #require(try APITests.object(erased)["counts"] as? [String: Int])
            #expect(counts["identities"] == 2 && counts["interactions"] == 1 && counts["facts"] == 1)

            // Gone from the party, the trail, the facts, the identities, the search index and identification
            let party = try APITests.object(try await client.execute(uri: "/api/v1/parties/\(id)", method: .get))
            #expect((party["party"] as? [String: Any] ?? party)["display_name"] as? String == Erasure.erasedName)
            let after = String(buffer: try await client.execute(uri: "/api/v1/parties/\(id)/export", method: .get).body)
            for secret in ["Петров", "Иван", "+7 916", "79161234567", "ivan@", "рыбалка", "1980-04-12", "перезвонить"] {
                #expect(!after.contains(secret), "\(secret) survived erasure")
            }
            let search = String(buffer: try await client.execute(uri: "/api/v1/search?q=Петров", method: .get).body)
            #expect(!search.contains(id.uppercased()) && !search.contains(id.lowercased()))
            let who = try APITests.object(try await client.execute(uri: "/api/v1/identify", method: .post,
                                                                  body: APITests.json(#"{"channel":"phone","address":"+7 916 123 45 67"}"#)))
            #expect(who["party_id"] == nil || who["party_id"] is NSNull)
            // The erased person takes no new records; the erasure itself is on the audit trail
            let fact = try await client.execute(uri: "/api/v1/parties/\(id)/facts", method: .post, body: APITests.json(#"{"key":"hobby","value":"x"}"#))
            #expect(try APITests.errorCode(fact) == "party_erased")
            let audit = try APITests.object(try await client.execute(uri: "/api/v1/audit?party_id=\(id)&action=erase", method: .get))
            #expect((audit["items"] as? [[String: Any]])?.compactMap { $0["status"] as? Int }.sorted() == [201, 400])
            // Olga is untouched
            let olgaExport = String(buffer: try await client.execute(uri: "/api/v1/parties/\(olga)/export", method: .get).body)
            #expect(olgaExport.contains("Ольга спрашивает про доставку") && olgaExport.contains("+7 903 111 22 33"))
            // Erasing twice is a conflict, not a crash
            let again = try await client.execute(uri: "/api/v1/parties/\(id)/erasure", method: .post, body: APITests.json(#"{"confirm":true}"#))
            #expect(again.status == .conflict)
        }
    }

    @Test func retentionRulesRemoveOldCallSummariesAndKeepRecentOnes() async throws {
        try await api.withAPI { client, services in
            let id = try await Self.ivanWithHistory(client)
            let clock = try #require(services.clock as? FixedClock)
            let bad = try await client.execute(uri: "/api/v1/retention-rules", method: .put,
                                               body: APITests.json(#"{"rules":[{"kind":"audit_events","keep_days":30}]}"#))
            #expect(try APITests.errorCode(bad) == "invalid_field")
            #expect(try await client.execute(uri: "/api/v1/retention-rules", method: .put, body: APITests.json(
                #"{"rules":[{"kind":"interaction_text","channel":"phone","keep_days":730},{"kind":"interaction_text","channel":"email","keep_days":3650}]}"#)).status == .ok)
            // Three years later, a new call and an e-mail
            clock.advance(by: 3 * 365 * 86_400)
            _ = try await client.execute(uri: "/api/v1/interactions", method: .post, body: APITests.json(
                #"{"party_id":"\#(id)","channel":"phone","direction":"inbound","summary":"новый звонок"}"#))
            let report = try APITests.object(try await client.execute(uri: "/api/v1/retention-rules/apply", method: .post))
            let lines = try #require(report["lines"] as? [[String: Any]])
            #expect(lines.map { $0["rows"] as? Int } == [1, 0])
            let trail = try #require(try APITests.object(try await client.execute(uri: "/api/v1/parties/\(id)/timeline", method: .get))["items"] as? [[String: Any]])
            let summaries = trail.map { $0["summary"] as? String }
            #expect(summaries.contains("новый звонок"))
            #expect(!summaries.contains("Иван Петров просит перезвонить"))
            #expect(trail.count == 2)
        }
    }
}

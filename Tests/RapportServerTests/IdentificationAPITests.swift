import Foundation
import Hummingbird
import HummingbirdTesting
import RapportCore
import RapportEngine
import RapportServer
import Testing

@Suite struct IdentificationAPITests {
    let api = APITests()

    @Test func anInboundCallWithOnlyItsNumberReturnsTheCardInTheSameAnswer() async throws {
        try await api.withAPI { client, _ in
            _ = try await client.execute(uri: "/api/v1/parties", method: .post, body: APITests.json(APITests.ivan))
            let response = try await client.execute(uri: "/api/v1/interactions/inbound", method: .post,
                                                    body: APITests.json(#"{"channel":"phone","address":"8 (916) 123-45-67","agent":"a1"}"#))
            #expect(response.status == .created)
            let body = try APITests.object(response)
            let identification = try #require(body["identification"] as? [String: Any])
            #expect(identification["status"] as? String == "identified")
            let matched = try #require(identification["matched_by"] as? [String: Any])
            #expect(matched["rule"] as? String == "exact_identity")
            let card = try #require(body["card"] as? [String: Any])
            #expect((card["greeting"] as? [String: Any])?["name"] as? String == "Иван")
            #expect((card["last_interactions"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func badInputGetsAClearErrorAndChangesNothing() async throws {
        try await api.withAPI { client, services in
            let cases: [(String, HTTPRequest.Method, String?, String)] = [
                ("/api/v1/identify", .post, #"{"channel":"pigeon"}"#, "invalid_enum"),
                ("/api/v1/identify", .post, #"{"channel":"phone"}"#, "missing_clues"),
                ("/api/v1/interactions/inbound", .post, #"{"address":"+79161234567"}"#, "missing_field"),
                ("/api/v1/merges", .post, #"{"survivor_id":"01a21d8a-9a27-7018-94b1-10fb5881cba3","merged_id":"01a21d8a-9a27-7018-94b1-10fb5881cba3"}"#, "merge_self"),
                ("/api/v1/search", .get, nil, "missing_field"),
                ("/api/v1/search?q=%21", .get, nil, "invalid_query"),
                ("/api/v1/search?q=%21%21", .get, nil, "query_too_short"),
                ("/api/v1/matching-rules", .put, #"{"rules":[],"unknown_contact":"create_prospect"}"#, "invalid_rules"),
                ("/api/v1/questions", .post, #"{"key":"Bad Key","wording_en":"x","wording_ru":"x","answer_type":"text"}"#, "invalid_key"),
                ("/api/v1/parties/01a21d8a-9a27-7018-94b1-10fb5881cba3/card", .get, nil, "party_not_found"),
            ]
            for (uri, method, body, code) in cases {
                let response = try await client.execute(uri: uri, method: method, body: body.map(APITests.json))
                #expect((400..<500).contains(Int(response.status.code)), "\(uri)")
                #expect(try APITests.errorCode(response) == code, "\(uri)")
            }
            let parties = try APITests.object(try await client.execute(uri: "/api/v1/parties", method: .get))
            #expect((parties["items"] as? [Any])?.isEmpty == true)
            let trail = try APITests.object(try await client.execute(uri: "/api/v1/search?q=%2B79161234567", method: .get))
            #expect((trail["interactions"] as? [Any])?.isEmpty == true)
            #expect(try await services.interactions.all(page: PageRequest()).items.isEmpty)
        }
    }
}

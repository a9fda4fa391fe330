import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RapportApp
import RapportCore
import RapportEngine
import RapportServer
import RapportStorage
import RapportTestSupport
import Testing

/// The HTTP API in process, over a fresh SQLite database.
@Suite struct APITests {
    /// The API in process; requests carry an administrator's API token unless they bring their own
    /// credentials (see `AuthorizedClient`).
    func withAPI(options: HTTPOptions = HTTPOptions(requestsPerSecond: 0, failedCredentialsPerSecond: 0, liveStreamLimit: .milliseconds(50)),
                 _ body: @Sendable (any TestClientProtocol, Services) async throws -> Void) async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: FixedClock(Date(timeIntervalSince1970: 1_795_000_000)), normalizer: IdentityNormalizer(),
                                    bcryptCost: 4)
            let token = try await services.access.issueToken(APITokenInput(name: "tests", scopes: [.admin]), by: nil)
            let app = Application(router: RapportRouter.build(services: services, options: options))
            do {
                try await app.test(.router) { client in try await body(AuthorizedClient(base: client, token: token.secret), services) }
            } catch {
                await services.audit.close()
                throw error
            }
            await services.audit.close()
        }
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// Adds `Authorization: Bearer <admin token>` to requests that carry no credentials of their own;
    /// a request with the `X-Test-Anonymous` header goes out with none at all.
    struct AuthorizedClient: TestClientProtocol {
        let base: any TestClientProtocol
        let token: String
        static let anonymous = HTTPField.Name("X-Test-Anonymous")!

        func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
            var headers = headers
            if headers[Self.anonymous] != nil {
                headers[Self.anonymous] = nil
            } else if headers[.authorization] == nil && headers[.cookie] == nil {
                headers[.authorization] = "Bearer \(token)"
            }
            return try await base.executeRequest(uri: uri, method: method, headers: headers, body: body)
        }

        var port: Int? { base.port }
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    static func errorCode(_ response: TestResponse) throws -> String? {
        (try object(response)["error"] as? [String: Any])?["code"] as? String
    }

    static let ivan = #"{"kind":"person","surname":"Петров","given_name":"Иван","birth_date":"1980-04-12","identities":[{"kind":"phone","value":"+7 916 123 45 67"}]}"#

    @Test func partyIsCreatedReadAndListed() async throws {
        try await withAPI { client, _ in
            let created = try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan))
            #expect(created.status == .created)
            let id = try #require(try Self.object(created)["id"] as? String)
            let read = try await client.execute(uri: "/api/v1/parties/\(id)", method: .get)
            #expect(read.status == .ok)
            let body = try Self.object(read)
            #expect(body["display_name"] as? String == "Петров Иван")
            #expect(((body["identities"] as? [[String: Any]])?.first?["normalized"]) as? String == "+79161234567")
            let list = try Self.object(try await client.execute(uri: "/api/v1/parties?kind=person", method: .get))
            #expect((list["items"] as? [Any])?.count == 1)
            #expect(list["next_cursor"] is NSNull)
        }
    }

    @Test(arguments: [
        (#"{"kind":"person","surname":"X","identities":[{"kind":"phone","value":"12345"}]}"#, "invalid_phone"),
        (#"{"kind":"person","surname":"X","identities":[{"kind":"email","value":"not-an-email"}]}"#, "invalid_email"),
        (#"{"kind":"organisation","legal_name":"ООО «Ромашка»","inn":"7707083894"}"#, "invalid_inn"),
        (#"{"kind":"alien","surname":"X"}"#, "invalid_enum"),
        (#"{"kind":"person","surname":"X","birth_date":"12.04.1980"}"#, "invalid_date"),
        (#"{"kind":"person","surname":"X""#, "malformed_json"),
        (#"{"kind":"person","surname":42}"#, "wrong_type"),
        (#"{"kind":"person"}"#, "missing_field"),
    ])
    func badPartyInputIsRefusedWithAClearCodeAndNothingWritten(body: String, code: String) async throws {
        try await withAPI { client, services in
            let response = try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(body))
            #expect(response.status == .badRequest)
            #expect(try Self.errorCode(response) == code)
            let error = try #require(try Self.object(response)["error"] as? [String: Any])
            #expect((error["message"] as? String)?.isEmpty == false)
            #expect((error["message_ru"] as? String)?.isEmpty == false)
            #expect(try await services.parties.list(PartyFilter(), page: PageRequest()).items.isEmpty)
        }
    }

    @Test func amountsTooLargeForMoneyAreRefusedInsteadOfOverflowing() async throws {
        try await withAPI { client, services in
            let id = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan)))["id"] as? String)
            let order = #"{"number":"O-1","party_id":"\#(id)","lines":[{"description":"x","quantity":2,"unit_price_minor":9223372036854775807}]}"#
            let response = try await client.execute(uri: "/api/v1/orders", method: .post, body: Self.json(order))
            #expect(response.status == .badRequest)
            #expect(try Self.errorCode(response) == "amount_too_large")
            #expect(try await services.commerce.orders(partyId: nil, status: nil, page: PageRequest()).items.isEmpty)
        }
    }

    @Test func paymentForACancelledInvoiceIsRefused() async throws {
        try await withAPI { client, _ in
            let id = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan)))["id"] as? String)
            let invoiceId = try #require(try Self.object(try await client.execute(uri: "/api/v1/invoices", method: .post,
                body: Self.json(#"{"number":"I-1","party_id":"\#(id)","issued_on":"2026-11-01","due_on":"2026-11-30","amount_minor":1000}"#)))["id"] as? String)
            #expect(try await client.execute(uri: "/api/v1/invoices/\(invoiceId)", method: .patch, body: Self.json(#"{"cancelled":true}"#)).status == .ok)
            let payment = try await client.execute(uri: "/api/v1/payments", method: .post,
                body: Self.json(#"{"party_id":"\#(id)","invoice_id":"\#(invoiceId)","amount_minor":1000}"#))
            #expect(try Self.errorCode(payment) == "invoice_cancelled")
            let missing = try await client.execute(uri: "/api/v1/payments/\(UUID().uuidString)", method: .get)
            #expect(try Self.errorCode(missing) == "payment_not_found")
            let invoice = try Self.object(try await client.execute(uri: "/api/v1/invoices/\(invoiceId)", method: .get))
            #expect(invoice["paid_minor"] as? Int == 0)
            #expect(invoice["status"] as? String == "cancelled")
        }
    }

    @Test func relationshipCannotLoseBothItsPartyAndItsName() async throws {
        try await withAPI { client, _ in
            let id = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan)))["id"] as? String)
            let relId = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties/\(id)/relationships", method: .post,
                body: Self.json(#"{"kind":"friend","related_name":"Мария"}"#)))["id"] as? String)
            let response = try await client.execute(uri: "/api/v1/parties/\(id)/relationships/\(relId)", method: .patch, body: Self.json(#"{"related_name":""}"#))
            #expect(response.status == .badRequest)
            #expect(try Self.errorCode(response) == "missing_field")
        }
    }

    @Test func messengerHandleOwnerIsFoundWithItsNetwork() async throws {
        try await withAPI { client, _ in
            let body = #"{"kind":"person","surname":"Волков","identities":[{"kind":"messenger","value":"@Pavel_V","network":"telegram"}]}"#
            let id = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(body)))["id"] as? String)
            let owner = try Self.object(try await client.execute(uri: "/api/v1/identities/owner?kind=messenger&address=@pavel_v&network=Telegram", method: .get))
            #expect((owner["party_id"] as? String)?.lowercased() == id.lowercased())
        }
    }

    @Test func bodyOverOneMebibyteIsRefused() async throws {
        try await withAPI { client, _ in
            let big = #"{"kind":"person","surname":""# + String(repeating: "x", count: 1_100_000) + #""}"#
            let response = try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(big))
            #expect(response.status == .contentTooLarge)
            #expect(try Self.errorCode(response) == "body_too_large")
        }
    }

    @Test func secondPartyClaimingAPhoneGetsConflictNamingTheOwner() async throws {
        try await withAPI { client, _ in
            let first = try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan)))
            let other = #"{"kind":"person","surname":"Сидоров","identities":[{"kind":"phone","value":"8 (916) 123-45-67"}]}"#
            let response = try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(other))
            #expect(response.status == .conflict)
            let error = try #require(try Self.object(response)["error"] as? [String: Any])
            #expect(error["code"] as? String == "identity_taken")
            #expect((error["details"] as? [String: String])?["owner_party_id"] == (first["id"] as? String)?.lowercased())
        }
    }

    @Test func interactionForAMissingPartyIsNotFoundAndUnknownChannelIsInvalid() async throws {
        try await withAPI { client, _ in
            let missing = try await client.execute(uri: "/api/v1/interactions", method: .post,
                                                   body: Self.json(#"{"party_id":"\#(UUID().uuidString)","channel":"phone","direction":"inbound"}"#))
            #expect(missing.status == .notFound)
            #expect(try Self.errorCode(missing) == "party_not_found")
            let pigeon = try await client.execute(uri: "/api/v1/interactions", method: .post, body: Self.json(#"{"channel":"pigeon","direction":"inbound"}"#))
            #expect(pigeon.status == .badRequest)
            #expect(try Self.errorCode(pigeon) == "invalid_enum")
        }
    }

    @Test func timelineShowsNewestFirstAndFiltersByChannel() async throws {
        try await withAPI { client, _ in
            let id = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan)))["id"] as? String)
            for (n, channel) in ["fax", "phone", "email"].enumerated() {
                let body = #"{"party_id":"\#(id)","channel":"\#(channel)","direction":"inbound","occurred_at":"2026-11-2\#(n)T10:00:00Z"}"#
                #expect(try await client.execute(uri: "/api/v1/interactions", method: .post, body: Self.json(body)).status == .created)
            }
            let all = try Self.object(try await client.execute(uri: "/api/v1/parties/\(id)/timeline", method: .get))
            #expect((all["items"] as? [[String: Any]])?.map { $0["channel"] as? String } == ["email", "phone", "fax"])
            let some = try Self.object(try await client.execute(uri: "/api/v1/parties/\(id)/timeline?channel=fax,email&limit=1", method: .get))
            #expect((some["items"] as? [[String: Any]])?.map { $0["channel"] as? String } == ["email"])
            let cursor = try #require(some["next_cursor"] as? String)
            let next = try Self.object(try await client.execute(uri: "/api/v1/parties/\(id)/timeline?channel=fax,email&limit=1&cursor=\(cursor)", method: .get))
            #expect((next["items"] as? [[String: Any]])?.map { $0["channel"] as? String } == ["fax"])
            let unknown = try await client.execute(uri: "/api/v1/parties/\(UUID().uuidString)/timeline", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try Self.errorCode(unknown) == "party_not_found")
        }
    }

    @Test func organisationWithContactPersonContractAndOverdueInvoice() async throws {
        try await withAPI { client, _ in
            let org = try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post,
                                                               body: Self.json(#"{"kind":"organisation","legal_name":"ООО «Ветер»","inn":"7707083893","kpp":"773601001"}"#)))
            let orgId = try #require(org["id"] as? String)
            let person = try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan)))
            let personId = try #require(person["id"] as? String)
            let role = try await client.execute(uri: "/api/v1/parties/\(orgId)/contacts", method: .post,
                                                body: Self.json(#"{"person_id":"\#(personId)","role":"Buyer","preferred_channel":"email"}"#))
            #expect(role.status == .created)
            let contract = try await client.execute(uri: "/api/v1/contracts", method: .post,
                                                    body: Self.json(#"{"number":"SV-1","party_id":"\#(orgId)","starts_on":"2026-01-01"}"#))
            #expect(contract.status == .created)
            #expect(try Self.object(try await client.execute(uri: "/api/v1/parties/\(orgId)", method: .get))["lifecycle_stage"] as? String == "customer")
            let invoice = try Self.object(try await client.execute(uri: "/api/v1/invoices", method: .post,
                body: Self.json(#"{"number":"INV-9","party_id":"\#(orgId)","issued_on":"2026-09-01","due_on":"2026-09-30","amount_minor":150000}"#)))
            #expect(invoice["status"] as? String == "overdue")
        }
    }

    @Test func contactRolesRelationshipsAndBundlesAreReadChangedAndRemoved() async throws {
        try await withAPI { client, _ in
            let orgId = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post,
                body: Self.json(#"{"kind":"organisation","legal_name":"ООО «Ветер»"}"#)))["id"] as? String)
            let personId = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties", method: .post, body: Self.json(Self.ivan)))["id"] as? String)
            // Contact role: add, change preferences, remove
            let roleId = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties/\(orgId)/contacts", method: .post,
                body: Self.json(#"{"person_id":"\#(personId)","role":"Buyer"}"#)))["id"] as? String)
            let changed = try Self.object(try await client.execute(uri: "/api/v1/parties/\(orgId)/contacts/\(roleId)", method: .patch,
                body: Self.json(#"{"preferred_channel":"phone","form_of_address":"Иван Сергеевич"}"#)))
            #expect(changed["preferred_channel"] as? String == "phone")
            #expect(changed["role"] as? String == "Buyer")
            #expect(try await client.execute(uri: "/api/v1/parties/\(personId)/contacts/\(roleId)", method: .delete).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/parties/\(orgId)/contacts/\(roleId)", method: .delete).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/parties/\(orgId)/contacts", method: .get).body.readableBytes == 2)
            // Relationship: a friend's birthday corrected
            let relId = try #require(try Self.object(try await client.execute(uri: "/api/v1/parties/\(personId)/relationships", method: .post,
                body: Self.json(#"{"kind":"friend","related_name":"Мария","related_birth_date":"1990-03-14"}"#)))["id"] as? String)
            let rel = try Self.object(try await client.execute(uri: "/api/v1/parties/\(personId)/relationships/\(relId)", method: .patch,
                body: Self.json(#"{"related_birth_date":"1990-03-15"}"#)))
            #expect(rel["related_birth_date"] as? String == "1990-03-15")
            // Bundle: created for the person, read, items replaced, listed
            let item = try #require(try Self.object(try await client.execute(uri: "/api/v1/catalogue/items", method: .post,
                body: Self.json(#"{"sku":"T-1","name":"Тариф","kind":"tariff","price_minor":35000}"#)))["id"] as? String)
            let bundleId = try #require(try Self.object(try await client.execute(uri: "/api/v1/bundles", method: .post,
                body: Self.json(#"{"name":"Family","party_id":"\#(personId)","items":[{"item_id":"\#(item)","quantity":1}]}"#)))["id"] as? String)
            let patched = try Self.object(try await client.execute(uri: "/api/v1/bundles/\(bundleId)", method: .patch,
                body: Self.json(#"{"items":[{"item_id":"\#(item)","quantity":3}]}"#)))
            #expect((patched["items"] as? [[String: Any]])?.first?["quantity"] as? Int == 3)
            let listed = try Self.object(try await client.execute(uri: "/api/v1/parties/\(personId)/bundles", method: .get))
            #expect((listed["items"] as? [[String: Any]])?.first?["name"] as? String == "Family")
            let missingItem = try await client.execute(uri: "/api/v1/bundles/\(bundleId)", method: .patch,
                body: Self.json(#"{"items":[{"item_id":"\#(UUID().uuidString)","quantity":1}]}"#))
            #expect(try Self.errorCode(missingItem) == "catalogue_item_not_found")
        }
    }

    @Test func openAPIDocumentDescribesExactlyTheRoutesTheServerHas() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer())
            let router = RapportRouter.build(services: services)
            // The web pages (sign-in, desk, …) are not part of the API contract.
            let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" }
                .filter { $0.contains(" /api/") || $0.hasSuffix(" /health") || $0.hasSuffix(" /openapi.yaml") })
            let documented = Set(Self.documentedOperations(OpenAPIDocument.text))
            #expect(!documented.isEmpty)
            #expect(served.subtracting(documented).sorted() == [], "routes missing from openapi.yaml")
            #expect(documented.subtracting(served).sorted() == [], "documented paths the server does not have")
        }
    }

    /// `METHOD /path/{param}` for each operation under `paths:` (two-space path keys, four-space methods).
    static func documentedOperations(_ yaml: String) -> [String] {
        var result: [String] = []
        var inPaths = false
        var currentPath: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            guard inPaths else { continue }
            if !line.hasPrefix(" ") && !line.isEmpty { break }
            if line.hasPrefix("  /") {
                let key = line.dropFirst(2).dropLast(line.hasSuffix(":") ? 1 : 0)
                currentPath = String(key)
            } else if let path = currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(method)) { result.append("\(method.uppercased()) \(path)") }
            }
        }
        return result
    }
}

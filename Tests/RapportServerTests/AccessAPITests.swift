import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RapportCore
import RapportEngine
import RapportServer
import RapportTestSupport
import Testing

/// Sign-in, tokens, the role × route matrix, row-level rules, CSRF, lock-out, rate limits and
/// security headers — tests that try to get in where they should not.
@Suite struct AccessAPITests {
    let api = APITests()
    static let password = "correct horse battery"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    struct Session {
        let cookie: String
        let csrf: String
        var headers: HTTPFields { [.cookie: "rapport_session=\(cookie)", AccessAPITests.csrfHeader: csrf] }
        var cookieOnly: HTTPFields { [.cookie: "rapport_session=\(cookie)"] }
    }

    static func signIn(_ client: any TestClientProtocol, _ login: String, _ password: String = password) async throws -> Session {
        let response = try await client.execute(uri: "/api/v1/session", method: .post,
                                                body: APITests.json(#"{"login":"\#(login)","password":"\#(password)"}"#))
        #expect(response.status == .created, "sign-in of \(login)")
        let setCookie = try #require(response.headers[.setCookie])
        #expect(setCookie.contains("HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        let value = try #require(setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
        let csrf = try #require(try APITests.object(response)["csrf_token"] as? String)
        return Session(cookie: String(value), csrf: csrf)
    }

    @discardableResult
    static func user(_ services: Services, _ login: String, _ role: Role, campaign: UUID? = nil) async throws -> User {
        try await services.access.createUser(UserInput(login: login, role: role, campaignId: campaign, password: password))
    }

    /// The error code, if the body is an error object (no test issue when it is not).
    static func softErrorCode(_ response: TestResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    static func concrete(_ path: String) -> String {
        path.split(separator: "/").map { $0.hasPrefix("{") ? ($0 == "{key}" ? "no_such_key" : UUID().uuidString.lowercased()) : String($0) }
            .joined(separator: "/").replacingOccurrences(of: "api/v1", with: "/api/v1")
    }

    @Test func everyRouteAdmitsExactlyTheRolesAndScopesItsRuleNames() async throws {
        try await api.withAPI { client, services in
            // Given one signed-in user per role and one token per scope
            let campaign = try await services.access.createCampaign(name: "Matrix")
            var callers: [(String, HTTPFields, Set<Capability>)] = []
            for role in Role.allCases {
                try await Self.user(services, "m-\(role.rawValue)", role, campaign: role == .outsideAgent ? campaign.id : nil)
                let session = try await Self.signIn(client, "m-\(role.rawValue)")
                callers.append((role.rawValue, session.headers, AccessPolicy.capabilities(of: role)))
            }
            for scope in TokenScope.allCases {
                let issued = try await services.access.issueToken(APITokenInput(name: scope.rawValue, scopes: [scope]), by: nil)
                callers.append(("token:\(scope.rawValue)", [.authorization: "Bearer \(issued.secret)"], scope.capabilities))
            }
            let routes = RapportRouter.build(services: services).routes
                .map { ($0.method.rawValue, $0.path.description) }
                .filter { $0.1.hasPrefix("/api/v1") && !($0.0 == "DELETE" && $0.1 == "/api/v1/session") }
            #expect(routes.count > 90)
            // When each calls each route, Then the route table decides, and nothing fails on the server
            for (method, path) in routes {
                let requirement = try #require(RouteAccess.requirement(method: method, path: path), "\(method) \(path) has no access rule")
                for (name, headers, capabilities) in callers {
                    let allowed: Bool = switch requirement {
                    case .open, .anyPrincipal: true
                    case .capability(let c): capabilities.contains(c)
                    }
                    let response = try await client.execute(uri: Self.concrete(path), method: HTTPRequest.Method(method)!, headers: headers,
                                                            body: ["GET", "DELETE"].contains(method) ? nil : APITests.json("{}"))
                    let code = Self.softErrorCode(response)
                    #expect(response.status.code < 500, "\(name) \(method) \(path) → \(response.status.code)")
                    if allowed {
                        #expect(code != "forbidden" && response.status != .unauthorized, "\(name) should reach \(method) \(path), got \(code ?? "-")")
                    } else {
                        #expect(response.status == .forbidden && code == "forbidden", "\(name) must not reach \(method) \(path), got \(response.status.code)")
                    }
                }
            }
        }
    }

    @Test func withoutCredentialsOnlyHealthTheContractAndSignInAnswer() async throws {
        try await api.withAPI { client, services in
            let anonymous: HTTPFields = [APITests.AuthorizedClient.anonymous: "1"]
            #expect(try await client.execute(uri: "/health", method: .get, headers: anonymous).status == .ok)
            #expect(try await client.execute(uri: "/openapi.yaml", method: .get, headers: anonymous).status == .ok)
            let before = try await services.parties.list(PartyFilter(), page: try PageRequest()).items.count
            for route in RapportRouter.build(services: services).routes where route.path.description.hasPrefix("/api/v1") {
                guard RouteAccess.requirement(method: route.method.rawValue, path: route.path.description) != .open else { continue }
                let response = try await client.execute(uri: Self.concrete(route.path.description), method: route.method, headers: anonymous,
                                                        body: APITests.json(#"{"kind":"person","surname":"Anon"}"#))
                #expect(response.status == .unauthorized, "\(route.method) \(route.path)")
                #expect(try APITests.errorCode(response) == "not_signed_in")
                #expect(response.headers[.wwwAuthenticate] != nil)
            }
            #expect(try await services.parties.list(PartyFilter(), page: try PageRequest()).items.count == before)
        }
    }

    @Test func wrongExpiredAndRevokedTokensAreRefused() async throws {
        try await api.withAPI { client, services in
            let clock = try #require(services.clock as? FixedClock)
            let shortLived = try await services.access.issueToken(APITokenInput(name: "short", scopes: [.read], expiresInDays: 1), by: nil)
            let revoked = try await services.access.issueToken(APITokenInput(name: "old", scopes: [.read]), by: nil)
            // The token works, then is revoked through the API
            #expect(try await client.execute(uri: "/api/v1/parties", method: .get, headers: [.authorization: "Bearer \(revoked.secret)"]).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/tokens/\(revoked.token.id.uuidString)", method: .delete).status == .ok)
            let cases: [(String, String)] = [
                ("Bearer rpt_" + String(repeating: "0", count: 64), "invalid_token"),
                ("Bearer \(revoked.secret)", "invalid_token"),
                ("Basic YWRtaW46YWRtaW4=", "invalid_token"),
                ("Bearer", "invalid_token"),
            ]
            for (header, code) in cases {
                let response = try await client.execute(uri: "/api/v1/parties", method: .get, headers: [.authorization: header])
                #expect(response.status == .unauthorized, "\(header)")
                #expect(try APITests.errorCode(response) == code)
            }
            #expect(try await client.execute(uri: "/api/v1/parties", method: .get, headers: [.authorization: "Bearer \(shortLived.secret)"]).status == .ok)
            clock.advance(by: 2 * 86_400)
            let expired = try await client.execute(uri: "/api/v1/parties", method: .get, headers: [.authorization: "Bearer \(shortLived.secret)"])
            #expect(expired.status == .unauthorized)
            // The secret is never listed again
            let list = try await client.execute(uri: "/api/v1/tokens", method: .get)
            #expect(!String(buffer: list.body).contains(shortLived.secret))
        }
    }

    @Test func aSessionWriteWithoutTheCSRFTokenIsRefusedAndChangesNothing() async throws {
        try await api.withAPI { client, services in
            try await Self.user(services, "olga", .agent)
            let session = try await Self.signIn(client, "olga")
            let body = APITests.json(#"{"kind":"person","surname":"Csrf"}"#)
            let missing = try await client.execute(uri: "/api/v1/parties", method: .post, headers: session.cookieOnly, body: body)
            #expect(missing.status == .forbidden)
            #expect(try APITests.errorCode(missing) == "csrf_token_invalid")
            var wrong = session.cookieOnly
            wrong[Self.csrfHeader] = String(repeating: "a", count: session.csrf.count)
            #expect(try await client.execute(uri: "/api/v1/parties", method: .post, headers: wrong, body: body).status == .forbidden)
            #expect(try await services.parties.list(PartyFilter(), page: try PageRequest()).items.isEmpty)
            // Reads need no CSRF token; a write with it goes through
            #expect(try await client.execute(uri: "/api/v1/parties", method: .get, headers: session.cookieOnly).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/parties", method: .post, headers: session.headers, body: body).status == .created)
        }
    }

    @Test func repeatedWrongPasswordsLockTheAccountForAWhile() async throws {
        try await api.withAPI { client, services in
            let clock = try #require(services.clock as? FixedClock)
            try await Self.user(services, "boris", .supervisor)
            for _ in 0..<5 {
                let wrong = try await client.execute(uri: "/api/v1/session", method: .post, body: APITests.json(#"{"login":"boris","password":"wrong password!!"}"#))
                #expect(try APITests.errorCode(wrong) == "invalid_credentials")
            }
            let locked = try await client.execute(uri: "/api/v1/session", method: .post,
                                                  body: APITests.json(#"{"login":"boris","password":"\#(Self.password)"}"#))
            #expect(locked.status == .unauthorized)
            #expect(try APITests.errorCode(locked) == "account_locked")
            // An unknown login gets the same answer as a wrong password
            let unknown = try await client.execute(uri: "/api/v1/session", method: .post, body: APITests.json(#"{"login":"nobody","password":"whatever12345"}"#))
            #expect(try APITests.errorCode(unknown) == "invalid_credentials")
            clock.advance(by: 16 * 60)
            _ = try await Self.signIn(client, "boris")
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await api.withAPI { client, services in
            let user = try await Self.user(services, "vera", .marketer)
            let session = try await Self.signIn(client, "vera")
            let me = try APITests.object(try await client.execute(uri: "/api/v1/session", method: .get, headers: session.cookieOnly))
            #expect(me["role"] as? String == "marketer")
            #expect((me["id"] as? String)?.lowercased() == user.id.uuidString.lowercased())
            #expect(try await client.execute(uri: "/api/v1/session", method: .delete, headers: session.headers).status == .noContent)
            let after = try await client.execute(uri: "/api/v1/parties", method: .get, headers: session.cookieOnly)
            #expect(after.status == .unauthorized)
            #expect(try APITests.errorCode(after) == "session_expired")
            // A disabled user's sessions end too
            let again = try await Self.signIn(client, "vera")
            _ = try await services.access.updateUser(user.id, UserInput(disabled: true))
            #expect(try await client.execute(uri: "/api/v1/parties", method: .get, headers: again.cookieOnly).status == .unauthorized)
        }
    }

    @Test func anAccountManagerChangesOnlyTheirOwnAccounts() async throws {
        try await api.withAPI { client, services in
            let maria = try await Self.user(services, "maria", .accountManager)
            let own = try await services.parties.create(PartyInput(kind: .organisation, legalName: "Own LLC", accountManagerId: maria.id))
            let other = try await services.parties.create(PartyInput(kind: .organisation, legalName: "Other LLC"))
            let session = try await Self.signIn(client, "maria")
            let patch = APITests.json(#"{"country":"RU"}"#)
            #expect(try await client.execute(uri: "/api/v1/parties/\(own.party.id)", method: .patch, headers: session.headers, body: patch).status == .ok)
            let denied = try await client.execute(uri: "/api/v1/parties/\(other.party.id)", method: .patch, headers: session.headers, body: patch)
            #expect(denied.status == .forbidden)
            #expect(try APITests.errorCode(denied) == "not_your_account")
            let order = #"{"number":"AM-1","party_id":"\#(other.party.id)","currency":"RUB"}"#
            let orderDenied = try await client.execute(uri: "/api/v1/orders", method: .post, headers: session.headers, body: APITests.json(order))
            #expect(try APITests.errorCode(orderDenied) == "not_your_account")
            // Reading any account is allowed; assigning managers is not theirs to do
            #expect(try await client.execute(uri: "/api/v1/parties/\(other.party.id)", method: .get, headers: session.cookieOnly).status == .ok)
            let grab = try await client.execute(uri: "/api/v1/parties/\(own.party.id)", method: .patch, headers: session.headers,
                                                body: APITests.json(#"{"account_manager_id":"\#(maria.id)"}"#))
            #expect(grab.status == .forbidden)
            #expect(try await services.parties.get(other.party.id).party.country == nil)
        }
    }

    @Test func anOutsideAgentSeesOnlyTheirCampaignListAndWhatTheScriptNeeds() async throws {
        try await api.withAPI { client, services in
            let ivan = try await services.parties.create(PartyInput(kind: .person, surname: "Петров", givenName: "Иван", birthDate: try CivilDate(year: 1980, month: 4, day: 12),
                                                                    language: "ru", identities: [IdentityInput(kind: .phone, value: "+7 916 123 45 67")]))
            let other = try await services.parties.create(PartyInput(kind: .person, surname: "Смирнова", givenName: "Ольга"))
            let campaign = try await services.access.createCampaign(name: "Loans")
            #expect(try await client.execute(uri: "/api/v1/campaigns/\(campaign.id)/parties", method: .post,
                                             body: APITests.json(#"{"party_ids":["\#(ivan.party.id)"]}"#)).status == .ok)
            try await Self.user(services, "oscar", .outsideAgent, campaign: campaign.id)
            let session = try await Self.signIn(client, "oscar")
            let list = try APITests.object(try await client.execute(uri: "/api/v1/calling-list", method: .get, headers: session.cookieOnly))
            let items = try #require(list["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(Set(items[0].keys).isSubset(of: ["party_id", "display_name", "language", "phone", "last_outcome"]))
            #expect(items[0]["phone"] as? String == "+7 916 123 45 67")
            // No birth date, no party reads, no search
            #expect(try await client.execute(uri: "/api/v1/parties/\(ivan.party.id)", method: .get, headers: session.cookieOnly).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/search?q=Петров", method: .get, headers: session.cookieOnly).status == .forbidden)
            // Records an outcome for someone on the list (stamped with the campaign), not for anyone else
            let call = #"{"party_id":"%@","channel":"phone","direction":"outbound","outcome":"interested"}"#
            let ok = try await client.execute(uri: "/api/v1/interactions", method: .post, headers: session.headers,
                                              body: APITests.json(String(format: call, ivan.party.id.uuidString)))
            #expect(ok.status == .created)
            #expect((try APITests.object(ok)["campaign_id"] as? String)?.lowercased() == campaign.id.uuidString.lowercased())
            let denied = try await client.execute(uri: "/api/v1/interactions", method: .post, headers: session.headers,
                                                  body: APITests.json(String(format: call, other.party.id.uuidString)))
            #expect(try APITests.errorCode(denied) == "not_on_your_list")
        }
    }

    @Test func tooManyRequestsGetA429WithRetryAfter() async throws {
        var options = HTTPOptions(requestsPerSecond: 0.01)  // a request per 100 s refilled: the machine's speed cannot matter
        options.requestBurst = 2
        try await api.withAPI(options: options) { client, _ in
            var statuses: [HTTPResponse.Status] = []
            var last: TestResponse?
            for _ in 0..<4 {
                let response = try await client.execute(uri: "/api/v1/parties", method: .get)
                statuses.append(response.status)
                last = response
            }
            #expect(statuses.prefix(2).allSatisfy { $0 == .ok })
            #expect(statuses.last == .tooManyRequests)
            #expect(try APITests.errorCode(try #require(last)) == "rate_limited")
            #expect(Int(last?.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
    }

    @Test func anAddressThatKeepsFailingToAuthenticateIsStoppedWhateverTokenItTriesNext() async throws {
        var options = HTTPOptions(requestsPerSecond: 0, failedCredentialsPerSecond: 0.01)
        options.failedCredentialsBurst = 4
        try await api.withAPI(options: options) { client, _ in
            // Given made-up tokens, a new one each time (each would get a fresh per-token bucket)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<8 {
                let made = "Bearer rpt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
                statuses.append(try await client.execute(uri: "/api/v1/parties", method: .get, headers: [.authorization: made]).status)
            }
            // Then after a burst of 401s the address gets 429 before the next token is even looked up
            #expect(statuses.prefix(4).allSatisfy { $0 == .unauthorized })
            #expect(statuses.last == .tooManyRequests)
        }
    }

    @Test func responsesCarrySecurityHeaders() async throws {
        try await api.withAPI { client, _ in
            for uri in ["/health", "/api/v1/parties", "/api/v1/no-such-route"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test func scriptInTextFieldsComesBackAsInertJSON() async throws {
        try await api.withAPI { client, _ in
            let xss = #"<script>alert(1)</script><img src=x onerror=alert(2)>"#
            let created = try await client.execute(uri: "/api/v1/parties", method: .post, body: APITests.json(
                #"{"kind":"person","surname":"\#(xss)","given_name":"\"><svg onload=alert(3)>"}"#))
            let id = try #require(try APITests.object(created)["id"] as? String)
            _ = try await client.execute(uri: "/api/v1/interactions", method: .post, body: APITests.json(
                #"{"party_id":"\#(id)","channel":"email","direction":"inbound","subject":"\#(xss)","summary":"\#(xss)"}"#))
            for uri in ["/api/v1/parties/\(id)", "/api/v1/parties/\(id)/timeline", "/api/v1/parties/\(id)/card", "/api/v1/parties/\(id)/export"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok)
                // The text is data inside JSON, served so that no browser renders or sniffs it as a page
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(uri)")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(String(buffer: response.body).contains("<script>alert(1)"))
            }
        }
    }

    @Test func sqlMetaCharactersInFiltersAreDataNotSQL() async throws {
        try await api.withAPI { client, services in
            _ = try await client.execute(uri: "/api/v1/parties", method: .post, body: APITests.json(APITests.ivan))
            let nasty = ["' OR '1'='1", "1; DROP TABLE parties; --", "%' --", "\\\"", "_%", "\u{0}", "ё' UNION SELECT * FROM users --"]
            for value in nasty {
                let q = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                for uri in ["/api/v1/parties?inn=\(q)", "/api/v1/parties?kind=\(q)", "/api/v1/parties?cursor=\(q)", "/api/v1/search?q=\(q)",
                            "/api/v1/search?q=Petrov\(q)", "/api/v1/orders?party_id=\(q)", "/api/v1/audit?action=\(q)", "/api/v1/audit?cursor=\(q)",
                            "/api/v1/audit?from=\(q)", "/api/v1/identities/owner?kind=phone&address=\(q)", "/api/v1/parties?limit=\(q)",
                            "/api/v1/questions/\(q)"] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status.code < 500, "\(uri) → \(response.status.code)")
                    if response.status == .ok, uri.hasPrefix("/api/v1/parties?inn") {
                        #expect((try APITests.object(response)["items"] as? [Any])?.isEmpty == true)
                    }
                }
            }
            // Every table is still there and holds what it held
            #expect(try await services.parties.list(PartyFilter(), page: try PageRequest()).items.count == 1)
            #expect(try await services.access.users().isEmpty)
        }
    }
}

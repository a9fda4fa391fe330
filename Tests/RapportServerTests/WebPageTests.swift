import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RapportCore
import RapportEngine
@testable import RapportServer
import RapportTestSupport
import Testing

/// The web pages in process: sign-in and back, the customer page's forms and their errors, who
/// sees which page, the wallboard's charts and CSV, the language switch, and the texts and
/// templates themselves. (The live pop and the rest in a real browser: scripts/ui-test.sh.)
@Suite struct WebPageTests {
    let api = APITests()
    static let password = "correct horse battery"

    struct Browser {
        let client: any TestClientProtocol
        var cookie: String?

        var headers: HTTPFields {
            var h: HTTPFields = [APITests.AuthorizedClient.anonymous: "1"]
            if let cookie { h[.cookie] = "rapport_session=\(cookie)"; h[APITests.AuthorizedClient.anonymous] = nil }
            return h
        }

        func get(_ uri: String) async throws -> TestResponse {
            try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
        }

        func post(_ uri: String, _ fields: [(String, String)]) async throws -> TestResponse {
            var h = headers
            h[.contentType] = "application/x-www-form-urlencoded"
            let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
            return try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body))
        }

        static func encode(_ s: String) -> String {
            s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
        }

        /// Signs in through the sign-in form; returns the page the browser is sent to.
        mutating func signIn(_ login: String, next: String = "/") async throws -> String? {
            let response = try await post("/sign-in", [("login", login), ("password", WebPageTests.password), ("next", next)])
            #expect(response.status == .seeOther, "sign-in of \(login)")
            let setCookie = try #require(response.headers[.setCookie])
            cookie = String(try #require(setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last))
            return response.headers[.location]
        }
    }

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    static func csrf(_ page: String) throws -> String {
        let match = try #require(page.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/))
        return String(match.1)
    }

    func withWeb(_ body: @Sendable (Browser, Services) async throws -> Void) async throws {
        try await api.withAPI { client, services in
            _ = try await DemoDataSet(services: services).load()
            for role in Role.allCases {
                let campaign = role == .outsideAgent ? try await services.access.createCampaign(name: "Outside").id : nil
                _ = try await services.access.createUser(UserInput(login: "w-\(role.rawValue)", displayName: "W \(role.rawValue)", role: role,
                                                                   campaignId: campaign, language: "ru", password: Self.password))
            }
            try await body(Browser(client: client), services)
        }
    }

    static func ivan(_ services: Services) async throws -> UUID {
        try #require(try await services.parties.owner(of: .phone, address: DemoDataSet.ivanPhone)?.partyId)
    }

    @Test func aPageAskedForBeforeSignInComesBackAfterIt() async throws {
        try await withWeb { browser, services in
            var browser = browser
            let ivan = try await Self.ivan(services)
            // Given no session, When the customer page is asked for, Then sign-in comes first, with the way back
            let first = try await browser.get("/parties/\(ivan.uuidString)")
            #expect(first.status == .seeOther)
            #expect(first.headers[.location] == "/sign-in?next=/parties/\(ivan.uuidString)")
            // When signing in with that next page, Then the browser goes back to it and it shows the customer in Russian
            let back = try await browser.signIn("w-agent", next: "/parties/\(ivan.uuidString)")
            #expect(back == "/parties/\(ivan.uuidString)")
            let page = try await browser.get(try #require(back))
            let text = Self.html(page)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(text.contains(#"<html lang="ru">"#))
            #expect(text.contains("Иван Сергеевич"), "greeting by given name and patronymic")
            #expect(text.contains("Вероятно, звонит по поводу"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            // And an off-site `next` is never followed
            var other = Browser(client: browser.client)
            #expect(try await other.signIn("w-agent", next: "//evil.example/") == "/")
        }
    }

    @Test func aWrongPasswordKeepsTheLoginAndSaysWhyInTheUsersLanguage() async throws {
        try await withWeb { browser, _ in
            let response = try await browser.post("/sign-in", [("login", "w-agent"), ("password", "wrong"), ("next", "/desk"), ("lang", "ru")])
            let page = Self.html(response)
            #expect(response.status == .unauthorized)
            #expect(page.contains(#"value="w-agent""#))
            #expect(page.contains("неверный логин или пароль"))
            #expect(response.headers[.setCookie] == nil)
        }
    }

    @Test func anInteractionRecordedOnTheCustomerPageIsOnTheTimeline() async throws {
        try await withWeb { browser, services in
            var browser = browser
            let ivan = try await Self.ivan(services)
            _ = try await browser.signIn("w-agent")
            let page = Self.html(try await browser.get("/parties/\(ivan.uuidString)"))
            let csrf = try Self.csrf(page)
            // When the agent records a call with its outcome
            let saved = try await browser.post("/parties/\(ivan.uuidString)/interactions", [
                ("csrf", csrf), ("channel", "phone"), ("direction", "inbound"), ("subject", "Card blocked"), ("summary", "Asked to unblock"),
                ("outcome", "Unblocked while on the line"),
            ])
            // Then the page comes back with a notice and the entry on the timeline
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/parties/\(ivan.uuidString)?done=interaction")
            let after = Self.html(try await browser.get(try #require(saved.headers[.location])))
            #expect(after.contains("Контакт записан в историю."))
            let timeline = try #require(after.range(of: #"id="timeline""#))
            #expect(after[timeline.upperBound...].contains("Unblocked while on the line"))
            let trail = try await services.interactions.timeline(partyId: ivan, channels: [.phone], page: try PageRequest(limit: 5))
            #expect(trail.items.first?.outcome == "Unblocked while on the line")
            #expect(trail.items.first?.agent == "W agent")
        }
    }

    @Test func aRefusedFormKeepsWhatWasTypedAndShowsTheErrorBesideTheField() async throws {
        try await withWeb { browser, services in
            var browser = browser
            let ivan = try await Self.ivan(services)
            _ = try await browser.signIn("w-agent")
            let csrf = try Self.csrf(Self.html(try await browser.get("/parties/\(ivan.uuidString)")))
            let before = try await services.requests.list(partyId: ivan, status: nil, page: try PageRequest(limit: 50)).items.count
            // When a request is opened without a subject
            let response = try await browser.post("/parties/\(ivan.uuidString)/requests", [("csrf", csrf), ("type", "complaint"), ("subject", "  ")])
            let page = Self.html(response)
            // Then the page says so beside the subject, keeps the chosen type, and nothing is written
            #expect(response.status == .badRequest)
            #expect(page.contains(#"<p class="error" id="e-request-subject" role="alert">"#))
            #expect(page.contains(#"<option value="complaint" selected>"#))
            #expect(try await services.requests.list(partyId: ivan, status: nil, page: try PageRequest(limit: 50)).items.count == before)
            // And every element id on the page is used once
            let ids = page.matches(of: /\sid="([^"]+)"/).map { String($0.1) }
            #expect(Set(ids).count == ids.count, "duplicate ids: \(Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
        }
    }

    @Test func aFormPostWithoutTheSessionsTokenChangesNothing() async throws {
        try await withWeb { browser, services in
            var browser = browser
            let ivan = try await Self.ivan(services)
            _ = try await browser.signIn("w-agent")
            let response = try await browser.post("/parties/\(ivan.uuidString)/facts", [("csrf", "0000"), ("key", "children"), ("value", "2")])
            #expect(response.status == .forbidden)
            #expect(Self.html(response).contains("форма устарела"))
            #expect(try await services.profile.facts(partyId: ivan, history: true).contains { $0.key == "children" } == false)
        }
    }

    @Test func eachRoleSeesOnlyItsOwnPages() async throws {
        try await withWeb { browser, _ in
            let expectations: [(Role, String, HTTPResponse.Status)] = [
                (.agent, "/desk", .ok), (.agent, "/admin", .forbidden), (.agent, "/wallboard", .forbidden), (.agent, "/marketing", .forbidden),
                (.supervisor, "/wallboard", .ok), (.supervisor, "/admin", .forbidden), (.marketer, "/marketing", .ok), (.marketer, "/admin/rules", .ok),
                (.marketer, "/wallboard", .forbidden), (.administrator, "/admin", .ok), (.administrator, "/admin/audit", .ok),
                (.outsideAgent, "/desk", .forbidden), (.accountManager, "/marketing", .forbidden),
            ]
            for (role, path, status) in expectations {
                var b = Browser(client: browser.client)
                _ = try await b.signIn("w-\(role.rawValue)")
                let response = try await b.get(path)
                #expect(response.status == status, "\(role.rawValue) \(path)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(role.rawValue) \(path) is a page")
                if status == .forbidden { #expect(Self.html(response).contains(#"id="error-page""#)) }
            }
        }
    }

    @Test func anUnknownPageIsAPageAndAnUnknownAPIRouteStaysJSON() async throws {
        try await withWeb { browser, _ in
            let page = try await browser.get("/no/such/page")
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let api = try await browser.get("/api/v1/no-such-route")
            #expect(api.status == .notFound)
            #expect(api.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func theWallboardDrawsItsChartsAndOffersTheFiguresAsCSV() async throws {
        try await withWeb { browser, _ in
            var browser = browser
            _ = try await browser.signIn("w-supervisor")
            let page = Self.html(try await browser.get("/wallboard?from=2026-11-01&to=2026-11-07"))
            for chart in ["chart-hourly", "chart-sl", "chart-fcr", "chart-csat"] { #expect(page.contains(#"<svg id="\#(chart)""#)) }
            #expect(page.contains(#"id="wallboard-live" data-live="/api/v1/live/wallboard""#))
            #expect(page.matches(of: /<tr data-queue="/).count >= 1)
            let csv = try await browser.get("/wallboard/figures.csv?from=2026-11-01&to=2026-11-07&group_by=day")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(String(buffer: csv.body).hasPrefix("key,label,contacts,answered"))
            // A date that is not one is refused beside its field
            let bad = try await browser.get("/wallboard?from=2026-02-30")
            #expect(bad.status == .badRequest)
            #expect(Self.html(bad).contains(#"id="e-from""#))
        }
    }

    @Test func theWallboardsDaysAreTheInstallationsDays() async throws {
        try await withWeb { browser, services in
            var browser = browser
            // Given a call offered at 22:30 UTC on 1 November: 01:30 on 2 November in Moscow
            let late = ISO8601DateFormatter().date(from: "2026-11-01T22:30:00Z")!
            let result = try await services.contactCentre.ingest([ContactEventInput(eventId: "late-1", type: .offered, contactId: "late", occurredAt: late,
                                                                                    channel: .phone, address: DemoDataSet.ivanPhone)])
            #expect(result.results.allSatisfy { $0.error == nil })
            _ = try await browser.signIn("w-supervisor")
            // Then the page and its CSV count it on 2 November, and 1 November has none
            let page = Self.html(try await browser.get("/wallboard?from=2026-11-01&to=2026-11-02"))
            #expect(page.contains(#"<tr><td>2026-11-02</td><td class="num">1</td>"#))
            #expect(page.contains(#"<tr><td>2026-11-01</td><td class="num">0</td>"#))
            let csv = String(buffer: try await browser.get("/wallboard/figures.csv?from=2026-11-01&to=2026-11-02").body)
            #expect(csv.split(separator: "\n").contains { $0.hasPrefix("2026-11-02,,1,") })
            #expect(!csv.contains("2026-11-01,"))
        }
    }

    @Test func aTemplateChangedOnTheRulesPageIsANewVersionAndABrokenOneIsRefused() async throws {
        try await withWeb { browser, services in
            var browser = browser
            _ = try await browser.signIn("w-administrator")
            let page = Self.html(try await browser.get("/admin/rules"))
            let rule = try #require(try await services.proactive.rules().first { $0.template.ru != nil })
            let csrf = try Self.csrf(page)
            // A placeholder left open is refused and the rule stays as it was
            let broken = try await browser.post("/admin/rules/\(rule.key)/template", [("csrf", csrf), ("body_ru", "Здравствуйте, {{party.greeting")])
            #expect(broken.status == .badRequest)
            #expect(Self.html(broken).contains(#"id="form-error""#))
            #expect(try await services.proactive.rule(rule.key).version == rule.version)
            // A good one becomes the rule's next version
            let saved = try await browser.post("/admin/rules/\(rule.key)/template", [("csrf", csrf), ("body_ru", "{{party.greeting}}, новый текст"),
                                                                                   ("subject_ru", "Тема")])
            #expect(saved.status == .seeOther)
            let changed = try await services.proactive.rule(rule.key)
            #expect(changed.version == rule.version + 1)
            #expect(changed.template.ru?.body == "{{party.greeting}}, новый текст")
        }
    }

    @Test func aSegmentSavedOnTheMarketingPageIsCountedAtOnce() async throws {
        try await withWeb { browser, services in
            var browser = browser
            _ = try await browser.signIn("w-marketer")
            let first = Self.html(try await browser.get("/marketing"))  // the counts are now kept for a minute
            #expect(!first.contains(#"data-segment="ru-customers""#))
            let saved = try await browser.post("/marketing/segments", [("csrf", try Self.csrf(first)), ("key", "ru-customers"), ("name", "Russian customers"),
                                                                       ("match", "all"), ("conditions", "party.language eq ru\nparty.lifecycle_stage eq customer")])
            #expect(saved.status == .seeOther)
            let expected = try await services.analytics.count(try await services.analytics.segment("ru-customers").definition)
            #expect(expected > 0)
            let page = Self.html(try await browser.get("/marketing"))
            #expect(page.contains(#"<tr data-segment="ru-customers"><td>ru-customers</td><td>Russian customers</td><td class="num count">\#(expected)</td>"#))
        }
    }

    @Test func theLanguageSwitchStaysWithTheUser() async throws {
        try await withWeb { browser, services in
            var browser = browser
            _ = try await browser.signIn("w-agent")
            let csrf = try Self.csrf(Self.html(try await browser.get("/desk")))
            let switched = try await browser.post("/language", [("csrf", csrf), ("language", "en"), ("back", "/desk")])
            #expect(switched.headers[.location] == "/desk")
            let page = Self.html(try await browser.get("/desk"))
            #expect(page.contains(#"<html lang="en">"#))
            #expect(page.contains("Agent desk"))
            let user = try #require(try await services.access.users().first { $0.login == "w-agent" })
            #expect(user.language == "en")
        }
    }

    @Test func anOfferAcceptedOnTheCardCountsForTheOffer() async throws {
        try await withWeb { browser, services in
            var browser = browser
            let ivan = try await Self.ivan(services)
            _ = try await browser.signIn("w-agent")
            let page = Self.html(try await browser.get("/parties/\(ivan.uuidString)"))
            let key = String(try #require(page.firstMatch(of: /action="\/parties\/[0-9A-F-]+\/offers\/([a-z0-9-]+)"/)).1)
            let response = try await browser.post("/parties/\(ivan.uuidString)/offers/\(key)", [("csrf", try Self.csrf(page)), ("response", "accepted")])
            #expect(response.status == .seeOther)
            let acceptance = try await services.offers.acceptance(from: nil, to: nil)
            #expect(acceptance.first { $0.key == key }?.accepted == 1)
        }
    }

    @Test func onlyPathsOnThisSiteAreFollowedAfterSignIn() {
        #expect(WebResponse.safeLocal("/parties/1?x=2") == "/parties/1?x=2")
        for bad in ["//evil.example", "/\t/evil.example", "/\n/evil.example", "https://evil.example", "/\\evil.example", "evil", "/a b"] {
            #expect(WebResponse.safeLocal(bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test func theOutsideTeamCannotUseTheCustomerPagesForms() async throws {
        try await withWeb { browser, services in
            var browser = browser
            let ivan = try await Self.ivan(services)
            _ = try await browser.signIn("w-outside_agent")
            let csrf = try Self.csrf(Self.html(try await browser.get("/calls?campaign_id=\(UUID().uuidString)")))
            let before = try await services.interactions.timeline(partyId: ivan, channels: [], page: try PageRequest(limit: 100)).items.count
            // A bad channel would draw the customer page again with the error: it must not, for someone without customer_read
            let response = try await browser.post("/parties/\(ivan.uuidString)/interactions", [("csrf", csrf), ("channel", "bogus"), ("direction", "inbound")])
            #expect(response.status == .forbidden)
            #expect(!Self.html(response).contains("Иван Сергеевич"))
            let offer = try await browser.post("/parties/\(ivan.uuidString)/offers/education-loan", [("csrf", csrf), ("response", "accepted")])
            #expect(offer.status == .forbidden)
            #expect(try await services.interactions.timeline(partyId: ivan, channels: [], page: try PageRequest(limit: 100)).items.count == before)
        }
    }

    @Test func anInteractionCannotResolveAnotherCustomersRequest() async throws {
        try await withWeb { browser, services in
            var browser = browser
            let ivan = try await Self.ivan(services)
            let other = try await services.parties.create(PartyInput(kind: .person, surname: "Другой", givenName: "Клиент"))
            let foreign = try await services.requests.open(CustomerRequestInput(partyId: other.party.id, type: .question, subject: "Not Ivan's"))
            _ = try await browser.signIn("w-agent")
            let csrf = try Self.csrf(Self.html(try await browser.get("/parties/\(ivan.uuidString)")))
            let before = try await services.interactions.timeline(partyId: ivan, channels: [], page: try PageRequest(limit: 100)).items.count
            let response = try await browser.post("/parties/\(ivan.uuidString)/interactions", [
                ("csrf", csrf), ("channel", "phone"), ("direction", "inbound"), ("subject", "x"), ("request_id", foreign.id.uuidString), ("resolved", "1"),
            ])
            #expect(response.status == .badRequest)
            #expect(Self.html(response).contains(#"id="e-request_id""#))
            #expect(try await services.requests.get(foreign.id).status == .open)
            #expect(try await services.interactions.timeline(partyId: ivan, channels: [], page: try PageRequest(limit: 100)).items.count == before)
        }
    }

    @Test func everyTextATemplateNamesExistsInBothLanguages() throws {
        let names = WebViews.templateNames
        #expect(names.contains("layout") && names.contains("party") && names.contains("wallboard"))
        var missing: [String] = []
        for (name, text) in WebViews.files(in: "templates", extension: "mustache") {
            for match in text.matches(of: /\{\{[#^\/]?\s*t\.([a-z0-9_]+)\s*\}\}/) where WebText.en[String(match.1)] == nil {
                missing.append("\(name): \(match.1)")
            }
            #expect(WebViews.shared.render([String: String](), template: name).contains("failed to parse") == false, "\(name) parses")
        }
        #expect(missing.isEmpty, "\(missing)")
        #expect(WebText.en.count == WebText.entries.count, "no key is listed twice")
        #expect(WebText.entries.allSatisfy { !$0.1.isEmpty && !$0.2.isEmpty })
    }

    @Test func barsAreAsTallAsTheirValuesAndLabelsAreEscaped() {
        let svg = SVGChart.bars(id: "c", title: "A <b> & c", points: [.init(label: "x<y", value: 1), .init(label: "two", value: 2)], format: { String($0) })
        let heights = svg.matches(of: /<rect x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="([0-9.]+)"/).map { Double(String($0.1))! }
        #expect(heights.count == 2)
        #expect(abs(heights[1] - 2 * heights[0]) < 0.2)
        #expect(svg.contains("A &lt;b&gt; &amp; c"))
        #expect(!svg.contains("x<y"))
        let line = SVGChart.line(id: "l", title: "t", points: [.init(label: "a", value: 0.5), .init(label: "b", value: nil), .init(label: "c", value: 1)],
                                 maximum: 1, format: { String($0) })
        #expect(line.matches(of: /<circle/).count == 2, "a missing value draws no point")
        #expect(!line.contains("<polyline"), "and breaks the line")
    }
}

/// Consent texts: versioned, never edited, through the API and the admin page alike.
@Suite struct ConsentTextTests {
    let api = APITests()

    @Test func aPublishedVersionCannotBeChangedOnlySucceeded() async throws {
        try await api.withAPI { client, services in
            let body = #"{"purpose":"marketing","version":"m-2026-01","text_en":"I agree to offers","text_ru":"Согласен получать предложения"}"#
            let first = try await client.execute(uri: "/api/v1/consent-texts", method: .post, body: APITests.json(body))
            #expect(first.status == .created)
            // The same version again is refused and changes nothing
            let again = try await client.execute(uri: "/api/v1/consent-texts", method: .post,
                                                 body: APITests.json(body.replacingOccurrences(of: "I agree to offers", with: "Changed")))
            #expect(again.status == .conflict)
            #expect(try APITests.errorCode(again) == "consent_text_version_exists")
            let bad = try await client.execute(uri: "/api/v1/consent-texts", method: .post,
                                               body: APITests.json(#"{"purpose":"Marketing!","version":"x","text_en":"a","text_ru":"б"}"#))
            #expect(try APITests.errorCode(bad) == "invalid_key")
            let next = try await client.execute(uri: "/api/v1/consent-texts", method: .post,
                                                body: APITests.json(body.replacingOccurrences(of: "m-2026-01", with: "m-2026-02")))
            #expect(next.status == .created)
            let texts = try await services.profile.consentTexts()
            #expect(texts.map(\.version) == ["m-2026-02", "m-2026-01"])
            #expect(texts.last?.textEn == "I agree to offers")
        }
    }
}

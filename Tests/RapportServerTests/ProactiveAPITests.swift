import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RapportCore
import RapportEngine
import RapportServer
import RapportStorage
import RapportTestSupport
import Testing

/// A local SMS gateway or webhook receiver over real HTTP: records what arrives, honours the
/// idempotency key (a repeat is acknowledged but not delivered twice), and fails on request.
actor Receiver {
    struct Delivery: Sendable { var key: String; var body: String; var headers: [String: String] }
    private(set) var requests = 0
    private(set) var delivered: [Delivery] = []
    private var seen = Set<String>()
    /// Keys whose first request gets a 503.
    var failFirstAttempt = false
    private var failedOnce = Set<String>()

    func setFailFirstAttempt(_ on: Bool) { failFirstAttempt = on }

    func take(key: String, body: String, headers: [String: String]) -> HTTPResponse.Status {
        requests += 1
        if failFirstAttempt, failedOnce.insert(key).inserted { return .serviceUnavailable }
        if seen.insert(key).inserted { delivered.append(Delivery(key: key, body: body, headers: headers)) }
        return .ok
    }

    static func router(_ receiver: Receiver) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("in") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for f in request.headers { headers[f.name.canonicalName.lowercased()] = f.value }
            let status = await receiver.take(key: request.headers[HTTPField.Name("Idempotency-Key")!] ?? "", body: body, headers: headers)
            return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: #"{"message_id":"gw-\#(UUID().uuidString.prefix(8))"}"#)))
        }
        return router
    }
}

@Suite struct ProactiveAPITests {
    let api = APITests()

    static let orderDelayedType = #"""
    {"key":"order.delayed","description":"An order will arrive later than promised","fields":[
      {"name":"order_number","type":"string","max_length":20},{"name":"new_date","type":"date"},{"name":"reason","type":"string","required":false}]}
    """#
    static let orderDelayRule = #"""
    {"key":"order-delay","event_type":"order.delayed","audience":"order","purpose":"service","channels":["sms","email"],
     "template":{"ru":{"subject":"Заказ {{order.number}} задерживается","body":"{{party.greeting}}, заказ {{order.number}} приедет {{event.new_date}}. Извините!"},
                 "en":{"subject":"Order {{order.number}} is late","body":"Order {{order.number}} will arrive on {{event.new_date}}. Sorry!"}}}
    """#

    static func created(_ client: any TestClientProtocol, _ uri: String, _ json: String) async throws -> [String: Any] {
        let r = try await client.execute(uri: uri, method: .post, body: APITests.json(json))
        #expect(r.status == .created, "\(uri) → \(String(buffer: r.body))")
        return try APITests.object(r)
    }

    @Test func badRulesAndEventsAreRefusedWithAClearCodeAndChangeNothing() async throws {
        try await api.withAPI { client, _ in
            _ = try await Self.created(client, "/api/v1/event-types", Self.orderDelayedType)
            func refused(_ uri: String, _ json: String, _ code: String, status: HTTPResponse.Status = .badRequest) async throws {
                let r = try await client.execute(uri: uri, method: .post, body: APITests.json(json))
                #expect(r.status == status, "\(json) → \(String(buffer: r.body))")
                #expect(try APITests.errorCode(r) == code, "\(String(buffer: r.body))")
            }
            // A template that names a variable the event does not carry
            try await refused("/api/v1/rules", Self.orderDelayRule.replacingOccurrences(of: "{{event.new_date}}. Извините", with: "{{event.tracking}}. Извините"),
                              "unknown_template_variable")
            // One that names an optional field (it may be missing at send time)
            try await refused("/api/v1/rules", Self.orderDelayRule.replacingOccurrences(of: "{{event.new_date}}. Sorry", with: "{{event.reason}}. Sorry"),
                              "unknown_template_variable")
            // An SMS that can outgrow one part
            let long = String(repeating: "Приносим извинения за задержку. ", count: 3)
            try await refused("/api/v1/rules", Self.orderDelayRule.replacingOccurrences(of: #""channels":["sms","email"]"#, with: #""channels":["sms","email"],"sms_max_parts":1"#)
                .replacingOccurrences(of: "Извините!", with: long), "sms_too_long")
            // An audience the event cannot reach
            try await refused("/api/v1/rules", Self.orderDelayRule.replacingOccurrences(of: #""audience":"order""#, with: #""audience":"flight""#),
                              "audience_field_missing")
            // Events of an unknown type, with an unknown field, with a bad date
            try await refused("/api/v1/events", #"{"event_type":"order.lost","payload":{}}"#, "unknown_event_type")
            try await refused("/api/v1/events", #"{"event_type":"order.delayed","payload":{"order_number":"A-1","new_date":"2026-11-20","colour":"red"}}"#,
                              "unknown_payload_field")
            try await refused("/api/v1/events", #"{"event_type":"order.delayed","payload":{"order_number":"A-1","new_date":"2026-13-40"}}"#, "invalid_date")
            try await refused("/api/v1/events", #"{"event_type":"order.delayed","payload":{"new_date":"2026-11-20"}}"#, "missing_field")
            // Nothing was stored
            let rules = try APITests.object(try await client.execute(uri: "/api/v1/rules", method: .get))
            #expect((rules["items"] as? [Any])?.isEmpty == true)
            let events = try APITests.object(try await client.execute(uri: "/api/v1/events", method: .get))
            #expect((events["items"] as? [Any])?.isEmpty == true)
            // A second rule with the same key is a conflict; PUT makes version 2 and keeps version 1
            _ = try await Self.created(client, "/api/v1/rules", Self.orderDelayRule)
            try await refused("/api/v1/rules", Self.orderDelayRule, "rule_exists", status: .conflict)
            let v2 = try await client.execute(uri: "/api/v1/rules/order-delay", method: .put,
                                              body: APITests.json(Self.orderDelayRule.replacingOccurrences(of: "Извините!", with: "Простите!")))
            let v2Version = try APITests.object(v2)["version"] as? Int
            #expect(v2.status == .ok && v2Version == 2)
            let versions = try APITests.object(try await client.execute(uri: "/api/v1/rules/order-delay/versions", method: .get))
            #expect((versions["items"] as? [[String: Any]])?.map { $0["version"] as? Int } == [2, 1])
            // Changing the event type so that the rule would break is refused
            let narrowed = try await client.execute(uri: "/api/v1/event-types/order.delayed", method: .put, body: APITests.json(
                #"{"fields":[{"name":"order_number","type":"string"}]}"#))
            let narrowedCode = try APITests.errorCode(narrowed)
            #expect(narrowed.status == .conflict && narrowedCode == "rule_incompatible")
        }
    }

    /// S5: a delayed order warns the customer before they call, over a real HTTP SMS gateway that
    /// fails the first attempt; when they call anyway, the agent's card shows the warning.
    @Test func aDelayedOrderWarnsTheCustomerBySMSAndTheCardShowsTheWarningWhenTheyCall() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer(), bcryptCost: 4)
            let token = try await services.access.issueToken(APITokenInput(name: "tests", scopes: [.admin]), by: nil).secret
            let receiver = Receiver()
            await receiver.setFailFirstAttempt(true)
            let gateway = Application(router: Receiver.router(receiver))
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                try await gateway.test(.live) { gatewayClient in
                    let port = try #require(gatewayClient.port)
                    let app = Application(router: RapportRouter.build(services: services, options: HTTPOptions(requestsPerSecond: 0, failedCredentialsPerSecond: 0,
                                                                                                                 liveStreamLimit: .milliseconds(50))))
                    try await app.test(.router) { base in
                        let client = APITests.AuthorizedClient(base: base, token: token)
                        // Given Ivan with a mobile number and an order, and the delay rule
                        let ivan = try await Self.created(client, "/api/v1/parties", APITests.ivan)
                        let ivanId = try #require(ivan["id"] as? String)
                        _ = try await Self.created(client, "/api/v1/orders", #"{"number":"FL-1001","party_id":"\#(ivanId)","lines":[{"description":"Розы","quantity":1,"unit_price_minor":350000}]}"#)
                        _ = try await Self.created(client, "/api/v1/event-types", Self.orderDelayedType)
                        _ = try await Self.created(client, "/api/v1/rules", Self.orderDelayRule)
                        // When the shop's system posts the delay
                        let posted = try await Self.created(client, "/api/v1/events",
                                                            #"{"event_type":"order.delayed","external_id":"wms-77","payload":{"order_number":"FL-1001","new_date":"2026-11-30"}}"#)
                        #expect(posted["queued"] as? Int == 1 && posted["duplicate"] as? Bool == false)
                        let again = try await client.execute(uri: "/api/v1/events", method: .post, body: APITests.json(
                            #"{"event_type":"order.delayed","external_id":"wms-77","payload":{"order_number":"FL-1001","new_date":"2026-11-30"}}"#))
                        let duplicate = try APITests.object(again)["duplicate"] as? Bool
                        #expect(again.status == .ok && duplicate == true)
                        // And the dispatcher sends it through the gateway (the first attempt fails, the retry gets through)
                        let dispatcher = OutboxDispatcher(
                            store: ProactiveStore(database: db),
                            channels: ChannelSet(sms: SMSGatewayChannel(settings: .init(url: "http://127.0.0.1:\(port)/in", authHeader: ("X-Api-Key", "k1")),
                                                                        client: http)),
                            clock: SystemClock(), settings: .init(retry: RetryPolicy(maxAttempts: 5, baseSeconds: 0.05, capSeconds: 0.2)))
                        for _ in 0..<100 {
                            _ = try await dispatcher.drain()
                            if (try await services.proactive.statusCounts()[.sent] ?? 0) > 0 { break }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        // Then the gateway got one SMS, twice asked, with the same idempotency key and the auth header
                        let delivered = await receiver.delivered
                        let requests = await receiver.requests
                        #expect(delivered.count == 1 && requests == 2)
                        let sms = try #require(delivered.first)
                        let body = try #require(try JSONSerialization.jsonObject(with: Data(sms.body.utf8)) as? [String: String])
                        #expect(body["to"] == "+79161234567")
                        #expect(body["text"] == "Иван, заказ FL-1001 приедет 30.11.2026. Извините!")
                        #expect(body["id"] == sms.key && sms.headers["x-api-key"] == "k1")
                        let messages = try APITests.object(try await client.execute(uri: "/api/v1/messages?party_id=\(ivanId)", method: .get))
                        let message = try #require((messages["items"] as? [[String: Any]])?.first)
                        #expect(message["status"] as? String == "sent" && message["attempts"] as? Int == 2)
                        #expect((message["id"] as? String)?.lowercased() == sms.key)
                        // And a delivery receipt from the gateway marks it delivered
                        let receipt = try await client.execute(uri: "/api/v1/messages/receipts", method: .post, body: APITests.json(
                            #"{"message_id":"\#(sms.key)","status":"delivered"}"#))
                        let receiptStatus = try APITests.object(receipt)["status"] as? String
                        #expect(receipt.status == .ok && receiptStatus == "delivered")
                        // When Ivan calls anyway, the card shows the warning already sent
                        let card = try APITests.object(try await client.execute(uri: "/api/v1/parties/\(ivanId)/card", method: .get))
                        let proactive = try #require(card["proactive_messages"] as? [[String: Any]])
                        #expect(proactive.first?["channel"] as? String == "sms")
                        #expect(proactive.first?["summary"] as? String == "Иван, заказ FL-1001 приедет 30.11.2026. Извините!")
                        #expect(proactive.first?["outcome"] as? String == "delivered")
                    }
                }
            } catch {
                try? await http.shutdown()
                await services.audit.close()
                throw error
            }
            try await http.shutdown()
            await services.audit.close()
        }
    }

    @Test func aWebhookCarriesTheMessageSignedWithHMACSHA256() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer(), bcryptCost: 4)
            let receiver = Receiver()
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                try await Application(router: Receiver.router(receiver)).test(.live) { gatewayClient in
                    let port = try #require(gatewayClient.port)
                    // Given a rule that tells the warehouse system about every delay
                    let ivan = try await services.parties.create(try JSONDecoder.api.decode(PartyInput.self, from: Data(APITests.ivan.utf8)))
                    _ = try await services.commerce.createOrder(OrderInput(number: "FL-2", partyId: ivan.party.id,
                                                                           lines: [OrderLine(itemId: nil, description: "Тюльпаны", quantity: 1, unitPriceMinor: 1000)]))
                    _ = try await services.proactive.createEventType(try JSONDecoder.api.decode(EventTypeInput.self, from: Data(Self.orderDelayedType.utf8)))
                    _ = try await services.proactive.createRule(ProactiveRuleInput(
                        key: "delay-to-wms", eventType: "order.delayed", audience: .order, purpose: "operations", channels: [.webhook],
                        template: MessageTemplate(en: MessageText(body: "order {{order.number}} now due {{event.new_date}}")),
                        webhookUrl: "http://127.0.0.1:\(port)/in"), by: nil)
                    // When the delay comes in and the dispatcher runs
                    let (event, _) = try await services.proactive.post(BusinessEventInput(eventType: "order.delayed",
                                                                                          payload: ["order_number": .string("FL-2"), "new_date": .string("2026-12-01")]))
                    #expect(event.outcome.queued == 1)
                    let dispatcher = OutboxDispatcher(store: ProactiveStore(database: db),
                                                      channels: ChannelSet(webhook: WebhookChannel(secret: "s3cret", client: http, clock: SystemClock())),
                                                      clock: SystemClock())
                    _ = try await dispatcher.drain()
                    // Then the receiver can check the signature over timestamp and body
                    let hook = try #require(await receiver.delivered.first)
                    let signature = try #require(hook.headers["x-rapport-signature"])
                    let parts = Dictionary(uniqueKeysWithValues: signature.split(separator: ",").map { p in
                        let kv = p.split(separator: "=", maxSplits: 1); return (String(kv[0]), String(kv[1]))
                    })
                    let t = try #require(parts["t"].flatMap { Int($0) })
                    #expect(parts["v1"] == WebhookChannel.signature(secret: "s3cret", timestamp: t, body: hook.body))
                    #expect(parts["v1"] != WebhookChannel.signature(secret: "other", timestamp: t, body: hook.body))
                    let doc = try #require(try JSONSerialization.jsonObject(with: Data(hook.body.utf8)) as? [String: Any])
                    #expect(doc["text"] as? String == "order FL-2 now due 01.12.2026" && doc["rule"] as? String == "delay-to-wms")
                    // A webhook is system to system: it is not on the customer's trail
                    let hookMessage = try await services.proactive.messages(MessageQuery(partyId: ivan.party.id, page: try PageRequest())).items.first
                    #expect(hookMessage?.status == .sent && hookMessage?.interactionId == nil)
                }
            } catch {
                try? await http.shutdown()
                await services.audit.close()
                throw error
            }
            try await http.shutdown()
            await services.audit.close()
        }
    }
}

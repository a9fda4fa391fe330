import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

/// S3's e-mails exchanged with a real SMTP server (aiosmtpd, started by scripts/test.sh on
/// 127.0.0.1 with STARTTLS, AUTH and a domain that answers 451): the order confirmation at once,
/// the shipment notice with its tracking link; temporary refusals are retried, wrong credentials
/// are permanent.
@Suite(.enabled(if: SMTPTestServer.current != nil, "scripts/test.sh starts the SMTP server and sets RAPPORT_TEST_SMTP_*"))
struct EmailChannelTests {
    func withShop(_ body: @Sendable (Services, Database) async throws -> Void) async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer())
            _ = try await services.proactive.createEventType(EventTypeInput(key: "order.confirmed", fields: [EventField(name: "order_number", type: .string)]))
            _ = try await services.proactive.createEventType(EventTypeInput(key: "shipment.dispatched", fields: [
                EventField(name: "order_number", type: .string), EventField(name: "tracking_url", type: .string, maxLength: 300),
            ]))
            _ = try await services.proactive.createRule(ProactiveRuleInput(
                key: "order-confirmation", eventType: "order.confirmed", audience: .order, purpose: "service", channels: [.email],
                template: MessageTemplate(ru: MessageText(subject: "Заказ {{order.number}} принят", body: "{{party.greeting}}, спасибо! Заказ {{order.number}} принят.\n.\nЦветочная лавка"))), by: nil)
            _ = try await services.proactive.createRule(ProactiveRuleInput(
                key: "shipment-notice", eventType: "shipment.dispatched", audience: .order, purpose: "service", channels: [.email],
                template: MessageTemplate(ru: MessageText(subject: "Заказ {{order.number}} в пути", body: "Отследить доставку: {{event.tracking_url}}"))), by: nil)
            try await body(services, db)
        }
    }

    func customer(_ services: Services, email: String, order: String) async throws -> UUID {
        let party = try await services.parties.create(PartyInput(kind: .person, surname: "Ольгина", givenName: "Ольга", patronymic: "Ивановна",
                                                                 identities: [IdentityInput(kind: .email, value: email)]))
        _ = try await services.commerce.createOrder(OrderInput(number: order, partyId: party.party.id,
                                                               lines: [OrderLine(itemId: nil, description: "Розы", quantity: 11, unitPriceMinor: 25000)]))
        return party.party.id
    }

    @Test func theOrderConfirmationAndTheShipmentNoticeArriveAtARealMailServerOverSTARTTLSWithAuth() async throws {
        let server = try #require(SMTPTestServer.current)
        try await withShop { services, db in
            let before = server.messages().count
            let olga = try await customer(services, email: "olga@example.com", order: "FL-501")
            _ = try await services.proactive.post(BusinessEventInput(eventType: "order.confirmed", payload: ["order_number": .string("FL-501")]))
            _ = try await services.proactive.post(BusinessEventInput(eventType: "shipment.dispatched", payload: [
                "order_number": .string("FL-501"), "tracking_url": .string("https://track.example/FL-501")]))
            let dispatcher = OutboxDispatcher(store: ProactiveStore(database: db), channels: ChannelSet(email: server.channel()), clock: SystemClock())
            #expect(try await dispatcher.drain() == 2)
            // Then two mails are in the server's maildir, decoded as sent
            let mails = server.messages().dropFirst(before).map(SMTPTestServer.decode)
            #expect(mails.map(\.subject).sorted() == ["Заказ FL-501 в пути", "Заказ FL-501 принят"])
            let confirmation = try #require(mails.first { $0.subject == "Заказ FL-501 принят" })
            #expect(confirmation.body == "Ольга Ивановна, спасибо! Заказ FL-501 принят.\r\n.\r\nЦветочная лавка")
            #expect(confirmation.headers["to"] == "olga@example.com")
            #expect(mails.first { $0.subject == "Заказ FL-501 в пути" }?.body == "Отследить доставку: https://track.example/FL-501")
            // And the messages are sent, with the server's acceptance, on Olga's trail
            let sent = try await services.proactive.messages(MessageQuery(partyId: olga, page: try PageRequest())).items
            #expect(sent.count == 2 && sent.allSatisfy { $0.status == .sent && ($0.providerId ?? "").hasPrefix("250") && $0.interactionId != nil })
            let messageIds = Set(mails.compactMap { $0.headers["message-id"] })
            #expect(messageIds == Set(sent.map { "<\($0.idempotencyKey)@rapport>" }))
        }
    }

    @Test func aTemporaryRefusalIsRetriedAndWrongCredentialsGoStraightToTheDeadLetters() async throws {
        let server = try #require(SMTPTestServer.current)
        try await withShop { services, db in
            // Given a customer whose mail domain answers 451, and one whose mail we send with a wrong password
            let later = try await customer(services, email: "anna@\(SMTPTestServer.failDomain)", order: "FL-601")
            _ = try await services.proactive.post(BusinessEventInput(eventType: "order.confirmed", payload: ["order_number": .string("FL-601")]))
            let store = ProactiveStore(database: db)
            let retry = RetryPolicy(maxAttempts: 5, baseSeconds: 60)
            _ = try await OutboxDispatcher(store: store, channels: ChannelSet(email: server.channel()), clock: SystemClock(),
                                           settings: .init(retry: retry)).drain()
            let waiting = try #require(try await services.proactive.messages(MessageQuery(partyId: later, page: try PageRequest())).items.first)
            #expect(waiting.status == .queued && waiting.attempts == 1 && (waiting.lastError ?? "").contains("451"))
            // When the password is wrong, the failure is permanent
            let bob = try await customer(services, email: "bob@example.com", order: "FL-602")
            _ = try await services.proactive.post(BusinessEventInput(eventType: "order.confirmed", payload: ["order_number": .string("FL-602")]))
            _ = try await OutboxDispatcher(store: store, channels: ChannelSet(email: server.channel(password: "wrong")), clock: SystemClock(),
                                           settings: .init(retry: retry)).drain()
            let dead = try #require(try await services.proactive.messages(MessageQuery(partyId: bob, page: try PageRequest())).items.first)
            #expect(dead.status == .dead && dead.reason == "permanent_failure")
        }
    }
}

/// The SMTP server scripts/test.sh starts for the test run.
struct SMTPTestServer: Sendable {
    static let failDomain = "fail.test"
    let port: Int
    let maildir: String
    let caFile: String
    let user: String
    let password: String

    static let current: SMTPTestServer? = {
        let env = ProcessInfo.processInfo.environment
        guard let port = env["RAPPORT_TEST_SMTP_PORT"].flatMap(Int.init), let maildir = env["RAPPORT_TEST_SMTP_MAILDIR"],
              let ca = env["RAPPORT_TEST_SMTP_CA"], let user = env["RAPPORT_TEST_SMTP_USER"], let password = env["RAPPORT_TEST_SMTP_PASSWORD"] else { return nil }
        return SMTPTestServer(port: port, maildir: maildir, caFile: ca, user: user, password: password)
    }()

    func channel(password: String? = nil) -> EmailChannel {
        EmailChannel(client: SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: port, security: .startTLSRequired, username: user,
                                                               password: password ?? self.password, caFile: caFile, timeout: 10)),
                     from: "shop@rapport.test", fromName: "Цветочная лавка")
    }

    /// The raw messages in arrival order.
    func messages() -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: maildir)) ?? []).filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }
        return names.sorted { Int($0.dropLast(4)) ?? 0 < Int($1.dropLast(4)) ?? 0 }
            .compactMap { try? String(contentsOfFile: maildir + "/" + $0, encoding: .utf8) }
    }

    struct Mail { var headers: [String: String]; var subject: String; var body: String }

    /// Unfolds headers, decodes RFC 2047 encoded words and the base64 body.
    static func decode(_ raw: String) -> Mail {
        let parts = raw.components(separatedBy: "\r\n\r\n")
        var headers: [String: String] = [:]
        var last: String? = nil
        for line in parts[0].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), let key = last { headers[key, default: ""] += line.trimmingCharacters(in: .whitespaces); continue }
            let kv = line.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { continue }
            last = kv[0].lowercased()
            headers[last!] = kv[1].trimmingCharacters(in: .whitespaces)
        }
        func words(_ text: String) -> String {
            var out = "", rest = Substring(text)
            while let start = rest.range(of: "=?UTF-8?B?", options: .caseInsensitive), let end = rest[start.upperBound...].range(of: "?=") {
                out += Data(base64Encoded: String(rest[start.upperBound..<end.lowerBound])).map { String(decoding: $0, as: UTF8.self) } ?? ""
                rest = rest[end.upperBound...]
            }
            return out.isEmpty ? text : out
        }
        let body64 = parts.dropFirst().joined(separator: "\r\n\r\n").components(separatedBy: "\r\n").joined()
        let body = Data(base64Encoded: body64).map { String(decoding: $0, as: UTF8.self) } ?? body64
        return Mail(headers: headers, subject: words(headers["subject"] ?? ""), body: body)
    }
}

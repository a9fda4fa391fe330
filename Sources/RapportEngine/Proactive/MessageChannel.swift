import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import RapportCore

/// An outbound side effect: hands one message to the world and says what came of it. The
/// message's idempotency key travels with it, so a receiver can drop a repeat after a crash.
public protocol MessageChannel: Sendable {
    func send(_ message: OutboundMessage) async -> SendOutcome
}

/// The channels this node can send on; a message for a channel that is not configured waits in
/// the queue (it is not failed) until one is.
public struct ChannelSet: Sendable {
    public var sms: (any MessageChannel)?
    public var email: (any MessageChannel)?
    public var webhook: (any MessageChannel)?

    public init(sms: (any MessageChannel)? = nil, email: (any MessageChannel)? = nil, webhook: (any MessageChannel)? = nil) {
        self.sms = sms; self.email = email; self.webhook = webhook
    }

    public func channel(_ c: OutboundChannel) -> (any MessageChannel)? {
        switch c {
        case .sms: sms
        case .email: email
        case .webhook: webhook
        }
    }

    public var configured: [OutboundChannel] { OutboundChannel.allCases.filter { channel($0) != nil } }
}

/// How an HTTP answer counts: 2xx sent; 408, 425, 429 and 5xx worth retrying; any other 4xx permanent.
enum HTTPDelivery {
    static func outcome(status: UInt, body: ByteBuffer?) -> SendOutcome {
        switch status {
        case 200..<300:
            return .sent(providerId: body.flatMap(providerId))
        case 408, 425, 429, 500..<600:
            return .retry("HTTP \(status)")
        default:
            return .permanent("HTTP \(status)")
        }
    }

    /// `id` or `message_id` from a JSON answer, if the receiver gave one.
    static func providerId(_ body: ByteBuffer) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return nil }
        for key in ["message_id", "id"] {
            if let s = object[key] as? String { return String(s.prefix(200)) }
            if let n = object[key] as? NSNumber { return n.stringValue }
        }
        return nil
    }

    static func post(_ client: HTTPClient, url: String, headers: [(String, String)], body: String, timeout: TimeAmount) async -> SendOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let answer = try? await response.body.collect(upTo: 64 * 1024)
            return outcome(status: response.status.code, body: answer)
        } catch {
            return .retry("transport: \(type(of: error))")
        }
    }
}

/// SMS through an HTTP gateway: the URL, an optional auth header and the body template are
/// configuration. The template's `{{to}}`, `{{text}}`, `{{id}}` (the idempotency key) and
/// `{{sender}}` are filled in JSON-escaped; the key also goes in an `Idempotency-Key` header.
public struct SMSGatewayChannel: MessageChannel {
    public struct Settings: Sendable, Equatable {
        public var url: String
        public var authHeader: (name: String, value: String)?
        public var bodyTemplate: String
        public var contentType: String
        public var sender: String
        public var timeoutSeconds: Int64

        public static let defaultBody = #"{"to":"{{to}}","text":"{{text}}","id":"{{id}}","sender":"{{sender}}"}"#

        public init(url: String, authHeader: (name: String, value: String)? = nil, bodyTemplate: String = Self.defaultBody,
                    contentType: String = "application/json", sender: String = "Rapport", timeoutSeconds: Int64 = 10) {
            self.url = url; self.authHeader = authHeader; self.bodyTemplate = bodyTemplate; self.contentType = contentType
            self.sender = sender; self.timeoutSeconds = timeoutSeconds
        }

        public static func == (a: Settings, b: Settings) -> Bool {
            a.url == b.url && a.authHeader?.name == b.authHeader?.name && a.authHeader?.value == b.authHeader?.value
                && a.bodyTemplate == b.bodyTemplate && a.contentType == b.contentType && a.sender == b.sender
        }
    }

    let settings: Settings
    let client: HTTPClient

    public init(settings: Settings, client: HTTPClient) { self.settings = settings; self.client = client }

    public func body(for m: OutboundMessage) -> String {
        let json = settings.contentType.contains("json")
        func esc(_ s: String) -> String { json ? JSONText.escape(s) : (s.addingPercentEncoding(withAllowedCharacters: Self.formSafe) ?? "") }
        return TemplateText.render(settings.bodyTemplate, ["to": esc(m.address ?? ""), "text": esc(m.body ?? ""), "id": esc(m.idempotencyKey),
                                                          "sender": esc(settings.sender)])
    }

    /// ASCII letters, digits and `-._~`: everything else (Cyrillic included) is percent-encoded in a form body.
    static let formSafe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public func send(_ message: OutboundMessage) async -> SendOutcome {
        var headers = [("Content-Type", settings.contentType), ("Idempotency-Key", message.idempotencyKey)]
        if let auth = settings.authHeader { headers.append((auth.name, auth.value)) }
        return await HTTPDelivery.post(client, url: settings.url, headers: headers, body: body(for: message), timeout: .seconds(settings.timeoutSeconds))
    }
}

/// Webhooks to other systems: a JSON document per message, signed with HMAC-SHA256 over
/// `timestamp.body` (`X-Rapport-Signature: t=…,v1=hex`), so a receiver can check origin and age.
public struct WebhookChannel: MessageChannel {
    let secret: SymmetricKey
    let client: HTTPClient
    let clock: any Clock

    public init(secret: String, client: HTTPClient, clock: any Clock) {
        self.secret = SymmetricKey(data: Data(secret.utf8)); self.client = client; self.clock = clock
    }

    public static func signature(secret: String, timestamp: Int, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    public func send(_ message: OutboundMessage) async -> SendOutcome {
        guard let url = message.address else { return .permanent("no webhook URL") }
        let document: [String: String?] = [
            "message_id": message.idempotencyKey, "rule": message.ruleKey, "event_id": message.eventId?.uuidString.lowercased(),
            "party_id": message.partyId.uuidString.lowercased(), "purpose": message.purpose, "language": message.language,
            "subject": message.subject, "text": message.body,
        ]
        let body = JSONText.object(document)
        let timestamp = Int(clock.now().timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: secret).map { String(format: "%02x", $0) }.joined()
        return await HTTPDelivery.post(client, url: url, headers: [("Content-Type", "application/json"), ("Idempotency-Key", message.idempotencyKey),
                                                                    ("X-Rapport-Signature", "t=\(timestamp),v1=\(mac)")],
                                       body: body, timeout: .seconds(10))
    }
}

/// E-mail through our SMTP client; the message id is the Message-ID and an idempotency header.
public struct EmailChannel: MessageChannel {
    let client: SMTPClient
    let from: String
    let fromName: String?

    public init(client: SMTPClient, from: String, fromName: String?) { self.client = client; self.from = from; self.fromName = fromName }

    public func send(_ message: OutboundMessage) async -> SendOutcome {
        guard let to = message.address else { return .permanent("no address") }
        let mail = SMTPMessage(from: from, fromName: fromName, to: to, subject: message.subject ?? "", textBody: message.body ?? "",
                               messageId: "<\(message.idempotencyKey)@rapport>", headers: ["X-Rapport-Idempotency-Key": message.idempotencyKey])
        do {
            let reply = try await client.send(mail)
            return .sent(providerId: String(reply.prefix(200)))
        } catch let error as SMTPError {
            return error.isPermanent ? .permanent("smtp: \(error)") : .retry("smtp: \(error)")
        } catch {
            return .retry("smtp: \(type(of: error))")
        }
    }
}

/// JSON text without a full encoder (hot path of the dispatcher).
enum JSONText {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    static func object(_ fields: [String: String?]) -> String {
        "{" + fields.keys.sorted().map { k in "\"\(k)\":" + (fields[k]!.map { "\"\(escape($0))\"" } ?? "null") }.joined(separator: ",") + "}"
    }
}

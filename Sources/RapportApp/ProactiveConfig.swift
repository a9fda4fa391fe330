import Foundation
import RapportCore
import RapportEngine

/// Outbound channels and the workers that send, from the environment. A channel without its
/// settings is off: messages for it wait in the outbox until it is configured.
public struct ProactiveConfig: Sendable {
    /// `RAPPORT_TIME_ZONE` (default Europe/Moscow): for customers without their own zone, and the scheduler's day.
    public var timeZone: TimeZone
    /// `RAPPORT_SMS_GATEWAY_URL`, `RAPPORT_SMS_GATEWAY_AUTH_HEADER` ("Name: value"), `RAPPORT_SMS_GATEWAY_BODY`
    /// (template with {{to}} {{text}} {{id}} {{sender}}), `RAPPORT_SMS_GATEWAY_CONTENT_TYPE`, `RAPPORT_SMS_SENDER`.
    public var sms: SMSGatewayChannel.Settings?
    /// `RAPPORT_SMTP_HOST`, `_PORT` (587), `_SECURITY` (starttls | starttls_required | none), `_USER`, `_PASSWORD`,
    /// `_CA_FILE`, and `RAPPORT_MAIL_FROM`, `RAPPORT_MAIL_FROM_NAME`.
    public var smtp: SMTPSettings?
    public var mailFrom: String
    public var mailFromName: String?
    /// `RAPPORT_WEBHOOK_SECRET`: the HMAC-SHA256 key webhooks are signed with; the webhook channel is on when set.
    public var webhookSecret: String?
    /// `RAPPORT_OUTBOX_LEASE_SECONDS` (60), `RAPPORT_OUTBOX_CONCURRENCY` (64), `RAPPORT_OUTBOX_BATCH` (500),
    /// `RAPPORT_OUTBOX_MAX_ATTEMPTS` (8), `RAPPORT_OUTBOX_RETRY_SECONDS` (30, doubled per attempt, at most an hour).
    public var dispatcher: OutboxDispatcher.Settings
    /// `RAPPORT_REMINDER_INTERVAL_SECONDS` (3600): how often date rules are looked at.
    public var reminderInterval: Double
    /// `RAPPORT_WORKERS` (on): whether `serve` also runs the dispatcher and the scheduler.
    public var workers: Bool

    public init(environment: [String: String]) throws {
        func number(_ key: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Double {
            guard let text = environment[key] else { return fallback }
            guard let v = Double(text), range.contains(v) else {
                throw ConfigError("\(key) must be a number from \(range.lowerBound) to \(range.upperBound), got \(text)")
            }
            return v
        }
        let zone = environment["RAPPORT_TIME_ZONE"] ?? "Europe/Moscow"
        guard let tz = TimeZone(identifier: zone) else { throw ConfigError("RAPPORT_TIME_ZONE must be a time zone like Europe/Moscow, got \(zone)") }
        timeZone = tz
        if let url = environment["RAPPORT_SMS_GATEWAY_URL"], !url.isEmpty {
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? "") else {
                throw ConfigError("RAPPORT_SMS_GATEWAY_URL must be an http(s) URL, got \(url)")
            }
            var auth: (String, String)? = nil
            if let header = environment["RAPPORT_SMS_GATEWAY_AUTH_HEADER"], !header.isEmpty {
                let parts = header.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { throw ConfigError("RAPPORT_SMS_GATEWAY_AUTH_HEADER must look like 'Authorization: Bearer …'") }
                auth = (String(parts[0]).trimmingCharacters(in: .whitespaces), String(parts[1]).trimmingCharacters(in: .whitespaces))
            }
            sms = SMSGatewayChannel.Settings(url: url, authHeader: auth,
                                             bodyTemplate: environment["RAPPORT_SMS_GATEWAY_BODY"] ?? SMSGatewayChannel.Settings.defaultBody,
                                             contentType: environment["RAPPORT_SMS_GATEWAY_CONTENT_TYPE"] ?? "application/json",
                                             sender: environment["RAPPORT_SMS_SENDER"] ?? "Rapport")
        }
        mailFrom = environment["RAPPORT_MAIL_FROM"] ?? "rapport@localhost"
        mailFromName = environment["RAPPORT_MAIL_FROM_NAME"]
        if let host = environment["RAPPORT_SMTP_HOST"], !host.isEmpty {
            let securityText = environment["RAPPORT_SMTP_SECURITY"] ?? "starttls"
            guard let security = SMTPSettings.Security(rawValue: securityText) else {
                throw ConfigError("RAPPORT_SMTP_SECURITY must be one of: starttls, starttls_required, none; got \(securityText)")
            }
            smtp = SMTPSettings(host: host, port: Int(try number("RAPPORT_SMTP_PORT", 587, 1...65535)), security: security,
                                username: environment["RAPPORT_SMTP_USER"], password: environment["RAPPORT_SMTP_PASSWORD"],
                                caFile: environment["RAPPORT_SMTP_CA_FILE"])
        }
        webhookSecret = environment["RAPPORT_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        dispatcher = OutboxDispatcher.Settings(
            batchSize: Int(try number("RAPPORT_OUTBOX_BATCH", 500, 1...5000)),
            concurrency: Int(try number("RAPPORT_OUTBOX_CONCURRENCY", 64, 1...1024)),
            leaseSeconds: try number("RAPPORT_OUTBOX_LEASE_SECONDS", 60, 1...86_400),
            retry: RetryPolicy(maxAttempts: Int(try number("RAPPORT_OUTBOX_MAX_ATTEMPTS", 8, 1...100)),
                               baseSeconds: try number("RAPPORT_OUTBOX_RETRY_SECONDS", 30, 0.01...86_400)))
        reminderInterval = try number("RAPPORT_REMINDER_INTERVAL_SECONDS", 3600, 1...86_400)
        workers = !["0", "off", "false", "no"].contains((environment["RAPPORT_WORKERS"] ?? "on").lowercased())
    }

    /// The channels configured here.
    public var channels: [OutboundChannel] {
        var c: [OutboundChannel] = []
        if sms != nil { c.append(.sms) }
        if smtp != nil { c.append(.email) }
        if webhookSecret != nil { c.append(.webhook) }
        return c
    }
}

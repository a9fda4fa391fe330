import Foundation

/// A customer's yes or no to one purpose of processing or contact (e.g. `service_notifications`,
/// `marketing`, `surveys`), on one channel or on all. Consents are never edited: a change is a new
/// record, so the history of every agreement and withdrawal is kept.
public struct Consent: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var partyId: UUID
    public var purpose: String
    /// The channel the answer is about; nil = every channel.
    public var channel: PreferredChannel?
    public var granted: Bool
    public var source: FactSource
    public var interactionId: UUID?
    /// Which wording of the consent text the customer saw (e.g. `marketing-2026-01`).
    public var textVersion: String?
    /// What the customer was given for agreeing (e.g. a discount coupon for joining a survey dialogue).
    public var reward: String?
    /// The document the answer was given on (a signed form's number, a contract clause).
    public var document: String?
    public var recordedAt: Date

    public init(id: UUID, partyId: UUID, purpose: String, channel: PreferredChannel?, granted: Bool, source: FactSource,
                interactionId: UUID?, textVersion: String?, reward: String? = nil, document: String? = nil, recordedAt: Date) {
        self.id = id; self.partyId = partyId; self.purpose = purpose; self.channel = channel; self.granted = granted
        self.source = source; self.interactionId = interactionId; self.textVersion = textVersion; self.reward = reward
        self.document = document; self.recordedAt = recordedAt
    }
}

public struct ConsentInput: Codable, Sendable {
    public var purpose: String?
    public var channel: PreferredChannel?
    public var granted: Bool?
    public var source: FactSource?
    public var interactionId: UUID?
    public var textVersion: String?
    public var reward: String?
    public var document: String?
    public var recordedAt: Date?

    public init(purpose: String? = nil, channel: PreferredChannel? = nil, granted: Bool? = nil, source: FactSource? = nil,
                interactionId: UUID? = nil, textVersion: String? = nil, reward: String? = nil, document: String? = nil, recordedAt: Date? = nil) {
        self.purpose = purpose; self.channel = channel; self.granted = granted; self.source = source
        self.interactionId = interactionId; self.textVersion = textVersion; self.reward = reward; self.document = document
        self.recordedAt = recordedAt
    }

    public func make(partyId: UUID, id: UUID, now: Date) throws -> Consent {
        guard let purpose else { throw RapportError.missingField("purpose") }
        return Consent(id: id, partyId: partyId, purpose: try FactKey.validate(purpose, field: "purpose"), channel: channel,
                       granted: try Validate.required(granted, "granted"), source: source ?? .agent, interactionId: interactionId,
                       textVersion: try Validate.optionalText(textVersion, "text_version", max: 100),
                       reward: try Validate.optionalText(reward, "reward", max: 200), document: try Validate.optionalText(document, "document", max: 200),
                       recordedAt: min(recordedAt ?? now, now))
    }
}

/// The answers in force: for each purpose and channel (or all channels), the latest record.
public enum ConsentSummary {
    public static func current(_ history: [Consent]) -> [Consent] {
        var latest: [String: Consent] = [:]
        for c in history {
            let key = c.purpose + "|" + (c.channel?.rawValue ?? "*")
            if let known = latest[key], (known.recordedAt, known.id.uuidString) >= (c.recordedAt, c.id.uuidString) { continue }
            latest[key] = c
        }
        return latest.values.sorted { ($0.purpose, $0.channel?.rawValue ?? "") < ($1.purpose, $1.channel?.rawValue ?? "") }
    }

    /// Whether the party agreed to `purpose` on `channel`: a channel-specific answer wins over an
    /// all-channel one; no answer is no.
    public static func allows(_ current: [Consent], purpose: String, channel: PreferredChannel) -> Bool {
        if let specific = current.first(where: { $0.purpose == purpose && $0.channel == channel }) { return specific.granted }
        return current.first(where: { $0.purpose == purpose && $0.channel == nil })?.granted ?? false
    }
}

extension ConsentSummary {
    /// Whether the party agreed to `purpose` on at least one channel (what an offer, which may be
    /// presented on any channel, needs).
    public static func allowsAny(_ current: [Consent], purpose: String) -> Bool {
        PreferredChannel.allCases.contains { allows(current, purpose: purpose, channel: $0) }
    }
}

/// The wording a customer agrees to for one purpose, in Russian and English. Texts are versioned and
/// never edited: a new wording is a new version, so `Consent.textVersion` always names what was shown.
public struct ConsentText: Codable, Sendable, Equatable {
    public var purpose: String
    public var version: String
    public var textEn: String
    public var textRu: String
    public var publishedAt: Date

    public init(purpose: String, version: String, textEn: String, textRu: String, publishedAt: Date) {
        self.purpose = purpose; self.version = version; self.textEn = textEn; self.textRu = textRu; self.publishedAt = publishedAt
    }
}

public struct ConsentTextInput: Codable, Sendable {
    public var purpose: String?
    public var version: String?
    public var textEn: String?
    public var textRu: String?

    public init(purpose: String? = nil, version: String? = nil, textEn: String? = nil, textRu: String? = nil) {
        self.purpose = purpose; self.version = version; self.textEn = textEn; self.textRu = textRu
    }

    public static func versionExists(purpose: String, version: String) -> RapportError {
        RapportError(.conflict, code: "consent_text_version_exists",
                     message: "version \(version) of the \(purpose) text is already published; texts are never edited, publish a new version",
                     messageRu: "версия \(version) текста «\(purpose)» уже опубликована; тексты не меняются, опубликуйте новую версию",
                     details: ["field": "version"])
    }

    /// A new version of a purpose's text; a version already published for the purpose is refused
    /// (here when it is known, by the table's key when two arrive at once).
    public func make(existing: [ConsentText], now: Date) throws -> ConsentText {
        let purpose = try FactKey.validate(Validate.text(purpose, "purpose", max: 100), field: "purpose")
        let version = try Validate.text(version, "version", max: 100)
        if existing.contains(where: { $0.purpose == purpose && $0.version == version }) { throw Self.versionExists(purpose: purpose, version: version) }
        return ConsentText(purpose: purpose, version: version, textEn: try Validate.text(textEn, "text_en", max: 10_000),
                           textRu: try Validate.text(textRu, "text_ru", max: 10_000), publishedAt: now)
    }
}

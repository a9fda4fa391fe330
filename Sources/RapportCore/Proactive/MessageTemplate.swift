import Foundation

/// The wording of a message in one language: `{{event.gate}}`, `{{party.greeting}}` are filled in
/// when the message is decided.
public struct MessageText: Codable, Sendable, Equatable {
    public var subject: String?
    public var body: String

    public init(subject: String? = nil, body: String) { self.subject = subject; self.body = body }
}

/// A rule's message in Russian and English; a customer gets their language, else the other one.
public struct MessageTemplate: Codable, Sendable, Equatable {
    public var ru: MessageText?
    public var en: MessageText?

    public init(ru: MessageText? = nil, en: MessageText? = nil) { self.ru = ru; self.en = en }

    /// The language used for a customer who speaks `language` (Russian unless they speak English).
    public func text(for language: String?) -> (language: String, text: MessageText) {
        let wantsEnglish = language?.lowercased().hasPrefix("en") == true
        if wantsEnglish, let en { return ("en", en) }
        if let ru { return ("ru", ru) }
        return ("en", en ?? MessageText(body: ""))
    }
}

/// `{{name}}` placeholders: finding them and filling them in.
public enum TemplateText {
    /// The placeholder names in `text`, in order of appearance; unbalanced braces are an error.
    public static func variables(in text: String, field: String) throws -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw RapportError.invalidField(field, code: "invalid_template", "has '{{' without a closing '}}'", "содержит «{{» без закрывающих «}}»")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard name.range(of: #"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw RapportError.invalidField(field, code: "invalid_template", "'{{\(name)}}' is not a variable like {{event.gate}}",
                                                "«{{\(name)}}» — не переменная вида {{event.gate}}")
            }
            names.append(name)
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// Fills every placeholder; names were checked when the rule was saved.
    public static func render(_ text: String, _ values: [String: String]) -> String {
        CompiledText(text).render { values[$0] }
    }
}

/// A template split once into literal text and variables, so that rendering it for many
/// customers is concatenation only.
public struct CompiledText: Sendable {
    enum Segment: Sendable { case literal(String), variable(String) }
    let segments: [Segment]

    public init(_ text: String) {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            if open.lowerBound > rest.startIndex { segments.append(.literal(String(rest[..<open.lowerBound]))) }
            segments.append(.variable(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        self.segments = segments
    }

    public func render(_ value: (String) -> String?) -> String {
        var out = ""
        for s in segments {
            switch s {
            case .literal(let text): out += text
            case .variable(let name): out += value(name) ?? ""
            }
        }
        return out
    }
}

/// How many SMS parts a text needs: GSM 7-bit when every character is in the GSM alphabet (160
/// per single message, 153 per part), otherwise UCS-2 (70, 67) — Cyrillic is always UCS-2.
public enum SMSLength {
    static let basic = Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    static let extended = Set("^{}\\[~]|€\u{0C}")

    public static func parts(_ text: String) -> Int {
        var septets = 0
        var gsm = true
        for ch in text {
            if basic.contains(ch) { septets += 1 } else if extended.contains(ch) { septets += 2 } else { gsm = false; break }
        }
        if gsm { return septets <= 160 ? 1 : (septets + 152) / 153 }
        let units = text.utf16.count
        return units <= 70 ? 1 : (units + 66) / 67
    }
}

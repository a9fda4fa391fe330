import Foundation

/// The words a party or an interaction is found by, folded like `NameKey` (case, ё/е,
/// transliteration), plus digits: phone numbers by their full, national and last-7/last-4
/// digits, tax ids as they are.
public enum SearchTerms {
    public static func party(_ party: Party, identities: [Identity]) -> String {
        var terms: [String] = []
        for part in [party.surname, party.givenName, party.patronymic, party.legalName] {
            if let part { terms += NameKey.words(part) }
        }
        for id in [party.inn, party.kpp, party.foreignTaxId] {
            if let id { terms += NameKey.words(id) }
        }
        for identity in identities {
            switch identity.kind {
            case .phone, .fax:
                terms += phoneTerms(identity.normalized)
            case .email, .webLogin, .messenger:
                terms += NameKey.words(identity.normalized)
            }
        }
        return unique(terms)
    }

    public static func interaction(subject: String?, summary: String?) -> String {
        unique(NameKey.words([subject, summary].compactMap { $0 }.joined(separator: " ")))
    }

    static func phoneTerms(_ e164: String) -> [String] {
        let digits = e164.filter { $0.isASCII && $0.isNumber }
        var out = [digits]
        for n in [10, 7, 4] where digits.count > n { out.append(String(digits.suffix(n))) }
        return out
    }

    static func unique(_ terms: [String]) -> String {
        var seen = Set<String>()
        return terms.filter { !$0.isEmpty && seen.insert($0).inserted }.joined(separator: " ")
    }
}

/// A search as typed by a person, parsed into prefix terms. Each group is one typed word; a party
/// matches when every group matches one of its alternatives.
public struct SearchQuery: Sendable, Equatable {
    public var groups: [[String]]
    /// A typed e-mail address: looked up exactly.
    public var email: String?

    public init(parsing text: String, defaultRegion: PhoneRegion = .ru) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...200).contains(trimmed.count) else {
            throw RapportError.invalidField("q", code: "invalid_query", "give 2 to 200 characters to search for", "укажите от 2 до 200 символов для поиска")
        }
        email = nil
        groups = []
        if trimmed.contains("@"), let address = try? EmailAddress(parsing: trimmed) {
            email = address.normalized
            return
        }
        // A phone number typed with spaces, dashes or brackets is one term.
        if trimmed.allSatisfy({ $0.isNumber || " -()+.".contains($0) }) {
            let digits = trimmed.filter { $0.isASCII && $0.isNumber }
            var alternatives = [digits]
            if digits.count >= 10, let phone = try? PhoneNumber(parsing: trimmed, defaultRegion: defaultRegion) {
                // A phone number, or a tax id of the same length.
                let e164 = phone.e164.filter { $0.isASCII && $0.isNumber }
                if e164 != digits { alternatives.append(e164) }
            } else if digits.count > 4, digits.first == "8" || digits.first == "7" {
                alternatives.append(String(digits.dropFirst()))  // a trunk or country prefix typed before the national number
            }
            if digits.count >= 2 { groups = [alternatives] }
        } else {
            groups = NameKey.words(trimmed).filter { $0.count >= 2 }.prefix(6).map { [$0] }
        }
        guard !groups.isEmpty else {
            throw RapportError.invalidField("q", code: "query_too_short", "give at least one word of two letters or digits", "укажите хотя бы одно слово из двух букв или цифр")
        }
    }
}

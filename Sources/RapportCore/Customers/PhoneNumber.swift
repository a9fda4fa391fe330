/// Phone numbers in any form a person or a switch produces, normalised to E.164.
///
/// `8 (916) 123-45-67`, `+7 916 1234567`, `89161234567` and, with RU as the default region,
/// `916-123-45-67` all normalise to `+79161234567`. An extension (`доб. 12`, `ext 12`, `x12`,
/// `#12`, `,12`) is kept apart from the number and does not take part in identification.
public struct PhoneNumber: Hashable, Sendable {
    /// `+` followed by 8–15 digits.
    public let e164: String
    public let extensionDigits: String?

    public init(parsing raw: String, defaultRegion: PhoneRegion = .ru) throws {
        let (main, ext) = Self.splitExtension(raw)
        var digits = ""
        var international = false
        for (index, ch) in main.enumerated() {
            if ch == "+" && digits.isEmpty && !international {
                international = true
            } else if let d = ch.wholeNumberValue, ch.isASCII {
                digits.append(String(d))
            } else if " -().\u{00A0}/\u{2013}\u{2014}\u{2011}".contains(ch) {
                continue
            } else {
                _ = index
                throw Self.invalid("contains characters that are not part of a phone number")
            }
        }
        guard !digits.isEmpty else { throw Self.invalid("has no digits") }

        if !international {
            if digits.hasPrefix("00") {
                international = true
                digits.removeFirst(2)
            } else if let idd = defaultRegion.internationalPrefix, digits.hasPrefix(idd), digits.count > idd.count + 7 {
                international = true
                digits.removeFirst(idd.count)
            }
        }

        if international {
            try Self.validateInternational(digits)
            self.e164 = "+" + digits
        } else {
            self.e164 = "+" + (try defaultRegion.internationalDigits(fromNational: digits))
        }
        self.extensionDigits = ext
    }

    static func invalid(_ why: String) -> RapportError {
        RapportError(.invalid, code: "invalid_phone", message: "the phone number \(why)",
                     messageRu: "номер телефона некорректен", details: [:])
    }

    private static func splitExtension(_ raw: String) -> (String, String?) {
        let lowered = raw.lowercased()
        for marker in ["доб.", "доб", "ext.", "ext", "x", "#", ",", ";"] {
            if let range = lowered.range(of: marker) {
                let head = String(lowered[..<range.lowerBound])
                let tail = lowered[range.upperBound...].filter { $0.isASCII && $0.isNumber }
                return (head, tail.isEmpty ? nil : String(tail))
            }
        }
        return (raw, nil)
    }

    private static func validateInternational(_ digits: String) throws {
        guard (8...15).contains(digits.count) else { throw invalid("must have 8 to 15 digits with the country code") }
        guard digits.first != "0" else { throw invalid("has no country code") }
        for plan in PhoneRegion.all where digits.hasPrefix(plan.countryCode) {
            let national = digits.count - plan.countryCode.count
            guard plan.nationalLengths.contains(national) else {
                throw invalid("has a wrong length for country code +\(plan.countryCode)")
            }
            return
        }
    }
}

/// A numbering plan: how people in one country write numbers without the country code.
public struct PhoneRegion: Hashable, Sendable {
    public let isoCode: String
    public let countryCode: String
    public let trunkPrefix: String?
    public let internationalPrefix: String?
    public let nationalLengths: ClosedRange<Int>

    public static let ru = PhoneRegion(isoCode: "RU", countryCode: "7", trunkPrefix: "8", internationalPrefix: "810", nationalLengths: 10...10)
    public static let kz = PhoneRegion(isoCode: "KZ", countryCode: "7", trunkPrefix: "8", internationalPrefix: "810", nationalLengths: 10...10)
    public static let us = PhoneRegion(isoCode: "US", countryCode: "1", trunkPrefix: "1", internationalPrefix: "011", nationalLengths: 10...10)
    public static let gb = PhoneRegion(isoCode: "GB", countryCode: "44", trunkPrefix: "0", internationalPrefix: nil, nationalLengths: 9...10)
    public static let de = PhoneRegion(isoCode: "DE", countryCode: "49", trunkPrefix: "0", internationalPrefix: nil, nationalLengths: 6...13)
    public static let fr = PhoneRegion(isoCode: "FR", countryCode: "33", trunkPrefix: "0", internationalPrefix: nil, nationalLengths: 9...9)
    public static let ua = PhoneRegion(isoCode: "UA", countryCode: "380", trunkPrefix: "0", internationalPrefix: nil, nationalLengths: 9...9)
    public static let by = PhoneRegion(isoCode: "BY", countryCode: "375", trunkPrefix: "80", internationalPrefix: "810", nationalLengths: 9...9)

    public static let all: [PhoneRegion] = [.ru, .us, .gb, .de, .fr, .ua, .by]

    public static func named(_ iso: String) throws -> PhoneRegion {
        let code = iso.uppercased()
        if code == "KZ" { return .kz }
        guard let region = all.first(where: { $0.isoCode == code }) else {
            throw RapportError(.invalid, code: "unknown_region", message: "unknown phone region \(iso); known: RU, KZ, US, GB, DE, FR, UA, BY",
                               messageRu: "неизвестный регион \(iso); известны: RU, KZ, US, GB, DE, FR, UA, BY")
        }
        return region
    }

    /// Country code + national significant number, from a number dialled inside this country.
    func internationalDigits(fromNational digits: String) throws -> String {
        // Dialled with the trunk prefix: "8 916 123 45 67", "020 7946 0018".
        if let trunk = trunkPrefix, digits.hasPrefix(trunk), nationalLengths.contains(digits.count - trunk.count) {
            return countryCode + digits.dropFirst(trunk.count)
        }
        // Written with the country code but without "+": "7 916 123 45 67", "49 30 1234567".
        if digits.hasPrefix(countryCode), nationalLengths.contains(digits.count - countryCode.count) {
            return digits
        }
        // The national number alone: "916-123-45-67".
        if nationalLengths.contains(digits.count), !(trunkPrefix == "0" && digits.hasPrefix("0")) {
            return countryCode + digits
        }
        throw PhoneNumber.invalid("has a wrong number of digits for \(isoCode)")
    }
}

extension PhoneNumber {
    /// Whether an E.164 number can take an SMS: true when it is known to be mobile (labelled so, or
    /// a Russian +79… number), false when it may be (no label, outside the Russian plan), nil when
    /// it is not (labelled home, work, landline or fax, or a Russian geographic number).
    public static func mobileness(e164: String, label: String?) -> Bool? {
        let l = label?.lowercased() ?? ""
        if ["mobile", "cell", "мобильный", "сотовый"].contains(l) { return true }
        if ["home", "work", "landline", "office", "fax", "домашний", "рабочий", "факс"].contains(l) { return nil }
        if e164.hasPrefix("+79") { return true }
        if e164.hasPrefix("+7") { return nil }
        return false
    }
}

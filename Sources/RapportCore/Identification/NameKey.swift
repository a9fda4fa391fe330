import Foundation

/// Folds names and words so that spellings a person would call "the same" compare equal:
/// case, ё/е, diacritics, Cyrillic ↔ Latin transliteration (Иванов ↔ Ivanov, Юрий ↔ Yuri ↔ Iurii).
///
/// The key is Latin letters and digits only. It is not meant to be read; it is compared and
/// indexed (matching rules, duplicate detection, search).
public enum NameKey {
    /// The key of one word.
    public static func word(_ text: String) -> String {
        var latin = ""
        latin.reserveCapacity(text.utf8.count)
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII {
                // The common case, without Unicode tables: Latin letters and digits as they are.
                if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { latin.unicodeScalars.append(scalar) }
            } else if let mapped = cyrillic[scalar] {
                latin += mapped
            } else if scalar.properties.isAlphabetic {
                // Latin with diacritics: é → e, ö → o.
                let folded = String(scalar).folding(options: [.diacriticInsensitive], locale: nil)
                latin += folded.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
            }
        }
        return simplify(latin)
    }

    /// The keys of every word in `text`, in order, empty words dropped.
    public static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { word(String($0)) }.filter { !$0.isEmpty }
    }

    /// The key of a full name: the words' keys sorted, so "Петров Иван" equals "Ivan Petrov".
    public static func name(_ parts: [String?]) -> String? {
        let keys = parts.compactMap { $0 }.flatMap { words($0) }.sorted()
        return keys.isEmpty ? nil : keys.joined(separator: " ")
    }

    /// Spelling variants of transliteration collapse to one form.
    static func simplify(_ latin: String) -> String {
        // ASCII bytes only (see `word`); each replacement runs over the whole word in list order.
        var s = Array(latin.utf8)
        for (from, to) in replacementBytes { s = replace(s, from, to) }
        // Doubled letters (Юрий → iurii, Yuri → iuri; Anna/Ana).
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        for b in s where b != out.last || (b >= 48 && b <= 57) { out.append(b) }
        return String(decoding: out, as: UTF8.self)
    }

    static func replace(_ s: [UInt8], _ from: [UInt8], _ to: [UInt8]) -> [UInt8] {
        guard s.count >= from.count else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.count + 2)
        var i = 0
        while i < s.count {
            if i + from.count <= s.count && s[i] == from[0] && s[i..<(i + from.count)].elementsEqual(from) {
                out += to
                i += from.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    static let replacementBytes: [([UInt8], [UInt8])] = replacements.map { (Array($0.0.utf8), Array($0.1.utf8)) }

    static let replacements: [(String, String)] = [
        ("shch", "sc"), ("sch", "sc"), ("zh", "j"), ("kh", "h"), ("ts", "c"), ("tz", "c"), ("ch", "c"), ("sh", "s"),
        ("ph", "f"), ("w", "v"), ("x", "ks"), ("q", "k"), ("ck", "k"),
        ("yu", "iu"), ("ju", "iu"), ("ya", "ia"), ("ja", "ia"), ("yo", "e"), ("jo", "e"), ("ye", "e"), ("ie", "e"),
        ("y", "i"), ("j", "i"),
    ]

    static let cyrillic: [Unicode.Scalar: String] = [
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
        "э": "e", "ю": "iu", "я": "ia", "і": "i", "ї": "i", "є": "e", "ґ": "g",
    ]
}

extension NameKey {
    /// Case and ё/е folded, nothing else: for telling "the same spelling" from "the same after transliteration".
    public static func fold(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "ё", with: "е").split(whereSeparator: \.isWhitespace).sorted().joined(separator: " ")
    }
}

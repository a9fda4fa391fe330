import Foundation
import RapportCore

/// How pages write money, dates and closed-vocabulary values in the reader's language.
struct WebFormat: Sendable {
    let language: WebLanguage
    let text: [String: String]
    let timeZone: TimeZone

    init(language: WebLanguage, timeZone: TimeZone) {
        self.language = language
        self.text = WebText.table(language)
        self.timeZone = timeZone
    }

    /// `1 234,50 RUB` (ru) or `1,234.50 RUB` (en); amounts are in minor units.
    func money(_ minor: Int64, _ currency: String) -> String {
        let negative = minor < 0
        let magnitude = minor.magnitude
        let whole = String(magnitude / 100), cents = String(format: "%02d", Int(magnitude % 100))
        var grouped = ""
        for (i, ch) in whole.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { grouped.append(language == .ru ? "\u{00A0}" : ",") }
            grouped.append(ch)
        }
        let amount = String(grouped.reversed()) + (language == .ru ? "," : ".") + cents
        return (negative ? "−" : "") + amount + "\u{00A0}" + currency
    }

    func dateTime(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    func date(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    func date(_ date: CivilDate?) -> String { date?.description ?? "" }

    /// The label of a closed-vocabulary value: `t.<group>_<raw>`, the raw value when none is written.
    func label(_ group: String, _ raw: String) -> String { text[group + "_" + raw] ?? raw.replacingOccurrences(of: "_", with: " ") }

    func pick(_ en: String, _ ru: String) -> String { language == .ru && !ru.isEmpty ? ru : en }

    func percent(_ share: Double?) -> String {
        guard let share, share.isFinite else { return "—" }
        return String(format: "%.1f", share * 100).replacingOccurrences(of: ".", with: language == .ru ? "," : ".") + "\u{00A0}%"
    }

    func seconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.0f", value) + (language == .ru ? "\u{00A0}с" : "\u{00A0}s")
    }
}

import Foundation
import Hummingbird
import RapportCore

/// A posted HTML form (`application/x-www-form-urlencoded`): the values as typed, so a page shown
/// again after an error keeps them.
struct WebForm: Sendable {
    private(set) var values: [String: [String]] = [:]

    static let maxBytes = 256 * 1024

    init(_ pairs: [String: [String]] = [:]) { values = pairs }

    init(encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0]), value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values[key, default: []].append(value)
        }
    }

    static func read(_ request: Request) async throws -> WebForm {
        let buffer = try await request.body.collect(upTo: maxBytes)
        return WebForm(encoded: String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    private static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ key: String) -> String? { values[key]?.last }

    /// The trimmed value, nil when empty.
    func text(_ key: String) -> String? {
        guard let value = self[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    func all(_ key: String) -> [String] { values[key] ?? [] }

    /// A checkbox: present and not "0"/"false".
    func flag(_ key: String) -> Bool { self[key].map { !["", "0", "false", "off"].contains($0) } ?? false }

    /// A closed vocabulary value; an unknown one is a field error (the select was tampered with).
    func choice<V: RawRepresentable>(_ key: String, as type: V.Type) throws -> V? where V.RawValue == String {
        guard let raw = text(key) else { return nil }
        guard let value = V(rawValue: raw) else {
            throw RapportError.invalidField(key, code: "invalid_\(key)", "unknown value", "неизвестное значение")
        }
        return value
    }

    func uuid(_ key: String) throws -> UUID? {
        guard let raw = text(key) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw RapportError.invalidField(key, code: "invalid_id", "not a valid id", "неверный идентификатор") }
        return id
    }
}

/// Field-level errors for a form shown again: the message for each field in the user's language,
/// plus one message for the form as a whole when the error names no field.
struct FormErrors: Sendable {
    var fields: [String: String] = [:]
    var general: String?

    var isEmpty: Bool { fields.isEmpty && general == nil }

    init() {}

    init(_ error: RapportError, language: WebLanguage) {
        let message = language == .ru ? error.messageRu : error.message
        if let field = error.details["field"] {
            // `conditions[1].op` belongs to the `conditions` input; its message keeps the path to say which line.
            let input = String(field.prefix { $0 != "[" && $0 != "." })
            if error.code == "missing_field" && input == field {
                fields[input] = WebText.table(language)["required"]
            } else {
                fields[input] = input == field ? Self.withoutFieldPrefix(message, field: field) : message
            }
        } else {
            general = message
        }
    }

    /// Messages read "field: what is wrong"; beside the field the name is redundant.
    static func withoutFieldPrefix(_ message: String, field: String) -> String {
        let prefix = field + ": "
        return message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
    }

    subscript(_ field: String) -> String? { fields[field] }

    /// The form-level message, plus any field error whose field the form does not show (so no
    /// refusal is ever silent).
    func unplaced(shown: [FormField]) -> String? {
        let names = Set(shown.map(\.name))
        let lost = fields.filter { !names.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        let all = (general.map { [$0] } ?? []) + lost
        return all.isEmpty ? nil : all.joined(separator: " · ")
    }
}

/// One input of a form as a template draws it: label, value as typed, the error beside it.
/// (Templates see stored properties only, so everything they test is stored.)
struct FormField: Sendable {
    struct Option: Sendable { let value: String; let label: String; let selected: Bool }
    let name: String
    let label: String
    let value: String
    let error: String?
    let type: String
    let options: [Option]
    let required: Bool
    let checked: Bool
    let isSelect: Bool
    let isTextarea: Bool
    let isCheckbox: Bool
    let isPlain: Bool
    let id: String
    let errorId: String
    /// The browser's autofill hint (`username`, `current-password`, `new-password`, `off`); empty: none.
    var autocomplete = ""

    /// `idPrefix` keeps element ids unique when one page has several forms with a field of the same name.
    init(name: String, label: String, value: String, error: String?, type: String = "text", options: [Option] = [], required: Bool = false,
         checked: Bool = false, idPrefix: String = "") {
        self.name = name; self.label = label; self.value = value; self.error = error; self.type = type; self.options = options
        self.required = required; self.checked = checked
        isSelect = !options.isEmpty
        isTextarea = type == "textarea"
        isCheckbox = type == "checkbox"
        isPlain = !isSelect && !isTextarea && !isCheckbox
        id = "f-" + idPrefix + name
        errorId = "e-" + idPrefix + name
    }
}

extension FormField {
    /// A field as typed in `typed` (a posted form shown again), else `initial`; a select keeps the typed choice.
    static func typed(_ typed: WebForm, _ errors: FormErrors, _ name: String, _ label: String, type: String = "text", options: [Option] = [],
                      required: Bool = false, initial: String = "", idPrefix: String = "") -> FormField {
        let chosen = typed[name]
        let opts = options.map { option in Option(value: option.value, label: option.label, selected: chosen.map { $0 == option.value } ?? option.selected) }
        return FormField(name: name, label: label, value: chosen ?? initial, error: errors[name], type: type, options: opts, required: required,
                         checked: typed.flag(name), idPrefix: idPrefix)
    }

    /// Options from raw values, labelled through the vocabulary group (`<group>_<value>`).
    static func options(_ f: WebFormat, _ group: String, _ raws: [String], selected: String? = nil, blank: Bool = false) -> [Option] {
        (blank ? [Option(value: "", label: "—", selected: selected == nil)] : [])
            + raws.map { Option(value: $0, label: f.label(group, $0), selected: $0 == selected) }
    }
}

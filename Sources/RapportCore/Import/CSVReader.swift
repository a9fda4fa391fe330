/// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF, a header row. Separator `,` or `;`
/// (Russian spreadsheet exports use `;`), detected from the header.
public struct CSVReader: Sendable {
    public let header: [String]
    public let records: [(line: Int, fields: [String])]

    public init(text: String) throws {
        var content = Substring(text)
        if content.hasPrefix("\u{FEFF}") { content = content.dropFirst() }
        let firstLine = content.prefix { $0 != "\n" && $0 != "\r\n" }
        let separator: Character = firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        var rows: [(Int, [String])] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var line = 1
        var rowStart = 1
        var iterator = content.makeIterator()
        var pending: Character? = nil
        func endRow() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append((rowStart, fields)) }
            fields = []
        }
        while let ch = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if ch == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { inQuotes = false; pending = next }
                    } else { inQuotes = false }
                } else {
                    if ch == "\n" || ch == "\r\n" { line += 1 }
                    field.append(ch)
                }
            } else if ch == "\"" && field.isEmpty {
                inQuotes = true
            } else if ch == separator {
                fields.append(field)
                field = ""
            } else if ch == "\n" || ch == "\r\n" || ch == "\r" {
                endRow()
                line += 1
                rowStart = line
            } else {
                field.append(ch)
            }
        }
        if inQuotes {
            throw RapportError(.invalid, code: "csv_unterminated_quote", message: "line \(rowStart): a quoted field is not closed",
                               messageRu: "строка \(rowStart): кавычки не закрыты")
        }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        guard let head = rows.first else {
            throw RapportError(.invalid, code: "csv_empty", message: "the file has no header row", messageRu: "в файле нет строки заголовка")
        }
        header = head.1.map { $0.trimmingCharacters(in: .whitespaces) }
        records = rows.dropFirst().map { (line: $0.0, fields: $0.1) }
    }
}

import Foundation

import Foundation
import RapportCore

/// A row that can be written as CSV (fixed columns) or as one JSON object per line.
public protocol ExportRow: Encodable, Sendable {
    static var header: [String] { get }
    var fields: [String?] { get }
}

/// Writes pages of rows as they are read, so an export never holds the whole table in memory.
public struct ExportWriter: Sendable {
    public enum Format: Sendable { case csv, jsonl }
    let format: Format
    let handle: FileHandle

    public init(format: Format, handle: FileHandle) {
        self.format = format
        self.handle = handle
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    public func write<Row: ExportRow>(header: [String], _ nextPage: (String?) async throws -> ([Row], String?)) async throws {
        if format == .csv { handle.write(Self.csvLine(header).data(using: .utf8)!) }
        var cursor: String? = nil
        repeat {
            let (rows, next) = try await nextPage(cursor)
            var chunk = Data()
            for row in rows {
                switch format {
                case .csv: chunk.append(Self.csvLine(row.fields.map { $0 ?? "" }).data(using: .utf8)!)
                case .jsonl:
                    chunk.append(try Self.encoder.encode(row))
                    chunk.append(0x0A)
                }
            }
            handle.write(chunk)
            cursor = next
        } while cursor != nil
    }

    public static func csvLine(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\r\n"
    }
}

public struct PartyExportRow: ExportRow {
    public let party: Party
    public init(_ party: Party) { self.party = party }
    public static let header = ["id", "kind", "display_name", "surname", "given_name", "patronymic", "birth_date", "language",
                                "legal_name", "inn", "kpp", "country", "lifecycle_stage", "stage_changed_at", "created_at"]
    public var fields: [String?] {
        let iso = Date.ISO8601FormatStyle()
        return [party.id.uuidString.lowercased(), party.kind.rawValue, party.displayName, party.surname, party.givenName, party.patronymic,
                party.birthDate?.description, party.language, party.legalName, party.inn, party.kpp, party.country,
                party.lifecycleStage.rawValue, iso.format(party.stageChangedAt), iso.format(party.createdAt)]
    }
    public func encode(to encoder: any Encoder) throws { try party.encode(to: encoder) }
}

public struct InteractionExportRow: ExportRow {
    public let interaction: Interaction
    public init(_ interaction: Interaction) { self.interaction = interaction }
    public static let header = ["id", "party_id", "channel", "direction", "occurred_at", "agent", "subject", "outcome",
                                "request_id", "order_id", "campaign_id", "corrects_id"]
    public var fields: [String?] {
        let i = interaction
        return [i.id.uuidString.lowercased(), i.partyId?.uuidString.lowercased(), i.channel.rawValue, i.direction.rawValue,
                Date.ISO8601FormatStyle().format(i.occurredAt), i.agent, i.subject, i.outcome, i.requestId?.uuidString.lowercased(),
                i.orderId?.uuidString.lowercased(), i.campaignId?.uuidString.lowercased(), i.correctsId?.uuidString.lowercased()]
    }
    public func encode(to encoder: any Encoder) throws { try interaction.encode(to: encoder) }
}

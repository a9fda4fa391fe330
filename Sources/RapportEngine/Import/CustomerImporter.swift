import Foundation
import RapportCore

/// Imports customers from the CSV that CRMs export. Each row is created on its own: a bad row is
/// reported with its line number and skipped, the good rows are kept.
public struct CustomerImporter: Sendable {
    let parties: PartyService
    let merges: MergeService?

    /// With `merges`, an address another party already holds does not reject the row: the row is
    /// imported without it and the pair goes on the duplicates list for review.
    public init(parties: PartyService, merges: MergeService? = nil) {
        self.parties = parties
        self.merges = merges
    }

    public struct RowError: Sendable, CustomStringConvertible {
        public let line: Int
        public let code: String
        public let message: String
        public var description: String { "line \(line): \(message) [\(code)]" }
    }

    public struct Report: Sendable {
        public var imported = 0
        public var errors: [RowError] = []
        /// Rows whose address another party holds: imported without it, listed as duplicate candidates.
        public var duplicatesFlagged = 0
    }

    /// Header names (lower-cased) → our field. English and Russian, from common CRM exports.
    static let columns: [String: String] = [
        "surname": "surname", "last name": "surname", "last_name": "surname", "lastname": "surname", "фамилия": "surname",
        "given name": "given_name", "given_name": "given_name", "first name": "given_name", "first_name": "given_name", "firstname": "given_name", "имя": "given_name",
        "patronymic": "patronymic", "middle name": "patronymic", "middle_name": "patronymic", "отчество": "patronymic",
        "birth date": "birth_date", "birthdate": "birth_date", "birth_date": "birth_date", "date of birth": "birth_date", "дата рождения": "birth_date",
        "email": "email", "e-mail": "email", "email address": "email", "электронная почта": "email", "почта": "email",
        "phone": "phone", "mobile": "phone", "mobile phone": "phone", "phone number": "phone", "телефон": "phone", "мобильный": "phone",
        "work phone": "phone2", "office phone": "phone2", "рабочий телефон": "phone2",
        "fax": "fax", "факс": "fax",
        "company": "legal_name", "account name": "legal_name", "organization": "legal_name", "organisation": "legal_name",
        "legal name": "legal_name", "legal_name": "legal_name", "организация": "legal_name", "компания": "legal_name",
        "inn": "inn", "инн": "inn", "tax id": "foreign_tax_id", "vat": "foreign_tax_id", "kpp": "kpp", "кпп": "kpp",
        "language": "language", "язык": "language", "country": "country", "страна": "country",
    ]

    /// Validates the header: which columns are understood, and that a name column exists.
    public static func mapping(for header: [String]) throws -> [Int: String] {
        var map: [Int: String] = [:]
        for (index, name) in header.enumerated() {
            if let field = columns[name.lowercased()] { map[index] = field }
        }
        let fields = Set(map.values)
        guard fields.contains("surname") || fields.contains("given_name") || fields.contains("legal_name") else {
            throw RapportError(.invalid, code: "csv_no_name_column",
                               message: "no name column; expected one of: Last Name, First Name, Company (or Фамилия, Имя, Организация)",
                               messageRu: "нет столбца с именем: ожидается Фамилия, Имя или Организация (Last Name, First Name, Company)")
        }
        return map
    }

    public func importCSV(_ text: String, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Report {
        let csv = try CSVReader(text: text)
        let map = try Self.mapping(for: csv.header)
        var report = Report()
        for (n, record) in csv.records.enumerated() {
            do {
                var input = try Self.input(record.fields, map: map, normalizer: parties.normalizer)
                var claimedElsewhere: [(owner: UUID, kind: IdentityKind)] = []
                if merges != nil {
                    var kept: [IdentityInput] = []
                    for identity in input.identities ?? [] {
                        if let kind = identity.kind, let value = identity.value,
                           let owner = try? await parties.owner(of: kind, address: value, network: identity.network) {
                            claimedElsewhere.append((owner.partyId, kind))
                        } else {
                            kept.append(identity)
                        }
                    }
                    input.identities = kept
                }
                let created = try await parties.create(input)
                for claim in claimedElsewhere {
                    try await merges?.noteIdentityClaimedTwice(partyId: created.party.id, owner: claim.owner, kind: claim.kind)
                }
                report.duplicatesFlagged += claimedElsewhere.isEmpty ? 0 : 1
                report.imported += 1
            } catch let error as RapportError {
                report.errors.append(RowError(line: record.line, code: error.code, message: error.message))
            }
            progress?(n + 1, csv.records.count)
        }
        return report
    }

    static func input(_ fields: [String], map: [Int: String], normalizer: IdentityNormalizer) throws -> PartyInput {
        // Columns in file order; a field may come from several columns (Phone and Mobile, Email and E-mail).
        var all: [String: [String]] = [:]
        for index in map.keys.sorted() where index < fields.count {
            let v = fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
            if !v.isEmpty { all[map[index]!, default: []].append(v) }
        }
        let values = all.mapValues { $0[0] }
        let isPerson = values["surname"] != nil || values["given_name"] != nil
        var input = PartyInput(kind: isPerson ? .person : .organisation)
        if isPerson {
            input.surname = values["surname"]
            input.givenName = values["given_name"]
            input.patronymic = values["patronymic"]
            input.birthDate = try values["birth_date"].map(Self.birthDate)
        } else {
            input.legalName = values["legal_name"]
            input.inn = values["inn"]
            input.kpp = values["kpp"]
        }
        input.foreignTaxId = values["foreign_tax_id"]
        input.language = values["language"]
        input.country = values["country"]
        var identities: [IdentityInput] = []
        var seen = Set<String>()
        for (field, kind) in [("email", IdentityKind.email), ("phone", .phone), ("phone2", .phone), ("fax", .fax)] {
            // The same address in two columns (Phone "8 916…", Mobile "+7 916…") is attached once.
            for v in all[field] ?? [] where seen.insert("\(kind.rawValue):\((try? normalizer.normalize(kind: kind, value: v)) ?? v)").inserted {
                identities.append(IdentityInput(kind: kind, value: v))
            }
        }
        input.identities = identities
        return input
    }

    /// `YYYY-MM-DD`, or `DD.MM.YYYY` as Russian exports write it.
    static func birthDate(_ text: String) throws -> CivilDate {
        let parts = text.split(separator: ".")
        if parts.count == 3, parts[0].count <= 2, parts[1].count <= 2, parts[2].count == 4,
           let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]) {
            do { return try CivilDate(year: y, month: m, day: d) } catch {
                throw RapportError.invalidField("birth_date", code: "invalid_date", "not a calendar date", "нет такой даты")
            }
        }
        return try CivilDate(parsing: text, field: "birth_date")
    }
}

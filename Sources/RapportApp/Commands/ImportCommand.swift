import ArgumentParser
import Foundation
import RapportCore
import RapportEngine

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import data from files.",
        subcommands: [ImportCustomersCommand.self])
}

struct ImportCustomersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customers",
        abstract: "Import customers from a CSV export of another CRM.",
        discussion: """
        Understood columns (case-insensitive, English or Russian): Last Name/Фамилия, First Name/Имя,
        Middle Name/Отчество, Birthdate/Дата рождения (YYYY-MM-DD), Email/E-mail, Phone/Mobile/Телефон,
        Work Phone, Fax, Company/Account Name/Организация, INN/ИНН, KPP/КПП, Tax ID, Language, Country.
        Separator , or ; is detected. Bad rows are reported with their line numbers and skipped; good rows are kept.
        Exit code 0 when every row was imported, 2 when some rows were skipped.
        """)

    @OptionGroup var db: DatabaseOptions
    @Argument(help: "The CSV file.") var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandFailure("cannot read \(file)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("\(file) is not UTF-8 text")
        }
        let runtime = try await RapportRuntime.open(try AppConfig(database: db.database))
        let terminal = isatty(STDERR_FILENO) == 1
        let report: CustomerImporter.Report
        do {
            report = try await CustomerImporter(parties: runtime.services.parties, merges: runtime.services.merges).importCSV(text) { done, total in
                guard terminal, done % 50 == 0 || done == total else { return }
                let width = 30
                let filled = total == 0 ? width : width * done / total
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write("\r[\(bar)] \(done)/\(total)".data(using: .utf8)!)
                if done == total { FileHandle.standardError.write("\n".data(using: .utf8)!) }
            }
        } catch let error as RapportError {
            await runtime.close()
            throw CommandFailure(error.message)
        }
        await runtime.close()
        for e in report.errors { say(e.description) }
        say("Imported \(report.imported) customers; skipped \(report.errors.count) rows.")
        if report.duplicatesFlagged > 0 {
            say("\(report.duplicatesFlagged) imported customers gave an address another customer already holds: see GET /api/v1/duplicates.")
        }
        if !report.errors.isEmpty { throw ExitCode(2) }
    }
}

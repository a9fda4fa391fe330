import ArgumentParser
import Foundation
import RapportCore
import RapportEngine

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export parties or interactions as CSV or JSON Lines, to standard output or a file.")

    enum Kind: String, ExpressibleByArgument, CaseIterable { case parties, interactions }
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

    @OptionGroup var db: DatabaseOptions
    @Argument(help: "What to export: parties or interactions.") var kind: Kind
    @Option(help: "csv or jsonl (default jsonl).") var format: Format = .jsonl
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let runtime = try await RapportRuntime.open(try AppConfig(database: db.database))
        let handle: FileHandle
        if let output {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            guard let h = FileHandle(forWritingAtPath: output) else {
                await runtime.close()
                throw CommandFailure("cannot write \(output)")
            }
            handle = h
        } else {
            handle = FileHandle.standardOutput
        }
        let writer = ExportWriter(format: format == .csv ? .csv : .jsonl, handle: handle)
        do {
            switch kind {
            case .parties:
                try await writer.write(header: PartyExportRow.header) { cursor in
                    let page = try await runtime.services.parties.list(PartyFilter(), page: try PageRequest(limit: 500, cursor: cursor))
                    return (page.items.map(PartyExportRow.init), page.nextCursor)
                }
            case .interactions:
                try await writer.write(header: InteractionExportRow.header) { cursor in
                    let page = try await runtime.services.interactions.all(page: try PageRequest(limit: 500, cursor: cursor))
                    return (page.items.map(InteractionExportRow.init), page.nextCursor)
                }
            }
        } catch {
            await runtime.close()
            throw error
        }
        try handle.synchronize()
        await runtime.close()
    }
}

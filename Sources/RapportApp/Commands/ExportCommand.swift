import ArgumentParser
import Foundation
import RapportCore
import RapportEngine

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export parties or interactions as CSV or JSON Lines, or the warehouse star schema into a directory.",
        discussion: """
        rapport export warehouse -o DIR [--since WATERMARK] writes every fact and dimension table as CSV and JSON Lines, \
        schema.sql (PostgreSQL DDL), load.sql (psql: upserts the files) and manifest.json, whose watermark is the --since \
        of the next incremental export. Load with: cd DIR && psql -v ON_ERROR_STOP=1 -f schema.sql -f load.sql
        """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case parties, interactions, warehouse }
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

    @OptionGroup var db: DatabaseOptions
    @Argument(help: "What to export: parties or interactions.") var kind: Kind
    @Option(help: "csv or jsonl (default jsonl).") var format: Format = .jsonl
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output (warehouse: the directory, required).") var output: String?
    @Option(help: "Warehouse only: export the rows changed since this watermark (ISO 8601, from the previous manifest).") var since: String?

    func run() async throws {
        if kind == .warehouse { return try await warehouse() }
        if since != nil { throw CommandFailure("--since applies to the warehouse export only") }
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
            case .warehouse: preconditionFailure("handled by warehouse()")
            }
        } catch {
            await runtime.close()
            throw error
        }
        try handle.synchronize()
        await runtime.close()
    }

    func warehouse() async throws {
        guard let output else { throw CommandFailure("the warehouse export needs -o DIRECTORY") }
        var watermark: Date? = nil
        if let since {
            guard let t = Timestamp.parse(since) else { throw CommandFailure("--since: \(since) is not an ISO 8601 time (e.g. 2026-11-27T10:00:00Z)") }
            watermark = t
        }
        let config = try AppConfig(database: db.database)
        let runtime = try await RapportRuntime.open(config)
        do {
            let manifest = try await WarehouseExport(database: runtime.database, clock: SystemClock(), timeZone: config.proactive.timeZone)
                .export(to: URL(fileURLWithPath: output), since: watermark)
            let rows = manifest.tables.reduce(0) { $0 + $1.rows }
            print("\(manifest.kind) export: \(rows) rows in \(manifest.tables.count) tables to \(output); next --since \(Timestamp.format(manifest.watermark))")
        } catch {
            await runtime.close()
            throw error
        }
        await runtime.close()
    }
}

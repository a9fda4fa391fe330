import Foundation
import RapportCore
import RapportStorage

/// Exports the star schema for a warehouse or BI tool: each table as CSV and JSON Lines, the
/// PostgreSQL DDL (`schema.sql`), a psql script that loads (upserts) the files (`load.sql`) and
/// a manifest with the row counts and the watermark for the next incremental export.
///
/// Incremental exports take the rows changed after `since − overlap`: rows written by a
/// transaction still open when the previous export ran are not missed, and because the load
/// upserts by primary key, a row exported twice is loaded once.
public struct WarehouseExport: Sendable {
    let store: WarehouseStore
    let clock: any Clock
    let timeZone: TimeZone
    /// How far before the watermark an incremental export starts reading.
    public var overlap: TimeInterval = 60
    let pageSize = 5_000

    public init(database: Database, clock: any Clock, timeZone: TimeZone) {
        store = WarehouseStore(database: database); self.clock = clock; self.timeZone = timeZone
    }

    public struct Manifest: Codable, Sendable {
        public struct Table: Codable, Sendable { public var name: String; public var rows: Int; public var csv: String; public var jsonl: String }
        public var schemaVersion: Int
        public var kind: String
        public var since: Date?
        /// Pass this as `since` to the next incremental export.
        public var watermark: Date
        public var timeZone: String
        public var tables: [Table]
    }

    static let channelTable = (name: "dim_channel", columns: ["channel", "digital"])
    static let dateTable = (name: "dim_date", columns: ["date_key", "date", "year", "quarter", "month", "day", "iso_week", "weekday"])

    /// Writes the export into `directory` (created if missing) and returns the manifest.
    public func export(to directory: URL, since: Date?) async throws -> Manifest {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let watermark = clock.now()
        // Writes stamped before the watermark but still waiting in the queue commit before we read.
        try await store.barrier()
        let from = since.map { $0.addingTimeInterval(-overlap) }
        var manifestTables: [Manifest.Table] = []
        var days = Set<Int>()
        let formatter = TimestampText()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Day keys by quarter-hour (every zone's offset is a multiple of 15 minutes): a calendar call per bucket, not per row.
        var dayKeys: [Int64: Int] = [:]
        func dayKey(_ t: Date) -> Int {
            let bucket = Int64((t.timeIntervalSince1970 / 900).rounded(.down))
            if let k = dayKeys[bucket] { return k }
            let d = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(bucket) * 900))
            let k = d.year! * 10_000 + d.month! * 100 + d.day!
            dayKeys[bucket] = k
            return k
        }
        for table in WarehouseStore.tables {
            let files = try TableFiles(directory: directory, name: table.name, columns: table.columns.map(\.name))
            var after: [WarehouseValue]? = nil
            var rows = 0
            while true {
                let page = try await store.page(table, since: from, until: watermark, after: after, limit: pageSize)
                for full in page {
                    var values = Array(full.prefix(table.columns.count))
                    for (i, c) in table.columns.enumerated() {
                        guard case .dayOf(let source) = c.kind, let j = table.columns.firstIndex(where: { $0.name == source }),
                              case .time(let t) = values[j] else { continue }
                        let key = dayKey(t)
                        days.insert(key)
                        values[i] = .int(Int64(key))
                    }
                    files.append(values.map { Self.field($0, formatter) }, json: Self.json(table.columns.map(\.name), values, formatter))
                }
                rows += page.count
                guard page.count == pageSize, let last = page.last else { break }
                after = Array(last.suffix(table.primaryKey.count))
            }
            try files.close()
            manifestTables.append(.init(name: table.name, rows: rows, csv: "\(table.name).csv", jsonl: "\(table.name).jsonl"))
        }
        // Channels: a fixed list. Dates: every day a fact of this export falls on.
        let channels = try TableFiles(directory: directory, name: Self.channelTable.name, columns: Self.channelTable.columns)
        for c in Channel.allCases {
            let digital = [Channel.email, .webForm, .chat, .social].contains(c)
            channels.append([c.rawValue, digital ? "true" : "false"], json: Self.json(Self.channelTable.columns, [.text(c.rawValue), .bool(digital)], formatter))
        }
        try channels.close()
        manifestTables.append(.init(name: Self.channelTable.name, rows: Channel.allCases.count, csv: "dim_channel.csv", jsonl: "dim_channel.jsonl"))
        let dates = try TableFiles(directory: directory, name: Self.dateTable.name, columns: Self.dateTable.columns)
        var utc = Calendar(identifier: .iso8601)
        utc.timeZone = TimeZone(identifier: "UTC")!
        for key in days.sorted() {
            let y = key / 10_000, m = key / 100 % 100, d = key % 100
            let date = utc.date(from: DateComponents(year: y, month: m, day: d))!
            let week = utc.component(.weekOfYear, from: date), weekday = (utc.component(.weekday, from: date) + 5) % 7 + 1   // Monday = 1
            let values: [WarehouseValue] = [.int(Int64(key)), .text(String(format: "%04d-%02d-%02d", y, m, d)), .int(Int64(y)), .int(Int64((m - 1) / 3 + 1)),
                                            .int(Int64(m)), .int(Int64(d)), .int(Int64(week)), .int(Int64(weekday))]
            dates.append(values.map { Self.field($0, formatter) }, json: Self.json(Self.dateTable.columns, values, formatter))
        }
        try dates.close()
        manifestTables.append(.init(name: Self.dateTable.name, rows: days.count, csv: "dim_date.csv", jsonl: "dim_date.jsonl"))
        try Data(Self.schemaSQL().utf8).write(to: directory.appendingPathComponent("schema.sql"))
        try Data(Self.loadSQL().utf8).write(to: directory.appendingPathComponent("load.sql"))
        let manifest = Manifest(schemaVersion: 1, kind: since == nil ? "full" : "incremental", since: since, watermark: watermark,
                                timeZone: timeZone.identifier, tables: manifestTables)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, e in var c = e.singleValueContainer(); try c.encode(formatter.format(date)) }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: directory.appendingPathComponent("manifest.json"))
        return manifest
    }

    /// A CSV field as PostgreSQL's `COPY … CSV` reads it: NULL unquoted and empty, text always quoted.
    static func field(_ v: WarehouseValue, _ f: TimestampText) -> String {
        switch v {
        case .null: ""
        case .text(let s): "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        case .int(let n): String(n)
        case .time(let t): f.format(t)
        case .bool(let b): b ? "true" : "false"
        }
    }

    static func json(_ names: [String], _ values: [WarehouseValue], _ f: TimestampText) -> String {
        var parts: [String] = []
        for (n, v) in zip(names, values) {
            let text: String
            switch v {
            case .null: text = "null"
            case .text(let s): text = "\"" + JSONText.escape(s) + "\""
            case .int(let i): text = String(i)
            case .time(let t): text = "\"" + f.format(t) + "\""
            case .bool(let b): text = b ? "true" : "false"
            }
            parts.append("\"\(n)\":\(text)")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// The PostgreSQL DDL of the star schema.
    public static func schemaSQL() -> String {
        var out = "-- Rapport warehouse star schema, version 1. Facts reference dimensions by key.\n"
        for t in WarehouseStore.tables {
            out += "\n-- \(t.description)\nCREATE TABLE IF NOT EXISTS \(t.name) (\n"
            out += t.columns.map { "    \($0.name) \($0.kind.sqlType)\($0.nullable ? "" : " NOT NULL")" }.joined(separator: ",\n")
            out += ",\n    PRIMARY KEY (\(t.primaryKey.joined(separator: ", ")))\n);\n"
        }
        out += """

        -- Contact channels.
        CREATE TABLE IF NOT EXISTS dim_channel (
            channel TEXT NOT NULL PRIMARY KEY,
            digital BOOLEAN NOT NULL
        );

        -- Calendar days that facts fall on (in the export's time zone).
        CREATE TABLE IF NOT EXISTS dim_date (
            date_key INTEGER NOT NULL PRIMARY KEY,
            date DATE NOT NULL,
            year INTEGER NOT NULL,
            quarter INTEGER NOT NULL,
            month INTEGER NOT NULL,
            day INTEGER NOT NULL,
            iso_week INTEGER NOT NULL,
            weekday INTEGER NOT NULL
        );

        """
        return out
    }

    /// A psql script (run in the export's directory) that upserts every file into the schema.
    public static func loadSQL() -> String {
        var out = "-- Load a Rapport warehouse export: psql -v ON_ERROR_STOP=1 -f schema.sql -f load.sql (in this directory).\n\\set ON_ERROR_STOP on\nBEGIN;\n"
        var all: [(String, [String], [String])] = WarehouseStore.tables.map { ($0.name, $0.columns.map(\.name), $0.primaryKey) }
        all.append((channelTable.name, channelTable.columns, ["channel"]))
        all.append((dateTable.name, dateTable.columns, ["date_key"]))
        for (name, columns, key) in all {
            let updates = columns.filter { !key.contains($0) }.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
            out += """
            CREATE TEMP TABLE stage_\(name) (LIKE \(name)) ON COMMIT DROP;
            \\copy stage_\(name) (\(columns.joined(separator: ", "))) FROM '\(name).csv' WITH (FORMAT csv, HEADER true)
            INSERT INTO \(name) (\(columns.joined(separator: ", "))) SELECT \(columns.joined(separator: ", ")) FROM stage_\(name)
                ON CONFLICT (\(key.joined(separator: ", "))) DO UPDATE SET \(updates);

            """
        }
        return out + "COMMIT;\n"
    }
}

/// Timestamps as ISO 8601 in UTC with microseconds, which PostgreSQL reads exactly.
struct TimestampText: Sendable {
    func format(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = Int64((micros / 1_000_000).rounded(.down))
        let fraction = Int64(micros) - seconds * 1_000_000
        let days = Int(seconds / 86_400 - (seconds % 86_400 < 0 ? 1 : 0))
        let inDay = Int(seconds - Int64(days) * 86_400)
        // Civil date from days since 1970 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", y, m, d, inDay / 3600, inDay / 60 % 60, inDay % 60, fraction)
    }
}

/// The CSV and JSON Lines files of one table, written as rows arrive.
final class TableFiles: @unchecked Sendable {
    let csv: FileHandle
    let jsonl: FileHandle
    var csvBuffer = ""
    var jsonBuffer = ""

    init(directory: URL, name: String, columns: [String]) throws {
        func open(_ file: String) throws -> FileHandle {
            let url = directory.appendingPathComponent(file)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw RapportError(.invalid, code: "cannot_write", message: "cannot write \(url.path)", messageRu: "не удаётся записать \(url.path)")
            }
            return try FileHandle(forWritingTo: url)
        }
        csv = try open("\(name).csv")
        jsonl = try open("\(name).jsonl")
        csvBuffer = columns.joined(separator: ",") + "\n"
    }

    func append(_ fields: [String], json: String) {
        csvBuffer += fields.joined(separator: ",") + "\n"
        jsonBuffer += json + "\n"
        if csvBuffer.utf8.count > 1 << 20 { flush() }
    }

    func flush() {
        csv.write(Data(csvBuffer.utf8)); jsonl.write(Data(jsonBuffer.utf8))
        csvBuffer = ""; jsonBuffer = ""
    }

    func close() throws {
        flush()
        try csv.synchronize(); try jsonl.synchronize()
        try csv.close(); try jsonl.close()
    }
}

import Foundation
import RapportCore
import SQLKit

/// A reference a record makes to another table: checked inside the write so a missing target is
/// a clear `<entity>_not_found`, not a driver error.
struct Reference: Sendable {
    let table: String
    let id: UUID?
    let entity: String
}

/// Create, read, update and list for a flat record that maps one-to-one onto a table.
struct RecordTable<Record: Codable & Sendable & Identifiable>: Sendable where Record.ID == UUID {
    let database: Database
    let table: String
    let entity: String
    /// The stable code when a unique index rejects a row, e.g. `order_number_taken`.
    var uniqueConflictCode: String? = nil

    func insert(_ record: Record, references: [Reference] = [], event: String, at now: Date) async throws -> Record {
        try await database.write { db in
            try await Self.check(references, on: db)
            try await insertMapped(record, on: db)
            try await db.appendEvent(event, aggregateId: record.id, at: now)
            return record
        }
    }

    func get(_ id: UUID) async throws -> Record? {
        try await database.read { db in try await db.record(Record.self, from: table, id: id) }
    }

    func update(_ id: UUID, event: String, at now: Date,
                _ change: @escaping @Sendable (inout Record) throws -> [Reference]) async throws -> Record {
        try await database.write { db in
            guard var record = try await db.record(Record.self, from: table, id: id) else {
                throw RapportError.notFound(entity, id.uuidString.lowercased())
            }
            let references = try change(&record)
            try await Self.check(references, on: db)
            do {
                try await db.updateRecord(table, id: id, record)
            } catch where ConstraintViolation(error) == .unique {
                throw conflict()
            }
            try await db.appendEvent(event, aggregateId: id, at: now)
            return record
        }
    }

    /// Deletes the record if it belongs to `owner` (through `ownerColumn`); not found otherwise.
    func delete(_ id: UUID, ownerColumn: String, owner: UUID, event: String, at now: Date) async throws {
        try await database.write { db in
            let found = try await db.select().column("id").from(table).where("id", .equal, SQLBind(id))
                .where(SQLIdentifier(ownerColumn), .equal, SQLBind(owner)).first()
            guard found != nil else { throw RapportError.notFound(entity, id.uuidString.lowercased()) }
            try await db.delete(from: table).where("id", .equal, SQLBind(id)).run()
            try await db.appendEvent(event, aggregateId: owner, at: now)
        }
    }

    func list(where filters: [(column: String, value: any Encodable & Sendable)], page: PageRequest) async throws -> Page<Record> {
        try await database.read { db in
            var q = db.select().column("*").from(table)
            for f in filters { q = q.where(SQLIdentifier(f.column), .equal, SQLBind(f.value)) }
            return try await q.page(page).all().records(Record.self).paged(page, id: \.id)
        }
    }

    func insertMapped(_ record: Record, on db: any SQLDatabase) async throws {
        do {
            try await db.insertRecord(table, record)
        } catch where ConstraintViolation(error) == .unique {
            throw conflict()
        }
    }

    func conflict() -> RapportError {
        RapportError(.conflict, code: uniqueConflictCode ?? "\(entity)_exists", message: "a \(entity) with this number already exists",
                     messageRu: "запись с таким номером уже существует")
    }

    static func check(_ references: [Reference], on db: any SQLDatabase) async throws {
        for r in references {
            guard let id = r.id else { continue }
            if r.table == "parties" {
                _ = try await MergeStore.live(id, on: db)  // a merged party takes no new records; its survivor does
            } else {
                try await db.require(r.table, id: id, entity: r.entity)
            }
        }
    }
}

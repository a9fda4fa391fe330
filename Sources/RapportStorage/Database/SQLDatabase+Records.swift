import Foundation
import RapportCore
import SQLKit

/// Column names are the snake_case of the record's properties; nil is written as NULL.
/// (The conversion is remembered per key: see `SnakeCase`.)
let recordEncoder = SQLQueryEncoder(keyEncodingStrategy: .custom { SnakeCase.jsonKey($0) }, nilEncodingStrategy: .asNil)
let recordDecoder = SQLRowDecoder(keyDecodingStrategy: .custom { SnakeCase.jsonKey($0) })

extension SQLDatabase {
    func insertRecord(_ table: String, _ record: some Encodable & Sendable) async throws {
        try await insert(into: table).model(record, with: recordEncoder).run()
    }

    func insertRecords<C: Collection & Sendable>(_ table: String, _ records: C) async throws where C.Element: Encodable & Sendable {
        guard !records.isEmpty else { return }
        try await insert(into: table).models(Array(records), with: recordEncoder).run()
    }

    func updateRecord(_ table: String, id: UUID, _ record: some Encodable & Sendable) async throws {
        try await update(table).set(model: record, with: recordEncoder).where("id", .equal, SQLBind(id)).run()
    }

    func record<T: Decodable>(_ type: T.Type, from table: String, id: UUID, key: String = "id") async throws -> T? {
        try await select().column("*").from(table).where(SQLIdentifier(key), .equal, SQLBind(id)).first()?
            .decode(model: T.self, with: recordDecoder)
    }

    func exists(_ table: String, id: UUID, key: String = "id") async throws -> Bool {
        try await select().column(SQLLiteral.numeric("1"), as: "one").from(table)
            .where(SQLIdentifier(key), .equal, SQLBind(id)).limit(1).first() != nil
    }

    /// Fails with `<entity>_not_found` unless a row with this id exists.
    func require(_ table: String, id: UUID, entity: String) async throws {
        guard try await exists(table, id: id) else { throw RapportError.notFound(entity, id.uuidString.lowercased()) }
    }
}

extension SQLSelectBuilder {
    /// Keyset pagination on time-ordered ids: rows after the cursor, one more than asked to see if
    /// another page follows.
    func page(_ request: PageRequest, idColumn: String = "id") throws -> SQLSelectBuilder {
        var builder = self
        if let cursor = request.cursor {
            guard let after = UUID(uuidString: cursor) else {
                throw RapportError.invalidField("cursor", code: "invalid_cursor", "not a cursor returned by this list", "курсор не от этого списка")
            }
            builder = builder.where(SQLIdentifier(idColumn), .greaterThan, SQLBind(after))
        }
        return builder.orderBy(idColumn, .ascending).limit(request.limit + 1)
    }
}

extension Array {
    /// Cuts the extra row fetched by `page(_:)` and derives the next cursor from the last id.
    func paged(_ request: PageRequest, id: (Element) -> UUID) -> Page<Element> where Element: Sendable {
        if count > request.limit {
            let items = Array(prefix(request.limit))
            return Page(items: items, nextCursor: items.last.map { id($0).uuidString.lowercased() })
        }
        return Page(items: self, nextCursor: nil)
    }
}

extension Sequence where Element == any SQLRow {
    func records<T: Decodable>(_ type: T.Type) throws -> [T] {
        try map { try $0.decode(model: T.self, with: recordDecoder) }
    }
}

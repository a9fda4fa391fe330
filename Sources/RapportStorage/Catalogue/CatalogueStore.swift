import Foundation
import RapportCore
import SQLKit

struct BundleRow: Codable, Sendable {
    var id: UUID
    var name: String
    var partyId: UUID?
    var contractId: UUID?
    var createdAt: Date
}

struct BundleItemRow: Codable, Sendable {
    var bundleId: UUID
    var position: Int
    var itemId: UUID
    var quantity: Int
}

/// Products, services and tariffs, and bundles of them for one customer or contract.
public struct CatalogueStore: Sendable {
    let database: Database
    let items: RecordTable<CatalogueItem>

    public init(database: Database) {
        self.database = database
        self.items = RecordTable(database: database, table: "catalogue_items", entity: "catalogue_item", uniqueConflictCode: "sku_taken")
    }

    public func create(_ item: CatalogueItem) async throws -> CatalogueItem {
        try await items.insert(item, event: "catalogue_item.created", at: item.createdAt)
    }

    public func get(_ id: UUID) async throws -> CatalogueItem? { try await items.get(id) }

    public func bySKU(_ sku: String) async throws -> CatalogueItem? {
        try await database.read { db in
            try await db.select().column("*").from("catalogue_items").where("sku", .equal, SQLBind(sku)).first()?
                .decode(model: CatalogueItem.self, with: recordDecoder)
        }
    }

    public func update(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout CatalogueItem) throws -> Void) async throws -> CatalogueItem {
        try await items.update(id, event: "catalogue_item.updated", at: now) { try change(&$0); return [] }
    }

    public func list(kind: CatalogueItemKind?, page: PageRequest) async throws -> Page<CatalogueItem> {
        try await items.list(where: kind.map { [("kind", $0.rawValue)] } ?? [], page: page)
    }

    public func createBundle(_ bundle: CatalogueBundle) async throws -> CatalogueBundle {
        try await database.write { db in
            try await RecordTable<CatalogueItem>.check([
                Reference(table: "parties", id: bundle.partyId, entity: "party"),
                Reference(table: "contracts", id: bundle.contractId, entity: "contract"),
            ] + bundle.items.map { Reference(table: "catalogue_items", id: $0.itemId, entity: "catalogue_item") }, on: db)
            try await db.insertRecord("bundles", BundleRow(id: bundle.id, name: bundle.name, partyId: bundle.partyId,
                                                           contractId: bundle.contractId, createdAt: bundle.createdAt))
            try await db.insertRecords("bundle_items", bundle.items.enumerated().map {
                BundleItemRow(bundleId: bundle.id, position: $0.offset, itemId: $0.element.itemId, quantity: $0.element.quantity)
            })
            try await db.appendEvent("bundle.created", aggregateId: bundle.id, at: bundle.createdAt)
            return bundle
        }
    }

    public func bundle(_ id: UUID) async throws -> CatalogueBundle? {
        try await database.read { db in
            guard let row = try await db.record(BundleRow.self, from: "bundles", id: id) else { return nil }
            return try await Self.assemble([row], on: db).first
        }
    }

    public func bundles(partyId: UUID?, page: PageRequest) async throws -> Page<CatalogueBundle> {
        try await database.read { db in
            var q = db.select().column("*").from("bundles")
            if let partyId { q = q.where("party_id", .equal, SQLBind(partyId)) }
            let rows = try await q.page(page).all().records(BundleRow.self)
            return try await Self.assemble(rows, on: db).paged(page, id: \.id)
        }
    }

    /// Renames a bundle or replaces its items, in one transaction.
    public func updateBundle(_ id: UUID, name: String?, items: [BundleLine]?, at now: Date) async throws -> CatalogueBundle {
        try await database.write { db in
            guard var row = try await db.record(BundleRow.self, from: "bundles", id: id) else {
                throw RapportError.notFound("bundle", id.uuidString.lowercased())
            }
            if let name {
                row.name = name
                try await db.updateRecord("bundles", id: id, row)
            }
            if let items {
                try await RecordTable<CatalogueItem>.check(items.map { Reference(table: "catalogue_items", id: $0.itemId, entity: "catalogue_item") }, on: db)
                try await db.delete(from: "bundle_items").where("bundle_id", .equal, SQLBind(id)).run()
                try await db.insertRecords("bundle_items", items.enumerated().map {
                    BundleItemRow(bundleId: id, position: $0.offset, itemId: $0.element.itemId, quantity: $0.element.quantity)
                })
            }
            try await db.appendEvent("bundle.updated", aggregateId: id, at: now)
            return try await Self.assemble([row], on: db)[0]
        }
    }

    /// Bundles with their items: one query for all the rows' lines.
    static func assemble(_ rows: [BundleRow], on db: any SQLDatabase) async throws -> [CatalogueBundle] {
        guard !rows.isEmpty else { return [] }
        let lines = try await db.select().column("*").from("bundle_items").where("bundle_id", .in, SQLBind.group(rows.map(\.id)))
            .orderBy("position").all().records(BundleItemRow.self)
        let byBundle = Dictionary(grouping: lines, by: \.bundleId)
        return rows.map { row in
            CatalogueBundle(id: row.id, name: row.name, partyId: row.partyId, contractId: row.contractId,
                            items: (byBundle[row.id] ?? []).map { BundleLine(itemId: $0.itemId, quantity: $0.quantity) }, createdAt: row.createdAt)
        }
    }
}

import Foundation

public enum CatalogueItemKind: String, ClosedVocabulary { case product, service, tariff }

/// A product or service we sell, with its list price.
public struct CatalogueItem: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var sku: String
    public var name: String
    public var kind: CatalogueItemKind
    public var priceMinor: Int64
    public var currency: String
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date
}

public struct CatalogueItemInput: Codable, Sendable {
    public var sku: String?
    public var name: String?
    public var kind: CatalogueItemKind?
    public var priceMinor: Int64?
    public var currency: String?
    public var active: Bool?

    public init(sku: String?, name: String?, kind: CatalogueItemKind?, priceMinor: Int64?, currency: String? = "RUB", active: Bool? = true) {
        self.sku = sku; self.name = name; self.kind = kind; self.priceMinor = priceMinor; self.currency = currency; self.active = active
    }

    public func make(id: UUID, now: Date) throws -> CatalogueItem {
        CatalogueItem(id: id, sku: try Validate.text(sku, "sku", max: 100), name: try Validate.text(name, "name"),
                      kind: try Validate.required(kind, "kind"),
                      priceMinor: try Validate.nonNegative(try Validate.required(priceMinor, "price_minor"), "price_minor"),
                      currency: try Validate.currency(currency), active: active ?? true, createdAt: now, updatedAt: now)
    }

    public func apply(to item: inout CatalogueItem, now: Date) throws {
        if sku != nil { item.sku = try Validate.text(sku, "sku", max: 100) }
        if name != nil { item.name = try Validate.text(name, "name") }
        if let kind { item.kind = kind }
        if let priceMinor { item.priceMinor = try Validate.nonNegative(priceMinor, "price_minor") }
        if currency != nil { item.currency = try Validate.currency(currency) }
        if let active { item.active = active }
        item.updatedAt = now
    }
}

/// Catalogue items assembled for one customer or one contract, e.g. a tariff with options.
public struct CatalogueBundle: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var name: String
    public var partyId: UUID?
    public var contractId: UUID?
    public var items: [BundleLine]
    public var createdAt: Date

    public init(id: UUID, name: String, partyId: UUID?, contractId: UUID?, items: [BundleLine], createdAt: Date) {
        self.id = id; self.name = name; self.partyId = partyId; self.contractId = contractId; self.items = items; self.createdAt = createdAt
    }
}

public struct BundleLine: Codable, Sendable, Equatable {
    public var itemId: UUID
    public var quantity: Int
    public init(itemId: UUID, quantity: Int) { self.itemId = itemId; self.quantity = quantity }
}

public struct CatalogueBundleInput: Codable, Sendable {
    public var name: String?
    public var partyId: UUID?
    public var contractId: UUID?
    public var items: [BundleLine]?

    public func make(id: UUID, now: Date) throws -> CatalogueBundle {
        let lines = try Validate.required(items, "items")
        guard !lines.isEmpty else { throw RapportError.missingField("items") }
        for line in lines { _ = try Validate.quantity(line.quantity, "items.quantity") }
        guard partyId != nil || contractId != nil else { throw RapportError.missingField("party_id") }
        return CatalogueBundle(id: id, name: try Validate.text(name, "name"), partyId: partyId, contractId: contractId, items: lines, createdAt: now)
    }
}

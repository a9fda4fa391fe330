import Foundation
import RapportCore
import SQLKit

/// A column of the warehouse star schema and its PostgreSQL type.
public struct WarehouseColumn: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A record id (UUID), written in lower case.
        case id
        case text, integer, bigint, timestamp, boolean
        /// `YYYYMMDD` of another column's instant in the export's time zone (the key of `dim_date`).
        case dayOf(String)

        public var sqlType: String {
            switch self {
            case .id, .text: "TEXT"
            case .integer, .dayOf: "INTEGER"
            case .bigint: "BIGINT"
            case .timestamp: "TIMESTAMPTZ"
            case .boolean: "BOOLEAN"
            }
        }
    }
    public let name: String
    public let kind: Kind
    /// The SQL expression read from the source (for `dayOf`, unused).
    let source: String
    public let nullable: Bool

    init(_ name: String, _ kind: Kind, _ source: String? = nil, nullable: Bool = true) {
        self.name = name; self.kind = kind; self.source = source ?? name; self.nullable = nullable
    }
}

/// One table of the star schema: where its rows come from and which column says when a row changed.
public struct WarehouseTable: Sendable {
    public let name: String
    public let description: String
    public let columns: [WarehouseColumn]
    public let primaryKey: [String]
    /// `FROM … [WHERE …]` of the source; columns are read from `sourceAlias`.
    let from: String
    /// The source expression of the time a row last changed (incremental exports read rows changed since the watermark).
    let changedAt: String?

    var keyColumns: [WarehouseColumn] { primaryKey.map { k in columns.first { $0.name == k }! } }
}

/// One value of an exported row.
public enum WarehouseValue: Sendable, Equatable {
    case null, text(String), int(Int64), time(Date), bool(Bool)
}

/// Reads the star schema's facts and dimensions from the operational tables, page by page in key
/// order, optionally only rows changed within a window.
public struct WarehouseStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public static let tables: [WarehouseTable] = [
        WarehouseTable(name: "dim_party", description: "Customers (persons and organisations), pseudonymous: no names or addresses.",
                       columns: [.init("party_id", .id, "p.id", nullable: false), .init("kind", .text, "p.kind", nullable: false),
                                 .init("lifecycle_stage", .text, "p.lifecycle_stage", nullable: false), .init("value_tier", .text, "p.value_tier"),
                                 .init("language", .text, "p.language"), .init("country", .text, "p.country"), .init("merged_into_id", .id, "p.merged_into_id"),
                                 .init("erased", .boolean, "(p.erased_at IS NOT NULL)", nullable: false),
                                 .init("created_at", .timestamp, "p.created_at", nullable: false), .init("updated_at", .timestamp, "p.updated_at", nullable: false)],
                       primaryKey: ["party_id"], from: "FROM parties p", changedAt: "p.updated_at"),
        WarehouseTable(name: "dim_agent", description: "Contact-centre agents.",
                       columns: [.init("agent_key", .text, "a.key", nullable: false), .init("display_name", .text, "a.display_name", nullable: false),
                                 .init("skills", .text, "a.skills", nullable: false), .init("updated_at", .timestamp, "a.updated_at", nullable: false)],
                       primaryKey: ["agent_key"], from: "FROM agents a", changedAt: "a.updated_at"),
        WarehouseTable(name: "dim_product", description: "Catalogue items: products, services, tariffs.",
                       columns: [.init("item_id", .id, "c.id", nullable: false), .init("sku", .text, "c.sku", nullable: false),
                                 .init("name", .text, "c.name", nullable: false), .init("kind", .text, "c.kind", nullable: false),
                                 .init("price_minor", .bigint, "c.price_minor", nullable: false), .init("currency", .text, "c.currency", nullable: false),
                                 .init("active", .boolean, "c.active", nullable: false), .init("updated_at", .timestamp, "c.updated_at", nullable: false)],
                       primaryKey: ["item_id"], from: "FROM catalogue_items c", changedAt: "c.updated_at"),
        WarehouseTable(name: "dim_campaign", description: "Campaigns, measured ones with their control share.",
                       columns: [.init("campaign_id", .id, "c.id", nullable: false), .init("campaign_key", .text, "c.key"),
                                 .init("name", .text, "c.name", nullable: false), .init("channel", .text, "c.channel", nullable: false),
                                 .init("status", .text, "c.status", nullable: false), .init("control_permille", .integer, "c.control_permille", nullable: false),
                                 .init("launched_at", .timestamp, "c.launched_at"), .init("closed_at", .timestamp, "c.closed_at"),
                                 .init("updated_at", .timestamp, "COALESCE(c.updated_at, c.created_at)", nullable: false)],
                       primaryKey: ["campaign_id"], from: "FROM campaigns c", changedAt: "COALESCE(c.updated_at, c.created_at)"),
        WarehouseTable(name: "dim_offer", description: "The offer catalogue.",
                       columns: [.init("offer_id", .id, "o.id", nullable: false), .init("offer_key", .text, "o.key", nullable: false),
                                 .init("name", .text, "o.name", nullable: false), .init("kind", .text, "o.kind", nullable: false),
                                 .init("item_id", .id, "o.item_id"), .init("active", .boolean, "o.active", nullable: false),
                                 .init("updated_at", .timestamp, "o.updated_at", nullable: false)],
                       primaryKey: ["offer_id"], from: "FROM offers o", changedAt: "o.updated_at"),
        WarehouseTable(name: "fact_interaction", description: "Every entry of the information trail: one contact on one channel.",
                       columns: [.init("interaction_id", .id, "i.id", nullable: false), .init("party_id", .id, "i.party_id"),
                                 .init("date_key", .dayOf("occurred_at"), nullable: false), .init("occurred_at", .timestamp, "i.occurred_at", nullable: false),
                                 .init("channel", .text, "i.channel", nullable: false), .init("direction", .text, "i.direction", nullable: false),
                                 .init("agent", .text, "i.agent"), .init("outcome", .text, "i.outcome"), .init("campaign_id", .id, "i.campaign_id"),
                                 .init("request_id", .id, "i.request_id"), .init("order_id", .id, "i.order_id"),
                                 .init("created_at", .timestamp, "i.created_at", nullable: false)],
                       primaryKey: ["interaction_id"], from: "FROM interactions i", changedAt: "i.created_at"),
        WarehouseTable(name: "fact_order", description: "Orders with their total and margin (null: not recorded).",
                       columns: [.init("order_id", .id, "o.id", nullable: false), .init("order_number", .text, "o.number", nullable: false),
                                 .init("party_id", .id, "o.party_id", nullable: false), .init("date_key", .dayOf("placed_at"), nullable: false),
                                 .init("placed_at", .timestamp, "o.placed_at", nullable: false), .init("status", .text, "o.status", nullable: false),
                                 .init("total_minor", .bigint, "o.total_minor", nullable: false), .init("margin_minor", .bigint, "o.margin_minor"),
                                 .init("currency", .text, "o.currency", nullable: false), .init("updated_at", .timestamp, "o.updated_at", nullable: false)],
                       primaryKey: ["order_id"], from: "FROM orders o", changedAt: "o.updated_at"),
        WarehouseTable(name: "fact_order_line", description: "Order lines: the link from orders to products.",
                       columns: [.init("order_id", .id, "l.order_id", nullable: false), .init("position", .integer, "l.position", nullable: false),
                                 .init("item_id", .id, "l.item_id"), .init("quantity", .integer, "l.quantity", nullable: false),
                                 .init("unit_price_minor", .bigint, "l.unit_price_minor", nullable: false),
                                 .init("line_total_minor", .bigint, "l.quantity * l.unit_price_minor", nullable: false)],
                       primaryKey: ["order_id", "position"], from: "FROM order_lines l JOIN orders o ON o.id = l.order_id", changedAt: "o.updated_at"),
        WarehouseTable(name: "fact_notification", description: "Proactive and campaign messages: decided, sent, delivered or suppressed with the reason.",
                       columns: [.init("message_id", .id, "m.id", nullable: false), .init("party_id", .id, "m.party_id", nullable: false),
                                 .init("date_key", .dayOf("created_at"), nullable: false), .init("channel", .text, "m.channel"),
                                 .init("purpose", .text, "m.purpose", nullable: false), .init("status", .text, "m.status", nullable: false),
                                 .init("reason", .text, "m.reason"), .init("rule_key", .text, "m.rule_key"), .init("campaign_id", .id, "m.campaign_id"),
                                 .init("attempts", .integer, "m.attempts", nullable: false), .init("created_at", .timestamp, "m.created_at", nullable: false),
                                 .init("sent_at", .timestamp, "m.sent_at"), .init("delivered_at", .timestamp, "m.delivered_at"),
                                 .init("updated_at", .timestamp, "m.updated_at", nullable: false)],
                       primaryKey: ["message_id"], from: "FROM outbound_messages m", changedAt: "m.updated_at"),
        WarehouseTable(name: "fact_campaign_response", description: "Every campaign member: arm, value-tier stratum, call outcome, review sample.",
                       columns: [.init("campaign_id", .id, "c.campaign_id", nullable: false), .init("party_id", .id, "c.party_id", nullable: false),
                                 .init("arm", .text, "c.arm", nullable: false), .init("stratum", .text, "c.stratum"), .init("outcome", .text, "c.outcome"),
                                 .init("date_key", .dayOf("added_at"), nullable: false), .init("added_at", .timestamp, "c.added_at", nullable: false),
                                 .init("outcome_at", .timestamp, "c.outcome_at"),
                                 .init("qa_sampled", .boolean, "COALESCE(c.qa_sampled, FALSE)", nullable: false),
                                 .init("updated_at", .timestamp, "COALESCE(c.updated_at, c.added_at)", nullable: false)],
                       primaryKey: ["campaign_id", "party_id"], from: "FROM campaign_parties c", changedAt: "COALESCE(c.updated_at, c.added_at)"),
        WarehouseTable(name: "fact_offer_response", description: "Offers presented, accepted or declined, with the benefit stated for the customer.",
                       columns: [.init("response_id", .id, "r.id", nullable: false), .init("offer_id", .id, "r.offer_id", nullable: false),
                                 .init("party_id", .id, "r.party_id", nullable: false), .init("date_key", .dayOf("recorded_at"), nullable: false),
                                 .init("response", .text, "r.response", nullable: false), .init("benefit_minor", .bigint, "r.benefit_minor"),
                                 .init("currency", .text, "r.currency"), .init("channel", .text, "r.channel", nullable: false),
                                 .init("campaign_id", .id, "r.campaign_id"), .init("recorded_at", .timestamp, "r.recorded_at", nullable: false)],
                       primaryKey: ["response_id"], from: "FROM offer_responses r", changedAt: "r.recorded_at"),
    ]

    /// Waits until every write queued so far has committed (the write queue is first in, first
    /// out): rows stamped before a watermark are visible once this returns.
    public func barrier() async throws {
        try await database.write { _ in }
    }

    /// A page of `table`'s rows in key order after `after` (the previous page's last key values),
    /// only rows changed within (since, until] when `since` is given. `dayOf` columns are left
    /// null for the caller, who knows the time zone. Each row is followed by its key values.
    public func page(_ table: WarehouseTable, since: Date?, until: Date, after: [WarehouseValue]?, limit: Int) async throws -> [[WarehouseValue]] {
        try await database.read { db in
            let read = table.columns.filter { if case .dayOf = $0.kind { return false }; return true }
            var q = SQLQueryString("SELECT " + read.enumerated().map { "\($1.source) AS c\($0)" }.joined(separator: ", ") + " " + table.from + " WHERE 1 = 1")
            if let changed = table.changedAt {
                if let since { q = q + " AND \(unsafeRaw: changed) > \(bind: since)" }
                q = q + " AND \(unsafeRaw: changed) <= \(bind: until)"
            }
            let keys = table.keyColumns
            func bind(_ value: WarehouseValue, _ column: WarehouseColumn) -> SQLQueryString {
                switch (value, column.kind) {
                case (.text(let s), .id): return "\(bind: UUID(uuidString: s) ?? UUID())"
                case (.text(let s), _): return "\(bind: s)"
                case (.int(let n), _): return "\(bind: Int(n))"
                default: return "NULL"
                }
            }
            if let after, after.count == keys.count {
                if keys.count == 1 {
                    q = q + " AND \(unsafeRaw: keys[0].source) > " + bind(after[0], keys[0])
                } else {
                    q = q + " AND (\(unsafeRaw: keys[0].source) > " + bind(after[0], keys[0]) + " OR (\(unsafeRaw: keys[0].source) = " + bind(after[0], keys[0])
                        + " AND \(unsafeRaw: keys[1].source) > " + bind(after[1], keys[1]) + "))"
                }
            }
            q = q + " ORDER BY " + SQLQueryString(keys.map(\.source).joined(separator: ", ")) + " LIMIT \(bind: limit)"
            return try await db.raw(q).all().map { r in
                let row = RowReader(r)
                var byName: [String: WarehouseValue] = [:]
                for (i, c) in read.enumerated() {
                    let name = "c\(i)"
                    switch c.kind {
                    case .id: byName[c.name] = try row.uuid(name).map { .text($0.uuidString.lowercased()) } ?? .null
                    case .text: byName[c.name] = try row.string(name).map(WarehouseValue.text) ?? .null
                    case .integer, .bigint: byName[c.name] = try row.int(name).map { .int(Int64($0)) } ?? .null
                    case .timestamp: byName[c.name] = try row.date(name).map(WarehouseValue.time) ?? .null
                    case .boolean: byName[c.name] = try row.bool(name).map(WarehouseValue.bool) ?? .null
                    case .dayOf: break
                    }
                }
                return table.columns.map { byName[$0.name] ?? .null } + keys.map { byName[$0.name] ?? .null }
            }
        }
    }
}

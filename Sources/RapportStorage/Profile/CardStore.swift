import Foundation
import RapportCore
import SQLKit

/// Which parts of the card a party has data for: read with the party in one statement, so a part
/// with nothing in it costs no query.
struct CardPresence: Decodable {
    var hasRequests: Bool
    var hasOrders: Bool
    var hasInvoices: Bool
    var hasPayments: Bool
    var hasAccount: Bool
    var hasFacts: Bool
    var hasConsents: Bool
    var hasRelationships: Bool
    var hasContracts: Bool
    var hasRoles: Bool
    var hasMerges: Bool

    static func columns(_ id: UUID) -> SQLQueryString {
        func exists(_ table: String, _ column: String, _ name: String) -> SQLQueryString {
            "EXISTS (SELECT 1 FROM \(ident: table) WHERE \(ident: column) = \(bind: id)) AS \(ident: name)"
        }
        return [
            exists("requests", "party_id", "has_requests"), exists("orders", "party_id", "has_orders"),
            exists("invoices", "party_id", "has_invoices"), exists("payments", "party_id", "has_payments"),
            exists("accounts", "party_id", "has_account"), exists("party_facts", "party_id", "has_facts"),
            exists("consents", "party_id", "has_consents"),
            exists("relationships", "party_id", "has_relationships"), exists("contracts", "party_id", "has_contracts"),
            "(EXISTS (SELECT 1 FROM contact_roles WHERE person_id = \(bind: id)) OR EXISTS (SELECT 1 FROM contact_roles WHERE organisation_id = \(bind: id))) AS has_roles",
            "(EXISTS (SELECT 1 FROM merges WHERE survivor_id = \(bind: id)) OR EXISTS (SELECT 1 FROM merges WHERE merged_id = \(bind: id))) AS has_merges",
        ].joined(separator: ", ")
    }
}

/// Reads everything the screen-pop card shows about a party. One statement reads the party and
/// which parts hold data; the parts that do are then read concurrently, each one indexed query
/// bounded by a small limit, on the reader connections.
public struct CardStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    static let recent = 5

    public func card(_ partyId: UUID) async throws -> CardData? {
        // The trail and the identities do not depend on the party row: read them alongside it.
        async let identities = database.read { db in try await PartyStore.identities(of: partyId, on: db) }
        // The latest entries and the latest proactive messages, in one statement.
        async let trail = database.read { db in
            let rows = try await db.raw("""
                SELECT * FROM (SELECT 0 AS part, i.* FROM interactions i WHERE i.party_id = \(bind: partyId)
                               ORDER BY i.occurred_at DESC, i.id DESC LIMIT \(literal: Self.recent)) latest
                UNION ALL
                SELECT * FROM (SELECT 1 AS part, i.* FROM interactions i WHERE i.party_id = \(bind: partyId)
                                 AND i.direction = 'outbound' AND i.channel IN ('sms', 'email', 'letter', 'social')
                               ORDER BY i.occurred_at DESC, i.id DESC LIMIT \(literal: Self.recent)) proactive
                """).all()
            var latest: [Interaction] = [], proactive: [Interaction] = []
            for row in rows {
                let entry = try row.decode(model: Interaction.self, with: recordDecoder)
                if try row.decode(column: "part", as: Int.self) == 0 { latest.append(entry) } else { proactive.append(entry) }
            }
            // UNION ALL promises no order: newest first again.
            let newestFirst: (Interaction, Interaction) -> Bool = { ($0.occurredAt, $0.id.uuidString) > ($1.occurredAt, $1.id.uuidString) }
            return (latest.sorted(by: newestFirst), proactive.sorted(by: newestFirst))
        }
        let head: (Party, CardPresence)? = try await database.read { db in
            guard let row = try await db.raw("SELECT p.*, \(CardPresence.columns(partyId)) FROM parties p WHERE p.id = \(bind: partyId)").first() else {
                return nil
            }
            return (try row.decode(model: Party.self, with: recordDecoder), try row.decode(model: CardPresence.self, with: recordDecoder))
        }
        guard let (party, has) = head else {
            _ = try? await (identities, trail)
            return nil
        }
        let isPerson = party.kind == .person
        func part<T: Sendable>(_ present: Bool, _ empty: T, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
            present ? try await database.read(body) : empty
        }
        async let requests = part(has.hasRequests, []) { try await Self.openRequests(partyId, on: $0) }
        async let commerce = part(has.hasOrders, ([], nil, [])) { db in
            (try await db.select().columns("id", "number", "status", "placed_at", "total_minor", "currency").from("orders")
                .where("party_id", .equal, SQLBind(partyId)).orderBy("placed_at", .descending).limit(Self.recent).all().records(OrderSummary.self),
             try await Self.lastDelivery(partyId, on: db),
             try await db.raw("""
                SELECT r.* FROM order_returns r JOIN orders o ON o.id = r.order_id WHERE o.party_id = \(bind: partyId)
                ORDER BY r.id DESC LIMIT \(literal: Self.recent)
                """).all().records(OrderReturn.self))
        }
        async let money = part(has.hasInvoices || has.hasPayments || has.hasAccount, (nil, [], [])) { db in
            (try await db.record(Account.self, from: "accounts", id: partyId, key: "party_id"),
             try await Self.unpaidInvoices(partyId, on: db),
             try await Self.recentPayments(partyId, on: db))
        }
        async let profile = part(has.hasFacts || has.hasRelationships || has.hasConsents, ([], [], [])) { db in
            (try await ProfileStore.facts(of: partyId, history: false, on: db),
             has.hasConsents ? ConsentSummary.current(try await ProfileStore.consents(of: partyId, on: db)) : [],
             isPerson ? try await db.select().column("*").from("relationships").where("party_id", .equal, SQLBind(partyId))
                .orderBy("id").all().records(Relationship.self) : [])
        }
        async let contracts = part(has.hasContracts, []) { try await Self.contracts(partyId, on: $0) }
        async let roles = part(has.hasRoles, []) { db in
            try await db.select().column("*").from("contact_roles")
                .where(isPerson ? "person_id" : "organisation_id", .equal, SQLBind(partyId)).orderBy("id").limit(50).all().records(ContactRole.self)
        }
        async let merges = part(has.hasMerges, []) { try await MergeStore.merges(of: partyId, on: $0) }
        let (last, proactive) = try await trail
        let (orders, delivery, returns) = try await commerce
        let (account, invoices, payments) = try await money
        let (facts, consents, relationships) = try await profile
        return CardData(party: party, identities: try await identities, openRequests: try await requests, recentOrders: orders, lastDelivery: delivery,
                        returns: returns, account: account, unpaidInvoices: invoices, recentPayments: payments, lastInteractions: last,
                        proactiveMessages: proactive, facts: facts, consents: consents, relationships: relationships, contracts: try await contracts,
                        contactRoles: try await roles, merges: try await merges)
    }

    /// What the card shows of an organisation a contact person represents.
    public func organisation(_ id: UUID) async throws -> (party: Party, contracts: [ContractSummary], account: Account?, invoices: [Invoice], payments: [Payment], delivery: Delivery?, requests: [CustomerRequest])? {
        try await database.read { db in
            guard let party = try await db.record(Party.self, from: "parties", id: id) else { return nil }
            return (party, try await Self.contracts(id, on: db), try await db.record(Account.self, from: "accounts", id: id, key: "party_id"),
                    try await Self.unpaidInvoices(id, on: db), try await Self.recentPayments(id, on: db),
                    try await Self.lastDelivery(id, on: db), try await Self.openRequests(id, on: db))
        }
    }

    public func parties(_ ids: [UUID]) async throws -> [Party] {
        guard !ids.isEmpty else { return [] }
        return try await database.read { db in
            try await db.select().column("*").from("parties").where("id", .in, SQLBind.group(ids)).all().records(Party.self)
        }
    }

    static func recentPayments(_ partyId: UUID, on db: any SQLDatabase) async throws -> [Payment] {
        try await db.select().column("*").from("payments").where("party_id", .equal, SQLBind(partyId))
            .orderBy("paid_at", .descending).limit(Self.recent).all().records(Payment.self)
    }

    static func openRequests(_ partyId: UUID, on db: any SQLDatabase) async throws -> [CustomerRequest] {
        try await db.select().column("*").from("requests").where("party_id", .equal, SQLBind(partyId))
            .where("status", .in, SQLBind.group([RequestStatus.open, .inProgress].map(\.rawValue)))
            .orderBy("opened_at", .descending).orderBy("id", .descending).limit(20).all().records(CustomerRequest.self)
    }

    static func lastDelivery(_ partyId: UUID, on db: any SQLDatabase) async throws -> Delivery? {
        guard let row = try await db.raw("""
            SELECT s.*, o.number AS order_number FROM shipments s JOIN orders o ON o.id = s.order_id
            WHERE o.party_id = \(bind: partyId) ORDER BY s.updated_at DESC, s.id DESC LIMIT 1
            """).first() else { return nil }
        return Delivery(orderNumber: try row.decode(column: "order_number", as: String.self), shipment: try row.decode(model: Shipment.self, with: recordDecoder))
    }

    static func unpaidInvoices(_ partyId: UUID, on db: any SQLDatabase) async throws -> [Invoice] {
        try await db.raw("""
            SELECT * FROM invoices WHERE party_id = \(bind: partyId) AND paid_minor < amount_minor AND cancelled = \(bind: false)
            ORDER BY due_on, id LIMIT 20
            """).all().records(Invoice.self)
    }

    static func contracts(_ partyId: UUID, on db: any SQLDatabase) async throws -> [ContractSummary] {
        try await db.select().columns("id", "number", "status", "starts_on", "ends_on").from("contracts")
            .where("party_id", .equal, SQLBind(partyId)).orderBy("starts_on", .descending).limit(20).all().records(ContractSummary.self)
    }
}

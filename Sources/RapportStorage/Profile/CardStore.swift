import Foundation
import RapportCore
import SQLKit

/// Reads everything the screen-pop card shows about a party, on one reader connection: each part
/// is one indexed query, bounded by a small limit.
public struct CardStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    static let recent = 5

    public func card(_ partyId: UUID) async throws -> CardData? {
        try await database.read { db in
            guard let party = try await db.record(Party.self, from: "parties", id: partyId) else { return nil }
            let isPerson = party.kind == .person
            return CardData(
                party: party,
                identities: try await PartyStore.identities(of: partyId, on: db),
                openRequests: try await Self.openRequests(partyId, on: db),
                recentOrders: try await db.select().columns("id", "number", "status", "placed_at", "total_minor", "currency").from("orders")
                    .where("party_id", .equal, SQLBind(partyId)).orderBy("placed_at", .descending).limit(Self.recent).all().records(OrderSummary.self),
                lastDelivery: try await Self.lastDelivery(partyId, on: db),
                returns: try await db.raw("""
                    SELECT r.* FROM order_returns r JOIN orders o ON o.id = r.order_id WHERE o.party_id = \(bind: partyId)
                    ORDER BY r.id DESC LIMIT \(literal: Self.recent)
                    """).all().records(OrderReturn.self),
                account: try await db.record(Account.self, from: "accounts", id: partyId, key: "party_id"),
                unpaidInvoices: try await Self.unpaidInvoices(partyId, on: db),
                recentPayments: try await db.select().column("*").from("payments").where("party_id", .equal, SQLBind(partyId))
                    .orderBy("paid_at", .descending).limit(Self.recent).all().records(Payment.self),
                lastInteractions: try await db.select().column("*").from("interactions").where("party_id", .equal, SQLBind(partyId))
                    .orderBy("occurred_at", .descending).orderBy("id", .descending).limit(Self.recent).all().records(Interaction.self),
                proactiveMessages: try await db.select().column("*").from("interactions").where("party_id", .equal, SQLBind(partyId))
                    .where("direction", .equal, SQLBind(Direction.outbound.rawValue))
                    .where("channel", .in, SQLBind.group([Channel.sms, .email, .letter, .social].map(\.rawValue)))
                    .orderBy("occurred_at", .descending).orderBy("id", .descending).limit(Self.recent).all().records(Interaction.self),
                facts: try await ProfileStore.facts(of: partyId, history: false, on: db),
                relationships: isPerson ? try await db.select().column("*").from("relationships").where("party_id", .equal, SQLBind(partyId))
                    .orderBy("id").all().records(Relationship.self) : [],
                contracts: try await Self.contracts(partyId, on: db),
                contactRoles: try await db.select().column("*").from("contact_roles")
                    .where(isPerson ? "person_id" : "organisation_id", .equal, SQLBind(partyId)).orderBy("id").limit(50).all().records(ContactRole.self),
                merges: try await MergeStore.merges(of: partyId, on: db))
        }
    }

    /// What the card shows of an organisation a contact person represents.
    public func organisation(_ id: UUID) async throws -> (party: Party, contracts: [ContractSummary], account: Account?, invoices: [Invoice], payments: [Payment], delivery: Delivery?, requests: [CustomerRequest])? {
        try await database.read { db in
            guard let party = try await db.record(Party.self, from: "parties", id: id) else { return nil }
            return (party, try await Self.contracts(id, on: db), try await db.record(Account.self, from: "accounts", id: id, key: "party_id"),
                    try await Self.unpaidInvoices(id, on: db),
                    try await db.select().column("*").from("payments").where("party_id", .equal, SQLBind(id))
                        .orderBy("paid_at", .descending).limit(Self.recent).all().records(Payment.self),
                    try await Self.lastDelivery(id, on: db), try await Self.openRequests(id, on: db))
        }
    }

    public func parties(_ ids: [UUID]) async throws -> [Party] {
        guard !ids.isEmpty else { return [] }
        return try await database.read { db in
            try await db.select().column("*").from("parties").where("id", .in, SQLBind.group(ids)).all().records(Party.self)
        }
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

import Foundation
import RapportCore
import SQLKit

/// Cases: applications, complaints, questions.
public struct RequestStore: Sendable {
    let table: RecordTable<CustomerRequest>

    public init(database: Database) {
        table = RecordTable(database: database, table: "requests", entity: "request")
    }

    public func create(_ r: CustomerRequest) async throws -> CustomerRequest {
        try await table.insert(r, references: [Reference(table: "parties", id: r.partyId, entity: "party"),
                                               Reference(table: "interactions", id: r.openedByInteractionId, entity: "interaction")],
                               event: "request.opened", at: r.createdAt)
    }

    public func get(_ id: UUID) async throws -> CustomerRequest? { try await table.get(id) }

    public func update(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout CustomerRequest) throws -> Void) async throws -> CustomerRequest {
        try await table.update(id, event: "request.updated", at: now) { try change(&$0); return [] }
    }

    public func list(partyId: UUID?, status: RequestStatus?, page: PageRequest) async throws -> Page<CustomerRequest> {
        var filters: [(column: String, value: any Encodable & Sendable)] = []
        if let partyId { filters.append(("party_id", partyId)) }
        if let status { filters.append(("status", status.rawValue)) }
        return try await table.list(where: filters, page: page)
    }
}

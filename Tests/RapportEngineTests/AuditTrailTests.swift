import Foundation
import RapportCore
import RapportEngine
import RapportStorage
import RapportTestSupport
import Testing

@Suite struct AuditTrailTests {
    /// An administrator's query must see every access recorded before it, even when the batch
    /// timer had already taken those events and was still writing them.
    @Test func aQueryWaitsForABatchAlreadyBeingWritten() async throws {
        try await withTestDatabase(.sqlite) { db in
            let trail = AuditTrail(store: AuditStore(database: db), clock: SystemClock())
            let party = UUID()
            for round in 0..<25 {
                trail.record(actor: nil, action: .erase, route: "POST /api/v1/parties/{id}/erasure", partyId: party, status: 201, requestId: "r\(round)")
                let timer = Task { await trail.flush() }
                let seen = try await trail.query(AuditQuery(partyId: party)).items.count
                await timer.value
                #expect(seen == round + 1, "round \(round): the query missed an event whose batch was in flight")
            }
            await trail.close()
        }
    }
}

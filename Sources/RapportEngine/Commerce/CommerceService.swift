import Foundation
import RapportCore
import RapportStorage

/// Contracts, orders, shipments, returns, invoices and payments.
public struct CommerceService: Sendable {
    let store: CommerceStore
    let clock: any Clock

    public init(store: CommerceStore, clock: any Clock) {
        self.store = store
        self.clock = clock
    }

    func found<T>(_ value: T?, _ entity: String, _ id: UUID) throws -> T {
        guard let value else { throw RapportError.notFound(entity, id.uuidString.lowercased()) }
        return value
    }

    public func createContract(_ input: ContractInput) async throws -> Contract {
        let now = clock.now()
        return try await store.createContract(try input.make(id: .timeOrdered(at: now), now: now))
    }
    public func contract(_ id: UUID) async throws -> Contract { try found(try await store.contract(id), "contract", id) }
    public func contract(number: String) async throws -> Contract? { try await store.contract(number: number) }
    public func updateContract(_ id: UUID, _ input: ContractInput) async throws -> Contract {
        let now = clock.now()
        return try await store.updateContract(id, at: now) { try input.apply(to: &$0, now: now) }
    }
    public func contracts(partyId: UUID?, page: PageRequest) async throws -> Page<Contract> {
        try await store.contracts(partyId: partyId, page: page)
    }

    public func createOrder(_ input: OrderInput) async throws -> Order {
        let now = clock.now()
        return try await store.createOrder(try input.make(id: .timeOrdered(at: now), now: now))
    }
    public func order(_ id: UUID) async throws -> Order { try found(try await store.order(id), "order", id) }
    public func order(number: String) async throws -> Order? { try await store.order(number: number) }
    public func updateOrder(_ id: UUID, _ input: OrderInput) async throws -> Order {
        let now = clock.now()
        return try await store.updateOrder(id, at: now) { try input.apply(to: &$0, now: now) }
    }
    public func orders(partyId: UUID?, status: OrderStatus?, page: PageRequest) async throws -> Page<Order> {
        try await store.orders(partyId: partyId, status: status, page: page)
    }

    public func createShipment(_ input: ShipmentInput) async throws -> Shipment {
        let now = clock.now()
        return try await store.createShipment(try input.make(id: .timeOrdered(at: now), now: now))
    }
    public func shipment(_ id: UUID) async throws -> Shipment { try found(try await store.shipment(id), "shipment", id) }
    public func updateShipment(_ id: UUID, _ input: ShipmentInput) async throws -> Shipment {
        let now = clock.now()
        return try await store.updateShipment(id, at: now) { try input.apply(to: &$0, now: now) }
    }
    public func shipments(orderId: UUID?, page: PageRequest) async throws -> Page<Shipment> {
        try await store.shipments(orderId: orderId, page: page)
    }

    public func createReturn(_ input: OrderReturnInput) async throws -> OrderReturn {
        let now = clock.now()
        return try await store.createReturn(try input.make(id: .timeOrdered(at: now), now: now))
    }
    public func orderReturn(_ id: UUID) async throws -> OrderReturn { try found(try await store.orderReturn(id), "return", id) }
    public func updateReturn(_ id: UUID, _ input: OrderReturnInput) async throws -> OrderReturn {
        let now = clock.now()
        return try await store.updateReturn(id, at: now) { try input.apply(to: &$0, now: now) }
    }
    public func returns(orderId: UUID?, page: PageRequest) async throws -> Page<OrderReturn> {
        try await store.returns(orderId: orderId, page: page)
    }

    public func createInvoice(_ input: InvoiceInput) async throws -> Invoice {
        let now = clock.now()
        return try await store.createInvoice(try input.make(id: .timeOrdered(at: now), now: now))
    }
    public func invoice(_ id: UUID) async throws -> Invoice { try found(try await store.invoice(id), "invoice", id) }
    public func updateInvoice(_ id: UUID, _ input: InvoiceInput) async throws -> Invoice {
        let now = clock.now()
        return try await store.updateInvoice(id, at: now) { try input.apply(to: &$0, now: now) }
    }
    public func invoices(partyId: UUID?, page: PageRequest) async throws -> Page<Invoice> {
        try await store.invoices(partyId: partyId, page: page)
    }
    /// Today's date, for an invoice's open/overdue status.
    public func today() -> CivilDate { CivilDate(clock.now()) }

    public func recordPayment(_ input: PaymentInput) async throws -> Payment {
        let now = clock.now()
        return try await store.recordPayment(try input.make(id: .timeOrdered(at: now), now: now))
    }
    /// Payments are facts and are not changed; a correction is a new (negative) entry on the account.
    public func payment(_ id: UUID) async throws -> Payment { try found(try await store.payment(id), "payment", id) }
    public func payments(partyId: UUID?, page: PageRequest) async throws -> Page<Payment> {
        try await store.payments(partyId: partyId, page: page)
    }
}

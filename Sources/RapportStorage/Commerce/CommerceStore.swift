import Foundation
import RapportCore
import SQLKit

struct ContractRow: Codable, Sendable {
    var id: UUID
    var number: String
    var partyId: UUID
    var startsOn: CivilDate
    var endsOn: CivilDate?
    var status: ContractStatus
    var createdAt: Date
    var updatedAt: Date
}

struct ContractLineRow: Codable, Sendable {
    var contractId: UUID
    var position: Int
    var itemId: UUID
    var quantity: Int
    var priceMinor: Int64
    var currency: String
}

struct OrderRow: Codable, Sendable {
    var id: UUID
    var number: String
    var partyId: UUID
    var status: OrderStatus
    var placedAt: Date
    var totalMinor: Int64
    var currency: String
    var recipientName: String?
    var occasion: String?
    var createdAt: Date
    var updatedAt: Date
    /// The number's digits, for a caller keying it in (`FL-10001` → `10001`).
    var keypadNumber: String?
    var marginMinor: Int64?
}

struct OrderLineRow: Codable, Sendable {
    var orderId: UUID
    var position: Int
    var itemId: UUID?
    var description: String
    var quantity: Int
    var unitPriceMinor: Int64
}

extension Contract {
    var row: ContractRow {
        ContractRow(id: id, number: number, partyId: partyId, startsOn: startsOn, endsOn: endsOn, status: status, createdAt: createdAt, updatedAt: updatedAt)
    }
    init(_ r: ContractRow, lines: [ContractLineRow]) {
        self.init(id: r.id, number: r.number, partyId: r.partyId, startsOn: r.startsOn, endsOn: r.endsOn, status: r.status,
                  lines: lines.map { ContractLine(itemId: $0.itemId, quantity: $0.quantity, priceMinor: $0.priceMinor, currency: $0.currency) },
                  createdAt: r.createdAt, updatedAt: r.updatedAt)
    }
}

extension Order {
    var row: OrderRow {
        OrderRow(id: id, number: number, partyId: partyId, status: status, placedAt: placedAt, totalMinor: totalMinor, currency: currency,
                 recipientName: recipientName, occasion: occasion, createdAt: createdAt, updatedAt: updatedAt,
                 keypadNumber: KeypadNumber.of(number), marginMinor: marginMinor)
    }
    init(_ r: OrderRow, lines: [OrderLineRow]) {
        self.init(id: r.id, number: r.number, partyId: r.partyId, status: r.status, placedAt: r.placedAt, totalMinor: r.totalMinor,
                  currency: r.currency, recipientName: r.recipientName, occasion: r.occasion,
                  lines: lines.map { OrderLine(itemId: $0.itemId, description: $0.description, quantity: $0.quantity, unitPriceMinor: $0.unitPriceMinor) },
                  createdAt: r.createdAt, updatedAt: r.updatedAt, marginMinor: r.marginMinor)
    }
}

/// Contracts, orders with shipments and returns, invoices and payments: the commerce facts of the 360 view.
public struct CommerceStore: Sendable {
    let database: Database
    let shipments: RecordTable<Shipment>
    let returns: RecordTable<OrderReturn>
    let invoices: RecordTable<Invoice>
    let payments: RecordTable<Payment>

    public init(database: Database) {
        self.database = database
        shipments = RecordTable(database: database, table: "shipments", entity: "shipment")
        returns = RecordTable(database: database, table: "order_returns", entity: "return")
        invoices = RecordTable(database: database, table: "invoices", entity: "invoice", uniqueConflictCode: "invoice_number_taken")
        payments = RecordTable(database: database, table: "payments", entity: "payment")
    }

    // MARK: Contracts

    /// Stores the contract; an active contract makes its party a customer (with the date it changed).
    public func createContract(_ contract: Contract) async throws -> Contract {
        try await database.write { db in
            try await RecordTable<Shipment>.check([Reference(table: "parties", id: contract.partyId, entity: "party")]
                + contract.lines.map { Reference(table: "catalogue_items", id: $0.itemId, entity: "catalogue_item") }, on: db)
            do {
                try await db.insertRecord("contracts", contract.row)
            } catch where ConstraintViolation(error) == .unique {
                throw RapportError(.conflict, code: "contract_number_taken", message: "a contract with number \(contract.number) already exists",
                                   messageRu: "договор с номером \(contract.number) уже существует")
            }
            try await db.insertRecords("contract_lines", contract.lines.enumerated().map {
                ContractLineRow(contractId: contract.id, position: $0.offset, itemId: $0.element.itemId, quantity: $0.element.quantity,
                                priceMinor: $0.element.priceMinor, currency: $0.element.currency)
            })
            if contract.status == .active { try await Self.promoteToCustomer(contract.partyId, at: contract.createdAt, on: db) }
            try await db.appendEvent("contract.created", aggregateId: contract.id, at: contract.createdAt)
            return contract
        }
    }

    public func contract(_ id: UUID) async throws -> Contract? {
        try await database.read { db in
            guard let row = try await db.record(ContractRow.self, from: "contracts", id: id) else { return nil }
            return Contract(row, lines: try await Self.contractLines([id], on: db)[id] ?? [])
        }
    }

    public func contract(number: String) async throws -> Contract? {
        try await database.read { db in
            guard let row = try await db.select().column("*").from("contracts").where("number", .equal, SQLBind(number)).first()?
                .decode(model: ContractRow.self, with: recordDecoder) else { return nil }
            return Contract(row, lines: try await Self.contractLines([row.id], on: db)[row.id] ?? [])
        }
    }

    public func updateContract(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout Contract) throws -> Void) async throws -> Contract {
        try await database.write { db in
            guard let row = try await db.record(ContractRow.self, from: "contracts", id: id) else {
                throw RapportError.notFound("contract", id.uuidString.lowercased())
            }
            var contract = Contract(row, lines: try await Self.contractLines([id], on: db)[id] ?? [])
            try change(&contract)
            try await db.updateRecord("contracts", id: id, contract.row)
            if contract.status == .active && row.status != .active {
                try await Self.promoteToCustomer(contract.partyId, at: now, on: db)
            }
            try await db.appendEvent("contract.updated", aggregateId: id, at: now)
            return contract
        }
    }

    public func contracts(partyId: UUID?, page: PageRequest) async throws -> Page<Contract> {
        try await database.read { db in
            var q = db.select().column("*").from("contracts")
            if let partyId { q = q.where("party_id", .equal, SQLBind(partyId)) }
            let rows = try await q.page(page).all().records(ContractRow.self)
            let lines = try await Self.contractLines(rows.map(\.id), on: db)
            return rows.map { Contract($0, lines: lines[$0.id] ?? []) }.paged(page, id: \.id)
        }
    }

    static func contractLines(_ ids: [UUID], on db: any SQLDatabase) async throws -> [UUID: [ContractLineRow]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.select().column("*").from("contract_lines").where("contract_id", .in, SQLBind.group(ids))
            .orderBy("position").all().records(ContractLineRow.self)
        return Dictionary(grouping: rows, by: \.contractId)
    }

    static func promoteToCustomer(_ partyId: UUID, at now: Date, on db: any SQLDatabase) async throws {
        try await db.update("parties").set("lifecycle_stage", to: LifecycleStage.customer.rawValue)
            .set("stage_changed_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(partyId)).where("lifecycle_stage", .equal, SQLBind(LifecycleStage.prospect.rawValue)).run()
    }

    // MARK: Orders

    public func createOrder(_ order: Order) async throws -> Order {
        try await database.write { db in
            try await RecordTable<Shipment>.check([Reference(table: "parties", id: order.partyId, entity: "party")]
                + order.lines.map { Reference(table: "catalogue_items", id: $0.itemId, entity: "catalogue_item") }, on: db)
            do {
                try await db.insertRecord("orders", order.row)
            } catch where ConstraintViolation(error) == .unique {
                throw RapportError(.conflict, code: "order_number_taken", message: "an order with number \(order.number) already exists",
                                   messageRu: "заказ с номером \(order.number) уже существует")
            }
            try await db.insertRecords("order_lines", order.lines.enumerated().map {
                OrderLineRow(orderId: order.id, position: $0.offset, itemId: $0.element.itemId, description: $0.element.description,
                             quantity: $0.element.quantity, unitPriceMinor: $0.element.unitPriceMinor)
            })
            try await db.appendEvent("order.created", aggregateId: order.id, at: order.createdAt)
            return order
        }
    }

    public func order(_ id: UUID) async throws -> Order? {
        try await database.read { db in
            guard let row = try await db.record(OrderRow.self, from: "orders", id: id) else { return nil }
            return Order(row, lines: try await Self.orderLines([id], on: db)[id] ?? [])
        }
    }

    /// The order a caller means by the digits they keyed: the number's digits must match, and only
    /// one order may have them.
    public func order(keypadDigits digits: String) async throws -> Order? {
        try await database.read { db in
            let rows = try await db.select().column("*").from("orders").where("keypad_number", .equal, SQLBind(digits)).limit(2).all()
            guard rows.count == 1, let row = try rows.first?.decode(model: OrderRow.self, with: recordDecoder) else { return nil }
            return Order(row, lines: try await Self.orderLines([row.id], on: db)[row.id] ?? [])
        }
    }

    public func order(number: String) async throws -> Order? {
        try await database.read { db in
            guard let row = try await db.select().column("*").from("orders").where("number", .equal, SQLBind(number)).first()?
                .decode(model: OrderRow.self, with: recordDecoder) else { return nil }
            return Order(row, lines: try await Self.orderLines([row.id], on: db)[row.id] ?? [])
        }
    }

    public func updateOrder(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout Order) throws -> Void) async throws -> Order {
        try await database.write { db in
            guard let row = try await db.record(OrderRow.self, from: "orders", id: id) else {
                throw RapportError.notFound("order", id.uuidString.lowercased())
            }
            var order = Order(row, lines: try await Self.orderLines([id], on: db)[id] ?? [])
            try change(&order)
            try await db.updateRecord("orders", id: id, order.row)
            try await db.appendEvent("order.updated", aggregateId: id, at: now, payload: ["status": order.status.rawValue])
            return order
        }
    }

    public func orders(partyId: UUID?, status: OrderStatus?, page: PageRequest) async throws -> Page<Order> {
        try await database.read { db in
            var q = db.select().column("*").from("orders")
            if let partyId { q = q.where("party_id", .equal, SQLBind(partyId)) }
            if let status { q = q.where("status", .equal, SQLBind(status.rawValue)) }
            let rows = try await q.page(page).all().records(OrderRow.self)
            let lines = try await Self.orderLines(rows.map(\.id), on: db)
            return rows.map { Order($0, lines: lines[$0.id] ?? []) }.paged(page, id: \.id)
        }
    }

    static func orderLines(_ ids: [UUID], on db: any SQLDatabase) async throws -> [UUID: [OrderLineRow]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.select().column("*").from("order_lines").where("order_id", .in, SQLBind.group(ids))
            .orderBy("position").all().records(OrderLineRow.self)
        return Dictionary(grouping: rows, by: \.orderId)
    }

    // MARK: Shipments and returns

    public func createShipment(_ s: Shipment) async throws -> Shipment {
        try await shipments.insert(s, references: [Reference(table: "orders", id: s.orderId, entity: "order")], event: "shipment.created", at: s.createdAt)
    }
    public func shipment(_ id: UUID) async throws -> Shipment? { try await shipments.get(id) }
    public func updateShipment(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout Shipment) throws -> Void) async throws -> Shipment {
        try await shipments.update(id, event: "shipment.updated", at: now) { try change(&$0); return [] }
    }
    public func shipments(orderId: UUID?, page: PageRequest) async throws -> Page<Shipment> {
        try await shipments.list(where: orderId.map { [("order_id", $0)] } ?? [], page: page)
    }

    public func createReturn(_ r: OrderReturn) async throws -> OrderReturn {
        try await returns.insert(r, references: [Reference(table: "orders", id: r.orderId, entity: "order")], event: "return.created", at: r.createdAt)
    }
    public func orderReturn(_ id: UUID) async throws -> OrderReturn? { try await returns.get(id) }
    public func updateReturn(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout OrderReturn) throws -> Void) async throws -> OrderReturn {
        try await returns.update(id, event: "return.updated", at: now) { try change(&$0); return [] }
    }
    public func returns(orderId: UUID?, page: PageRequest) async throws -> Page<OrderReturn> {
        try await returns.list(where: orderId.map { [("order_id", $0)] } ?? [], page: page)
    }

    // MARK: Invoices and payments

    public func createInvoice(_ i: Invoice) async throws -> Invoice {
        try await invoices.insert(i, references: [Reference(table: "parties", id: i.partyId, entity: "party"),
                                                  Reference(table: "contracts", id: i.contractId, entity: "contract")],
                                  event: "invoice.created", at: i.createdAt)
    }
    public func invoice(_ id: UUID) async throws -> Invoice? { try await invoices.get(id) }
    public func updateInvoice(_ id: UUID, at now: Date, _ change: @escaping @Sendable (inout Invoice) throws -> Void) async throws -> Invoice {
        try await invoices.update(id, event: "invoice.updated", at: now) { try change(&$0); return [] }
    }
    public func invoices(partyId: UUID?, page: PageRequest) async throws -> Page<Invoice> {
        try await invoices.list(where: partyId.map { [("party_id", $0)] } ?? [], page: page)
    }

    /// Records the payment and, in the same transaction, adds it to the invoice it pays.
    public func recordPayment(_ p: Payment) async throws -> Payment {
        try await database.write { db in
            _ = try await MergeStore.live(p.partyId, on: db)
            if let invoiceId = p.invoiceId {
                guard let invoice = try await db.record(Invoice.self, from: "invoices", id: invoiceId) else {
                    throw RapportError.notFound("invoice", invoiceId.uuidString.lowercased())
                }
                guard invoice.partyId == p.partyId, invoice.currency == p.currency else {
                    throw RapportError(.invalid, code: "payment_mismatch", message: "the payment's party or currency differs from the invoice's",
                                       messageRu: "плательщик или валюта платежа не совпадают со счётом")
                }
                guard !invoice.cancelled else {
                    throw RapportError(.invalid, code: "invoice_cancelled", message: "the invoice is cancelled", messageRu: "счёт аннулирован")
                }
                // Incremented in SQL, so concurrent payments from several nodes all count.
                try await db.update("invoices")
                    .set(SQLIdentifier("paid_minor"), to: SQLBinaryExpression(left: SQLIdentifier("paid_minor"), op: SQLBinaryOperator.add, right: SQLBind(p.amountMinor)))
                    .set("updated_at", to: SQLBind(p.createdAt)).where("id", .equal, SQLBind(invoiceId)).run()
            }
            try await db.insertRecord("payments", p)
            try await db.appendEvent("payment.recorded", aggregateId: p.id, at: p.createdAt)
            return p
        }
    }
    public func payment(_ id: UUID) async throws -> Payment? { try await payments.get(id) }
    public func payments(partyId: UUID?, page: PageRequest) async throws -> Page<Payment> {
        try await payments.list(where: partyId.map { [("party_id", $0)] } ?? [], page: page)
    }
}

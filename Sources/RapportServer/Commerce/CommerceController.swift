import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Contracts, orders, shipments, returns, invoices, payments.
struct CommerceController {
    let services: Services

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        let commerce = services.commerce
        group.post("contracts") { request, context in
            let input = try await request.decodeJSON(ContractInput.self)
            try await context.requireMayChange(input.partyId, services)
            return try APIJSON.response(try await commerce.createContract(input), status: .created)
        }
        group.get("contracts") { request, _ in
            try APIJSON.response(PageBody(try await commerce.contracts(partyId: try request.uuidQuery("party_id"), page: try request.pageRequest())))
        }
        group.get("contracts/:id") { request, context in
            try APIJSON.response(try await commerce.contract(try request.uuidParameter("id", context: context)))
        }
        group.patch("contracts/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            try await context.requireMayChange(try await commerce.contract(id).partyId, services)
            return try APIJSON.response(try await commerce.updateContract(id, try await request.decodeJSON(ContractInput.self)))
        }

        group.post("orders") { request, context in
            let input = try await request.decodeJSON(OrderInput.self)
            try await context.requireMayChange(input.partyId, services)
            return try APIJSON.response(try await commerce.createOrder(input), status: .created)
        }
        group.get("orders") { request, _ in
            try APIJSON.response(PageBody(try await commerce.orders(partyId: try request.uuidQuery("party_id"),
                                                                    status: try request.enumQuery("status", as: OrderStatus.self),
                                                                    page: try request.pageRequest())))
        }
        group.get("orders/:id") { request, context in
            try APIJSON.response(try await commerce.order(try request.uuidParameter("id", context: context)))
        }
        group.patch("orders/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            try await context.requireMayChange(try await commerce.order(id).partyId, services)
            return try APIJSON.response(try await commerce.updateOrder(id, try await request.decodeJSON(OrderInput.self)))
        }

        group.post("shipments") { request, _ in
            try APIJSON.response(try await commerce.createShipment(try await request.decodeJSON(ShipmentInput.self)), status: .created)
        }
        group.get("shipments") { request, _ in
            try APIJSON.response(PageBody(try await commerce.shipments(orderId: try request.uuidQuery("order_id"), page: try request.pageRequest())))
        }
        group.get("shipments/:id") { request, context in
            try APIJSON.response(try await commerce.shipment(try request.uuidParameter("id", context: context)))
        }
        group.patch("shipments/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await commerce.updateShipment(id, try await request.decodeJSON(ShipmentInput.self)))
        }

        group.post("returns") { request, _ in
            try APIJSON.response(try await commerce.createReturn(try await request.decodeJSON(OrderReturnInput.self)), status: .created)
        }
        group.get("returns") { request, _ in
            try APIJSON.response(PageBody(try await commerce.returns(orderId: try request.uuidQuery("order_id"), page: try request.pageRequest())))
        }
        group.get("returns/:id") { request, context in
            try APIJSON.response(try await commerce.orderReturn(try request.uuidParameter("id", context: context)))
        }
        group.patch("returns/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await commerce.updateReturn(id, try await request.decodeJSON(OrderReturnInput.self)))
        }

        group.post("invoices") { request, _ in
            let invoice = try await commerce.createInvoice(try await request.decodeJSON(InvoiceInput.self))
            return try APIJSON.response(InvoiceBody(invoice, today: commerce.today()), status: .created)
        }
        group.get("invoices") { request, _ in
            let page = try await commerce.invoices(partyId: try request.uuidQuery("party_id"), page: try request.pageRequest())
            let today = commerce.today()
            return try APIJSON.response(PageBody(Page(items: page.items.map { InvoiceBody($0, today: today) }, nextCursor: page.nextCursor)))
        }
        group.get("invoices/:id") { request, context in
            try APIJSON.response(InvoiceBody(try await commerce.invoice(try request.uuidParameter("id", context: context)), today: commerce.today()))
        }
        group.patch("invoices/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(InvoiceBody(try await commerce.updateInvoice(id, try await request.decodeJSON(InvoiceInput.self)), today: commerce.today()))
        }

        group.post("payments") { request, _ in
            try APIJSON.response(try await commerce.recordPayment(try await request.decodeJSON(PaymentInput.self)), status: .created)
        }
        group.get("payments/:id") { request, context in
            try APIJSON.response(try await commerce.payment(try request.uuidParameter("id", context: context)))
        }
        group.get("payments") { request, _ in
            try APIJSON.response(PageBody(try await commerce.payments(partyId: try request.uuidQuery("party_id"), page: try request.pageRequest())))
        }
    }
}

/// An invoice with its status as of today (open, paid, overdue, cancelled).
typealias InvoiceBody = InvoiceView

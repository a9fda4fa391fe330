import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Event types, rules, business events in, bookings, and the outbox (messages, receipts, dead letters).
struct ProactiveController {
    let services: Services
    var proactive: ProactiveService { services.proactive }

    struct EnabledBody: Decodable { var enabled: Bool? }
    struct PreviewBody: Decodable { var partyId: UUID?; var payload: [String: PayloadValue]? }

    /// The answer to a posted event: the event with what each rule did, and whether it was a repeat.
    struct EventAnswer: Encodable, Sendable {
        var event: BusinessEvent
        var duplicate: Bool
        var queued: Int
        var suppressed: Int
    }

    struct ReceiptAnswer: Encodable, Sendable {
        var id: UUID
        var status: MessageStatus
    }

    struct OutboxBody: Encodable, Sendable {
        var counts: [String: Int]
        var channels: [String]
    }

    /// Who saved a rule version: `user:<id>` or `token:<id>`.
    static func author(_ context: RapportRequestContext) throws -> String {
        let p = try context.acting()
        return "\(p.kind.rawValue):\(p.id.uuidString.lowercased())"
    }

    func addRoutes(to group: RouterGroup<RapportRequestContext>, channels: [OutboundChannel]) {
        // Event types
        group.get("event-types") { _, _ in try APIJSON.response(ListBody(items: try await proactive.eventTypes())) }
        group.post("event-types") { request, _ in
            try APIJSON.response(try await proactive.createEventType(try await request.decodeJSON(EventTypeInput.self)), status: .created)
        }
        group.get("event-types/:key") { _, context in
            try APIJSON.response(try await proactive.eventType(try context.parameters.require("key")))
        }
        group.put("event-types/:key") { request, context in
            try APIJSON.response(try await proactive.replaceEventType(key: try context.parameters.require("key"),
                                                                      try await request.decodeJSON(EventTypeInput.self)))
        }
        // Rules
        group.get("rules") { _, _ in try APIJSON.response(ListBody(items: try await proactive.rules())) }
        group.post("rules") { request, context in
            try APIJSON.response(try await proactive.createRule(try await request.decodeJSON(ProactiveRuleInput.self), by: try Self.author(context)),
                                 status: .created)
        }
        group.get("rules/:key") { _, context in try APIJSON.response(try await proactive.rule(try context.parameters.require("key"))) }
        group.get("rules/:key/versions") { _, context in
            try APIJSON.response(ListBody(items: try await proactive.ruleVersions(try context.parameters.require("key"))))
        }
        group.put("rules/:key") { request, context in
            try APIJSON.response(try await proactive.updateRule(key: try context.parameters.require("key"),
                                                                try await request.decodeJSON(ProactiveRuleInput.self), by: try Self.author(context)))
        }
        group.put("rules/:key/enabled") { request, context in
            let enabled = try await request.decodeJSON(EnabledBody.self).enabled
            guard let enabled else { throw RapportError.missingField("enabled") }
            return try APIJSON.response(try await proactive.setRuleEnabled(key: try context.parameters.require("key"), enabled: enabled))
        }
        group.post("rules/:key/preview") { request, context in
            let body = try await request.decodeJSON(PreviewBody.self)
            return try APIJSON.response(try await proactive.preview(key: try context.parameters.require("key"), partyId: body.partyId, payload: body.payload))
        }
        // Business events
        group.post("events") { request, _ in
            let result = try await proactive.post(try await request.decodeJSON(BusinessEventInput.self))
            return try APIJSON.response(EventAnswer(event: result.event, duplicate: result.duplicate, queued: result.event.outcome.queued,
                                                    suppressed: result.event.outcome.suppressed),
                                        status: result.duplicate ? .ok : .created)
        }
        group.get("events") { request, _ in
            try APIJSON.response(PageBody(try await proactive.events(eventType: request.query("event_type"), page: try request.pageRequest())))
        }
        group.get("events/:id") { request, context in
            try APIJSON.response(try await proactive.event(try request.uuidParameter("id", context: context)))
        }
        // Bookings
        group.post("bookings") { request, _ in
            try APIJSON.response(try await proactive.createBooking(try await request.decodeJSON(BookingInput.self)), status: .created)
        }
        group.get("bookings") { request, _ in
            let date = try request.query("flight_date").map { try CivilDate(parsing: $0, field: "flight_date") }
            return try APIJSON.response(PageBody(try await proactive.bookings(partyId: try request.uuidQuery("party_id"),
                                                                              flightNumber: request.query("flight_number"), flightDate: date,
                                                                              page: try request.pageRequest())))
        }
        // The outbox
        group.get("messages") { request, _ in
            let query = MessageQuery(partyId: try request.uuidQuery("party_id"), eventId: try request.uuidQuery("event_id"),
                                     status: try request.enumQuery("status", as: MessageStatus.self), ruleKey: request.query("rule"),
                                     page: try request.pageRequest())
            return try APIJSON.response(PageBody(try await proactive.messages(query)))
        }
        group.get("messages/:id") { request, context in
            try APIJSON.response(try await proactive.message(try request.uuidParameter("id", context: context)))
        }
        group.post("messages/:id/retry") { request, context in
            try APIJSON.response(try await proactive.requeue(try request.uuidParameter("id", context: context)))
        }
        group.post("messages/receipts") { request, _ in
            // The gateway learns the state only, never the message's address or text.
            let m = try await proactive.receipt(try await request.decodeJSON(DeliveryReceipt.self))
            return try APIJSON.response(ReceiptAnswer(id: m.id, status: m.status))
        }
        group.get("outbox") { request, _ in
            let counts = try await proactive.statusCounts(channel: try request.enumQuery("channel", as: OutboundChannel.self))
            var all: [String: Int] = [:]
            for s in MessageStatus.allCases { all[s.rawValue] = counts[s] ?? 0 }
            return try APIJSON.response(OutboxBody(counts: all, channels: channels.map(\.rawValue)))
        }
    }
}

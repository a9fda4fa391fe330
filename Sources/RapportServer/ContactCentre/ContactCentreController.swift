import Foundation
import Hummingbird
import NIOCore
import RapportCore
import RapportEngine

/// Agents, queues, the platforms' contact events, IVR, surveys, the live streams and the service figures.
struct ContactCentreController {
    let services: Services
    let options: HTTPOptions
    var centre: ContactCentreService { services.contactCentre }

    /// One event, or `{"events": [...]}` for a batch.
    struct EventsBody: Decodable {
        var events: [ContactEventInput]?
        var single: ContactEventInput
        init(from decoder: any Decoder) throws {
            events = try decoder.container(keyedBy: Keys.self).decodeIfPresent([ContactEventInput].self, forKey: .events)
            single = events == nil ? try ContactEventInput(from: decoder) : ContactEventInput(eventId: nil, type: nil, contactId: nil)
        }
        enum Keys: String, CodingKey { case events }
    }

    struct StateBody: Decodable { var state: AgentState? }
    struct SurveyBody: Decodable { var score: Int?; var channel: RapportCore.Channel? }

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        // Agents
        group.get("agents") { request, _ in
            try APIJSON.response(ListBody(items: try await centre.agents(state: try request.enumQuery("state", as: AgentState.self))))
        }
        group.post("agents") { request, _ in
            try APIJSON.response(try await centre.createAgent(try await request.decodeJSON(AgentInput.self)), status: .created)
        }
        group.get("agents/me") { _, context in
            try APIJSON.response(try await ownAgent(context))
        }
        group.get("agents/:id") { request, context in
            try APIJSON.response(try await centre.agent(try request.uuidParameter("id", context: context)))
        }
        group.patch("agents/:id") { request, context in
            try APIJSON.response(try await centre.updateAgent(try request.uuidParameter("id", context: context),
                                                              try await request.decodeJSON(AgentInput.self)))
        }
        group.put("agents/:id/state") { request, context in
            let id = try request.uuidParameter("id", context: context)
            let principal = try context.acting()
            if !principal.can(.contactCentreManage) {
                // An agent changes only their own state.
                guard try await centre.agent(userId: principal.id)?.id == id else { throw Self.notYourAgent }
            }
            return try APIJSON.response(try await centre.setAgentState(id, try await request.decodeJSON(StateBody.self).state))
        }
        // Queues and settings
        group.get("queues") { _, _ in try APIJSON.response(ListBody(items: try await centre.queues())) }
        group.post("queues") { request, _ in
            try APIJSON.response(try await centre.createQueue(try await request.decodeJSON(ContactQueueInput.self)), status: .created)
        }
        group.get("queues/:id") { request, context in
            try APIJSON.response(try await centre.queue(try request.uuidParameter("id", context: context)))
        }
        group.patch("queues/:id") { request, context in
            try APIJSON.response(try await centre.updateQueue(try request.uuidParameter("id", context: context),
                                                              try await request.decodeJSON(ContactQueueInput.self)))
        }
        group.get("contact-centre/settings") { _, _ in try APIJSON.response(try await centre.settingsValue()) }
        group.put("contact-centre/settings") { request, _ in
            try APIJSON.response(try await centre.setSettings(try await request.decodeJSON(ContactCentreSettings.self)))
        }
        // Platform events
        group.post("cti/events") { request, _ in
            let body = try await request.decodeJSON(EventsBody.self)
            let withCard = request.query("card") == "true"
            if let events = body.events {
                return try APIJSON.response(try await centre.ingest(events, withCard: withCard, compact: events.count > 1))
            }
            let result = try await centre.ingest([body.single], withCard: withCard)
            if let first = result.results.first, first.status == .rejected, let error = first.error {
                throw error.underlying
            }
            return try APIJSON.response(result)
        }
        group.post("ivr/order-status") { request, _ in
            try APIJSON.response(try await services.ivr.orderStatus(try await request.decodeJSON(IVRService.Input.self)))
        }
        // Contacts
        group.get("contacts") { request, context in
            let page = try await centre.contacts(state: try request.enumQuery("state", as: ContactState.self), queueId: try request.uuidQuery("queue_id"),
                                                 agentId: try request.uuidQuery("agent_id"), partyId: try request.uuidQuery("party_id"),
                                                 page: try request.pageRequest())
            return try APIJSON.response(PageBody(page))
        }
        group.get("contacts/:id") { request, context in
            let contact = try await centre.contact(try request.uuidParameter("id", context: context))
            context.touched.note(contact.partyId)
            return try APIJSON.response(contact)
        }
        group.get("contacts/:id/events") { request, context in
            try APIJSON.response(ListBody(items: try await centre.events(contactId: try request.uuidParameter("id", context: context))))
        }
        group.post("contacts/:id/survey") { request, context in
            let body = try await request.decodeJSON(SurveyBody.self)
            let contact = try await centre.recordSurvey(contactId: try request.uuidParameter("id", context: context), score: body.score, channel: body.channel)
            context.touched.note(contact.partyId)
            return try APIJSON.response(contact, status: .created)
        }
        // Live view
        group.get("wallboard") { _, _ in try APIJSON.response(try await centre.wallboard()) }
        group.get("live/wallboard") { _, _ in
            let board = try await centre.wallboard()
            return LiveStream.response(first: .wallboard(board), stream: centre.supervisorStream(), limit: options.liveStreamLimit)
        }
        group.get("live/agent") { request, context in
            let principal = try context.acting()
            let agent: Agent
            if let id = try request.uuidQuery("agent_id") {
                guard principal.can(.contactCentreMonitor) else { throw Self.notYourAgent }
                agent = try await centre.agent(id)
            } else {
                agent = try await ownAgent(context)
            }
            return LiveStream.response(first: .agentState(agent), stream: centre.live.subscribe(agentId: agent.id), limit: options.liveStreamLimit)
        }
        // Figures
        group.get("service-figures") { request, _ in
            guard let from = try request.timeQuery("from") else { throw RapportError.missingField("from") }
            guard let to = try request.timeQuery("to") else { throw RapportError.missingField("to") }
            var query = FigureQuery(from: from, to: to, groupBy: try request.enumQuery("group_by", as: FigureGrouping.self) ?? .total,
                                    queueId: try request.uuidQuery("queue_id"), agentId: try request.uuidQuery("agent_id"),
                                    channel: try request.enumQuery("channel", as: RapportCore.Channel.self))
            if let n = try request.intQuery("service_level_seconds") { query.serviceLevelSeconds = n }
            if let n = try request.intQuery("resolution_window_days") { query.resolutionWindowDays = n }
            let report = try await centre.figures(query)
            if request.query("format") == "csv" {
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                       .contentDisposition: "attachment; filename=\"service-figures.csv\""],
                                body: .init(byteBuffer: ByteBuffer(string: ServiceFiguresCSV.render(report))))
            }
            return try APIJSON.response(report)
        }
    }

    func ownAgent(_ context: RapportRequestContext) async throws -> Agent {
        let principal = try context.acting()
        guard principal.kind == .user, let agent = try await centre.agent(userId: principal.id) else {
            throw RapportError(.notFound, code: "agent_not_found", message: "no agent is linked to this user",
                               messageRu: "с этим пользователем не связан оператор")
        }
        return agent
    }

    static let notYourAgent = RapportError(.forbidden, code: "not_your_agent", message: "you may act only as your own agent",
                                           messageRu: "можно действовать только от имени своего оператора")
}

extension Request {
    func intQuery(_ name: String) throws -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = Int(text) else {
            throw RapportError.invalidField(name, code: "invalid_number", "must be a whole number", "должно быть целым числом")
        }
        return value
    }
}

/// The service figures as CSV: one line per group, then the total.
enum ServiceFiguresCSV {
    static func render(_ report: ServiceReport) -> String {
        func n(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }
        let field = CSV.field
        var lines = ["key,label,contacts,answered,abandoned,asa_seconds,aht_seconds,abandonment_rate,service_level,first_contact_resolution,csat,csat_average,survey_answers"]
        for f in report.groups + [report.total] {
            lines.append([field(f.key), field(f.label ?? ""), String(f.contacts), String(f.answered), String(f.abandoned),
                          n(f.averageSpeedOfAnswerSeconds), n(f.averageHandlingSeconds), n(f.abandonmentRate), n(f.serviceLevel),
                          n(f.firstContactResolution), n(f.csat), n(f.csatAverage), String(f.surveyAnswers)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// CSV for spreadsheets: fields quoted when needed, and a leading `= + - @` neutralised so a
/// spreadsheet never runs a customer's text as a formula.
enum CSV {
    static func field(_ s: String) -> String {
        let safe = s.first.map { "=+-@".contains($0) } == true ? "'" + s : s
        return safe.contains(where: { ",\"\n".contains($0) }) ? "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : safe
    }

    static func response(_ lines: [String], filename: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
                 body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
    }
}

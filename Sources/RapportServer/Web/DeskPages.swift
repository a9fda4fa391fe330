import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// The agent desktop (search, live screen pop, the agent's own state, wrap-up) and the customer
/// page (card, timeline with filters, recording an interaction, facts, requests, consents,
/// relationships, merges).
struct DeskPages {
    let services: Services

    struct AgentPanel: Sendable {
        let key: String
        let state: String
        let stateRaw: String
        let since: String
        let states: [FormField.Option]
        /// Every state's label, for the live update of the state line.
        let labels: [FormField.Option]
    }

    struct ResultLine: Sendable { let id: String; let name: String; let kind: String; let stage: String; let tier: String }
    struct HitLine: Sendable { let partyId: String; let line: InteractionLine }

    struct DeskPage: WebPage {
        static let template = "desk"
        let titleKey = "desk_title"
        let q: String
        let searched: Bool
        let results: [ResultLine]
        let hits: [HitLine]
        let noResults: Bool
        let agent: AgentPanel?
        let liveEnabled: Bool
        /// A card popped earlier (`?pop=` after answering an offer in it), drawn again with its wrap-up form.
        let pop: CardFragment?
    }

    struct CardFragment {
        let card: CardView
        let contactId: String?
        let outcome: FormField
        let resolved: FormField
        /// Offers show accept/decline only to who may record the answer.
        let mayRespond: Bool
    }

    struct ChannelFilter: Sendable { let href: String; let label: String; let icon: String; let current: Bool }

    struct PartyPage: WebPage {
        static let template = "party"
        let titleKey = "party_title"
        let titleText: String?
        let card: CardView
        let timeline: [InteractionLine]
        let filters: [ChannelFilter]
        let nextPage: String?
        let interactionForm: [FormField]
        let factForm: [FormField]
        let requestForm: [FormField]
        let mergeForm: [FormField]
        let formError: String?
        let consentHistory: [CardView.ConsentLine]
        let relationships: [RelationLine]
        let merges: [MergeLine]
        let mayWrite: Bool
        let mayMerge: Bool
        let mayRespond: Bool
        let notice: String?
    }

    struct RelationLine: Sendable { let kind: String; let name: String; let birthDate: String; let partyId: String? }
    struct MergeLine: Sendable { let id: String; let text: String; let when: String; let undone: Bool; let undoable: Bool }

    /// Which of the customer page's forms was posted, with what was typed and what was wrong.
    struct Posted: Sendable {
        enum Form: String, Sendable { case interaction, fact, request, merge }
        let form: Form
        let values: WebForm
        let errors: FormErrors
    }

    func addRoutes(to routes: WebRoutes) {
        routes.get("desk", needs: .customerRead) { web in try await desk(web) }
        routes.post("desk/state", needs: .agentWork) { web, form in
            guard let agent = try await services.contactCentre.agent(userId: web.principal.id) else { return WebResponse.redirect("/desk") }
            _ = try await services.contactCentre.setAgentState(agent.id, try form.choice("state", as: AgentState.self))
            return WebResponse.redirect("/desk")
        }
        routes.get("desk/card/:id", needs: .customerRead) { web in
            let id = try web.parameter("id")
            let contact = web.query("contact").flatMap(UUID.init(uuidString:))
            // Forms in the pop come back to the desk showing the same pop.
            let desk = web.at(path: Self.deskPath(party: id, contact: contact))
            return WebResponse.fragment(try await fragment(desk, party: id, contact: contact), template: "card_fragment", chrome: desk.chrome)
        }
        routes.post("desk/contacts/:id/wrap-up", needs: .agentWork) { web, form in
            let contact = try await services.contactCentre.contact(try web.parameter("id"))
            guard let agent = try await services.contactCentre.agent(userId: web.principal.id), contact.agentId == agent.id else {
                throw RapportError(.forbidden, code: "not_your_contact", message: "this contact is not yours", messageRu: "это не ваш контакт")
            }
            let now = services.clock.now()
            var events: [ContactEventInput] = []
            if contact.state == .routed || contact.state == .offered || contact.state == .queued {
                events.append(ContactEventInput(eventId: "web-\(UUID().uuidString)", type: .answered, contactId: contact.externalId, occurredAt: now,
                                                agent: agent.key))
            }
            if contact.state != .ended && contact.state != .wrapped {
                events.append(ContactEventInput(eventId: "web-\(UUID().uuidString)", type: .ended, contactId: contact.externalId, occurredAt: now))
            }
            events.append(ContactEventInput(eventId: "web-\(UUID().uuidString)", type: .wrapUp, contactId: contact.externalId, occurredAt: now,
                                            outcome: form.text("outcome"), resolved: form.flag("resolved")))
            let result = try await services.contactCentre.ingest(events)
            if let failed = result.results.compactMap(\.error).first { throw failed.underlying }
            web.audit(.change, route: "POST /desk/contacts/{id}/wrap-up", party: contact.partyId, services: services, status: 303)
            return WebResponse.redirect(contact.partyId.map { "/parties/\($0.uuidString)" } ?? "/desk")
        }
        routes.get("parties/:id", needs: .customerRead) { web in
            try await partyPage(web, id: try web.parameter("id"), posted: nil, notice: web.notice("saved_"))
        }
        routes.post("parties/:id/interactions", needs: .interactionRecord) { web, form in
            try await write(web, form, .interaction) { id in
                let requestId = try form.uuid("request_id")
                if let requestId {
                    // The request must be this customer's and still open, checked before anything is written.
                    let request = try? await services.requests.get(requestId)
                    guard let request, request.partyId == id, request.status == .open || request.status == .inProgress else {
                        throw RapportError.invalidField("request_id", code: "invalid_request", "not an open request of this customer",
                                                        "это не открытое обращение этого клиента")
                    }
                }
                _ = try await services.interactions.record(InteractionInput(
                    partyId: id, channel: try form.choice("channel", as: Channel.self), direction: try form.choice("direction", as: Direction.self),
                    agent: web.principal.displayName, subject: form.text("subject"), summary: form.text("summary"), outcome: form.text("outcome"),
                    requestId: requestId))
                if form.flag("resolved"), let requestId {
                    _ = try await services.requests.update(requestId, CustomerRequestInput(partyId: nil, type: nil, subject: nil, status: .resolved))
                }
                return "interaction"
            }
        }
        routes.post("parties/:id/facts", needs: .customerWrite) { web, form in
            try await write(web, form, .fact) { id in
                let declined = form.flag("declined")
                _ = try await services.profile.recordFact(partyId: id, FactInput(key: form.text("key"), value: declined ? nil : form.text("value"),
                                                                                  declined: declined, source: .agent, agent: web.principal.displayName))
                return "fact"
            }
        }
        routes.post("parties/:id/requests", needs: .customerWrite) { web, form in
            try await write(web, form, .request) { id in
                _ = try await services.requests.open(CustomerRequestInput(partyId: id, type: try form.choice("type", as: RequestType.self),
                                                                          subject: form.text("subject")))
                return "request"
            }
        }
        routes.post("parties/:id/requests/:requestId/close", needs: .customerWrite) { web, form in
            let id = try web.parameter("id"), requestId = try web.parameter("requestId")
            try await services.access.requireMayChange(web.principal, party: id)
            let request = try await services.requests.get(requestId)
            guard request.partyId == id else { throw RapportError(.notFound, code: "not_found", message: "no such request", messageRu: "такого обращения нет") }
            _ = try await services.requests.update(requestId, CustomerRequestInput(partyId: nil, type: nil, subject: nil,
                                                                                  status: try form.choice("status", as: RequestStatus.self) ?? .closed))
            web.audit(.change, route: "POST /parties/{id}/requests/{requestId}/close", party: id, services: services, status: 303)
            return WebResponse.redirect("/parties/\(id.uuidString)?done=request_closed")
        }
        routes.post("parties/:id/offers/:key", needs: .interactionRecord) { web, form in
            let id = try web.parameter("id")
            guard web.principal.can(.customerRead) else { throw AccessError.forbidden(.customerRead) }
            try await services.access.requireMayChange(web.principal, party: id)
            _ = try await services.offers.respond(party: id, OfferResponseInput(offerKey: web.context.parameters.get("key"),
                                                                                response: try form.choice("response", as: OfferResponseKind.self),
                                                                                channel: .phone), agent: web.principal.displayName)
            web.audit(.change, route: "POST /parties/{id}/offers/{key}", party: id, services: services, status: 303)
            // Answered in the desk's pop: back to the desk with the same pop (its wrap-up still to do).
            if let back = WebResponse.safeLocal(form["back"]), back.hasPrefix("/desk?") { return WebResponse.redirect(back) }
            return WebResponse.redirect("/parties/\(id.uuidString)?done=offer")
        }
        routes.post("parties/:id/merge", needs: .customerMerge) { web, form in
            try await write(web, form, .merge) { id in
                guard let merged = try form.uuid("merged_id") else { throw RapportError.missingField("merged_id") }
                try await services.access.requireMayChange(web.principal, party: merged)
                _ = try await services.merges.merge(MergeInput(survivorId: id, mergedId: merged))
                return "merge"
            }
        }
        routes.post("merges/:id/undo", needs: .customerMerge) { web, _ in
            let id = try web.parameter("id")
            let merge = try await services.merges.get(id)
            try await services.access.requireMayChange(web.principal, party: merge.survivorId)
            try await services.access.requireMayChange(web.principal, party: merge.mergedId)
            let record = try await services.merges.undo(id)
            web.audit(.change, route: "POST /merges/{id}/undo", party: record.survivorId, services: services, status: 303)
            return WebResponse.redirect("/parties/\(record.survivorId.uuidString)?done=unmerge")
        }
    }

    func format(_ web: WebContext) -> WebFormat { WebFormat(language: web.language, timeZone: services.timeZone) }

    static func deskPath(party: UUID, contact: UUID?) -> String {
        "/desk?pop=\(party.uuidString)" + (contact.map { "&contact=\($0.uuidString)" } ?? "")
    }

    /// The popped card with the wrap-up form of the contact it came with.
    func fragment(_ web: WebContext, party: UUID, contact: UUID?) async throws -> CardFragment {
        let card = try await services.cards.card(party)
        web.audit(.read, route: "GET /desk/card/{id}", party: party, services: services)
        return CardFragment(card: CardView(card, format(web), today: today()), contactId: contact?.uuidString,
                            outcome: FormField(name: "outcome", label: web.t("outcome"), value: "", error: nil),
                            resolved: FormField(name: "resolved", label: web.t("resolved_on_contact"), value: "", error: nil, type: "checkbox"),
                            mayRespond: web.principal.can(.interactionRecord) && web.principal.mayChange(partyManagedBy: card.party.accountManagerId))
    }

    func today() -> CivilDate { CivilDate(services.clock.now(), in: services.timeZone) }

    /// Runs one customer-page form: on success back to the page (303) with a notice; on a refusal the
    /// page again with the form as typed and the error beside its field.
    func write(_ web: WebContext, _ form: WebForm, _ which: Posted.Form, _ action: (UUID) async throws -> String) async throws -> Response {
        let id = try web.parameter("id")
        // The customer page is an in-house tool: an outside agent (who may record calls) has no business here.
        guard web.principal.can(.customerRead) else { throw AccessError.forbidden(.customerRead) }
        try await services.access.requireMayChange(web.principal, party: id)
        do {
            let done = try await action(id)
            web.audit(.change, route: "POST /parties/{id}/\(which.rawValue)", party: id, services: services, status: 303)
            return WebResponse.redirect("/parties/\(id.uuidString)?done=\(done)")
        } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict || error.kind == .notFound {
            return try await partyPage(web, id: id, posted: Posted(form: which, values: form, errors: FormErrors(error, language: web.language)),
                                       notice: nil, status: error.kind == .conflict ? .conflict : .badRequest)
        }
    }

    func desk(_ web: WebContext) async throws -> Response {
        let f = format(web)
        let q = web.query("q") ?? ""
        var results: [ResultLine] = [], hits: [HitLine] = []
        if !q.isEmpty {
            results = try await services.search.parties(q, limit: 20).map {
                ResultLine(id: $0.id.uuidString, name: $0.displayName, kind: f.label("kind", $0.kind.rawValue), stage: f.label("stage", $0.lifecycleStage.rawValue),
                           tier: $0.valueTier.map { f.label("tier", $0) } ?? "")
            }
            hits = try await services.search.interactions(q, limit: 10).compactMap { i in
                i.partyId.map { HitLine(partyId: $0.uuidString, line: InteractionLine(i, f)) }
            }
            for party in results { web.audit(.read, route: "GET /desk?q", party: UUID(uuidString: party.id), services: services) }
        }
        var panel: AgentPanel?
        if web.principal.can(.agentWork), let agent = try await services.contactCentre.agent(userId: web.principal.id) {
            panel = AgentPanel(key: agent.key, state: f.label("agent", agent.state.rawValue), stateRaw: agent.state.rawValue, since: f.dateTime(agent.stateSince),
                               states: [AgentState.available, .away, .offline].map {
                                   FormField.Option(value: $0.rawValue, label: f.label("agent", $0.rawValue), selected: $0 == agent.state)
                               },
                               labels: AgentState.allCases.map { FormField.Option(value: $0.rawValue, label: f.label("agent", $0.rawValue), selected: false) })
        }
        var pop: CardFragment?
        if let party = web.query("pop").flatMap(UUID.init(uuidString:)) {
            pop = try await fragment(web, party: party, contact: web.query("contact").flatMap(UUID.init(uuidString:)))
        }
        return web.page(DeskPage(q: q, searched: !q.isEmpty, results: results, hits: hits, noResults: !q.isEmpty && results.isEmpty && hits.isEmpty,
                                 agent: panel, liveEnabled: panel != nil, pop: pop))
    }

    func partyPage(_ web: WebContext, id: UUID, posted: Posted?, notice: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let f = format(web)
        let card = try await services.cards.card(id)
        web.audit(.read, route: "GET /parties/{id}", party: id, services: services, status: Int(status.code))
        let channel = try web.query("channel").map { raw -> Channel in
            guard let c = Channel(rawValue: raw) else {
                throw RapportError.invalidField("channel", code: "invalid_channel", "unknown channel", "неизвестный канал")
            }
            return c
        }
        let page = try await services.interactions.timeline(partyId: id, channels: channel.map { [$0] } ?? [],
                                                            page: try PageRequest(limit: 25, cursor: web.query("cursor")))
        let base = "/parties/\(id.uuidString)"
        var filters = [ChannelFilter(href: base, label: web.t("all_channels"), icon: "∗", current: channel == nil)]
        filters += Channel.allCases.map {
            ChannelFilter(href: "\(base)?channel=\($0.rawValue)", label: f.label("channel", $0.rawValue), icon: InteractionLine.icons[$0] ?? "•",
                          current: $0 == channel)
        }
        let nextPage = page.nextCursor.map { "\(base)?\(channel.map { "channel=\($0.rawValue)&" } ?? "")cursor=\($0)" }
        func values(_ form: Posted.Form) -> WebForm { posted?.form == form ? posted!.values : WebForm() }
        func errors(_ form: Posted.Form) -> FormErrors { posted?.form == form ? posted!.errors : FormErrors() }
        func field(_ form: Posted.Form, _ name: String, _ label: String, type: String = "text", options: [FormField.Option] = [], required: Bool = false) -> FormField {
            // Ids are unique per page: the request form's subject is `f-request-subject`.
            FormField.typed(values(form), errors(form), name, label, type: type, options: options, required: required,
                            idPrefix: form == .interaction ? "" : form.rawValue + "-")
        }
        func options(_ group: String, _ raws: [String], selected: String? = nil) -> [FormField.Option] {
            FormField.options(f, group, raws, selected: selected)
        }
        let requestOptions = [FormField.Option(value: "", label: "—", selected: true)]
            + card.openRequests.map { FormField.Option(value: $0.id.uuidString, label: $0.subject, selected: false) }
        let interactionForm = [
            field(.interaction, "channel", web.t("channel"), options: options("channel", Channel.allCases.map(\.rawValue), selected: "phone"), required: true),
            field(.interaction, "direction", web.t("direction"), options: options("direction", ["inbound", "outbound"], selected: "inbound"), required: true),
            field(.interaction, "subject", web.t("subject")),
            field(.interaction, "summary", web.t("summary"), type: "textarea"),
            field(.interaction, "outcome", web.t("outcome")),
            field(.interaction, "request_id", web.t("about_request"), options: requestOptions),
            field(.interaction, "resolved", web.t("resolved_on_contact"), type: "checkbox"),
        ]
        let bank = try await services.profile.questions().filter(\.active)
        let factForm = [
            field(.fact, "key", web.t("fact_key"), options: [FormField.Option(value: "", label: "—", selected: true)]
                  + bank.map { FormField.Option(value: $0.key, label: f.pick($0.wordingEn, $0.wordingRu), selected: false) }, required: true),
            field(.fact, "value", web.t("fact_value")),
            field(.fact, "declined", web.t("fact_declined"), type: "checkbox"),
        ]
        let requestForm = [
            field(.request, "type", web.t("request_type"), options: options("request", RequestType.allCases.map(\.rawValue), selected: "question"), required: true),
            field(.request, "subject", web.t("subject"), required: true),
        ]
        let mergeForm = [field(.merge, "merged_id", web.t("merge_duplicate_id"), required: true)]
        let consents = try await services.profile.consents(partyId: id, history: true)
        let history = consents.map { c in
            CardView.ConsentLine(purpose: f.label("purpose", c.purpose), channel: c.channel.map { f.label("channel", $0.rawValue) } ?? web.t("any_channel"),
                                 granted: c.granted, state: web.t(c.granted ? "consent_given" : "consent_withdrawn"),
                                 when: f.dateTime(c.recordedAt) + " · " + f.label("source", c.source.rawValue) + (c.textVersion.map { " · v" + $0 } ?? ""))
        }
        let relations = card.relationships.map {
            RelationLine(kind: f.label("relation", $0.kind.rawValue), name: $0.relatedName ?? "", birthDate: f.date($0.relatedBirthDate),
                         partyId: $0.relatedPartyId?.uuidString)
        }
        let merges = card.merges.map { m in
            let into = m.survivorId == id
            return MergeLine(id: m.id.uuidString,
                             text: into ? "\(web.t("merged_in")) \(m.mergedId.uuidString)" : "\(web.t("merged_into")) \(m.survivorId.uuidString)",
                             when: f.dateTime(m.mergedAt), undone: m.undoneAt != nil, undoable: m.undoneAt == nil && into)
        }
        let shownFields: [FormField] = switch posted?.form {
        case .interaction: interactionForm
        case .fact: factForm
        case .request: requestForm
        case .merge: mergeForm
        case nil: []
        }
        let generalError = posted?.errors.unplaced(shown: shownFields)
        let mayWrite = web.principal.can(.customerWrite) && web.principal.mayChange(partyManagedBy: card.party.accountManagerId)
        return web.page(PartyPage(titleText: card.party.displayName, card: CardView(card, f, today: today()), timeline: page.items.map { InteractionLine($0, f) },
                                  filters: filters, nextPage: nextPage, interactionForm: interactionForm, factForm: factForm, requestForm: requestForm,
                                  mergeForm: mergeForm, formError: generalError, consentHistory: history, relationships: relations, merges: merges,
                                  mayWrite: mayWrite, mayMerge: web.principal.can(.customerMerge),
                                  mayRespond: web.principal.can(.interactionRecord) && web.principal.mayChange(partyManagedBy: card.party.accountManagerId),
                                  notice: notice), status: status)
    }
}

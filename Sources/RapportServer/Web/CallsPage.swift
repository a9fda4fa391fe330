import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// The outside team's page: their campaign's calling list, the call script, and a form per customer
/// to record the outcome. They see nothing else (no search, no customer pages).
struct CallsPage {
    let services: Services

    struct Step: Sendable { let text: String }
    struct Entry: Sendable {
        let partyId: String; let name: String; let phone: String; let lastOutcome: String
        let outcome: FormField; let summary: FormField; let action: String
    }

    struct Page: WebPage {
        static let template = "calls"
        let titleKey = "calls_title"
        let campaign: String
        let script: [Step]
        let entries: [Entry]
        let notice: String?
        let formError: String?
        /// For an administrator who has not picked a campaign yet.
        let choices: [Choice]
    }

    struct Choice: Sendable { let href: String; let name: String }

    func addRoutes(to routes: WebRoutes) {
        routes.get("calls", needs: .callingList) { web in try await page(web, posted: nil) }
        routes.post("calls/:partyId", needs: .callingList) { web, form in
            let party = try web.parameter("partyId")
            guard let campaign = try campaignId(web, form) else { throw RapportError.missingField("campaign_id") }
            do {
                let recorded = try await services.campaigns.recordCall(campaign, party: party, outcome: form.text("outcome"), summary: form.text("summary"),
                                                                       principal: web.principal)
                web.audit(.change, route: "POST /calls/{partyId}", party: party, services: services, status: 303)
                return WebResponse.redirect("/calls?campaign_id=\(campaign.uuidString)&done=call" + (recorded.sampledForReview ? "_sampled" : ""))
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict || error.kind == .forbidden {
                return try await page(web, posted: (party, form, FormErrors(error, language: web.language)))
            }
        }
    }

    /// An outside agent works their own campaign only; an administrator names one.
    func campaignId(_ web: WebContext, _ form: WebForm? = nil) throws -> UUID? {
        if web.principal.role == .outsideAgent { return web.principal.campaignId }
        return try form?.uuid("campaign_id") ?? web.query("campaign_id").flatMap(UUID.init(uuidString:))
    }

    func page(_ web: WebContext, posted: (party: UUID, values: WebForm, errors: FormErrors)?) async throws -> Response {
        let f = WebFormat(language: web.language, timeZone: services.timeZone)
        guard let id = try campaignId(web, posted?.values) else {
            let choices = try await services.access.campaigns().filter { $0.status == .launched }
                .map { Choice(href: "/calls?campaign_id=\($0.id.uuidString)", name: $0.name) }
            return web.page(Page(campaign: web.t("choose_campaign"), script: [], entries: [], notice: nil, formError: nil, choices: choices))
        }
        let campaign = try await services.campaigns.campaign(id)
        let definition = campaign.definition ?? CampaignDefinition()
        let list = try await services.access.callingList(for: web.principal, campaign: id, limit: 100)
        for entry in list { web.audit(.read, route: "GET /calls", party: entry.partyId, services: services) }
        let outcomes = [FormField.Option(value: "", label: "—", selected: true)]
            + definition.outcomes.map { FormField.Option(value: $0.code, label: f.label("outcome", $0.code), selected: false) }
        let entries = list.enumerated().map { n, e in
            let mine = posted?.party == e.partyId
            let typed = mine ? posted!.values : WebForm(), errors = mine ? posted!.errors : FormErrors()
            return Entry(partyId: e.partyId.uuidString, name: e.displayName, phone: e.phone ?? "", lastOutcome: e.lastOutcome.map { f.label("outcome", $0) } ?? "",
                         outcome: FormField.typed(typed, errors, "outcome", web.t("outcome"), options: outcomes, idPrefix: "c\(n)-"),
                         summary: FormField.typed(typed, errors, "summary", web.t("summary"), type: "textarea", idPrefix: "c\(n)-"),
                         action: "/calls/\(e.partyId.uuidString)?campaign_id=\(id.uuidString)")
        }
        let unplaced = posted.flatMap { p in p.errors.unplaced(shown: entries.first { $0.partyId == p.party.uuidString }.map { [$0.outcome, $0.summary] } ?? []) }
        return web.page(Page(campaign: campaign.name, script: definition.script.map { Step(text: f.pick($0.text, $0.textRu)) }, entries: entries,
                             notice: web.notice("done_"), formError: unplaced, choices: []),
                        status: posted == nil ? .ok : .badRequest)
    }
}

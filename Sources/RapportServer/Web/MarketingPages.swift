import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// The marketer's pages: value tiers and their distribution, segments with live counts, clusters
/// with profiles, offers with acceptance rates, campaigns with target vs control and the uplift,
/// and the QA sampling queue where an in-house reviewer scores the outside team's calls.
struct MarketingPages {
    let services: Services

    struct TierRow: Sendable { let tier: String; let parties: Int; let value: String }
    struct SegmentRow: Sendable { let key: String; let name: String; let count: Int; let conditions: String; let membersHref: String }
    struct ClusterRow: Sendable { let cluster: Int; let label: String; let parties: Int; let traits: String; let membersHref: String }
    struct OfferRow: Sendable { let key: String; let name: String; let presented: Int; let accepted: Int; let declined: Int; let rate: String }
    struct CampaignRow: Sendable { let id: String; let name: String; let status: String; let channel: String; let size: Int; let measured: Bool }

    struct MarketingPage: WebPage {
        static let template = "marketing"
        let titleKey = "marketing_title"
        let notice: String?
        let lastRun: String
        let tiers: [TierRow]
        let tierChart: String
        let segments: [SegmentRow]
        /// When the counts were taken (they are kept a minute).
        let countedAt: String
        let segmentForm: [FormField]
        let clusters: [ClusterRow]
        let clusterRun: String
        let clusterForm: [FormField]
        let offers: [OfferRow]
        let campaigns: [CampaignRow]
        let campaignForm: [FormField]
        let formError: String?
        /// The new-segment and new-campaign forms open when they come back refused.
        let segmentOpen: Bool
        let campaignOpen: Bool
    }

    struct ScoreField: Sendable { let field: FormField }
    struct SampleRow: Sendable {
        let interactionId: String; let partyId: String; let name: String; let agent: String; let outcome: String; let summary: String; let when: String
        let scores: [FormField]; let comment: FormField; let action: String
    }
    struct ReviewRow: Sendable { let name: String; let reviewer: String; let score: String; let passed: Bool; let comment: String; let when: String }
    struct EffectLine: Sendable { let title: String; let target: String; let control: String; let uplift: String; let significant: Bool; let chart: String }

    struct CampaignPage: WebPage {
        static let template = "campaign"
        let titleKey = "campaign_title"
        let titleText: String?
        let id: String
        let notice: String?
        let status: String
        let channel: String
        let facts: [WebFact]
        let mayLaunch: Bool
        let mayClose: Bool
        let effects: [EffectLine]
        let samples: [SampleRow]
        let reviews: [ReviewRow]
        let formError: String?
    }

    struct WebFact: Sendable { let label: String; let value: String }

    func addRoutes(to routes: WebRoutes) {
        routes.get("marketing", needs: .campaignManage) { web in try await overview(web, posted: nil) }
        routes.post("marketing/value/recompute", needs: .campaignManage) { web, _ in
            _ = try await services.analytics.recomputeValues()
            web.audit(.change, route: "POST /marketing/value/recompute", party: nil, services: services, status: 303)
            return WebResponse.redirect("/marketing?done=value")
        }
        routes.post("marketing/clusters", needs: .campaignManage) { web, form in
            do {
                guard let k = Int(form.text("k") ?? "") else {
                    throw RapportError.invalidField("k", code: "invalid_k", "must be a whole number", "должно быть целым числом")
                }
                _ = try await services.analytics.cluster(k: k)
                web.audit(.change, route: "POST /marketing/clusters", party: nil, services: services, status: 303)
                return WebResponse.redirect("/marketing?done=clusters")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                return try await overview(web, posted: ("cluster", form, FormErrors(error, language: web.language)))
            }
        }
        routes.post("marketing/segments", needs: .campaignManage) { web, form in
            do {
                let definition = try Self.conditions(form["conditions"] ?? "")
                _ = try await services.analytics.createSegment(SegmentInput(key: form.text("key"), name: form.text("name"), description: nil,
                                                                            match: try form.choice("match", as: SegmentMatch.self),
                                                                            conditions: definition))
                web.audit(.configurationChange, route: "POST /marketing/segments", party: nil, services: services, status: 303)
                return WebResponse.redirect("/marketing?done=segment")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                return try await overview(web, posted: ("segment", form, FormErrors(error, language: web.language)))
            }
        }
        routes.post("marketing/campaigns", needs: .campaignManage) { web, form in
            do {
                func percent(_ name: String) throws -> Double? {
                    guard let raw = form.text(name) else { return nil }
                    guard let v = Double(raw.replacingOccurrences(of: ",", with: ".")) else {
                        throw RapportError.invalidField(name, code: "invalid_percent", "must be a number", "должно быть числом")
                    }
                    return v
                }
                let window = try form.text("response_window_days").map { raw -> Int in
                    guard let v = Int(raw) else { throw RapportError.invalidField("response_window_days", code: "invalid_days", "must be a whole number", "должно быть целым числом") }
                    return v
                }
                let campaign = try await services.campaigns.create(CampaignInput(
                    key: form.text("key"), name: form.text("name"), segment: form.text("segment") ?? { throw RapportError.missingField("segment") }(),
                    channel: try form.choice("channel", as: CampaignChannel.self), offer: form.text("offer"),
                    controlPercent: try percent("control_percent"), qaPercent: try percent("qa_percent"), responseWindowDays: window))
                web.audit(.change, route: "POST /marketing/campaigns", party: nil, services: services, status: 303)
                return WebResponse.redirect("/marketing/campaigns/\(campaign.id.uuidString)?done=campaign")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict || error.kind == .notFound {
                return try await overview(web, posted: ("campaign", form, FormErrors(error, language: web.language)))
            }
        }
        routes.get("marketing/campaigns/:id", needs: .campaignManage) { web in try await campaignPage(web, id: try web.parameter("id"), posted: nil) }
        routes.post("marketing/campaigns/:id/launch", needs: .campaignManage) { web, _ in
            let id = try web.parameter("id")
            _ = try await services.campaigns.launch(id)
            web.audit(.change, route: "POST /marketing/campaigns/{id}/launch", party: nil, services: services, status: 303)
            return WebResponse.redirect("/marketing/campaigns/\(id.uuidString)?done=launched")
        }
        routes.post("marketing/campaigns/:id/close", needs: .campaignManage) { web, _ in
            let id = try web.parameter("id")
            _ = try await services.campaigns.close(id)
            web.audit(.change, route: "POST /marketing/campaigns/{id}/close", party: nil, services: services, status: 303)
            return WebResponse.redirect("/marketing/campaigns/\(id.uuidString)?done=closed")
        }
        routes.post("marketing/campaigns/:id/reviews/:interactionId", needs: .campaignManage) { web, form in
            let id = try web.parameter("id"), interaction = try web.parameter("interactionId")
            var scores: [String: Int] = [:]
            for (name, values) in form.values where name.hasPrefix("score_") {
                if let raw = values.last, let v = Int(raw) { scores[String(name.dropFirst(6))] = v }
            }
            do {
                let review = try await services.campaigns.review(id, interaction: interaction, scores: scores, comment: form.text("comment"),
                                                                 reviewer: web.principal.displayName)
                web.audit(.change, route: "POST /marketing/campaigns/{id}/reviews/{interactionId}", party: review.partyId, services: services, status: 303)
                return WebResponse.redirect("/marketing/campaigns/\(id.uuidString)?done=review")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                var errors = FormErrors(error, language: web.language)
                // The scorecard's fields are `scores.<key>` to the service and `score_<key>` in the form.
                if let field = error.details["field"], field.hasPrefix("scores.") {
                    let message = web.language == .ru ? error.messageRu : error.message
                    errors = FormErrors(fields: ["score_" + field.dropFirst(7): FormErrors.withoutFieldPrefix(message, field: field)])
                }
                return try await campaignPage(web, id: id, posted: (interaction, form, errors))
            }
        }
    }

    /// One condition per line: `field op value [within N]`, e.g. `value.tier in gold,platinum`,
    /// `orders.count gte 2 within 90`, `consent.marketing eq true`.
    static func conditions(_ text: String) throws -> [SegmentCondition] {
        var out: [SegmentCondition] = []
        for (i, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
            var words = raw.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard !words.isEmpty else { continue }
            var within: Int?
            if words.count >= 4, words[words.count - 2] == "within", let days = Int(words.last!) {
                within = days
                words.removeLast(2)
            }
            guard words.count >= 2, let op = ConditionOperator(rawValue: words[1]) else {
                throw RapportError.invalidField("conditions[\(i)]", code: "invalid_condition", "write field, operator (eq, ne, gt, gte, lt, lte, in, exists, not_exists) and value",
                                                "укажите поле, оператор (eq, ne, gt, gte, lt, lte, in, exists, not_exists) и значение")
            }
            let rest = words.dropFirst(2).joined(separator: " ")
            var value: PayloadValue?
            var values: [String]?
            if op == .in {
                values = rest.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            } else if !rest.isEmpty {
                if rest == "true" || rest == "false" { value = .bool(rest == "true") } else if let n = Double(rest) { value = .number(n) } else { value = .string(rest) }
            }
            out.append(SegmentCondition(field: words[0], op: op, value: value, values: values, withinDays: within))
        }
        return out
    }

    static func describe(_ c: SegmentCondition) -> String {
        var text = "\(c.field) \(c.op.rawValue)"
        if let values = c.values { text += " " + values.joined(separator: ",") }
        switch c.value {
        case .string(let s): text += " " + s
        case .number(let n): text += " " + (n == n.rounded() ? String(Int(n)) : String(n))
        case .bool(let b): text += b ? " true" : " false"
        default: break
        }
        if let days = c.withinDays { text += " within \(days)" }
        return text
    }

    func overview(_ web: WebContext, posted: (form: String, values: WebForm, errors: FormErrors)?) async throws -> Response {
        let f = WebFormat(language: web.language, timeZone: services.timeZone)
        func typed(_ form: String) -> (WebForm, FormErrors) { posted?.form == form ? (posted!.values, posted!.errors) : (WebForm(), FormErrors()) }
        let lastRun = try await services.analytics.lastValueRun()
        let tierCounts = try await services.analytics.tierCounts()
        let tiers = tierCounts.map { TierRow(tier: f.label("tier", $0.tier), parties: $0.parties, value: f.money($0.actualMinor, "RUB")) }
        let tierChart = SVGChart.bars(id: "chart-tiers", title: web.t("chart_tiers"),
                                      points: tierCounts.map { SVGChart.Point(label: f.label("tier", $0.tier), value: Double($0.parties)) },
                                      format: { String(Int($0.rounded())) })
        let counted = try await services.analytics.segmentCounts()
        let segments = counted.map { c in
            SegmentRow(key: c.segment.key, name: c.segment.name, count: c.count,
                       conditions: "\(f.label("match", c.segment.definition.match.rawValue)): " + c.segment.definition.conditions.map(Self.describe).joined(separator: "; "),
                       membersHref: "/api/v1/segments/\(c.segment.key)/members?format=csv")
        }
        let countedAt = counted.map(\.countedAt).min().map(f.dateTime) ?? ""
        let (sv, se) = typed("segment")
        let segmentForm = [
            FormField.typed(sv, se, "key", web.t("key"), required: true, idPrefix: "segment-"),
            FormField.typed(sv, se, "name", web.t("name"), required: true, idPrefix: "segment-"),
            FormField.typed(sv, se, "match", web.t("segment_match"), options: FormField.options(f, "match", ["all", "any"], selected: "all"), idPrefix: "segment-"),
            FormField.typed(sv, se, "conditions", web.t("segment_conditions"), type: "textarea", required: true, idPrefix: "segment-"),
        ]
        var clusters: [ClusterRow] = [], clusterRun = ""
        if let run = try? await services.analytics.clusterRun(nil) {
            clusterRun = "\(f.dateTime(run.createdAt)) · k=\(run.k) · \(run.parties)"
            clusters = run.profiles.map {
                ClusterRow(cluster: $0.cluster, label: f.pick($0.label, $0.labelRu), parties: $0.parties,
                           traits: (web.language == .ru ? $0.traitsRu : $0.traits).joined(separator: "; "),
                           membersHref: "/api/v1/clusters/\(run.id.uuidString)/members?cluster=\($0.cluster)&format=csv")
            }
        }
        let (cv, ce) = typed("cluster")
        let clusterForm = [FormField.typed(cv, ce, "k", web.t("cluster_k"), type: "number", initial: "4")]
        let offers = try await services.offers.acceptance(from: nil, to: nil).map {
            OfferRow(key: $0.key, name: $0.name, presented: $0.presented, accepted: $0.accepted, declined: $0.declined, rate: f.percent($0.acceptanceRate))
        }
        let campaigns = try await services.access.campaigns().map {
            CampaignRow(id: $0.id.uuidString, name: $0.name, status: f.label("campaign", $0.status.rawValue), channel: f.label("campaign_channel", $0.channel.rawValue),
                        size: $0.size, measured: $0.segmentId != nil)
        }
        let (mv, me) = typed("campaign")
        let segmentOptions = [FormField.Option(value: "", label: "—", selected: true)] + segments.map { FormField.Option(value: $0.key, label: $0.name, selected: false) }
        let offerOptions = [FormField.Option(value: "", label: "—", selected: true)]
            + (try await services.offers.offers()).map { FormField.Option(value: $0.key, label: f.pick($0.name, $0.nameRu), selected: false) }
        let campaignForm = [
            FormField.typed(mv, me, "key", web.t("key"), required: true, idPrefix: "campaign-"),
            FormField.typed(mv, me, "name", web.t("name"), required: true, idPrefix: "campaign-"),
            FormField.typed(mv, me, "segment", web.t("segment"), options: segmentOptions, required: true, idPrefix: "campaign-"),
            FormField.typed(mv, me, "channel", web.t("channel"), options: FormField.options(f, "campaign_channel", CampaignChannel.allCases.map(\.rawValue), selected: "call_list"), idPrefix: "campaign-"),
            FormField.typed(mv, me, "offer", web.t("offer"), options: offerOptions, idPrefix: "campaign-"),
            FormField.typed(mv, me, "control_percent", web.t("control_percent"), type: "number", initial: "10", idPrefix: "campaign-"),
            FormField.typed(mv, me, "qa_percent", web.t("qa_percent"), type: "number", initial: "10", idPrefix: "campaign-"),
            FormField.typed(mv, me, "response_window_days", web.t("response_window_days"), type: "number", initial: "30", idPrefix: "campaign-"),
        ]
        return web.page(MarketingPage(notice: web.notice("done_"), lastRun: lastRun.map { f.dateTime($0.finishedAt) } ?? "",
                                      tiers: tiers, tierChart: tierChart, segments: segments, countedAt: countedAt, segmentForm: segmentForm, clusters: clusters, clusterRun: clusterRun,
                                      clusterForm: clusterForm, offers: offers, campaigns: campaigns, campaignForm: campaignForm,
                                      formError: posted.map { p in
                                          p.errors.unplaced(shown: p.form == "segment" ? segmentForm : p.form == "cluster" ? clusterForm : campaignForm)
                                      } ?? nil,
                                      segmentOpen: posted?.form == "segment", campaignOpen: posted?.form == "campaign"),
                        status: posted == nil ? .ok : .badRequest)
    }

    func campaignPage(_ web: WebContext, id: UUID, posted: (interaction: UUID, values: WebForm, errors: FormErrors)?) async throws -> Response {
        let f = WebFormat(language: web.language, timeZone: services.timeZone)
        let campaign = try await services.campaigns.campaign(id)
        var effects: [EffectLine] = []
        var samples: [SampleRow] = [], reviews: [ReviewRow] = []
        var facts = [
            WebFact(label: web.t("target_size"), value: String(campaign.targetSize)),
            WebFact(label: web.t("control_percent"), value: f.percent(campaign.controlPercent / 100)),
            WebFact(label: web.t("qa_percent"), value: f.percent(campaign.qaPercent / 100)),
            WebFact(label: web.t("response_window_days"), value: String(campaign.responseWindowDays)),
        ]
        if let launched = campaign.launchedAt { facts.append(WebFact(label: web.t("launched_at"), value: f.dateTime(launched))) }
        if let closed = campaign.closedAt { facts.append(WebFact(label: web.t("closed_at"), value: f.dateTime(closed))) }
        if campaign.status != .draft {
            let report = try await services.campaigns.effect(id)
            func line(_ title: String, _ e: CampaignEffect, id: String) -> EffectLine {
                let uplift = e.uplift.map { u in
                    "\(Self.points(u, f)) (\(web.t("ci95")) \(e.upliftLow.map { Self.points($0, f) } ?? "—") … \(e.upliftHigh.map { Self.points($0, f) } ?? "—"))"
                } ?? "—"
                let chart = SVGChart.bars(id: id, title: title, points: [
                    SVGChart.Point(label: "\(web.t("target")) (\(e.targetResponders)/\(e.targetSize))", value: e.targetRate),
                    SVGChart.Point(label: "\(web.t("control")) (\(e.controlResponders)/\(e.controlSize))", value: e.controlRate),
                ], format: { f.percent($0) })
                return EffectLine(title: title, target: "\(f.percent(e.targetRate)) (\(e.targetResponders)/\(e.targetSize))",
                                  control: "\(f.percent(e.controlRate)) (\(e.controlResponders)/\(e.controlSize))", uplift: uplift,
                                  significant: e.significant, chart: chart)
            }
            effects.append(line(web.t("effect_purchases"), report.purchases, id: "chart-uplift"))
            if let calls = report.callResponses { effects.append(line(web.t("effect_calls"), calls, id: "chart-uplift-calls")) }
            facts.append(WebFact(label: web.t("reviewed"), value: "\(report.reviewed) (\(report.reviewsPassed) \(web.t("passed")))"))
            let scorecard = campaign.definition?.scorecard ?? ScoreCriterion.standard
            let queue = try await services.campaigns.qaQueue(id, limit: 20)
            for sample in queue { web.audit(.read, route: "GET /marketing/campaigns/{id}", party: sample.partyId, services: services) }
            samples = queue.enumerated().map { n, s in
                let mine = posted?.interaction == s.interactionId
                let typed = mine ? posted!.values : WebForm(), errors = mine ? posted!.errors : FormErrors()
                let scores = scorecard.map { c in
                    FormField.typed(typed, errors, "score_" + c.key, f.pick(c.label, c.labelRu),
                                    options: [FormField.Option(value: "", label: "—", selected: true)]
                                        + (0...c.max).map { FormField.Option(value: String($0), label: String($0), selected: false) },
                                    idPrefix: "qa\(n)-")
                }
                return SampleRow(interactionId: s.interactionId.uuidString, partyId: s.partyId.uuidString, name: s.displayName, agent: s.agent ?? "",
                                 outcome: s.outcome.map { f.label("outcome", $0) } ?? "", summary: s.summary ?? "", when: s.calledAt.map(f.dateTime) ?? "", scores: scores,
                                 comment: FormField.typed(typed, errors, "comment", web.t("comment"), type: "textarea", idPrefix: "qa\(n)-"),
                                 action: "/marketing/campaigns/\(id.uuidString)/reviews/\(s.interactionId.uuidString)")
            }
            reviews = try await services.campaigns.reviews(id).map {
                ReviewRow(name: $0.partyId.uuidString, reviewer: $0.reviewer, score: f.percent($0.scorePercent / 100), passed: $0.passed,
                          comment: $0.comment ?? "", when: f.dateTime($0.createdAt))
            }
        }
        return web.page(CampaignPage(titleText: campaign.name, id: id.uuidString, notice: web.notice("done_"),
                                     status: f.label("campaign", campaign.status.rawValue), channel: f.label("campaign_channel", campaign.channel.rawValue),
                                     facts: facts, mayLaunch: campaign.status == .draft && campaign.segmentId != nil, mayClose: campaign.status == .launched,
                                     effects: effects, samples: samples, reviews: reviews,
                                     formError: posted.map { p in p.errors.unplaced(shown: samples.first { $0.interactionId == p.interaction.uuidString }.map { $0.scores + [$0.comment] } ?? []) } ?? nil),
                        status: posted == nil ? .ok : .badRequest)
    }

    /// An uplift in percentage points, signed.
    static func points(_ share: Double, _ f: WebFormat) -> String {
        let text = String(format: "%+.1f", share * 100)
        return (f.language == .ru ? text.replacingOccurrences(of: ".", with: ",") + "\u{00A0}п.п." : text + "\u{00A0}pp")
    }
}

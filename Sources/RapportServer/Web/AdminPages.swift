import Foundation
import Hummingbird
import NIOCore
import RapportCore
import RapportEngine

/// Administration: users and roles, API tokens, matching rules, the question bank, proactive rules
/// with a preview of the message for a chosen customer, consent texts, and the audit trail.
struct AdminPages {
    let services: Services

    struct Tab: Sendable { let href: String; let label: String; let current: Bool }

    static let tabs: [(String, String, Capability)] = [
        ("/admin", "admin_users", .userManage), ("/admin/tokens", "admin_tokens", .userManage),
        ("/admin/matching", "admin_matching", .configurationManage), ("/admin/questions", "admin_questions", .configurationManage),
        ("/admin/rules", "admin_rules", .proactiveManage), ("/admin/consent-texts", "admin_consent_texts", .configurationManage),
        ("/admin/audit", "admin_audit", .auditRead),
    ]

    func render<Body>(_ web: WebContext, titleKey: String, body: Body, posted: FormErrors? = nil, fields: [FormField] = []) -> Response {
        let tabs = Self.tabs.filter { web.principal.can($0.2) }.map { Tab(href: $0.0, label: web.t($0.1), current: web.request.uri.path == $0.0) }
        let page = Page(titleKey: titleKey, tabs: tabs, notice: web.notice("done_"),
                        formError: posted?.unplaced(shown: fields), body: body)
        return web.page(page, status: posted == nil ? .ok : .badRequest)
    }

    /// Every admin page: the tabs, a notice after a change, a form-level error, and its own part (`body`).
    struct Page<Body>: WebPage {
        let titleKey: String
        let tabs: [Tab]
        let notice: String?
        let formError: String?
        let body: Body
        static var template: String { "admin" }
    }

    // MARK: Users

    struct UserRow: Sendable { let id: String; let login: String; let name: String; let role: String; let language: String; let disabled: Bool; let locked: Bool; let roleField: FormField }
    struct UsersBody: Sendable { let isUsers: Bool = true; let users: [UserRow]; let form: [FormField] }

    // MARK: Tokens

    struct TokenRow: Sendable { let id: String; let name: String; let prefix: String; let scopes: String; let created: String; let expires: String; let revoked: Bool }
    struct TokensBody: Sendable { let isTokens: Bool = true; let tokens: [TokenRow]; let form: [FormField]; let scopes: [FormField]; let secret: String? }

    // MARK: Matching, questions, rules, consent texts, audit

    struct MatchingBody: Sendable { let isMatching: Bool = true; let rules: [String]; let form: FormField }
    struct QuestionRow: Sendable { let key: String; let en: String; let ru: String; let type: String; let choices: String; let scripts: String; let active: Bool }
    struct QuestionsBody: Sendable { let isQuestions: Bool = true; let questions: [QuestionRow]; let form: [FormField] }
    struct RuleRow: Sendable {
        let key: String; let name: String; let trigger: String; let version: Int; let enabled: Bool; let channels: String; let purpose: String
        /// The template in both languages, as written (variables in braces), and a form to change it.
        let templateRu: String; let templateEn: String
        let templateForm: [FormField]
    }
    struct Preview: Sendable { let channel: String; let address: String; let subject: String; let body: String; let status: String; let reason: String }
    struct RulesBody: Sendable { let isRules: Bool = true; let rules: [RuleRow]; let form: [FormField]; let preview: Preview? }
    struct TextRow: Sendable { let purpose: String; let version: String; let en: String; let ru: String; let published: String }
    struct ConsentTextsBody: Sendable { let isConsentTexts: Bool = true; let texts: [TextRow]; let form: [FormField] }
    struct AuditRow: Sendable { let at: String; let actor: String; let action: String; let route: String; let party: String; let status: Int; let requestId: String }
    struct AuditBody: Sendable { let isAudit: Bool = true; let events: [AuditRow]; let form: [FormField]; let nextPage: String? }

    func addRoutes(to routes: WebRoutes) {
        routes.get("admin", needs: .userManage) { web in try await users(web, typed: WebForm(), errors: nil) }
        routes.post("admin/users", needs: .userManage) { web, form in
            do {
                _ = try await services.access.createUser(UserInput(login: form.text("login"), displayName: form.text("display_name"),
                                                                   role: try form.choice("role", as: Role.self), campaignId: try form.uuid("campaign_id"),
                                                                   language: form.text("language"), password: form["password"]))
                web.audit(.userChange, route: "POST /admin/users", party: nil, services: services, status: 303)
                return WebResponse.redirect("/admin?done=user")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                return try await users(web, typed: form, errors: FormErrors(error, language: web.language))
            }
        }
        routes.post("admin/users/:id", needs: .userManage) { web, form in
            let id = try web.parameter("id")
            guard id != web.principal.id || !form.flag("disable") else {
                throw RapportError(.conflict, code: "cannot_disable_self", message: "you cannot disable your own account",
                                   messageRu: "нельзя отключить собственную учётную запись")
            }
            var input = UserInput(role: try form.choice("role", as: Role.self))
            if form["disable"] != nil { input.disabled = form.flag("disable") }
            _ = try await services.access.updateUser(id, input)
            web.audit(.userChange, route: "POST /admin/users/{id}", party: nil, services: services, status: 303)
            return WebResponse.redirect("/admin?done=user_changed")
        }
        routes.get("admin/tokens", needs: .userManage) { web in try await tokens(web, typed: WebForm(), errors: nil, secret: nil) }
        routes.post("admin/tokens", needs: .userManage) { web, form in
            do {
                let scopes = try form.all("scopes").map { raw -> TokenScope in
                    guard let scope = TokenScope(rawValue: raw) else {
                        throw RapportError.invalidField("scopes", code: "invalid_scope", "unknown scope", "неизвестная область")
                    }
                    return scope
                }
                let days = try form.text("expires_in_days").map { raw -> Int in
                    guard let v = Int(raw) else { throw RapportError.invalidField("expires_in_days", code: "invalid_days", "must be a whole number", "должно быть целым числом") }
                    return v
                }
                let issued = try await services.access.issueToken(APITokenInput(name: form.text("name") ?? "", scopes: scopes, expiresInDays: days),
                                                                  by: web.principal.id)
                web.audit(.tokenChange, route: "POST /admin/tokens", party: nil, services: services, status: 201)
                // The secret is shown once, on this answer; it is never stored in clear.
                return try await tokens(web, typed: WebForm(), errors: nil, secret: issued.secret)
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                return try await tokens(web, typed: form, errors: FormErrors(error, language: web.language), secret: nil)
            }
        }
        routes.post("admin/tokens/:id/revoke", needs: .userManage) { web, _ in
            _ = try await services.access.revokeToken(try web.parameter("id"))
            web.audit(.tokenChange, route: "POST /admin/tokens/{id}/revoke", party: nil, services: services, status: 303)
            return WebResponse.redirect("/admin/tokens?done=token_revoked")
        }
        routes.get("admin/matching", needs: .configurationManage) { web in try await matching(web, typed: nil, errors: nil) }
        routes.post("admin/matching", needs: .configurationManage) { web, form in
            do {
                guard let data = form["configuration"]?.data(using: .utf8) else { throw RapportError.missingField("configuration") }
                let configuration: MatchingConfiguration
                do {
                    configuration = try APIJSON.decoder.decode(MatchingConfiguration.self, from: data)
                } catch let error as DecodingError {
                    let described = APIErrorMapping.describe(error)
                    throw RapportError(.invalid, code: described.code, message: described.message, messageRu: described.messageRu,
                                       details: ["field": "configuration"])
                }
                _ = try await services.identification.setConfiguration(configuration)
                web.audit(.configurationChange, route: "POST /admin/matching", party: nil, services: services, status: 303)
                return WebResponse.redirect("/admin/matching?done=matching")
            } catch let error as RapportError where error.kind == .invalid {
                var errors = FormErrors(error, language: web.language)
                if errors.fields["configuration"] == nil, let general = errors.general { errors.fields["configuration"] = general; errors.general = nil }
                if errors.fields.count == 1, errors.fields["configuration"] == nil {
                    errors = FormErrors(fields: ["configuration": web.language == .ru ? error.messageRu : error.message])
                }
                return try await matching(web, typed: form["configuration"], errors: errors)
            }
        }
        routes.get("admin/questions", needs: .configurationManage) { web in try await questions(web, typed: WebForm(), errors: nil) }
        routes.post("admin/questions", needs: .configurationManage) { web, form in
            do {
                func list(_ name: String) -> [String]? {
                    form.text(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                }
                _ = try await services.profile.createQuestion(QuestionInput(key: form.text("key"), wordingEn: form.text("wording_en"),
                                                                            wordingRu: form.text("wording_ru"),
                                                                            answerType: try form.choice("answer_type", as: AnswerType.self),
                                                                            choices: list("choices"), scripts: list("scripts")))
                web.audit(.configurationChange, route: "POST /admin/questions", party: nil, services: services, status: 303)
                return WebResponse.redirect("/admin/questions?done=question")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                return try await questions(web, typed: form, errors: FormErrors(error, language: web.language))
            }
        }
        routes.post("admin/questions/:key/active", needs: .configurationManage) { web, form in
            let key = web.context.parameters.get("key") ?? ""
            _ = try await services.profile.updateQuestion(key: key, QuestionInput(active: form.flag("active")))
            web.audit(.configurationChange, route: "POST /admin/questions/{key}/active", party: nil, services: services, status: 303)
            return WebResponse.redirect("/admin/questions?done=question")
        }
        routes.get("admin/rules", needs: .proactiveManage) { web in try await rules(web, typed: WebForm(), errors: nil, preview: nil) }
        routes.post("admin/rules/:key/enabled", needs: .proactiveManage) { web, form in
            _ = try await services.proactive.setRuleEnabled(key: web.context.parameters.get("key") ?? "", enabled: form.flag("enabled"))
            web.audit(.configurationChange, route: "POST /admin/rules/{key}/enabled", party: nil, services: services, status: 303)
            return WebResponse.redirect("/admin/rules?done=rule")
        }
        routes.post("admin/rules/:key/template", needs: .proactiveManage) { web, form in
            let key = web.context.parameters.get("key") ?? ""
            func text(_ lang: String) -> MessageText? {
                guard let body = form.text("body_" + lang) else { return nil }
                return MessageText(subject: form.text("subject_" + lang), body: body)
            }
            do {
                _ = try await services.proactive.replaceTemplate(key: key, MessageTemplate(ru: text("ru"), en: text("en")), by: web.principal.displayName)
                web.audit(.configurationChange, route: "POST /admin/rules/{key}/template", party: nil, services: services, status: 303)
                return WebResponse.redirect("/admin/rules?done=template")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                var errors = FormErrors(error, language: web.language)
                if errors.general == nil, errors.fields.count == 1, let message = errors.fields.values.first {
                    errors = FormErrors()
                    errors.general = "\(key): \(message)"
                }
                return try await rules(web, typed: WebForm(), errors: errors, preview: nil)
            }
        }
        routes.post("admin/rules/preview", needs: .proactiveManage) { web, form in
            do {
                guard let key = form.text("rule") else { throw RapportError.missingField("rule") }
                let party = try await partyFor(form.text("customer"))
                var payload: [String: PayloadValue]?
                if let json = form.text("payload") {
                    do {
                        payload = try APIJSON.decoder.decode([String: PayloadValue].self, from: Data(json.utf8))
                    } catch {
                        throw RapportError.invalidField("payload", code: "malformed_json", "must be a JSON object", "должно быть JSON-объектом")
                    }
                }
                let message = try await services.proactive.preview(key: key, partyId: party, payload: payload)
                web.audit(.read, route: "POST /admin/rules/preview", party: party, services: services, status: 200)
                let preview = Preview(channel: message.channel.map { $0.rawValue } ?? "—", address: message.address ?? "", subject: message.subject ?? "",
                                      body: message.body ?? "", status: message.status.rawValue, reason: message.reason ?? "")
                return try await rules(web, typed: form, errors: nil, preview: preview)
            } catch let error as RapportError where error.kind == .invalid || error.kind == .notFound {
                var errors = FormErrors(error, language: web.language)
                if error.kind == .notFound { errors = FormErrors(fields: ["customer": web.language == .ru ? error.messageRu : error.message]) }
                return try await rules(web, typed: form, errors: errors, preview: nil)
            }
        }
        routes.get("admin/consent-texts", needs: .configurationManage) { web in try await consentTexts(web, typed: WebForm(), errors: nil) }
        routes.post("admin/consent-texts", needs: .configurationManage) { web, form in
            do {
                _ = try await services.profile.publishConsentText(ConsentTextInput(purpose: form.text("purpose"), version: form.text("version"),
                                                                                   textEn: form.text("text_en"), textRu: form.text("text_ru")))
                web.audit(.configurationChange, route: "POST /admin/consent-texts", party: nil, services: services, status: 303)
                return WebResponse.redirect("/admin/consent-texts?done=consent_text")
            } catch let error as RapportError where error.kind == .invalid || error.kind == .conflict {
                return try await consentTexts(web, typed: form, errors: FormErrors(error, language: web.language))
            }
        }
        routes.get("admin/audit", needs: .auditRead) { web in try await audit(web) }
    }

    /// A customer named by id, or the one owning a phone number or e-mail.
    func partyFor(_ text: String?) async throws -> UUID? {
        guard let text else { return nil }
        if let id = UUID(uuidString: text) { return id }
        let found = try await services.search.parties(text, limit: 2)
        guard let first = found.first else {
            throw RapportError.invalidField("customer", code: "customer_not_found", "no customer matches", "клиент не найден")
        }
        guard found.count == 1 else {
            throw RapportError.invalidField("customer", code: "customer_ambiguous", "several customers match; give the id, phone or e-mail",
                                            "подходят несколько клиентов; укажите идентификатор, телефон или e-mail")
        }
        return first.id
    }

    func format(_ web: WebContext) -> WebFormat { WebFormat(language: web.language, timeZone: services.timeZone) }

    func users(_ web: WebContext, typed: WebForm, errors: FormErrors?) async throws -> Response {
        let f = format(web), e = errors ?? FormErrors()
        let roles = Role.allCases.map(\.rawValue)
        let rows = try await services.access.users().map { u in
            UserRow(id: u.id.uuidString, login: u.login, name: u.displayName, role: f.label("role", u.role.rawValue), language: u.language == "ru" ? "Русский" : "English",
                    disabled: u.disabledAt != nil, locked: (u.lockedUntil ?? .distantPast) > services.clock.now(),
                    roleField: FormField(name: "role", label: web.t("role"), value: "", error: nil, options: FormField.options(f, "role", roles, selected: u.role.rawValue),
                                         idPrefix: "u\(u.login)-"))
        }
        let campaigns = [FormField.Option(value: "", label: "—", selected: true)]
            + (try await services.access.campaigns()).map { FormField.Option(value: $0.id.uuidString, label: $0.name, selected: false) }
        var login = FormField.typed(typed, e, "login", web.t("login"), required: true)
        login.autocomplete = "off"
        var password = FormField(name: "password", label: web.t("initial_password"), value: "", error: e["password"], type: "password", required: true)
        password.autocomplete = "new-password"
        let form = [
            login,
            FormField.typed(typed, e, "display_name", web.t("name"), required: true),
            FormField.typed(typed, e, "role", web.t("role"), options: FormField.options(f, "role", roles, selected: "agent"), required: true),
            FormField.typed(typed, e, "language", web.t("language"), options: [FormField.Option(value: "ru", label: "Русский", selected: true),
                                                                                FormField.Option(value: "en", label: "English", selected: false)]),
            FormField.typed(typed, e, "campaign_id", web.t("outside_campaign"), options: campaigns),
            password,
        ]
        return render(web, titleKey: "admin_users", body: UsersBody(users: rows, form: form), posted: errors, fields: form)
    }

    func tokens(_ web: WebContext, typed: WebForm, errors: FormErrors?, secret: String?) async throws -> Response {
        let f = format(web), e = errors ?? FormErrors()
        let rows = try await services.access.tokens().map { t in
            TokenRow(id: t.id.uuidString, name: t.name, prefix: t.prefix, scopes: t.scopes.map { f.label("scope", $0.rawValue) }.joined(separator: ", "),
                     created: f.dateTime(t.createdAt), expires: t.expiresAt.map(f.dateTime) ?? "—", revoked: t.revokedAt != nil)
        }
        let chosen = Set(typed.all("scopes"))
        let scopes = TokenScope.allCases.map {
            FormField(name: "scopes", label: f.label("scope", $0.rawValue), value: $0.rawValue, error: nil, type: "checkbox",
                      checked: chosen.contains($0.rawValue), idPrefix: $0.rawValue + "-")
        }
        let form = [FormField.typed(typed, e, "name", web.t("name"), required: true),
                    FormField.typed(typed, e, "expires_in_days", web.t("expires_in_days"), type: "number")]
        return render(web, titleKey: "admin_tokens",
                      body: TokensBody(tokens: rows, form: form, scopes: scopes, secret: secret), posted: errors, fields: form)
    }

    func matching(_ web: WebContext, typed: String?, errors: FormErrors?) async throws -> Response {
        let configuration = try await services.identification.configuration()
        let text = typed ?? String(decoding: (try? Self.prettyEncoder.encode(configuration)) ?? Data(), as: UTF8.self)
        let rules = configuration.rules.enumerated().map { i, r in
            "\(r.name): \(r.attributes.map(\.rawValue).joined(separator: " + ")) → \(r.outcome.rawValue)\(r.enabled ? "" : " (" + web.t("switched_off") + ")")"
        }
        let field = FormField(name: "configuration", label: web.t("matching_configuration"), value: text, error: errors?["configuration"], type: "textarea")
        return render(web, titleKey: "admin_matching", body: MatchingBody(rules: rules, form: field), posted: errors, fields: [field])
    }

    static let prettyEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    func questions(_ web: WebContext, typed: WebForm, errors: FormErrors?) async throws -> Response {
        let f = format(web), e = errors ?? FormErrors()
        let rows = try await services.profile.questions().map {
            QuestionRow(key: $0.key, en: $0.wordingEn, ru: $0.wordingRu, type: f.label("answer", $0.answerType.rawValue), choices: ($0.choices ?? []).joined(separator: ", "),
                        scripts: $0.scripts.joined(separator: ", "), active: $0.active)
        }
        let form = [
            FormField.typed(typed, e, "key", web.t("key"), required: true),
            FormField.typed(typed, e, "wording_en", web.t("wording_en"), required: true),
            FormField.typed(typed, e, "wording_ru", web.t("wording_ru"), required: true),
            FormField.typed(typed, e, "answer_type", web.t("answer_type"), options: FormField.options(f, "answer", AnswerType.allCases.map(\.rawValue), selected: "text")),
            FormField.typed(typed, e, "choices", web.t("choices_comma")),
            FormField.typed(typed, e, "scripts", web.t("scripts_comma")),
        ]
        return render(web, titleKey: "admin_questions", body: QuestionsBody(questions: rows, form: form), posted: errors, fields: form)
    }

    func rules(_ web: WebContext, typed: WebForm, errors: FormErrors?, preview: Preview?) async throws -> Response {
        let f = format(web), e = errors ?? FormErrors()
        let all = try await services.proactive.rules()
        let rows = all.map { r in
            RuleRow(key: r.key, name: r.name, trigger: r.eventType ?? r.dateTrigger?.rawValue ?? r.trigger.rawValue, version: r.version, enabled: r.enabled,
                    channels: r.channels.map { f.label("channel", $0.rawValue) }.joined(separator: " → "), purpose: f.label("purpose", r.purpose),
                    templateRu: Self.text(r.template.ru), templateEn: Self.text(r.template.en),
                    templateForm: [
                        FormField(name: "subject_ru", label: web.t("subject") + " (RU)", value: r.template.ru?.subject ?? "", error: nil, idPrefix: r.key + "-"),
                        FormField(name: "body_ru", label: web.t("template_body") + " (RU)", value: r.template.ru?.body ?? "", error: nil, type: "textarea", idPrefix: r.key + "-"),
                        FormField(name: "subject_en", label: web.t("subject") + " (EN)", value: r.template.en?.subject ?? "", error: nil, idPrefix: r.key + "-"),
                        FormField(name: "body_en", label: web.t("template_body") + " (EN)", value: r.template.en?.body ?? "", error: nil, type: "textarea", idPrefix: r.key + "-"),
                    ])
        }
        let form = [
            FormField.typed(typed, e, "rule", web.t("rule"), options: all.map { FormField.Option(value: $0.key, label: $0.name, selected: false) }, required: true),
            FormField.typed(typed, e, "customer", web.t("preview_customer"), required: true),
            FormField.typed(typed, e, "payload", web.t("preview_payload"), type: "textarea", initial: try await samplePayload(all.first)),
        ]
        return render(web, titleKey: "admin_rules", body: RulesBody(rules: rows, form: form, preview: preview), posted: errors, fields: form)
    }

    static func text(_ t: MessageText?) -> String {
        guard let t else { return "" }
        return (t.subject.map { $0 + " — " } ?? "") + t.body
    }

    /// An example payload for an event rule's type, to edit before previewing (empty for date rules).
    func samplePayload(_ rule: ProactiveRule?) async throws -> String {
        guard let rule, rule.trigger == .event, let key = rule.eventType, let type = try? await services.proactive.eventType(key) else { return "" }
        let today = CivilDate(services.clock.now(), in: services.timeZone).description
        let fields = type.fields.map { f -> String in
            let value: String = switch f.type {
            case .string: "\"…\""
            case .integer, .number: "1"
            case .boolean: "true"
            case .date: "\"\(today)\""
            case .datetime: "\"\(today)T12:00:00Z\""
            }
            return "  \"\(f.name)\": \(value)"
        }
        return "{\n" + fields.joined(separator: ",\n") + "\n}"
    }

    func consentTexts(_ web: WebContext, typed: WebForm, errors: FormErrors?) async throws -> Response {
        let f = format(web), e = errors ?? FormErrors()
        let texts = try await services.profile.consentTexts().map {
            TextRow(purpose: f.label("purpose", $0.purpose), version: $0.version, en: $0.textEn, ru: $0.textRu, published: f.dateTime($0.publishedAt))
        }
        let form = [
            FormField.typed(typed, e, "purpose", web.t("purpose"), required: true),
            FormField.typed(typed, e, "version", web.t("version"), required: true),
            FormField.typed(typed, e, "text_en", web.t("text_en"), type: "textarea", required: true),
            FormField.typed(typed, e, "text_ru", web.t("text_ru"), type: "textarea", required: true),
        ]
        return render(web, titleKey: "admin_consent_texts", body: ConsentTextsBody(texts: texts, form: form), posted: errors, fields: form)
    }

    func audit(_ web: WebContext) async throws -> Response {
        let f = format(web)
        var errors = FormErrors()
        var typed: [String: [String]] = [:]
        for name in ["party_id", "action"] { if let v = web.query(name) { typed[name] = [v] } }
        let form = WebForm(typed)
        var query = AuditQuery(partyId: nil, actorId: nil, action: nil, from: nil, to: nil, limit: 50, cursor: web.query("cursor"))
        do {
            query.partyId = try form.uuid("party_id")
            query.action = try form.choice("action", as: AuditEvent.Action.self)
        } catch let error as RapportError {
            errors = FormErrors(error, language: web.language)
        }
        let page = try await services.audit.query(query)
        let names = Dictionary(try await services.access.users().map { ($0.id, $0.login) }, uniquingKeysWith: { a, _ in a })
        let rows = page.items.map { a in
            AuditRow(at: f.dateTime(a.at), actor: a.actorId.map { names[$0] ?? $0.uuidString } ?? a.actorKind, action: a.action.rawValue, route: a.route,
                     party: a.partyId?.uuidString ?? "", status: a.status, requestId: a.requestId ?? "")
        }
        let actions = [FormField.Option(value: "", label: "—", selected: true)]
            + AuditEvent.Action.allCases.map { FormField.Option(value: $0.rawValue, label: $0.rawValue, selected: false) }
        let fields = [FormField.typed(form, errors, "party_id", web.t("party_id")), FormField.typed(form, errors, "action", web.t("action"), options: actions)]
        var next: String?
        if let cursor = page.nextCursor {
            next = "/admin/audit?" + (typed.map { "\($0.key)=\($0.value[0].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&" }.joined()) + "cursor=\(cursor)"
        }
        return render(web, titleKey: "admin_audit", body: AuditBody(events: rows, form: fields, nextPage: next),
                      posted: errors.isEmpty ? nil : errors, fields: fields)
    }
}

extension FormErrors {
    init(fields: [String: String]) {
        self.init()
        self.fields = fields
    }
}

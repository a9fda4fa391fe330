import Foundation
import Hummingbird
import NIOCore
import RapportCore
import RapportEngine

/// One page request: who is looking, in which language, and the layout's parts.
struct WebContext: Sendable {
    let request: Request
    let context: RapportRequestContext
    let principal: Principal
    let chrome: WebChrome
    var language: WebLanguage { chrome.language }

    func t(_ key: String) -> String { chrome.text[key] ?? key }

    /// The notice after a change (`?done=<what>`), only when it is one of ours.
    func notice(_ prefix: String) -> String? { query("done").flatMap { chrome.text[prefix + $0] } }

    func page(_ page: some WebPage, status: HTTPResponse.Status = .ok) -> Response { WebResponse.page(page, chrome: chrome, status: status) }

    /// The same request drawn as the page at `path` (forms on it come back there, sign-in returns there).
    func at(path: String) -> WebContext {
        WebContext(request: request, context: context, principal: principal, chrome: WebChrome(principal: principal, language: language, path: path))
    }

    func query(_ name: String) -> String? {
        guard let value = request.uri.queryParameters.get(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func parameter(_ name: String) throws -> UUID {
        guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else {
            throw RapportError(.notFound, code: "not_found", message: "no such record", messageRu: "такой записи нет")
        }
        return id
    }

    /// Notes a read or change of a customer's data on the audit trail, like the API does.
    func audit(_ action: AuditEvent.Action, route: String, party: UUID?, services: Services, status: Int = 200) {
        services.audit.record(actor: principal, action: action, route: route, partyId: party, status: status, requestId: context.requestId)
    }
}

/// Registers pages behind sign-in and a capability; form posts also carry the session's CSRF token.
struct WebRoutes {
    let group: RouterGroup<RapportRequestContext>

    static let expiredForm = RapportError(.forbidden, code: "form_expired", message: "this form has expired; reload the page and try again",
                                          messageRu: "форма устарела; обновите страницу и попробуйте снова")

    /// `needs` nil: any signed-in user.
    func get(_ path: String, needs: Capability?, _ handler: @escaping @Sendable (WebContext) async throws -> Response) {
        group.get(RouterPath(path)) { request, context in
            try await handler(try Self.webContext(request, context, needs: needs))
        }
    }

    func post(_ path: String, needs: Capability?, _ handler: @escaping @Sendable (WebContext, WebForm) async throws -> Response) {
        group.post(RouterPath(path)) { request, context in
            let form = try await WebForm.read(request)
            guard context.principal != nil else {
                return WebResponse.redirect("/sign-in?next=" + WebMiddleware.escape(WebResponse.safeLocal(form["back"]) ?? "/"))
            }
            // A page drawn again after a refused post is the page the form was on, not the post's address.
            let posted = try Self.webContext(request, context, needs: needs)
            let web = WebResponse.safeLocal(form["back"]).map { posted.at(path: $0) } ?? posted
            guard let expected = web.principal.csrfToken, let sent = form["csrf"], AccessMiddleware.same(sent, expected) else {
                throw Self.expiredForm
            }
            return try await handler(web, form)
        }
    }

    static func webContext(_ request: Request, _ context: RapportRequestContext, needs: Capability?) throws -> WebContext {
        guard let principal = context.principal, principal.kind == .user else { throw AccessError.notSignedIn }
        if let needs, !principal.can(needs) { throw AccessError.forbidden(needs) }
        return WebContext(request: request, context: context, principal: principal,
                          chrome: WebChrome(principal: principal, language: WebLanguage.of(principal, request: request), path: request.uri.description))
    }
}

/// Sign-in and out, the language switch, the start page and the static files.
struct WebController {
    let services: Services
    let options: HTTPOptions
    let signInLimiter: RateLimiter

    struct SignInPage: WebPage {
        static let template = "sign_in"
        let titleKey = "sign_in_title"
        let login: FormField
        let password: FormField
        let next: String
        let general: String?
    }

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.get("static/:name") { _, context in
            guard let name = context.parameters.get("name"), let asset = WebViews.shared.assets[name] else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: asset.type, .cacheControl: "private, max-age=300"], body: .init(byteBuffer: asset.body))
        }
        group.get("") { request, context in
            guard let principal = context.principal else { return WebResponse.redirect("/sign-in") }
            return WebResponse.redirect(WebChrome.navigation.first { principal.can($0.needs) }?.href ?? "/desk")
        }
        group.get("sign-in") { request, context in
            let language = WebLanguage.of(context.principal, request: request)
            let next = WebResponse.safeLocal(request.uri.queryParameters.get("next")) ?? "/"
            if context.principal != nil { return WebResponse.redirect(next) }
            return signInPage(language: language, login: "", next: next, errors: FormErrors(), request: request, status: .ok)
        }
        group.post("sign-in") { request, context in
            if let wait = signInLimiter.take("ip:" + (context.remoteIP ?? "unknown")) { throw AccessError.rateLimited(retryAfter: wait) }
            let form = try await WebForm.read(request)
            let language = WebLanguage(rawValue: form["lang"] ?? "") ?? WebLanguage.of(nil, request: request)
            let next = WebResponse.safeLocal(form["next"]) ?? "/"
            var errors = FormErrors()
            guard let login = form.text("login") else {
                errors.fields["login"] = WebText.table(language)["required"]
                return signInPage(language: language, login: "", next: next, errors: errors, request: request, status: .badRequest)
            }
            do {
                let signedIn = try await services.access.signIn(login: login, password: form["password"] ?? "")
                services.audit.record(actor: .user(signedIn.user, csrfToken: nil), action: .signIn, route: "POST /sign-in", partyId: nil,
                                      status: 303, requestId: context.requestId)
                var response = WebResponse.redirect(next)
                response.setCookie(AccessController.sessionCookie(signedIn.sessionSecret, lifetime: services.access.sessionLifetime,
                                                                  options: options, request: request))
                return response
            } catch let error as RapportError where error.kind == .unauthorized || error.kind == .invalid {
                services.audit.record(actor: nil, action: .signInFailed, route: "POST /sign-in", partyId: nil, status: 401, requestId: context.requestId)
                errors = FormErrors(error, language: language)
                return signInPage(language: language, login: login, next: next, errors: errors, request: request, status: .unauthorized)
            }
        }
        let routes = WebRoutes(group: group)
        routes.post("sign-out", needs: nil) { web, _ in try await signOut(web) }
        routes.post("language", needs: nil) { web, form in
            let language = try form.choice("language", as: WebLanguage.self) ?? .en
            _ = try await services.access.updateUser(web.principal.id, UserInput(language: language.rawValue))
            return WebResponse.redirect(WebResponse.safeLocal(form["back"]) ?? "/")
        }
    }

    func signOut(_ web: WebContext) async throws -> Response {
        if let cookie = web.request.cookies[AccessMiddleware.sessionCookie] { try await services.access.signOut(sessionSecret: cookie.value) }
        services.audit.record(actor: web.principal, action: .signOut, route: "POST /sign-out", partyId: nil, status: 303, requestId: web.context.requestId)
        var response = WebResponse.redirect("/sign-in")
        response.setCookie(AccessController.sessionCookie("", lifetime: 0, options: options, request: web.request))
        return response
    }

    func signInPage(language: WebLanguage, login: String, next: String, errors: FormErrors, request: Request, status: HTTPResponse.Status) -> Response {
        let text = WebText.table(language)
        var loginField = FormField(name: "login", label: text["login"] ?? "", value: login, error: errors["login"], required: true)
        loginField.autocomplete = "username"
        var passwordField = FormField(name: "password", label: text["password"] ?? "", value: "", error: errors["password"], type: "password", required: true)
        passwordField.autocomplete = "current-password"
        let page = SignInPage(login: loginField, password: passwordField,
                              next: next, general: errors.general)
        return WebResponse.page(page, chrome: WebChrome(principal: nil, language: language, path: "/sign-in"), status: status)
    }
}

import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Sign-in and sign-out, users, API tokens, the audit trail, campaigns' calling lists.
struct AccessController {
    let services: Services
    let options: HTTPOptions
    let signInLimiter: RateLimiter

    struct SignInBody: Decodable { let login: String; let password: String }
    struct SessionBody: Encodable {
        let user: User?
        let kind: Principal.Kind
        let id: UUID
        let role: Role?
        let capabilities: [Capability]
        let campaignId: UUID?
        let csrfToken: String?
        let expiresAt: Date?
    }
    struct CampaignPartiesBody: Decodable { let partyIds: [UUID] }
    struct CampaignSize: Encodable { let campaignId: UUID; let size: Int }

    /// The session cookie: HttpOnly, SameSite=Strict, Secure behind TLS; an empty value with no
    /// lifetime ends it in the browser.
    static func sessionCookie(_ secret: String, lifetime: TimeInterval, options: HTTPOptions, request: Request) -> Cookie {
        Cookie(name: AccessMiddleware.sessionCookie, value: secret, maxAge: Int(lifetime), path: "/",
               secure: options.secureCookies || request.headers[HeaderName("X-Forwarded-Proto")!] == "https", httpOnly: true, sameSite: .strict)
    }

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.post("session") { request, context in
            if let wait = signInLimiter.take("ip:" + (context.remoteIP ?? "unknown")) { throw AccessError.rateLimited(retryAfter: wait) }
            let body = try await request.decodeJSON(SignInBody.self)
            let signedIn: SignedIn
            do {
                signedIn = try await services.access.signIn(login: body.login, password: body.password)
                services.audit.record(actor: .user(signedIn.user, csrfToken: nil), action: .signIn, route: "POST /api/v1/session",
                                      partyId: nil, status: 201, requestId: context.requestId)
            } catch let error as RapportError {
                services.audit.record(actor: nil, action: .signInFailed, route: "POST /api/v1/session", partyId: nil,
                                      status: Int(APIErrorMapping.status(of: error.kind).code), requestId: context.requestId)
                throw error
            }
            var response = try APIJSON.response(SessionBody(user: signedIn.user, kind: .user, id: signedIn.user.id, role: signedIn.user.role,
                                                            capabilities: AccessPolicy.capabilities(of: signedIn.user.role).sorted { $0.rawValue < $1.rawValue },
                                                            campaignId: signedIn.user.campaignId, csrfToken: signedIn.csrfToken,
                                                            expiresAt: signedIn.expiresAt), status: .created)
            response.setCookie(Self.sessionCookie(signedIn.sessionSecret, lifetime: services.access.sessionLifetime, options: options, request: request))
            return response
        }
        group.get("session") { _, context in
            let p = try context.acting()
            let user = p.kind == .user ? try await services.access.user(p.id) : nil
            return try APIJSON.response(SessionBody(user: user, kind: p.kind, id: p.id, role: p.role,
                                                    capabilities: p.capabilities.sorted { $0.rawValue < $1.rawValue },
                                                    campaignId: p.campaignId, csrfToken: p.csrfToken, expiresAt: nil))
        }
        group.delete("session") { request, context in
            let p = try context.acting()
            if let cookie = request.cookies[AccessMiddleware.sessionCookie] { try await services.access.signOut(sessionSecret: cookie.value) }
            services.audit.record(actor: p, action: .signOut, route: "DELETE /api/v1/session", partyId: nil, status: 204, requestId: context.requestId)
            var response = APIJSON.noContent()
            response.setCookie(Self.sessionCookie("", lifetime: 0, options: options, request: request))
            return response
        }
        group.get("users") { _, _ in
            try APIJSON.response(ListBody(items: try await services.access.users()))
        }
        group.post("users") { request, _ in
            try APIJSON.response(try await services.access.createUser(try await request.decodeJSON(UserInput.self)), status: .created)
        }
        group.get("users/:id") { request, context in
            try APIJSON.response(try await services.access.user(try request.uuidParameter("id", context: context)))
        }
        group.patch("users/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.access.updateUser(id, try await request.decodeJSON(UserInput.self)))
        }
        group.get("tokens") { _, _ in
            try APIJSON.response(ListBody(items: try await services.access.tokens()))
        }
        group.post("tokens") { request, context in
            let p = try context.acting()
            let issued = try await services.access.issueToken(try await request.decodeJSON(APITokenInput.self), by: p.kind == .user ? p.id : nil)
            return try APIJSON.response(issued, status: .created)
        }
        group.delete("tokens/:id") { request, context in
            try APIJSON.response(try await services.access.revokeToken(try request.uuidParameter("id", context: context)))
        }
        group.get("audit") { request, _ in
            var limit = 100
            if let text = request.query("limit") {
                guard let value = Int(text) else {
                    throw RapportError.invalidField("limit", code: "invalid_limit", "must be a whole number", "должно быть целым числом")
                }
                limit = value
            }
            let query = AuditQuery(partyId: try request.uuidQuery("party_id"), actorId: try request.uuidQuery("actor_id"),
                                   action: try request.enumQuery("action", as: AuditEvent.Action.self),
                                   from: try request.timeQuery("from"), to: try request.timeQuery("to"), limit: limit, cursor: request.query("cursor"))
            return try APIJSON.response(PageBody(try await services.audit.query(query)))
        }
        group.get("campaigns") { _, _ in
            try APIJSON.response(ListBody(items: try await services.access.campaigns()))
        }
        group.post("campaigns") { request, _ in
            // With a segment: a measured campaign (draft, launched later); without: a plain calling list.
            let input = try await request.decodeJSON(CampaignInput.self)
            if input.segment != nil { return try APIJSON.response(try await services.campaigns.create(input), status: .created) }
            return try APIJSON.response(try await services.access.createCampaign(name: input.name ?? ""), status: .created)
        }
        group.post("campaigns/:id/parties") { request, context in
            let id = try request.uuidParameter("id", context: context)
            let size = try await services.access.addToCampaign(id, parties: try await request.decodeJSON(CampaignPartiesBody.self).partyIds)
            return try APIJSON.response(CampaignSize(campaignId: id, size: size))
        }
        group.get("calling-list") { request, context in
            let p = try context.acting()
            let limit = try request.pageRequest().limit
            return try APIJSON.response(ListBody(items: try await services.access.callingList(for: p, campaign: try request.uuidQuery("campaign_id"), limit: limit)))
        }
    }
}

/// Data-subject requests and retention rules.
struct PrivacyController {
    let services: Services

    struct ErasureBody: Decodable { let reference: String?; let confirm: Bool? }
    struct RetentionBody: Codable { let rules: [RetentionRule] }

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.get("parties/:id/export") { request, context in
            var response = try APIJSON.response(try await services.privacy.export(try request.uuidParameter("id", context: context)))
            response.headers[.contentDisposition] = "attachment; filename=\"subject-export.json\""
            return response
        }
        group.post("parties/:id/erasure") { request, context in
            let p = try context.acting()
            let id = try request.uuidParameter("id", context: context)
            let body = try await request.decodeJSON(ErasureBody.self)
            guard body.confirm == true else {
                throw RapportError.invalidField("confirm", code: "confirmation_required", "erasure cannot be undone: send \"confirm\": true",
                                                "удаление необратимо: передайте \"confirm\": true")
            }
            return try APIJSON.response(try await services.privacy.erase(id, requestedBy: p.kind == .user ? p.id : nil, reference: body.reference),
                                        status: .created)
        }
        group.get("retention-rules") { _, _ in
            try APIJSON.response(RetentionBody(rules: try await services.privacy.retentionRules()))
        }
        group.put("retention-rules") { request, _ in
            try APIJSON.response(RetentionBody(rules: try await services.privacy.setRetentionRules(try await request.decodeJSON(RetentionBody.self).rules)))
        }
        group.post("retention-rules/apply") { _, _ in
            try APIJSON.response(try await services.privacy.applyRetention())
        }
    }
}

extension Request {
    /// An ISO 8601 time in the query (`2026-11-27T10:00:00Z`).
    func timeQuery(_ name: String) throws -> Date? {
        guard let text = query(name) else { return nil }
        guard let date = ISO8601DateFormatter().date(from: text) else {
            throw RapportError.invalidField(name, code: "invalid_time", "expected an ISO 8601 time such as 2026-11-27T10:00:00Z",
                                            "ожидается время ISO 8601, например 2026-11-27T10:00:00Z")
        }
        return date
    }
}

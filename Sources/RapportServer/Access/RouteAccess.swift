import RapportCore

/// What one route needs and what it leaves on the audit trail.
struct RouteRule: Sendable {
    /// nil: public (sign-in).
    let capability: Capability?
    /// The audit action, for routes that read or change personal data.
    let audit: AuditEvent.Action?

    static func needs(_ c: Capability, audit: AuditEvent.Action? = nil) -> RouteRule { RouteRule(capability: c, audit: audit) }
    static let open = RouteRule(capability: nil, audit: nil)
}

/// Every API route and the capability it needs: one table, checked by `AccessMiddleware` and tested
/// as a matrix (role × route). A route missing here is refused (fail closed), and a test fails.
public enum RouteAccess {
    static let rules: [String: RouteRule] = {
        var r: [String: RouteRule] = [:]
        func key(_ s: String) -> String {
            let parts = s.split(separator: " ", maxSplits: 1)
            return "\(parts[0]) /api/v1\(parts[1])"
        }
        func set(_ capability: Capability, _ audit: AuditEvent.Action?, _ routes: [String]) {
            for route in routes { r[key(route)] = .needs(capability, audit: audit) }
        }
        r[key("POST /session")] = .open
        set(.customerRead, .read, [
            "GET /parties", "GET /parties/{id}", "GET /parties/{id}/identities", "GET /parties/{id}/contacts",
            "GET /parties/{id}/relationships", "GET /parties/{id}/account", "GET /parties/{id}/timeline", "GET /parties/{id}/bundles",
            "GET /identities/owner", "GET /parties/{id}/card", "GET /parties/{id}/consents", "GET /parties/{id}/facts",
            "GET /parties/{id}/questions", "GET /parties/{id}/merges", "GET /duplicates", "GET /merges/{id}", "GET /search",
            "GET /interactions/{id}",
            "GET /contracts", "GET /contracts/{id}", "GET /orders", "GET /orders/{id}", "GET /shipments", "GET /shipments/{id}",
            "GET /returns", "GET /returns/{id}", "GET /invoices", "GET /invoices/{id}", "GET /payments", "GET /payments/{id}",
            "GET /requests", "GET /requests/{id}",
        ])
        set(.customerWrite, .change, [
            "POST /parties", "PATCH /parties/{id}", "POST /parties/{id}/identities", "DELETE /parties/{id}/identities/{identityId}",
            "POST /parties/{id}/contacts", "PATCH /parties/{id}/contacts/{roleId}", "DELETE /parties/{id}/contacts/{roleId}",
            "POST /parties/{id}/relationships", "PATCH /parties/{id}/relationships/{relationshipId}",
            "DELETE /parties/{id}/relationships/{relationshipId}", "PUT /parties/{id}/account",
            "POST /parties/{id}/consents", "POST /parties/{id}/facts", "POST /requests", "PATCH /requests/{id}",
        ])
        set(.contactIdentify, .read, ["POST /identify"])
        set(.contactIdentify, .change, ["POST /interactions/inbound", "POST /interactions/{id}/assign"])
        set(.interactionRecord, .change, ["POST /interactions"])
        set(.customerMerge, .change, ["POST /merges", "POST /merges/{id}/undo"])
        set(.salesWrite, .change, ["POST /contracts", "PATCH /contracts/{id}", "POST /orders", "PATCH /orders/{id}"])
        set(.financeWrite, .change, [
            "POST /shipments", "PATCH /shipments/{id}", "POST /returns", "PATCH /returns/{id}", "POST /invoices", "PATCH /invoices/{id}",
            "POST /payments",
        ])
        set(.catalogueRead, nil, ["GET /catalogue/items", "GET /catalogue/items/{id}", "GET /bundles", "GET /bundles/{id}"])
        set(.catalogueWrite, nil, ["POST /catalogue/items", "PATCH /catalogue/items/{id}", "POST /bundles", "PATCH /bundles/{id}"])
        set(.configurationRead, nil, ["GET /questions", "GET /questions/{key}", "GET /matching-rules", "GET /consent-texts"])
        set(.configurationManage, .configurationChange, ["POST /consent-texts", "POST /questions", "PATCH /questions/{key}", "PUT /matching-rules",
                                                         "PUT /retention-rules", "POST /retention-rules/apply"])
        set(.configurationManage, nil, ["GET /retention-rules"])
        set(.userManage, .userChange, ["POST /users", "PATCH /users/{id}"])
        set(.userManage, nil, ["GET /users", "GET /users/{id}", "GET /tokens"])
        set(.userManage, .tokenChange, ["POST /tokens", "DELETE /tokens/{id}"])
        set(.auditRead, nil, ["GET /audit"])
        set(.privacyRequest, .export, ["GET /parties/{id}/export"])
        set(.privacyRequest, .erase, ["POST /parties/{id}/erasure"])
        set(.campaignManage, nil, ["GET /campaigns", "POST /campaigns"])
        set(.campaignManage, .change, ["POST /campaigns/{id}/parties"])
        set(.callingList, .read, ["GET /calling-list"])
        set(.campaignManage, nil, ["GET /value/settings", "GET /value/tiers", "GET /segments", "GET /segments/{key}", "GET /segments/{key}/count",
                                   "POST /segments/count", "GET /clusters/latest", "GET /clusters/{id}", "GET /offers", "GET /offers/{key}",
                                   "GET /offers/acceptance", "GET /campaigns/{id}", "GET /campaigns/{id}/effect", "GET /campaigns/{id}/reviews"])
        set(.campaignManage, .configurationChange, ["PUT /value/settings", "POST /segments", "PATCH /segments/{key}", "POST /offers", "PUT /offers/{key}"])
        set(.campaignManage, .change, ["POST /value/recompute", "POST /clusters", "POST /campaigns/{id}/launch", "POST /campaigns/{id}/close",
                                       "POST /campaigns/{id}/reviews/{interactionId}"])
        set(.campaignManage, .read, ["GET /value/ranking", "GET /campaigns/{id}/qa"])
        set(.campaignManage, .export, ["GET /segments/{key}/members", "GET /clusters/{id}/members", "GET /offers/{key}/savings"])
        set(.customerRead, .read, ["GET /parties/{id}/offers", "GET /parties/{id}/statement"])
        set(.interactionRecord, .change, ["POST /parties/{id}/offer-responses", "POST /campaigns/{id}/calls"])
        set(.catalogueRead, nil, ["GET /tariffs"])
        set(.catalogueWrite, .configurationChange, ["PUT /catalogue/items/{id}/rates"])
        set(.financeWrite, .change, ["POST /usage-records"])
        set(.contactEvents, .change, ["POST /cti/events", "POST /ivr/order-status", "POST /contacts/{id}/survey"])
        set(.agentWork, .read, ["GET /live/agent", "GET /contacts", "GET /contacts/{id}", "GET /contacts/{id}/events"])
        set(.agentWork, nil, ["PUT /agents/{id}/state", "GET /agents/me"])
        set(.contactCentreMonitor, nil, ["GET /live/wallboard", "GET /wallboard", "GET /service-figures", "GET /agents", "GET /agents/{id}",
                                          "GET /queues", "GET /queues/{id}", "GET /contact-centre/settings"])
        set(.contactCentreManage, .configurationChange, ["POST /agents", "PATCH /agents/{id}", "POST /queues", "PATCH /queues/{id}",
                                                         "PUT /contact-centre/settings"])
        set(.configurationRead, nil, ["GET /event-types", "GET /event-types/{key}", "GET /rules", "GET /rules/{key}", "GET /rules/{key}/versions",
                                      "GET /outbox"])
        set(.proactiveManage, .configurationChange, ["POST /event-types", "PUT /event-types/{key}", "POST /rules", "PUT /rules/{key}",
                                                     "PUT /rules/{key}/enabled", "POST /messages/{id}/retry"])
        set(.businessEvents, .change, ["POST /events", "POST /messages/receipts"])
        set(.customerRead, .read, ["GET /events", "GET /events/{id}", "GET /messages", "GET /messages/{id}", "GET /bookings"])
        set(.proactiveManage, .read, ["POST /rules/{key}/preview"])
        set(.salesWrite, .change, ["POST /bookings"])
        return r
    }()

    /// Routes any signed-in principal may use, whatever its capabilities.
    static let anyPrincipal: Set<String> = ["GET /api/v1/session", "DELETE /api/v1/session"]

    static func rule(method: String, path: String) -> RouteRule? {
        rules["\(method) \(path)"]
    }

    /// What a route needs: `.public` (sign-in), `.anyPrincipal`, `.capability(c)`, or nil for a route
    /// the table does not know (refused).
    public enum Requirement: Equatable, Sendable { case open, anyPrincipal, capability(Capability) }

    public static func requirement(method: String, path: String) -> Requirement? {
        if anyPrincipal.contains("\(method) \(path)") { return .anyPrincipal }
        guard let rule = rule(method: method, path: path) else { return nil }
        return rule.capability.map { .capability($0) } ?? .open
    }
}

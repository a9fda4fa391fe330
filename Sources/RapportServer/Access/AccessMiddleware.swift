import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Runs on every API route after it is matched (so the route's template is known): finds the
/// principal (API token or session cookie), checks the route's capability, the CSRF token of
/// session writes and account managers' own accounts, then writes the audit trail.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = RapportRequestContext
    let services: Services

    static let sessionCookie = "rapport_session"
    static let csrfHeader: HeaderName = HeaderName("X-CSRF-Token")!
    static let partyRoute = "/api/v1/parties/{id}"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let method = request.method.rawValue
        let path = context.endpointPath ?? ""
        let key = "\(method) \(path)"
        let rule = RouteAccess.rule(method: method, path: path)
        if rule?.capability == nil && rule != nil {
            // Public (sign-in): a stale cookie must not stop anyone from signing in again.
            context.principal = try? await authenticate(request)
            return try await next(request, context)
        }
        context.principal = try await authenticate(request)
        guard let principal = context.principal else { throw AccessError.notSignedIn }
        if !RouteAccess.anyPrincipal.contains(key) {
            guard let rule else {
                throw RapportError(.forbidden, code: "route_not_classified", message: "this route has no access rule", messageRu: "для этого адреса нет правила доступа")
            }
            if let capability = rule.capability, !principal.can(capability) { throw AccessError.forbidden(capability) }
        }
        if let csrf = principal.csrfToken, !["GET", "HEAD", "OPTIONS"].contains(method) {
            guard let sent = request.headers[Self.csrfHeader], Self.same(sent, csrf) else { throw AccessError.csrf }
        }
        let pathParty: UUID? = path.hasPrefix(Self.partyRoute) ? context.parameters.get("id").flatMap(UUID.init(uuidString:)) : nil
        if let pathParty, method != "GET" { try await services.access.requireMayChange(principal, party: pathParty) }
        do {
            let response = try await next(request, context)
            audit(rule?.audit, principal: principal, route: key, pathParty: pathParty, context: context, status: Int(response.status.code))
            return response
        } catch {
            let status = (error as? RapportError).map { Int(APIErrorMapping.status(of: $0.kind).code) } ?? 500
            audit(rule?.audit, principal: principal, route: key, pathParty: pathParty, context: context, status: status)
            throw error
        }
    }

    func authenticate(_ request: Request) async throws -> Principal? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw AccessError.invalidToken }
            return try await services.access.principal(bearer: String(parts[1]).trimmingCharacters(in: .whitespaces))
        }
        if let cookie = request.cookies[Self.sessionCookie] {
            return try await services.access.principal(sessionSecret: cookie.value)
        }
        return nil
    }

    func audit(_ action: AuditEvent.Action?, principal: Principal, route: String, pathParty: UUID?, context: Context, status: Int) {
        guard let action else { return }
        var parties = context.touched.all
        if let pathParty, !parties.contains(pathParty) { parties.insert(pathParty, at: 0) }
        if parties.isEmpty {
            services.audit.record(actor: principal, action: action, route: route, partyId: nil, status: status, requestId: context.requestId)
        }
        for party in parties {
            services.audit.record(actor: principal, action: action, route: route, partyId: party, status: status, requestId: context.requestId)
        }
    }

    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Security headers on every response: no sniffing, no framing, no referrer, nothing cached, and a
/// content policy that allows nothing (pages set their own, which allows their own script and style).
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = RapportRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HeaderName("X-Frame-Options")!] = "DENY"
        response.headers[HeaderName("Referrer-Policy")!] = "no-referrer"
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'" }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Token buckets per caller: per API token, per session, else per IP address. 429 with Retry-After
/// when a bucket is empty. In memory: each node limits on its own.
final class RateLimiter: @unchecked Sendable {
    let rate: Double
    let burst: Double
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    /// `rate` requests per second, up to `burst` at once; a rate of 0 turns limiting off.
    init(rate: Double, burst: Double) { self.rate = rate; self.burst = burst }

    /// Takes one request from `key`'s bucket: nil when allowed; otherwise the seconds to wait.
    func take(_ key: String) -> Int? { visit(key, consume: true) }

    /// The seconds to wait when `key`'s bucket is empty, without taking from it; nil otherwise.
    func waitIfEmpty(_ key: String) -> Int? { visit(key, consume: false) }

    private func visit(_ key: String, consume: Bool) -> Int? {
        guard rate > 0 else { return nil }
        let now = ContinuousClock.now
        return lock.withLock {
            if buckets.count > 50_000 { buckets.removeAll() }
            guard var bucket = buckets[key] ?? (consume ? (burst, now) : nil) else { return nil }
            let elapsed = now - bucket.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            if consume { bucket.tokens -= 1 }
            buckets[key] = bucket
            return nil
        }
    }
}

struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = RapportRequestContext
    let limiter: RateLimiter
    /// Per IP, charged for every token or session cookie refused: made-up ones each get a fresh
    /// bucket above, so an address that keeps failing is stopped here before its next credential is
    /// even looked up. (Wrong passwords have the sign-in limit and the lock-out.)
    let failures: RateLimiter
    static let failedCredentials: Set<String> = [AccessError.invalidToken.code, AccessError.sessionExpired.code]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let ip = "ip:" + (context.remoteIP ?? "unknown")
        if let wait = failures.waitIfEmpty(ip) { throw AccessError.rateLimited(retryAfter: wait) }
        let key: String
        if let auth = request.headers[.authorization] {
            key = "t:" + auth
        } else if let cookie = request.cookies[AccessMiddleware.sessionCookie] {
            key = "s:" + cookie.value
        } else {
            key = ip
        }
        if let wait = limiter.take(key) { throw AccessError.rateLimited(retryAfter: wait) }
        do {
            return try await next(request, context)
        } catch let error as RapportError where Self.failedCredentials.contains(error.code) {
            _ = failures.take(ip)
            throw error
        }
    }
}

/// A header name (HTTPTypes' `HTTPField.Name`, reached through what Hummingbird exports).
typealias HeaderName = HTTPFields.Element.Name

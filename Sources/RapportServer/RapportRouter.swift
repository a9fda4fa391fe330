import Foundation
import Hummingbird
import Logging
import RapportCore
import RapportEngine

/// Builds the HTTP surface: `/api/v1/…`, `/openapi.yaml`, `/health`, and the web pages (`/sign-in`, `/desk`, …).
public enum RapportRouter {
    public static func build(services: Services, options: HTTPOptions = HTTPOptions()) -> Router<RapportRequestContext> {
        let router = Router(context: RapportRequestContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(APIErrorMiddleware())
        router.middlewares.add(RateLimitMiddleware(limiter: RateLimiter(rate: options.requestsPerSecond,
                                                                        burst: options.requestBurst ?? options.requestsPerSecond * 2),
                                                   failures: RateLimiter(rate: options.failedCredentialsPerSecond,
                                                                         burst: options.failedCredentialsBurst ?? options.failedCredentialsPerSecond * 4)))
        router.get("health") { _, _ in
            try APIJSON.response(["status": "ok"])
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        let api = router.group("api/v1").add(middleware: AccessMiddleware(services: services))
        // One sign-in limit per address, whether through the API or the sign-in page.
        let signInLimiter = RateLimiter(rate: options.signInsPerMinute / 60, burst: options.signInsPerMinute)
        AccessController(services: services, options: options, signInLimiter: signInLimiter).addRoutes(to: api)
        PrivacyController(services: services).addRoutes(to: api)
        PartyController(services: services).addRoutes(to: api)
        CatalogueController(services: services).addRoutes(to: api)
        CommerceController(services: services).addRoutes(to: api)
        RequestController(services: services).addRoutes(to: api)
        InteractionController(services: services).addRoutes(to: api)
        IdentificationController(services: services).addRoutes(to: api)
        ContactCentreController(services: services, options: options).addRoutes(to: api)
        ProactiveController(services: services).addRoutes(to: api, channels: options.channels)
        AnalyticsController(services: services).addRoutes(to: api)
        let web = router.group().add(middleware: WebMiddleware(services: services))
        WebController(services: services, options: options, signInLimiter: signInLimiter).addRoutes(to: web)
        let pages = WebRoutes(group: web)
        DeskPages(services: services).addRoutes(to: pages)
        WallboardPages(services: services).addRoutes(to: pages)
        MarketingPages(services: services).addRoutes(to: pages)
        AdminPages(services: services).addRoutes(to: pages)
        CallsPage(services: services).addRoutes(to: pages)
        return router
    }
}

/// HTTP settings that come from configuration.
public struct HTTPOptions: Sendable {
    /// Requests per second per API token, session or IP address (bursts of twice that); 0 turns the limit off.
    public var requestsPerSecond: Double
    /// Requests answered 401 (unknown token, ended session) per second per IP address, bursts of four
    /// times that; past it the address gets 429 before its credentials are looked up. 0 turns it off.
    public var failedCredentialsPerSecond: Double
    /// Sign-in attempts per minute per IP address.
    public var signInsPerMinute: Double
    /// Mark the session cookie Secure even without `X-Forwarded-Proto: https` (Rapport behind TLS).
    public var secureCookies: Bool
    /// How long one live stream (SSE) stays open before the server ends it and the browser reconnects.
    public var liveStreamLimit: Duration
    /// The outbound channels this node sends on (shown by `GET /outbox`).
    public var channels: [OutboundChannel] = []
    /// Bursts, when not the multiples above (tests use a slow refill with a small burst, so that
    /// how fast the machine answers cannot refill a bucket between requests).
    public var requestBurst: Double?
    public var failedCredentialsBurst: Double?

    public init(requestsPerSecond: Double = 200, failedCredentialsPerSecond: Double = 5, signInsPerMinute: Double = 20, secureCookies: Bool = false,
                liveStreamLimit: Duration = .seconds(600)) {
        self.requestsPerSecond = requestsPerSecond; self.failedCredentialsPerSecond = failedCredentialsPerSecond
        self.signInsPerMinute = signInsPerMinute; self.secureCookies = secureCookies; self.liveStreamLimit = liveStreamLimit
    }
}

/// The OpenAPI 3.1 description of the API, shipped with the server.
public enum OpenAPIDocument {
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "openapi: 3.1.0\n" }
        return text
    }()
}

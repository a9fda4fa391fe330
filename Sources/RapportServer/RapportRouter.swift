import Foundation
import Hummingbird
import Logging
import RapportCore
import RapportEngine

/// Builds the HTTP surface: `/api/v1/…`, `/openapi.yaml`, `/health`.
public enum RapportRouter {
    public static func build(services: Services) -> Router<RapportRequestContext> {
        let router = Router(context: RapportRequestContext.self)
        router.middlewares.add(APIErrorMiddleware())
        router.get("health") { _, _ in
            try APIJSON.response(["status": "ok"])
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        let api = router.group("api/v1")
        PartyController(services: services).addRoutes(to: api)
        CatalogueController(services: services).addRoutes(to: api)
        CommerceController(services: services).addRoutes(to: api)
        RequestController(services: services).addRoutes(to: api)
        InteractionController(services: services).addRoutes(to: api)
        IdentificationController(services: services).addRoutes(to: api)
        return router
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

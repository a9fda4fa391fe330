import Foundation
import Hummingbird
import RapportCore
import RapportEngine

struct CatalogueController {
    let services: Services

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.post("catalogue/items") { request, _ in
            try APIJSON.response(try await services.catalogue.create(try await request.decodeJSON(CatalogueItemInput.self)), status: .created)
        }
        group.get("catalogue/items") { request, _ in
            try APIJSON.response(PageBody(try await services.catalogue.list(kind: try request.enumQuery("kind", as: CatalogueItemKind.self),
                                                                            page: try request.pageRequest())))
        }
        group.get("catalogue/items/:id") { request, context in
            try APIJSON.response(try await services.catalogue.get(try request.uuidParameter("id", context: context)))
        }
        group.patch("catalogue/items/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.catalogue.update(id, try await request.decodeJSON(CatalogueItemInput.self)))
        }
        group.get("bundles") { request, _ in
            try APIJSON.response(PageBody(try await services.catalogue.bundles(partyId: try request.uuidQuery("party_id"), page: try request.pageRequest())))
        }
        group.get("bundles/:id") { request, context in
            try APIJSON.response(try await services.catalogue.bundle(try request.uuidParameter("id", context: context)))
        }
        group.patch("bundles/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.catalogue.updateBundle(id, try await request.decodeJSON(CatalogueBundleInput.self)))
        }
        group.post("bundles") { request, _ in
            try APIJSON.response(try await services.catalogue.createBundle(try await request.decodeJSON(CatalogueBundleInput.self)), status: .created)
        }
    }
}

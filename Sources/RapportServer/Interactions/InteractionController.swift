import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Recording to the trail. There is no update or delete: a correction is a new entry with `corrects_id`.
struct InteractionController {
    let services: Services

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.post("interactions") { request, _ in
            try APIJSON.response(try await services.interactions.record(try await request.decodeJSON(InteractionInput.self)), status: .created)
        }
        group.get("interactions/:id") { request, context in
            try APIJSON.response(try await services.interactions.get(try request.uuidParameter("id", context: context)))
        }
    }
}

import Foundation
import Hummingbird
import RapportCore
import RapportEngine

struct RequestController {
    let services: Services

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.post("requests") { request, _ in
            try APIJSON.response(try await services.requests.open(try await request.decodeJSON(CustomerRequestInput.self)), status: .created)
        }
        group.get("requests") { request, _ in
            try APIJSON.response(PageBody(try await services.requests.list(partyId: try request.uuidQuery("party_id"),
                                                                           status: try request.enumQuery("status", as: RequestStatus.self),
                                                                           page: try request.pageRequest())))
        }
        group.get("requests/:id") { request, context in
            try APIJSON.response(try await services.requests.get(try request.uuidParameter("id", context: context)))
        }
        group.patch("requests/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.requests.update(id, try await request.decodeJSON(CustomerRequestInput.self)))
        }
    }
}

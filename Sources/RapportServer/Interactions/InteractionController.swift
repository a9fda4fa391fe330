import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Recording to the trail. There is no update or delete: a correction is a new entry with `corrects_id`.
struct InteractionController {
    let services: Services

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.post("interactions") { request, context in
            let principal = try context.acting()
            var input = try await request.decodeJSON(InteractionInput.self)
            if principal.role == .outsideAgent {
                // An outside agent records only on their list, and always for their campaign.
                try await services.access.requireOnList(principal, party: input.partyId)
                input.campaignId = principal.campaignId
            }
            context.touched.note(input.partyId)
            return try APIJSON.response(try await services.interactions.record(input), status: .created)
        }
        group.get("interactions/:id") { request, context in
            let interaction = try await services.interactions.get(try request.uuidParameter("id", context: context))
            context.touched.note(interaction.partyId)
            return try APIJSON.response(interaction)
        }
    }
}

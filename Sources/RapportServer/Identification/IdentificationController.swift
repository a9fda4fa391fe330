import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// Identification and the card, never-ask-twice (facts and questions), duplicates and merge, search.
struct IdentificationController {
    let services: Services

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.post("identify") { request, context in
            let clues = try await request.decodeJSON(ContactClues.self)
            let pop = try await services.inbound.screenPop(clues, script: try request.scriptQuery())
            context.touched.note(pop.identification.partyId)
            return try APIJSON.response(pop)
        }
        group.post("interactions/inbound") { request, context in
            let result = try await services.inbound.record(try await request.decodeJSON(InboundContactInput.self))
            context.touched.note(result.interaction.partyId)
            return try APIJSON.response(result, status: .created)
        }
        group.post("interactions/:id/assign") { request, context in
            let id = try request.uuidParameter("id", context: context)
            let body = try await request.decodeJSON(AssignBody.self)
            let partyId = try Validate.required(body.partyId, "party_id")
            context.touched.note(partyId)
            return try APIJSON.response(try await services.inbound.assign(interactionId: id, partyId: partyId))
        }
        group.get("parties/:id/card") { request, context in
            try APIJSON.response(try await services.cards.card(try request.uuidParameter("id", context: context), script: try request.scriptQuery()))
        }
        group.get("parties/:id/facts") { request, context in
            let history = try request.boolQuery("history") ?? false
            return try APIJSON.response(try await services.profile.facts(partyId: try request.uuidParameter("id", context: context), history: history))
        }
        group.post("parties/:id/facts") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.profile.recordFact(partyId: id, try await request.decodeJSON(FactInput.self)), status: .created)
        }
        group.get("parties/:id/consents") { request, context in
            let history = try request.boolQuery("history") ?? false
            return try APIJSON.response(try await services.profile.consents(partyId: try request.uuidParameter("id", context: context), history: history))
        }
        group.post("parties/:id/consents") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.profile.recordConsent(partyId: id, try await request.decodeJSON(ConsentInput.self)), status: .created)
        }
        group.get("parties/:id/questions") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.profile.questionsToAsk(partyId: id, script: try request.scriptQuery()))
        }
        group.get("parties/:id/merges") { request, context in
            let id = try request.uuidParameter("id", context: context)
            try await services.parties.requireExists(id)
            return try APIJSON.response(try await services.merges.merges(of: id))
        }
        group.get("consent-texts") { _, _ in
            try APIJSON.response(try await services.profile.consentTexts())
        }
        group.post("consent-texts") { request, _ in
            try APIJSON.response(try await services.profile.publishConsentText(try await request.decodeJSON(ConsentTextInput.self)), status: .created)
        }
        group.get("questions") { _, _ in
            try APIJSON.response(try await services.profile.questions())
        }
        group.post("questions") { request, _ in
            try APIJSON.response(try await services.profile.createQuestion(try await request.decodeJSON(QuestionInput.self)), status: .created)
        }
        group.get("questions/:key") { _, context in
            try APIJSON.response(try await services.profile.question(key: try FactKey.validate(try context.parameters.require("key"))))
        }
        group.patch("questions/:key") { request, context in
            let key = try FactKey.validate(try context.parameters.require("key"))
            return try APIJSON.response(try await services.profile.updateQuestion(key: key, try await request.decodeJSON(QuestionInput.self)))
        }
        group.get("matching-rules") { _, _ in
            try APIJSON.response(try await services.identification.configuration())
        }
        group.put("matching-rules") { request, _ in
            try APIJSON.response(try await services.identification.setConfiguration(try await request.decodeJSON(MatchingConfiguration.self)))
        }
        group.get("duplicates") { request, _ in
            try APIJSON.response(try await services.merges.duplicateCandidates(limit: try request.pageRequest().limit))
        }
        group.post("merges") { request, _ in
            try APIJSON.response(try await services.merges.merge(try await request.decodeJSON(MergeInput.self)), status: .created)
        }
        group.get("merges/:id") { request, context in
            try APIJSON.response(try await services.merges.get(try request.uuidParameter("id", context: context)))
        }
        group.post("merges/:id/undo") { request, context in
            try APIJSON.response(try await services.merges.undo(try request.uuidParameter("id", context: context)))
        }
        group.get("search") { request, _ in
            guard let q = request.query("q") else { throw RapportError.missingField("q") }
            let limit = try request.pageRequest().limit
            let partyId = try request.uuidQuery("party_id")
            return try APIJSON.response(SearchBody(parties: partyId == nil ? try await services.search.parties(q, limit: limit) : [],
                                                   interactions: try await services.search.interactions(q, partyId: partyId, limit: limit)))
        }
    }
}

struct AssignBody: Decodable {
    let partyId: UUID?
}

struct SearchBody: Encodable {
    let parties: [Party]
    let interactions: [Interaction]
}

extension Request {
    func scriptQuery() throws -> String? {
        try query("script").map { try FactKey.validate($0, field: "script") }
    }

    func boolQuery(_ name: String) throws -> Bool? {
        guard let text = query(name) else { return nil }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw RapportError.invalidField(name, code: "invalid_boolean", "must be true or false", "должно быть true или false")
        }
    }
}

import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// `/parties` and what hangs off a party: identities, contact persons, relationships, account, timeline.
struct PartyController {
    let services: Services

    func addRoutes(to group: RouterGroup<RapportRequestContext>) {
        group.post("parties") { request, context in
            let input = try await request.decodeJSON(PartyInput.self)
            try context.requireMayAssignManager(input)
            return try APIJSON.response(try await services.parties.create(input).body, status: .created)
        }
        group.get("parties") { request, _ in
            let filter = PartyFilter(kind: try request.enumQuery("kind", as: PartyKind.self),
                                     lifecycleStage: try request.enumQuery("lifecycle_stage", as: LifecycleStage.self),
                                     inn: request.query("inn"))
            return try APIJSON.response(PageBody(try await services.parties.list(filter, page: try request.pageRequest())))
        }
        group.get("parties/:id") { request, context in
            try APIJSON.response(try await services.parties.get(try request.uuidParameter("id", context: context)).body)
        }
        group.patch("parties/:id") { request, context in
            let id = try request.uuidParameter("id", context: context)
            let input = try await request.decodeJSON(PartyInput.self)
            try context.requireMayAssignManager(input)
            return try APIJSON.response(try await services.parties.update(id, input).body)
        }
        group.get("parties/:id/identities") { request, context in
            try APIJSON.response(try await services.parties.get(try request.uuidParameter("id", context: context)).identities)
        }
        group.post("parties/:id/identities") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.parties.addIdentity(partyId: id, try await request.decodeJSON(IdentityInput.self)), status: .created)
        }
        group.delete("parties/:id/identities/:identityId") { request, context in
            try await services.parties.removeIdentity(partyId: try request.uuidParameter("id", context: context),
                                                      identityId: try request.uuidParameter("identityId", context: context))
            return APIJSON.noContent()
        }
        group.get("parties/:id/contacts") { request, context in
            try APIJSON.response(try await services.parties.contactRoles(of: try request.uuidParameter("id", context: context)))
        }
        group.post("parties/:id/contacts") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.parties.addContactRole(organisationId: id, try await request.decodeJSON(ContactRoleInput.self)), status: .created)
        }
        group.patch("parties/:id/contacts/:roleId") { request, context in
            let id = try request.uuidParameter("id", context: context)
            let roleId = try request.uuidParameter("roleId", context: context)
            return try APIJSON.response(try await services.parties.updateContactRole(organisationId: id, roleId: roleId, try await request.decodeJSON(ContactRoleInput.self)))
        }
        group.delete("parties/:id/contacts/:roleId") { request, context in
            try await services.parties.removeContactRole(organisationId: try request.uuidParameter("id", context: context),
                                                         roleId: try request.uuidParameter("roleId", context: context))
            return APIJSON.noContent()
        }
        group.patch("parties/:id/relationships/:relationshipId") { request, context in
            let id = try request.uuidParameter("id", context: context)
            let relId = try request.uuidParameter("relationshipId", context: context)
            return try APIJSON.response(try await services.parties.updateRelationship(partyId: id, relationshipId: relId, try await request.decodeJSON(RelationshipInput.self)))
        }
        group.delete("parties/:id/relationships/:relationshipId") { request, context in
            try await services.parties.removeRelationship(partyId: try request.uuidParameter("id", context: context),
                                                          relationshipId: try request.uuidParameter("relationshipId", context: context))
            return APIJSON.noContent()
        }
        group.get("parties/:id/relationships") { request, context in
            try APIJSON.response(try await services.parties.relationships(of: try request.uuidParameter("id", context: context)))
        }
        group.post("parties/:id/relationships") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.parties.addRelationship(partyId: id, try await request.decodeJSON(RelationshipInput.self)), status: .created)
        }
        group.get("parties/:id/account") { request, context in
            try APIJSON.response(try await services.parties.account(partyId: try request.uuidParameter("id", context: context)))
        }
        group.put("parties/:id/account") { request, context in
            let id = try request.uuidParameter("id", context: context)
            return try APIJSON.response(try await services.parties.setAccount(partyId: id, try await request.decodeJSON(AccountInput.self)))
        }
        group.get("parties/:id/timeline") { request, context in
            let id = try request.uuidParameter("id", context: context)
            try await services.parties.requireExists(id)
            let channels = try (request.uri.queryParameters.getAll("channel")).flatMap { $0.split(separator: ",") }
                .map { try Channel(validating: String($0), field: "channel") }
            return try APIJSON.response(PageBody(try await services.interactions.timeline(partyId: id, channels: channels, page: try request.pageRequest())))
        }
        group.get("parties/:id/bundles") { request, context in
            let id = try request.uuidParameter("id", context: context)
            try await services.parties.requireExists(id)
            return try APIJSON.response(PageBody(try await services.catalogue.bundles(partyId: id, page: try request.pageRequest())))
        }
        group.get("identities/owner") { request, _ in
            guard let kindText = request.query("kind"), let address = request.query("address") else {
                throw RapportError.missingField(request.query("kind") == nil ? "kind" : "address")
            }
            let kind = try IdentityKind(validating: kindText, field: "kind")
            guard let identity = try await services.parties.owner(of: kind, address: address, network: request.query("network")) else {
                throw RapportError(.notFound, code: "identity_not_found", message: "no party holds this address", messageRu: "адрес не принадлежит ни одному контрагенту")
            }
            return try APIJSON.response(identity)
        }
    }
}

/// The JSON shape of one party: its fields with its identities inline.
struct PartyBody: Encodable {
    let record: PartyRecord
    func encode(to encoder: any Encoder) throws {
        try record.party.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(record.identities, forKey: .identities)
    }
    enum Keys: String, CodingKey { case identities }
}

extension PartyRecord {
    var body: PartyBody { PartyBody(record: self) }
}

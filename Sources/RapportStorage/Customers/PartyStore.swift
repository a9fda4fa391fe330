import Foundation
import RapportCore
import SQLKit

/// Parties and what hangs off them directly: identities, contact roles, relationships, account.
public struct PartyStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func create(_ party: Party, identities: [Identity]) async throws -> PartyRecord {
        let engine = database.engine
        return try await database.write { db in
            try await db.insertRecord("parties", party)
            for identity in identities {
                try await Self.claim(identity, on: db)
            }
            try await SearchIndex.refreshParty(party.id, on: db, engine: engine)
            try await db.appendEvent("party.created", aggregateId: party.id, at: party.createdAt)
            return PartyRecord(party: party, identities: identities)
        }
    }

    public func exists(_ id: UUID) async throws -> Bool {
        try await database.read { db in try await db.exists("parties", id: id) }
    }

    public func get(_ id: UUID) async throws -> PartyRecord? {
        try await database.read { db in
            guard let party = try await db.record(Party.self, from: "parties", id: id) else { return nil }
            return PartyRecord(party: party, identities: try await Self.identities(of: id, on: db))
        }
    }

    /// Reads, changes and writes the party in one transaction.
    public func update(_ id: UUID, _ change: @escaping @Sendable (inout Party) throws -> Void) async throws -> PartyRecord {
        let engine = database.engine
        return try await database.write { db in
            var party = try await MergeStore.live(id, on: db)
            try change(&party)
            try await db.updateRecord("parties", id: id, party)
            try await SearchIndex.refreshParty(id, on: db, engine: engine)
            try await db.appendEvent("party.updated", aggregateId: id, at: party.updatedAt)
            return PartyRecord(party: party, identities: try await Self.identities(of: id, on: db))
        }
    }

    public func list(_ filter: PartyFilter, page: PageRequest) async throws -> Page<Party> {
        try await database.read { db in
            var q = db.select().column("*").from("parties").where("merged_into_id", .is, SQLLiteral.null)
            if let kind = filter.kind { q = q.where("kind", .equal, SQLBind(kind.rawValue)) }
            if let stage = filter.lifecycleStage { q = q.where("lifecycle_stage", .equal, SQLBind(stage.rawValue)) }
            if let inn = filter.inn { q = q.where("inn", .equal, SQLBind(inn)) }
            return try await q.page(page).all().records(Party.self).paged(page, id: \.id)
        }
    }

    /// Live (not merged) parties whose folded name is `key`, optionally born on `birthDate`.
    public func byNameKey(_ key: String, birthDate: CivilDate?, limit: Int) async throws -> [Party] {
        try await database.read { db in
            var q = db.select().column("*").from("parties").where("name_key", .equal, SQLBind(key))
            if let birthDate { q = q.where("birth_date", .equal, SQLBind(birthDate.description)) }
            return try await q.where("merged_into_id", .is, SQLLiteral.null).orderBy("id").limit(limit).all().records(Party.self)
        }
    }

    public func count() async throws -> Int {
        try await database.read { db in
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("parties").first()!
                .decode(column: "n", as: Int.self)
        }
    }

    // MARK: Identities

    public func addIdentity(_ identity: Identity) async throws -> Identity {
        let engine = database.engine
        return try await database.write { db in
            _ = try await MergeStore.live(identity.partyId, on: db)
            try await Self.claim(identity, on: db)
            try await SearchIndex.refreshParty(identity.partyId, on: db, engine: engine)
            try await db.appendEvent("identity.added", aggregateId: identity.partyId, at: identity.createdAt)
            return identity
        }
    }

    public func removeIdentity(partyId: UUID, identityId: UUID, at now: Date) async throws {
        let engine = database.engine
        try await database.write { db in
            guard let identity = try await db.record(Identity.self, from: "identities", id: identityId), identity.partyId == partyId else {
                throw RapportError.notFound("identity", identityId.uuidString.lowercased())
            }
            try await db.delete(from: "identities").where("id", .equal, SQLBind(identityId)).run()
            try await SearchIndex.refreshParty(partyId, on: db, engine: engine)
            try await db.appendEvent("identity.removed", aggregateId: partyId, at: now)
        }
    }

    public func identities(of partyId: UUID) async throws -> [Identity] {
        try await database.read { db in try await Self.identities(of: partyId, on: db) }
    }

    /// The identity with this normalised address, if any party holds it.
    public func findIdentity(kind: IdentityKind, normalized: String) async throws -> Identity? {
        try await database.read { db in
            try await db.select().column("*").from("identities")
                .where("kind", .equal, SQLBind(kind.rawValue)).where("normalized", .equal, SQLBind(normalized))
                .first()?.decode(model: Identity.self, with: recordDecoder)
        }
    }

    static func identities(of partyId: UUID, on db: any SQLDatabase) async throws -> [Identity] {
        try await db.select().column("*").from("identities").where("party_id", .equal, SQLBind(partyId))
            .orderBy("id").all().records(Identity.self)
    }

    /// Inserts the identity unless another party already holds it: then a conflict naming the owner.
    static func claim(_ identity: Identity, on db: any SQLDatabase) async throws {
        let owner = try await db.select().column("party_id").from("identities")
            .where("kind", .equal, SQLBind(identity.kind.rawValue)).where("normalized", .equal, SQLBind(identity.normalized))
            .first()?.decode(column: "party_id", as: UUID.self)
        if let owner {
            if owner == identity.partyId {
                throw RapportError(.conflict, code: "identity_exists", message: "the party already has this \(identity.kind.rawValue)",
                                   messageRu: "у контрагента уже есть этот адрес", details: ["owner_party_id": owner.uuidString.lowercased()])
            }
            throw identityTaken(identity.kind, owner: owner)
        }
        do {
            try await db.insertRecord("identities", identity)
        } catch where ConstraintViolation(error) == .unique {
            throw identityTaken(identity.kind, owner: nil)
        }
    }

    static func identityTaken(_ kind: IdentityKind, owner: UUID?) -> RapportError {
        var details = ["kind": kind.rawValue]
        if let owner { details["owner_party_id"] = owner.uuidString.lowercased() }
        return RapportError(.conflict, code: "identity_taken",
                            message: "this \(kind.rawValue) already belongs to another party" + (owner.map { " (\($0.uuidString.lowercased()))" } ?? ""),
                            messageRu: "этот адрес уже принадлежит другому контрагенту" + (owner.map { " (\($0.uuidString.lowercased()))" } ?? ""),
                            details: details)
    }

    // MARK: Contact persons

    public func addContactRole(_ role: ContactRole) async throws -> ContactRole {
        try await database.write { db in
            let org = try await MergeStore.live(role.organisationId, on: db)
            let person = try await MergeStore.live(role.personId, on: db)
            guard org.kind == .organisation, person.kind == .person else {
                throw RapportError(.invalid, code: "invalid_contact_role", message: "a contact role links a person to an organisation",
                                   messageRu: "контактное лицо — это физическое лицо при организации")
            }
            do {
                try await db.insertRecord("contact_roles", role)
            } catch where ConstraintViolation(error) == .unique {
                throw RapportError(.conflict, code: "contact_role_exists", message: "this person is already a contact of this organisation",
                                   messageRu: "это лицо уже является контактом организации")
            }
            try await db.appendEvent("contact_role.added", aggregateId: role.organisationId, at: role.createdAt)
            return role
        }
    }

    /// Contact roles where the party is the organisation or the person.
    public func contactRoles(of partyId: UUID) async throws -> [ContactRole] {
        try await database.read { db in
            try await db.select().column("*").from("contact_roles")
                .where("organisation_id", .equal, SQLBind(partyId)).orWhere("person_id", .equal, SQLBind(partyId))
                .orderBy("id").all().records(ContactRole.self)
        }
    }

    public func updateContactRole(_ id: UUID, organisationId: UUID, at now: Date, _ change: @escaping @Sendable (inout ContactRole) throws -> Void) async throws -> ContactRole {
        try await contactRoleTable.update(id, event: "contact_role.updated", at: now) { role in
            guard role.organisationId == organisationId else { throw RapportError.notFound("contact_role", id.uuidString.lowercased()) }
            try change(&role)
            return []
        }
    }

    public func removeContactRole(_ id: UUID, organisationId: UUID, at now: Date) async throws {
        try await contactRoleTable.delete(id, ownerColumn: "organisation_id", owner: organisationId, event: "contact_role.removed", at: now)
    }

    var contactRoleTable: RecordTable<ContactRole> { RecordTable(database: database, table: "contact_roles", entity: "contact_role") }
    var relationshipTable: RecordTable<Relationship> { RecordTable(database: database, table: "relationships", entity: "relationship") }

    // MARK: Relationships

    public func updateRelationship(_ id: UUID, partyId: UUID, at now: Date, _ change: @escaping @Sendable (inout Relationship) throws -> Void) async throws -> Relationship {
        try await relationshipTable.update(id, event: "relationship.updated", at: now) { r in
            guard r.partyId == partyId else { throw RapportError.notFound("relationship", id.uuidString.lowercased()) }
            try change(&r)
            return [Reference(table: "parties", id: r.relatedPartyId, entity: "party")]
        }
    }

    public func removeRelationship(_ id: UUID, partyId: UUID, at now: Date) async throws {
        try await relationshipTable.delete(id, ownerColumn: "party_id", owner: partyId, event: "relationship.removed", at: now)
    }

    public func addRelationship(_ relationship: Relationship) async throws -> Relationship {
        try await database.write { db in
            let party = try await MergeStore.live(relationship.partyId, on: db)
            guard party.kind == .person else {
                throw RapportError(.invalid, code: "invalid_relationship", message: "relationships link persons",
                                   messageRu: "родственные и личные связи бывают только у физических лиц")
            }
            if let related = relationship.relatedPartyId {
                _ = try await MergeStore.live(related, on: db)
            }
            try await db.insertRecord("relationships", relationship)
            try await db.appendEvent("relationship.added", aggregateId: relationship.partyId, at: relationship.createdAt)
            return relationship
        }
    }

    public func relationships(of partyId: UUID) async throws -> [Relationship] {
        try await database.read { db in
            try await db.select().column("*").from("relationships").where("party_id", .equal, SQLBind(partyId))
                .orderBy("id").all().records(Relationship.self)
        }
    }

    // MARK: Account

    public func setAccount(_ partyId: UUID, _ make: @escaping @Sendable (Account?) throws -> Account) async throws -> Account {
        try await database.write { db in
            _ = try await MergeStore.live(partyId, on: db)
            let existing = try await db.record(Account.self, from: "accounts", id: partyId, key: "party_id")
            let account = try make(existing)
            if existing == nil {
                try await db.insertRecord("accounts", account)
            } else {
                try await db.update("accounts").set(model: account, with: recordEncoder).where("party_id", .equal, SQLBind(partyId)).run()
            }
            try await db.appendEvent("account.changed", aggregateId: partyId, at: account.updatedAt)
            return account
        }
    }

    public func account(_ partyId: UUID) async throws -> Account? {
        try await database.read { db in try await db.record(Account.self, from: "accounts", id: partyId, key: "party_id") }
    }
}

import Foundation
import RapportCore
import SQLKit

/// What a merge changed, exactly enough to undo it.
struct MergeSnapshot: Codable, Sendable {
    /// The snapshot format; an undo refuses a format it does not know instead of guessing.
    var version = 1
    var survivorBefore: Party
    /// The survivor as the merge left it (to tell the merge's changes from later ones at undo).
    var survivorAfter: Party?
    var mergedBefore: Party
    /// Table → ids of rows whose `party_id` moved from the merged party to the survivor.
    var moved: [String: [UUID]]
    var relatedMoved: [UUID]
    var rolesMovedAsPerson: [UUID]
    var rolesMovedAsOrganisation: [UUID]
    /// Rows that would have duplicated the survivor's own (same organisation twice, a link to itself): removed, restored by undo.
    var removedRoles: [ContactRole]
    var removedRelationships: [Relationship]
    var accountMoved: Bool
    var fieldConflicts: [FieldConflict]
}

struct MergeRow: Codable, Sendable {
    var id: UUID
    var survivorId: UUID
    var mergedId: UUID
    var rule: MergeRule
    /// 1, 2, 3… per survivor: the order merges into it happened, for undoing newest first.
    var position: Int
    /// What the card and the API show (JSON): counts per kind and the field conflicts. The
    /// snapshot, which can be large, is read only by an undo.
    var moved: String
    var fieldConflicts: String
    var snapshot: String
    var mergedAt: Date
    var undoneAt: Date?

    init(id: UUID, survivorId: UUID, mergedId: UUID, rule: MergeRule, position: Int, snapshot s: MergeSnapshot, mergedAt: Date) throws {
        var counts = s.moved.mapValues(\.count).filter { $0.value > 0 }
        if !s.relatedMoved.isEmpty { counts["relationships_as_related"] = s.relatedMoved.count }
        let roles = s.rolesMovedAsPerson.count + s.rolesMovedAsOrganisation.count
        if roles > 0 { counts["contact_roles"] = roles }
        if s.accountMoved { counts["accounts"] = 1 }
        self.id = id; self.survivorId = survivorId; self.mergedId = mergedId; self.rule = rule; self.position = position
        self.moved = String(decoding: try JSONEncoder().encode(counts), as: UTF8.self)
        self.fieldConflicts = String(decoding: try JSONEncoder().encode(s.fieldConflicts), as: UTF8.self)
        self.snapshot = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        self.mergedAt = mergedAt; self.undoneAt = nil
    }

    func record() throws -> MergeRecord {
        MergeRecord(id: id, survivorId: survivorId, mergedId: mergedId, rule: rule, mergedAt: mergedAt, undoneAt: undoneAt,
                    moved: try JSONDecoder().decode([String: Int].self, from: Data(moved.utf8)),
                    fieldConflicts: try JSONDecoder().decode([FieldConflict].self, from: Data(fieldConflicts.utf8)))
    }
}

/// Merging duplicate parties and undoing a merge, in one transaction each.
public struct MergeStore: Sendable {
    let database: Database
    public init(database: Database) { self.database = database }

    /// Tables whose rows belong to a party through `party_id` and move with it.
    static let ownedTables = ["identities", "interactions", "party_facts", "consents", "orders", "requests", "contracts", "invoices",
                              "payments", "bundles", "relationships"]
    static let chunk = 500

    public func merge(survivorId: UUID, mergedId: UUID, rule: MergeRule, id: UUID, at now: Date) async throws -> MergeRecord {
        let engine = database.engine
        return try await database.write { db in
            guard survivorId != mergedId else {
                throw RapportError(.invalid, code: "merge_self", message: "a party cannot be merged into itself", messageRu: "контрагента нельзя объединить с самим собой")
            }
            // Both rows locked in id order, so two merges of the same pair cannot deadlock.
            let (first, second) = survivorId.uuidString < mergedId.uuidString ? (survivorId, mergedId) : (mergedId, survivorId)
            let firstParty = try await Self.live(first, on: db, exclusive: true)
            let secondParty = try await Self.live(second, on: db, exclusive: true)
            let (survivor, merged) = first == survivorId ? (firstParty, secondParty) : (secondParty, firstParty)
            guard survivor.kind == merged.kind else {
                throw RapportError(.invalid, code: "merge_kind_mismatch", message: "a person and an organisation cannot be merged",
                                   messageRu: "физическое лицо и организацию объединить нельзя")
            }
            let survivorAccount = try await db.exists("accounts", id: survivorId, key: "party_id")
            let mergedAccount = try await db.exists("accounts", id: mergedId, key: "party_id")
            if survivorAccount && mergedAccount {
                throw RapportError(.conflict, code: "merge_account_conflict", message: "both parties have an account; settle one first",
                                   messageRu: "у обоих контрагентов есть лицевой счёт; сначала закройте один из них")
            }
            let (updated, conflicts) = try survivor.merged(with: merged, rule: rule, now: now)
            var snapshot = MergeSnapshot(survivorBefore: survivor, survivorAfter: updated, mergedBefore: merged, moved: [:], relatedMoved: [], rolesMovedAsPerson: [],
                                         rolesMovedAsOrganisation: [], removedRoles: [], removedRelationships: [],
                                         accountMoved: mergedAccount, fieldConflicts: conflicts)
            // A relationship between the two would become a link to itself; a contact role at an
            // organisation the survivor already represents would be a duplicate.
            let selfLinks = try await db.select().column("*").from("relationships")
                .where(group: { $0.where("party_id", .equal, SQLBind(survivorId)).where("related_party_id", .equal, SQLBind(mergedId)) })
                .orWhere(group: { $0.where("party_id", .equal, SQLBind(mergedId)).where("related_party_id", .equal, SQLBind(survivorId)) })
                .all().records(Relationship.self)
            snapshot.removedRelationships = selfLinks
            try await Self.delete("relationships", ids: selfLinks.map(\.id), on: db)
            let roles = try await db.select().column("*").from("contact_roles")
                .where("person_id", .equal, SQLBind(mergedId)).orWhere("organisation_id", .equal, SQLBind(mergedId)).all().records(ContactRole.self)
            let survivorRoles = try await db.select().column("*").from("contact_roles")
                .where("person_id", .equal, SQLBind(survivorId)).orWhere("organisation_id", .equal, SQLBind(survivorId)).all().records(ContactRole.self)
            for role in roles {
                let clash = role.personId == mergedId
                    ? survivorRoles.contains { $0.personId == survivorId && $0.organisationId == role.organisationId }
                    : survivorRoles.contains { $0.organisationId == survivorId && $0.personId == role.personId }
                if clash {
                    snapshot.removedRoles.append(role)
                } else if role.personId == mergedId {
                    snapshot.rolesMovedAsPerson.append(role.id)
                } else {
                    snapshot.rolesMovedAsOrganisation.append(role.id)
                }
            }
            try await Self.delete("contact_roles", ids: snapshot.removedRoles.map(\.id), on: db)
            try await Self.reassign("contact_roles", column: "person_id", ids: snapshot.rolesMovedAsPerson, from: mergedId, to: survivorId, on: db)
            try await Self.reassign("contact_roles", column: "organisation_id", ids: snapshot.rolesMovedAsOrganisation, from: mergedId, to: survivorId, on: db)
            // Two current facts with the same key: the newer stays current, the older becomes history.
            let survivorFacts = try await ProfileStore.facts(of: survivorId, history: false, on: db)
            let mergedFacts = try await ProfileStore.facts(of: mergedId, history: false, on: db)
            for theirs in mergedFacts {
                guard let ours = survivorFacts.first(where: { $0.key == theirs.key }) else { continue }
                let (older, newer) = ours.recordedAt >= theirs.recordedAt ? (theirs, ours) : (ours, theirs)
                try await db.update("party_facts").set("superseded_at", to: SQLBind(now)).set("superseded_by", to: SQLBind(newer.id))
                    .where("id", .equal, SQLBind(older.id)).run()
            }
            for table in Self.ownedTables {
                let ids = try await db.select().column("id").from(table).where("party_id", .equal, SQLBind(mergedId)).all()
                    .map { try $0.decode(column: "id", as: UUID.self) }
                snapshot.moved[table] = ids
                try await Self.reassign(table, column: "party_id", ids: ids, from: mergedId, to: survivorId, on: db)
            }
            snapshot.relatedMoved = try await db.select().column("id").from("relationships").where("related_party_id", .equal, SQLBind(mergedId)).all()
                .map { try $0.decode(column: "id", as: UUID.self) }
            try await Self.reassign("relationships", column: "related_party_id", ids: snapshot.relatedMoved, from: mergedId, to: survivorId, on: db)
            if mergedAccount {
                try await db.update("accounts").set("party_id", to: SQLBind(survivorId)).where("party_id", .equal, SQLBind(mergedId)).run()
            }
            // Review pairs: the merged pair is settled; other pairs of the merged party now concern the survivor.
            try await db.delete(from: "duplicate_hints")
                .where(group: { $0.where("party_id", .equal, SQLBind(survivorId)).where("other_party_id", .equal, SQLBind(mergedId)) })
                .orWhere(group: { $0.where("party_id", .equal, SQLBind(mergedId)).where("other_party_id", .equal, SQLBind(survivorId)) }).run()
            try await db.update("duplicate_hints").set("party_id", to: SQLBind(survivorId)).where("party_id", .equal, SQLBind(mergedId)).run()
            try await db.update("duplicate_hints").set("other_party_id", to: SQLBind(survivorId)).where("other_party_id", .equal, SQLBind(mergedId)).run()
            try await db.updateRecord("parties", id: survivorId, updated)
            var tombstone = merged
            tombstone.mergedIntoId = survivorId
            tombstone.updatedAt = now
            try await db.updateRecord("parties", id: mergedId, tombstone)
            try await SearchIndex.removeParty(mergedId, on: db, engine: engine)
            try await SearchIndex.refreshParty(survivorId, on: db, engine: engine)
            let last = try await db.select().column(SQLFunction("MAX", args: SQLIdentifier("position")), as: "n").from("merges")
                .where("survivor_id", .equal, SQLBind(survivorId)).first()?.decode(column: "n", as: Int?.self) ?? nil
            let row = try MergeRow(id: id, survivorId: survivorId, mergedId: mergedId, rule: rule, position: (last ?? 0) + 1,
                                   snapshot: snapshot, mergedAt: now)
            try await db.insertRecord("merges", row)
            try await db.appendEvent("party.merged", aggregateId: survivorId, at: now, payload: ["merged_id": mergedId.uuidString.lowercased()])
            return try row.record()
        }
    }

    /// Restores both parties as they were before the merge; what was added to the survivor since stays there.
    public func undo(_ mergeId: UUID, at now: Date) async throws -> MergeRecord {
        let engine = database.engine
        return try await database.write { db in
            guard var row = try await db.record(MergeRow.self, from: "merges", id: mergeId) else {
                throw RapportError.notFound("merge", mergeId.uuidString.lowercased())
            }
            guard row.undoneAt == nil else {
                throw RapportError(.conflict, code: "merge_already_undone", message: "this merge was already undone", messageRu: "это объединение уже отменено")
            }
            // First: an erased survivor (whose merge snapshots were wiped with it) cannot be un-merged.
            let survivor = try await Self.live(row.survivorId, on: db, exclusive: true)
            let snapshot = try JSONDecoder().decode(MergeSnapshot.self, from: Data(row.snapshot.utf8))
            guard snapshot.version == 1 else {
                throw RapportError(.conflict, code: "merge_snapshot_unknown", message: "this merge was recorded in a format this version cannot undo",
                                   messageRu: "это объединение записано в формате, который эта версия не умеет отменять")
            }
            let later = try await db.select().column("id").from("merges").where("survivor_id", .equal, SQLBind(row.survivorId))
                .where("position", .greaterThan, SQLBind(row.position)).where("undone_at", .is, SQLLiteral.null).first()
            if later != nil {
                throw RapportError(.conflict, code: "merge_not_latest", message: "a later merge into the same party must be undone first",
                                   messageRu: "сначала отмените более позднее объединение с этим контрагентом")
            }
            for (table, ids) in snapshot.moved {
                try await Self.reassign(table, column: "party_id", ids: ids, from: row.survivorId, to: row.mergedId, on: db)
            }
            try await Self.reassign("relationships", column: "related_party_id", ids: snapshot.relatedMoved, from: row.survivorId, to: row.mergedId, on: db)
            try await Self.reassign("contact_roles", column: "person_id", ids: snapshot.rolesMovedAsPerson, from: row.survivorId, to: row.mergedId, on: db)
            try await Self.reassign("contact_roles", column: "organisation_id", ids: snapshot.rolesMovedAsOrganisation, from: row.survivorId, to: row.mergedId, on: db)
            for role in snapshot.removedRoles { try await db.insertRecord("contact_roles", role) }
            for relationship in snapshot.removedRelationships { try await db.insertRecord("relationships", relationship) }
            // Facts went back with their party; each key again has exactly one current fact per party.
            try await ProfileStore.settleCurrentFacts(of: row.survivorId, at: now, on: db)
            try await ProfileStore.settleCurrentFacts(of: row.mergedId, at: now, on: db)
            if snapshot.accountMoved {
                try await db.update("accounts").set("party_id", to: SQLBind(row.mergedId)).where("party_id", .equal, SQLBind(row.survivorId)).run()
            }
            let restored = try survivor.undoingMerge(before: snapshot.survivorBefore, after: snapshot.survivorAfter ?? survivor, now: now)
            try await db.updateRecord("parties", id: row.survivorId, restored)
            var merged = snapshot.mergedBefore
            merged.updatedAt = now
            try await db.updateRecord("parties", id: row.mergedId, merged)
            try await SearchIndex.refreshParty(row.survivorId, on: db, engine: engine)
            try await SearchIndex.refreshParty(row.mergedId, on: db, engine: engine)
            row.undoneAt = now
            try await db.update("merges").set("undone_at", to: SQLBind(now)).where("id", .equal, SQLBind(mergeId)).run()
            try await db.appendEvent("party.unmerged", aggregateId: row.survivorId, at: now, payload: ["merged_id": row.mergedId.uuidString.lowercased()])
            return try row.record()
        }
    }

    public func get(_ id: UUID) async throws -> MergeRecord? {
        try await database.read { db in try await db.record(MergeRow.self, from: "merges", id: id)?.record() }
    }

    /// Merges into or out of a party, newest first.
    public func merges(of partyId: UUID) async throws -> [MergeRecord] {
        try await database.read { db in try await Self.merges(of: partyId, on: db) }
    }

    static func merges(of partyId: UUID, on db: any SQLDatabase) async throws -> [MergeRecord] {
        try await db.select().column("*").from("merges").where("survivor_id", .equal, SQLBind(partyId))
            .orWhere("merged_id", .equal, SQLBind(partyId)).orderBy("merged_at", .descending).orderBy("position", .descending).limit(50).all()
            .map { try $0.decode(model: MergeRow.self, with: recordDecoder).record() }
    }

    /// The party, unless it was merged away. Inside a write: on PostgreSQL the row is locked (shared
    /// for ordinary writes, exclusive for merge and undo), so a record cannot slip onto a party
    /// another node is merging at the same moment. SQLite has one writer; nothing to lock.
    static func live(_ id: UUID, on db: any SQLDatabase, exclusive: Bool = false) async throws -> Party {
        let lock: SQLQueryString = db.dialect.name == "postgresql" ? (exclusive ? " FOR UPDATE" : " FOR SHARE") : ""
        guard let party = try await db.raw("SELECT * FROM parties WHERE id = \(bind: id)" + lock).first()?
            .decode(model: Party.self, with: recordDecoder) else {
            throw RapportError.notFound("party", id.uuidString.lowercased())
        }
        if party.erasedAt != nil {
            throw RapportError(.conflict, code: "party_erased", message: "the party's personal data was erased; it takes no new records",
                               messageRu: "персональные данные контрагента удалены; новые записи к нему не добавляются")
        }
        if let into = party.mergedIntoId {
            throw RapportError(.conflict, code: "party_merged", message: "the party was merged into \(into.uuidString.lowercased())",
                               messageRu: "контрагент объединён с \(into.uuidString.lowercased())", details: ["merged_into_id": into.uuidString.lowercased()])
        }
        return party
    }

    static func reassign(_ table: String, column: String, ids: [UUID], from: UUID, to: UUID, on db: any SQLDatabase) async throws {
        for chunk in ids.chunked(chunk) {
            try await db.update(table).set(SQLIdentifier(column), to: SQLBind(to))
                .where("id", .in, SQLBind.group(Array(chunk))).where(SQLIdentifier(column), .equal, SQLBind(from)).run()
        }
    }

    static func delete(_ table: String, ids: [UUID], on db: any SQLDatabase) async throws {
        for chunk in ids.chunked(chunk) {
            try await db.delete(from: table).where("id", .in, SQLBind.group(Array(chunk))).run()
        }
    }

    // MARK: Duplicates

    /// Records that a party tried to claim an address another party holds (an import, a form).
    public func recordDuplicateHint(partyId: UUID, otherPartyId: UUID, reason: String, detail: String, at now: Date) async throws {
        guard partyId != otherPartyId else { return }
        try await database.write { db in
            let known = try await db.select().column("id").from("duplicate_hints").where("party_id", .equal, SQLBind(partyId))
                .where("other_party_id", .equal, SQLBind(otherPartyId)).where("reason", .equal, SQLBind(reason)).first()
            guard known == nil else { return }
            try await db.insert(into: "duplicate_hints").columns("id", "party_id", "other_party_id", "reason", "detail", "created_at")
                .values(SQLBind(UUID.timeOrdered(at: now)), SQLBind(partyId), SQLBind(otherPartyId), SQLBind(reason), SQLBind(detail), SQLBind(now)).run()
        }
    }

    /// Pairs that may be one customer: addresses claimed twice, persons with the same (transliterated)
    /// name and birth date, organisations with the same tax id. Merged parties are left out.
    public func duplicateCandidates(limit: Int) async throws -> [DuplicateCandidate] {
        try await database.read { db in
            var out: [DuplicateCandidate] = []
            let hints = try await db.raw("""
                SELECT h.party_id, h.other_party_id, h.reason, h.detail, a.display_name AS a_name, b.display_name AS b_name
                FROM duplicate_hints h JOIN parties a ON a.id = h.party_id JOIN parties b ON b.id = h.other_party_id
                WHERE a.merged_into_id IS NULL AND b.merged_into_id IS NULL ORDER BY h.id DESC LIMIT \(literal: limit)
                """).all()
            for r in hints {
                out.append(DuplicateCandidate(partyId: try r.decode(column: "party_id", as: UUID.self), otherPartyId: try r.decode(column: "other_party_id", as: UUID.self),
                                              reason: try r.decode(column: "reason", as: String.self), detail: try r.decode(column: "detail", as: String.self),
                                              displayName: try r.decode(column: "a_name", as: String?.self), otherDisplayName: try r.decode(column: "b_name", as: String?.self)))
            }
            let pairs = try await db.raw("""
                SELECT a.id AS a_id, b.id AS b_id, a.display_name AS a_name, b.display_name AS b_name, a.birth_date AS born, a.name_key AS a_key, b.name_key AS b_key
                FROM parties a JOIN parties b ON b.name_key = a.name_key AND b.birth_date = a.birth_date AND b.id > a.id
                WHERE a.kind = 'person' AND a.birth_date IS NOT NULL AND a.name_key IS NOT NULL
                  AND a.merged_into_id IS NULL AND b.merged_into_id IS NULL
                LIMIT \(literal: limit)
                """).all()
            for r in pairs {
                let a = try r.decode(column: "a_name", as: String.self), b = try r.decode(column: "b_name", as: String.self)
                let born = try r.decode(column: "born", as: String.self)
                out.append(DuplicateCandidate(partyId: try r.decode(column: "a_id", as: UUID.self), otherPartyId: try r.decode(column: "b_id", as: UUID.self),
                                              reason: NameKey.fold(a) == NameKey.fold(b) ? "name_and_birth_date" : "transliterated_name_and_birth_date",
                                              detail: "birth date \(born)", displayName: a, otherDisplayName: b))
            }
            let orgs = try await db.raw("""
                SELECT a.id AS a_id, b.id AS b_id, a.display_name AS a_name, b.display_name AS b_name, a.inn AS inn
                FROM parties a JOIN parties b ON b.inn = a.inn AND b.id > a.id AND (a.kpp IS NULL OR b.kpp IS NULL OR a.kpp = b.kpp)
                WHERE a.kind = 'organisation' AND a.inn IS NOT NULL AND a.merged_into_id IS NULL AND b.merged_into_id IS NULL
                LIMIT \(literal: limit)
                """).all()
            for r in orgs {
                out.append(DuplicateCandidate(partyId: try r.decode(column: "a_id", as: UUID.self), otherPartyId: try r.decode(column: "b_id", as: UUID.self),
                                              reason: "same_tax_id", detail: "INN \(try r.decode(column: "inn", as: String.self))",
                                              displayName: try r.decode(column: "a_name", as: String.self), otherDisplayName: try r.decode(column: "b_name", as: String.self)))
            }
            return Array(out.prefix(limit))
        }
    }
}

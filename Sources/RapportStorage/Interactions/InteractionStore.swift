import Foundation
import RapportCore
import SQLKit

public struct TimelineQuery: Sendable {
    public var partyId: UUID
    public var channels: [Channel]
    public var limit: Int
    public var cursor: String?

    public init(partyId: UUID, channels: [Channel] = [], limit: Int = 50, cursor: String? = nil) {
        self.partyId = partyId; self.channels = channels; self.limit = limit; self.cursor = cursor
    }
}

/// The information trail. Append-only: there is no update; a correction is a new entry.
public struct InteractionStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func append(_ interaction: Interaction) async throws -> Interaction {
        let engine = database.engine
        return try await database.write { db in
            try await Self.insert(interaction, on: db, engine: engine)
            return interaction
        }
    }

    /// Appends inside a caller's transaction: references checked, the search index and the outbox
    /// written with it.
    static func insert(_ interaction: Interaction, on db: any SQLDatabase, engine: SQLEngine) async throws {
        try await RecordTable<Interaction>.check([
            Reference(table: "parties", id: interaction.partyId, entity: "party"),
            Reference(table: "requests", id: interaction.requestId, entity: "request"),
            Reference(table: "orders", id: interaction.orderId, entity: "order"),
            Reference(table: "interactions", id: interaction.correctsId, entity: "interaction"),
        ], on: db)
        try await db.insertRecord("interactions", interaction)
        try await SearchIndex.indexInteraction(interaction, on: db, engine: engine)
        try await db.appendEvent("interaction.recorded", aggregateId: interaction.id, at: interaction.createdAt,
                                 payload: ["channel": interaction.channel.rawValue, "direction": interaction.direction.rawValue])
    }

    /// Gives an entry recorded without a party (an unidentified contact) its party, once.
    public func assign(_ id: UUID, to partyId: UUID, at now: Date) async throws -> Interaction {
        try await database.write { db in
            guard var interaction = try await db.record(Interaction.self, from: "interactions", id: id) else {
                throw RapportError.notFound("interaction", id.uuidString.lowercased())
            }
            guard interaction.partyId == nil else {
                throw RapportError(.conflict, code: "interaction_already_assigned", message: "the interaction already belongs to a party",
                                   messageRu: "взаимодействие уже относится к контрагенту")
            }
            _ = try await MergeStore.live(partyId, on: db)
            try await db.update("interactions").set("party_id", to: SQLBind(partyId)).where("id", .equal, SQLBind(id)).run()
            try await db.appendEvent("interaction.assigned", aggregateId: id, at: now, payload: ["party_id": partyId.uuidString.lowercased()])
            interaction.partyId = partyId
            return interaction
        }
    }

    public func get(_ id: UUID) async throws -> Interaction? {
        try await database.read { db in try await db.record(Interaction.self, from: "interactions", id: id) }
    }

    /// A party's trail, newest first, optionally only some channels; keyset-paged on (occurred_at, id).
    public func timeline(_ query: TimelineQuery) async throws -> Page<Interaction> {
        let after = try query.cursor.map(TimelineCursor.init(parsing:))
        let engine = database.engine
        return try await database.read { db in
            var q = db.select().column("*").from("interactions").where("party_id", .equal, SQLBind(query.partyId))
            if !query.channels.isEmpty {
                q = q.where("channel", .in, SQLBind.group(query.channels.map(\.rawValue)))
            }
            if let after {
                let at = TimeBinding.bind(after.seconds, engine: engine)
                q = q.where(group: { g in
                    g.where("occurred_at", .lessThan, SQLBind(at))
                        .orWhere(group: { $0.where("occurred_at", .equal, SQLBind(at)).where("id", .lessThan, SQLBind(after.id)) })
                })
            }
            let rows = try await q.orderBy("occurred_at", .descending).orderBy("id", .descending).limit(query.limit + 1).all()
            let items = try rows.prefix(query.limit).records(Interaction.self)
            guard rows.count > query.limit, let last = items.last else { return Page(items: items, nextCursor: nil) }
            let seconds = try TimeBinding.cursorSeconds(rows[query.limit - 1], column: "occurred_at", engine: engine)
            return Page(items: items, nextCursor: TimelineCursor(seconds: seconds, id: last.id).text)
        }
    }

    public func count() async throws -> Int {
        try await database.read { db in
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("interactions").first()!
                .decode(column: "n", as: Int.self)
        }
    }
}

/// Opaque position in a timeline: the last entry's time and id.
struct TimelineCursor {
    /// The last entry's time exactly as stored (see `TimeBinding`).
    let seconds: Double
    let id: UUID

    init(seconds: Double, id: UUID) {
        self.seconds = seconds
        self.id = id
    }

    init(parsing text: String) throws {
        let parts = text.split(separator: "_")
        guard parts.count == 2, let seconds = Double(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            throw RapportError.invalidField("cursor", code: "invalid_cursor", "not a cursor returned by this list", "курсор не от этого списка")
        }
        self.seconds = seconds
        self.id = id
    }

    var text: String { "\(seconds)_\(id.uuidString.lowercased())" }
}

extension InteractionStore {
    /// All interactions in creation order, a page at a time (exports).
    public func all(page: PageRequest) async throws -> Page<Interaction> {
        try await database.read { db in
            try await db.select().column("*").from("interactions").page(page).all().records(Interaction.self).paged(page, id: \.id)
        }
    }
}

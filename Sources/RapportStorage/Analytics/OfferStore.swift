import Foundation
import RapportCore
import SQLiteNIO
import SQLKit

/// The offer catalogue, tariff rates, call detail records, and offers presented / accepted / declined.
public struct OfferStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Catalogue

    public func create(_ offer: Offer) async throws -> Offer {
        try await database.write { db in
            if try await db.select().column("id").from("offers").where("key", .equal, SQLBind(offer.key)).first() != nil {
                throw RapportError(.conflict, code: "offer_exists", message: "offer \(offer.key) already exists", messageRu: "предложение \(offer.key) уже есть")
            }
            if let item = offer.itemId { try await db.require("catalogue_items", id: item, entity: "catalogue_item") }
            try await db.insertRecord("offers", try OfferRow(offer))
            try await db.appendEvent("offer.created", aggregateId: offer.id, at: offer.createdAt)
            return offer
        }
    }

    public func update(_ offer: Offer) async throws -> Offer {
        try await database.write { db in
            if let item = offer.itemId { try await db.require("catalogue_items", id: item, entity: "catalogue_item") }
            try await db.updateRecord("offers", id: offer.id, try OfferRow(offer))
            try await db.appendEvent("offer.changed", aggregateId: offer.id, at: offer.updatedAt)
            return offer
        }
    }

    public func offer(_ key: String) async throws -> Offer? {
        try await database.read { db in
            try await db.select().columns("*").from("offers").where("key", .equal, SQLBind(key)).first(decoding: OfferRow.self, with: recordDecoder)?.offer
        }
    }

    public func offers(activeOnly: Bool = false) async throws -> [Offer] {
        try await database.read { db in
            var q = db.select().columns("*").from("offers")
            if activeOnly { q = q.where("active", .equal, SQLBind(true)) }
            return try await q.orderBy("key").all(decoding: OfferRow.self, with: recordDecoder).map { try $0.offer }
        }
    }

    // MARK: Tariffs

    public func setRates(item: UUID, rates: [TariffRate]) async throws -> TariffPlan {
        try await database.write { db in
            guard let kind = try await db.select().column("kind").from("catalogue_items").where("id", .equal, SQLBind(item)).first()?
                .decode(column: "kind", as: String.self) else { throw RapportError.notFound("catalogue_item", item.uuidString.lowercased()) }
            guard kind == CatalogueItemKind.tariff.rawValue else {
                throw RapportError(.invalid, code: "not_a_tariff", message: "only a catalogue item of kind tariff has rates",
                                   messageRu: "тарифы задаются только для позиции каталога вида tariff")
            }
            try await db.delete(from: "tariff_rates").where("item_id", .equal, SQLBind(item)).run()
            for r in rates {
                try await db.insert(into: "tariff_rates").columns("item_id", "destination", "per_minute_minor", "included_minutes")
                    .values(SQLBind(item), SQLBind(r.destination), SQLBind(r.perMinuteMinor), SQLBind(r.includedMinutes)).run()
            }
            try await db.appendEvent("tariff.rates_changed", aggregateId: item, at: Date())
            let row = try await db.select().columns("sku", "name", "price_minor", "currency").from("catalogue_items").where("id", .equal, SQLBind(item)).first()!
            return TariffPlan(itemId: item, sku: try row.decode(column: "sku", as: String.self), name: try row.decode(column: "name", as: String.self),
                              monthlyFeeMinor: try row.decode(column: "price_minor", as: Int64.self), currency: try row.decode(column: "currency", as: String.self),
                              rates: rates)
        }
    }

    /// Active tariffs with their rates (a tariff without rates cannot price calls and is left out).
    public func plans() async throws -> [TariffPlan] {
        try await database.read { db in try await Self.plans(on: db) }
    }

    static func plans(on db: any SQLDatabase) async throws -> [TariffPlan] {
        var plans: [UUID: TariffPlan] = [:]
        for r in try await db.raw("""
            SELECT c.id, c.sku, c.name, c.price_minor, c.currency, r.destination, r.per_minute_minor, r.included_minutes
            FROM catalogue_items c JOIN tariff_rates r ON r.item_id = c.id WHERE c.kind = 'tariff' AND c.active = \(bind: true)
            """).all() {
            let row = RowReader(r)
            let id = try row.required(try row.uuid("id"), "id")
            let rate = TariffRate(destination: try row.required(try row.string("destination"), "destination"),
                                  perMinuteMinor: Int64(try row.int("per_minute_minor") ?? 0), includedMinutes: try row.int("included_minutes") ?? 0)
            if plans[id] == nil {
                plans[id] = TariffPlan(itemId: id, sku: try row.string("sku") ?? "", name: try row.string("name") ?? "",
                                       monthlyFeeMinor: Int64(try row.int("price_minor") ?? 0), currency: try row.string("currency") ?? "RUB", rates: [])
            }
            plans[id]!.rates.append(rate)
        }
        return plans.values.sorted { $0.sku < $1.sku }
    }

    // MARK: Usage

    /// Imports call detail records all or nothing: every record's customer must be known.
    /// Records with an `external_id` already imported are skipped (a re-sent file is harmless).
    /// Returns (imported, skipped).
    public func importUsage(_ records: [UsageRecordInput], now: Date) async throws -> (imported: Int, skipped: Int) {
        let validated = try records.enumerated().map { i, r in try r.validated(at: "records[\(i)]") }
        let sqlite = database.sqliteWriter
        return try await database.write { db in
            // Resolve customers: by id, by phone (normalised E.164 as stored), by contract number.
            var byPhone: [String: UUID] = [:], byContract: [String: UUID] = [:], known: Set<UUID> = []
            let ids = Set(records.compactMap(\.partyId)), phones = Set(records.compactMap(\.phone)), contracts = Set(records.compactMap(\.contractNumber))
            for chunk in Array(ids).chunked(500) {
                for r in try await db.select().column("id").from("parties").where("id", .in, Array(chunk))
                    .where("merged_into_id", .is, SQLLiteral.null).all() {
                    known.insert(try r.decode(column: "id", as: UUID.self))
                }
            }
            for chunk in Array(phones).chunked(500) {
                for r in try await db.select().columns("normalized", "party_id").from("identities").where("kind", .equal, SQLBind("phone"))
                    .where("normalized", .in, Array(chunk)).all() {
                    byPhone[try r.decode(column: "normalized", as: String.self)] = try r.decode(column: "party_id", as: UUID.self)
                }
            }
            for chunk in Array(contracts).chunked(500) {
                for r in try await db.select().columns("number", "party_id").from("contracts").where("number", .in, Array(chunk)).all() {
                    byContract[try r.decode(column: "number", as: String.self)] = try r.decode(column: "party_id", as: UUID.self)
                }
            }
            var external: Set<String> = []
            let externals = records.compactMap(\.externalId)
            for chunk in externals.chunked(500) {
                for r in try await db.select().column("external_id").from("usage_records").where("external_id", .in, Array(chunk)).all() {
                    external.insert(try r.decode(column: "external_id", as: String.self))
                }
            }
            var rows: [UsageRecordRow] = []
            rows.reserveCapacity(records.count)
            var skipped = 0
            for (i, r) in records.enumerated() {
                let party: UUID?
                if let id = r.partyId { party = known.contains(id) ? id : nil }
                else if let phone = r.phone { party = byPhone[phone] }
                else { party = r.contractNumber.flatMap { byContract[$0] } }
                guard let party else {
                    throw RapportError(.invalid, code: "unknown_customer", message: "records[\(i)]: no customer with this party id, phone or contract",
                                       messageRu: "records[\(i)]: клиент с таким id, телефоном или договором не найден", details: ["field": "records[\(i)]"])
                }
                let v = validated[i]
                if let e = v.externalId {
                    guard external.insert(e).inserted else { skipped += 1; continue }
                }
                rows.append(UsageRecordRow(id: .timeOrdered(at: now), partyId: party, externalId: v.externalId, occurredOn: v.date.description,
                                           destination: v.destination, seconds: v.seconds, costMinor: v.costMinor, createdAt: now))
            }
            if let sqlite {
                for chunk in rows.chunked(4000) { try await SQLiteBulkInsert.insert(chunk, on: sqlite) }
            } else {
                for chunk in rows.chunked(1000) { try await db.insertRecords("usage_records", chunk) }
            }
            return (rows.count, skipped)
        }
    }

    /// Usage per party, month and destination between two days (inclusive), with minutes billed
    /// per started minute of each call; `party` narrows it to one customer.
    public func usage(from: CivilDate, to: CivilDate, party: UUID? = nil) async throws -> [UsageSummary] {
        try await database.read { db in
            var q: SQLQueryString = """
                SELECT party_id, SUBSTR(occurred_on, 1, 7) AS month, destination, CAST(SUM((seconds + 59) / 60) AS BIGINT) AS minutes,
                       CAST(SUM(cost_minor) AS BIGINT) AS cost
                FROM usage_records WHERE occurred_on >= \(bind: from.description) AND occurred_on <= \(bind: to.description)
                """
            if let party { q = q + " AND party_id = \(bind: party)" }
            q = q + " GROUP BY party_id, SUBSTR(occurred_on, 1, 7), destination ORDER BY party_id"
            var out: [UsageSummary] = []
            for r in try await db.raw(q).all() {
                let row = RowReader(r)
                let id = try row.required(try row.uuid("party_id"), "party_id")
                let line = UsageSummary.Line(month: try row.string("month") ?? "", destination: try row.string("destination") ?? "",
                                             billedMinutes: try row.int("minutes") ?? 0, costMinor: Int64(try row.int("cost") ?? 0))
                if out.last?.partyId == id { out[out.count - 1].lines.append(line) } else { out.append(UsageSummary(partyId: id, lines: [line], currentItemId: nil)) }
            }
            // The tariff each customer is on: a tariff line of their active contract.
            let current = try await Self.currentTariffs(party: party, on: db)
            for i in out.indices { out[i].currentItemId = current[out[i].partyId] }
            return out
        }
    }

    static func currentTariffs(party: UUID?, on db: any SQLDatabase) async throws -> [UUID: UUID] {
        var q: SQLQueryString = """
            SELECT c.party_id, l.item_id FROM contracts c JOIN contract_lines l ON l.contract_id = c.id
            JOIN catalogue_items i ON i.id = l.item_id WHERE c.status = 'active' AND i.kind = 'tariff'
            """
        if let party { q = q + " AND c.party_id = \(bind: party)" }
        var out: [UUID: UUID] = [:]
        for r in try await db.raw(q).all() {
            let row = RowReader(r)
            out[try row.required(try row.uuid("party_id"), "party_id")] = try row.uuid("item_id")
        }
        return out
    }

    /// Parties merged away or erased (their records are not offered anything).
    public func gone() async throws -> Set<UUID> {
        try await database.read { db in
            Set(try await db.raw("SELECT id FROM parties WHERE merged_into_id IS NOT NULL OR erased_at IS NOT NULL").all()
                .map { try RowReader($0).required(try RowReader($0).uuid("id"), "id") })
        }
    }

    /// Parties whose consents in force allow `purpose` on some channel, among `parties` (nil: all).
    public func consenting(purpose: String, parties: [UUID]?) async throws -> Set<UUID> {
        try await database.read { db in
            var history: [UUID: [Consent]] = [:]
            var q: SQLQueryString = "SELECT id, party_id, channel, granted, recorded_at FROM consents WHERE purpose = \(bind: purpose)"
            if let parties, parties.count <= 500 {
                q = q + " AND party_id IN ("
                for (i, p) in parties.enumerated() { q = q + (i == 0 ? "" : ", ") + "\(bind: p)" }
                q = q + ")"
            }
            for r in try await db.raw(q).all() {
                let row = RowReader(r)
                let party = try row.required(try row.uuid("party_id"), "party_id")
                history[party, default: []].append(Consent(id: try row.required(try row.uuid("id"), "id"), partyId: party, purpose: purpose,
                                                           channel: try row.string("channel").flatMap(PreferredChannel.init(rawValue:)),
                                                           granted: try row.bool("granted") ?? false, source: .system, interactionId: nil, textVersion: nil,
                                                           recordedAt: try row.date("recorded_at") ?? .distantPast))
            }
            return Set(history.filter { ConsentSummary.allowsAny(ConsentSummary.current($0.value), purpose: purpose) }.keys)
        }
    }

    // MARK: Responses

    /// Records a response with its trail entry, in one transaction.
    public func record(_ response: OfferResponse, entry: Interaction) async throws -> OfferResponse {
        let engine = database.engine
        return try await database.write { db in
            try await InteractionStore.insert(entry, on: db, engine: engine)
            if let campaign = response.campaignId { try await db.require("campaigns", id: campaign, entity: "campaign") }
            try await db.insertRecord("offer_responses", OfferResponseRow(response))
            try await db.appendEvent("offer.\(response.response.rawValue)", aggregateId: response.id, at: response.recordedAt,
                                     payload: ["offer": response.offerKey])
            return response
        }
    }

    public func responses(party: UUID, limit: Int = 50) async throws -> [OfferResponse] {
        try await database.read { db in
            try await db.raw("""
                SELECT r.*, o.key AS offer_key FROM offer_responses r JOIN offers o ON o.id = r.offer_id
                WHERE r.party_id = \(bind: party) ORDER BY r.recorded_at DESC LIMIT \(bind: limit)
                """).all().map { r in
                    try r.decode(model: OfferResponseRow.self, with: recordDecoder).value(key: try r.decode(column: "offer_key", as: String.self))
                }
        }
    }

    /// Offers declined by the party within `days` days (not offered again meanwhile).
    public func recentlyDeclined(party: UUID, since: Date) async throws -> Set<UUID> {
        try await database.read { db in
            Set(try await db.raw("""
                SELECT offer_id FROM offer_responses WHERE party_id = \(bind: party) AND response IN ('declined', 'accepted') AND recorded_at >= \(bind: since)
                """).all().map { try RowReader($0).required(try RowReader($0).uuid("offer_id"), "offer_id") })
        }
    }

    /// Acceptance per offer over [from, to).
    public func acceptance(from: Date, to: Date) async throws -> [OfferAcceptance] {
        try await database.readReport { db in
            try await db.raw("""
                SELECT o.id, o.key, o.name,
                  SUM(CASE WHEN r.response = 'presented' THEN 1 ELSE 0 END) AS presented,
                  SUM(CASE WHEN r.response = 'accepted' THEN 1 ELSE 0 END) AS accepted,
                  SUM(CASE WHEN r.response = 'declined' THEN 1 ELSE 0 END) AS declined,
                  COUNT(DISTINCT r.party_id) AS customers,
                  COUNT(DISTINCT CASE WHEN r.response = 'accepted' THEN r.party_id END) AS accepting
                FROM offers o LEFT JOIN offer_responses r ON r.offer_id = o.id AND r.recorded_at >= \(bind: from) AND r.recorded_at < \(bind: to)
                GROUP BY o.id, o.key, o.name ORDER BY o.key
                """).all().map { r in
                let row = RowReader(r)
                return OfferAcceptance(offerId: try row.required(try row.uuid("id"), "id"), key: try row.string("key") ?? "", name: try row.string("name") ?? "",
                                       presented: try row.int("presented") ?? 0, accepted: try row.int("accepted") ?? 0, declined: try row.int("declined") ?? 0,
                                       customers: try row.int("customers") ?? 0, acceptingCustomers: try row.int("accepting") ?? 0)
            }
        }
    }
}

struct OfferRow: Codable, Sendable {
    var id: UUID
    var key: String
    var name: String
    var nameRu: String
    var kind: String
    var itemId: UUID?
    var purpose: String
    var definition: String
    var active: Bool
    var createdAt: Date
    var updatedAt: Date
    init(_ o: Offer) throws {
        id = o.id; key = o.key; name = o.name; nameRu = o.nameRu; kind = o.kind.rawValue; itemId = o.itemId; purpose = o.purpose
        definition = try storedJSON(o.definition); active = o.active; createdAt = o.createdAt; updatedAt = o.updatedAt
    }
    var offer: Offer {
        get throws {
            Offer(id: id, key: key, name: name, nameRu: nameRu, kind: OfferKind(rawValue: kind) ?? .product, itemId: itemId, purpose: purpose,
                  definition: try fromStoredJSON(OfferDefinition.self, definition), active: active, createdAt: createdAt, updatedAt: updatedAt)
        }
    }
}

struct OfferResponseRow: Codable, Sendable {
    var id: UUID
    var offerId: UUID
    var partyId: UUID
    var response: String
    var benefitMinor: Int64?
    var currency: String?
    var detail: String?
    var channel: String
    var interactionId: UUID?
    var campaignId: UUID?
    var recordedBy: String?
    var recordedAt: Date
    init(_ r: OfferResponse) {
        id = r.id; offerId = r.offerId; partyId = r.partyId; response = r.response.rawValue; benefitMinor = r.benefitMinor
        currency = r.currency; detail = nil; channel = r.channel.rawValue; interactionId = r.interactionId; campaignId = r.campaignId
        recordedBy = r.recordedBy; recordedAt = r.recordedAt
    }
    func value(key: String) -> OfferResponse {
        OfferResponse(id: id, offerId: offerId, offerKey: key, partyId: partyId, response: OfferResponseKind(rawValue: response) ?? .presented,
                      benefitMinor: benefitMinor, currency: currency, channel: Channel(rawValue: channel) ?? .phone, interactionId: interactionId,
                      campaignId: campaignId, recordedBy: recordedBy, recordedAt: recordedAt)
    }
}

struct UsageRecordRow: Codable, Sendable {
    var id: UUID
    var partyId: UUID
    var externalId: String?
    var occurredOn: String
    var destination: String
    var seconds: Int
    var costMinor: Int64
    var createdAt: Date
}

extension UsageRecordRow: SQLiteBulkRow {
    static var table: String { "usage_records" }
    static var columns: [String] { ["id", "party_id", "external_id", "occurred_on", "destination", "seconds", "cost_minor", "created_at"] }
    func appendValues(to b: inout [SQLiteData]) {
        b += [.text(id.text()), .text(partyId.text()), externalId.map { .text($0) } ?? .null, .text(occurredOn), .text(destination),
              .integer(seconds), .integer(Int(costMinor)), .float(createdAt.timeIntervalSince1970)]
    }
}

import Foundation
import RapportCore
import SQLiteNIO
import SQLKit

/// Measured campaigns: the split into target and control, call outcomes, the reviewer's sample, the effect.
public struct CampaignStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func create(_ c: Campaign) async throws -> Campaign {
        try await database.write { db in
            if let key = c.key, try await db.select().column("id").from("campaigns").where("key", .equal, SQLBind(key)).first() != nil {
                throw RapportError(.conflict, code: "campaign_exists", message: "campaign \(key) already exists", messageRu: "кампания \(key) уже есть")
            }
            try await db.insertRecord("campaigns", try CampaignRow(c))
            try await db.appendEvent("campaign.created", aggregateId: c.id, at: c.createdAt)
            return c
        }
    }

    public func campaign(_ id: UUID) async throws -> Campaign? {
        try await database.read { db in try await Self.campaigns(id: id, key: nil, on: db).first }
    }

    public func campaign(key: String) async throws -> Campaign? {
        try await database.read { db in try await Self.campaigns(id: nil, key: key, on: db).first }
    }

    static func campaigns(id: UUID?, key: String?, on db: any SQLDatabase) async throws -> [Campaign] {
        var q: SQLQueryString = """
            SELECT c.*, (SELECT COUNT(*) FROM campaign_parties p WHERE p.campaign_id = c.id AND p.arm = 'target') AS target_size,
                        (SELECT COUNT(*) FROM campaign_parties p WHERE p.campaign_id = c.id AND p.arm = 'control') AS control_size
            FROM campaigns c
            """
        if let id { q = q + " WHERE c.id = \(bind: id)" } else if let key { q = q + " WHERE c.key = \(bind: key)" }
        q = q + " ORDER BY c.created_at, c.id"
        return try await db.raw(q).all().map { r in
            var c = try r.decode(model: CampaignRow.self, with: recordDecoder).campaign
            c.targetSize = try r.decode(column: "target_size", as: Int.self)
            c.controlSize = try r.decode(column: "control_size", as: Int.self)
            c.size = c.targetSize + c.controlSize
            return c
        }
    }

    /// Launches a draft: its segment's members now, split into target and control by `split`
    /// (which gets each member with their value tier), written with the status in one transaction.
    /// For an e-mail or SMS campaign, `message` is the campaign's message as a rule: the target
    /// arm's messages are decided by the outbox planner and queued in the same transaction.
    public func launch(_ id: UUID, now: Date, message: (rule: ProactiveRule, defaultTimeZone: TimeZone)?,
                       split: @escaping @Sendable ([(partyId: UUID, stratum: String)]) -> [UUID: CampaignArm]) async throws -> Campaign {
        let engine = database.engine, sqlite = database.sqliteWriter
        try await database.exclusiveWrite { db in
            guard let c = try await Self.campaigns(id: id, key: nil, on: db).first else { throw RapportError.notFound("campaign", id.uuidString.lowercased()) }
            guard c.status == .draft else {
                throw RapportError(.conflict, code: "campaign_not_draft", message: "only a draft campaign can be launched (this one is \(c.status.rawValue))",
                                   messageRu: "запустить можно только черновик (статус кампании: \(c.status.rawValue))")
            }
            guard let segmentId = c.segmentId, let segment = try await db.record(SegmentRow.self, from: "segments", id: segmentId)?.segment else {
                throw RapportError.notFound("segment", c.segmentId?.uuidString.lowercased() ?? "")
            }
            let run = try await db.select().column("id").from("cluster_runs").orderBy("created_at", .descending).limit(1).first()
                .map { try $0.decode(column: "id", as: UUID.self) }
            let members = try await AnalyticsStore.membersWithTier(segment.definition, sql: SegmentSQL(engine: engine, now: now, clusterRun: run), on: db)
            guard !members.isEmpty else {
                throw RapportError(.invalid, code: "empty_target", message: "segment \(segment.key) has no members: nothing to launch",
                                   messageRu: "в сегменте \(segment.key) никого нет: запускать нечего")
            }
            let arms = split(members)
            let rows = members.map { CampaignMemberRow(campaignId: id, partyId: $0.partyId, addedAt: now, arm: arms[$0.partyId] ?? .target,
                                                       stratum: $0.stratum, updatedAt: now) }
            if let sqlite {
                for chunk in rows.chunked(3000) { try await SQLiteBulkInsert.insert(chunk, on: sqlite) }
            } else {
                for chunk in rows.chunked(1000) { try await db.insertRecords("campaign_parties", chunk) }
            }
            if let message {
                let audience = ProactiveStore.Audience(select: "SELECT party_id, NULL AS ref FROM campaign_parties WHERE campaign_id = \(bind: id) AND arm = 'target'",
                                                       refVariable: nil)
                var planner = MessagePlanner(rule: message.rule, eventType: nil, eventValues: [:], eventId: nil, now: now, defaultTimeZone: message.defaultTimeZone)
                var planned: [OutboundMessage] = []
                for r in try await ProactiveStore.recipients(audience, rule: message.rule, now: now, on: db, engine: engine) {
                    guard var m = planner.plan(r, id: .timeOrdered(at: now)) else { continue }
                    m.ruleId = nil
                    m.campaignId = id
                    planned.append(m)
                }
                try await ProactiveStore.insert(planned, on: db, sqlite: sqlite)
            }
            try await db.update("campaigns").set("status", to: SQLBind(CampaignStatus.launched.rawValue)).set("launched_at", to: SQLBind(now))
                .set("updated_at", to: SQLBind(now)).where("id", .equal, SQLBind(id)).run()
            try await db.appendEvent("campaign.launched", aggregateId: id, at: now)
        }
        return try await campaign(id)!
    }

    public func close(_ id: UUID, now: Date) async throws -> Campaign {
        try await database.write { db in
            guard let c = try await Self.campaigns(id: id, key: nil, on: db).first else { throw RapportError.notFound("campaign", id.uuidString.lowercased()) }
            guard c.status == .launched else {
                throw RapportError(.conflict, code: "campaign_not_launched", message: "only a launched campaign can be closed",
                                   messageRu: "закрыть можно только запущенную кампанию")
            }
            try await db.update("campaigns").set("status", to: SQLBind(CampaignStatus.closed.rawValue)).set("closed_at", to: SQLBind(now))
                .set("updated_at", to: SQLBind(now)).where("id", .equal, SQLBind(id)).run()
            try await db.appendEvent("campaign.closed", aggregateId: id, at: now)
        }
        return try await campaign(id)!
    }

    /// Records a call's outcome on the member and its trail entry, in one transaction. Only the target arm is called.
    public func recordCall(campaign: UUID, entry: Interaction, outcome: String, sampled: Bool) async throws {
        let engine = database.engine
        try await database.write { db in
            guard let party = entry.partyId, let row = try await db.select().column("arm").from("campaign_parties")
                .where("campaign_id", .equal, SQLBind(campaign)).where("party_id", .equal, SQLBind(party)).first() else {
                throw RapportError(.notFound, code: "not_on_campaign", message: "this customer is not on the campaign's list",
                                   messageRu: "этого клиента нет в списке кампании")
            }
            guard try row.decode(column: "arm", as: String.self) == CampaignArm.target.rawValue else {
                throw RapportError(.conflict, code: "control_group_member", message: "this customer is in the control group and is not contacted",
                                   messageRu: "клиент в контрольной группе, с ним не связываются")
            }
            try await InteractionStore.insert(entry, on: db, engine: engine)
            // The latest outcome counts; a call sampled for review and not yet reviewed stays the member's call
            // until it is (a later call does not take it out of the reviewer's queue).
            let keep: SQLQueryString = """
                qa_sampled = \(bind: true) AND interaction_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.interaction_id = campaign_parties.interaction_id)
                """
            try await db.raw("""
                UPDATE campaign_parties SET outcome = \(bind: outcome), outcome_at = \(bind: entry.occurredAt), updated_at = \(bind: entry.createdAt),
                  interaction_id = CASE WHEN
                """ + " " + keep + " THEN interaction_id ELSE \(bind: entry.id) END, qa_sampled = CASE WHEN " + keep
                + " THEN qa_sampled ELSE \(bind: sampled) END WHERE campaign_id = \(bind: campaign) AND party_id = \(bind: party)").run()
        }
    }

    /// Sampled calls not yet reviewed, oldest first.
    public func qaQueue(campaign: UUID, limit: Int) async throws -> [QASample] {
        try await database.read { db in
            try await db.raw("""
                SELECT c.party_id, c.interaction_id, c.outcome, c.outcome_at, i.agent, i.summary, p.display_name
                FROM campaign_parties c JOIN interactions i ON i.id = c.interaction_id JOIN parties p ON p.id = c.party_id
                WHERE c.campaign_id = \(bind: campaign) AND c.qa_sampled = \(bind: true)
                  AND NOT EXISTS (SELECT 1 FROM qa_reviews r WHERE r.interaction_id = c.interaction_id)
                ORDER BY c.outcome_at, c.party_id LIMIT \(bind: limit)
                """).all().map { r in
                let row = RowReader(r)
                return QASample(partyId: try row.required(try row.uuid("party_id"), "party_id"),
                                interactionId: try row.required(try row.uuid("interaction_id"), "interaction_id"), displayName: try row.string("display_name") ?? "",
                                outcome: try row.string("outcome"), agent: try row.string("agent"), summary: try row.string("summary"),
                                calledAt: try row.date("outcome_at"))
            }
        }
    }

    /// Stores a review of a sampled call (one per call).
    public func review(_ r: QAReview) async throws -> QAReview {
        try await database.write { db in
            guard let sampled = try await db.select().column("qa_sampled").from("campaign_parties").where("campaign_id", .equal, SQLBind(r.campaignId))
                .where("interaction_id", .equal, SQLBind(r.interactionId)).first()?.decode(column: "qa_sampled", as: Bool?.self), sampled == true else {
                throw RapportError(.notFound, code: "call_not_sampled", message: "this call is not in the campaign's review sample",
                                   messageRu: "этого звонка нет в выборке на проверку")
            }
            if try await db.select().column("id").from("qa_reviews").where("interaction_id", .equal, SQLBind(r.interactionId)).first() != nil {
                throw RapportError(.conflict, code: "already_reviewed", message: "this call has been reviewed", messageRu: "этот звонок уже проверен")
            }
            try await db.insertRecord("qa_reviews", try QAReviewRow(r))
            try await db.appendEvent("campaign.call_reviewed", aggregateId: r.id, at: r.createdAt)
            return r
        }
    }

    public func reviews(campaign: UUID) async throws -> [QAReview] {
        try await database.read { db in
            try await db.select().columns("*").from("qa_reviews").where("campaign_id", .equal, SQLBind(campaign)).orderBy("created_at")
                .all(decoding: QAReviewRow.self, with: recordDecoder).map { try $0.review }
        }
    }

    /// Per arm: members, members who placed an order (not cancelled) within the response window
    /// after launch, and — for the target — members whose call outcome was positive.
    public func effect(_ c: Campaign, positiveOutcomes: [String], until now: Date) async throws -> (purchase: CampaignEffect, response: CampaignEffect?) {
        guard let launched = c.launchedAt else { return (CampaignEffect(targetSize: 0, targetResponders: 0, controlSize: 0, controlResponders: 0), nil) }
        let end = min(now, launched.addingTimeInterval(Double(c.responseWindowDays) * 86_400))
        return try await database.readReport { db in
            var sizes: [String: (Int, Int, Int)] = [:]
            var outcomes: SQLQueryString = "''"
            for o in positiveOutcomes { outcomes = outcomes + ", \(bind: o)" }
            for r in try await db.raw("""
                SELECT c.arm, COUNT(*) AS n,
                  SUM(CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.party_id = c.party_id AND o.status NOT IN ('cancelled', 'returned')
                       AND o.placed_at >= \(bind: launched) AND o.placed_at <= \(bind: end)) THEN 1 ELSE 0 END) AS buyers,
                  SUM(CASE WHEN c.outcome IN (
                """ + outcomes + ") THEN 1 ELSE 0 END) AS responders FROM campaign_parties c WHERE c.campaign_id = \(bind: c.id) GROUP BY c.arm").all() {
                let row = RowReader(r)
                sizes[try row.string("arm") ?? ""] = (try row.int("n") ?? 0, try row.int("buyers") ?? 0, try row.int("responders") ?? 0)
            }
            let t = sizes["target"] ?? (0, 0, 0), k = sizes["control"] ?? (0, 0, 0)
            let purchase = CampaignEffect(targetSize: t.0, targetResponders: t.1, controlSize: k.0, controlResponders: k.1)
            return (purchase, c.channel == .callList ? CampaignEffect(targetSize: t.0, targetResponders: t.2, controlSize: 0, controlResponders: 0) : nil)
        }
    }
}

struct CampaignRow: Codable, Sendable {
    var id: UUID
    var name: String
    var createdAt: Date
    var key: String?
    var status: String
    var channel: String
    var segmentId: UUID?
    var offerId: UUID?
    var controlPermille: Int
    var qaPermille: Int
    var responseWindowDays: Int
    var definition: String?
    var launchedAt: Date?
    var closedAt: Date?
    var updatedAt: Date?

    init(_ c: Campaign) throws {
        id = c.id; name = c.name; createdAt = c.createdAt; key = c.key; status = c.status.rawValue; channel = c.channel.rawValue
        segmentId = c.segmentId; offerId = c.offerId; controlPermille = Int((c.controlPercent * 10).rounded()); qaPermille = Int((c.qaPercent * 10).rounded())
        responseWindowDays = c.responseWindowDays; definition = try c.definition.map { try storedJSON($0) }; launchedAt = c.launchedAt
        closedAt = c.closedAt; updatedAt = c.createdAt
    }

    var campaign: Campaign {
        get throws {
            Campaign(id: id, name: name, createdAt: createdAt, key: key, status: CampaignStatus(rawValue: status) ?? .launched,
                     channel: CampaignChannel(rawValue: channel) ?? .callList, segmentId: segmentId, offerId: offerId,
                     controlPercent: Double(controlPermille) / 10, qaPercent: Double(qaPermille) / 10, responseWindowDays: responseWindowDays,
                     definition: try definition.map { try fromStoredJSON(CampaignDefinition.self, $0) }, launchedAt: launchedAt, closedAt: closedAt)
        }
    }
}

struct CampaignMemberRow: Codable, Sendable {
    var campaignId: UUID
    var partyId: UUID
    var addedAt: Date
    var arm: CampaignArm
    var stratum: String
    var updatedAt: Date
}

extension CampaignMemberRow: SQLiteBulkRow {
    static var table: String { "campaign_parties" }
    static var columns: [String] { ["campaign_id", "party_id", "added_at", "arm", "stratum", "updated_at"] }
    func appendValues(to b: inout [SQLiteData]) {
        b += [.text(campaignId.text()), .text(partyId.text()), .float(addedAt.timeIntervalSince1970), .text(arm.rawValue), .text(stratum),
              .float(updatedAt.timeIntervalSince1970)]
    }
}

struct QAReviewRow: Codable, Sendable {
    var id: UUID
    var campaignId: UUID
    var partyId: UUID
    var interactionId: UUID
    var reviewer: String
    var scores: String
    var scorePermille: Int
    var passed: Bool
    var comment: String?
    var createdAt: Date
    init(_ r: QAReview) throws {
        id = r.id; campaignId = r.campaignId; partyId = r.partyId; interactionId = r.interactionId; reviewer = r.reviewer
        scores = try storedJSON(r.scores); scorePermille = Int((r.scorePercent * 10).rounded()); passed = r.passed; comment = r.comment; createdAt = r.createdAt
    }
    var review: QAReview {
        get throws {
            QAReview(id: id, campaignId: campaignId, partyId: partyId, interactionId: interactionId, reviewer: reviewer,
                     scores: try fromStoredJSON([String: Int].self, scores), scorePercent: Double(scorePermille) / 10, passed: passed, comment: comment,
                     createdAt: createdAt)
        }
    }
}

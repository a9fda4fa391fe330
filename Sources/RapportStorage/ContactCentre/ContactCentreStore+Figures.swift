import Foundation
import RapportCore
import SQLKit

extension ContactCentreStore {
    /// Sums per group over contacts offered in the range, in one pass of SQL over one table. Keys: queue or agent
    /// id, channel, UTC day or hour, or "total"; contacts without a queue or agent under "none".
    public func serviceTotals(_ q: FigureQuery) async throws -> [String: ServiceTotals] {
        let engine = database.engine
        func secs(_ a: String, _ b: String) -> String { IntervalSQL.seconds(from: a, to: b, engine: engine) }
        let key: String = switch q.groupBy {
        case .total: "'total'"
        case .queue: "c.queue_id"
        case .agent: "c.agent_id"
        case .channel: "c.channel"
        case .day: IntervalSQL.utcDay("c.offered_at", engine: engine)
        case .hour: IntervalSQL.utcHour("c.offered_at", engine: engine)
        }
        let wait = secs("COALESCE(c.queued_at, c.offered_at)", "c.answered_at")
        let window = IntervalSQL.plusSeconds("c.offered_at", engine: engine)
        var sql = SQLQueryString("SELECT ")
        sql.appendLiteral("""
            \(key) AS k, COUNT(*) AS offered,
            SUM(CASE WHEN c.answered_at IS NOT NULL THEN 1 ELSE 0 END) AS answered,
            SUM(CASE WHEN c.abandoned_at IS NOT NULL THEN 1 ELSE 0 END) AS abandoned,
            SUM(CASE WHEN c.answered_at IS NOT NULL AND \(wait) <= 
            """)
        sql.appendInterpolation(bind: Double(q.serviceLevelSeconds))
        sql.appendLiteral("""
             THEN 1 ELSE 0 END) AS within,
            COALESCE(SUM(CASE WHEN c.answered_at IS NOT NULL THEN \(wait) ELSE 0 END), 0) AS wait,
            SUM(CASE WHEN c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL THEN 1 ELSE 0 END) AS handled,
            COALESCE(SUM(CASE WHEN c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL
                THEN \(secs("c.answered_at", "COALESCE(c.wrapped_at, c.ended_at)")) ELSE 0 END), 0) AS handle,
            SUM(CASE WHEN c.answered_at IS NOT NULL AND c.resolved IS NOT NULL THEN 1 ELSE 0 END) AS wrapped,
            SUM(CASE WHEN c.answered_at IS NOT NULL AND c.resolved = TRUE AND (c.next_contact_at IS NULL OR c.next_contact_at > \(window.prefix)
            """)
        sql.appendInterpolation(bind: Double(q.resolutionWindowDays * 86_400))
        sql.appendLiteral("""
            \(window.suffix)) THEN 1 ELSE 0 END) AS fcr,
            SUM(CASE WHEN c.survey_score IS NOT NULL THEN 1 ELSE 0 END) AS answers,
            SUM(CASE WHEN c.survey_score >= 4 THEN 1 ELSE 0 END) AS satisfied,
            COALESCE(SUM(c.survey_score), 0) AS score_sum
            FROM service_contacts c
            WHERE c.offered_at >= 
            """)
        sql.appendInterpolation(bind: q.from)
        sql.appendLiteral(" AND c.offered_at < ")
        sql.appendInterpolation(bind: q.to)
        if let queue = q.queueId { sql.appendLiteral(" AND c.queue_id = "); sql.appendInterpolation(bind: queue) }
        if let agent = q.agentId { sql.appendLiteral(" AND c.agent_id = "); sql.appendInterpolation(bind: agent) }
        if let channel = q.channel { sql.appendLiteral(" AND c.channel = "); sql.appendInterpolation(bind: channel.rawValue) }
        if q.groupBy != .total { sql.appendLiteral(" GROUP BY \(key)") }
        let query = sql
        return try await database.readReport { db in
            var out: [String: ServiceTotals] = [:]
            for row in try await db.raw(query).all() {
                var t = ServiceTotals()
                t.offered = try row.decode(column: "offered", as: Int.self)
                t.answered = try row.decode(column: "answered", as: Int?.self) ?? 0
                t.abandoned = try row.decode(column: "abandoned", as: Int?.self) ?? 0
                t.answeredWithinThreshold = try row.decode(column: "within", as: Int?.self) ?? 0
                t.answerWaitSeconds = try Self.number(row, "wait")
                t.handled = try row.decode(column: "handled", as: Int?.self) ?? 0
                t.handleSeconds = try Self.number(row, "handle")
                t.wrappedUp = try row.decode(column: "wrapped", as: Int?.self) ?? 0
                t.resolvedFirstContact = try row.decode(column: "fcr", as: Int?.self) ?? 0
                t.surveyAnswers = try row.decode(column: "answers", as: Int?.self) ?? 0
                t.surveySatisfied = try row.decode(column: "satisfied", as: Int?.self) ?? 0
                t.surveyScoreSum = try row.decode(column: "score_sum", as: Int?.self) ?? 0
                let k: String
                if let id = try? row.decode(column: "k", as: UUID?.self) { k = id.uuidString }
                else { k = try row.decode(column: "k", as: String?.self) ?? "none" }
                out[k] = t
            }
            return out
        }
    }

    /// A sum that SQLite returns as an integer or a real, and PostgreSQL as a numeric.
    static func number(_ row: any SQLRow, _ column: String) throws -> Double {
        if let d = try? row.decode(column: column, as: Double.self) { return d }
        if let i = try? row.decode(column: column, as: Int.self) { return Double(i) }
        if let s = try? row.decode(column: column, as: String.self), let d = Double(s) { return d }
        return 0
    }

    /// Complaints opened in the range: how many, how many resolved or closed, and the total time to close them.
    public func complaintTotals(from: Date, to: Date) async throws -> ComplaintFigures {
        let engine = database.engine
        var sql = SQLQueryString("SELECT COUNT(*) AS opened, ")
        sql.appendLiteral("""
            SUM(CASE WHEN status IN ('resolved', 'closed') AND closed_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved,
            COALESCE(SUM(CASE WHEN status IN ('resolved', 'closed') AND closed_at IS NOT NULL
                THEN \(IntervalSQL.seconds(from: "opened_at", to: "closed_at", engine: engine)) ELSE 0 END), 0) AS seconds
            FROM requests WHERE type = 'complaint' AND opened_at >= 
            """)
        sql.appendInterpolation(bind: from)
        sql.appendLiteral(" AND opened_at < ")
        sql.appendInterpolation(bind: to)
        let query = sql
        return try await database.readReport { db in
            guard let row = try await db.raw(query).first() else { return ComplaintFigures(opened: 0, resolved: 0, resolutionSecondsSum: 0) }
            return ComplaintFigures(opened: try row.decode(column: "opened", as: Int.self), resolved: try row.decode(column: "resolved", as: Int?.self) ?? 0,
                                    resolutionSecondsSum: try Self.number(row, "seconds"))
        }
    }

    // MARK: Surveys and IVR

    /// A post-contact survey answer, once per contact; the answer is also an entry on the party's trail.
    public func recordSurveyAnswer(contactId: UUID, score: Int, channel: Channel, interaction: Interaction?, at now: Date) async throws {
        let engine = database.engine
        try await database.write { db in
            try await db.require("service_contacts", id: contactId, entity: "contact")
            if try await db.select().column("id").from("survey_answers").where("contact_id", .equal, SQLBind(contactId)).first() != nil {
                throw RapportError(.conflict, code: "survey_answered", message: "this contact's survey is already answered",
                                   messageRu: "опрос по этому контакту уже заполнен")
            }
            if let interaction { try await InteractionStore.insert(interaction, on: db, engine: engine) }
            try await db.insert(into: "survey_answers").columns("id", "contact_id", "score", "channel", "interaction_id", "answered_at")
                .values(SQLBind(UUID.timeOrdered(at: now)), SQLBind(contactId), SQLBind(score), SQLBind(channel.rawValue),
                        SQLBind(interaction?.id), SQLBind(now)).run()
            // The score also on the contact: the figures read one table.
            try await db.update("service_contacts").set("survey_score", to: SQLBind(score)).where("id", .equal, SQLBind(contactId)).run()
            try await db.appendEvent("survey.answered", aggregateId: contactId, at: now)
        }
    }

    /// Counts one IVR attempt of a call; returns the call's failed attempts so far.
    public func recordIVRAttempt(callId: String, partyId: UUID?, failed: Bool, interaction: Interaction, at now: Date) async throws -> Int {
        let engine = database.engine
        return try await database.write { db in
            try await InteractionStore.insert(interaction, on: db, engine: engine)
            let existing = try await db.select().column("failed_attempts").from("ivr_calls").where("call_id", .equal, SQLBind(callId)).first()?
                .decode(column: "failed_attempts", as: Int.self)
            let failures = (existing ?? 0) + (failed ? 1 : 0)
            if existing == nil {
                try await db.insert(into: "ivr_calls").columns("call_id", "party_id", "failed_attempts", "created_at", "updated_at")
                    .values(SQLBind(callId), SQLBind(partyId), SQLBind(failures), SQLBind(now), SQLBind(now)).run()
            } else {
                try await db.update("ivr_calls").set("failed_attempts", to: SQLBind(failures)).set("updated_at", to: SQLBind(now))
                    .where("call_id", .equal, SQLBind(callId)).run()
            }
            return failures
        }
    }

    /// Failed attempts of an IVR call so far (0 for a new call).
    public func ivrFailedAttempts(callId: String) async throws -> Int {
        try await database.read { db in
            try await db.select().column("failed_attempts").from("ivr_calls").where("call_id", .equal, SQLBind(callId)).first()?
                .decode(column: "failed_attempts", as: Int.self) ?? 0
        }
    }
}

// MARK: Bulk (generated data sets for benchmarks)

extension ContactCentreStore {
    /// Loads generated contacts and survey answers in one transaction, many rows per statement.
    public func bulkLoad(contacts: [ServiceContact], surveys: [(contactId: UUID, score: Int, at: Date)]) async throws {
        struct SurveyRow: Codable, Sendable { var id: UUID; var contactId: UUID; var score: Int; var channel: String; var answeredAt: Date }
        let rows = surveys.map { SurveyRow(id: .timeOrdered(at: $0.at), contactId: $0.contactId, score: $0.score, channel: "sms", answeredAt: $0.at) }
        try await database.exclusiveWrite { db in
            for chunk in contacts.chunked(1000) { try await db.insertRecords("service_contacts", chunk) }
            for chunk in rows.chunked(1000) { try await db.insertRecords("survey_answers", chunk) }
        }
    }

    public func contactCount() async throws -> Int {
        try await database.read { db in
            try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("service_contacts").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Trail entries to hang generated contacts on (id and party), oldest first.
    public func interactionsForContacts(limit: Int) async throws -> [(id: UUID, partyId: UUID?)] {
        try await database.read { db in
            try await db.select().column("id").column("party_id").from("interactions").orderBy("id").limit(limit).all().map {
                (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "party_id", as: UUID?.self))
            }
        }
    }
}

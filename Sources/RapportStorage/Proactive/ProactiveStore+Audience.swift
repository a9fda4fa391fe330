import Foundation
import RapportCore
import SQLKit

/// Finding the customers a rule reaches and what the planner needs to know about each, in a few
/// set-based statements whatever the audience's size (a flight of 100 000 bookings is five queries).
extension ProactiveStore {
    /// A statement selecting `party_id` and `ref` (the order, booking or contract number, or the
    /// date occurrence's subject) for everyone an event or a date rule concerns.
    struct Audience: Sendable {
        var select: SQLQueryString
        var refVariable: String?
    }

    static let conditionColumns = [("lifecycle_stage", "party.lifecycle_stage"), ("value_tier", "party.value_tier"), ("country", "party.country")]

    static func audience(_ kind: AudienceKind, payload: [String: String]) -> Audience {
        let none = Audience(select: "SELECT id AS party_id, NULL AS ref FROM parties WHERE 1 = 0", refVariable: nil)
        switch kind {
        case .order:
            guard let n = payload["order_number"] else { return none }
            return Audience(select: "SELECT party_id, number AS ref FROM orders WHERE number = \(bind: n)", refVariable: "order.number")
        case .booking:
            guard let ref = payload["booking_ref"] else { return none }
            return Audience(select: "SELECT party_id, booking_ref AS ref FROM bookings WHERE booking_ref = \(bind: ref.uppercased())",
                            refVariable: "booking.ref")
        case .flight:
            guard let f = payload["flight_number"], let date = payload["flight_date"] else { return none }
            let flight = (try? BookingInput.flight(f)) ?? f
            return Audience(select: "SELECT party_id, booking_ref AS ref FROM bookings WHERE flight_number = \(bind: flight) AND flight_date = \(bind: date)",
                            refVariable: "booking.ref")
        case .contract:
            guard let n = payload["contract_number"] else { return none }
            return Audience(select: "SELECT party_id, number AS ref FROM contracts WHERE number = \(bind: n)", refVariable: "contract.number")
        case .party:
            guard let id = payload["party_id"].flatMap(UUID.init(uuidString:)) else { return none }
            return Audience(select: "SELECT id AS party_id, NULL AS ref FROM parties WHERE id = \(bind: id)", refVariable: nil)
        }
    }

    /// Everyone in `audience` who is a live party, with their names, language, zone, mobile and
    /// e-mail, consents for the rule's purpose, preferred channel and recent messages.
    /// `extra` adds values per `ref` (a date occurrence's related person, say) and its occurrence key.
    static func recipients(_ audience: Audience, rule: ProactiveRule, now: Date, extra: [String: (occurrence: String, values: [String: String])] = [:],
                           on db: any SQLDatabase, engine: SQLEngine) async throws -> [Recipient] {
        try await recipients(audience, rule: rule, now: now, extra: extra) { query in try await db.raw(query).all() }
    }

    /// The same with each statement run by `fetch` — on readers of their own, so that they run in
    /// parallel, when the caller does not need them inside its transaction.
    static func recipients(_ audience: Audience, rule: ProactiveRule, now: Date, extra: [String: (occurrence: String, values: [String: String])] = [:],
                           fetch: @escaping @Sendable (SQLQueryString) async throws -> [any SQLRow]) async throws -> [Recipient] {
        let members: SQLQueryString = "SELECT party_id FROM (" + audience.select + ") aud"
        // The secondary statements run on the database's threads while this one decodes the people
        // (SQLite serialises them on its connection; the decoding overlaps).
        async let identityRows = fetch("SELECT party_id, kind, normalized, label FROM identities WHERE kind IN ('phone', 'email') AND party_id IN ("
                                        + members + ")")
        async let consentRows = fetch("SELECT id, party_id, channel, granted, recorded_at FROM consents WHERE purpose = \(bind: rule.purpose) AND party_id IN ("
                                       + members + ")")
        async let preferredRows = fetch("""
            SELECT party_id, value FROM party_facts WHERE key = 'preferred_channel' AND status = 'answered' AND superseded_at IS NULL
            AND party_id IN (
            """ + members + ")")
        let people = try await fetch("""
            SELECT aud.ref, p.id, p.kind, p.display_name, p.surname, p.given_name, p.patronymic, p.language, p.time_zone,
                   p.lifecycle_stage, p.value_tier, p.country
            FROM (
            """ + audience.select + ") aud JOIN parties p ON p.id = aud.party_id WHERE p.merged_into_id IS NULL AND p.erased_at IS NULL")

        var mobiles: [UUID: (String, Bool)] = [:], emails: [UUID: String] = [:]
        for r in try await identityRows {
            let row = RowReader(r)
            let party = try row.required(try row.uuid("party_id"), "party_id")
            let value = try row.required(try row.string("normalized"), "normalized")
            if try row.string("kind") == "email" {
                if emails[party] == nil { emails[party] = value }
            } else {
                let label = try row.string("label")
                // SMS only to numbers known to be mobile (labelled so, or a Russian +79…).
                guard PhoneNumber.mobileness(e164: value, label: label) == true else { continue }
                if mobiles[party] == nil { mobiles[party] = (value, true) }
            }
        }
        var consents: [UUID: [Consent]] = [:]
        // Only what the decision reads, decoded by hand (the row decoder dominated large fan-outs).
        for r in try await consentRows {
            let row = RowReader(r)
            let party = try row.required(try row.uuid("party_id"), "party_id")
            let channel = try row.string("channel").flatMap(PreferredChannel.init(rawValue:))
            consents[party, default: []].append(Consent(id: try row.required(try row.uuid("id"), "id"), partyId: party, purpose: rule.purpose,
                                                        channel: channel, granted: try row.required(try row.bool("granted"), "granted"), source: .system,
                                                        interactionId: nil, textVersion: nil, recordedAt: try row.required(try row.date("recorded_at"), "recorded_at")))
        }
        var preferred: [UUID: PreferredChannel] = [:]
        for row in try await preferredRows {
            if let v = try row.decode(column: "value", as: String?.self), let c = PreferredChannel(rawValue: v.lowercased()) {
                preferred[try row.decode(column: "party_id", as: UUID.self)] = c
            }
        }
        var recent: [UUID: Int] = [:]
        if let cap = rule.frequencyCap {
            let since = now.addingTimeInterval(-Double(cap.windowHours) * 3600)
            for row in try await fetch("""
                SELECT party_id, COUNT(*) AS n FROM outbound_messages WHERE purpose = \(bind: rule.purpose) AND created_at >= \(bind: since)
                AND status NOT IN ('suppressed', 'cancelled') AND party_id IN (
                """ + members + ") GROUP BY party_id") {
                recent[try row.decode(column: "party_id", as: UUID.self)] = try row.decode(column: "n", as: Int.self)
            }
        }

        var out: [Recipient] = []
        out.reserveCapacity(people.count)
        for r in people {
            let row = RowReader(r)
            let id = try row.required(try row.uuid("id"), "id")
            let kind = try PartyKind(validating: try row.required(try row.string("kind"), "kind"), field: "kind")
            var values = Recipient.partyValues(kind: kind, displayName: try row.required(try row.string("display_name"), "display_name"),
                                               surname: try row.string("surname"), givenName: try row.string("given_name"),
                                               patronymic: try row.string("patronymic"))
            let language = try row.string("language")
            for (column, name) in Self.conditionColumns {
                if let v = try row.string(column) { values[name] = v }
            }
            if let language { values["party.language"] = language }
            let ref = try row.string("ref")
            if let ref, let variable = audience.refVariable { values[variable] = ref }
            var occurrence: String? = nil
            if let ref, let more = extra[ref.lowercased()] {
                occurrence = more.occurrence
                for (k, v) in more.values { values[k] = v }
            }
            let given = consents[id] ?? []
            var current = given.count < 2 ? given : ConsentSummary.current(given)
            if current.count > 1 { current.sort { $0.recordedAt > $1.recordedAt } }
            out.append(Recipient(partyId: id, values: values, language: language, timeZone: try row.string("time_zone"),
                                 mobile: mobiles[id]?.0, email: emails[id], consents: current, preferredChannel: preferred[id],
                                 recentCount: recent[id] ?? 0, occurrence: occurrence))
        }
        return out
    }
}

import Foundation
import Hummingbird
import RapportCore
import RapportEngine

/// The supervisor's wallboard: live queues and agents (redrawn when the live stream says they
/// changed), today's service level, speed of answer and abandonment, and the service figures over
/// a date range as charts with a CSV download.
struct WallboardPages {
    let services: Services

    struct QueueRow: Sendable { let key: String; let name: String; let open: Bool; let waiting: Int; let longest: String }
    struct StateCount: Sendable { let state: String; let label: String; let count: Int }
    struct AgentRow: Sendable { let name: String; let state: String; let stateRaw: String; let since: String }

    struct LivePart: Sendable {
        /// Today so far: contacts, service level, speed of answer, abandonment.
        let today: [Figure]
        let queues: [QueueRow]
        let states: [StateCount]
        let agents: [AgentRow]
        let at: String
    }

    struct Figure: Sendable { let id: String; let label: String; let value: String }
    struct DayRow: Sendable { let day: String; let contacts: Int; let answered: Int; let sl: String; let asa: String; let aht: String; let abandon: String; let fcr: String; let csat: String }

    struct WallboardPage: WebPage {
        static let template = "wallboard"
        let titleKey = "wallboard_title"
        let live: LivePart
        let from: FormField
        let to: FormField
        let rangeError: String?
        let charts: [String]
        let days: [DayRow]
        let total: [Figure]
        let csvHref: String
        let serviceLevelSeconds: String
    }

    func addRoutes(to routes: WebRoutes) {
        routes.get("wallboard", needs: .contactCentreMonitor) { web in try await page(web) }
        routes.get("wallboard/live", needs: .contactCentreMonitor) { web in
            WebResponse.fragment(try await live(web), template: "wallboard_live", chrome: web.chrome)
        }
        routes.get("wallboard/figures.csv", needs: .contactCentreMonitor) { web in
            let (from, to) = try range(web)
            let grouping = try groupBy(web)
            let report = grouping == .day ? try await localDays(from: from, to: to, format: format(web)).days
                : try await services.contactCentre.figures(query(from: from, to: to, groupBy: grouping))
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                   .contentDisposition: "attachment; filename=\"service-figures.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: ServiceFiguresCSV.render(report))))
        }
    }

    func format(_ web: WebContext) -> WebFormat { WebFormat(language: web.language, timeZone: services.timeZone) }

    /// The range's figures per day of the installation's time zone (the API's days are UTC days):
    /// the contacts grouped by UTC hour, each hour's sums added to the local day it falls in (exact
    /// for zones a whole number of hours from UTC), and the hours themselves.
    func localDays(from: Date, to: Date, format f: WebFormat) async throws -> (days: ServiceReport, hours: ServiceReport) {
        let hours = try await services.contactCentre.figures(query(from: from, to: to, groupBy: .hour))
        var perDay: [String: ServiceTotals] = [:]
        for group in hours.groups {
            guard let start = Self.utcHour(group.key) else { continue }
            perDay[f.date(start), default: ServiceTotals()] = perDay[f.date(start), default: ServiceTotals()] + group.totals
        }
        let days = ServiceReport(query: query(from: from, to: to, groupBy: .day),
                                 groups: perDay.sorted { $0.key < $1.key }.map { ServiceFigures(key: $0.key, totals: $0.value) },
                                 complaints: hours.complaints)
        return (days, hours)
    }

    func live(_ web: WebContext) async throws -> LivePart {
        let f = format(web)
        let board = try await services.contactCentre.wallboard()
        let now = services.clock.now()
        let todayReport = try await services.contactCentre.figures(query(from: f.calendar.startOfDay(for: now), to: now.addingTimeInterval(1), groupBy: .total))
        let today = [
            Figure(id: "contacts-today", label: web.t("contacts"), value: String(todayReport.total.contacts)),
            Figure(id: "sl-today", label: web.t("service_level"), value: f.percent(todayReport.total.serviceLevel)),
            Figure(id: "asa-today", label: web.t("asa"), value: f.seconds(todayReport.total.averageSpeedOfAnswerSeconds)),
            Figure(id: "abandon-today", label: web.t("abandonment"), value: f.percent(todayReport.total.abandonmentRate)),
        ]
        return LivePart(
            today: today,
            queues: board.queues.map { QueueRow(key: $0.key, name: $0.name, open: $0.open, waiting: $0.waiting, longest: f.seconds($0.longestWaitSeconds)) },
            states: AgentState.allCases.map { StateCount(state: $0.rawValue, label: f.label("agent", $0.rawValue), count: board.agentsByState[$0.rawValue] ?? 0) },
            agents: board.agents.map { AgentRow(name: $0.displayName, state: f.label("agent", $0.state.rawValue), stateRaw: $0.state.rawValue, since: f.dateTime($0.stateSince)) },
            at: f.dateTime(board.at))
    }

    func groupBy(_ web: WebContext) throws -> FigureGrouping {
        guard let raw = web.query("group_by") else { return .day }
        guard let grouping = FigureGrouping(rawValue: raw) else {
            throw RapportError.invalidField("group_by", code: "invalid_group_by", "unknown grouping", "неизвестная группировка")
        }
        return grouping
    }

    /// The figures with the documented defaults (service level within 20 s, first-contact resolution over 7 days).
    func query(from: Date, to: Date, groupBy: FigureGrouping) -> FigureQuery {
        FigureQuery(from: from, to: to, groupBy: groupBy)
    }

    /// The days picked (both included), as the times [from, to) in the installation's time zone;
    /// the last seven days by default.
    func range(_ web: WebContext) throws -> (Date, Date) {
        let calendar = format(web).calendar
        let today = calendar.startOfDay(for: services.clock.now())
        func day(_ name: String, _ fallback: Date) throws -> Date {
            guard let raw = web.query(name) else { return fallback }
            guard let m = raw.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})/),
                  let date = calendar.date(from: DateComponents(year: Int(m.1), month: Int(m.2), day: Int(m.3))),
                  format(web).date(date) == raw else {
                throw RapportError.invalidField(name, code: "invalid_date", "must be a date (YYYY-MM-DD)", "должно быть датой (ГГГГ-ММ-ДД)")
            }
            return date
        }
        let from = try day("from", calendar.date(byAdding: .day, value: -6, to: today)!)
        let last = try day("to", today)
        guard from <= last else {
            throw RapportError.invalidField("to", code: "invalid_range", "must not be before the start", "не может быть раньше начала")
        }
        guard calendar.dateComponents([.day], from: from, to: last).day ?? 0 < 366 else {
            throw RapportError.invalidField("to", code: "range_too_long", "at most 366 days", "не больше 366 дней")
        }
        return (from, calendar.date(byAdding: .day, value: 1, to: last)!)
    }

    func page(_ web: WebContext) async throws -> Response {
        let f = format(web)
        let calendar = f.calendar
        let liveNow = try await live(web)
        let now = services.clock.now()
        var errors = FormErrors()
        var from: Date, to: Date
        do {
            (from, to) = try range(web)
        } catch let error as RapportError {
            errors = FormErrors(error, language: web.language)
            let start = calendar.startOfDay(for: now)
            (from, to) = (calendar.date(byAdding: .day, value: -6, to: start)!, calendar.date(byAdding: .day, value: 1, to: start)!)
        }
        let (byDay, byHour) = try await localDays(from: from, to: to, format: f)
        // Contacts per hour of the day (local time), summed over the range.
        var perHour = [Int](repeating: 0, count: 24)
        for group in byHour.groups {
            guard let start = Self.utcHour(group.key) else { continue }
            perHour[calendar.component(.hour, from: start)] += group.contacts
        }
        var dayKeys: [String] = []
        var cursor = from
        while cursor < to { dayKeys.append(f.date(cursor)); cursor = calendar.date(byAdding: .day, value: 1, to: cursor)! }
        let groups = Dictionary(byDaysOf: byDay.groups)
        let percent: (Double) -> String = { f.percent($0) }
        let charts = [
            SVGChart.bars(id: "chart-hourly", title: web.t("chart_contacts_per_hour"),
                          points: (0..<24).map { SVGChart.Point(label: String(format: "%02d", $0), value: Double(perHour[$0])) },
                          format: { String(Int($0.rounded())) }),
            SVGChart.line(id: "chart-sl", title: web.t("chart_service_level"),
                          points: dayKeys.map { SVGChart.Point(label: String($0.suffix(5)), value: groups[$0]?.serviceLevel) }, maximum: 1, format: percent),
            SVGChart.line(id: "chart-fcr", title: web.t("chart_fcr"),
                          points: dayKeys.map { SVGChart.Point(label: String($0.suffix(5)), value: groups[$0]?.firstContactResolution) }, maximum: 1, format: percent),
            SVGChart.line(id: "chart-csat", title: web.t("chart_csat"),
                          points: dayKeys.map { SVGChart.Point(label: String($0.suffix(5)), value: groups[$0]?.csat) }, maximum: 1, format: percent),
        ]
        let days = dayKeys.map { key -> DayRow in
            let g = groups[key]
            return DayRow(day: key, contacts: g?.contacts ?? 0, answered: g?.answered ?? 0, sl: f.percent(g?.serviceLevel), asa: f.seconds(g?.averageSpeedOfAnswerSeconds),
                          aht: f.seconds(g?.averageHandlingSeconds), abandon: f.percent(g?.abandonmentRate), fcr: f.percent(g?.firstContactResolution),
                          csat: f.percent(g?.csat))
        }
        let t = byDay.total
        let total = [
            Figure(id: "contacts-range", label: web.t("contacts"), value: String(t.contacts)),
            Figure(id: "sl-range", label: web.t("service_level"), value: f.percent(t.serviceLevel)),
            Figure(id: "asa-range", label: web.t("asa"), value: f.seconds(t.averageSpeedOfAnswerSeconds)),
            Figure(id: "aht-range", label: web.t("aht"), value: f.seconds(t.averageHandlingSeconds)),
            Figure(id: "abandon-range", label: web.t("abandonment"), value: f.percent(t.abandonmentRate)),
            Figure(id: "fcr-range", label: web.t("fcr"), value: f.percent(t.firstContactResolution)),
            Figure(id: "csat-range", label: web.t("csat"), value: f.percent(t.csat)),
            Figure(id: "complaints-range", label: web.t("complaints_resolved"),
                   value: "\(byDay.complaints.resolved)/\(byDay.complaints.opened) · \(f.percent(byDay.complaints.resolutionRate))"),
        ]
        let fromText = web.query("from") ?? f.date(from), toText = web.query("to") ?? f.date(calendar.date(byAdding: .day, value: -1, to: to)!)
        let page = WallboardPage(
            live: liveNow,
            from: FormField(name: "from", label: web.t("from"), value: fromText, error: errors["from"], type: "date"),
            to: FormField(name: "to", label: web.t("to"), value: toText, error: errors["to"], type: "date"),
            rangeError: errors.general, charts: charts, days: days, total: total,
            csvHref: errors.isEmpty ? "/wallboard/figures.csv?from=\(f.date(from))&to=\(f.date(calendar.date(byAdding: .day, value: -1, to: to)!))&group_by=day" : "",
            serviceLevelSeconds: f.seconds(Double(byDay.serviceLevelSeconds)))
        return web.page(page, status: errors.isEmpty ? .ok : .badRequest)
    }

    /// The start of a `YYYY-MM-DDTHH` (UTC) group key.
    static func utcHour(_ key: String) -> Date? {
        guard let m = key.wholeMatch(of: /(\d{4})-(\d{2})-(\d{2})T(\d{2})/) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: Int(m.1), month: Int(m.2), day: Int(m.3), hour: Int(m.4)))
    }
}

private extension Dictionary where Key == String, Value == ServiceFigures {
    init(byDaysOf groups: [ServiceFigures]) {
        self = Dictionary(groups.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

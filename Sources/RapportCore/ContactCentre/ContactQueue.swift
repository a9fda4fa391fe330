import Foundation

/// Opening hours of a queue in its own time zone: per weekday (1 = Monday … 7 = Sunday) a span of
/// minutes after midnight. A day missing from `days` is closed; no hours at all means always open.
public struct WorkingHours: Codable, Sendable, Equatable {
    public struct Span: Codable, Sendable, Equatable {
        /// "09:00"
        public var from: String
        /// "21:00"; "24:00" is the end of the day.
        public var to: String
        public init(from: String, to: String) { self.from = from; self.to = to }
    }

    public var timeZone: String
    /// Keys "1" … "7" (ISO weekday, Monday first).
    public var days: [String: Span]

    public init(timeZone: String, days: [String: Span]) { self.timeZone = timeZone; self.days = days }

    static func minutes(_ text: String, field: String) throws -> Int {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else {
            throw RapportError.invalidField(field, code: "invalid_time_of_day", "expected HH:MM between 00:00 and 24:00",
                                            "ожидается ЧЧ:ММ от 00:00 до 24:00")
        }
        return h * 60 + m
    }

    public func validated() throws -> WorkingHours {
        guard TimeZone(identifier: timeZone) != nil else {
            throw RapportError.invalidField("working_hours.time_zone", code: "invalid_time_zone", "not an IANA time zone such as Europe/Moscow",
                                            "не часовой пояс IANA, например Europe/Moscow")
        }
        for (day, span) in days {
            guard let d = Int(day), (1...7).contains(d) else {
                throw RapportError.invalidField("working_hours.days", code: "invalid_weekday", "days are \"1\" (Monday) to \"7\" (Sunday)",
                                                "дни — от \"1\" (понедельник) до \"7\" (воскресенье)")
            }
            let from = try Self.minutes(span.from, field: "working_hours.days.\(day).from")
            let to = try Self.minutes(span.to, field: "working_hours.days.\(day).to")
            guard from < to else {
                throw RapportError.invalidField("working_hours.days.\(day)", code: "invalid_range", "ends before it starts", "окончание раньше начала")
            }
        }
        return self
    }

    /// Whether the queue is open at `date`.
    public func isOpen(at date: Date) -> Bool {
        guard let zone = TimeZone(identifier: timeZone) else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        let isoDay = ((c.weekday ?? 1) + 5) % 7 + 1  // Calendar: 1 = Sunday
        guard let span = days[String(isoDay)], let from = try? Self.minutes(span.from, field: ""),
              let to = try? Self.minutes(span.to, field: "") else { return false }
        let now = (c.hour ?? 0) * 60 + (c.minute ?? 0)
        return now >= from && now < to
    }
}

/// A queue contacts wait in: one channel, the skills a contact in it needs, its service-level
/// threshold, the longest a contact waits for the preferred agent before any skilled agent will do,
/// and its working hours.
public struct ContactQueue: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var key: String
    public var name: String
    public var channel: Channel
    public var skills: [String]
    public var serviceLevelSeconds: Int
    public var maxWaitSeconds: Int
    public var workingHours: WorkingHours?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, key: String, name: String, channel: Channel, skills: [String], serviceLevelSeconds: Int, maxWaitSeconds: Int,
                workingHours: WorkingHours?, createdAt: Date, updatedAt: Date) {
        self.id = id; self.key = key; self.name = name; self.channel = channel; self.skills = skills
        self.serviceLevelSeconds = serviceLevelSeconds; self.maxWaitSeconds = maxWaitSeconds; self.workingHours = workingHours
        self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    public func isOpen(at date: Date) -> Bool { workingHours?.isOpen(at: date) ?? true }
}

public struct ContactQueueInput: Codable, Sendable {
    public var key: String?
    public var name: String?
    public var channel: Channel?
    public var skills: [String]?
    public var serviceLevelSeconds: Int?
    public var maxWaitSeconds: Int?
    public var workingHours: WorkingHours?

    public init(key: String?, name: String?, channel: Channel?, skills: [String]? = nil, serviceLevelSeconds: Int? = nil,
                maxWaitSeconds: Int? = nil, workingHours: WorkingHours? = nil) {
        self.key = key; self.name = name; self.channel = channel; self.skills = skills; self.serviceLevelSeconds = serviceLevelSeconds
        self.maxWaitSeconds = maxWaitSeconds; self.workingHours = workingHours
    }

    static func seconds(_ value: Int, _ field: String) throws -> Int {
        guard (1...86_400).contains(value) else {
            throw RapportError.invalidField(field, code: "invalid_seconds", "must be between 1 and 86400", "должно быть от 1 до 86400")
        }
        return value
    }

    public func make(id: UUID, now: Date) throws -> ContactQueue {
        ContactQueue(id: id, key: try AgentInput.validKey(key), name: try Validate.text(name, "name", max: 200),
                     channel: try Validate.required(channel, "channel"), skills: try Skill.validate(skills, field: "skills"),
                     serviceLevelSeconds: try Self.seconds(serviceLevelSeconds ?? 20, "service_level_seconds"),
                     maxWaitSeconds: try Self.seconds(maxWaitSeconds ?? 120, "max_wait_seconds"),
                     workingHours: try workingHours?.validated(), createdAt: now, updatedAt: now)
    }

    public func apply(to queue: inout ContactQueue, now: Date) throws {
        if key != nil { queue.key = try AgentInput.validKey(key) }
        if name != nil { queue.name = try Validate.text(name, "name", max: 200) }
        if let channel { queue.channel = channel }
        if skills != nil { queue.skills = try Skill.validate(skills, field: "skills") }
        if let serviceLevelSeconds { queue.serviceLevelSeconds = try Self.seconds(serviceLevelSeconds, "service_level_seconds") }
        if let maxWaitSeconds { queue.maxWaitSeconds = try Self.seconds(maxWaitSeconds, "max_wait_seconds") }
        if let workingHours { queue.workingHours = try workingHours.validated() }
        queue.updatedAt = now
    }
}

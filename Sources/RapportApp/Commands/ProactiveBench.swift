import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import RapportCore
import RapportEngine
import RapportStorage

/// The proactive scenarios of `rapport bench`: a flight-disruption event fanned out to every
/// passenger (decided and durably queued), and the dispatch of those messages to a local SMS
/// gateway over HTTP.
struct ProactiveBench {
    let runtime: RapportRuntime
    let json: Bool
    static let flight = "SU1234"

    /// `passengers` generated passengers on today's SU1234: most with a mobile and consent to
    /// travel alerts, some with e-mail only, some without consent (so the decisions are real).
    func prepare(passengers: Int) async throws -> CivilDate {
        let today = runtime.services.proactive.today()
        if try await runtime.database.partyCount() > 0 {
            throw CommandFailure("the fan-out benchmark needs an empty database (it generates its own passengers)")
        }
        let now = Date()
        var parties: [Party] = [], identities: [Identity] = [], consents: [Consent] = [], bookings: [Booking] = []
        parties.reserveCapacity(passengers); identities.reserveCapacity(passengers)
        let surnames = DataGenerator.ruSurnames, given = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Елена", "Дмитрий"]
        for i in 0..<passengers {
            let id = UUID.timeOrdered(at: now)
            let p = try Party.create(PartyInput(kind: .person, surname: surnames[i % surnames.count], givenName: given[i % given.count],
                                                language: i % 10 == 0 ? "en" : "ru", lifecycleStage: .customer), id: id, now: now)
            parties.append(p)
            if i % 33 == 1 {
                identities.append(Identity(id: .timeOrdered(at: now), partyId: id, kind: .email, value: "p\(i)@example.com",
                                           normalized: "p\(i)@example.com", label: nil, createdAt: now))
            } else {
                let number = String(format: "+7960%07d", i)
                identities.append(Identity(id: .timeOrdered(at: now), partyId: id, kind: .phone, value: number, normalized: number, label: "mobile", createdAt: now))
            }
            if i % 20 != 7 {
                consents.append(Consent(id: .timeOrdered(at: now), partyId: id, purpose: "travel_alerts", channel: nil, granted: true,
                                        source: .selfService, interactionId: nil, textVersion: "travel-1", recordedAt: now))
            }
            bookings.append(Booking(id: .timeOrdered(at: now), partyId: id, bookingRef: String(format: "B%07d", i), flightNumber: Self.flight,
                                    flightDate: today, origin: "SVO", destination: "LED", seat: nil, createdAt: now))
        }
        let loader = BulkLoader(database: runtime.database)
        try await loader.session {
            for start in stride(from: 0, to: passengers, by: 50_000) {
                let end = min(passengers, start + 50_000)
                try await loader.load(parties: Array(parties[start..<end]), identities: Array(identities[start..<end]), interactions: [])
            }
            try await ProactiveStore(database: runtime.database).loadPassengers(consents: consents, bookings: bookings)
        }
        let pro = runtime.services.proactive
        _ = try await pro.createEventType(EventTypeInput(key: "flight.delayed", fields: [
            EventField(name: "flight_number", type: .string, maxLength: 8), EventField(name: "flight_date", type: .date),
            EventField(name: "new_departure", type: .datetime)]))
        _ = try await pro.createRule(ProactiveRuleInput(key: "flight-delay", eventType: "flight.delayed", audience: .flight, purpose: "travel_alerts",
            channels: [.sms, .email], template: MessageTemplate(
                ru: MessageText(subject: "Рейс {{event.flight_number}} задерживается", body: "{{party.greeting}}, рейс {{event.flight_number}} задерживается, вылет {{event.new_departure}}."),
                en: MessageText(subject: "Flight {{event.flight_number}} delayed", body: "Flight {{event.flight_number}} is delayed, new departure {{event.new_departure}}."))),
            by: "bench")
        return today
    }

    /// One delay of a flight with `passengers` bookings: the time from the event to every message decided and committed.
    func fanout(passengers: Int) async throws -> BenchResult {
        let today = try await prepare(passengers: passengers)
        if !json { say("\(passengers) passengers booked on \(Self.flight) \(today); posting the delay…") }
        let t0 = ContinuousClock.now
        let (event, _) = try await runtime.services.proactive.post(BusinessEventInput(eventType: "flight.delayed", externalId: "bench-\(UUID())", payload: [
            "flight_number": .string(Self.flight), "flight_date": .string(today.description),
            "new_departure": .string(Timestamp.format(Date().addingTimeInterval(7200)))]))
        let ms = BenchCommand.millis(ContinuousClock.now - t0)
        var result = BenchResult(scenario: "fanout", opsPerSecond: Double(passengers) / (ms / 1000), latencies: [ms], parties: passengers, interactions: 0)
        let sms = try await runtime.services.proactive.statusCounts(channel: .sms)[.queued] ?? 0
        result.extra = [("bookings", "\(passengers)"), ("queued", "\(event.outcome.queued)"), ("queued_sms", "\(sms)"), ("suppressed", "\(event.outcome.suppressed)"),
                        ("seconds", String(format: "%.3f", ms / 1000))]
        return result
    }

    /// The fan-out's messages sent to a local SMS gateway (an in-process HTTP receiver that honours
    /// the idempotency key), through the dispatcher the server runs; ops = messages/s.
    func dispatch(passengers: Int, concurrency: Int) async throws -> BenchResult {
        let prepared = try await fanout(passengers: passengers)
        let sink = GatewaySink()
        let ready = NIOLockedValueBox<Int?>(nil)
        let app = Application(router: sink.router(),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "sms-sink"),
                              onServerRunning: { channel in ready.withLockedValue { $0 = channel.localAddress?.port } })
        let server = Task { try await app.runService() }
        var port: Int? = nil
        for _ in 0..<200 where port == nil {
            try await Task.sleep(for: .milliseconds(25))
            port = ready.withLockedValue { $0 }
        }
        guard let port else { server.cancel(); throw CommandFailure("the local SMS gateway did not start") }
        var config = HTTPClient.Configuration()
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let timed = TimedChannel(inner: SMSGatewayChannel(settings: .init(url: "http://127.0.0.1:\(port)/sms"), client: http))
        let dispatcher = OutboxDispatcher(store: ProactiveStore(database: runtime.database), channels: ChannelSet(sms: timed),
                                          clock: SystemClock(), settings: .init(batchSize: 1000, concurrency: concurrency))
        if !json { say("dispatching to a local gateway on 127.0.0.1:\(port)…") }
        let t0 = ContinuousClock.now
        let sent = try await dispatcher.drain()
        let seconds = BenchCommand.millis(ContinuousClock.now - t0) / 1000
        try await http.shutdown()
        server.cancel()
        let counts = try await runtime.services.proactive.statusCounts()
        var result = BenchResult(scenario: "dispatch", opsPerSecond: Double(sent) / seconds, latencies: timed.latencies(), parties: passengers, interactions: 0)
        result.extra = [("messages", "\(sent)"), ("sent", "\(counts[.sent] ?? 0)"), ("gateway_requests", "\(sink.requests)"),
                        ("gateway_unique", "\(sink.unique)"), ("concurrency", "\(concurrency)"), ("seconds", String(format: "%.3f", seconds)),
                        ("fanout_seconds", prepared.extra.first { $0.0 == "seconds" }?.1 ?? "0")]
        return result
    }
}

/// Wraps a channel and records how long each send took.
final class TimedChannel: MessageChannel {
    let inner: any MessageChannel
    private let samples = NIOLockedValueBox<[Double]>([])

    init(inner: any MessageChannel) { self.inner = inner }

    func send(_ message: OutboundMessage) async -> SendOutcome {
        let t0 = ContinuousClock.now
        let outcome = await inner.send(message)
        let ms = BenchCommand.millis(ContinuousClock.now - t0)
        samples.withLockedValue { $0.append(ms) }
        return outcome
    }

    func latencies() -> [Double] { samples.withLockedValue { $0 } }
}

/// A local SMS gateway for the benchmark: answers 200 with an id and counts unique idempotency keys.
final class GatewaySink: Sendable {
    private let state = NIOLockedValueBox<(requests: Int, keys: Set<String>)>((0, []))

    var requests: Int { state.withLockedValue { $0.requests } }
    var unique: Int { state.withLockedValue { $0.keys.count } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("sms") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 64 * 1024)
            let key = request.headers[.init("Idempotency-Key")!] ?? ""
            let n = self.state.withLockedValue { s -> Int in s.requests += 1; s.keys.insert(key); return s.requests }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: "{\"message_id\":\"sink-\(n)\"}")))
        }
        return router
    }
}

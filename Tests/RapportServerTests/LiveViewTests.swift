import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RapportCore
import RapportEngine
import RapportServer
import RapportTestSupport
import Testing

/// The live streams over a real HTTP connection: what an agent's and a supervisor's browser receive.
@Suite struct LiveViewTests {
    /// Reads a Server-Sent Events stream until `until` has seen what it waits for, or `limit` passes
    /// (a guard against a hang, not a speed check).
    static func read(_ response: HTTPClientResponse, limit: Duration = .seconds(20),
                     until done: @escaping @Sendable (String) -> Bool) async throws -> String {
        try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                var text = ""
                for try await buffer in response.body {
                    text += String(buffer: buffer)
                    if done(text) { return text }
                }
                return text
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first ?? ""
        }
    }

    @Test func aContactRoutedToAnAgentPopsTheirCardOnTheirStreamAndTheWallboardFollows() async throws {
        try await withTestDatabase(.sqlite) { db in
            let services = Services(database: db, clock: SystemClock(), normalizer: IdentityNormalizer(), bcryptCost: 4)
            let token = try await services.access.issueToken(APITokenInput(name: "tests", scopes: [.admin]), by: nil).secret
            let app = Application(router: RapportRouter.build(services: services, options: HTTPOptions(requestsPerSecond: 0, failedCredentialsPerSecond: 0,
                                                                                                         liveStreamLimit: .seconds(30))))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let base = "http://127.0.0.1:\(port)/api/v1"
                // Given Ivan, a queue and an available agent whose screen is open
                _ = try await services.parties.create(try JSONDecoder.api.decode(PartyInput.self, from: Data(
                    #"{"kind":"person","surname":"Петров","given_name":"Иван","identities":[{"kind":"phone","value":"+7 916 123 45 67"}]}"#.utf8)))
                _ = try await services.contactCentre.createQueue(ContactQueueInput(key: "retail", name: "Retail", channel: .phone, skills: ["ru"]))
                let anna = try await services.contactCentre.createAgent(AgentInput(key: "anna", displayName: "Anna", skills: ["ru"]))
                _ = try await services.contactCentre.setAgentState(anna.id, .available)
                func get(_ path: String) -> HTTPClientRequest {
                    var r = HTTPClientRequest(url: base + path)
                    r.headers.add(name: "Authorization", value: "Bearer \(token)")
                    return r
                }
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let agentStream = try await http.execute(get("/live/agent?agent_id=\(anna.id.uuidString)"), timeout: .seconds(30))
                    #expect(agentStream.status == .ok)
                    #expect(agentStream.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
                    let boardStream = try await http.execute(get("/live/wallboard"), timeout: .seconds(30))
                    // When the switch offers and queues a call from Ivan's number
                    var post = HTTPClientRequest(url: base + "/cti/events")
                    post.method = .POST
                    post.headers.add(name: "Authorization", value: "Bearer \(token)")
                    post.headers.add(name: "Content-Type", value: "application/json")
                    post.body = .bytes(ByteBuffer(string: #"{"events":[{"event_id":"e1","type":"offered","contact_id":"call-7","channel":"phone","address":"8 916 123 45 67"},{"event_id":"e2","type":"queued","contact_id":"call-7","queue":"retail"}]}"#))
                    let posted = try await http.execute(post, timeout: .seconds(30))
                    #expect(posted.status == .ok)
                    // Then Anna's stream first shows her state, then the offer with Ivan's card
                    let agentText = try await Self.read(agentStream) { $0.contains("event: offer") && $0.hasSuffix("\n\n") }
                    #expect(agentText.contains("event: agent_state"))
                    let offer = try #require(agentText.components(separatedBy: "event: offer\ndata: ").dropFirst().first?.components(separatedBy: "\n").first)
                    let payload = try #require(try JSONSerialization.jsonObject(with: Data(offer.utf8)) as? [String: Any])
                    #expect((payload["contact"] as? [String: Any])?["external_id"] as? String == "call-7")
                    #expect(((payload["card"] as? [String: Any])?["party"] as? [String: Any])?["display_name"] as? String == "Петров Иван")
                    // And the supervisor's wallboard comes to show Anna on the contact
                    let boardText = try await Self.read(boardStream) { $0.contains(#""on_contact":1"#) }
                    #expect(boardText.contains("event: wallboard") && boardText.contains(#""on_contact":1"#))
                    // A token that may not monitor cannot open another agent's stream
                    let cti = try await services.access.issueToken(APITokenInput(name: "cti", scopes: [.cti]), by: nil).secret
                    var foreign = HTTPClientRequest(url: base + "/live/agent?agent_id=\(anna.id.uuidString)")
                    foreign.headers.add(name: "Authorization", value: "Bearer \(cti)")
                    #expect(try await http.execute(foreign, timeout: .seconds(30)).status == .forbidden)
                } catch {
                    services.contactCentre.live.finishAll()
                    try await http.shutdown()
                    throw error
                }
                services.contactCentre.live.finishAll()
                try await http.shutdown()
            }
            await services.audit.close()
        }
    }
}

extension JSONDecoder {
    /// The API's decoding (snake_case keys) for building inputs in tests.
    static var api: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}

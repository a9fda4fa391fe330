import Foundation
import RapportCore
import RapportStorage

/// Never ask twice: the question bank and the facts captured on any channel.
public struct ProfileService: Sendable {
    let store: ProfileStore
    let parties: PartyStore
    let clock: any Clock
    let bank: TimedCache<[Question]>

    init(store: ProfileStore, parties: PartyStore, clock: any Clock, bank: TimedCache<[Question]>) {
        self.store = store; self.parties = parties; self.clock = clock; self.bank = bank
    }

    public func recordFact(partyId: UUID, _ input: FactInput) async throws -> Fact {
        let now = clock.now()
        let question = try await input.key.map { try FactKey.validate($0) }.asyncMap { try await store.question($0) } ?? nil
        let fact = try input.make(partyId: partyId, question: question, id: .timeOrdered(at: now), now: now)
        return try await store.record(fact)
    }

    /// Every published consent text, every version, newest first.
    public func consentTexts() async throws -> [ConsentText] { try await store.consentTexts() }

    public func publishConsentText(_ input: ConsentTextInput) async throws -> ConsentText {
        let now = clock.now()
        return try await store.publish(try input.make(existing: try await consentTexts(), now: now))
    }

    public func recordConsent(partyId: UUID, _ input: ConsentInput) async throws -> Consent {
        let now = clock.now()
        return try await store.record(try input.make(partyId: partyId, id: .timeOrdered(at: now), now: now))
    }

    /// The consents in force, or with `history` every record, oldest first.
    public func consents(partyId: UUID, history: Bool) async throws -> [Consent] {
        guard try await parties.exists(partyId) else { throw RapportError.notFound("party", partyId.uuidString.lowercased()) }
        let all = try await store.consents(of: partyId)
        return history ? all : ConsentSummary.current(all)
    }

    public func facts(partyId: UUID, history: Bool) async throws -> [Fact] {
        guard try await parties.exists(partyId) else { throw RapportError.notFound("party", partyId.uuidString.lowercased()) }
        return try await store.facts(of: partyId, history: history)
    }

    /// The script's questions whose answers are unknown or stale for this party.
    public func questionsToAsk(partyId: UUID, script: String?) async throws -> [Question] {
        let facts = try await self.facts(partyId: partyId, history: false)
        return QuestionsToAsk.select(try await questions(), facts: facts, script: script, now: clock.now())
    }

    public func createQuestion(_ input: QuestionInput) async throws -> Question {
        defer { bank.invalidate() }
        return try await store.createQuestion(try input.make(now: clock.now()))
    }

    public func updateQuestion(key: String, _ input: QuestionInput) async throws -> Question {
        let now = clock.now()
        defer { bank.invalidate() }
        return try await store.updateQuestion(key) { try input.apply(to: &$0, now: now) }
    }

    public func question(key: String) async throws -> Question {
        guard let q = try await store.question(key) else { throw RapportError.notFound("question", key) }
        return q
    }

    /// The whole bank, as cached (see `TimedCache`).
    public func questions() async throws -> [Question] { try await bank.get { try await store.questions() } }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

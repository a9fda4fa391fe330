import Foundation
import RapportCore

/// Synthetic but realistic data: Russian and English names, phones, e-mails, interactions on every
/// channel. Deterministic for a seed, so two runs build the same data set.
public struct DataGenerator: Sendable {
    public static let ruSurnames = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков"]
    static let ruGiven = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил"]
    public static let enSurnames = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark"]
    static let enGiven = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Emily"]
    static let subjects = ["Order status", "Delivery question", "Invoice copy", "Tariff change", "Complaint", "Consultation"]

    var rng: SplitMix64

    public init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
    }

    public struct Batch: Sendable {
        public var parties: [Party] = []
        public var identities: [Identity] = []
        public var interactions: [Interaction] = []
    }

    /// `count` persons numbered from `offset`, each with a phone and an e-mail, and
    /// `interactionsPerParty` interactions spread over the last two years before `now`.
    public mutating func batch(offset: Int, count: Int, interactionsPerParty: Int, now: Date) -> Batch {
        var b = Batch()
        b.parties.reserveCapacity(count)
        b.identities.reserveCapacity(count * 2)
        b.interactions.reserveCapacity(count * interactionsPerParty)
        for n in offset..<(offset + count) {
            let russian = rng.next() % 3 != 0
            let surname = russian ? Self.ruSurnames.randomElement(using: &rng)! : Self.enSurnames.randomElement(using: &rng)!
            let given = russian ? Self.ruGiven.randomElement(using: &rng)! : Self.enGiven.randomElement(using: &rng)!
            let created = now.addingTimeInterval(-Double(rng.next() % (730 * 86_400)))
            let id = UUID.timeOrdered(at: now)
            b.parties.append(Party(id: id, kind: .person, displayName: "\(surname) \(given)", surname: surname, givenName: given,
                                   language: russian ? "ru" : "en", lifecycleStage: rng.next() % 2 == 0 ? .customer : .prospect,
                                   stageChangedAt: created, createdAt: created, updatedAt: created))
            let phone = "+79\(String(format: "%09d", n % 1_000_000_000))"
            b.identities.append(Identity(id: .timeOrdered(at: now), partyId: id, kind: .phone, value: phone, normalized: phone, label: nil, createdAt: created))
            let email = "user\(n)@example.\(russian ? "ru" : "com")"
            b.identities.append(Identity(id: .timeOrdered(at: now), partyId: id, kind: .email, value: email, normalized: email, label: nil, createdAt: created))
            for _ in 0..<interactionsPerParty {
                let at = now.addingTimeInterval(-Double(rng.next() % (730 * 86_400)))
                let channel = Channel.allCases.randomElement(using: &rng)!
                // Ids follow recording order (as when the history is imported), times are spread over two years.
                b.interactions.append(Interaction(id: .timeOrdered(at: now), partyId: id, channel: channel,
                                                  direction: rng.next() % 4 == 0 ? .outbound : .inbound, occurredAt: at,
                                                  address: channel == .email ? email : phone, agent: "agent\(rng.next() % 200)",
                                                  subject: Self.subjects.randomElement(using: &rng)!, summary: nil, outcome: "resolved",
                                                  createdAt: at))
            }
        }
        return b
    }
}

extension DataGenerator {
    /// The caller number of generated party number `n`, written as a Russian switch would pass it:
    /// `8 (9xx) xxx-xx-xx` (stored as +79…).
    public static func callerNumber(_ n: Int) -> String {
        let d = Array("9" + String(format: "%09d", n % 1_000_000_000))
        return "8 (\(String(d[0..<3]))) \(String(d[3..<6]))-\(String(d[6..<8]))-\(String(d[8..<10]))"
    }
}

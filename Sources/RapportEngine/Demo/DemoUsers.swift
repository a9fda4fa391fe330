import Foundation
import RapportCore

/// The demo's staff: one user per role, each with a random password shown once, when made. An
/// outside agent works the demo campaign "Education loan / Образовательный кредит" (Ivan Petrov is
/// on its list); the account manager manages the S10 organisation.
public struct DemoUsers: Sendable {
    let services: Services
    public init(services: Services) { self.services = services }

    public struct Credential: Sendable, CustomStringConvertible {
        public let login: String
        public let role: Role
        public let password: String
        public var description: String { "  \(login.padding(toLength: 16, withPad: " ", startingAt: 0)) \(role.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(password)" }
    }

    /// Creates the demo users unless any user exists; returns the credentials made now (empty otherwise).
    public func load() async throws -> [Credential] {
        guard try await services.access.userCount() == 0 else { return [] }
        let campaign = try await services.access.createCampaign(name: "Education loan / Образовательный кредит")
        if let ivan = try await services.parties.owner(of: .phone, address: DemoDataSet.ivanPhone) {
            _ = try await services.access.addToCampaign(campaign.id, parties: [ivan.partyId])
        }
        let people: [(String, String, Role)] = [
            ("admin", "Anna Administrator / Анна Админ", .administrator),
            ("agent", "Olga Agent / Ольга Оператор", .agent),
            ("supervisor", "Sergey Supervisor / Сергей Супервизор", .supervisor),
            ("manager", "Maria Manager / Мария Менеджер", .accountManager),
            ("marketer", "Mark Marketer / Марк Маркетолог", .marketer),
            ("outside", "Oscar Outside / Оскар Подрядчик", .outsideAgent),
        ]
        var made: [Credential] = []
        for (login, name, role) in people {
            let password = Self.password()
            let user = try await services.access.createUser(UserInput(login: login, displayName: name, role: role,
                                                                      campaignId: role == .outsideAgent ? campaign.id : nil,
                                                                      language: role == .outsideAgent ? "en" : "ru", password: password))
            made.append(Credential(login: login, role: role, password: password))
            if role == .agent || role == .supervisor {
                // The demo agent and supervisor take calls too: each is an agent in the contact centre.
                _ = try await services.contactCentre.createAgent(AgentInput(key: login, displayName: name, userId: user.id,
                                                                            skills: role == .agent ? ["ru", "en", "mortgage"] : ["ru", "b2b"]))
            }
            if role == .accountManager, let org = try await services.parties.list(PartyFilter(kind: .organisation, inn: "7707083893"),
                                                                                  page: try PageRequest(limit: 1)).items.first {
                _ = try await services.parties.update(org.id, PartyInput(accountManagerId: user.id))
            }
        }
        return made
    }

    /// 16 characters from an alphabet without look-alikes, from the system's secure generator.
    public static func password() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

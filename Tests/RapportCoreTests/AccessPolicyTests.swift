import Foundation
import RapportCore
import Testing

@Suite struct AccessPolicyTests {
    @Test func onlyAdministratorsManageUsersReadTheAuditTrailAndAnswerDataSubjectRequests() {
        for role in Role.allCases {
            let admin = role == .administrator
            #expect(AccessPolicy.allows(role, .userManage) == admin, "\(role)")
            #expect(AccessPolicy.allows(role, .auditRead) == admin, "\(role)")
            #expect(AccessPolicy.allows(role, .privacyRequest) == admin, "\(role)")
            #expect(AccessPolicy.allows(role, .configurationManage) == admin, "\(role)")
        }
    }

    @Test func anOutsideAgentMayOnlyWorkTheirCallingList() {
        #expect(AccessPolicy.capabilities(of: .outsideAgent) == [.callingList, .interactionRecord])
    }

    @Test func aTelephonyTokenIdentifiesAndRecordsButReadsNoRegistry() {
        let cti = Principal(kind: .token, id: UUID(), role: nil, capabilities: TokenScope.cti.capabilities)
        #expect(cti.can(.contactIdentify) && cti.can(.interactionRecord))
        #expect(!cti.can(.customerRead) && !cti.can(.customerWrite) && !cti.can(.userManage))
    }

    @Test func anAccountManagerMayChangeOnlyAccountsTheyManage() {
        let me = UUID()
        let manager = Principal(kind: .user, id: me, role: .accountManager, capabilities: AccessPolicy.capabilities(of: .accountManager))
        #expect(manager.mayChange(partyManagedBy: me))
        #expect(!manager.mayChange(partyManagedBy: UUID()))
        #expect(!manager.mayChange(partyManagedBy: nil))
        let agent = Principal(kind: .user, id: UUID(), role: .agent, capabilities: AccessPolicy.capabilities(of: .agent))
        #expect(agent.mayChange(partyManagedBy: me))
    }

    @Test func weakPasswordsAndOddLoginsAreRefused() throws {
        for weak in ["short", "aaaaaaaaaaaaaaaa", String(repeating: "ab", count: 40)] {
            #expect(throws: RapportError.self) { try User.checkPassword(weak) }
        }
        try User.checkPassword("correct horse battery")
        #expect(try User.normalizedLogin("  Olga.Agent ") == "olga.agent")
        #expect(throws: RapportError.self) { try User.normalizedLogin("ольга") }
        #expect(throws: RapportError.self) { try User.normalizedLogin("a b") }
    }
}

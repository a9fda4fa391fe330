import Foundation

/// What a signed-in person does in the company; decides what they may do in Rapport.
public enum Role: String, ClosedVocabulary {
    case agent
    case supervisor
    case accountManager = "account_manager"
    case marketer
    case administrator
    /// A contractor's employee working one outbound campaign: sees only that campaign's calling list.
    case outsideAgent = "outside_agent"
}

/// One thing a caller may be allowed to do. Every route names exactly one (see the server's
/// route table); roles and token scopes are sets of them.
public enum Capability: String, ClosedVocabulary {
    /// Read customers and everything on their trail: parties, cards, timelines, orders, invoices, search.
    case customerRead = "customer_read"
    /// Create and change customers' master data, identities, contacts, facts, consents, requests.
    case customerWrite = "customer_write"
    /// Identify inbound contacts and record them with the screen pop (CTI, agents).
    case contactIdentify = "contact_identify"
    /// Record interactions on a party's trail (agents, outside agents on their list, self-service).
    case interactionRecord = "interaction_record"
    /// Merge duplicates and undo merges.
    case customerMerge = "customer_merge"
    /// Orders and contracts.
    case salesWrite = "sales_write"
    /// Invoices, payments, shipments, returns.
    case financeWrite = "finance_write"
    /// Read the catalogue.
    case catalogueRead = "catalogue_read"
    /// Change the catalogue (items, tariffs, bundles).
    case catalogueWrite = "catalogue_write"
    /// Read configuration: matching rules, the question bank.
    case configurationRead = "configuration_read"
    /// Change configuration: matching rules, the question bank, retention rules.
    case configurationManage = "configuration_manage"
    /// Campaigns and their calling lists.
    case campaignManage = "campaign_manage"
    /// Work one's own campaign's calling list.
    case callingList = "calling_list"
    /// Users and API tokens.
    case userManage = "user_manage"
    /// Read the audit trail.
    case auditRead = "audit_read"
    /// Data-subject requests: export everything about a person, erase a person.
    case privacyRequest = "privacy_request"
    /// Telephony, chat and voice platforms: post contact events, IVR look-ups, survey answers.
    case contactEvents = "contact_events"
    /// Work as a contact-centre agent: one's own live stream and state, contacts and their events.
    case agentWork = "agent_work"
    /// Watch the contact centre: wallboard, service figures, agents and queues.
    case contactCentreMonitor = "contact_centre_monitor"
    /// Set up the contact centre: agents and their skills, queues, routing settings; any agent's state.
    case contactCentreManage = "contact_centre_manage"
    /// Set up proactive service: event types, rules and their templates; send a dead message again.
    case proactiveManage = "proactive_manage"
    /// Other systems: post business events (a delayed order, a gate change) and delivery receipts.
    case businessEvents = "business_events"
}

/// The one table of who may do what. Row-level limits (an account manager's own accounts, an
/// outside agent's calling list) come on top, per request.
public enum AccessPolicy {
    public static func capabilities(of role: Role) -> Set<Capability> {
        switch role {
        case .agent:
            [.customerRead, .customerWrite, .contactIdentify, .interactionRecord, .customerMerge, .catalogueRead, .configurationRead, .agentWork]
        case .supervisor:
            [.customerRead, .customerWrite, .contactIdentify, .interactionRecord, .customerMerge, .catalogueRead, .configurationRead, .campaignManage,
             .agentWork, .contactCentreMonitor, .contactCentreManage]
        case .accountManager:
            [.customerRead, .customerWrite, .contactIdentify, .interactionRecord, .customerMerge, .salesWrite, .catalogueRead, .configurationRead]
        case .marketer:
            [.customerRead, .catalogueRead, .catalogueWrite, .configurationRead, .campaignManage, .proactiveManage]
        case .administrator:
            Set(Capability.allCases)
        case .outsideAgent:
            [.callingList, .interactionRecord]
        }
    }

    public static func allows(_ role: Role, _ capability: Capability) -> Bool { capabilities(of: role).contains(capability) }
}

/// What an integration's API token may do. A token acts on its own, not as a user.
public enum TokenScope: String, ClosedVocabulary {
    /// Telephony and chat platforms: identify contacts, record inbound contacts and their events.
    case cti
    /// Systems feeding data in: customers, orders, contracts, invoices, the catalogue, interactions,
    /// business events and delivery receipts.
    case intake
    /// Read-only access to customers and the catalogue (reporting, a website's account page).
    case read
    /// Everything an administrator may do (operations scripts).
    case admin

    public var capabilities: Set<Capability> {
        switch self {
        case .cti: [.contactIdentify, .interactionRecord, .contactEvents]
        case .intake: [.customerWrite, .contactIdentify, .interactionRecord, .salesWrite, .financeWrite, .catalogueWrite, .businessEvents]
        case .read: [.customerRead, .catalogueRead, .configurationRead, .contactCentreMonitor]
        case .admin: AccessPolicy.capabilities(of: .administrator)
        }
    }
}

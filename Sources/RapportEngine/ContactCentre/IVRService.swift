import Foundation
import RapportCore
import RapportStorage

/// The phone menu's order-status step (S3): keyed digits in, what to say out. Every exchange is an
/// IVR entry on the trail; after two failed attempts in one call the caller is offered an agent.
public struct IVRService: Sendable {
    let store: ContactCentreStore
    let commerce: CommerceStore
    let identification: IdentificationService
    let parties: PartyStore
    let clock: any Clock

    public init(store: ContactCentreStore, commerce: CommerceStore, identification: IdentificationService, parties: PartyStore, clock: any Clock) {
        self.store = store; self.commerce = commerce; self.identification = identification; self.parties = parties; self.clock = clock
    }

    public struct Input: Codable, Sendable {
        /// The voice platform's id of the call: attempts are counted per call.
        public var callId: String?
        public var caller: String?
        public var digits: String?
        public var language: SpokenLanguage?
        public init(callId: String?, caller: String?, digits: String?, language: SpokenLanguage? = nil) {
            self.callId = callId; self.caller = caller; self.digits = digits; self.language = language
        }
    }

    public func orderStatus(_ input: Input) async throws -> IVRReply {
        let callId = try Validate.text(input.callId, "call_id", max: 200)
        let caller = try Validate.optionalText(input.caller, "caller", max: 100)
        let now = clock.now()
        var partyId: UUID?
        if let caller {
            let who = try await identification.identify(ContactClues(channel: .phone, address: caller))
            if who.status == .identified { partyId = who.partyId }
        }
        var language = input.language
        if language == nil, let partyId, let party = try await parties.get(partyId)?.party {
            language = party.language.flatMap { SpokenLanguage(rawValue: $0.lowercased()) }
        }
        let lang = language ?? .ru
        let previous = try await store.ivrFailedAttempts(callId: callId)
        var reply: IVRReply
        var orderId: UUID?
        if let number = IVRScript.orderNumber(fromDigits: input.digits) {
            if let order = try await commerce.order(keypadDigits: number) {
                let shipment = try await commerce.shipments(orderId: order.id, page: try PageRequest(limit: 100)).items.max { $0.createdAt < $1.createdAt }
                let delivery = shipment?.deliveredOn ?? shipment?.promisedOn
                orderId = order.id
                partyId = partyId ?? order.partyId
                reply = IVRReply(result: .found, say: IVRScript.status(number: number, status: order.status, shipment: shipment?.status,
                                                                        delivery: delivery, lang),
                                 language: lang, failedAttempts: previous, offerAgent: false, orderStatus: order.status, deliveryDate: delivery)
            } else {
                reply = Self.failure(.notFound, previous: previous, lang)
            }
        } else {
            reply = Self.failure(.invalidDigits, previous: previous, lang)
        }
        let entry = Interaction(id: .timeOrdered(at: now), partyId: partyId, channel: .ivr, direction: .inbound, occurredAt: now, address: caller,
                                subject: "IVR: order status", summary: reply.say, outcome: reply.result.rawValue, orderId: orderId, createdAt: now)
        reply.failedAttempts = try await store.recordIVRAttempt(callId: callId, partyId: partyId, failed: reply.result != .found,
                                                                 interaction: entry, at: now)
        reply.interactionId = entry.id
        return reply
    }

    static func failure(_ result: IVRReply.Result, previous: Int, _ language: SpokenLanguage) -> IVRReply {
        let failures = previous + 1
        return IVRReply(result: result, say: IVRScript.failure(result, failedAttempts: failures, language), language: language,
                        failedAttempts: failures, offerAgent: failures >= IVRScript.maxFailedAttempts)
    }
}

import Foundation

/// The phone menu's language.
public enum SpokenLanguage: String, ClosedVocabulary { case ru, en }

/// What the voice platform should say, and whether to hand the caller to an agent.
public struct IVRReply: Codable, Sendable, Equatable {
    public enum Result: String, Codable, Sendable { case found, notFound = "not_found", invalidDigits = "invalid_digits" }
    public var result: Result
    public var say: String
    public var language: SpokenLanguage
    /// Failed attempts in this call so far.
    public var failedAttempts: Int
    /// True after two failed attempts: the platform should offer (or transfer to) an agent.
    public var offerAgent: Bool
    public var orderStatus: OrderStatus?
    public var deliveryDate: CivilDate?
    public var interactionId: UUID?

    public init(result: Result, say: String, language: SpokenLanguage, failedAttempts: Int, offerAgent: Bool, orderStatus: OrderStatus? = nil,
                deliveryDate: CivilDate? = nil, interactionId: UUID? = nil) {
        self.result = result; self.say = say; self.language = language; self.failedAttempts = failedAttempts; self.offerAgent = offerAgent
        self.orderStatus = orderStatus; self.deliveryDate = deliveryDate; self.interactionId = interactionId
    }
}

/// An order number as a phone keypad can enter it: its digits only (`FL-10001` → `10001`); nil
/// when it has none.
public enum KeypadNumber {
    public static func of(_ number: String) -> String? {
        let digits = String(number.filter { $0.isASCII && $0.isNumber })
        return digits.isEmpty ? nil : digits
    }
}

/// The words of the order-status menu (S3), in Russian and English. Pure: status in, sentence out.
public enum IVRScript {
    public static let maxFailedAttempts = 2

    /// Keyed digits of an order number: 1 to 20 digits, `#` and `*` ignored.
    public static func orderNumber(fromDigits digits: String?) -> String? {
        let kept = (digits ?? "").filter { $0 != "#" && $0 != "*" && !$0.isWhitespace }
        guard (1...20).contains(kept.count), kept.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return kept
    }

    static let monthsRu = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"]
    static let monthsEn = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    public static func spoken(_ date: CivilDate, _ language: SpokenLanguage) -> String {
        switch language {
        case .ru: "\(date.day) \(monthsRu[date.month - 1])"
        case .en: "\(monthsEn[date.month - 1]) \(date.day)"
        }
    }

    public static func status(number: String, status: OrderStatus, shipment: ShipmentStatus?, delivery: CivilDate?, _ language: SpokenLanguage) -> String {
        let digits = number.map(String.init).joined(separator: " ")
        switch language {
        case .ru:
            let state: String = switch (status, shipment) {
            case (.delivered, _), (_, .delivered?): "доставлен"
            case (.cancelled, _): "отменён"
            case (.returned, _): "возвращён"
            case (_, .delayed?): "задерживается"
            case (.shipped, _), (_, .dispatched?), (_, .inTransit?): "передан в доставку"
            case (.confirmed, _): "подтверждён и собирается"
            case (.placed, _): "принят"
            }
            let when = delivery.map { status == .delivered || shipment == .delivered ? " \(spoken($0, .ru))" : ". Ожидаемая дата доставки — \(spoken($0, .ru))" } ?? ""
            return "Ваш заказ номер \(digits) \(state)\(when)."
        case .en:
            let state: String = switch (status, shipment) {
            case (.delivered, _), (_, .delivered?): "was delivered"
            case (.cancelled, _): "was cancelled"
            case (.returned, _): "was returned"
            case (_, .delayed?): "is delayed"
            case (.shipped, _), (_, .dispatched?), (_, .inTransit?): "is on its way"
            case (.confirmed, _): "is confirmed and being prepared"
            case (.placed, _): "has been received"
            }
            let when = delivery.map { status == .delivered || shipment == .delivered ? " on \(spoken($0, .en))" : ". The expected delivery date is \(spoken($0, .en))" } ?? ""
            return "Your order number \(digits) \(state)\(when)."
        }
    }

    public static func failure(_ result: IVRReply.Result, failedAttempts: Int, _ language: SpokenLanguage) -> String {
        let offer = failedAttempts >= maxFailedAttempts
        switch (language, result, offer) {
        case (.ru, _, true): return "К сожалению, заказ найти не удалось. Соединяю вас с оператором."
        case (.ru, .invalidDigits, false): return "Номер заказа не распознан. Пожалуйста, наберите номер заказа и нажмите решётку."
        case (.ru, _, false): return "Заказ с таким номером не найден. Пожалуйста, наберите номер заказа ещё раз и нажмите решётку."
        case (.en, _, true): return "Sorry, we could not find your order. Connecting you to an agent."
        case (.en, .invalidDigits, false): return "The order number was not recognised. Please key in your order number followed by the hash key."
        case (.en, _, false): return "No order with that number was found. Please key in your order number again followed by the hash key."
        }
    }
}

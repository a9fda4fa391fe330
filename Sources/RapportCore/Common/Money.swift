/// An amount in integer minor units (kopecks, cents) with an ISO 4217 currency code.
public struct Money: Hashable, Sendable, Codable {
    public let amountMinor: Int64
    public let currency: String

    public init(amountMinor: Int64, currency: String) throws {
        let code = currency.uppercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw RapportError.invalidField("currency", code: "invalid_currency", "expected a three-letter ISO 4217 code", "ожидается трёхбуквенный код валюты ISO 4217")
        }
        self.amountMinor = amountMinor
        self.currency = code
    }

    enum CodingKeys: String, CodingKey { case amountMinor, currency }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(amountMinor: try c.decode(Int64.self, forKey: .amountMinor), currency: try c.decode(String.self, forKey: .currency))
    }
}

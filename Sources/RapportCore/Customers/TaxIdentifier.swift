/// Russian taxpayer numbers: INN (10 digits for organisations, 12 for individuals) with its
/// check digits, and KPP (the 9-character registration reason code).
public enum RussianTaxId {
    public static func validateINN(_ inn: String) throws {
        let digits = inn.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == inn.count, digits.count == 10 || digits.count == 12 else {
            throw RapportError.invalidField("inn", code: "invalid_inn", "an INN has 10 or 12 digits", "ИНН состоит из 10 или 12 цифр")
        }
        func check(_ weights: [Int]) -> Int {
            zip(weights, digits).reduce(0) { $0 + $1.0 * $1.1 } % 11 % 10
        }
        let ok: Bool
        if digits.count == 10 {
            ok = check([2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[9]
        } else {
            ok = check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[10]
                && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == digits[11]
        }
        guard ok else {
            throw RapportError.invalidField("inn", code: "invalid_inn", "the INN check digit is wrong", "неверная контрольная цифра ИНН")
        }
    }

    public static func validateKPP(_ kpp: String) throws {
        let chars = Array(kpp)
        let ok = chars.count == 9
            && chars[0..<4].allSatisfy { $0.isASCII && $0.isNumber }
            && chars[4..<6].allSatisfy { $0.isASCII && ($0.isNumber || $0.isUppercase) }
            && chars[6..<9].allSatisfy { $0.isASCII && $0.isNumber }
        guard ok else {
            throw RapportError.invalidField("kpp", code: "invalid_kpp", "a KPP is 4 digits, 2 digits or capital letters, 3 digits", "КПП: 4 цифры, 2 цифры или заглавные буквы, 3 цифры")
        }
    }
}

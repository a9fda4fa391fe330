import Crypto
import Dispatch
import Foundation
import HummingbirdBcrypt

/// Secrets made and checked here: random tokens, their SHA-256 for storage, bcrypt for passwords.
enum Secrets {
    /// `bytes` of system randomness (getrandom on Linux), as lower-case hex.
    static func random(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Lower-case hex without `String(format:)`, which is slow on Linux and sits on every request's token check.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0f)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// What is stored for a bearer secret: its SHA-256, hex. A high-entropy secret needs no slow hash.
    static func sha256(_ secret: String) -> String {
        hex(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Bcrypt off the cooperative pool: it is deliberately slow.
    static func hashPassword(_ password: String, cost: UInt8) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }

    static func verifyPassword(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Bcrypt.verify(password, hash: hash)) }
        }
    }
}

import ArgumentParser
import Foundation
import RapportCore
import RapportEngine

/// Users and tokens from the command line: the first administrator (there is no default
/// password anywhere), password resets, tokens for integrations and scripts.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Create users, reset passwords and issue API tokens.",
        subcommands: [Create.self, Password.self, Token.self])

    /// The password from RAPPORT_ADMIN_PASSWORD, else the first line of standard input; `--generate` makes one.
    static func readPassword(generate: Bool) throws -> (password: String, show: Bool) {
        if generate { return (DemoUsers.password() + DemoUsers.password(), true) }
        if let env = ProcessInfo.processInfo.environment["RAPPORT_ADMIN_PASSWORD"], !env.isEmpty { return (env, false) }
        FileHandle.standardError.write(Data("Password (12 characters or more): ".utf8))
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandFailure("no password given: type it, pipe it on standard input, set RAPPORT_ADMIN_PASSWORD, or pass --generate")
        }
        return (line, false)
    }

    /// Opens the database, runs `body`, and closes it whatever happens; a refused input becomes the command's error message.
    static func withRuntime(_ db: DatabaseOptions, _ body: (RapportRuntime) async throws -> Void) async throws {
        let runtime = try await RapportRuntime.open(try AppConfig(database: db.database))
        do {
            try await body(runtime)
        } catch let error as RapportError {
            await runtime.close()
            throw CommandFailure(error.message)
        } catch {
            await runtime.close()
            throw error
        }
        await runtime.close()
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (by default an administrator).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Sign-in name (Latin letters, digits, . _ - @).") var login: String
        @Option(help: "Name shown to colleagues.") var name: String?
        @Option(help: "agent, supervisor, account_manager, marketer, administrator or outside_agent.") var role: String = "administrator"
        @Option(help: "Page language: en or ru.") var language: String = "en"
        @Flag(help: "Generate a strong password and print it.") var generate = false

        func run() async throws {
            let role: Role
            do { role = try Role(validating: self.role, field: "role") } catch let error as RapportError { throw CommandFailure(error.message) }
            let (password, show) = try AdminCommand.readPassword(generate: generate)
            try await AdminCommand.withRuntime(db) { runtime in
                let user = try await runtime.services.access.createUser(UserInput(login: login, displayName: name ?? login, role: role,
                                                                                  language: language, password: password))
                say("Created \(user.role.rawValue) \(user.login) (\(user.id.uuidString.lowercased())).")
                if show { say("Password: \(password)") }
            }
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password; unlocks the account and ends its sessions.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The user's sign-in name.") var login: String
        @Flag(help: "Generate a strong password and print it.") var generate = false

        func run() async throws {
            let (password, show) = try AdminCommand.readPassword(generate: generate)
            try await AdminCommand.withRuntime(db) { runtime in
                guard let user = try await runtime.services.access.users().first(where: { $0.login == login.lowercased() }) else {
                    throw CommandFailure("no user with login \(login)")
                }
                _ = try await runtime.services.access.updateUser(user.id, UserInput(password: password, disabled: false))
                say("Password set for \(user.login).")
                if show { say("Password: \(password)") }
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue an API token and print its secret (shown only now).")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "What the token is for, e.g. \"PBX\".") var name: String
        @Option(name: .customLong("scope"), help: "cti, intake, read or admin (repeat for several).") var scopes: [String] = []
        @Option(help: "Days until it expires (default: until revoked).") var expiresInDays: Int?

        func run() async throws {
            let scopes: [TokenScope]
            do { scopes = try self.scopes.map { try TokenScope(validating: $0, field: "scope") } } catch let error as RapportError { throw CommandFailure(error.message) }
            try await AdminCommand.withRuntime(db) { runtime in
                let issued = try await runtime.services.access.issueToken(APITokenInput(name: name, scopes: scopes, expiresInDays: expiresInDays), by: nil)
                say(issued.secret)
            }
        }
    }
}

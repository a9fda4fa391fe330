import Foundation
import RapportEngine

/// Writes a line to standard output at once (print is block-buffered when output is a pipe or
/// a file, so a supervisor or a log would not see "listening on …" until exit).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A command that cannot do its work: printed as "Error: …", exit code 1, without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The demo users' passwords, shown once, when they are made.
func sayDemoUsers(_ credentials: [DemoUsers.Credential]) {
    guard !credentials.isEmpty else {
        say("Demo users exist already; set a new password with `rapport admin password --login admin`.")
        return
    }
    say("Demo users (passwords are shown only now; sign in on the pages or with POST /api/v1/session):")
    say("  login            role             password")
    for c in credentials { say(c.description) }
}

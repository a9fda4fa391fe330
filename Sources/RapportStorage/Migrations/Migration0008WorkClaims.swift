/// Work that one node at a time should do (a scheduled value run): a named claim held until a
/// time. A node that dies holding it is replaced once the time has passed.
enum Migration0008WorkClaims {
    static let migration = Migration(id: "0008-work-claims", statements: [
        """
        CREATE TABLE work_claims (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            held_until {ts} NOT NULL
        )
        """,
    ])
}

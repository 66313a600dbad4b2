-- The connection doctor's last check of each connection (issue 14). Numbered after the
-- issue so that it cannot collide with migrations other branches add at the same time.
-- report is the admin API's JSON answer, which never holds a secret.
CREATE TABLE connection_checks (
    connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    checked_at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    report TEXT NOT NULL
);

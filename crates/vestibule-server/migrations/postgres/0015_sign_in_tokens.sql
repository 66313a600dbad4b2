-- Sign-in tokens (issue 13): single-use links the backend API makes, with the secret key, to
-- sign a browser in as a user. Numbered after the issue so that it cannot collide with
-- migrations other branches add at the same time. Only the token's SHA-256 is kept; a used
-- token stays (used_at set) until it expires, so that a second visit is told "already used".
-- requested_by says who asked: the secret key's fingerprint and the client's address.
CREATE TABLE sign_in_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_url TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX sign_in_tokens_by_user ON sign_in_tokens (user_id);

-- A banned user (backend API: POST /v1/users/{id}/ban) has no sessions and cannot sign in, by
-- Atlassian or by sign-in token, until unbanned. NULL: not banned.
ALTER TABLE users ADD COLUMN banned_at BIGINT;

-- Vestibule's schema. Portable SQL (SQLite now, Postgres next): TEXT ids, BIGINT Unix
-- seconds, BOOLEAN flags; no AUTOINCREMENT, no INSERT OR REPLACE.

-- Facts about this instance that must survive restarts (its id, one-time setup steps).
CREATE TABLE instance_facts (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One connection per provider. client_secret is sealed with the master key.
CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL UNIQUE,
    audience TEXT NOT NULL,
    enabled_for_sign_in BOOLEAN NOT NULL,
    use_custom_credentials BOOLEAN NOT NULL,
    client_id TEXT,
    client_secret TEXT,
    client_secret_last4 TEXT,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT,
    email TEXT,
    email_verified BOOLEAN NOT NULL,
    avatar_url TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- An external account is keyed by (provider, provider_account_id), never by e-mail.
-- access_token and refresh_token are sealed; oauth_client_id says which OAuth app issued
-- them, because only that app can refresh them.
CREATE TABLE external_accounts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    provider_account_id TEXT NOT NULL,
    email TEXT,
    email_verified BOOLEAN NOT NULL,
    name TEXT,
    avatar_url TEXT,
    site_id TEXT,
    site_name TEXT,
    site_url TEXT,
    site_avatar_url TEXT,
    scopes TEXT NOT NULL,
    oauth_client_id TEXT NOT NULL,
    access_token TEXT NOT NULL,
    access_token_expires_at BIGINT NOT NULL,
    refresh_token TEXT,
    reconnect_needed BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (provider, provider_account_id)
);
CREATE INDEX external_accounts_by_user ON external_accounts (user_id);

-- Only the SHA-256 of a session token is kept.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- An OAuth authorization in progress, found by the SHA-256 of its browser cookie and
-- deleted when the callback consumes it. pkce_verifier is sealed.
CREATE TABLE oauth_flows (
    id TEXT PRIMARY KEY,
    cookie_hash TEXT NOT NULL UNIQUE,
    state_hash TEXT NOT NULL,
    provider TEXT NOT NULL,
    intent TEXT NOT NULL,
    oauth_client_id TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_url TEXT NOT NULL,
    user_id TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Dashboard sign-ins with the secret key; only the cookie's SHA-256 is kept.
CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

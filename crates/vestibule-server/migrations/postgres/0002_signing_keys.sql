-- The instance's session-token signing keys (Ed25519). private_key is the PKCS#8 document,
-- sealed with the master key; public_key is the raw 32-byte key, base64url, as the JWKS
-- serves it. The newest key without retired_at signs; a retired key stays published until
-- every token it can have signed has expired, then it is deleted.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

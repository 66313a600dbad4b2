//! Secrets at rest and random tokens: AES-256-GCM sealing bound to a row, SHA-256 digests of
//! bearer tokens, and constant-time comparison.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `n` random bytes from the thread's CSPRNG (ChaCha, seeded by the OS).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A URL-safe token of 256 random bits.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// Hex SHA-256: what the database keeps instead of a bearer token.
pub fn sha256_hex(value: &str) -> String {
    // Into a buffer: `hex::encode` goes a char at a time, and this runs on every session check.
    let mut hex = [0u8; 64];
    hex::encode_to_slice(Sha256::digest(value.as_bytes()), &mut hex)
        .expect("64 hex digits for 32 bytes");
    std::str::from_utf8(&hex)
        .expect("hex digits are ASCII")
        .to_owned()
}

/// Compares two secrets without leaking, through timing, how much of them matched. Both are
/// hashed first so that their lengths do not leak either.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    let a = Sha256::digest(a.as_bytes());
    let b = Sha256::digest(b.as_bytes());
    a.ct_eq(&b).into()
}

/// Where a sealed value lives. It is the ciphertext's associated data, so a value copied
/// into another row, column or table no longer opens.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row_id: &'a str,
}

impl<'a> Slot<'a> {
    pub fn new(table: &'a str, column: &'a str, row_id: &'a str) -> Self {
        Self {
            table,
            column,
            row_id,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes, as 64 hex digits or base64")]
    BadMasterKey,
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed with key {0}, which this server does not have")]
    UnknownKey(String),
    #[error("sealed value does not open (wrong key, tampered, or moved from another row)")]
    Tampered,
}

const FORMAT: &str = "v1";

/// The instance's master key, which seals client secrets and OAuth tokens.
pub struct MasterKey {
    cipher: Aes256Gcm,
    /// A short fingerprint stored with each ciphertext so that a future key rotation can tell
    /// which key sealed what.
    key_id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// 32 fresh random bytes, hex-encoded as stored in the key file.
    pub fn generate_encoded() -> String {
        hex::encode(random_bytes::<32>())
    }

    /// Reads 32 bytes written as 64 hex digits or as (URL-safe or standard) base64.
    pub fn parse(encoded: &str) -> Result<Self, CryptoError> {
        let encoded = encoded.trim();
        let bytes = hex::decode(encoded)
            .ok()
            .or_else(|| STANDARD.decode(encoded).ok())
            .or_else(|| URL_SAFE_NO_PAD.decode(encoded.trim_end_matches('=')).ok())
            .ok_or(CryptoError::BadMasterKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadMasterKey)?;
        Ok(Self::from_bytes(&key))
    }

    fn from_bytes(key: &[u8; 32]) -> Self {
        let mut fingerprint = Sha256::new();
        fingerprint.update(b"vestibule master key id\0");
        fingerprint.update(key);
        Self {
            cipher: Aes256Gcm::new(key.into()),
            key_id: hex::encode(&fingerprint.finalize()[..4]),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`
    pub fn seal(&self, slot: Slot<'_>, plaintext: &str) -> String {
        let nonce = random_bytes::<12>();
        let aad = associated_data(&self.key_id, slot);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            // AES-GCM fails only on inputs over 64 GiB.
            .unwrap_or_default();
        let mut blob = Vec::with_capacity(nonce.len() + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        format!("{FORMAT}.{}.{}", self.key_id, URL_SAFE_NO_PAD.encode(blob))
    }

    pub fn open(&self, slot: Slot<'_>, sealed: &str) -> Result<String, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(FORMAT), Some(key_id), Some(blob)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        if key_id != self.key_id {
            return Err(CryptoError::UnknownKey(key_id.to_owned()));
        }
        let blob = URL_SAFE_NO_PAD
            .decode(blob)
            .map_err(|_| CryptoError::Malformed)?;
        if blob.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = blob.split_at(12);
        let aad = associated_data(key_id, slot);
        let plaintext = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Tampered)?;
        String::from_utf8(plaintext).map_err(|_| CryptoError::Malformed)
    }
}

fn associated_data(key_id: &str, slot: Slot<'_>) -> Vec<u8> {
    // Length-prefixed so that ("a.b", "c") and ("a", "b.c") differ.
    let mut aad = Vec::new();
    for part in [FORMAT, key_id, slot.table, slot.column, slot.row_id] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::parse(&MasterKey::generate_encoded()).unwrap()
    }

    #[test]
    fn sealed_values_open_only_in_their_own_slot() {
        let key = key();
        let slot = Slot::new("connections", "client_secret", "con_1");
        let sealed = key.seal(slot, "s3cret-value");
        assert!(!sealed.contains("s3cret"));
        assert!(sealed.starts_with(&format!("v1.{}.", key.key_id())));
        assert_eq!(key.open(slot, &sealed).unwrap(), "s3cret-value");

        let other_row = Slot::new("connections", "client_secret", "con_2");
        assert!(matches!(
            key.open(other_row, &sealed),
            Err(CryptoError::Tampered)
        ));
        let other_column = Slot::new("connections", "client_id", "con_1");
        assert!(key.open(other_column, &sealed).is_err());
    }

    #[test]
    fn another_key_or_a_flipped_bit_does_not_open() {
        let (a, b) = (key(), key());
        let slot = Slot::new("t", "c", "r");
        let sealed = a.seal(slot, "x");
        assert!(matches!(
            b.open(slot, &sealed),
            Err(CryptoError::UnknownKey(_))
        ));
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(a.open(slot, &String::from_utf8(tampered).unwrap()).is_err());
    }

    #[test]
    fn master_key_accepts_hex_and_base64_of_32_bytes_only() {
        let bytes = [7u8; 32];
        assert!(MasterKey::parse(&hex::encode(bytes)).is_ok());
        assert!(MasterKey::parse(&STANDARD.encode(bytes)).is_ok());
        assert!(MasterKey::parse(&URL_SAFE_NO_PAD.encode(bytes)).is_ok());
        assert!(MasterKey::parse(&hex::encode([7u8; 16])).is_err());
        assert!(MasterKey::parse("not a key").is_err());
    }

    #[test]
    fn secret_comparison_and_tokens() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
        let token = random_token();
        assert_eq!(token.len(), 43);
        assert_ne!(token, random_token());
        // The stored token hashes: lowercase hex of SHA-256 (FIPS 180-2's "abc" vector).
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

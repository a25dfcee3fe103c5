// The Ed25519 verifier for browsers without WebCrypto's (loaded on demand
// by crates/bongsu-web/js/ed25519.js). Bundled by minify.mjs into
// fallback/ed25519.js beside each page, with its own SHA-512 so that it
// needs no crypto.subtle either.
import { hashes, verify as nobleVerify } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

hashes.sha512 = sha512;

// RFC 8032 encodings, not ZIP-215's. (Small-order keys and R never get
// here: bongsu_core::ed25519 refuses them before asking any browser.)
export function verify(key, message, signature) {
  try {
    return nobleVerify(signature, message, key, { zip215: false });
  } catch {
    return false;
  }
}

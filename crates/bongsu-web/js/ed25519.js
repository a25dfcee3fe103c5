// Ed25519 verification for the browser builds (src/signature_checks.rs).
//
// WebCrypto's Ed25519 first: built in, fast, nothing to download. A browser
// without it (Chrome before 137, Safari before 17, older Samsung Internet)
// loads fallback/ed25519.js once, on demand: @noble/ed25519 with its own
// SHA-512, bundled by e2e/build/minify.mjs beside each page, so it works
// without crypto.subtle too. Browsers differ on small-order keys and R;
// the core refuses those before asking (bongsu_core::ed25519).
let builtIn; // undefined until the first check tells
let fallback;

// Checks packed by signature_checks.rs, each as key (32 bytes), signature
// (64), message length (4, little-endian) and message; answers one byte
// each: 1 valid, 0 invalid, 2 could not check.
export async function ed25519VerifyAll(view) {
  // A copy: `view` is a window on wasm memory, which may grow (and move)
  // while the checks wait.
  const packed = view.slice();
  const checks = [];
  for (let at = 0; at + 100 <= packed.length; ) {
    const length = new DataView(packed.buffer, packed.byteOffset + at + 96, 4).getUint32(0, true);
    const message = packed.subarray(at + 100, at + 100 + length);
    checks.push([packed.subarray(at, at + 32), message, packed.subarray(at + 32, at + 96)]);
    at += 100 + length;
  }
  const answers = await Promise.all(
    checks.map((check) => ed25519Verify(...check).then((valid) => (valid ? 1 : 0), () => 2)),
  );
  return Uint8Array.from(answers);
}

async function ed25519Verify(key, message, signature) {
  if (builtIn !== false) {
    try {
      const imported = await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
      const valid = await crypto.subtle.verify({ name: 'Ed25519' }, imported, signature, message);
      builtIn = true;
      return valid;
    } catch (error) {
      // A key that is not a curve point: Ed25519 is there, the key is bad.
      if (builtIn === true || error?.name === 'DataError') {
        builtIn = true;
        return false;
      }
      builtIn = false;
    }
  }
  // (Not kept if it fails to load, e.g. offline before it was ever kept:
  // the next check tries again.)
  // Within 10 s, or not at all: a hung origin must not hold the page.
  const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error('fallback: no answer in 10 s')), 10000));
  fallback ??= Promise.race([import(new URL('fallback/ed25519.js', document.baseURI).href), deadline]).catch((error) => {
    fallback = undefined;
    throw error;
  });
  const { verify } = await fallback;
  return verify(key, message, signature);
}

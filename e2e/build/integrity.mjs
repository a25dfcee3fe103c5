// Subresource Integrity for the build's post-build steps (minify.mjs,
// split.mjs): each rewrites files the pages already name by hash, and must
// name the new bytes instead.
import { createHash } from 'node:crypto';

export const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/// `html` with every `integrity="…"` that `renamed` maps (old hash → new)
/// naming the new one.
export function withIntegrity(html, renamed) {
  return html.replace(/integrity="(sha384-[^"]+)"/g, (whole, old) =>
    renamed.has(old) ? `integrity="${renamed.get(old)}"` : whole);
}

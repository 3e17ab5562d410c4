// FNV-1a, 32 bits, over a string's UTF-16 code units: fast and stable across releases, not
// cryptographic. Holdout membership, the demo's seed streams and the replay's spill index use it.

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

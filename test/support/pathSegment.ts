// Hostile ids in URL paths: percent-encodes each UTF-16 code unit's (WTF-8) bytes, so lone
// surrogates reach the server too (encodeURIComponent throws on them).
export function encodePathSegment(id: string): string {
  let out = ''
  for (let i = 0; i < id.length; i++) {
    const cu = id.charCodeAt(i)
    const next = id.charCodeAt(i + 1)
    if (cu >= 0xd800 && cu <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(id.slice(i, i + 2))
      i++
    } else if (cu >= 0xd800 && cu <= 0xdfff) {
      out += [0xe0 | (cu >> 12), 0x80 | ((cu >> 6) & 0x3f), 0x80 | (cu & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
    } else {
      out += encodeURIComponent(id[i] as string)
    }
  }
  return out
}

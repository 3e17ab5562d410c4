// URLs as a hostile client may send them: every UTF-16 code unit percent-encoded as its (WTF-8)
// bytes, so lone surrogates reach the server too.

export function encodeWtf8(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const cu = text.charCodeAt(i)
    const next = text.charCodeAt(i + 1)
    if (cu >= 0xd800 && cu <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2))
      i++
    } else if (cu >= 0xd800 && cu <= 0xdfff) {
      out += [0xe0 | (cu >> 12), 0x80 | ((cu >> 6) & 0x3f), 0x80 | (cu & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
    } else {
      out += encodeURIComponent(text[i] as string)
    }
  }
  return out
}

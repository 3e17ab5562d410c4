// Picks which of a template's locales a shopper gets. Chain: exact → same language and script
// (zh-HK → zh-TW, zh-Hans-CN → zh-CN) → same language (en-GB → en) → the fallback (en).

/** Canonical BCP 47 tag, or undefined when the input is not a usable locale. */
export function canonicalLocale(raw: string | undefined | null): string | undefined {
  if (typeof raw !== 'string') return undefined
  // Traits from apps and OSes often carry POSIX forms: zh_TW, en_US.UTF-8, de_DE@euro.
  const cleaned = raw.trim().replace(/[.@].*$/, '').replace(/_/g, '-')
  if (cleaned === '') return undefined
  try {
    return Intl.getCanonicalLocales(cleaned)[0]
  } catch {
    return undefined
  }
}

interface Subtags {
  language: string
  script: string | undefined
  region: string | undefined
}

const subtagCache = new Map<string, Subtags>()

/** Likely subtags fill in script and region, so zh-HK and zh-TW both become Hant. */
function maximized(tag: string): Subtags {
  let subtags = subtagCache.get(tag)
  if (!subtags) {
    const max = new Intl.Locale(tag).maximize()
    subtags = { language: max.language, script: max.script, region: max.region }
    subtagCache.set(tag, subtags)
  }
  return subtags
}

/**
 * The best of `available` for `requested`. `available` must be non-empty and hold canonical tags
 * (as file names: en, zh-CN, zh-TW).
 */
export function resolveLocale(requested: string | undefined, available: readonly string[], fallback = 'en'): string {
  const first = available[0]
  if (first === undefined) throw new Error('resolveLocale: no locales available')
  const tag = canonicalLocale(requested)
  if (tag !== undefined) {
    const lower = tag.toLowerCase()
    const exact = available.find((a) => a.toLowerCase() === lower)
    if (exact !== undefined) return exact
    const want = maximized(tag)
    const sameScript = available.filter((a) => {
      const have = maximized(a)
      return have.language === want.language && have.script === want.script
    })
    const sameRegion = sameScript.find((a) => maximized(a).region === want.region)
    if (sameRegion !== undefined) return sameRegion
    if (sameScript[0] !== undefined) return sameScript[0]
    const sameLanguage = available.find((a) => maximized(a).language === want.language)
    if (sameLanguage !== undefined) return sameLanguage
  }
  return available.find((a) => a === fallback) ?? first
}

/**
 * Locale for dates and money: the shopper's own when it is the same language and script as the
 * template we picked (en-GB reads "22 November", zh-HK keeps its own conventions), otherwise the
 * template's, so an English email for a French shopper does not carry French dates.
 */
export function formattingLocale(requested: string | undefined, resolved: string): string {
  const tag = canonicalLocale(requested)
  if (tag === undefined) return resolved
  const want = maximized(tag)
  const have = maximized(resolved)
  if (want.language !== have.language || want.script !== have.script) return resolved
  return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0 ? tag : resolved
}

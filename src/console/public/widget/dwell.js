/*
 * careloop dwell script, for a shop's product pages. No dependencies, no build step.
 *
 *   <script src="https://careloop.example/dwell.js" async
 *           data-write-key="<write key>" data-product-id="SKU-123"></script>
 *
 * Measures how long the page is visible (Page Visibility API: time in a background tab, a
 * minimised window or a locked screen does not count) and, when the shopper leaves (the page is
 * hidden or unloaded), reports a Segment `Product Viewed` with `dwell_ms` through
 * navigator.sendBeacon to careloop's POST /v1/t, which takes the write key in the body.
 *
 * Attributes:
 *   data-write-key    the shop's write key (required)
 *   data-product-id   the product shown (required)
 *   data-product-name the product's name (optional, for messages)
 *   data-host         careloop's address (default: where this script comes from)
 *
 * The shopper is whoever analytics.js says (ajs_user_id and ajs_anonymous_id, from localStorage or
 * cookies); without analytics.js the script keeps its own anonymousId in localStorage.
 *
 * Each report has messageId `dwell-<page view>-<n>`: a page view is a fresh random id, n counts
 * the page view's reports. A shopper who leaves, comes back and leaves again sends a second
 * report with the total visible time so far; a report repeated as is deduplicates.
 *
 * A classic script (document.currentScript): no import/export, no import.meta.
 */
;(() => {
  const script = document.currentScript || document.querySelector('script[data-write-key][data-product-id]')
  if (!script || !navigator.sendBeacon) return
  const writeKey = script.getAttribute('data-write-key')
  const productId = script.getAttribute('data-product-id')
  if (!writeKey || !productId) return
  const productName = script.getAttribute('data-product-name')
  const host = (script.getAttribute('data-host') || new URL(script.src, location.href).origin).replace(/\/+$/, '')
  const endpoint = `${host}/v1/t`

  const randomId = () => {
    if (crypto.randomUUID) return crypto.randomUUID()
    const bytes = crypto.getRandomValues(new Uint8Array(16))
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  }

  /** analytics.js keeps ids JSON-encoded in localStorage, plain or URL-encoded in cookies. */
  const readStored = (name) => {
    let raw = null
    try {
      raw = localStorage.getItem(name)
    } catch {}
    if (raw == null) {
      const cookie = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`))
      if (cookie) {
        try {
          raw = decodeURIComponent(cookie.slice(name.length + 1))
        } catch {}
      }
    }
    if (raw == null || raw === '' || raw === 'null') return undefined
    try {
      const parsed = JSON.parse(raw)
      return typeof parsed === 'string' && parsed !== '' ? parsed : undefined
    } catch {
      return raw
    }
  }

  let ownAnonymousId
  const anonymousId = () => {
    const fromAnalytics = readStored('ajs_anonymous_id')
    if (fromAnalytics) return fromAnalytics
    if (ownAnonymousId) return ownAnonymousId
    try {
      ownAnonymousId = localStorage.getItem('careloop_anonymous_id') || randomId()
      localStorage.setItem('careloop_anonymous_id', ownAnonymousId)
    } catch {
      ownAnonymousId = randomId()
    }
    return ownAnonymousId
  }

  const pageViewId = randomId()
  let visibleMs = 0
  let visibleSince = document.visibilityState === 'visible' ? performance.now() : null
  let reports = 0
  let lastReported = -1

  const pause = () => {
    if (visibleSince !== null) visibleMs += performance.now() - visibleSince
    visibleSince = null
  }
  const resume = () => {
    if (visibleSince === null && document.visibilityState === 'visible') visibleSince = performance.now()
  }

  const report = () => {
    pause()
    const dwell = Math.round(visibleMs)
    if (dwell === lastReported) return
    lastReported = dwell
    reports += 1
    const userId = readStored('ajs_user_id')
    const properties = { product_id: productId, dwell_ms: dwell, dwell_source: 'script', page_view_id: pageViewId }
    if (productName) properties.name = productName
    const message = {
      writeKey,
      type: 'track',
      event: 'Product Viewed',
      messageId: `dwell-${pageViewId}-${reports}`,
      anonymousId: anonymousId(),
      ...(userId ? { userId } : {}),
      properties,
      timestamp: new Date().toISOString(),
      context: {
        page: { path: location.pathname, url: location.href, title: document.title, referrer: document.referrer, search: location.search },
        locale: navigator.language,
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        userAgent: navigator.userAgent,
        library: { name: 'careloop-dwell', version: '1' },
      },
    }
    const body = JSON.stringify(message)
    // A full beacon queue refuses: fall back to a keepalive fetch, which also outlives the page.
    if (!navigator.sendBeacon(endpoint, body)) {
      fetch(endpoint, { method: 'POST', body, keepalive: true, headers: { 'content-type': 'text/plain;charset=UTF-8' } }).catch(() => {})
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') report()
    else resume()
  })
  window.addEventListener('pagehide', report)
  // Back from the back/forward cache: the same page view goes on.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) resume()
  })
})()

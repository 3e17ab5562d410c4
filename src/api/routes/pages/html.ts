// Tiny server-rendered pages for the public link routes: no JavaScript, no external assets, every
// value escaped. Sent with headers that keep the token in the URL private (no referrer, no
// caching, no indexing) and stop other sites from framing the one-click buttons.
import type { FastifyReply } from 'fastify'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] as string)
}

/** Marks a fragment as already escaped HTML. */
export interface Html {
  readonly html: string
}

/** Template tag: interpolated values are escaped unless they are Html (or arrays of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return { html: out }
}

function render(value: unknown): string {
  if (Array.isArray(value)) return value.map(render).join('')
  if (value && typeof value === 'object' && 'html' in value) return (value as Html).html
  if (value === undefined || value === null || value === false) return ''
  return escapeHtml(value)
}

export interface ShopLink {
  name: string
  url: string
}

const isWebUrl = (url: string): boolean => /^https?:\/\//i.test(url)

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f6f4;color:#222;margin:0;padding:2rem 1rem;line-height:1.5}
main{max-width:34rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem 1.75rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 1rem}
button{font:inherit;background:#222;color:#fff;border:0;border-radius:8px;padding:.6rem 1.2rem;cursor:pointer}
textarea{width:100%;box-sizing:border-box;font:inherit;min-height:6rem;padding:.5rem;border:1px solid #ccc;border-radius:8px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{text-align:left;padding:.35rem .25rem;border-bottom:1px solid #eee}
td.c,th.c{text-align:center}
.note{background:#eef7ee;border-radius:8px;padding:.5rem .75rem}
.muted{color:#666;font-size:.9rem}
footer{max-width:34rem;margin:1rem auto 0;text-align:center}
a{color:#1a55b0}`

export function layout(title: string, shop: ShopLink, content: Html): string {
  const back = isWebUrl(shop.url) ? html`<a href="${shop.url}">Back to ${shop.name}</a>` : html`${shop.name}`
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">
<title>${title} · ${shop.name}</title><style>${{ html: STYLE }}</style></head>
<body><main>${content}</main><footer class="muted">${back}</footer></body></html>`.html
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}

export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.status(status).headers(PAGE_HEADERS).send(page)
}

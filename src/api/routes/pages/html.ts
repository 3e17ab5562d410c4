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
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f4f4f5;color:#18181b;margin:0;padding:2.5rem 1rem;line-height:1.55;-webkit-font-smoothing:antialiased}
.wrap{max-width:36rem;margin:0 auto}
.brand{font-weight:650;font-size:1.05rem;letter-spacing:-.01em;margin:0 0 1rem;color:#3f3f46}
main{background:#fff;border:1px solid #e4e4e7;border-radius:14px;padding:1.75rem 2rem;box-shadow:0 1px 3px rgba(24,24,27,.06)}
h1{font-size:1.4rem;line-height:1.3;letter-spacing:-.015em;margin:0 0 .75rem}
p{margin:0 0 1rem}
button{font:inherit;font-weight:600;background:#18181b;color:#fff;border:0;border-radius:9px;padding:.65rem 1.3rem;cursor:pointer}
button:hover{background:#3f3f46}
:focus-visible{outline:2px solid #4f46e5;outline-offset:2px}
label{cursor:pointer}
textarea{width:100%;font:inherit;min-height:6rem;padding:.6rem .7rem;border:1px solid #d4d4d8;border-radius:9px}
textarea:focus{outline:none;border-color:#4f46e5;box-shadow:0 0 0 3px rgba(79,70,229,.15)}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
th,td{text-align:left;padding:.6rem .3rem;border-bottom:1px solid #f0f0f2}
caption{caption-side:bottom;text-align:left;padding-top:.6rem;font-size:.82rem}
thead th{font-size:.8rem;font-weight:600;color:#71717a;vertical-align:bottom}
tbody th{font-weight:500}
tbody tr:last-child th,tbody tr:last-child td{border-bottom:0}
td.c,th.c{text-align:center;width:7.5rem}
td input[type=checkbox]{appearance:none;-webkit-appearance:none;width:2.4rem;height:1.4rem;margin:0;border-radius:1rem;background:#d4d4d8;position:relative;cursor:pointer;vertical-align:middle;transition:background .15s}
td input[type=checkbox]::before{content:"";position:absolute;top:.2rem;left:.2rem;width:1rem;height:1rem;border-radius:50%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.25);transition:transform .15s}
td input[type=checkbox]:checked{background:#4f46e5}
td input[type=checkbox]:checked::before{transform:translateX(1rem)}
input[type=checkbox]{accent-color:#4f46e5;width:1.05rem;height:1.05rem;vertical-align:-.15rem}
.stop{display:block;padding:.8rem 1rem;margin:0 0 1.25rem;border:1px solid #fecaca;background:#fef2f2;border-radius:10px;color:#7f1d1d}
.note{background:#f0fdf4;border:1px solid #bbf7d0;color:#166534;border-radius:10px;padding:.6rem .9rem}
.note::before{content:"\\2713  ";font-weight:700}
.muted{color:#71717a;font-size:.9rem}
.legend{color:#71717a;font-size:.85rem;margin:-.25rem 0 1rem}
.actions{display:flex;align-items:center;gap:1rem;flex-wrap:wrap}
footer{margin:1.25rem 0 0;text-align:center}
.scores a{display:inline-block;width:2.5rem;text-align:center;padding:.5rem 0;margin-right:.25rem;border:1px solid #d4d4d8;border-radius:8px;text-decoration:none}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit}
a{color:#4338ca}
@media (max-width:480px){main{padding:1.25rem 1.1rem}td.c,th.c{width:auto}}`

export function layout(title: string, shop: ShopLink, content: Html): string {
  const back = isWebUrl(shop.url) ? html`<a href="${shop.url}">Back to ${shop.name}</a>` : html`${shop.name}`
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">
<title>${title} · ${shop.name}</title><style>${{ html: STYLE }}</style></head>
<body><div class="wrap"><p class="brand">${shop.name}</p><main>${content}</main><footer class="muted">${back}</footer></div></body></html>`.html
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

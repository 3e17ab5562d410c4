// A modal dialog on the native <dialog>: focus is trapped by the browser, Esc closes it
// (onClose), focus returns to where it was.
//   <${Dialog} open=${open} title="Reassign" onClose=${() => setOpen(false)} footer=${buttons}>…<//>
import { useEffect, useRef } from 'preact/hooks'
import { html, register, t } from '../lib.js'
import { Icon } from './icons.js'

register({ en: { 'dialog.close': 'Close' }, 'zh-CN': { 'dialog.close': '关闭' } })

export function Dialog({ open, title, onClose, children, footer, id = 'dialog' }) {
  const ref = useRef(null)
  const returnTo = useRef(null)
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (open && !dialog.open) {
      returnTo.current = document.activeElement
      dialog.showModal()
    } else if (!open && dialog.open) {
      dialog.close()
      returnTo.current?.focus?.()
    }
  }, [open])
  const onCancel = (e) => {
    e.preventDefault()
    onClose?.()
  }
  return html`
    <dialog ref=${ref} class="dialog" aria-labelledby=${`${id}-title`} onCancel=${onCancel}>
      ${open &&
      html`
        <div class="dialog-header">
          <h2 id=${`${id}-title`}>${title}</h2>
          <button type="button" class="ghost icon-button small" onClick=${() => onClose?.()} aria-label=${t('dialog.close')}><${Icon} name="x" size=${16} /></button>
        </div>
        <div class="dialog-body">${children}</div>
        ${footer && html`<div class="dialog-footer">${footer}</div>`}
      `}
    </dialog>
  `
}

// A labelled form field with hint and error. The control is a function of the attributes that
// wire it to its label and messages:
//   <${Field} id="rule-name" label="Name" error=${errors}>${(a) => html`<input ...${a} value=${v} />`}<//>
// error: a string or a list of strings (each shown); the control gets aria-invalid and
// aria-describedby pointing at the hint and the errors.
import { html } from '../lib.js'

export function Field({ id, label, hint, error, optional, optionalLabel = 'optional', className = '', labelHidden = false, children }) {
  const errors = (Array.isArray(error) ? error : error ? [error] : []).filter(Boolean)
  const hintId = hint ? `${id}-hint` : undefined
  const errorId = errors.length > 0 ? `${id}-error` : undefined
  const attrs = {
    id,
    'aria-invalid': errors.length > 0 ? 'true' : undefined,
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
  }
  const control = typeof children === 'function' ? children(attrs) : Array.isArray(children) && typeof children[0] === 'function' ? children[0](attrs) : children
  return html`
    <div class=${`field ${className}`.trim()}>
      <label for=${id} class=${labelHidden ? 'visually-hidden' : undefined}>
        ${label}${optional && html` <span class="field-optional">(${optionalLabel})</span>`}
      </label>
      ${control}
      ${hint && html`<p class="field-hint" id=${hintId}>${hint}</p>`}
      ${errors.length > 0 && html`<div id=${errorId} class="stack-sm">${errors.map((e) => html`<p class="field-error">${e}</p>`)}</div>`}
    </div>
  `
}

// Small hooks the pages share: loading API data, debouncing, page titles.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { api } from '../lib.js'

/** GET `path` (null: nothing to load). { data, error, loading, reload, setData }; error is the ApiError. */
export function useApi(path, deps = []) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: path !== null })
  const seq = useRef(0)
  const load = useCallback(() => {
    if (path === null) return setState({ data: undefined, error: undefined, loading: false })
    const n = ++seq.current
    setState((s) => ({ ...s, loading: true }))
    api('GET', path).then(
      (data) => n === seq.current && setState({ data, error: undefined, loading: false }),
      (error) => n === seq.current && setState({ data: undefined, error, loading: false }),
    )
  }, [path, ...deps])
  useEffect(load, [load])
  return { ...state, reload: load, setData: (data) => setState((s) => ({ ...s, data })) }
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced(value, ms = 300) {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/** Sets document.title to "<title> · careloop". */
export function usePageTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · careloop` : 'careloop'
  }, [title])
}

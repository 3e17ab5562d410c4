// Preload (`node --import ./test/support/recordImports.mjs …`): appends every module URL the
// process resolves to the file named by CARELOOP_RECORD_IMPORTS, one per line.
import { register } from 'node:module'

register('./recordImportsHooks.mjs', import.meta.url)

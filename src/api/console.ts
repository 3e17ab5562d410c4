// Serves the web console (src/console/public), the browser libraries it imports, straight from
// node_modules, and its vocabulary module: no build step, nothing fetched from the internet.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { CHANNELS, TOPICS } from '../model/channel.ts'
import { ENDPOINT_KINDS, TASK_WEBHOOK_EVENTS } from '../model/taskWebhooks.ts'
import { PRIORITIES } from '../model/priority.ts'

const require = createRequire(import.meta.url)
/** The directory of a package's resolved entry file (packages may not export package.json). */
const entryDir = (specifier: string): string => dirname(require.resolve(specifier))

export const CONSOLE_DIR = fileURLToPath(new URL('../console/public/', import.meta.url))

/** Browser files of the libraries, by the URL path the import map in index.html uses. */
const VENDOR: Record<string, string> = {
  'preact.module.js': join(entryDir('preact'), 'preact.module.js'),
  'hooks.module.js': join(entryDir('preact/hooks'), 'hooks.module.js'),
  'htm.module.js': join(entryDir('htm'), 'htm.module.js'),
  'uPlot.esm.js': join(entryDir('uplot'), 'uPlot.esm.js'),
  'uPlot.min.css': join(entryDir('uplot'), 'uPlot.min.css'),
}

/** The lists the console offers and names, read off the model's TypeBox schemas. */
export const CONSOLE_VOCABULARY = { CHANNELS, PRIORITIES, TOPICS, TASK_WEBHOOK_EVENTS, ENDPOINT_KINDS } as const

/** /console/vocabulary.js: the console imports the server's lists instead of restating them. */
export function vocabularyModule(): string {
  const exports = Object.entries(CONSOLE_VOCABULARY).map(([name, values]) => `export const ${name} = Object.freeze(${JSON.stringify(values)})`)
  return `// The server's vocabulary (src/model), generated when served.\n${exports.join('\n')}\n`
}

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: CONSOLE_DIR,
    prefix: '/console/',
    index: 'index.html',
    cacheControl: false,
    // The inbox widget is loaded by shops' own sites, as a module from another origin.
    setHeaders: (res, path) => {
      if (path.includes('/widget/')) res.header('access-control-allow-origin', '*')
    },
  })
  for (const [name, file] of Object.entries(VENDOR)) {
    app.get(`/console/vendor/${name}`, { schema: { hide: true } }, (_request, reply) =>
      reply.type(name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8').sendFile(file.split('/').pop() as string, dirname(file)),
    )
  }
  const vocabulary = vocabularyModule()
  app.get('/console/vocabulary.js', { schema: { hide: true } }, (_request, reply) => reply.type('text/javascript; charset=utf-8').send(vocabulary))
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'))
  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'))
}

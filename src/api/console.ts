// Serves the web console (src/console/public) and the browser libraries it imports, straight
// from node_modules: no build step, nothing fetched from the internet.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

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
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'))
  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'))
}

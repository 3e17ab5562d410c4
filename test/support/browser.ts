// A real headless browser for console tests: Debian's chromium driven by playwright-core
// (INFRA.md: never `npx playwright install`). Screenshots go to test-artifacts/screenshots/,
// kept by CI as artifacts, not committed.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots')

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

/** A page at a desktop size, failing the test on any uncaught page error. */
export async function newPage(browser: Browser, options: { locale?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: options.locale ?? 'en-US', deviceScaleFactor: 1 })
  const page = await context.newPage()
  page.on('pageerror', (err) => {
    throw err
  })
  return page
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Signs in to the console with an API key. */
export async function signIn(page: Page, baseUrl: string, apiKey: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`)
  await page.getByLabel(/API key|API 密钥/).fill(apiKey)
  await page.getByRole('button', { name: /Sign in|登录/ }).click()
  await page.getByRole('navigation', { name: 'main' }).waitFor()
}

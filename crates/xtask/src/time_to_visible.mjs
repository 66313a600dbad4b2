// Time from navigation to the "Continue with Atlassian" button being visible, for the
// <SignIn/>-only example page and the portal's /sign-in, in Debian's Chromium driven by
// playwright-core. Each run has its own browser context, so its HTTP cache starts empty
// (a cold cache); the runs of the two pages alternate, so that a busy moment on the machine
// falls on both. `cargo xtask bench --sizes` runs it (time_to_visible.rs), which reads one
// line per page: `time-to-visible <page>: <ms> <ms> ...`.
//
// Environment: PLAYWRIGHT_CORE (path of playwright-core's index.mjs), VESTIBULE_BIN (the
// release server), PORTAL_DIST_DIR, SIGN_IN_DIST_DIR, RUNS (default 10), CHROMIUM.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const BUTTON_TEXT = 'Continue with Atlassian';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through \`cargo xtask bench --sizes\``);
  return value;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const children = [];
const dataDirs = [];

/** A development Vestibule server serving `distDir`; resolves with its URL once it is ready. */
async function vestibule(distDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'vestibule-ttv-'));
  dataDirs.push(dataDir);
  const child = spawn(
    env('VESTIBULE_BIN'),
    ['serve', '--environment', 'development', '--listen', `127.0.0.1:${port}`,
      '--public-url', url, '--data-dir', dataDir, '--dist-dir', distDir],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } },
  );
  children.push(child);
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not get ready: ${seen.join('\n')}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${seen.join('\n')}`)));
    // The banner's last line names the secret key: the server answers from then on.
    createInterface({ input: child.stdout }).on('line', (line) => {
      seen.push(line);
      if (line.startsWith('secret key: ')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return url;
}

/**
 * Runs before any script of the page: checks on every frame whether the button is there
 * and visible, and keeps the page's clock (milliseconds since navigation started) of the
 * first frame where it is.
 */
function watchForButton(text) {
  const check = () => {
    const button = [...document.querySelectorAll('a, button')].find(
      (el) => el.textContent.trim() === text && el.checkVisibility({ visibilityProperty: true }),
    );
    if (button) {
      window.__vstVisibleAt = performance.now();
    } else {
      requestAnimationFrame(check);
    }
  };
  requestAnimationFrame(check);
}

/** One cold-cache load of `url`: milliseconds from navigation to the button being visible. */
async function timeToVisible(browser, url) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(watchForButton, BUTTON_TEXT);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    const visibleAt = await page.waitForFunction(() => window.__vstVisibleAt, null, { timeout: 30_000 });
    return Math.round(await visibleAt.jsonValue());
  } finally {
    await context.close();
  }
}

async function main() {
  const { chromium } = await import(pathToFileURL(env('PLAYWRIGHT_CORE')).href);
  const runs = Number(process.env.RUNS ?? 10);
  const pages = {
    'sign-in page': `${await vestibule(env('SIGN_IN_DIST_DIR'))}/`,
    portal: `${await vestibule(env('PORTAL_DIST_DIR'))}/sign-in`,
  };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  const times = Object.fromEntries(Object.keys(pages).map((name) => [name, []]));
  try {
    // One load of each first, not counted: it starts Chromium's processes and the servers'
    // first connections, which a visitor's browser has running already.
    for (const url of Object.values(pages)) await timeToVisible(browser, url);
    for (let run = 0; run < runs; run++) {
      for (const [name, url] of Object.entries(pages)) {
        times[name].push(await timeToVisible(browser, url));
      }
    }
  } finally {
    await browser.close();
  }
  for (const [name, ms] of Object.entries(times)) {
    console.log(`time-to-visible ${name}: ${ms.join(' ')}`);
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}

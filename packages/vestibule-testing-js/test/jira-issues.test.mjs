// The JavaScript helper against the "My Jira issues" example, in Debian's Chromium driven by
// playwright-core (no browser download): two users in two browser contexts, the real flow
// and a sign-in token, a used ticket refused. `cargo xtask test js` runs it with the paths
// below set; it ends with libtest's `test result:` line so the suite counts it.
//
// Environment: PLAYWRIGHT_CORE (path of playwright-core's index.mjs), VESTIBULE_BIN,
// JIRA_ISSUES_BIN, JIRA_ISSUES_DIST_DIR, VESTIBULE_DIST_DIR (optional), CHROMIUM.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

import {
  SignInRefused,
  createSignInToken,
  createUser,
  findUserByEmail,
  signIn,
  signOut,
} from '../index.mjs';

const MARA = 'mara.jensen@example.com';
const PRIYA = 'priya.raman@example.com';
const SITE_DEFAULT = '4d9a6c3e-1b2f-4e8a-9c7d-5f0e1a2b3c01';
const SITE_ACME = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c11';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP *.vestibule.test 127.0.0.1',
];

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through \`cargo xtask test js\``);
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

/** Starts a process and resolves with its stdout lines up to the one `ready` accepts. */
function start(bin, args, ready) {
  // Warnings and errors only: the servers' request logs would drown the test's own lines.
  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  children.push(child);
  const seen = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not get ready: ${seen.join('\n')}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}: ${seen.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      seen.push(line);
      if (ready(line)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

async function issuesOf(page) {
  const list = page.getByTestId('issues');
  await list.waitFor({ timeout: 20_000 });
  const site = await list.getAttribute('data-site-id');
  const keys = await page.getByTestId('issue').evaluateAll((items) => items.map((i) => i.dataset.issueKey));
  return { site, keys };
}

function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

async function main() {
  const { chromium } = await import(pathToFileURL(env('PLAYWRIGHT_CORE')).href);
  const [authPort, appPort] = [await freePort(), await freePort()];
  const frontendApi = `http://auth.vestibule.test:${authPort}`;
  const apiUrl = `http://127.0.0.1:${authPort}`;
  const appUrl = `http://app.vestibule.test:${appPort}`;
  const home = `${appUrl}/`;
  const dataDir = mkdtempSync(join(tmpdir(), 'vestibule-js-'));

  const banner = await start(
    env('VESTIBULE_BIN'),
    [
      'serve', '--environment', 'development', '--listen', `127.0.0.1:${authPort}`,
      '--public-url', frontendApi, '--allowed-origins', appUrl, '--data-dir', dataDir,
      ...(process.env.VESTIBULE_DIST_DIR ? ['--dist-dir', process.env.VESTIBULE_DIST_DIR] : []),
    ],
    (line) => line.startsWith('secret key: '),
  );
  const secretKey = banner.at(-1).slice('secret key: '.length).trim();
  await start(
    env('JIRA_ISSUES_BIN'),
    [
      '--dist-dir', env('JIRA_ISSUES_DIST_DIR'), '--listen', `127.0.0.1:${appPort}`,
      '--public-url', appUrl, '--vestibule-url', frontendApi, '--vestibule-api-url', apiUrl,
      '--secret-key', secretKey,
    ],
    (line) => line.startsWith('jira-issues listening on'),
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  const [mara, priya] = await Promise.all([browser.newContext(), browser.newContext()]);
  const [maraPage, priyaPage] = await Promise.all([mara.newPage(), priya.newPage()]);
  const backend = { apiUrl, secretKey };

  const tests = [
    ['two users in two contexts see their own issues through the real flow', async () => {
      await maraPage.goto(home);
      await signIn({ page: maraPage, email: MARA, frontendApi });
      await signIn({ page: priyaPage, email: PRIYA, frontendApi, redirectUrl: home });
      expectEqual(await issuesOf(maraPage), { site: SITE_DEFAULT, keys: ['NW-1', 'NW-2', 'NW-3'] }, 'Mara');
      expectEqual(await issuesOf(priyaPage), { site: SITE_ACME, keys: ['ACME-1', 'ACME-2', 'ACME-3'] }, 'Priya');
    }],
    ['signOut signs one context out and leaves the other', async () => {
      await signOut({ page: maraPage, frontendApi });
      await maraPage.goto(home);
      await maraPage.getByTestId('sign-in-button-atlassian').waitFor({ timeout: 20_000 });
      await priyaPage.reload();
      expectEqual((await issuesOf(priyaPage)).keys[0], 'ACME-1', 'Priya after Mara signed out');
    }],
    ['a sign-in token signs in once and is refused after use', async () => {
      const user = await findUserByEmail({ email: MARA, ...backend });
      if (!user) throw new Error('Mara is not a user after her first sign-in');
      const ticket = await createSignInToken({ userId: user.id, redirectUrl: home, ...backend });
      expectEqual(await signIn({ page: maraPage, ticketUrl: ticket.url }), home, 'landed');
      expectEqual((await issuesOf(maraPage)).keys, ['NW-1', 'NW-2', 'NW-3'], 'Mara by ticket');
      const stranger = await browser.newContext();
      try {
        await signIn({ page: await stranger.newPage(), ticketUrl: ticket.url });
        throw new Error('a used ticket signed in');
      } catch (e) {
        if (!(e instanceof SignInRefused)) throw e;
        expectEqual(e.code, 'sign_in_token_invalid', 'refusal code');
      } finally {
        await stranger.close();
      }
    }],
    ['createUser finds the user of a seeded account, and refuses an unknown one', async () => {
      const made = await createUser({ email: MARA, ...backend });
      const found = await findUserByEmail({ email: MARA, ...backend });
      expectEqual(made.id, found.id, 'the user Mara already is');
      try {
        await createUser({ email: 'nobody@example.com', ...backend });
        throw new Error('an unknown account became a user');
      } catch (e) {
        expectEqual(e.code, 'invalid_field', 'refusal code');
      }
    }],
    ['the backend calls need the secret key', async () => {
      try {
        await createSignInToken({ userId: 'user_x', apiUrl, secretKey: 'sk_test_wrong' });
        throw new Error('a wrong secret key made a ticket');
      } catch (e) {
        expectEqual(e.code, 'invalid_secret_key', 'refusal code');
      }
    }],
  ];

  let [passed, failed] = [0, 0];
  console.log(`\nrunning ${tests.length} tests`);
  for (const [name, run] of tests) {
    try {
      await run();
      passed += 1;
      console.log(`test ${name} ... ok`);
    } catch (e) {
      failed += 1;
      console.log(`test ${name} ... FAILED\n    ${e.stack ?? e}`);
    }
  }
  await browser.close();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed;\n`);
  return failed === 0;
}

main()
  .then((ok) => {
    children.forEach((c) => c.kill());
    process.exit(ok ? 0 : 1);
  })
  .catch((e) => {
    console.log(`test setup ... FAILED\n    ${e.stack ?? e}`);
    console.log('\ntest result: FAILED. 0 passed; 1 failed;\n');
    children.forEach((c) => c.kill());
    process.exit(1);
  });

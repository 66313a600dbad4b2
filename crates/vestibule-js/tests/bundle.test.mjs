// The script bundle as a page loads it: js-dist/vestibule.js in Debian's Chromium driven by
// playwright-core, against a stand-in for the Vestibule server's frontend API (this file's
// HTTP server). Mounts and unmounts 1,000 times, by the API and by the custom element, and
// checks that DOM nodes, event listeners and wasm memory stay flat. `cargo xtask test js`
// runs it after `cargo xtask js`; it ends with libtest's `test result:` line.
//
// Environment: PLAYWRIGHT_CORE (path of playwright-core's index.mjs), JS_DIST (the js-dist
// folder), CHROMIUM (optional), CYCLES (optional, 1000).

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CYCLES = Number(process.env.CYCLES ?? 1000);
const ENVIRONMENT = {
  environment: 'development',
  application_name: 'Acme',
  connections: [{ provider: 'atlassian', display_name: 'Atlassian', icon_url: '/icons/atlassian.svg' }],
  portal: {
    sign_in_url: '/sign-in', sign_up_url: '/sign-up', user_profile_url: '/user', after_sign_in_url: '/',
  },
};
const SIGNED_OUT = { session: null, user: null };
const SIGNED_IN = {
  session: {
    id: 'sess_1', created_at: 1700000000, last_active_at: 1700000500, expires_at: 1800000000,
    user_agent: 'Chrome', current: true,
  },
  user: {
    id: 'user_1', name: 'Ada Lovelace', email: 'ada@example.com', email_verified: true,
    avatar_url: null, created_at: 1700000000, external_accounts: [],
  },
};
// A token whose claims say it lives an hour (the cache reads `exp - iat`).
const JWT = `e30.${Buffer.from(JSON.stringify({ iat: 1, exp: 3601 })).toString('base64url')}.sig`;

// Counts the listeners added and not removed, on every target, before the module loads.
const COUNT_LISTENERS = `
  (() => {
    const add = EventTarget.prototype.addEventListener;
    const remove = EventTarget.prototype.removeEventListener;
    const live = new WeakMap();
    window.__listeners = 0;
    const slot = (target, type, options) => {
      const capture = typeof options === 'boolean' ? options : !!(options && options.capture);
      let byKey = live.get(target);
      if (!byKey) live.set(target, (byKey = new Map()));
      const key = type + (capture ? '/capture' : '');
      if (!byKey.has(key)) byKey.set(key, new Set());
      return byKey.get(key);
    };
    EventTarget.prototype.addEventListener = function (type, listener, options) {
      const set = slot(this, type, options);
      if (listener && !set.has(listener)) { set.add(listener); window.__listeners += 1; }
      return add.call(this, type, listener, options);
    };
    EventTarget.prototype.removeEventListener = function (type, listener, options) {
      const set = slot(this, type, options);
      if (set.delete(listener)) window.__listeners -= 1;
      return remove.call(this, type, listener, options);
    };
  })();`;
const page = (bundle) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bundle test</title>
  <script>${COUNT_LISTENERS}</script></head>
  <body><div id="host"></div>
  <vestibule-signed-out><p id="out">signed out</p></vestibule-signed-out>
  <vestibule-signed-in><p id="in">signed in</p></vestibule-signed-in>
  <script type="module">window.vst = await import('/${bundle}'); window.vstReady = true;</script>
  </body></html>`;

let signedIn = false;

function serve(dist) {
  const send = (res, status, type, body) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const json = (value) => send(res, 200, 'application/json', JSON.stringify(value));
    if (req.method === 'GET' && path === '/') return send(res, 200, 'text/html', page('vestibule.js'));
    if (req.method === 'GET' && path === '/full') return send(res, 200, 'text/html', page('vestibule-full.js'));
    if (req.method === 'GET' && /^\/vestibule(-full)?\.js$/.test(path)) {
      return send(res, 200, 'text/javascript', readFileSync(join(dist, path.slice(1))));
    }
    if (req.method === 'GET' && /^\/vestibule(-full)?_bg\.wasm$/.test(path)) {
      return send(res, 200, 'application/wasm', readFileSync(join(dist, path.slice(1))));
    }
    if (req.method === 'GET' && path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (req.method === 'GET' && path === '/icons/atlassian.svg') {
      return send(res, 200, 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>');
    }
    if (req.method === 'GET' && path === '/v1/environment') return json(ENVIRONMENT);
    if (req.method === 'GET' && path === '/v1/client') return json(signedIn ? SIGNED_IN : SIGNED_OUT);
    if (req.method === 'POST' && path === '/v1/sign_out') {
      signedIn = false;
      return send(res, 204, 'application/json', '');
    }
    if (req.method === 'POST' && path === '/v1/client/sessions/sess_1/tokens' && signedIn) {
      return json({ jwt: JWT, expires_at: Date.now() / 1000 + 3600 });
    }
    return send(res, 404, 'application/json', '{"code":"not_found","message":"no route"}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Live DOM nodes and JS listeners after a full garbage collection (Chromium's counters),
 * listeners added and not removed (the wrapper's count), wasm memory, mounted roots. */
async function measure(page, cdp) {
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  await cdp.send('HeapProfiler.collectGarbage');
  const dom = await cdp.send('Memory.getDOMCounters');
  const inPage = await page.evaluate(() => ({ added: window.__listeners, ...window.vst.__stats() }));
  return { nodes: dom.nodes, jsEventListeners: dom.jsEventListeners, ...inPage };
}

/** Runs `cycles` mount/unmount rounds of `kind` in the page (after a warm-up), and fails
 * when anything grew. */
async function flatOver(page, cdp, kind) {
  const run = (n) => page.evaluate(async ([kind, n]) => {
    const host = document.getElementById('host');
    for (let i = 0; i < n; i += 1) {
      let el;
      if (kind === 'api') {
        el = document.createElement('div');
        host.append(el);
        window.vst.mountSignIn(el, { redirectUrl: `/after/${i % 7}` });
      } else {
        el = document.createElement('vestibule-sign-in');
        el.setAttribute('redirect-url', `/after/${i % 7}`);
        host.append(el);
      }
      if (!el.querySelector('[data-testid="sign-in-button-atlassian"]')) {
        throw new Error(`round ${i}: no sign-in button was rendered`);
      }
      if (kind === 'api') window.vst.unmount(el);
      el.remove();
      // Let effects and tasks run now and then, as a page would.
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 0));
    }
  }, [kind, n]);
  // Warm-up: the allocator and the reactive arena reach their working size first.
  await run(300);
  const before = await measure(page, cdp);
  await run(CYCLES);
  const after = await measure(page, cdp);
  console.log(`    ${kind}: before ${JSON.stringify(before)}`);
  console.log(`    ${kind}: after ${CYCLES} ${JSON.stringify(after)}`);
  // Slack far below one per round: a leak of one node or listener per mount fails.
  expect(after.nodes - before.nodes <= 10, `DOM nodes grew by ${after.nodes - before.nodes}`);
  expect(
    after.jsEventListeners - before.jsEventListeners <= 5,
    `live JS listeners grew by ${after.jsEventListeners - before.jsEventListeners}`,
  );
  expect(after.added - before.added <= 5, `listeners added and never removed grew by ${after.added - before.added}`);
  // At most one 64 KiB page: the allocator may round up once; 1,000 leaked roots would not fit.
  expect(
    after.wasmMemoryBytes - before.wasmMemoryBytes <= 65536,
    `wasm memory grew by ${after.wasmMemoryBytes - before.wasmMemoryBytes} bytes`,
  );
  expect(after.mounted === 0, `${after.mounted} roots still mounted`);
}

/** The tests: each gets `open(path)`, which loads a page with the bundle and `load()`s it. */
const TESTS = [
  [`${CYCLES} mountSignIn/unmount rounds leave nodes, listeners and wasm memory flat`, async (open) => {
    const { page, cdp, errors } = await open();
    await flatOver(page, cdp, 'api');
    expect(errors.length === 0, `console errors: ${errors.join(' | ')}`);
    await page.close();
  }],
  [`${CYCLES} <vestibule-sign-in> add/remove rounds leave nodes, listeners and wasm memory flat`, async (open) => {
    const { page, cdp, errors } = await open();
    await flatOver(page, cdp, 'element');
    expect(errors.length === 0, `console errors: ${errors.join(' | ')}`);
    await page.close();
  }],
  ['a wrong prop is a console error naming the known props, and the rest still mounts', async (open) => {
    const { page, errors } = await open();
    const href = await page.evaluate(() => {
      const el = document.getElementById('host');
      window.vst.mountSignIn(el, { redirectUrl: '/kept', fooBar: 1, signUpUrl: 7 });
      return el.querySelector('[data-testid="sign-in-button-atlassian"]').getAttribute('href');
    });
    expect(href.endsWith("%2Fkept"), `the good prop was dropped: ${href}`);
    expect(errors.includes('vestibule: mountSignIn: unknown prop "fooBar" '
      + '(known: class, redirectUrl, signUpUrl, appearance, locale)'), `errors: ${errors.join(' | ')}`);
    expect(errors.includes('vestibule: mountSignIn: prop "signUpUrl" must be a string, not number'),
      `errors: ${errors.join(' | ')}`);
    await page.close();
  }],
  ['a changed attribute remounts the element with the new prop', async (open) => {
    const { page } = await open();
    const href = await page.evaluate(async () => {
      const el = document.createElement('vestibule-sign-in');
      el.setAttribute('redirect-url', '/first');
      document.getElementById('host').append(el);
      el.setAttribute('redirect-url', '/second');
      await new Promise((r) => setTimeout(r, 0));
      const buttons = el.querySelectorAll('[data-testid="sign-in-button-atlassian"]');
      if (buttons.length !== 1) throw new Error(`${buttons.length} buttons`);
      return buttons[0].getAttribute('href');
    });
    expect(href.endsWith("%2Fsecond"), `href after the change: ${href}`);
    await page.close();
  }],
  ['signed-in/out switches, listeners, getToken and signOut follow the session', async (open) => {
    signedIn = true;
    const { page, errors } = await open();
    const seen = await page.evaluate(async () => {
      const calls = [];
      const stop = window.vst.addListener((user) => calls.push(user && user.email));
      const shown = () => [!!document.getElementById('in'), !!document.getElementById('out')];
      await new Promise((r) => setTimeout(r, 50));
      const signedInShown = shown();
      const user = window.vst.user();
      const session = window.vst.session();
      const token = await window.vst.getToken();
      await window.vst.signOut();
      await new Promise((r) => setTimeout(r, 50));
      const signedOutShown = shown();
      const tokenAfter = await window.vst.getToken();
      stop();
      return { calls, signedInShown, signedOutShown, user, session, token, tokenAfter };
    });
    const json = JSON.stringify(seen);
    expect(seen.signedInShown.join() === 'true,false', `while signed in: ${json}`);
    expect(seen.signedOutShown.join() === 'false,true', `after signing out: ${json}`);
    expect(seen.user.email === 'ada@example.com' && seen.user.emailVerified === true, json);
    expect(seen.session.id === 'sess_1', json);
    expect(seen.token === JWT, json);
    expect(seen.tokenAfter === null, json);
    expect(seen.calls.join() === 'ada@example.com,', `listener calls: ${json}`);
    expect(errors.length === 0, `console errors: ${errors.join(' | ')}`);
    await page.close();
  }],
  ['the sign-in bundle has no UserProfile and says which bundle has it', async (open) => {
    const { page, errors } = await open();
    const mounted = await page.evaluate(() => {
      const el = document.getElementById('host');
      window.vst.mountUserProfile(el, {});
      return window.vst.__stats().mounted;
    });
    expect(mounted === 0, `${mounted} mounted`);
    expect(errors.some((e) => e.includes('load vestibule-full.js')), `errors: ${errors.join(' | ')}`);
    await page.close();
  }],
  ['the full bundle mounts UserProfile for the signed-in user', async (open) => {
    signedIn = true;
    const { page } = await open('/full');
    await page.evaluate(() => window.vst.mountUserProfile(document.getElementById('host'), {}));
    const name = page.locator('[data-testid="user-profile-name"]');
    await name.waitFor({ timeout: 10_000 });
    const text = await name.textContent();
    expect(text.includes('Ada Lovelace'), `name shown: ${text}`);
    signedIn = false;
    await page.close();
  }],
];

async function main() {
  const { chromium } = await import(pathToFileURL(process.env.PLAYWRIGHT_CORE).href);
  const dist = process.env.JS_DIST;
  expect(dist, 'JS_DIST is not set: run this through `cargo xtask test js`');
  const server = await serve(dist);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc'],
  });

  async function open(path = '/') {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${origin}${path}`);
    await page.waitForFunction(() => window.vstReady === true);
    await page.evaluate(() => window.vst.load());
    const cdp = await page.context().newCDPSession(page);
    return { page, cdp, errors };
  }


  let [passed, failed] = [0, 0];
  console.log(`\nrunning ${TESTS.length} tests`);
  for (const [name, run] of TESTS) {
    try {
      await run(open);
      passed += 1;
      console.log(`test ${name} ... ok`);
    } catch (e) {
      failed += 1;
      console.log(`test ${name} ... FAILED\n    ${e.stack ?? e}`);
    }
  }
  await browser.close();
  server.close();
  console.log(`\ntest result: ${failed ? 'FAILED' : 'ok'}. ${passed} passed; ${failed} failed;\n`);
  return failed === 0;
}

main()
  .then((ok) => process.exit(ok ? 0 : 1))
  .catch((e) => {
    console.log(`test setup ... FAILED\n    ${e.stack ?? e}`);
    console.log('\ntest result: FAILED. 0 passed; 1 failed;\n');
    process.exit(1);
  });

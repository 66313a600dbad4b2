// Sign in, in one line, in Playwright tests of an app that uses Vestibule.
//
// No build step and no dependency: `page` is a Playwright `Page` (from `@playwright/test` or
// `playwright-core`), and the backend calls use Node's own `fetch`.
//
//   await signIn({ page, email: 'mara.jensen@example.com' });        // the real flow
//   await signIn({ page, ticketUrl: (await createSignInToken(...)).url }); // a ticket
//   await signOut({ page });
//
// `frontendApi` (the Vestibule instance's public URL) defaults to $VESTIBULE_FRONTEND_API;
// `apiUrl` and `secretKey` of the backend calls default to $VESTIBULE_API_URL (else the
// frontend API) and $VESTIBULE_SECRET_KEY. A secret key belongs in the test process only,
// never in a page.

/** The instance refused the sign-in; `code` is its stable error code. */
export class SignInRefused extends Error {
  constructor(code, url) {
    super(`the sign-in was refused with ${code} (the page is at ${url})`);
    this.name = 'SignInRefused';
    this.code = code;
    this.url = url;
  }
}

function required(value, name) {
  if (!value) {
    throw new TypeError(`${name} is required (or set its environment variable)`);
  }
  return value;
}

function frontendApiOf(frontendApi) {
  return new URL(required(frontendApi ?? process.env.VESTIBULE_FRONTEND_API, 'frontendApi'));
}

/**
 * Signs the page's browser context in, and returns the URL it lands on.
 *
 * - `{ page, email }`: through the real OAuth flow of a development instance, whose
 *   Atlassian emulator consents at once as the seeded account with that e-mail address (or
 *   account id). `redirectUrl` defaults to the page's current URL.
 * - `{ page, ticketUrl }`: a sign-in token's `url` (see `createSignInToken`).
 */
export async function signIn({ page, email, ticketUrl, frontendApi, redirectUrl }) {
  required(page, 'page');
  let start;
  let instance;
  if (ticketUrl) {
    start = new URL(ticketUrl);
    instance = start.origin;
  } else {
    required(email, 'email or ticketUrl');
    const api = frontendApiOf(frontendApi);
    const current = page.url();
    const back = redirectUrl ?? (/^https?:/.test(current) ? current : new URL('/', api).href);
    start = new URL('/v1/oauth/atlassian/start', api);
    start.searchParams.set('intent', 'sign_in');
    start.searchParams.set('login_hint', email);
    start.searchParams.set('redirect_url', back);
    instance = api.origin;
  }
  // Every hop is a server redirect, which the navigation follows to the end; the emulator's
  // consent page is the one stop that is not (a hint that names no seeded account). The hops
  // are recorded because a refusal may land on a page the browser cannot show (an instance
  // serving its APIs without the portal answers 404), and then the URL is the error page's.
  const hops = [];
  const record = (response) => {
    if (response.frame() === page.mainFrame() && response.request().isNavigationRequest()) {
      hops.push(response.url());
    }
  };
  page.on('response', record);
  let failure = null;
  try {
    await page.goto(start.href);
  } catch (e) {
    failure = e;
  } finally {
    page.off('response', record);
  }
  const landed = new URL(failure ? (hops.at(-1) ?? start.href) : page.url());
  const error = landed.searchParams.get('error');
  if (landed.origin === instance && error) {
    throw new SignInRefused(error, landed.href);
  }
  if (landed.pathname.endsWith('/auth/authorize')) {
    throw new SignInRefused('consent_page_shown', landed.href);
  }
  if (failure) throw failure;
  return landed.href;
}

/**
 * Signs the page's browser context out: a `POST /v1/sign_out` from the current page, which
 * must be on the instance or one of its allowed origins (your app).
 */
export async function signOut({ page, frontendApi }) {
  required(page, 'page');
  const endpoint = new URL('/v1/sign_out', frontendApiOf(frontendApi)).href;
  const status = await page.evaluate(
    (url) =>
      fetch(url, { method: 'POST', credentials: 'include' }).then(
        (r) => r.status,
        (e) => String(e),
      ),
    endpoint,
  );
  if (typeof status !== 'number' || status < 200 || status >= 300) {
    throw new SignInRefused(`sign_out answered ${status}`, endpoint);
  }
}

async function backend(path, { apiUrl, secretKey, method = 'GET', body }) {
  const base = required(
    apiUrl ?? process.env.VESTIBULE_API_URL ?? process.env.VESTIBULE_FRONTEND_API,
    'apiUrl',
  );
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      authorization: `Bearer ${required(secretKey ?? process.env.VESTIBULE_SECRET_KEY, 'secretKey')}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const code = answer?.code ?? `http_${response.status}`;
    const error = new Error(`the backend API answered ${response.status} ${code}: ${answer?.message ?? ''}`);
    error.code = code;
    throw error;
  }
  return answer;
}

/** `GET /v1/users?email=`: the (first) user with that e-mail address, or `null`. */
export async function findUserByEmail({ email, apiUrl, secretKey }) {
  const { users } = await backend(
    `/v1/users?email=${encodeURIComponent(required(email, 'email'))}`,
    { apiUrl, secretKey },
  );
  return users[0] ?? null;
}

/**
 * `POST /v1/sign_in_tokens`: a single-use sign-in link for `userId`, living
 * `expiresInSeconds` (default 60, at most 600). Resolves to `{ id, user_id, token, url, expires_at }`.
 */
export async function createSignInToken({ userId, redirectUrl, expiresInSeconds, apiUrl, secretKey }) {
  return backend('/v1/sign_in_tokens', {
    apiUrl,
    secretKey,
    method: 'POST',
    body: {
      user_id: required(userId, 'userId'),
      ...(redirectUrl ? { redirect_url: redirectUrl } : {}),
      ...(expiresInSeconds ? { expires_in_seconds: expiresInSeconds } : {}),
    },
  });
}

/**
 * `POST /v1/users` (development instances only): the user of the seeded emulator account
 * with that e-mail address (or account id), made through the real OAuth flow if it never
 * signed in, so that it has tokens and its Jira issues work. No browser is involved and no
 * session is left behind. Resolves to the `User` (the same one on a second call).
 */
export async function createUser({ email, apiUrl, secretKey }) {
  return backend('/v1/users', {
    apiUrl,
    secretKey,
    method: 'POST',
    body: { emulator_account: required(email, 'email') },
  });
}

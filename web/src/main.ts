import './styles.css';
import { ApiError, fetchDeadLetters, fetchDeliveries, fetchOrganizations, fetchUsage, fetchWebhooks, retryDeadLetters } from './api.js';
import { formatNumber } from './format.js';
import { h } from './dom.js';
import { endSession, loadSession, startSession, type Session } from './session.js';
import type { OrganizationJson, UsageReport } from './types.js';
import { readViewState, viewStateHash, writeViewState, type View, type ViewState } from './view-state.js';
import { accountView } from './views/account.js';
import { dashboardView, reportTitle } from './views/dashboard.js';
import { deadLettersView, type RetryTarget } from './views/dead-letters.js';
import { filtersView, organizationFilter } from './views/filters.js';
import { navView } from './views/nav.js';
import { signInView } from './views/sign-in.js';
import { DELIVERIES_PAGE, webhooksView } from './views/webhooks.js';

const app = document.getElementById('app')!;
const account = document.getElementById('account')!;
const NO_FILTERS = { month: null, namespaceId: null, apiKeyId: null };
/** The most dead letters the admin's view lists. */
const DEAD_LETTERS_SHOWN = 1000;

/** The organization's unfiltered report of the current period: what the filters offer. */
let directory: { organizationId: string; report: UsageReport } | null = null;
let organizations: OrganizationJson[] | null = null;
let state: ViewState = readViewState();
let sequence = 0;
let numbersShown = false;
/** What the last retry of dead letters did, shown once with the list it changed. */
let retryMessage: string | null = null;

function showSignIn(error: string | null): void {
  account.replaceChildren();
  document.title = 'Sign in · Tollgate usage';
  app.replaceChildren(signInView({ error, onSignIn: (session, remember) => (startSession(session, remember), void load()) }));
}

function signOut(): void {
  endSession();
  directory = null;
  organizations = null;
  setState({ view: 'usage', organizationId: null, ...NO_FILTERS, deliveryState: null }, false);
  showSignIn(null);
}

function setState(next: ViewState, reload = true): void {
  state = next;
  writeViewState(state);
  if (reload) void load();
}

/**
 * The views a session can open: webhooks need an organization key (a namespace key's report is
 * of its namespace) or the admin; dead letters are the admin's.
 */
function viewsOf(session: Session): View[] {
  if (session.kind === 'admin') return ['usage', 'webhooks', 'dead-letters'];
  return directory?.report.scope === 'namespace' ? ['usage'] : ['usage', 'webhooks'];
}

function currentView(session: Session): View {
  return viewsOf(session).includes(state.view) ? state.view : 'usage';
}

function nav(session: Session): HTMLElement {
  return navView(viewsOf(session), currentView(session), (view) => viewStateHash({ ...state, view }), (view) => setState({ ...state, view }));
}

async function load(): Promise<void> {
  const session = loadSession();
  if (!session) return showSignIn(null);
  account.replaceChildren(...accountView(session, signOut));
  const run = ++sequence;
  app.setAttribute('aria-busy', 'true');
  try {
    const view = currentView(session);
    if (view === 'dead-letters') return await loadDeadLetters(session, run);
    const organizationId = session.kind === 'admin' ? await chosenOrganization(session) : null;
    if (session.kind === 'admin' && !organizationId) return void app.replaceChildren(nav(session), notice('There is no organization yet. Create one with the admin API or the CLI.'));
    if (view === 'webhooks') return await loadWebhooks(session, organizationId, run);
    const filtered = Boolean(state.month || state.namespaceId || state.apiKeyId);
    const stale = !directory || (organizationId !== null && directory.organizationId !== organizationId);
    const [unfiltered, report] = await Promise.all([
      stale || !filtered ? fetchUsage(session, organizationId, NO_FILTERS) : Promise.resolve(directory!.report),
      filtered ? fetchUsage(session, organizationId, state) : null,
    ]);
    if (run !== sequence) return;
    directory = { organizationId: unfiltered.organization_id, report: unfiltered };
    render(session, report ?? unfiltered);
  } catch (error) {
    if (run === sequence) showError(session, error);
  } finally {
    if (run === sequence) app.removeAttribute('aria-busy');
  }
}

async function chosenOrganization(session: Session): Promise<string | null> {
  organizations ??= (await fetchOrganizations(session)).sort((a, b) => a.name.localeCompare(b.name));
  if (state.organizationId && organizations.some((o) => o.id === state.organizationId)) return state.organizationId;
  const first = organizations[0]?.id ?? null;
  setState({ ...state, organizationId: first }, false);
  return first;
}

function render(session: Session, report: UsageReport): void {
  const base = directory!.report;
  const organizationName = organizations?.find((o) => o.id === report.organization_id)?.name ?? null;
  const title = reportTitle(report, organizationName);
  const filters = filtersView(
    state,
    {
      organizations: session.kind === 'admin' ? organizations : null,
      currentMonth: base.period.start.slice(0, 7),
      namespaces: base.namespaces,
      apiKeys: base.api_keys,
      namespaceLocked: base.scope === 'namespace',
    },
    (next) => setState(next),
  );
  document.title = `${title} · Tollgate usage`;
  app.replaceChildren(nav(session), dashboardView(report, title, filters));
  if (!numbersShown) {
    numbersShown = true;
    performance.mark('tollgate:numbers-shown');
  }
}

/** The organization's endpoints, then each one's newest deliveries in the state chosen. */
async function loadWebhooks(session: Session, organizationId: string | null, run: number): Promise<void> {
  const deliveryState = state.deliveryState;
  const loadDeliveries = (webhookId: string, limit: number) => fetchDeliveries(session, organizationId, webhookId, { state: deliveryState, limit });
  const endpoints = await fetchWebhooks(session, organizationId);
  const deliveries = await Promise.all(endpoints.map((endpoint) => loadDeliveries(endpoint.id, DELIVERIES_PAGE)));
  if (run !== sequence) return;
  const organizationName = session.kind === 'admin' ? organizations?.find((o) => o.id === organizationId)?.name : directory?.report.organization_name;
  const title = organizationName ? `${organizationName} · Webhooks` : 'Webhooks';
  document.title = `${title} · Tollgate usage`;
  app.replaceChildren(
    nav(session),
    webhooksView({
      title,
      endpoints: endpoints.map((endpoint, i) => ({ endpoint, deliveries: deliveries[i]! })),
      deliveryState,
      organizationFilter: session.kind === 'admin' && organizations ? organizationFilter(state, organizations, (next) => setState(next)) : null,
      onDeliveryStateChange: (next) => setState({ ...state, deliveryState: next }),
      loadDeliveries,
    }),
  );
}

/** The admin's dead letters of every organization; a retry puts them back, then the list is read again. */
async function loadDeadLetters(session: Session, run: number): Promise<void> {
  const [entries, known] = await Promise.all([fetchDeadLetters(session, DEAD_LETTERS_SHOWN), organizations ?? fetchOrganizations(session)]);
  if (run !== sequence) return;
  organizations ??= known.sort((a, b) => a.name.localeCompare(b.name));
  const message = retryMessage;
  retryMessage = null;
  document.title = 'Dead letters · Tollgate usage';
  app.replaceChildren(
    nav(session),
    deadLettersView({ entries, limit: DEAD_LETTERS_SHOWN, organizations, message, onRetry: (target) => retry(session, target) }),
  );
}

async function retry(session: Session, target: RetryTarget): Promise<void> {
  try {
    const retried = await retryDeadLetters(session, target);
    retryMessage = `${formatNumber(retried)} ${retried === 1 ? 'dead letter was' : 'dead letters were'} put back to be delivered now.`;
  } catch (error) {
    retryMessage = `The retry failed: ${error instanceof ApiError ? error.message : 'something went wrong.'}`;
  }
  await load();
}

function showError(session: Session, error: unknown): void {
  const message = error instanceof ApiError ? error.message : 'Something went wrong while loading usage.';
  if (error instanceof ApiError && error.status === 401) {
    endSession();
    return showSignIn(`That key was not accepted: ${message}`);
  }
  const filtered = currentView(session) === 'usage' && Boolean(state.month || state.namespaceId || state.apiKeyId);
  app.replaceChildren(
    nav(session),
    notice(
      message,
      filtered ? h('button', { type: 'button', onclick: () => setState({ ...state, ...NO_FILTERS }) }, 'Show the current period, unfiltered') : null,
      h('button', { type: 'button', onclick: () => void load() }, 'Try again'),
    ),
  );
}

function notice(message: string, ...actions: (HTMLElement | null)[]): HTMLElement {
  return h('div', { class: 'card notice', role: 'alert' }, h('p', {}, message), h('div', { class: 'actions' }, ...actions));
}

window.addEventListener('hashchange', () => {
  state = readViewState();
  void load();
});
void load();

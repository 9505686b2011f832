import './styles.css';
import { ApiError, fetchOrganizations, fetchUsage } from './api.js';
import { h } from './dom.js';
import { endSession, loadSession, startSession, type Session } from './session.js';
import type { OrganizationJson, UsageReport } from './types.js';
import { readViewState, writeViewState, type ViewState } from './view-state.js';
import { accountView } from './views/account.js';
import { dashboardView, reportTitle } from './views/dashboard.js';
import { filtersView } from './views/filters.js';
import { signInView } from './views/sign-in.js';

const app = document.getElementById('app')!;
const account = document.getElementById('account')!;
const NO_FILTERS = { month: null, namespaceId: null, apiKeyId: null };

/** The organization's unfiltered report of the current period: what the filters offer. */
let directory: { organizationId: string; report: UsageReport } | null = null;
let organizations: OrganizationJson[] | null = null;
let state: ViewState = readViewState();
let sequence = 0;
let numbersShown = false;

function showSignIn(error: string | null): void {
  account.replaceChildren();
  document.title = 'Sign in · Tollgate usage';
  app.replaceChildren(signInView({ error, onSignIn: (session, remember) => (startSession(session, remember), void load()) }));
}

function signOut(): void {
  endSession();
  directory = null;
  organizations = null;
  setState({ organizationId: null, ...NO_FILTERS }, false);
  showSignIn(null);
}

function setState(next: ViewState, reload = true): void {
  state = next;
  writeViewState(state);
  if (reload) void load();
}

async function load(): Promise<void> {
  const session = loadSession();
  if (!session) return showSignIn(null);
  account.replaceChildren(...accountView(session, signOut));
  const run = ++sequence;
  app.setAttribute('aria-busy', 'true');
  try {
    const organizationId = session.kind === 'admin' ? await chosenOrganization(session) : null;
    if (session.kind === 'admin' && !organizationId) return void app.replaceChildren(notice('There is no organization yet. Create one with the admin API or the CLI.'));
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
    if (run === sequence) showError(error);
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
  app.replaceChildren(dashboardView(report, title, filters));
  if (!numbersShown) {
    numbersShown = true;
    performance.mark('tollgate:numbers-shown');
  }
}

function showError(error: unknown): void {
  const message = error instanceof ApiError ? error.message : 'Something went wrong while loading usage.';
  if (error instanceof ApiError && error.status === 401) {
    endSession();
    return showSignIn(`That key was not accepted: ${message}`);
  }
  const filtered = Boolean(state.month || state.namespaceId || state.apiKeyId);
  app.replaceChildren(
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

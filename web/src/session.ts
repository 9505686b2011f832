/**
 * Who is signed in. The key lives in this tab's memory, and in sessionStorage only when the user
 * asks to stay signed in for the tab; never in localStorage, a cookie or a URL.
 */
export type SessionKind = 'api_key' | 'admin';

export interface Session {
  readonly kind: SessionKind;
  readonly key: string;
}

const STORAGE_KEY = 'tollgate.dashboard.session';
let current: Session | null = null;

export function loadSession(): Session | null {
  if (current) return current;
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Session> | null;
    if (saved && (saved.kind === 'api_key' || saved.kind === 'admin') && typeof saved.key === 'string') current = { kind: saved.kind, key: saved.key };
  } catch {
    // storage blocked or malformed: start signed out
  }
  return current;
}

export function startSession(session: Session, rememberInTab: boolean): void {
  current = session;
  try {
    if (rememberInTab) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage blocked: the session lasts until the page is left
  }
}

export function endSession(): void {
  current = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}

import { h } from '../dom.js';
import type { Session } from '../session.js';

/** The part of a key that key listings show anyway ("tg_<prefix>"), never its secret. */
function visiblePart(key: string): string | null {
  return /^(tg_[A-Za-z0-9]+)_/.exec(key)?.[1] ?? null;
}

/** The top bar's right side: who is signed in, and signing out. */
export function accountView(session: Session | null, onSignOut: () => void): Node[] {
  if (!session) return [];
  const prefix = session.kind === 'api_key' ? visiblePart(session.key) : null;
  return [
    h('span', { class: 'who' }, ...(session.kind === 'admin' ? ['Signed in as admin'] : prefix ? ['Signed in with ', h('code', {}, `${prefix}…`)] : ['Signed in with an API key'])),
    h('button', { type: 'button', class: 'link-button', onclick: onSignOut }, 'Sign out'),
  ];
}

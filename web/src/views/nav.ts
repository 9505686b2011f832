import { h } from '../dom.js';
import type { View } from '../view-state.js';

const TITLES: Record<View, string> = { usage: 'Usage', webhooks: 'Webhooks', 'dead-letters': 'Dead letters' };

/** The views a session can open, as links (their fragment) that `onOpen` follows without a reload. */
export function navView(views: readonly View[], current: View, hrefOf: (view: View) => string, onOpen: (view: View) => void): HTMLElement {
  return h(
    'nav',
    { class: 'views', 'aria-label': 'Views' },
    ...views.map((view) => {
      const link = h('a', { href: hrefOf(view) || '#', 'data-view-link': view, 'aria-current': view === current ? 'page' : null }, TITLES[view]);
      link.addEventListener('click', (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        onOpen(view);
      });
      return link;
    }),
  );
}

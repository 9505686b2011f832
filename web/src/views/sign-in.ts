import { h } from '../dom.js';
import type { Session, SessionKind } from '../session.js';

/** The sign-in form: an organization's API key, or the operator's admin key. */
export function signInView(options: { error: string | null; onSignIn: (session: Session, rememberInTab: boolean) => void }): HTMLElement {
  const keyInput = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'key-help' });
  const kindInputs = (['api_key', 'admin'] as const).map((kind) =>
    h('input', { type: 'radio', name: 'kind', id: `kind-${kind}`, value: kind, checked: kind === 'api_key' }),
  );
  const remember = h('input', { type: 'checkbox', id: 'remember', name: 'remember', checked: true });
  // An admin key made by the server starts with tga_: choose "Admin key" for the user.
  keyInput.addEventListener('input', () => {
    if (keyInput.value.startsWith('tga_')) kindInputs[1]!.checked = true;
    else if (keyInput.value.startsWith('tg_')) kindInputs[0]!.checked = true;
  });
  const form = h(
    'form',
    { class: 'sign-in card', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in to see usage'),
    h('p', { class: 'muted' }, 'Use an API key of your organization, or the admin key to look at any organization.'),
    h(
      'fieldset',
      { class: 'kinds' },
      h('legend', {}, 'Sign in with'),
      h('label', { for: 'kind-api_key' }, kindInputs[0], ' API key'),
      h('label', { for: 'kind-admin' }, kindInputs[1], ' Admin key'),
    ),
    h('label', { for: 'key', class: 'field-label' }, 'Key'),
    keyInput,
    h('p', { id: 'key-help', class: 'hint' }, 'The key is sent only to this server, in a request header.'),
    h('label', { for: 'remember', class: 'check' }, remember, ' Stay signed in while this tab is open'),
    options.error ? h('p', { class: 'error', role: 'alert' }, options.error) : null,
    h('button', { type: 'submit', class: 'primary' }, 'Show usage'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) return;
    const kind = (kindInputs.find((input) => input.checked)?.value ?? 'api_key') as SessionKind;
    options.onSignIn({ kind, key }, remember.checked);
  });
  queueMicrotask(() => keyInput.focus());
  return form;
}

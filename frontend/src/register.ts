// Defines the card's elements in the registry Home Assistant's frontend actually uses.
//
// add_extra_js_url loads this module while the frontend boots, concurrently with its app bundle,
// which replaces window.customElements with a scoped registry (polyfill). An element defined
// before that swap lands in the native registry, which the frontend no longer consults: the card
// would show "Custom element doesn't exist" on some page loads (home-assistant/frontend#53890).
// So the definition waits until the frontend's root element is defined (it is defined only after
// the swap) and goes into whatever window.customElements is then; without a Home Assistant app
// on the page (a test page, a preview elsewhere) it defines after a few seconds anyway.

const WAIT_MS = 10_000;
const POLL_MS = 50;

export function defineWhenReady(tag: string, element: CustomElementConstructor): void {
  const started = Date.now();
  const attempt = (): void => {
    const registry = window.customElements;
    if (registry.get(tag)) return;
    if (registry.get("home-assistant") || Date.now() - started > WAIT_MS) {
      registry.define(tag, element);
      return;
    }
    setTimeout(attempt, POLL_MS);
  };
  attempt();
}

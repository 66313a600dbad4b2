// The bundle's own script, appended by `cargo xtask js` to wasm-bindgen's `--target web`
// glue, so that `vestibule.js` is one module: importing it starts the wasm and registers the
// custom elements. `__wbg_init`, `mountSignIn`, `unmount`, `_watchSession`, ... are the
// glue's own names in this same module scope.
await __wbg_init();
// The default frontend API is the origin this module was served from.
_setModuleUrl(import.meta.url);

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

// An element that mounts one component into itself: attributes are the props in kebab-case
// (`redirect-url` for `redirectUrl`; `theme` for `appearance.theme`; `flags` are boolean
// attributes). A change of any observed attribute remounts it once, on the next microtask.
function defineMount(tag, mount, attributes, flags = []) {
  if (customElements.get(tag)) return;
  customElements.define(tag, class extends HTMLElement {
    static get observedAttributes() { return attributes; }
    connectedCallback() { this.render(); }
    disconnectedCallback() {
      this.queued = false;
      unmount(this);
    }
    attributeChangedCallback() {
      if (!this.isConnected || this.queued) return;
      this.queued = true;
      queueMicrotask(() => this.queued && this.isConnected && this.render());
    }
    render() {
      this.queued = false;
      const props = {};
      for (const name of attributes) {
        if (!this.hasAttribute(name)) continue;
        const value = this.getAttribute(name);
        if (flags.includes(name)) props[camel(name)] = value !== "false";
        else if (name === "theme") props.appearance = { theme: value };
        else props[camel(name)] = value;
      }
      mount(this, props);
    }
  });
}

// `<vestibule-signed-in>` / `<vestibule-signed-out>`: their children are in the document only
// in that session state (held aside otherwise, so a sign-in card is not even mounted for a
// signed-in visitor, as Leptos' <SignedOut> does not render it).
function defineSwitch(tag, shownIn) {
  if (customElements.get(tag)) return;
  customElements.define(tag, class extends HTMLElement {
    connectedCallback() {
      this.held = this.held || [];
      this.show(_sessionState() === shownIn);
      this.stop = _watchSession((state) => this.show(state === shownIn));
    }
    disconnectedCallback() {
      if (this.stop) this.stop();
      this.stop = null;
    }
    show(visible) {
      if (visible && this.held.length) {
        this.append(...this.held);
        this.held = [];
      } else if (!visible && this.childNodes.length) {
        this.held.push(...this.childNodes);
        this.replaceChildren();
      }
    }
  });
}

defineMount("vestibule-sign-in", mountSignIn, ["redirect-url", "sign-up-url", "locale", "theme"]);
defineMount("vestibule-sign-up", mountSignUp, ["redirect-url", "sign-in-url", "locale", "theme"]);
defineMount(
  "vestibule-user-button",
  mountUserButton,
  ["user-profile-url", "after-sign-out-url", "show-name", "locale", "theme"],
  ["show-name"],
);
defineMount("vestibule-user-profile", mountUserProfile, ["after-sign-out-url", "locale", "theme"]);
defineSwitch("vestibule-signed-in", "signed-in");
defineSwitch("vestibule-signed-out", "signed-out");

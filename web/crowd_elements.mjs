// Local implementations of the Crowd HTML Elements that the bulkqa worker template uses, for the
// review page of `bulkqa serve` (Ground Truth's own come from its loader script, which the page
// leaves out). They follow the SageMaker developer guide's element reference:
//   <crowd-form>          wraps the task; appends a Submit button; on submit, fires a cancelable
//                         "submit" event (onsubmit handlers may refuse), then "crowd-submit" with
//                         the answer: one object mapping each element's name to its output
//   <crowd-checkbox>      attributes checked, disabled, name, value (default "on"); outputs
//                         {"<name>": {"<value>": true|false}}, boxes sharing a name merged
//   <crowd-instructions>  attributes link-text, link-type ("link" or "button"); shows the regions
//                         short-summary, detailed-instructions, positive-example and
//                         negative-example on three tabs

// The elements' styles, adopted by their shadow roots rather than written there as <style>: the
// portal's Content-Security-Policy lets no inline style in without its nonce, and adopted sheets
// are not inline markup.
function styleSheet(css) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  return sheet;
}

const checkboxStyle = styleSheet(`
  :host { display: inline-flex; align-items: center; cursor: pointer; }
  :host([disabled]) { cursor: default; opacity: 0.6; }
  label { display: inline-flex; align-items: center; gap: 0.3rem; cursor: inherit; }
  input { width: 1.1rem; height: 1.1rem; margin: 0; cursor: inherit; }`);

const instructionsStyle = styleSheet(`
  .trigger.link { background: none; border: none; padding: 0; color: #0073bb;
                  text-decoration: underline; cursor: pointer; font: inherit; }
  dialog { width: min(46rem, 92vw); max-height: 85vh; padding: 1rem 1.2rem; }
  [role=tablist] { display: flex; gap: 0.3rem; border-bottom: 1px solid #d5dbdb;
                   margin-bottom: 0.6rem; }
  [role=tab] { border: none; background: none; padding: 0.4rem 0.7rem; cursor: pointer;
               font: inherit; }
  [role=tab][aria-selected=true] { border-bottom: 3px solid #0073bb; font-weight: 600; }
  .close { float: right; }
  h3 { margin: 0.6rem 0 0.3rem; font-size: 1rem; }`);

class CrowdCheckbox extends HTMLElement {
  static observedAttributes = ['disabled'];

  constructor() {
    super();
    const shadow = this.attachShadow({ mode: 'open', delegatesFocus: true });
    shadow.adoptedStyleSheets = [checkboxStyle];
    shadow.innerHTML = '<label><input type="checkbox"><slot></slot></label>';
    this._input = shadow.querySelector('input');
    // A change inside the shadow tree does not leave it; the element reports its own.
    this._input.addEventListener('change', () => {
      this.dispatchEvent(new Event('change', { bubbles: true }));
    });
    // The checked attribute is the initial state only, taken when the element is first used.
    this._stateTaken = false;
  }

  connectedCallback() {
    this._takeInitialState();
    this._input.disabled = this.hasAttribute('disabled');
  }

  _takeInitialState() {
    if (this._stateTaken) return;
    this._stateTaken = true;
    this._input.checked = this.hasAttribute('checked');
  }

  attributeChangedCallback(name) {
    if (name === 'disabled') this._input.disabled = this.hasAttribute('disabled');
  }

  get checked() {
    this._takeInitialState();
    return this._input.checked;
  }

  set checked(value) {
    this._stateTaken = true;
    this._input.checked = Boolean(value);
  }

  get name() {
    return this.getAttribute('name') ?? '';
  }

  get value() {
    return this.getAttribute('value') ?? 'on';
  }
}

class CrowdForm extends HTMLElement {
  connectedCallback() {
    if (this._submitButton) return;
    this._submitButton = document.createElement('button');
    this._submitButton.type = 'button';
    this._submitButton.className = 'crowd-form-submit';
    this._submitButton.textContent = 'Submit';
    this._submitButton.addEventListener('click', () => this.submit());
    this.append(this._submitButton);
  }

  // The worker's answer, as Ground Truth stores it: each named element's output, merged.
  answer() {
    const answer = {};
    for (const box of this.querySelectorAll('crowd-checkbox[name]')) {
      answer[box.name] = { ...answer[box.name], [box.value]: box.checked };
    }
    return answer;
  }

  submit() {
    if (!this.dispatchEvent(new Event('submit', { cancelable: true }))) return;
    this.dispatchEvent(new CustomEvent('crowd-submit', {
      bubbles: true,
      detail: { answer: this.answer() },
    }));
  }

  set submitting(busy) {
    this._submitButton.disabled = busy;
    this._submitButton.textContent = busy ? 'Submitting…' : 'Submit';
  }
}

const instructionRegions = [
  'short-summary', 'detailed-instructions', 'positive-example', 'negative-example',
];

class CrowdInstructions extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    for (const child of this.children) {
      if (instructionRegions.includes(child.localName)) child.slot = child.localName;
    }
    const shadow = this.attachShadow({ mode: 'open' });
    const asButton = this.getAttribute('link-type') === 'button';
    shadow.adoptedStyleSheets = [instructionsStyle];
    shadow.innerHTML = `
      <button type="button" class="trigger ${asButton ? 'button' : 'link'}"></button>
      <dialog aria-label="Instructions">
        <button type="button" class="close">Close</button>
        <div role="tablist">
          <button type="button" role="tab" data-panel="summary">Summary</button>
          <button type="button" role="tab" data-panel="detailed">Detailed Instructions</button>
          <button type="button" role="tab" data-panel="examples">Examples</button>
        </div>
        <section role="tabpanel" data-panel="summary"><slot name="short-summary"></slot></section>
        <section role="tabpanel" data-panel="detailed">
          <slot name="detailed-instructions"></slot></section>
        <section role="tabpanel" data-panel="examples">
          <h3>Good examples</h3><slot name="positive-example"></slot>
          <h3>Bad examples</h3><slot name="negative-example"></slot>
        </section>
      </dialog>`;
    const dialog = shadow.querySelector('dialog');
    const trigger = shadow.querySelector('.trigger');
    trigger.textContent = this.getAttribute('link-text') ?? 'Click for instructions';
    trigger.addEventListener('click', () => dialog.showModal());
    shadow.querySelector('.close').addEventListener('click', () => dialog.close());
    const tabs = [...shadow.querySelectorAll('[role=tab]')];
    const panels = [...shadow.querySelectorAll('[role=tabpanel]')];
    const select = (panel) => {
      tabs.forEach((tab) => tab.setAttribute('aria-selected', String(tab.dataset.panel === panel)));
      panels.forEach((section) => { section.hidden = section.dataset.panel !== panel; });
    };
    tabs.forEach((tab) => tab.addEventListener('click', () => select(tab.dataset.panel)));
    select('summary');
  }
}

export function defineCrowdElements(registry) {
  registry.define('crowd-checkbox', CrowdCheckbox);
  registry.define('crowd-form', CrowdForm);
  registry.define('crowd-instructions', CrowdInstructions);
}

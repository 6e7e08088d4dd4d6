// Building the page: elements from a tag, attributes and children. Text only ever goes in as text nodes
// or `textContent`, never as markup, so a job's arguments or error cannot become HTML.

/** What an element can hold: nodes, text, numbers, lists of these; `null`, `undefined` and `false` are skipped. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** An attribute's value: `true` sets it empty; `null`, `undefined` and `false` leave it out. */
type AttributeValue = string | number | boolean | null | undefined;

/** The attributes of {@link h}, with `class`, `text` and the two event handlers the page uses. */
export interface Props {
  readonly class?: string | undefined;
  readonly text?: string | number | undefined;
  readonly onclick?: ((event: MouseEvent) => void) | undefined;
  readonly onchange?: ((event: Event) => void) | undefined;
  readonly [attribute: string]: AttributeValue | ((event: never) => void);
}

/** Creates `<tag>` with its attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el: HTMLElement = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = String(value);
      else if (key === 'text') el.textContent = String(value);
      else if (key === 'onclick') el.addEventListener('click', value as (event: MouseEvent) => void);
      else if (key === 'onchange') el.addEventListener('change', value as (event: Event) => void);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children) append(el, child);
  return el as HTMLElementTagNameMap[K];
}

/** Appends children to `el`, text as text nodes. */
export function append(el: Node, child: Child): void {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) for (const c of child as readonly Child[]) append(el, c);
  else if (child instanceof Node) el.appendChild(child);
  else el.appendChild(document.createTextNode(String(child)));
}

/** Replaces what `el` holds (nothing happens when it is missing). */
export function fill(el: Element | null, children: Child): void {
  if (!el) return;
  el.replaceChildren();
  append(el, children);
}

/** The element with this id, or null. */
export function findById<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** The element with this id, which the current view always has. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = findById<T>(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el;
}

/**
 * Builds DynamoDB update and condition expressions with every attribute name and value behind a
 * placeholder, so reserved words (`status`, `error`, `result`) never need special care.
 */
export class UpdateExpression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  readonly #sets: string[] = [];
  readonly #lastSets: string[] = [];
  readonly #removes: string[] = [];
  #next = 0;

  /** `#attr` for an attribute name. */
  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** `:vN` for a value. */
  value(value: unknown): string {
    const placeholder = `:v${this.#next++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): this {
    this.#sets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  /**
   * A SET rendered after every other one. DynamoDB applies an update atomically, so the order means
   * nothing there; emulators (moto) apply the actions one by one while other requests read the item, and
   * a job's `status` written last means a reader that sees the new status sees everything written with it.
   */
  setLast(attribute: string, value: unknown): this {
    this.#lastSets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  /** Sets a nested attribute, `a.b` as `['a', 'b']`; its parent map must exist. */
  setPath(path: readonly string[], value: unknown): this {
    this.#sets.push(`${path.map((segment) => this.name(segment)).join('.')} = ${this.value(value)}`);
    return this;
  }

  /** Sets the attribute only where the item does not have it yet (creating a job from its message). */
  setIfMissing(attribute: string, value: unknown): this {
    const n = this.name(attribute);
    this.#sets.push(`${n} = if_not_exists(${n}, ${this.value(value)})`);
    return this;
  }

  /** Appends to a list attribute, starting it (as `initial`, empty by default) when missing. */
  append(attribute: string, items: readonly unknown[], initial: readonly unknown[] = []): this {
    if (items.length === 0) return this;
    const n = this.name(attribute);
    this.#sets.push(`${n} = list_append(if_not_exists(${n}, ${this.value(initial)}), ${this.value(items)})`);
    return this;
  }

  /**
   * Appends to a list attribute the item is known to have (a job's `history`, in a write whose condition
   * requires the item): without `if_not_exists`, whose parsing and evaluation the emulators charge for.
   */
  appendExisting(attribute: string, items: readonly unknown[]): this {
    if (items.length === 0) return this;
    const n = this.name(attribute);
    this.#sets.push(`${n} = list_append(${n}, ${this.value(items)})`);
    return this;
  }

  /** Adds to a number attribute, starting from 0 when missing. */
  increment(attribute: string, by = 1): this {
    const n = this.name(attribute);
    this.#sets.push(`${n} = if_not_exists(${n}, ${this.value(0)}) + ${this.value(by)}`);
    return this;
  }

  remove(...attributes: readonly string[]): this {
    for (const attribute of attributes) this.#removes.push(this.name(attribute));
    return this;
  }

  /** `#attr IN (:a, :b)`. */
  in(attribute: string, options: readonly unknown[]): string {
    return `${this.name(attribute)} IN (${options.map((o) => this.value(o)).join(', ')})`;
  }

  /** `#attr <op> :v`. */
  compare(attribute: string, operator: '=' | '<' | '<=' | '>' | '>=' | '<>', value: unknown): string {
    return `${this.name(attribute)} ${operator} ${this.value(value)}`;
  }

  get updateExpression(): string {
    const parts: string[] = [];
    const sets = [...this.#sets, ...this.#lastSets];
    if (sets.length) parts.push(`SET ${sets.join(', ')}`);
    if (this.#removes.length) parts.push(`REMOVE ${this.#removes.join(', ')}`);
    return parts.join(' ');
  }

  /** The names and values parameters of the request; omits values when there are none. */
  get parameters(): {
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

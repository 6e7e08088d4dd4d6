// Wraps a port (store, transport) to replace some of its methods in a test, e.g. to inject a failure.

/** `target` with some methods replaced; the others stay bound to it (they use private fields). */
export function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in overrides) return overrides[property as keyof T];
      const value = Reflect.get(object, property);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

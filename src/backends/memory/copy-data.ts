/**
 * A deep copy of plain data (objects, arrays, primitives), as `structuredClone` makes one but several
 * times faster for the small records the embedded stores copy in and out on every operation. Anything
 * other than a plain object or an array (a Date, a Map, a class instance) is copied by
 * `structuredClone`. Cycles are not supported: the stores bound every record's size first
 * (`jsonBytesBound`), which refuses them as `JSON.stringify` does.
 */
export function copyData<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyData(value[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const copy = copyData((value as Record<string, unknown>)[key]);
    // Parsed JSON may hold an own "__proto__" key: assigning it would set the copy's prototype instead.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out as T;
}

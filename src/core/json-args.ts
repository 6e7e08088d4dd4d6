/**
 * Arguments travel as JSON in a message and a job record. `JSON.stringify` throws a bare `TypeError` on a
 * BigInt or a cycle, and writes a lone UTF-16 surrogate as an escape other stores and languages may
 * refuse or mangle. This finds them first, with the path to each, so `enqueue` can refuse them as
 * invalid arguments.
 */
import { InvalidArgsError, type ValidationIssue } from './errors.js';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` is well-formed UTF-16: no lone surrogate (what `String.prototype.isWellFormed` tells). */
export function isWellFormedUtf16(text: string): boolean {
  return !loneSurrogate.test(text);
}

const maxIssues = 5;

/** The places where `value` is not portable JSON (at most five), walked as `JSON.stringify` would. */
export function jsonArgsIssues(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ancestors = new Set<object>();
  const walk = (node: unknown, key: string, path: (string | number)[]): void => {
    if (issues.length >= maxIssues) return;
    let current = node;
    if (
      typeof current === 'object' &&
      current !== null &&
      typeof (current as { toJSON?: unknown }).toJSON === 'function'
    ) {
      current = (current as { toJSON(key: string): unknown }).toJSON(key);
    }
    if (typeof current === 'bigint') {
      issues.push({ message: 'a BigInt cannot be written as JSON (pass it as a string)', path });
    } else if (typeof current === 'string') {
      if (loneSurrogate.test(current)) issues.push({ message: notWellFormed, path });
    } else if (typeof current === 'object' && current !== null) {
      if (ancestors.has(current)) {
        issues.push({ message: 'a cycle: this value contains itself', path });
        return;
      }
      ancestors.add(current);
      if (Array.isArray(current)) {
        for (const [i, item] of current.entries()) walk(item, String(i), [...path, i]);
      } else {
        for (const name of Object.keys(current)) {
          if (loneSurrogate.test(name))
            issues.push({ message: `the key is ${notWellFormed}`, path: [...path, name] });
          walk((current as Record<string, unknown>)[name], name, [...path, name]);
        }
      }
      ancestors.delete(current);
    }
  };
  walk(value, '', []);
  return issues.slice(0, maxIssues);
}

const notWellFormed = 'not well-formed UTF-16 (a lone surrogate), which JSON cannot carry portably';

/** Throws {@link InvalidArgsError} naming each path where `args` is not portable JSON. */
export function checkJsonArgs(taskName: string, args: unknown): void {
  const issues = jsonArgsIssues(args);
  if (issues.length > 0) throw new InvalidArgsError(taskName, issues);
}

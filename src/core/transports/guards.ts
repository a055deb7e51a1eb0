/**
 * Type guards for the lines codex prints: each checks exactly the fields a transport reads, in place,
 * without copying the message. Codex's stdout is the hot path (every delta of every task goes through
 * here), so it is checked field by field; user input (requests, request files, tool input) goes
 * through zod, whose error messages a person reads.
 */

export type Guard<T> = (v: unknown) => v is T;
export type GuardType<G> = G extends Guard<infer T> ? T : never;

export const str: Guard<string> = (v): v is string => typeof v === 'string';
export const num: Guard<number> = (v): v is number => typeof v === 'number';
export const bool: Guard<boolean> = (v): v is boolean => typeof v === 'boolean';
export const anything: Guard<unknown> = (_v): _v is unknown => true;

export function opt<T>(g: Guard<T>): Guard<T | undefined> {
  return (v): v is T | undefined => v === undefined || g(v);
}

export function nullable<T>(g: Guard<T>): Guard<T | null | undefined> {
  return (v): v is T | null | undefined => v === undefined || v === null || g(v);
}

export function oneOf<A, B>(a: Guard<A>, b: Guard<B>): Guard<A | B> {
  return (v): v is A | B => a(v) || b(v);
}

export function arrayOf<T>(g: Guard<T>): Guard<T[]> {
  return (v): v is T[] => {
    if (!Array.isArray(v)) {
      return false;
    }
    for (const x of v) {
      if (!g(x)) {
        return false;
      }
    }
    return true;
  };
}

export function recordOf<T>(g: Guard<T>): Guard<Record<string, T>> {
  return (v): v is Record<string, T> => isObject(v) && Object.values(v).every(g);
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type ShapeType<S extends Record<string, Guard<unknown>>> = { [K in keyof S]: GuardType<S[K]> } & Record<string, unknown>;

/** An object with at least these fields (others are allowed and kept). */
export function shape<S extends Record<string, Guard<unknown>>>(fields: S): Guard<ShapeType<S>> {
  const entries = Object.entries(fields);
  return (v): v is ShapeType<S> => {
    if (!isObject(v)) {
      return false;
    }
    for (const [k, g] of entries) {
      if (!g(v[k])) {
        return false;
      }
    }
    return true;
  };
}

/** One of several shapes, told apart by a string field (`type`): only the matching one is checked. */
export function tagged<K extends string, M extends Record<string, Guard<Record<string, unknown>>>>(key: K, variants: M): Guard<{ [T in keyof M]: GuardType<M[T]> & Record<K, T> }[keyof M]> {
  return (v): v is { [T in keyof M]: GuardType<M[T]> & Record<K, T> }[keyof M] => {
    if (!isObject(v)) {
      return false;
    }
    const tag = v[key];
    return typeof tag === 'string' && Object.hasOwn(variants, tag) && variants[tag](v);
  };
}

/** Settings: a few named values the server keeps (the admin key's hash). Part of the store contract (index.ts). */

export interface Settings {
  get(name: string): Promise<string | null>;
  /** Stores the value unless the name has one; returns whether it was stored (first writer wins). */
  putIfAbsent(name: string, value: string): Promise<boolean>;
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const sources = files(SRC).map((path) => {
  const text = readFileSync(path, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  const local = specifiers.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(path), s)).replace(/\.js$/, '.ts'));
  return { file: relative(SRC, path), text, specifiers, local };
});

/** Which parts of src/ a folder may import (besides itself). */
const ALLOWED: [RegExp, RegExp[]][] = [
  [/^core\//, []],
  [/^stores\/contract\//, [/^core\//]],
  [/^stores\/shared\//, [/^core\//, /^stores\/contract\//]],
  [/^stores\/([a-z]+)\//, [/^core\//, /^stores\/contract\//, /^stores\/shared\//]],
  [/^tenancy\//, [/^core\//, /^stores\/contract\//]],
  [/^metering\//, [/^core\//, /^stores\/contract\//, /^tenancy\//]],
  [/^(analytics|billing|memory)\//, [/^core\//, /^stores\/contract\//]],
  // Forwarding to an upstream knows the config and the errors, nothing of the engine or the stores.
  [/^gateway\//, [/^core\//]],
  [/^http\//, [/^core\//, /^stores\/contract\//, /^tenancy\//, /^metering\//, /^analytics\//, /^billing\//, /^memory\//, /^gateway\//]],
  [/^cli\//, [/.*/]],
  // The package's entries (package.json "exports"): the library, and the receivers' webhook check.
  [/^index\.ts$/, [/^core\//, /^stores\//, /^tenancy\//, /^metering\//, /^analytics\//, /^billing\//]],
  [/^webhooks\.ts$/, [/^core\//, /^billing\/webhook-signature\.ts$/]],
  [/^upstream\.ts$/, [/^gateway\/identity-signature\.ts$/]],
];

const folderOf = (file: string) => {
  const store = /^stores\/([a-z]+)\//.exec(file);
  return store && store[1] !== 'shared' ? `stores/${store[1]}/` : file.split('/')[0] + '/';
};

describe('architecture', () => {
  it('reads some source files', () => expect(sources.length).toBeGreaterThan(30));

  it('imports point one way: core ← stores, tenancy, metering ← http, cli', () => {
    const wrong: string[] = [];
    for (const { file, local } of sources) {
      const rule = ALLOWED.find(([pattern]) => pattern.test(file));
      if (!rule) {
        wrong.push(`${file}: no rule covers this folder`);
        continue;
      }
      for (const target of local) {
        if (target.startsWith(folderOf(file))) continue;
        if (!rule[1].some((allowed) => allowed.test(target))) wrong.push(`${file} imports ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('core does no I/O and reads no clock', () => {
    for (const { file, text, specifiers } of sources.filter((s) => s.file.startsWith('core/'))) {
      expect(specifiers.filter((s) => s.startsWith('node:') || !s.startsWith('.')), file).toEqual([]);
      expect(/Date\.now\(\)|new Date\(\)|performance\.now\(\)|process\./.test(text), `${file} reads the clock or the process`).toBe(false);
    }
  });

  it('only the CLI loader reads process.env', () => {
    const readers = sources.filter((s) => /process\.env/.test(s.text)).map((s) => s.file);
    expect(readers.sort()).toEqual(['cli/bin.ts', 'cli/load-config.ts']);
  });

  it('nothing imports http or cli but cli', () => {
    for (const { file, local } of sources) {
      if (file.startsWith('cli/') || file.startsWith('http/')) continue;
      expect(local.filter((t) => t.startsWith('http/') || t.startsWith('cli/')), file).toEqual([]);
    }
  });
});

import { readFileSync, writeFileSync } from 'node:fs';

const README = new URL('../README.md', import.meta.url);

/** Rewrites the part of bench/README.md between `<!-- name:start -->` and `<!-- name:end -->`. */
export function writeSection(name: string, body: string): void {
  const text = readFileSync(README, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench/README.md has no section ${name}`);
  writeFileSync(README, text.slice(0, from + start.length) + '\n' + body.trim() + '\n' + text.slice(to));
}

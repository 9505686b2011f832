import { CommanderError } from 'commander';
import { TollgateError } from '../core/errors.js';
import { createProgram } from './program.js';

const io = { out: (s: string) => process.stdout.write(s + '\n'), err: (s: string) => process.stderr.write(s + '\n'), env: process.env };
const program = createProgram(io).exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof TollgateError) {
    io.err(`error ${error.code}: ${error.message}`);
    process.exitCode = error.status >= 500 ? 2 : 1;
  } else {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

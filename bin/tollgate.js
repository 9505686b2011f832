#!/usr/bin/env node
// Runs the CLI from the TypeScript sources through tsx's loader (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/bin.ts');

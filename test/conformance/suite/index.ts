import type { StoreHarness } from '../harnesses.js';
import { attributionSuite } from './attribution.js';
import { chargeSuite } from './charge.js';
import { concurrencySuite } from './concurrency.js';
import { idempotencySuite } from './idempotency.js';
import { memoriesSuite } from './memories.js';
import { memorySearchSuite } from './memory-search.js';
import { periodsSuite } from './periods.js';
import { rateWindowsSuite } from './rate-windows.js';
import { boundariesSuite } from './boundaries.js';
import { refundSuite } from './refund.js';
import { refusedCostsNothingSuite } from './refused-costs-nothing.js';
import { revocationSuite } from './revocation.js';
import { settingsSuite } from './settings.js';
import { webhooksSuite } from './webhooks.js';
import { outboxSuite } from './outbox.js';

/** Every rule of DESIGN §4, one file each; a store passes them all. */
export const SUITES: readonly ((h: StoreHarness) => void)[] = [
  chargeSuite,
  boundariesSuite,
  refusedCostsNothingSuite,
  rateWindowsSuite,
  refundSuite,
  attributionSuite,
  idempotencySuite,
  periodsSuite,
  concurrencySuite,
  revocationSuite,
  memoriesSuite,
  memorySearchSuite,
  settingsSuite,
  webhooksSuite,
  outboxSuite,
];

/**
 * The load of the kill -9 scenario: concurrent callers sending planned calls to the live server
 * processes, keeping what each call was answered, and the SIGKILL that leaves some unanswered.
 */
import { expect } from 'vitest';
import type { ServerProcess } from './servers.js';

export interface ServerSlot {
  process: ServerProcess;
  alive: boolean;
  /** Calls sent to it and not yet answered. */
  pending: number;
}

export interface PlannedCall {
  readonly apiKey: string;
  readonly path: string;
  readonly body: unknown;
  /** The operation's price: the X-Usage-Cost of a 2xx must say the same. */
  readonly cost: number;
  /** "organization:<id>", "namespace:<id>", "api_key:<id>": the counters the call moves. */
  readonly scopes: readonly string[];
}

export type Outcome = 'granted' | 'refused' | 'unanswered';

/** One call as its caller saw it. */
export interface AnsweredCall {
  readonly scopes: readonly string[];
  readonly cost: number;
  outcome?: Outcome;
  /** For a 429: its error_code and the scope kind its body named. */
  errorCode?: string;
  refusedScope?: string;
}

export interface Load {
  readonly calls: readonly AnsweredCall[];
  /** Calls answered 2xx so far. */
  granted(): number;
  /** Calls settled (answered or left unanswered) so far. */
  settled(): number;
  /** `count` more calls from `concurrency` callers; `stop` is asked before each new call. */
  drive(count: number, stop?: () => boolean): Promise<void>;
  /** SIGKILL now: the calls in flight to it, and its exit signal. */
  kill(slot: ServerSlot): { inFlight: number; exited: Promise<NodeJS.Signals | null> };
  count(outcome: Outcome): number;
}

export function createLoad(o: {
  readonly slots: readonly ServerSlot[];
  readonly concurrency: number;
  readonly plan: (i: number) => PlannedCall;
  /** The server of call i among the live ones; round robin by default. */
  readonly route?: (i: number, live: readonly ServerSlot[]) => ServerSlot;
}): Load {
  const calls: AnsweredCall[] = [];
  const route = o.route ?? ((i, live) => live[i % live.length]!);
  let next = 0;
  let granted = 0;
  let settled = 0;

  /** One call to a live server; a call the kill leaves without an answer is "unanswered". */
  const send = async (i: number): Promise<void> => {
    const slot = route(i, o.slots.filter((s) => s.alive));
    const planned = o.plan(i);
    const call: AnsweredCall = { scopes: planned.scopes, cost: planned.cost };
    calls.push(call);
    slot.pending++;
    let response: Response;
    let text: string | null;
    try {
      response = await fetch(`${slot.process.url}${planned.path}`, {
        method: 'POST',
        headers: { 'x-api-key': planned.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(planned.body),
      });
      text = await response.text().catch(() => null); // a body cut by the kill: the status was answered
    } catch (error) {
      if (slot.alive) throw error;
      call.outcome = 'unanswered';
      return;
    } finally {
      slot.pending--;
      settled++;
    }
    if (response.status >= 200 && response.status < 300) {
      expect(Number(response.headers.get('x-usage-cost')), planned.path).toBe(planned.cost);
      call.outcome = 'granted';
      granted++;
    } else if (response.status === 429) {
      call.outcome = 'refused';
      if (text !== null) {
        const error = JSON.parse(text);
        call.errorCode = error.error_code;
        call.refusedScope = error.scope;
      }
    } else {
      throw new Error(`unexpected ${response.status} from ${planned.path}: ${text}`);
    }
  };

  return {
    calls,
    granted: () => granted,
    settled: () => settled,
    async drive(count, stop = () => false) {
      const end = next + count;
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          while (next < end && !stop()) await send(next++);
        }),
      );
    },
    kill(slot) {
      const child = slot.process.child;
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      const inFlight = slot.pending;
      slot.alive = false;
      child.kill('SIGKILL');
      return { inFlight, exited };
    },
    count: (outcome) => calls.filter((c) => c.outcome === outcome).length,
  };
}

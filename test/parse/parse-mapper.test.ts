/** The parse store's pure parts and its failures, without a Parse Server (no MongoDB exists here either). */
import { describe, expect, it } from 'vitest';
import type { InteractionRecord } from '../../src/stores/contract/index.js';
import { createParseStore, type ParseFetch } from '../../src/stores/parse/index.js';
import { interactionObjectId, toExtendedJson, toInteractionRecord, toParseMongoDocument } from '../../src/stores/parse/parse-mapper.js';
import { createRamStore } from '../../src/stores/ram/index.js';
import { manualClock } from '../support/clock.js';

const record: InteractionRecord = {
  month: 11,
  year: 2026,
  workspaceId: 'ws_1',
  userId: 'usr_1',
  type: 'mini',
  organizationId: 'org_1',
  namespaceId: 'ns_1',
  apiKeyId: 'key_1',
  operation: 'add_memory_v1',
  subscriptionId: 'sub_1',
  companyId: null,
  count: 12,
  calls: 3,
  createdAt: Date.parse('2026-11-02T10:00:00.000Z'),
  updatedAt: Date.parse('2026-11-15T12:00:00.000Z'),
};

describe('parse mapper: the MongoDB form of an Interaction', () => {
  it('is the document Parse Server keeps in MongoDB: _id, _p_<pointer> = "<Class>$<id>", _created_at/_updated_at dates', () => {
    expect(toParseMongoDocument(record)).toEqual({
      _id: interactionObjectId(record),
      _p_workspace: 'WorkSpace$ws_1',
      _p_user: '_User$usr_1',
      _p_subscription: 'Subscription$sub_1',
      _p_organization: 'Organization$org_1',
      _p_namespace: 'Namespace$ns_1',
      _p_apiKey: 'APIKey$key_1',
      type: 'mini',
      month: 11,
      year: 2026,
      count: 12,
      calls: 3,
      operation_type: 'add_memory_v1',
      _created_at: new Date('2026-11-02T10:00:00.000Z'),
      _updated_at: new Date('2026-11-15T12:00:00.000Z'),
    });
  });

  it('leaves out absent pointers (no _p_company here) and writes dates as Extended JSON for mongoimport', () => {
    const line = JSON.parse(toExtendedJson(toParseMongoDocument(record)));
    expect(line).not.toHaveProperty('_p_company');
    expect(line._created_at).toEqual({ $date: '2026-11-02T10:00:00.000Z' });
    expect(line._updated_at).toEqual({ $date: '2026-11-15T12:00:00.000Z' });
    expect(line._id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('names a tuple the same way every time, and differently for any other pointer, period or operation', () => {
    const id = interactionObjectId(record);
    const sameTuple: InteractionRecord = { ...record, count: 99, subscriptionId: 'sub_2' };
    expect(interactionObjectId(sameTuple)).toBe(id);
    for (const change of [{ month: 12 }, { namespaceId: null }, { operation: 'search_v1' }, { type: 'premium' as const }, { userId: 'usr_2' }]) {
      expect(interactionObjectId({ ...record, ...change })).not.toBe(id);
    }
  });

  it('reads a Parse record written before Tollgate (no calls field) and Pointer JSON back into the domain', () => {
    const parsed = toInteractionRecord({
      objectId: 'legacy1',
      organization: { __type: 'Pointer', className: 'Organization', objectId: 'org_1' },
      apiKey: { __type: 'Pointer', className: 'APIKey', objectId: 'key_1' },
      operation_type: 'search_v1',
      type: 'premium',
      month: 11,
      year: 2026,
      count: 7,
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-03T00:00:00.000Z',
    });
    expect(parsed).toMatchObject({ organizationId: 'org_1', apiKeyId: 'key_1', namespaceId: null, workspaceId: null, operation: 'search_v1', type: 'premium', count: 7, calls: 0 });
    expect(parsed.updatedAt).toBe(Date.parse('2026-11-03T00:00:00.000Z'));
  });
});

describe('parse store: failures are named at its boundary', () => {
  const config = (fetch: ParseFetch) => ({ serverUrl: 'http://127.0.0.1:1/parse', appId: 'app', masterKey: 'mk', fetch, base: createRamStore({ clock: manualClock() }), clock: manualClock() });

  it('Parse Server unreachable: STORE_UNAVAILABLE with the network error as cause', async () => {
    const cause = new TypeError('fetch failed');
    await expect(createParseStore(config(async () => Promise.reject(cause)))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503, cause });
  });

  it('classes not set up: CONFIG_INVALID telling to run `tollgate parse setup`', async () => {
    const missing: ParseFetch = async () => ({ status: 400, text: async () => JSON.stringify({ code: 103, error: 'Class Interaction does not exist.' }) });
    await expect(createParseStore(config(missing))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('tollgate parse setup') });
  });

  it('a wrong master key: STORE_UNAVAILABLE naming the credentials, not a subscription problem', async () => {
    const refused: ParseFetch = async () => ({ status: 403, text: async () => JSON.stringify({ error: 'unauthorized' }) });
    await expect(createParseStore(config(refused))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('master key') });
  });

  it('a bad config lists every problem', async () => {
    await expect(createParseStore({ ...config(fetch), serverUrl: 'nope', masterKey: '', batchSize: 0 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { problems: [expect.stringMatching(/^serverUrl/), expect.stringMatching(/^masterKey/), expect.stringMatching(/^batchSize/)] },
    });
  });
});

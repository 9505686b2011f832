'use strict';
/**
 * Tollgate's dashboard functions for an existing Parse Server (plain CommonJS: Parse Server loads
 * Cloud Code with require() or import(), and cannot run TypeScript).
 *
 *   getOrganizationInteractions { organizationId, month, year }
 *   getNamespaceInteractions    { namespaceId, month, year }
 *   getApiKeyInteractions       { apiKeyId, month, year }
 *   → { organizationId, namespaceId?, apiKeyId?, month, year, total, calls, breakdown: { <operation_type>: count }, byType: { mini, premium } }
 *
 * Who may ask (docs/parse.md):
 * - the master key: any organization;
 * - a logged-in user (session token) whose `organization` pointer is the organization asked about;
 * - an API key sent as X-API-Key (or Authorization: Bearer), found by its visible prefix in APIKey
 *   and checked against key_hash = HMAC-SHA-256(TOLLGATE_KEY_SECRET, key) in constant time, not
 *   revoked or expired: an organization key reads its whole organization, a namespace key its own
 *   namespace and the keys in it.
 * Anyone else gets OPERATION_FORBIDDEN, also for ids that do not exist (no probing of ids).
 */
const { createHmac, timingSafeEqual } = require('node:crypto');

const KEY_PATTERN = /^tg_([A-Za-z0-9]{12})_([A-Za-z0-9]{32})$/;
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,120}$/;
const POINTER_CLASSES = { organization: 'Organization', namespace: 'Namespace', apiKey: 'APIKey' };

function defineInteractionFunctions(Parse, options = {}) {
  const keySecret = options.keySecret || null;
  const master = { useMasterKey: true };
  const forbidden = () => new Parse.Error(Parse.Error.OPERATION_FORBIDDEN, 'Not allowed to read the usage of this organization.');
  const invalid = (message) => new Parse.Error(Parse.Error.VALIDATION_ERROR, message);

  function readParams(params, idName) {
    const id = params[idName];
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw invalid(`${idName} is required (an objectId)`);
    const month = Number(params.month);
    const year = Number(params.year);
    if (!Number.isInteger(month) || month < 1 || month > 12) throw invalid('month must be a whole number from 1 to 12');
    if (!Number.isInteger(year) || year < 1970 || year > 9999) throw invalid('year must be a whole number such as 2026');
    return { id, month, year };
  }

  function rawKeyOf(headers) {
    const header = headers['x-api-key'] || '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization || '');
    return header || (bearer ? bearer[1] : '');
  }

  function hashMatches(rawKey, storedHash) {
    const actual = createHmac('sha256', keySecret).update(rawKey).digest();
    const expected = Buffer.from(String(storedHash || ''), 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Who is asking: { master } | { organizationId, namespaceId } | null. */
  async function callerOf(request) {
    if (request.master) return { master: true };
    const rawKey = rawKeyOf(request.headers || {});
    if (rawKey) {
      const match = KEY_PATTERN.exec(rawKey);
      if (!match || !keySecret) return null;
      const key = await new Parse.Query('APIKey').equalTo('key_prefix', `tg_${match[1]}`).first(master);
      if (!key || !hashMatches(rawKey, key.get('key_hash'))) return null;
      const now = Date.now();
      if (key.get('revoked_at') || (key.get('expires_at') && key.get('expires_at').getTime() <= now)) return null;
      const namespace = key.get('namespace');
      return { organizationId: key.get('organization') && key.get('organization').id, namespaceId: namespace ? namespace.id : null };
    }
    if (request.user) {
      const user = await new Parse.Query('_User').get(request.user.id, master);
      const organization = user.get('organization');
      return organization ? { organizationId: organization.id, namespaceId: null } : null;
    }
    return null;
  }

  function allowed(caller, target) {
    if (!caller) return false;
    if (caller.master) return true;
    if (!target || caller.organizationId !== target.organizationId) return false;
    return caller.namespaceId === null || caller.namespaceId === target.namespaceId;
  }

  async function sums(field, id, month, year) {
    const pipeline = [
      { $match: { [field]: id, month, year } },
      { $group: { _id: { operation_type: '$operation_type', type: '$type' }, total: { $sum: '$count' }, calls: { $sum: '$calls' } } },
    ];
    let rows;
    try {
      rows = (await new Parse.Query('Interaction').aggregate(pipeline, master)).map((row) => ({ ...row.objectId, total: row.total, calls: row.calls }));
    } catch (error) {
      // Correct before fast: a server that cannot aggregate is read record by record.
      rows = [];
      const query = new Parse.Query('Interaction').equalTo(field, { __type: 'Pointer', className: POINTER_CLASSES[field], objectId: id }).equalTo('month', month).equalTo('year', year);
      await query.eachBatch((batch) => {
        for (const o of batch) rows.push({ operation_type: o.get('operation_type'), type: o.get('type'), total: o.get('count'), calls: o.get('calls') });
      }, master);
    }
    const result = { total: 0, calls: 0, breakdown: {}, byType: { mini: 0, premium: 0 } };
    for (const row of rows) {
      const total = Number(row.total || 0);
      result.total += total;
      result.calls += Number(row.calls || 0);
      result.breakdown[row.operation_type] = (result.breakdown[row.operation_type] || 0) + total;
      const type = row.type === 'premium' ? 'premium' : 'mini';
      result.byType[type] += total;
    }
    return result;
  }

  Parse.Cloud.define('getOrganizationInteractions', async (request) => {
    const { id, month, year } = readParams(request.params, 'organizationId');
    if (!allowed(await callerOf(request), { organizationId: id, namespaceId: null })) throw forbidden();
    return { organizationId: id, month, year, ...(await sums('organization', id, month, year)) };
  });

  Parse.Cloud.define('getNamespaceInteractions', async (request) => {
    const { id, month, year } = readParams(request.params, 'namespaceId');
    const caller = await callerOf(request);
    const namespace = await new Parse.Query('Namespace').equalTo('objectId', id).first(master);
    const organizationId = namespace && namespace.get('organization') ? namespace.get('organization').id : null;
    if (!namespace && caller && caller.master) throw new Parse.Error(Parse.Error.OBJECT_NOT_FOUND, `No namespace ${id}.`);
    if (!namespace || !allowed(caller, { organizationId, namespaceId: id })) throw forbidden();
    return { organizationId, namespaceId: id, month, year, ...(await sums('namespace', id, month, year)) };
  });

  Parse.Cloud.define('getApiKeyInteractions', async (request) => {
    const { id, month, year } = readParams(request.params, 'apiKeyId');
    const caller = await callerOf(request);
    const key = await new Parse.Query('APIKey').equalTo('objectId', id).first(master);
    const organizationId = key && key.get('organization') ? key.get('organization').id : null;
    const namespaceId = key && key.get('namespace') ? key.get('namespace').id : null;
    if (!key && caller && caller.master) throw new Parse.Error(Parse.Error.OBJECT_NOT_FOUND, `No API key ${id}.`);
    if (!key || !allowed(caller, { organizationId, namespaceId })) throw forbidden();
    return { organizationId, namespaceId, apiKeyId: id, month, year, ...(await sums('apiKey', id, month, year)) };
  });
}

module.exports = { defineInteractionFunctions };

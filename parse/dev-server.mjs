#!/usr/bin/env node
/**
 * A local Parse Server 9.10 on PostgreSQL, set up the way Tollgate's parse store needs
 * (allowCustomObjectId) and loading Tollgate's Cloud Code: for development, the parse tests and
 * the record-parse benchmark. It is not part of Tollgate at run time (parse-server is a
 * devDependency); teams run their own Parse Server (docs/parse.md).
 *
 *   node parse/dev-server.mjs [--database NAME] [--ephemeral] [--port N]
 *
 * --ephemeral creates the database (parse_dev_<random> unless --database names one) and drops it
 * when the process gets SIGTERM or SIGINT. When ready it prints one JSON line:
 * {"serverUrl","appId","masterKey","database"}.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const require = createRequire(import.meta.url);
// No log files in the working directory (parse-server's logger reads this when it is loaded).
process.env.PARSE_SERVER_LOGS_FOLDER ??= 'null';
// parse-server's own express (5.2.1), so that this script needs no direct dependency on it.
const express = createRequire(require.resolve('parse-server'))('express');
const { ParseServer } = require('parse-server');

const { values: args } = parseArgs({
  options: {
    database: { type: 'string' },
    ephemeral: { type: 'boolean', default: false },
    port: { type: 'string', default: '0' },
    postgres: { type: 'string', default: 'postgres://root@127.0.0.1:5432' },
    'app-id': { type: 'string', default: 'tollgate-dev' },
    'master-key': { type: 'string', default: `mk-${randomBytes(12).toString('hex')}` },
    'key-secret': { type: 'string' },
  },
});

const database = args.database ?? `parse_dev_${randomBytes(6).toString('hex')}`;
if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`--database must be a plain lower-case identifier, got "${database}"`);

async function admin(sql) {
  const client = new pg.Client({ connectionString: `${args.postgres}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

if (args.ephemeral) await admin(`CREATE DATABASE ${database}`);
if (args['key-secret']) process.env.TOLLGATE_KEY_SECRET = args['key-secret'];

// Listen first so that serverURL (which Cloud Code's own queries go through) names the real port.
const http = createServer();
await new Promise((resolve) => http.listen(Number(args.port), '127.0.0.1', resolve));
const port = http.address().port;
const serverUrl = `http://127.0.0.1:${port}/parse`;

const server = new ParseServer({
  appId: args['app-id'],
  masterKey: args['master-key'],
  maintenanceKey: `mt-${randomBytes(12).toString('hex')}`,
  databaseURI: `${args.postgres}/${database}`,
  serverURL: serverUrl,
  // Tollgate names its Interaction records by their tuple: the database's primary key is what
  // keeps one record per tuple when first calls race.
  allowCustomObjectId: true,
  cloud: fileURLToPath(new URL('./cloud/main.cjs', import.meta.url)),
  logLevel: 'error',
  silent: true,
});
await server.start();
// handleShutdown closes `server.server` (startApp would set it; we made the HTTP server ourselves).
server.server = http;
const app = express();
app.use('/parse', server.app);
http.on('request', app);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  http.closeAllConnections();
  await server.handleShutdown().catch(() => {});
  if (args.ephemeral) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((e) => console.error(`could not drop ${database}: ${e.message}`));
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.stdout.write(JSON.stringify({ serverUrl, appId: args['app-id'], masterKey: args['master-key'], database }) + '\n');

'use strict';
/* global Parse */
/**
 * Cloud Code entry for a Parse Server that has no Cloud Code of its own:
 *   new ParseServer({ ..., cloud: 'node_modules/tollgate/parse/cloud/main.cjs' })
 * A server that has its own main file adds the functions there instead:
 *   require('tollgate/parse/cloud/interactions.cjs').defineInteractionFunctions(Parse, { keySecret: process.env.TOLLGATE_KEY_SECRET });
 * TOLLGATE_KEY_SECRET (the secret Tollgate hashes API keys with) lets callers prove membership
 * with an API key; without it only the master key and logged-in users are accepted.
 */
const { defineInteractionFunctions } = require('./interactions.cjs');

defineInteractionFunctions(Parse, { keySecret: process.env.TOLLGATE_KEY_SECRET || null });

// GraphQL over HTTP compliance: runs graphql-http's auditServer against a running
// server, prints every result, exits 1 if any is an `error` (a MUST the server breaks),
// and writes the `warn` ones (SHOULDs; `notice` ones are MAYs) to the file named by
// AUDIT_WARNINGS, if set.
// Usage: node audit.mjs URL [AUTHORIZATION]   (graphql-http resolved via NODE_PATH)
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { auditServer } = require('graphql-http');

const [url, authorization] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs URL [AUTHORIZATION]');
  process.exit(2);
}

// Every audit request carries the key, so the server answers as it would a client.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (authorization) headers.set('authorization', authorization);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const warnings = [];
for (const r of results) {
  counts[r.status] += 1;
  let line = `${r.status.toUpperCase().padEnd(5)} ${r.id} ${r.name}`;
  if (r.status !== 'ok') {
    line += `\n      ${r.reason}`;
    if (r.response) {
      const body = await r.response.text().catch(() => '');
      line += `\n      -> HTTP ${r.response.status} ${r.response.headers.get('content-type') ?? ''} ${body.slice(0, 300)}`;
    }
  }
  console.log(line);
  if (r.status === 'warn') warnings.push(line);
}
console.log(
  `graphql-http audit: ${counts.ok} ok, ${counts.notice} notice (MAY), ${counts.warn} warn (SHOULD), ${counts.error} error (MUST) of ${results.length}`,
);
if (process.env.AUDIT_WARNINGS) writeFileSync(process.env.AUDIT_WARNINGS, warnings.join('\n') + (warnings.length ? '\n' : ''));
process.exit(counts.error > 0 ? 1 : 0);

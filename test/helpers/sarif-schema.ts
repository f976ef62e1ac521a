// Validates SARIF logs against the SARIF 2.1.0 JSON Schema that @microsoft/jest-sarif ships
// (sarif-2.1.0-rtm.5, a draft-04 schema; the final 2.1.0 differs only in prose, the
// `language` pattern and suppression.status being renamed to state, none of which we emit).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
// rtm.5's `language` pattern has a stray `]` that only non-unicode regular expressions accept.
const ajv = new AjvDraft04.default({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** The schema violations of `doc`, one per line; empty when it is a valid SARIF 2.1.0 log. */
export function sarifSchemaErrors(doc: unknown): string {
  return validate(doc) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}

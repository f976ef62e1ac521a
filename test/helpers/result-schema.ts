// Validates documents against the published result JSON Schema (functions/core/result.schema.json).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const schema = JSON.parse(readFileSync(new URL('../../functions/core/result.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** Throws with every schema violation listed when `doc` is not a valid result. */
export function assertValidResult(doc: unknown): void {
  if (!validate(doc)) {
    throw new Error(`result does not match result.schema.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  }
}

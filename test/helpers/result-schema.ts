// Validates documents against the published result JSON Schema (functions/core/result.schema.json).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const schema = JSON.parse(readFileSync(new URL('../../functions/core/result.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
addFormats.default(ajv);
ajv.addSchema(schema);
const validateResult = ajv.getSchema(schema.$id)!;
const validateSummary = ajv.getSchema(`${schema.$id}#/$defs/summaryIndex`)!;

function check(validate: typeof validateResult, doc: unknown, what: string): void {
  if (!validate(doc)) {
    throw new Error(`${what} does not match result.schema.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  }
}

/** Throws with every schema violation listed when `doc` is not a valid result. */
export function assertValidResult(doc: unknown): void {
  check(validateResult, doc, 'result');
}

/** Throws when `doc` is not a valid `results/index.json` summary. */
export function assertValidSummary(doc: unknown): void {
  check(validateSummary, doc, 'summary index');
}

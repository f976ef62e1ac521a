// The interfaces adapters implement: how the core and the use cases reach the outside.
import type { AdvisoryDb } from './advisory.ts';

/** Gives the parsed RustSec database, from wherever it is kept. */
export interface AdvisorySource {
  /** Loads and parses the database; throws AdvisoryDbError when it cannot be read at all. */
  load(): Promise<AdvisoryDb>;
  /** Where the database comes from, for results and messages (a path or URL). */
  readonly location: string;
}

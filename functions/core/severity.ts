// Severity of a finding: from the CVSS base score of the advisory's vector (v3.0, v3.1,
// v4.0, computed by a maintained CVSS library), or from the finding's kind.
import cvssCalculator from 'ae-cvss-calculator';

const { Cvss3P0, Cvss3P1, Cvss4P0 } = cvssCalculator;

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'unscored' | 'informational';

/** Most severe first; the order reports and alert thresholds use. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unscored', 'informational'];

export interface CvssScore {
  vector: string;
  version: '3.0' | '3.1' | '4.0';
  score: number;
}

const BASE_METRICS: Record<CvssScore['version'], readonly string[]> = {
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
};

/** Scores a CVSS vector. Throws (with the library's reason) on a vector it cannot read. */
export function scoreCvss(vector: string): CvssScore {
  const version = /^CVSS:(3\.0|3\.1|4\.0)\//.exec(vector)?.[1] as CvssScore['version'] | undefined;
  if (version === undefined) throw new Error(`"${vector}" is not a CVSS v3.0, v3.1 or v4.0 vector`);
  const present = vector.split('/').slice(1).map((part) => part.split(':', 1)[0]);
  const missing = BASE_METRICS[version].filter((metric) => !present.includes(metric));
  if (missing.length > 0) throw new Error(`"${vector}" lacks the base metric(s) ${missing.join(', ')}`);
  const parsed = version === '3.0' ? new Cvss3P0(vector) : version === '3.1' ? new Cvss3P1(vector) : new Cvss4P0(vector);
  const score = parsed.calculateScores().base;
  if (typeof score !== 'number' || Number.isNaN(score)) throw new Error(`"${vector}" has no computable base score`);
  return { vector, version, score };
}

/** The qualitative rating of a base score (CVSS v3/v4 bands; 0.0 "none" counts as informational). */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'informational';
}

/** `a` is at least as severe as `b`. */
export function atLeast(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b);
}

// The version of cratewatch, recorded in every result.
import packageJson from '../../package.json' with { type: 'json' };

export const TOOL_VERSION: string = packageJson.version;

/** How cratewatch names itself to the servers it asks (registries ask tools to say who they are). */
export const USER_AGENT = `cratewatch/${TOOL_VERSION} (+https://github.com/cratewatch/cratewatch)`;

// Where cratewatch reads the advisory database, the index, the forges and the Rust release
// channel unless told otherwise: a module of its own, so `audit` knows the default database
// without loading the whole configuration schema.
export const DEFAULT_SOURCES = {
  advisoryDb: 'https://github.com/rustsec/advisory-db/archive/refs/heads/main.tar.gz',
  index: 'https://index.crates.io/',
  githubApi: 'https://api.github.com',
  gitlabApi: 'https://gitlab.com/api/v4',
  rustChannel: 'https://static.rust-lang.org/dist/channel-rust-stable.toml',
} as const;

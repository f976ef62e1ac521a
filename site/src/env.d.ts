/// <reference types="astro/client" />

interface ImportMetaEnv {
  /** The results folder the site is built from; set by the report builder. */
  readonly CRATEWATCH_RESULTS_DIR: string;
}

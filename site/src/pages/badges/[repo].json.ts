// /badges/<repo>.json: the same badge as shields.io endpoint JSON
// (https://img.shields.io/endpoint?url=<this file's URL>).
import type { APIRoute, GetStaticPaths } from 'astro';
import { badgeFor, shieldsEndpoint } from '../../lib/badge.ts';
import { loadSiteData } from '../../lib/data.ts';

export const getStaticPaths = (() =>
  loadSiteData().repositories.map((repo) => ({ params: { repo: repo.name }, props: { badge: badgeFor(repo.latest) } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) =>
  new Response(`${JSON.stringify(shieldsEndpoint(props.badge))}\n`, { headers: { 'Content-Type': 'application/json; charset=utf-8' } });

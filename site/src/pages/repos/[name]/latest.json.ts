// /repos/<name>/latest.json: the repository's latest result for scripts, byte for byte as the
// result store writes it (compact JSON and a newline).
import type { APIRoute, GetStaticPaths } from 'astro';
import { loadSiteData } from '../../../lib/data.ts';

export const getStaticPaths = (() =>
  loadSiteData().repositories.map((repo) => ({ params: { name: repo.name }, props: { result: repo.latest } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) =>
  new Response(`${JSON.stringify(props.result)}\n`, { headers: { 'Content-Type': 'application/json; charset=utf-8' } });

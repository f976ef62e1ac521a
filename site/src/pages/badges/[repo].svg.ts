// /badges/<repo>.svg: the repository's status badge for its README.
import type { APIRoute, GetStaticPaths } from 'astro';
import { badgeFor, renderBadgeSvg } from '../../lib/badge.ts';
import { loadSiteData } from '../../lib/data.ts';

export const getStaticPaths = (() =>
  loadSiteData().repositories.map((repo) => ({ params: { repo: repo.name }, props: { badge: badgeFor(repo.latest) } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) =>
  new Response(renderBadgeSvg(props.badge), { headers: { 'Content-Type': 'image/svg+xml; charset=utf-8' } });

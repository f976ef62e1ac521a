// /favicon.svg: the icon the layout links.
import type { APIRoute } from 'astro';
import { FAVICON_SVG } from '../lib/favicon.ts';

export const GET: APIRoute = () => new Response(FAVICON_SVG, { headers: { 'Content-Type': 'image/svg+xml; charset=utf-8' } });

// /favicon.ico: browsers ask for it whatever the page links; without it every page logs a 404.
import type { APIRoute } from 'astro';
import { faviconIco } from '../lib/favicon.ts';

export const GET: APIRoute = () => new Response(faviconIco(), { headers: { 'Content-Type': 'image/x-icon' } });

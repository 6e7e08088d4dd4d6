// docs/web-apps.md: mounting in Hono (any runtime Hono runs on).
import { Hono } from 'hono';
import { handler } from './handler.js';

const app = new Hono();
app.all('/api/longhaul/*', (c) => handler(c.req.raw));
export default app;

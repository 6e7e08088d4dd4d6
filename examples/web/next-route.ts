// docs/web-apps.md: a Next.js route handler, saved as app/api/longhaul/[...path]/route.ts.
import { handler } from './handler.js';

export const GET = handler;
export const POST = handler;
export const OPTIONS = handler;
// Event streams stay open: render this route on the Node.js runtime, never statically.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

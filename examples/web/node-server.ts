// docs/web-apps.md: mounting on node:http.
import { createServer } from 'node:http';
import { toNodeListener } from 'longhaul/http';
import { handler } from './handler.js';

createServer(toNodeListener(handler)).listen(3000);

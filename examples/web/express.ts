// docs/web-apps.md: mounting in Express.
import express from 'express';
import { toNodeListener } from 'longhaul/http';
import { handler } from './handler.js';

const app = express();
app.use('/api/longhaul', toNodeListener(handler)); // the handler's prefix is the mount path
app.listen(3000);

// docs/web-apps.md: behind a Lambda function URL (BUFFERED invoke mode).
import { lambdaUrlHandler } from 'longhaul/http';
import { handler as routes } from './handler.js';

export const handler = lambdaUrlHandler(routes);

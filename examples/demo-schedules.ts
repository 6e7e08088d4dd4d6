// The demo's periodic job. Schedules live apart from the tasks because only the deploy (the CDK app
// creates an EventBridge schedule for each) and the in-process scheduler read them: a worker runs a
// schedule's jobs knowing only the task, so its bundle does not carry the cron parser.

import { defineSchedule } from 'longhaul';
import { dashboardRefresh } from './demo-tasks.js';

/** Refresh the dashboard every minute; a run that finds the previous one unfinished is skipped. */
export const refreshEveryMinute = defineSchedule(dashboardRefresh, 'rate(1 minute)', { overlap: 'skip' });

/** Every demo schedule, for the CDK app and the in-process scheduler. */
export const demoSchedules = [refreshEveryMinute] as const;

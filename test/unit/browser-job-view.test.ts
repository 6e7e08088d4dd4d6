// The browser client states the wire shapes of `longhaul/http` itself (it cannot import server modules):
// this keeps the two in step at compile time. A field added on one side and not the other fails here.
import type * as browser from 'longhaul/browser';
import type * as http from 'longhaul/http';
import { describe, expectTypeOf, it } from 'vitest';

describe("the browser client's wire types", () => {
  it("match the server's job view, log line, error body and schedule result field for field", () => {
    expectTypeOf<http.JobView>().toExtend<browser.JobView>();
    expectTypeOf<keyof browser.JobView>().toEqualTypeOf<keyof http.JobView>();
    expectTypeOf<http.JobViewLogLine>().toEqualTypeOf<browser.JobViewLogLine>();
    expectTypeOf<http.HttpErrorBody>().toExtend<browser.HttpErrorBody>();
    expectTypeOf<http.LatestScheduleResultView>().toEqualTypeOf<browser.LatestScheduleResultView>();
    expectTypeOf<keyof browser.HttpErrorBody['error']>().toEqualTypeOf<keyof http.HttpErrorBody['error']>();
  });
});

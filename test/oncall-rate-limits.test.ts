// OnCall's integration rate limits (v1.16.9) and the lab's raised ones, as the engine reads them from its env.
import { describe, expect, it } from "vitest";
import { oncallValues } from "../src/oncall/values";
import {
    customRateLimitsEnv,
    LAB_ORGANIZATION_PK,
    LAB_RATE_LIMITS,
    ONCALL_DEFAULT_RATE_LIMITS,
    splitRate,
} from "../src/oncall/rateLimits";
import { oncallValuesInput } from "./support/oncall-values";

describe("OnCall's rate limits", () => {
    it("reads rates as django-ratelimit 2.0.0 does", () => {
        expect(splitRate("300/5m")).toEqual({ limit: 300, periodSeconds: 300 });
        expect(splitRate("300/m")).toEqual({ limit: 300, periodSeconds: 60 });
        expect(splitRate("10/2h")).toEqual({ limit: 10, periodSeconds: 7200 });
        expect(() => splitRate("300 per 5m")).toThrow(/not a django-ratelimit rate/);
    });

    it("raises the lab organization's limits above a 2,000-group storm, with all three keys CUSTOM_RATELIMITS requires", () => {
        const parsed = JSON.parse(customRateLimitsEnv()) as Record<string, Record<string, string>>;
        expect(Object.keys(parsed)).toEqual([LAB_ORGANIZATION_PK]);
        expect(Object.keys(parsed["1"]).sort()).toEqual(["integration", "organization", "public_api"]);
        expect(splitRate(LAB_RATE_LIMITS.integration).limit).toBeGreaterThanOrEqual(2000);
        // The pages' organization counter keeps another rate than the heartbeat's (always the default), so it is
        // another counter (django-ratelimit keys by group + rate + key + window).
        expect(LAB_RATE_LIMITS.organization).not.toBe(ONCALL_DEFAULT_RATE_LIMITS.organization);
        expect(LAB_RATE_LIMITS.integration).not.toBe(ONCALL_DEFAULT_RATE_LIMITS.integration);
    });

    it("passes CUSTOM_RATELIMITS to the engine in the chart's list form, so the JSON stays one string", () => {
        // helm/oncall 1.16.5 templates/_helpers.tpl oncall.extraEnvs: a map's values go out unquoted; a list through toYaml.
        const values = oncallValues(oncallValuesInput) as { env: unknown };
        expect(values.env).toEqual([{ name: "CUSTOM_RATELIMITS", value: customRateLimitsEnv() }]);
    });
});

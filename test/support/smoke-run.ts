// What the smoke test files share: the stand-ins' options and the stand-ins and temp folders of each test,
// stopped and removed after it.
import { afterEach } from "vitest";
import { type StandInOptions, type StandIns, startStandIns } from "./stubs/servers";

export const token = "oncall-api-token-123";
export const alice = "alice@example.com";
export const fast: StandInOptions = {
    oncallToken: token,
    recipient: alice,
    alertGroupDelayMs: 150,
    emailDelayMs: 100,
    resolveDelayMs: 150,
};

let running: StandIns | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
    await running?.stop();
    running = undefined;
    for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Stand-ins for this test only. */
export async function standInsForTest(options: StandInOptions = fast): Promise<StandIns> {
    running = await startStandIns(options);
    return running;
}

/** Runs after this test. */
export function afterThisTest(cleanup: () => void): void {
    cleanups.push(cleanup);
}

// Runs once before the test files (vitest.config.mts globalSetup): says in one line which tests will be skipped for
// lack of a program npm does not bring, and fails the run under CI instead (test/support/requirements.ts).
import { skippedLine } from "./requirements";

export default function setup(): void {
    const line = skippedLine();
    if (line) console.warn(line);
}

// `npm run e2e`: a lab of its own from nothing to destroyed, scenario by scenario (src/tools/e2e).
import { runE2e } from "../src/tools/e2e/main";

// Exits as soon as the run has reported: a scenario stopped over its budget or by SIGTERM may still
// have a wait pending, which must not keep the job running.
runE2e(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(`e2e: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    },
);

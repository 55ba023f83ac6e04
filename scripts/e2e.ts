// `npm run e2e`: a lab of its own from nothing to destroyed, scenario by scenario (src/tools/e2e).
import { runE2e } from "../src/tools/e2e/main";

runE2e(process.argv.slice(2), process.env).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
        console.error(`e2e: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
    },
);

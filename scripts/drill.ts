// `npm run drill`: practise being on call on the running lab (src/tools/drills).
import { runDrillCommand } from "../src/tools/drills/main";

runDrillCommand(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(`drill: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    },
);

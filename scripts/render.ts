// `npm run render`: renders what the lab installs on each target and checks it (src/tools/render/render.ts).
import { runRender } from "../src/tools/render/render";

runRender(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(`render: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    },
);

// The kind and docker stubs of test/support/stubs around each test of the kind provider, sharing one fake Docker,
// with nothing else on PATH (a real kind or docker is never reached).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach } from "vitest";
import { KindClusterInputs } from "../../src/kind/provider";
import { FakeDocker, installStubs } from "./stubs";

export const inputs: KindClusterInputs = {
    clusterName: "oncall-lab",
    nodeImage: "kindest/node:v1.0.0@sha256:0123456789abcdef",
    portMappings: [
        { containerPort: 30080, hostPort: 8080 },
        { containerPort: 30090, hostPort: 9090 },
    ],
};

export interface KindStubs {
    readonly stubDir: string;
    readonly docker: FakeDocker;
    /** PATH before the test, for commands that must find the real tools. */
    readonly originalPath: string | undefined;
    calls(): string[];
    kindCalls(): string[];
    clustersInState(): string[];
}

/** Fresh stubs for each test of the calling file. */
export function kindStubsPerTest(): KindStubs {
    const originalPath = process.env.PATH;
    let stubDir = "";
    let docker: FakeDocker;
    const calls = () => {
        const log = path.join(stubDir, "calls.log");
        return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    };

    beforeEach(() => {
        stubDir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-stub-"));
        installStubs(stubDir, ["kind", "docker"]);
        docker = new FakeDocker(stubDir);
        process.env.PATH = stubDir;
        process.env.STUB_DIR = stubDir;
        process.env.STUB_LOG = path.join(stubDir, "calls.log");
    });

    afterEach(() => {
        process.env.PATH = originalPath;
        delete process.env.KIND_STUB_CREATE_ERROR;
        delete process.env.STUB_DIR;
        delete process.env.STUB_LOG;
        fs.rmSync(stubDir, { recursive: true, force: true });
    });

    return {
        get stubDir() { return stubDir; },
        get docker() { return docker; },
        originalPath,
        calls,
        kindCalls: () => calls().filter((call) => call.startsWith("kind ")),
        clustersInState: () => docker.clusters(),
    };
}

// A fake LabStack (src/tools/lab/stack.ts) behaving as pulumi 3.248 does with the DIY backend and the passphrase
// secrets provider, for the parts scripts/lab.ts depends on. Read in pulumi v3.248.0 (pkg/cmd/pulumi/stack/secrets.go,
// config/io.go, config/config.go, pkg/secrets/passphrase/manager.go):
// - the passphrase is PULUMI_CONFIG_PASSPHRASE when set, even empty, else PULUMI_CONFIG_PASSPHRASE_FILE's content;
// - the stack's config file is Pulumi.<stack>.yaml next to Pulumi.yaml;
// - `stack init` keeps an encryptionsalt found there (failing with "incorrect passphrase" when it is another
//   passphrase's), else makes a new random one; it stores the salt in the state and writes it to the config file;
// - up, preview, refresh, destroy and `config set --secret` take the file's salt; without one, with
//   PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true, the state's, which they write back into the file; else a new one;
// - a secure value decrypts only with the passphrase and salt it was encrypted with; after an update the state's
//   salt is the one the config gave.
// Salts and ciphertexts here are made-up hashes, not Pulumi's format. The state is a JSON file per stack under the
// backend's directory. `up` makes the kind cluster in the fake Docker of test/support/stubs unless it exists.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, parseDocument } from "yaml";
import type { LabStack, StackDeployment } from "../../src/tools/lab/stack";
import type { FakeDocker } from "./stubs";

export interface FakeState {
    salt: string;
    resources: NonNullable<StackDeployment["resources"]>;
}

export interface FakePulumiOptions {
    /** The fake Docker `up` builds the kind cluster in. */
    docker: FakeDocker;
    /** Every call, as "pulumi <args> | backend=... passfile=... fallback=...". */
    log: string[];
    /** A refresh whose targets contain this text fails. */
    refreshFails?: string;
}

const hash = (...parts: string[]) => createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);

/** A pulumi command failing as the CLI does. */
export class PulumiError extends Error {}

/** The stack `name` of the project in `root`, seen with the environment `env` (backend, passphrase, fallback). */
export class FakeStack implements LabStack {
    constructor(
        private readonly root: string,
        private readonly name: string,
        private readonly env: NodeJS.ProcessEnv,
        private readonly options: FakePulumiOptions,
    ) {}

    private get stateFile(): string {
        const backend = (this.env.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, "");
        return path.join(backend, "stacks", `${this.name}.json`);
    }
    private get configFile(): string {
        return path.join(this.root, `Pulumi.${this.name}.yaml`);
    }
    exists = () => fs.existsSync(this.stateFile);
    readState = (): FakeState => JSON.parse(fs.readFileSync(this.stateFile, "utf8")) as FakeState;
    private writeState(state: FakeState): void {
        fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
        fs.writeFileSync(this.stateFile, JSON.stringify(state));
    }

    private record(args: string[]): void {
        const { PULUMI_BACKEND_URL: backend = "", PULUMI_CONFIG_PASSPHRASE_FILE: passfile = "" } = this.env;
        const fallback = this.env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER ?? "";
        this.options.log.push(
            `pulumi ${args.join(" ")} | backend=${backend} passfile=${passfile} fallback=${fallback}`,
        );
    }
    private mustExist(): void {
        if (!this.exists()) throw new PulumiError(`no stack named '${this.name}' found`);
    }

    private passphrase(): string {
        if (this.env.PULUMI_CONFIG_PASSPHRASE !== undefined) return this.env.PULUMI_CONFIG_PASSPHRASE;
        const file = this.env.PULUMI_CONFIG_PASSPHRASE_FILE;
        if (file) return fs.readFileSync(path.resolve(this.root, file), "utf8").trim();
        throw new PulumiError(
            "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
        );
    }
    private newSalt(): string {
        const nonce = randomBytes(6).toString("hex");
        return `v1:${nonce}:${hash(this.passphrase(), nonce)}`;
    }
    private saltFits(salt: string): boolean {
        const [, nonce, check] = salt.split(":");
        return check === hash(this.passphrase(), nonce);
    }
    private encrypt(salt: string, value: string): string {
        return `v1:${Buffer.from(value).toString("hex")}:${hash(this.passphrase(), salt, value)}`;
    }
    private decrypts(salt: string, ciphertext: string): boolean {
        const [, hex, check] = ciphertext.split(":");
        return check === hash(this.passphrase(), salt, Buffer.from(hex, "hex").toString());
    }

    private readConfig() {
        return parseDocument(fs.existsSync(this.configFile) ? fs.readFileSync(this.configFile, "utf8") : "");
    }
    private writeConfig(doc: ReturnType<typeof parseDocument>): void {
        fs.writeFileSync(this.configFile, String(doc));
    }
    private setInConfig(key: string, value: unknown): void {
        const doc = this.readConfig();
        const config = doc.get("config");
        if (!isMap(config) || config.items.length === 0) doc.set("config", doc.createNode({ [key]: value }));
        else config.set(key, doc.createNode(value));
        this.writeConfig(doc);
    }

    /** Pulumi's SecretsManagerLoader.GetSecretsManager: the salt the command works with, saved to the file when new there. */
    private secretsSalt(): string {
        const doc = this.readConfig();
        let salt = doc.get("encryptionsalt") as string | undefined;
        if (salt) {
            if (!this.saltFits(salt)) throw new PulumiError("incorrect passphrase");
            return salt;
        }
        salt =
            this.env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER === "true" && this.exists()
                ? this.readState().salt
                : this.newSalt();
        if (!this.saltFits(salt)) throw new PulumiError("incorrect passphrase");
        doc.set("encryptionsalt", salt);
        this.writeConfig(doc);
        return salt;
    }

    private checkConfigSecrets(salt: string): Record<string, unknown> {
        const config = (this.readConfig().toJS() as { config?: Record<string, unknown> } | null)?.config ?? {};
        for (const [key, value] of Object.entries(config)) {
            const secure = (value as { secure?: string } | null)?.secure;
            if (secure && !this.decrypts(salt, secure))
                throw new PulumiError(`failed to decrypt configuration key '${key}': incorrect passphrase`);
        }
        return config;
    }

    /** What `up` leaves in the state: the kind cluster (in the fake Docker) and a few of what lives in it. */
    private labResources(config: Record<string, unknown>): FakeState["resources"] {
        const urn = (type: string, name: string) => `urn:pulumi:${this.name}::oncall-lab::${type}::${name}`;
        const inLab = [
            { urn: urn("pulumi:providers:kubernetes", "kubernetes"), id: "kubernetes-id" },
            {
                urn: urn("oncall-lab:index:OnCallWiring$pulumi-nodejs:dynamic:Resource", "oncall-wiring-connection"),
                id: "wiring-id",
            },
            { urn: urn("oncall-lab:index:TeamUsers$grafana:oss/user:User", "team-users-alice"), id: "2" },
        ];
        if (config["oncall-lab:target"] === "existing") return inLab;
        const clusterName = (config["oncall-lab:clusterName"] as string | undefined) ?? "oncall-lab";
        if (!this.options.docker.clusters().includes(clusterName)) this.options.docker.createCluster(clusterName);
        return [
            {
                urn: urn("oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster", "kind-cluster"),
                id: clusterName,
                outputs: { clusterName, clusterId: this.options.docker.containerId(clusterName) },
            },
            ...inLab,
        ];
    }

    async select(): Promise<boolean> {
        this.record(["stack", "select", this.name]);
        return this.exists();
    }

    async create(): Promise<void> {
        this.record(["stack", "init", this.name]);
        if (this.exists()) throw new PulumiError(`stack '${this.name}' already exists`);
        this.writeState({ salt: this.secretsSalt(), resources: [] });
    }

    async exportDeployment(): Promise<StackDeployment> {
        this.record(["stack", "export", "--stack", this.name]);
        this.mustExist();
        const state = this.readState();
        return {
            secrets_providers: { state: { salt: state.salt } },
            ...(state.resources.length > 0 ? { resources: state.resources } : {}),
        };
    }

    async removeConfig(key: string): Promise<void> {
        this.record(["config", "rm", key, "--stack", this.name]);
        const doc = this.readConfig();
        doc.deleteIn(["config", key]);
        this.writeConfig(doc);
    }

    async refresh(targets: string[]): Promise<void> {
        this.record(["refresh", "--stack", this.name, ...targets.flatMap((target) => ["--target", target])]);
        this.operate("refresh");
        const fails = this.options.refreshFails;
        if (fails && targets.some((target) => target.includes(fails)))
            throw new PulumiError("refresh failed: connection refused");
    }

    async forget(urn: string): Promise<void> {
        this.record(["state", "delete", "--target-dependents", "--stack", this.name, urn]);
        this.mustExist();
        const state = this.readState();
        // Every resource of the fake lab depends on the kind cluster.
        if (urn !== state.resources[0]?.urn) throw new PulumiError(`fake pulumi: unexpected state delete ${urn}`);
        this.writeState({ ...state, resources: [] });
    }

    async run(args: string[]): Promise<number> {
        this.record([...args, "--stack", this.name]);
        const words = args.filter(
            (arg, i) => !arg.startsWith("-") && !["--target", "--replace", "--target-replace"].includes(args[i - 1]),
        );
        const command = ["stack", "config"].includes(words[0]) ? `${words[0]} ${words[1]}` : words[0];
        if (command === "stack init") await this.create();
        else if (command === "stack output") this.mustExist();
        else if (command === "config set") {
            this.mustExist();
            const [, , key, value] = words;
            this.setInConfig(
                key,
                args.includes("--secret") ? { secure: this.encrypt(this.secretsSalt(), value) } : value,
            );
        } else if (command === "config rm") await this.removeConfig(words[2]);
        else if (["up", "preview", "destroy"].includes(command)) this.operate(command);
        else throw new PulumiError(`fake pulumi: unexpected command: ${args.join(" ")}`);
        return 0;
    }

    private operate(command: string): void {
        this.mustExist();
        const state = this.readState();
        if (!this.saltFits(state.salt))
            throw new PulumiError("failed to decrypt the stack's secrets: incorrect passphrase");
        const salt = this.secretsSalt();
        const config = this.checkConfigSecrets(salt);
        if (command === "preview" || command === "refresh") return;
        const cluster = state.resources[0];
        if (command === "destroy" && cluster?.outputs?.clusterName) this.options.docker.deleteCluster(cluster.id!);
        this.writeState({ salt, resources: command === "up" ? this.labResources(config) : [] });
    }
}

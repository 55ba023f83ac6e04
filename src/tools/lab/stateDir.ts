// What belongs to this machine: the lab's local backend and generated passphrase in .pulumi/ (mode 700), and the
// environment every pulumi command of the lab gets.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface StateDirNotes {
    log(line: string): void;
}

/**
 * Makes the state directory (ONCALL_LAB_STATE_DIR, else .pulumi in the project) private to its user, with the
 * passphrase file when neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is given; a caller's
 * PULUMI_BACKEND_URL and passphrase win.
 */
export function prepareStateDir(
    root: string,
    given: NodeJS.ProcessEnv,
    notes: StateDirNotes,
): { stateDir: string; env: NodeJS.ProcessEnv } {
    const stateDir = path.resolve(root, given.ONCALL_LAB_STATE_DIR || ".pulumi");
    fs.mkdirSync(path.join(stateDir, "state"), { recursive: true });
    // The passphrase and the state's secrets: for this user only.
    fs.chmodSync(stateDir, 0o700);
    const env: NodeJS.ProcessEnv = {
        ...given,
        PULUMI_BACKEND_URL: given.PULUMI_BACKEND_URL || `file://${path.join(stateDir, "state")}`,
    };
    if (!given.PULUMI_CONFIG_PASSPHRASE && !given.PULUMI_CONFIG_PASSPHRASE_FILE) {
        const passphraseFile = path.join(stateDir, "passphrase");
        if (!fs.existsSync(passphraseFile) || fs.statSync(passphraseFile).size === 0) {
            fs.writeFileSync(passphraseFile, randomBytes(32).toString("hex"), { mode: 0o600 });
            notes.log(`generated the stack passphrase in ${passphraseFile} (it decrypts the stack's secrets: keep it)`);
        }
        env.PULUMI_CONFIG_PASSPHRASE_FILE = passphraseFile;
    }
    // pulumi (3.134 or later) then takes the salt from the state when the settings file has none, instead of making a
    // new one that no longer matches the stack's secrets.
    env.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER = "true";
    return { stateDir, env };
}

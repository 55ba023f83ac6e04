// Every rendered object against a schema: built-in kinds against the Kubernetes OpenAPI schema that
// kubernetes-models compiles (5.1.0: Kubernetes v1.36.0, one minor behind the lab's kindest/node
// v1.37.0; it checks types, required fields and enums, not unknown fields), custom resources against
// the openAPIV3Schema of their CustomResourceDefinition (the operator's, rendered with the chart),
// strictly: an unknown field fails where the CRD does not keep unknown fields, as the API server
// would silently drop it. An object no schema knows fails too.
import Ajv, { type ValidateFunction } from "ajv";
import { isRecord } from "../../shared/records";

export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string };
    [key: string]: unknown;
}

export type BuiltInModel = (object: K8sObject) => Promise<"unknown" | string[]>;

export const describeObject = (object: K8sObject) =>
    `${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata?.name ?? "?"}`;

/** kubernetes-models' class for the object's apiVersion and kind; "unknown" when it has none. */
export const kubernetesModels: BuiltInModel = async (object) => {
    let module: Record<string, unknown>;
    try {
        module = (await import(/* @vite-ignore */ `kubernetes-models/${object.apiVersion}`)) as Record<string, unknown>;
    } catch {
        return "unknown";
    }
    const Model = module[object.kind] as (new (data: unknown) => { validate(): void }) | undefined;
    if (typeof Model !== "function") return "unknown";
    try {
        new Model(object).validate();
        return [];
    } catch (error) {
        return [(error as Error).message];
    }
};

/** The schema with `additionalProperties: false` wherever it lists properties and keeps no unknown fields. */
export function strictSchema(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(strictSchema);
    if (!isRecord(schema)) return schema;
    const strict = Object.fromEntries(
        Object.entries(schema).map(([key, value]) => [
            key,
            key === "properties" && isRecord(value)
                ? Object.fromEntries(Object.entries(value).map(([name, property]) => [name, strictSchema(property)]))
                : strictSchema(value),
        ]),
    );
    if (
        isRecord(schema.properties) &&
        schema.additionalProperties === undefined &&
        schema["x-kubernetes-preserve-unknown-fields"] !== true
    ) {
        strict.additionalProperties = false;
    }
    return strict;
}

/** Validators by "apiVersion kind" from CustomResourceDefinition objects (every served version). */
export function crdValidators(crds: K8sObject[]): Map<string, ValidateFunction> {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validators = new Map<string, ValidateFunction>();
    for (const crd of crds) {
        const spec = crd.spec as {
            group: string;
            names: { kind: string };
            versions: { name: string; schema?: { openAPIV3Schema?: unknown } }[];
        };
        for (const version of spec.versions) {
            const schema = version.schema?.openAPIV3Schema;
            if (schema)
                validators.set(
                    `${spec.group}/${version.name} ${spec.names.kind}`,
                    ajv.compile(strictSchema(schema) as object),
                );
        }
    }
    return validators;
}

/** Problems of each object, by its description; an object without a schema is one. */
export async function validateObjects(
    objects: K8sObject[],
    crds: Map<string, ValidateFunction>,
    builtIn: BuiltInModel = kubernetesModels,
): Promise<string[]> {
    const problems: string[] = [];
    for (const object of objects) {
        const custom = crds.get(`${object.apiVersion} ${object.kind}`);
        if (custom) {
            if (!custom(object))
                problems.push(
                    ...(custom.errors ?? []).map(
                        (error) =>
                            `${describeObject(object)}: ${error.instancePath || "/"} ${error.message}${error.params && "additionalProperty" in error.params ? ` (${String(error.params.additionalProperty)})` : ""}`,
                    ),
                );
            continue;
        }
        const result = await builtIn(object);
        if (result === "unknown")
            problems.push(`${describeObject(object)}: no schema for ${object.apiVersion} ${object.kind}`);
        else problems.push(...result.map((message) => `${describeObject(object)}: ${message}`));
    }
    return problems;
}

// An image reference as a registry's v2 API names it: its own module, read by the version and the patch checks.

export interface ImageRef {
    /** Host of the registry's v2 API (Docker Hub's is registry-1.docker.io, not docker.io). */
    apiHost: string;
    repository: string;
    tag?: string;
    digest?: string;
}

const DOCKER_HUB_API = "registry-1.docker.io";

/** Docker image reference -> registry API host, repository, tag, digest (Docker's own defaulting rules). */
export function parseImageRef(ref: string): ImageRef {
    const at = ref.indexOf("@");
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    let name = at >= 0 ? ref.slice(0, at) : ref;
    let tag: string | undefined;
    const colon = name.lastIndexOf(":");
    if (colon > name.lastIndexOf("/")) {
        tag = name.slice(colon + 1);
        name = name.slice(0, colon);
    }
    const parts = name.split("/");
    // Like docker: the first component is a registry host only if it looks like one.
    const hasHost = parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost");
    const host = hasHost ? parts.shift()! : "docker.io";
    const onDockerHub = host === "docker.io" || host === "index.docker.io";
    const repository = onDockerHub && parts.length === 1 ? `library/${parts[0]}` : parts.join("/");
    if (!repository || (tag === undefined && digest === undefined)) {
        throw new Error(`image "${ref}" must name a repository and a tag or digest`);
    }
    return { apiHost: onDockerHub ? DOCKER_HUB_API : host, repository, tag, digest };
}

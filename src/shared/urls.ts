// Trailing slashes, once: a base that new URL("path", base) extends keeps its own path only with one,
// and "<base>/path" needs none.

export function withTrailingSlash(base: string): string {
    return base.endsWith("/") ? base : `${base}/`;
}

export function withoutTrailingSlash(url: string): string {
    return url.replace(/\/+$/, "");
}

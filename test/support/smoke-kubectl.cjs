// Stand-in for `kubectl port-forward` in test/smoke.test.ts: records its arguments and pid in
// $SMOKE_KUBECTL_RECORD, forwards 127.0.0.1:<local> (from the "<local>:<remote>" argument) to
// $SMOKE_KUBECTL_UPSTREAM (host:port), and records the signal that stops it.
const fs = require("node:fs");
const net = require("node:net");

const record = (entry) => fs.appendFileSync(process.env.SMOKE_KUBECTL_RECORD, `${JSON.stringify(entry)}\n`);
const args = process.argv.slice(2);
record({ args, pid: process.pid });

const ports = args.find((arg) => /^\d+:\d+$/.test(arg));
const [upstreamHost, upstreamPort] = process.env.SMOKE_KUBECTL_UPSTREAM.split(":");
const server = net.createServer((client) => {
    const upstream = net.connect(Number(upstreamPort), upstreamHost);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
});
server.listen(Number(ports.split(":")[0]), "127.0.0.1");
for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
        record({ stoppedBy: signal });
        process.exit(0);
    });
}

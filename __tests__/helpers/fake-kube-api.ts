import { createHash } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo, createServer as createTcpServer, Socket } from "node:net";
import { execIn, FakeCluster, listObjects, matchesSelector, Resource } from "./fake-mesh";

/**
 * A fake Kubernetes API server on 127.0.0.1 (random port) serving a FakeCluster: the REST reads
 * `npm run verify` makes, bearer-token auth, and pod exec over a WebSocket speaking the
 * v4.channel.k8s.io protocol (channel byte + payload; channel 3 carries the exit Status).
 */
export interface FakeApiServer {
  readonly url: string;
  /** Every request as "METHOD path?query", in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const EXEC_PROTOCOL = "v4.channel.k8s.io";
const CORE_RESOURCES = new Set<Resource>(["secrets", "configmaps", "services", "pods"]);

export async function startFakeApiServer(cluster: FakeCluster, token: string): Promise<FakeApiServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    serveRest(cluster, token, request, response);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (request: IncomingMessage, socket: Socket) => {
    requests.push(`${request.method} ${request.url}`);
    serveExec(cluster, token, request, socket);
  });
  return listen(server, sockets, requests);
}

/** A server that accepts connections and never answers: a cluster whose endpoint drops your traffic. */
export async function startSilentServer(): Promise<FakeApiServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  return listen(server, sockets, []);
}

/** A server that answers every request with the same page: a proxy or login page in front of an endpoint. */
export function startPageServer(contentType: string, body: string): Promise<FakeApiServer> {
  return startAnsweringServer(() => ({ contentType, body }));
}

/** A server that answers each request path with what `answer` gives, status 200. */
export async function startAnsweringServer(
  answer: (path: string) => { readonly contentType: string; readonly body: string },
): Promise<FakeApiServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const { contentType, body } = answer(new URL(request.url ?? "/", "http://fake").pathname);
    response.writeHead(200, { "content-type": contentType }).end(body);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return listen(server, sockets, requests);
}

/** A loopback address where nothing listens: connections are refused. */
export async function closedPortUrl(): Promise<string> {
  const { url, close } = await listen(createTcpServer(), new Set(), []);
  await close();
  return url;
}

async function listen(
  server: Server | ReturnType<typeof createTcpServer>,
  sockets: Set<Socket>,
  requests: string[],
): Promise<FakeApiServer> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function serveRest(cluster: FakeCluster, token: string, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", "http://fake");
  if (request.headers.authorization !== `Bearer ${token}`)
    return sendStatus(response, 401, "Unauthorized", "Unauthorized");
  if (request.method !== "GET")
    return sendStatus(response, 405, "MethodNotAllowed", `${request.method} is not served by this fake`);
  if (url.pathname === "/version")
    return sendJson(response, 200, {
      major: "1",
      minor: "35",
      gitVersion: cluster.gitVersion,
      platform: "linux/amd64",
    });

  const segments = url.pathname.split("/").filter(Boolean);
  if (url.pathname === "/api/v1/namespaces") {
    const items = Object.values(cluster.namespaces).filter((object) =>
      matchesSelector(object, url.searchParams.get("labelSelector")),
    );
    return sendJson(response, 200, {
      kind: "NamespaceList",
      apiVersion: "v1",
      metadata: { resourceVersion: "1" },
      items,
    });
  }
  // /api/v1/namespaces/{ns}[/{resource}[/{name}]] and /apis/apps/v1/namespaces/{ns}/deployments[/{name}]
  const [namespace, resource, name] =
    segments[0] === "api" && segments[1] === "v1" && segments[2] === "namespaces"
      ? [segments[3], segments[4], segments[5]]
      : segments[0] === "apis" &&
          segments[1] === "apps" &&
          segments[2] === "v1" &&
          segments[3] === "namespaces" &&
          segments[5] === "deployments"
        ? [segments[4], "deployments", segments[6]]
        : [];
  if (!namespace) return sendStatus(response, 404, "NotFound", `the server could not find the requested resource`);
  if (!resource) {
    const object = cluster.namespaces[namespace];
    return object
      ? sendJson(response, 200, object)
      : sendStatus(response, 404, "NotFound", `namespaces "${namespace}" not found`);
  }
  if (!CORE_RESOURCES.has(resource as Resource) && resource !== "deployments")
    return sendStatus(response, 404, "NotFound", `the server could not find the requested resource`);
  if (!name) {
    const items = listObjects(cluster, namespace, resource as Resource, url.searchParams.get("labelSelector"));
    return sendJson(response, 200, { kind: "List", apiVersion: "v1", metadata: { resourceVersion: "1" }, items });
  }
  const object = cluster.objects[namespace]?.[resource as Resource]?.[name];
  return object
    ? sendJson(response, 200, object)
    : sendStatus(response, 404, "NotFound", `${resource} "${name}" not found`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function sendStatus(response: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(response, code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  });
}

function serveExec(cluster: FakeCluster, token: string, request: IncomingMessage, socket: Socket): void {
  socket.on("error", () => undefined);
  socket.on("data", () => undefined);
  const url = new URL(request.url ?? "/", "http://fake");
  const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
  const offered = String(request.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((protocol) => protocol.trim());
  if (!match || request.headers.authorization !== `Bearer ${token}` || !offered.includes(EXEC_PROTOCOL)) {
    socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  const accept = createHash("sha1").update(`${request.headers["sec-websocket-key"]}${WEBSOCKET_GUID}`).digest("base64");
  socket.write(
    [
      "HTTP/1.1 101 Switching Protocols",
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Accept: ${accept}`,
      `Sec-WebSocket-Protocol: ${EXEC_PROTOCOL}`,
      "",
      "",
    ].join("\r\n"),
  );
  const result = execIn(
    cluster,
    match[1],
    match[2],
    url.searchParams.get("container") ?? "",
    url.searchParams.getAll("command"),
  );
  const channel = (number: number, text: string) =>
    binaryFrame(Buffer.concat([Buffer.from([number]), Buffer.from(text, "utf8")]));
  if (result.stdout) socket.write(channel(1, result.stdout));
  if (result.stderr) socket.write(channel(2, result.stderr));
  const status =
    result.exitCode === 0
      ? { metadata: {}, status: "Success" }
      : {
          metadata: {},
          status: "Failure",
          reason: "NonZeroExitCode",
          details: { causes: [{ reason: "ExitCode", message: String(result.exitCode) }] },
        };
  socket.write(channel(3, JSON.stringify(status)));
  // Close frame, status 1000 (normal closure).
  socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
}

/** A final, unmasked binary frame, as servers send them (RFC 6455 section 5.2). */
function binaryFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x82, length])
      : length < 65536
        ? Buffer.from([0x82, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x82, 127]), bigEndian64(length)]);
  return Buffer.concat([header, payload]);
}

function bigEndian64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
}

// A forge's git side for tests: bare repositories under a directory served over smart HTTP by git's own
// `git http-backend` (CGI), on a loopback port. A repo added with its http://127.0.0.1:PORT/OWNER/NAME.git URL is a
// real remote with a host, owner and name, as one on GitHub is: fetches and pushes go through real git over HTTP, and
// the bare repository on disk shows what was pushed.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  /** http://127.0.0.1:PORT: a repo at ROOT/acme/app.git is `${url}/acme/app.git`. */
  url: string;
  close(): Promise<void>;
}

const HEADER_END = '\r\n\r\n';

/** Serves every bare repository under root, fetch and push, to anyone (the user is "test"). */
export async function gitHttpServer(root: string): Promise<GitHttpServer> {
  const server = createServer((req, res) => serve(root, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function serve(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://git');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      // An authenticated user: http-backend accepts pushes only from one.
      REMOTE_USER: 'test',
      REMOTE_ADDR: '127.0.0.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(typeof req.headers['git-protocol'] === 'string' ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headerSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headerSent) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf(HEADER_END);
    if (end < 0) return;
    // CGI headers: "Status: 404 Not Found" sets the status, the others go out as they are.
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    headerSent = true;
    res.write(head.subarray(end + HEADER_END.length));
  });
  child.on('close', (code) => {
    if (!headerSent) res.writeHead(500).end(`git http-backend exited with ${code} before answering\n`);
    else res.end();
  });
}

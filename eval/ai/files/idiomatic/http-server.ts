import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void> | void;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    this.routes.push({ method: method.toUpperCase(), segments: path.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | undefined {
    const parts = pathname.split('/').filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = route.segments.every((segment, i) => {
        if (segment.startsWith(':')) {
          params[segment.slice(1)] = decodeURIComponent(parts[i]!);
          return true;
        }
        return segment === parts[i];
      });
      if (ok) return { handler: route.handler, params };
    }
    return undefined;
  }

  listen(port: number) {
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const found = this.match(req.method ?? 'GET', url.pathname);
      if (!found) {
        res.writeHead(404).end();
        return;
      }
      try {
        await found.handler(req, res, found.params);
      } catch (err) {
        console.error(err);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      }
    });
    return new Promise<typeof server>((resolve) => server.listen(port, () => resolve(server)));
  }
}

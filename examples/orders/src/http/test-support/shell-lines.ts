/**
 * Reads what `npm start` prints for a person to paste into a shell: `export NAME=value` lines
 * and `curl` commands, turned into the requests they would send, so a test runs exactly what
 * the banner tells a newcomer to run.
 */

export interface CurlRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** The variables the `export NAME=value` lines set. */
export function exportedVariables(lines: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of lines) {
    const [, name, value] = /^export ([A-Z_][A-Z0-9_]*)=(\S+)$/.exec(line) ?? [];
    if (name !== undefined && value !== undefined) variables[name] = value;
  }
  return variables;
}

/**
 * One curl command line as the request it sends: words split as a shell would ('…' literal,
 * "…" and bare words with `$NAME` expanded from `variables`), then -X, -H and -d read.
 */
export function curlRequest(line: string, variables: Readonly<Record<string, string>>): CurlRequest {
  const expand = (word: string) =>
    word.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, name: string) => {
      const value = variables[name];
      if (value === undefined) throw new Error(`$${name} is not set by any export line`);
      return value;
    });
  const words = [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map(
    ([, single, double, bare]) => single ?? expand(double ?? bare ?? ''),
  );
  if (words.shift() !== 'curl') throw new Error(`not a curl command: ${line}`);
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  while (words.length > 0) {
    const word = words.shift() ?? '';
    if (word === '-X') method = words.shift();
    else if (word === '-H') {
      const header = words.shift() ?? '';
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (word === '-d') body = words.shift();
    else if (word.startsWith('-')) throw new Error(`curl option ${word} is not read here: ${line}`);
    else url = word;
  }
  if (url === undefined) throw new Error(`no URL in ${line}`);
  return {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    url,
    headers,
    ...(body !== undefined && { body }),
  };
}

/** Sends what the curl command would. */
export function sendCurl(request: CurlRequest): Promise<Response> {
  return fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.body }),
  });
}

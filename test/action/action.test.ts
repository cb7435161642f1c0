// Runs the Action's entry (dist/action/main.js, built by `npm run build`) as the runner would: inputs in INPUT_*
// variables, a pull_request payload in GITHUB_EVENT_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the
// REST API for the comment served by a stub on loopback.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { AuditResult } from '../../src/evidence';
import { cli, ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { commitAll, git, repoFrom, SAMPLES, UPSTREAM } from '../git/helpers';

const ENTRY = path.join(ROOT, 'dist', 'action', 'main.js');

interface Comment {
  id: number;
  body: string;
}
interface Stub {
  url: string;
  comments: Comment[];
  requests: { method: string; path: string; auth?: string; body?: string }[];
  close: () => Promise<void>;
}

/** A GitHub REST stand-in for the three comment endpoints of repository o/r, issue 7. */
async function stubApi(): Promise<Stub> {
  const comments: Comment[] = [{ id: 1, body: 'an unrelated comment by a person' }];
  const requests: Stub['requests'] = [];
  let next = 100;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: url.pathname, auth: req.headers.authorization, body: body || undefined });
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (req.headers.authorization !== 'Bearer secret-token') return send(401, { message: 'Bad credentials' });
      const patch = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && url.pathname === '/repos/o/r/issues/7/comments') {
        const page = Number(url.searchParams.get('page') ?? 1);
        const per = Number(url.searchParams.get('per_page') ?? 30);
        return send(200, comments.slice((page - 1) * per, page * per));
      }
      if (req.method === 'POST' && url.pathname === '/repos/o/r/issues/7/comments') {
        const c = { id: next++, body: (JSON.parse(body) as Comment).body };
        comments.push(c);
        return send(201, { ...c, html_url: `https://github.invalid/o/r/pull/7#issuecomment-${c.id}` });
      }
      if (req.method === 'PATCH' && patch) {
        const c = comments.find((x) => x.id === Number(patch[1]));
        if (!c) return send(404, { message: 'Not Found' });
        c.body = (JSON.parse(body) as Comment).body;
        return send(200, c);
      }
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs the entry asynchronously (the stub server lives in this process), with a bounded time. */
function runEntry(env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')) base[k] = v;
    const child = spawn(process.execPath, [ENTRY], { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Parses a GITHUB_OUTPUT file (heredoc form). */
function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([\w-]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const val: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) val.push(lines[i]);
    out[m[1]] = val.join('\n');
  }
  return out;
}

const annotations = (stdout: string, kind: string) => stdout.split('\n').filter((l) => l.startsWith(`::${kind}`));

describe('the GitHub Action, run as the runner would', () => {
  let stub: Stub;
  let tmp: string;
  let repo: string;
  let base: string;
  let packs: string;

  beforeAll(async () => {
    expect(fs.existsSync(ENTRY)).toBe(true); // `npm run build` (npm test does it) compiles dist/
    tmp = tempDir('action');
    packs = path.join(tmp, 'packs');
    const built = cli(['signatures', 'build', UPSTREAM, '--name', 'tinyformer', '--version', '1.0', '--license', 'MIT', '--out', packs]);
    expect(built.code).toBe(0);
    repo = path.join(tmp, 'repo');
    repoFrom(repo, 'bidder-pasted');
    fs.copyFileSync(path.join(SAMPLES, 'bidder-scratch', 'hanmodel', 'network.py'), path.join(repo, 'hanmodel', 'network.py'));
    base = commitAll(repo, 'base');
    fs.copyFileSync(path.join(SAMPLES, 'bidder-pasted', 'hanmodel', 'network.py'), path.join(repo, 'hanmodel', 'network.py'));
    commitAll(repo, 'head: paste generate()');
    stub = await stubApi();
  });
  afterAll(async () => {
    await stub?.close();
  });

  function envFor(name: string, inputs: Record<string, string>, workspace = repo): { env: Record<string, string>; summary: string; outputs: string; reports: string } {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    const event = path.join(dir, 'event.json');
    fs.writeFileSync(event, JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7, base: { sha: base, ref: 'main' }, head: { sha: 'x' } } }));
    const summary = path.join(dir, 'summary.md');
    const outputs = path.join(dir, 'outputs.txt');
    const reports = path.join(dir, 'reports');
    fs.writeFileSync(summary, '');
    fs.writeFileSync(outputs, '');
    const env: Record<string, string> = {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: outputs,
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_API_URL: stub.url,
      GITHUB_TOKEN: 'secret-token',
      INPUT_PATH: '.',
      INPUT_POLICY: 'strict',
      INPUT_SIGNATURES: packs,
      INPUT_SHIPPED_SIGNATURES: 'false',
      INPUT_REPORT_DIR: reports,
    };
    for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase().replace(/-/g, '_')}`] = v;
    return { env, summary, outputs, reports };
  }

  test('diff mode on a pull request: summary, outputs, one annotation per new fragment, one comment updated in place', async () => {
    const first = envFor('run1', { mode: 'diff', comment: 'always', annotations: '10' });
    const r1 = await runEntry(first.env, repo);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(1); // strict policy: the pasted code fails the ratio gate

    const result = JSON.parse(fs.readFileSync(path.join(first.reports, 'scratch-audit.json'), 'utf8')) as AuditResult;
    const pr = result.pr!;
    expect(pr.mergeBase).toBe(base);
    expect(pr.newBorrowed.findings).toHaveLength(1);
    expect(pr.ratioBefore!).toBeGreaterThan(pr.ratioAfter!);

    // the text report is in the log, with workflow commands stopped around it (repository text cannot issue any)
    expect(r1.stdout).toMatch(/::stop-commands::(scratch-audit-[\w-]+)\n[\s\S]*ratio before → after: [\s\S]*Verdict: FAIL\n::\1::\n/);

    // annotations: exactly the new fragment, with the file relative to the workspace and its line range
    const warnings = annotations(r1.stdout, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^::warning file=hanmodel\/network\.py,line=58,endLine=72,title=scratch-audit%3A borrowed code::lines 58-72 match tinyformer@1\.0:tinyformer\/model\.py:76-90 \(MIT\): 169 tokens, winnowing/);
    const errors = annotations(r1.stdout, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/verdict FAIL; code independence ratio \d+\.\d%25 \(before \d+\.\d%25; 1 new borrowed fragment/);

    // outputs
    const o = readOutputs(first.outputs);
    expect(o.verdict).toBe('FAIL');
    expect(Number(o.ratio)).toBeCloseTo(pr.ratioAfter!, 5);
    expect(Number(o['ratio-before'])).toBeCloseTo(pr.ratioBefore!, 5);
    expect(Number(o['new-borrowed-tokens'])).toBe(pr.newBorrowed.tokens);
    for (const k of ['report-json', 'report-html', 'report-markdown', 'sarif']) expect(fs.existsSync(o[k])).toBe(true);
    expect(JSON.parse(fs.readFileSync(o.sarif, 'utf8')).version).toBe('2.1.0');

    // job summary: the digest with the before -> after section
    const summary = fs.readFileSync(first.summary, 'utf8');
    const pctText = (x: number) => `${(x * 100).toFixed(1)} %`;
    expect(summary).toContain(`**${pctText(pr.ratioBefore!)} → ${pctText(pr.ratioAfter!)}**`);
    expect(summary).toMatch(/New borrowed code: \*\*1 fragment\(s\), \d+ tokens\*\*/);
    expect(summary).toMatch(/scratch-audit: \*\*FAIL\*\*/);
    expect(Buffer.byteLength(summary)).toBeLessThan(1024 * 1024);

    // the comment: created once, with the marker, the bearer token, and the digest
    const posts = stub.requests.filter((q) => q.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0].auth).toBe('Bearer secret-token');
    const ours = stub.comments.filter((c) => c.body.includes('<!-- scratch-audit -->'));
    expect(ours).toHaveLength(1);
    expect(ours[0].body.startsWith('<!-- scratch-audit -->\n')).toBe(true);
    expect(ours[0].body).toContain('### This change');
    expect(ours[0].body.length).toBeLessThanOrEqual(65_536);
    const id = ours[0].id;

    // second run (warn-only, a new push): the same comment is updated, no second one; the job does not fail
    const second = envFor('run2', { mode: 'diff', comment: 'on-failure', 'warn-only': 'true' });
    const before = stub.requests.length;
    ours[0].body = '<!-- scratch-audit -->\nstale';
    const r2 = await runEntry(second.env, repo);
    expect(r2.code).toBe(0);
    expect(annotations(r2.stdout, 'error')).toEqual([]);
    expect(r2.stdout).toMatch(/::warning::scratch-audit .*verdict FAIL.*warn-only: not failing the job/);
    const newReqs = stub.requests.slice(before);
    expect(newReqs.filter((q) => q.method === 'POST')).toEqual([]);
    expect(newReqs.filter((q) => q.method === 'PATCH').map((q) => q.path)).toEqual([`/repos/o/r/issues/comments/${id}`]);
    expect(stub.comments.filter((c) => c.body.includes('<!-- scratch-audit -->'))).toHaveLength(1);
    expect(stub.comments.find((c) => c.id === id)!.body).toContain('### This change');
    expect(stub.comments.find((c) => c.id === 1)!.body).toBe('an unrelated comment by a person');
  });

  test('full mode: at most N annotations and "N more in the summary"; comment never makes no request', async () => {
    const run = envFor('run3', { mode: 'full', comment: 'never', annotations: '1' });
    const before = stub.requests.length;
    const r = await runEntry(run.env, repo);
    expect(r.code).toBe(1);
    const warnings = annotations(r.stdout, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/file=hanmodel\/network\.py,line=58,endLine=72/); // the largest fragment first
    expect(annotations(r.stdout, 'notice')).toEqual(['::notice::scratch-audit: 1 more borrowed fragment(s) in the summary and the report artifact']);
    expect(fs.readFileSync(run.summary, 'utf8')).toContain('1 more borrowed fragment(s) in the summary');
    expect(fs.readFileSync(run.summary, 'utf8')).not.toContain('### This change');
    expect(readOutputs(run.outputs)['ratio-before']).toBe('');
    expect(stub.requests.length).toBe(before);
  });

  test('a comment the API refuses (read-only token of a fork PR) is a warning; the result stands', async () => {
    const run = envFor('run6', { mode: 'full', comment: 'always', token: 'read-only', 'warn-only': 'true' });
    const posts = stub.requests.filter((q) => q.method !== 'GET').length;
    const r = await runEntry(run.env, repo);
    expect(r.code).toBe(0); // warn-only, and the comment failure is not a tool error
    expect(r.stdout).toMatch(/::warning::scratch-audit: could not write the pull-request comment: GET \/repos\/o\/r\/issues\/7\/comments: HTTP 401 Bad credentials/);
    expect(stub.requests.filter((q) => q.method !== 'GET').length).toBe(posts);
    expect(readOutputs(run.outputs).verdict).toBe('FAIL');
  });

  test('tool errors are exit 2 with ::error::, never a pass: bad input, and a shallow clone without the merge base', async () => {
    const bad = envFor('run4', { mode: 'sideways' });
    const r = await runEntry(bad.env, repo);
    expect(r.code).toBe(2);
    expect(annotations(r.stdout, 'error')[0]).toMatch(/^::error::scratch-audit did not complete \(reading the inputs\): input mode: expected full or diff/);
    expect(readOutputs(bad.outputs).verdict).toBe('ERROR');
    expect(fs.readFileSync(bad.summary, 'utf8')).toMatch(/tool error \(exit code 2\)/);

    const clone = path.join(tmp, 'shallow');
    git(tmp, 'clone', '-q', '--depth', '1', `file://${repo}`, clone);
    git(clone, 'remote', 'set-url', 'origin', `file://${path.join(tmp, 'no-such-remote')}`);
    const sh = envFor('run5', { mode: 'diff' }, clone);
    const r2 = await runEntry(sh.env, clone);
    expect(r2.code).toBe(2);
    expect(r2.stdout).toMatch(/::error::scratch-audit did not complete \(auditing \. against [0-9a-f]{40}\): .*fetch-depth: 0/);
    expect(annotations(r2.stdout, 'warning')).toEqual([]);
  });
});

import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { appendSummary, command, CommentError, getBooleanInput, getInput, SUMMARY_LIMIT, upsertComment, writeOutputs } from '../../src/action/github';
import { tempDir } from '../helpers/fixtures';

describe('runner protocol pieces', () => {
  test('inputs: INPUT_<NAME> with hyphens kept or as underscores, trimmed; booleans strict', () => {
    expect(getInput({ 'INPUT_FAIL-UNDER': ' 0.9 ' }, 'fail-under')).toBe('0.9');
    expect(getInput({ INPUT_FAIL_UNDER: '90%' }, 'fail-under')).toBe('90%');
    expect(getBooleanInput({ INPUT_WARN_ONLY: 'True' }, 'warn-only', false)).toBe(true);
    expect(getBooleanInput({}, 'warn-only', false)).toBe(false);
    expect(() => getBooleanInput({ INPUT_WARN_ONLY: 'yes' }, 'warn-only', false)).toThrow(/expected true or false/);
  });

  test('workflow commands escape data and properties (a path with a comma or colon cannot inject a property)', () => {
    expect(command('warning', '50% of\nlines', { file: 'a,b:c.py', line: 3, endLine: 9, title: 'x: y' })).toBe(
      '::warning file=a%2Cb%3Ac.py,line=3,endLine=9,title=x%3A y::50%25 of%0Alines',
    );
    expect(command('error', 'plain')).toBe('::error::plain');
  });

  test('outputs use heredoc delimiters that never occur in the value', () => {
    const file = path.join(tempDir('gh-out'), 'out');
    writeOutputs({ GITHUB_OUTPUT: file }, { verdict: 'FAIL', multi: 'a\nb' });
    const text = fs.readFileSync(file, 'utf8');
    const m = /^verdict<<(ghadelimiter_[\w-]+)\nFAIL\n\1\nmulti<<(ghadelimiter_[\w-]+)\na\nb\n\2\n$/.exec(text);
    expect(m).not.toBeNull();
  });

  test('the job summary stays within 1 MiB, cut at a line end with a note', () => {
    const file = path.join(tempDir('gh-sum'), 'summary');
    fs.writeFileSync(file, 'x'.repeat(1000) + '\n');
    appendSummary({ GITHUB_STEP_SUMMARY: file }, `${'| row | é |\n'.repeat(200_000)}`);
    const size = fs.statSync(file).size;
    expect(size).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(size).toBeGreaterThan(SUMMARY_LIMIT - 4096);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('x'.repeat(1000))).toBe(true);
    expect(text).toMatch(/\| row \| é \|\n\n_Summary cut to fit GitHub’s 1 MiB limit; see the report artifact._\n$/);
  });
});

describe('the sticky comment', () => {
  let server: http.Server;
  let url = '';
  let comments: { id: number; body: string }[] = [];
  let status = 200;
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        seen.push(`${req.method} ${u.pathname}${u.search}`);
        res.setHeader('content-type', 'application/json');
        if (status !== 200) {
          res.statusCode = status;
          return res.end(JSON.stringify({ message: 'Resource not accessible by integration' }));
        }
        if (req.method === 'GET') {
          const page = Number(u.searchParams.get('page'));
          return res.end(JSON.stringify(comments.slice((page - 1) * 100, page * 100)));
        }
        if (req.method === 'PATCH') {
          const c = comments.find((x) => `/repos/o/r/issues/comments/${x.id}` === u.pathname)!;
          c.body = JSON.parse(body).body;
          return res.end(JSON.stringify(c));
        }
        const c = { id: 9999, body: JSON.parse(body).body };
        comments.push(c);
        res.statusCode = 201;
        return res.end(JSON.stringify(c));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    status = 200;
    seen.length = 0;
  });
  const target = () => ({ apiUrl: url, owner: 'o', repo: 'r', issue: 3, token: 't' });

  test('found on the second page of comments and updated in place', async () => {
    comments = Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: i === 120 ? 'x <!-- m --> old' : `c${i}` }));
    const r = await upsertComment(target(), '<!-- m -->', '<!-- m --> new');
    expect(r).toMatchObject({ action: 'updated', id: 121 });
    expect(comments[120].body).toBe('<!-- m --> new');
    expect(seen).toEqual(['GET /repos/o/r/issues/3/comments?per_page=100&page=1', 'GET /repos/o/r/issues/3/comments?per_page=100&page=2', 'PATCH /repos/o/r/issues/comments/121']);
  });

  test('created when absent, unless only updating is allowed', async () => {
    comments = [{ id: 1, body: 'hello' }];
    expect(await upsertComment(target(), '<!-- m -->', 'b', false)).toEqual({ action: 'none' });
    expect(comments).toHaveLength(1);
    expect(await upsertComment(target(), '<!-- m -->', '<!-- m --> b')).toMatchObject({ action: 'created', id: 9999 });
    expect(comments).toHaveLength(2);
  });

  test('a read-only token (fork pull request) is an error with the HTTP status', async () => {
    status = 403;
    const e = await upsertComment(target(), '<!-- m -->', 'b').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommentError);
    expect((e as CommentError).status).toBe(403);
    expect((e as Error).message).toMatch(/HTTP 403 Resource not accessible by integration/);
  });
});

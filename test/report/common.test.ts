import { parseRemote, redactRemote, upstreamPurl, upstreamUrl, uuidFromHex } from '../../src/report/common';
import { renderHtml } from '../../src/report/html';
import { makeResult } from './fixture';

describe('report helpers', () => {
  it('reads https, ssh and scp-like remotes and never keeps credentials', () => {
    expect(parseRemote('git@github.com:Org/Repo.git')).toEqual({ host: 'github.com', owner: 'Org', repo: 'Repo' });
    expect(parseRemote('https://x-access-token:ghs_secret@github.com/o/r.git')).toEqual({ host: 'github.com', owner: 'o', repo: 'r' });
    expect(parseRemote('javascript:alert(1)')).toBeUndefined();
    expect(redactRemote('https://x-access-token:ghs_secret@github.com/o/r.git')).toBe('https://github.com/o/r.git');
    const r = makeResult();
    r.repository.remote = 'https://x-access-token:ghs_secret@github.com/acme/model.git';
    const html = renderHtml(r);
    const visible = html.slice(0, html.indexOf('<script type="application/json"'));
    expect(visible).not.toContain('ghs_secret');
  });

  it('links upstream files at their commit on GitHub and GitLab, and nowhere without a commit', () => {
    const u = { project: 'p', version: '1', category: 'unknown' as const, path: 'a b/c.py', lines: { start: 3, end: 9 } };
    expect(upstreamUrl({ ...u, remote: 'https://github.com/o/r', commit: 'abcdef1' })).toBe('https://github.com/o/r/blob/abcdef1/a%20b/c.py#L3-L9');
    expect(upstreamUrl({ ...u, remote: 'https://gitlab.com/o/r.git', commit: 'abcdef1' })).toBe('https://gitlab.com/o/r/-/blob/abcdef1/a%20b/c.py#L3-9');
    expect(upstreamUrl({ ...u, remote: 'https://github.com/o/r' })).toBeUndefined();
    expect(upstreamUrl({ ...u, remote: 'https://github.com/o/r', commit: 'main; rm -rf' })).toBeUndefined();
    expect(upstreamPurl({ ...u, remote: 'https://github.com/Karpathy/nanoGPT.git', commit: 'abcdef1' })).toBe('pkg:github/karpathy/nanogpt@abcdef1');
  });

  it('makes RFC 4122-shaped UUIDs from digests', () => {
    expect(uuidFromHex('f'.repeat(64))).toBe('ffffffff-ffff-5fff-bfff-ffffffffffff');
  });
});

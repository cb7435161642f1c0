// Licence strings as the SBOM formats need them: a valid SPDX expression, with every licence that has no SPDX id
// turned into a LicenseRef-* that the document then declares.
import parseSpdx from 'spdx-expression-parse';
import deprecatedIds from 'spdx-license-ids/deprecated.json';
import spdxIds from 'spdx-license-ids/index.json';

const KNOWN = new Set<string>([...(spdxIds as string[]), ...(deprecatedIds as string[])]);
const BY_LOWER = new Map([...KNOWN].map((id) => [id.toLowerCase(), id]));

export interface LicenceInfo {
  /** What the finding said. */
  raw: string;
  /** A valid SPDX licence expression (may contain LicenseRef-*). */
  expression: string;
  /** The licence ids and refs in the expression, in order, without operators. */
  ids: string[];
  /** LicenseRef-* in the expression, with the name a reader sees. */
  refs: { id: string; name: string }[];
  /** True when the raw string was not an SPDX expression and was made into a LicenseRef. */
  converted: boolean;
}

export function isSpdxId(id: string): boolean {
  return KNOWN.has(id);
}

function idsOf(node: parseSpdx.Info, out: string[]): string[] {
  if ('conjunction' in node) {
    idsOf(node.left, out);
    idsOf(node.right, out);
  } else if (!out.includes(node.license)) {
    out.push(node.license);
  }
  return out;
}

/** "Llama 3 Community License" -> "LicenseRef-Llama-3-Community-License" (idstring: letters, digits, "." and "-"). */
export function licenceRefFor(raw: string): string {
  const slug = raw
    .replace(/^LicenseRef-/i, '')
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `LicenseRef-${slug || 'unknown'}`;
}

export function normaliseLicence(raw: string | undefined): LicenceInfo | undefined {
  const s = raw?.trim();
  if (!s || s === 'NOASSERTION' || s === 'NONE') return undefined;
  try {
    const tree = parseSpdx(s);
    const ids = idsOf(tree, []);
    const refs = ids.filter((i) => /^(DocumentRef-[^:]+:)?LicenseRef-/.test(i)).map((id) => ({ id, name: id.replace(/^.*LicenseRef-/, '') }));
    return { raw: s, expression: s, ids, refs, converted: false };
  } catch {
    // "mit" or "apache-2.0": an SPDX id in the wrong case is still that licence.
    const canonical = BY_LOWER.get(s.toLowerCase());
    if (canonical) return { raw: s, expression: canonical, ids: [canonical], refs: [], converted: false };
    const id = licenceRefFor(s);
    return { raw: s, expression: id, ids: [id], refs: [{ id, name: s }], converted: true };
  }
}

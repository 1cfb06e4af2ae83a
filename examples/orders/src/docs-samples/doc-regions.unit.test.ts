/**
 * Docs cannot rot: every ```ts block in the READMEs (the repository's, the orders example's)
 * and docs/*.md is preceded by `<!-- region: path#name -->` and must equal that region of a
 * compiled, tested source file (the lines between `// #region name` and `// #endregion`,
 * dedented).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const docsDir = `${root}docs/`;
const docs = [
  '../README.md',
  '../examples/orders/README.md',
  ...readdirSync(docsDir).filter((name) => name.endsWith('.md')),
];

interface CodeBlock {
  readonly doc: string;
  readonly line: number;
  readonly region: string | undefined;
  readonly text: string;
}

const REGION_COMMENT = /^<!--\s*region:\s*(\S+#\S+)\s*-->$/;
const TS_FENCE = /^```(ts|typescript)\s*$/;

/** Every ```ts block of a Markdown file, with the region comment before it, if any. */
function codeBlocks(doc: string, markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let previous: string | undefined; // the last non-blank line before the current one
  let open: { line: number; region: string | undefined; body: string[] } | undefined;
  for (const [index, raw] of markdown.split('\n').entries()) {
    const line = raw.trim();
    if (open) {
      if (line !== '```') open.body.push(raw);
      else {
        blocks.push({ doc, line: open.line, region: open.region, text: open.body.join('\n') });
        open = undefined;
        previous = line;
      }
    } else if (TS_FENCE.test(line)) {
      const region = previous === undefined ? undefined : REGION_COMMENT.exec(previous)?.[1];
      open = { line: index + 1, region, body: [] };
    } else if (line !== '') previous = line;
  }
  return blocks;
}

function dedent(lines: readonly string[]): string {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines
    .map((l) => l.slice(cut))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

/** The text of `// #region name` … `// #endregion` in a source file, dedented. */
function regionText(source: string, name: string): string | undefined {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  if (start < 0) return undefined;
  const length = lines.slice(start + 1).findIndex((l) => l.trim() === '// #endregion');
  if (length < 0) return undefined;
  return dedent(lines.slice(start + 1, start + 1 + length));
}

describe('doc code samples come from tested files', () => {
  it('finds the guides', () => {
    expect(docs).toContain('getting-started.md');
  });

  const blocks = docs.flatMap((doc) => codeBlocks(doc, readFileSync(docsDir + doc, 'utf8')));
  for (const block of blocks) {
    it(`${block.doc}:${block.line} matches ${block.region ?? '(no region comment)'}`, () => {
      expect(block.region, 'a ```ts block needs <!-- region: path#name --> before it').toBeDefined();
      const [path, name] = block.region!.split('#') as [string, string];
      const region = regionText(readFileSync(root + path, 'utf8'), name);
      expect(region, `no '// #region ${name}' … '// #endregion' in ${path}`).toBeDefined();
      expect(block.text.replace(/\n+$/, '')).toBe(region);
    });
  }
});

describe('the region checker itself', () => {
  it('pairs blocks with the region comment just before them, and dedents regions', () => {
    const md = ['<!-- region: a.ts#one -->', '', '```ts', 'x', '```', 'text', '```ts', 'y', '```'].join('\n');
    expect(codeBlocks('d.md', md)).toEqual([
      { doc: 'd.md', line: 3, region: 'a.ts#one', text: 'x' },
      { doc: 'd.md', line: 7, region: undefined, text: 'y' },
    ]);
    const source = ['a', '  // #region r', '    f();', '      g();', '  // #endregion'].join('\n');
    expect(regionText(source, 'r')).toBe('f();\n  g();');
    expect(regionText(source, 'missing')).toBeUndefined();
  });
});

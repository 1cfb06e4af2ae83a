import { describe, expect, it } from 'vitest';
import { lineMatching } from './node-process.js';

describe('lineMatching', () => {
  it('matches the line as written, whatever characters a pattern would read otherwise', () => {
    const ready = lineMatching('Each line. Ctrl+C stops (every) node [1] $HOME \\o/');
    expect(ready.test('Each line. Ctrl+C stops (every) node [1] $HOME \\o/')).toBe(true);
    expect(ready.test('Each line. Ctrl+C stops (every) node [1] $HOME \\o/ and more')).toBe(false);
    expect(ready.test('Each lineX CtrlC stops every node 1 $HOME \\o/')).toBe(false);
  });

  it('matches the start of a line when asked', () => {
    const listening = lineMatching('Whizbang orders service listening on ', { start: true });
    expect(listening.test('Whizbang orders service listening on http://127.0.0.1:3000')).toBe(true);
    expect(listening.test('api-1 | Whizbang orders service listening on http://127.0.0.1:3000')).toBe(false);
  });
});

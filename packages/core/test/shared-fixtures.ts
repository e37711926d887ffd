/**
 * Files made by other tools (Python peft, ...) live in `shared/fixtures/` beside
 * the repository, where CI puts them; a user's clone has no such folder. Tests
 * that need one run when it is there, are skipped with a one-line reason when it
 * is not, and fail when it is missing under CI (`CI=true`), which requires them.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** packages/core/test -> the repository root -> shared/ beside it. */
export const SHARED_FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures');

export interface SharedFixture {
  /** Absolute path of the fixture (file or folder). */
  readonly path: string;
  readonly present: boolean;
  /** `describe` when the fixture is there (or CI requires it); a skipped block naming why otherwise. */
  describe(title: string, body: () => void): void;
  /** The same for a single test. */
  test(title: string, body: jest.ProvidesCallback, timeout?: number): void;
  /** Throws under CI when absent; call at the start of a beforeAll that reads the fixture. */
  requireUnderCi(): void;
}

export function sharedFixture(relativePath: string): SharedFixture {
  const fixturePath = path.join(SHARED_FIXTURES, relativePath);
  const present = existsSync(fixturePath);
  const required = process.env.CI === 'true';
  const reason = `skipped: fixture shared/fixtures/${relativePath} is not beside this clone (CI provides it)`;
  const run = present || required;
  return {
    path: fixturePath,
    present,
    describe: (title, body) => (run ? describe(title, body) : describe.skip(`${title} (${reason})`, body)),
    test: (title, body, timeout) => (run ? test(title, body, timeout) : test.skip(`${title} (${reason})`, body)),
    requireUnderCi: () => {
      if (!present) throw new Error(`The fixture shared/fixtures/${relativePath} is missing: expected it at ${fixturePath}; CI requires it`);
    },
  };
}

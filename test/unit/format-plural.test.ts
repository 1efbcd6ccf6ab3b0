// Counts read as words: "1 error", "0 errors", never "error(s)".
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { plural } from '../../src/core/format';

it('singular only for exactly one, an irregular plural when given', () => {
  assert.equal(plural(1, 'error'), '1 error');
  assert.equal(plural(0, 'error'), '0 errors');
  assert.equal(plural(2, 'key file'), '2 key files');
  assert.equal(plural(3, 'entry', 'entries'), '3 entries');
});

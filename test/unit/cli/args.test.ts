// The option-table parser on its own: what it accepts, what it refuses and how it says so, and the help it
// writes from the same table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nearestName, OptionTable, parseArgs, UsageError } from '../../../src/cli/args';
import { renderOptions } from '../../../src/cli/help';

const TABLE = {
  name: { type: 'string', value: 'NAME', help: 'a name' },
  mode: { type: 'string', value: 'a|b', choices: ['a', 'b'], help: 'a mode' },
  count: { type: 'integer', value: 'N', min: 1, max: 10, default: 3, help: 'how many' },
  limit: { type: 'integer', value: 'N', min: 0, help: 'a limit without default' },
  'dry-run': { type: 'boolean', help: 'change nothing' },
  conn: { type: 'string', value: 'URL', group: 'Connection', help: 'where' },
} as const satisfies OptionTable;

function refusal(argv: string[], positional?: string): string {
  try {
    parseArgs(argv, TABLE, positional);
  } catch (err) {
    assert.ok(err instanceof UsageError, `not a UsageError: ${err}`);
    return err.message;
  }
  assert.fail(`accepted: ${JSON.stringify(argv)}`);
}

describe('parseArgs (option tables over util.parseArgs, strict)', () => {
  it('reads values, defaults, booleans, --flag=value and one positional', () => {
    const p = parseArgs(['--name', 'x', '--mode=b', '--dry-run', 'target', '--limit', '0'], TABLE, 'TARGET');
    assert.deepEqual(p.values, { name: 'x', mode: 'b', count: 3, limit: 0, 'dry-run': true, conn: undefined });
    assert.equal(p.positional, 'target');
    assert.equal(p.help, false);
    assert.deepEqual([...p.given], [['name', 'x'], ['mode', 'b'], ['dry-run', true], ['limit', '0']]);
    const bare = parseArgs([], TABLE);
    assert.deepEqual(bare.values, { name: undefined, mode: undefined, count: 3, limit: undefined, 'dry-run': false, conn: undefined });
    assert.equal(bare.positional, undefined);
    assert.equal(parseArgs(['-h'], TABLE).help, true);
    assert.equal(parseArgs(['--help'], TABLE).help, true);
    // After `--` a dash is a value: the only way to pass one on purpose.
    assert.equal(parseArgs(['--', '--name'], TABLE, 'X').positional, '--name');
    assert.equal(parseArgs(['--name=-x'], TABLE).values.name, '-x');
  });

  it('refuses an unknown flag and names the one that was probably meant', () => {
    assert.equal(refusal(['--dryrun']), 'unknown flag --dryrun (did you mean --dry-run?)');
    assert.equal(refusal(['--dry_run']), 'unknown flag --dry_run (did you mean --dry-run?)');
    assert.equal(refusal(['--nme', 'x']), 'unknown flag --nme (did you mean --name?)');
    assert.equal(refusal(['--insecure-skip-verify']), 'unknown flag --insecure-skip-verify');
    assert.equal(refusal(['-y']), 'unknown flag -y');
    assert.equal(refusal(['--unknown=1']), 'unknown flag --unknown');
  });

  it('refuses a flag without its value, also when the next word is a flag', () => {
    assert.equal(refusal(['--name']), '--name needs a value (--name NAME)');
    assert.equal(refusal(['--name', '--dry-run']), '--name needs a value (--name NAME)');
    assert.equal(refusal(['--count', '-1']), '--count needs a value (--count N)');
  });

  it('refuses bad numbers, out-of-range numbers and values outside the choices', () => {
    for (const bad of ['soon', '1.5', '1e1', '0x5', '+3', ' 3', '', '11', '0']) {
      assert.equal(refusal(['--count', bad]), `--count must be an integer >= 1 and <= 10, got "${bad}"`);
    }
    assert.equal(refusal(['--limit', '9007199254740993']), '--limit must be an integer >= 0, got "9007199254740993"');
    assert.equal(refusal(['--mode', 'c']), '--mode must be a or b, got "c"');
  });

  it('refuses stray positionals, a value on a boolean and two different values for one flag', () => {
    assert.equal(refusal(['stray']), 'unexpected argument "stray": this command takes flags only');
    assert.equal(refusal(['--dry-run', 'true']), 'unexpected argument "true": this command takes flags only');
    assert.equal(refusal(['one', 'two'], 'TARGET'), 'unexpected argument "two": only one TARGET is taken');
    assert.equal(refusal(['--dry-run=false']), '--dry-run takes no value');
    assert.equal(refusal(['--name', 'a', '--name', 'b']), '--name given twice ("a", "b")');
    assert.equal(parseArgs(['--name', 'a', '--name', 'a'], TABLE).values.name, 'a');
  });

  it('writes --help from the table: value names, defaults, choices, groups, and -h', () => {
    const help = renderOptions(TABLE);
    assert.match(help, /^Options:\n {2}--name NAME +a name$/m);
    assert.match(help, /^ {2}--count N +how many \(default 3\)$/m);
    assert.match(help, /^ {2}--mode a\|b +a mode$/m);
    assert.match(help, /^ {2}-h, --help +show this help$/m);
    assert.match(help, /\n\nConnection:\n {2}--conn URL +where$/);
    for (const line of help.split('\n')) assert.ok(line.length <= 100, line);
  });

  it('nearestName tolerates one slip, not a different word', () => {
    assert.equal(nearestName('stauts', ['status', 'simulate']), 'status');
    assert.equal(nearestName('membr', ['member', 'to']), 'member');
    assert.equal(nearestName('yes', ['member', 'to']), undefined);
  });
});

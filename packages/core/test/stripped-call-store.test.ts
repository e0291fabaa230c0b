import assert from 'node:assert/strict';
import { MemoryStrippedCallStore, type RememberedStrip } from '@tollgate/core';

const strip = (n: number): RememberedStrip => ({ callId: `call_${n}`, itemId: `fc_${n}`, kind: 'function', name: 'rm', note: `note ${n}`, noteItemId: `msg_tollgate_fc_${n}` });

describe('MemoryStrippedCallStore', () => {
  it('remembers strips per key and by note item, and forgets them', () => {
    const store = new MemoryStrippedCallStore();
    assert.equal(store.empty, true);
    store.remember('resp_1', [strip(1)]);
    assert.equal(store.empty, false);
    assert.deepEqual(store.recall('resp_1'), [strip(1)]);
    assert.deepEqual(store.byNoteItem('msg_tollgate_fc_1'), strip(1));
    store.forget('resp_1');
    assert.equal(store.recall('resp_1'), undefined);
    assert.equal(store.byNoteItem('msg_tollgate_fc_1'), undefined);
    assert.equal(store.empty, true);
  });

  it('is bounded: beyond its limit the oldest responses are forgotten, note items with them', () => {
    const store = new MemoryStrippedCallStore(3);
    for (let n = 1; n <= 5; n++) store.remember(`resp_${n}`, [strip(n)]);
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => store.recall(`resp_${n}`) !== undefined), [false, false, true, true, true]);
    assert.equal(store.byNoteItem('msg_tollgate_fc_2'), undefined);
    assert.deepEqual(store.byNoteItem('msg_tollgate_fc_5'), strip(5));
  });
});

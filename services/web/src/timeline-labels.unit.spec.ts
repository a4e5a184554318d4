import { EVENT_TYPES } from '@pzp/domain';
import { describe, expect, it } from 'vitest';
import { CHANGE_TEXT, changeText } from '../client/timeline-labels.js';

describe('the timeline in Dutch', () => {
  it('has words for every kind of change the registry records, and for no other', () => {
    expect(Object.keys(CHANGE_TEXT).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('keeps the API summary for a kind it does not know', () => {
    expect(changeText('TreatmentDirectiveWithdrawn', 'Treatment directive withdrawn')).toBe(
      'Behandelafspraak beëindigd',
    );
    expect(changeText('SomethingNew', 'Something new happened')).toBe('Something new happened');
  });
});
